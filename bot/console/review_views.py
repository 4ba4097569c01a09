"""The conversation pages: the filtered list and one conversation's transcript with review forms.

    GET  /console/conversations                          list (viewer); filters in the query string
    GET  /console/conversations/<sender_id>              transcript (viewer; audited)
    GET  /console/conversations/<sender_id>/story.yml    the conversation as a Rasa test story (reviewer; audited)
    POST /console/conversations/<sender_id>/tags         add or remove a tag (reviewer): tag, action=add|remove
    POST /console/conversations/<sender_id>/notes        add a note (reviewer): note
    POST /console/conversations/<sender_id>/review       mark reviewed or not (reviewer): reviewed=yes|no
    POST /console/conversations/<sender_id>/corrections  correct a message (reviewer): event_id, intent,
                                                         language, entities ("entity: words" per line)

A bad query parameter gets a 400 (a page, or JSON when asked for); a form that cannot be stored shows the transcript
again with the reason (status 400); a successful form redirects (303) back to the transcript.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, Optional, Tuple, Union
from urllib.parse import parse_qsl, quote

from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.console import non_answers, query, review_db, stories, transcripts
from bot.console.accounts_db import db_call
from bot.console.audit import audit
from bot.console.auth import console_error, require_role, wants_json
from bot.console.review_db import ReviewInputError
from bot.console.templating import apply_security_headers, render
from bot.yaml_files import read_yaml

review_bp = Blueprint("console_review", url_prefix="/console")

MAX_SENDER_CHARS = 255
NOTICES = {
    "tagged": "Tag added.",
    "untagged": "Tag removed.",
    "noted": "Note added.",
    "reviewed": "Marked as reviewed.",
    "unreviewed": "Marked as not reviewed.",
    "corrected": "Correction saved; it is in the NLU inbox.",
}


@lru_cache(maxsize=4)
def domain_names(domain_file: Path) -> Tuple[Tuple[str, ...], Tuple[str, ...]]:
    """The intents and entities declared in the domain file, sorted.

    Args:
        domain_file: ``domain.yml``.

    Returns:
        (intents, entities).
    """
    data = read_yaml(domain_file) or {}

    def names(items: Any) -> Tuple[str, ...]:
        found = [next(iter(item)) if isinstance(item, dict) else str(item) for item in items or []]
        return tuple(sorted(found))

    return names(data.get("intents")), names(data.get("entities"))


def _domain(request: Request) -> Tuple[Tuple[str, ...], Tuple[str, ...]]:
    return domain_names(request.app.ctx.settings.project_dir / "domain.yml")


def _default_language(request: Request) -> str:
    return str(request.app.ctx.settings.default_language)


def bad_query(request: Request, error: query.QueryError) -> HTTPResponse:
    """The 400 answer to a malformed query parameter."""
    return console_error(request, 400, "invalid_query", str(error))


def period_and_language(request: Request) -> Union[Tuple[dt.date, dt.date, Optional[str]], HTTPResponse]:
    """The date range and language of a report page (analytics, suspect answers), or the 400 answer.

    ``from``/``to`` default to the last 30 days and span at most 366 days; ``language`` must be one
    of the assistant's.
    """
    try:
        date_from, date_to = query.date_range(request.args, dt.datetime.utcnow().date())
        language = query.text(request.args, "language")
    except query.QueryError as error:
        return bad_query(request, error)
    if language is not None and language not in request.app.ctx.settings.languages:
        return console_error(request, 400, "invalid_query", "'language' is not one of the assistant's languages")
    if (date_to - date_from).days >= 366:
        return console_error(request, 400, "invalid_query", "choose at most 366 days")
    return date_from, date_to, language


async def prepare(request: Request) -> None:
    """Create the console's review tables on first use (idempotent)."""
    await db_call(request, transcripts.ensure_console_tables_once)


@review_bp.get("/conversations")
@require_role("viewer")
async def conversation_list(request: Request) -> HTTPResponse:
    """The conversation list, newest first, filtered by the query string.

    A URL with empty fields (the filter form sends every field) is redirected to its clean form, so
    the address bar holds a link worth sharing; a page past the last shows the last.
    """
    try:
        filters = query.conversation_filter(request.args)
        page_number = query.page(request.args)
    except query.QueryError as error:
        if wants_json(request):
            return bad_query(request, error)
        return await _list_with_error(request, error)
    if any(not value for _, value in parse_qsl(request.query_string, keep_blank_values=True)):
        resp = response.redirect(query.list_url(filters, page_number), status=302)
        apply_security_headers(resp)
        return resp
    await prepare(request)
    language = _default_language(request)
    try:
        listing = await db_call(
            request, transcripts.list_conversations, filters, page_number, default_language=language
        )
    except OverflowError:  # a date at the end of the calendar (query.date refuses them; a safety net)
        return console_error(request, 400, "invalid_query", "a date is out of range")
    page_number = listing.page
    choices = await db_call(request, transcripts.filter_choices, language)
    previous_url = query.list_url(filters, page_number - 1) if page_number > 1 else None
    next_url = query.list_url(filters, page_number + 1) if page_number < listing.pages else None
    return render(
        request, "review_list.html", listing=listing, filters=filters, choices=choices, previous_url=previous_url,
        next_url=next_url, intents=sorted(set(choices["intents"]) | set(_domain(request)[0])),
        share_url=query.list_url(filters, page_number), form_error="", form_error_field="",
    )


async def _list_with_error(request: Request, error: query.QueryError) -> HTTPResponse:
    """The list page with the filter form and the field's error in it (400), and no rows."""
    await prepare(request)
    language = _default_language(request)
    choices = await db_call(request, transcripts.filter_choices, language)
    return render(
        request, "review_list.html", status=400, listing=transcripts.ConversationPage((), 0, 1, 25),
        filters=transcripts.ConversationFilter(), choices=choices, previous_url=None, next_url=None,
        intents=sorted(set(choices["intents"]) | set(_domain(request)[0])), share_url="/console/conversations",
        form_error=str(error), form_error_field=error.name,
    )


def conversation_url(sender_id: str, done: Optional[str] = None) -> str:
    """The transcript page's URL (with a notice code)."""
    url = f"/console/conversations/{quote(sender_id, safe='')}"
    return url + (f"?done={done}" if done else "")


async def transcript_page(request: Request, sender_id: str, status: int = 200, error: str = "") -> HTTPResponse:
    """The transcript page (optionally with an error above the forms)."""
    language = _default_language(request)
    transcript = await db_call(request, transcripts.load_transcript, sender_id, language)
    if transcript is None:
        return console_error(request, 404, "not_found", "no conversation with this id")
    tags = (await db_call(request, review_db.tags_for, [sender_id])).get(sender_id, [])
    notes = await db_call(request, review_db.notes_for, sender_id)
    review = await db_call(request, review_db.review_of, sender_id)
    corrections: Dict[int, review_db.Correction] = {
        item.event_id: item for item in await db_call(request, review_db.corrections_for, sender_id)
    }
    intents, entities = _domain(request)
    notice = "" if error else NOTICES.get(request.args.get("done", ""), "")
    return render(
        request, "review_conversation.html", status=status, transcript=transcript, tags=tags, notes=notes,
        review=review, corrections=corrections, intents=intents, entities=entities, error=error, notice=notice,
        languages=request.app.ctx.settings.languages, can_review=request.ctx.user.has_role("reviewer"),
        answer_labels=non_answers.LABELS,
    )


def _check_sender(request: Request, sender_id: str) -> Optional[HTTPResponse]:
    if not sender_id or len(sender_id) > MAX_SENDER_CHARS:
        return console_error(request, 400, "invalid_sender", f"a conversation id has 1-{MAX_SENDER_CHARS} characters")
    return None


@review_bp.get("/conversations/<sender_id:str>/story.yml")
@require_role("reviewer")
async def conversation_story(request: Request, sender_id: str) -> HTTPResponse:
    """The conversation as a Rasa test story (``bot.console.stories``), with the reviewers' corrections."""
    refused = _check_sender(request, sender_id)
    if refused is not None:
        return refused
    await prepare(request)
    transcript = await db_call(request, transcripts.load_transcript, sender_id, _default_language(request))
    if transcript is None:
        return console_error(request, 404, "not_found", "no conversation with this id")
    corrections = {item.event_id: item for item in await db_call(request, review_db.corrections_for, sender_id)}
    body = stories.test_story(transcript, corrections, request.ctx.user.name, dt.datetime.utcnow())
    await audit(request, "export_story", sender_id, f"{len(transcript.turns)} message(s)")
    resp = response.text(body, content_type="application/x-yaml; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="test_story_{stories.story_name(sender_id)}.yml"'})
    apply_security_headers(resp)
    return resp


@review_bp.get("/conversations/<sender_id:str>")
@require_role("viewer")
async def conversation(request: Request, sender_id: str) -> HTTPResponse:
    """One conversation's transcript; viewing it is written to the audit log."""
    refused = _check_sender(request, sender_id)
    if refused is not None:
        return refused
    await prepare(request)
    page = await transcript_page(request, sender_id)
    if page.status == 200:
        await audit(request, "view_conversation", sender_id)
    return page


def _form(request: Request, name: str) -> str:
    try:
        return str(request.form.get(name) or "")
    except Exception:  # an unparsable body has no fields
        return ""


def _done(sender_id: str, code: str) -> HTTPResponse:
    resp = response.redirect(conversation_url(sender_id, code), status=303)
    apply_security_headers(resp)
    return resp


async def _exists(request: Request, sender_id: str) -> bool:
    language = _default_language(request)
    return await db_call(request, transcripts.load_transcript, sender_id, language) is not None


async def _reviewable(request: Request, sender_id: str) -> Optional[HTTPResponse]:
    """None when a reviewer may change this conversation; else the error (bad id 400, unknown 404)."""
    refused = _check_sender(request, sender_id)
    if refused is not None:
        return refused
    await prepare(request)
    if not await _exists(request, sender_id):
        return console_error(request, 404, "not_found", "no conversation with this id")
    return None


@review_bp.post("/conversations/<sender_id:str>/tags")
@require_role("reviewer")
async def change_tag(request: Request, sender_id: str) -> HTTPResponse:
    """Add (``action=add``, the default) or remove (``action=remove``) a tag."""
    refused = await _reviewable(request, sender_id)
    if refused is not None:
        return refused
    action = _form(request, "action") or "add"
    if action not in ("add", "remove"):
        return console_error(request, 400, "invalid_field", "'action' must be add or remove")
    user = request.ctx.user.name
    try:
        if action == "add":
            tag = await db_call(request, review_db.add_tag, sender_id, _form(request, "tag"), user)
        else:
            tag = review_db.normalise_tag(_form(request, "tag"))
            await db_call(request, review_db.remove_tag, sender_id, tag)
    except ReviewInputError as error:
        return await transcript_page(request, sender_id, 400, str(error))
    await audit(request, "tag_conversation" if action == "add" else "untag_conversation", sender_id, tag)
    return _done(sender_id, "tagged" if action == "add" else "untagged")


@review_bp.post("/conversations/<sender_id:str>/notes")
@require_role("reviewer")
async def add_note(request: Request, sender_id: str) -> HTTPResponse:
    """Add a note to the conversation."""
    refused = await _reviewable(request, sender_id)
    if refused is not None:
        return refused
    try:
        note = await db_call(request, review_db.add_note, sender_id, _form(request, "note"), request.ctx.user.name)
    except ReviewInputError as error:
        return await transcript_page(request, sender_id, 400, str(error))
    await audit(request, "add_note", sender_id, f"note {note.id}")
    return _done(sender_id, "noted")


@review_bp.post("/conversations/<sender_id:str>/review")
@require_role("reviewer")
async def mark_reviewed(request: Request, sender_id: str) -> HTTPResponse:
    """Mark the conversation reviewed (``reviewed=yes``) or not (``reviewed=no``)."""
    refused = _check_sender(request, sender_id)
    if refused is not None:
        return refused
    value = _form(request, "reviewed")
    if value not in ("yes", "no"):
        return console_error(request, 400, "invalid_field", "'reviewed' must be yes or no")
    refused = await _reviewable(request, sender_id)
    if refused is not None:
        return refused
    await db_call(request, review_db.set_reviewed, sender_id, value == "yes", request.ctx.user.name)
    await audit(request, "mark_reviewed" if value == "yes" else "mark_unreviewed", sender_id)
    return _done(sender_id, "reviewed" if value == "yes" else "unreviewed")


@review_bp.post("/conversations/<sender_id:str>/corrections")
@require_role("reviewer")
async def correct_message(request: Request, sender_id: str) -> HTTPResponse:
    """Correct one user message's intent (a domain intent) and entities; it goes to the NLU inbox."""
    refused = _check_sender(request, sender_id)
    if refused is not None:
        return refused
    await prepare(request)
    event_id = query.whole_number(_form(request, "event_id"))
    if event_id is None:
        return console_error(request, 400, "invalid_field", "'event_id' must be the id of a user message")
    turn = await db_call(request, transcripts.find_user_message, sender_id, event_id, _default_language(request))
    if turn is None:
        return console_error(request, 404, "not_found", "this conversation has no user message with this id")
    intents, entities = _domain(request)
    intent = _form(request, "intent")
    language = _form(request, "language") or turn.language
    try:
        if intent not in intents:
            raise ReviewInputError("intent", "choose an intent of the domain")
        if language not in request.app.ctx.settings.languages:
            raise ReviewInputError("language", "choose one of the assistant's languages")
        annotations = review_db.parse_entities(_form(request, "entities"), turn.text, entities)
    except ReviewInputError as error:
        return await transcript_page(request, sender_id, 400, str(error))
    await db_call(
        request, review_db.add_correction, sender_id=sender_id, event_id=turn.event_id, original_text=turn.text,
        language=language, original_intent=turn.intent, corrected_intent=intent, corrected_entities=annotations,
        user=request.ctx.user.name,
    )
    detail = f"event {turn.event_id}: {turn.intent} -> {intent}; entities: {len(annotations)}"
    await audit(request, "correct_message", sender_id, detail)
    return _done(sender_id, "corrected")
