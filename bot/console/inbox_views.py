"""The improve loop's pages: the NLU inbox with its export, and the unanswered questions.

    GET  /console/inbox                      corrected messages not exported yet, per language, the
                                             discarded ones and the export history (viewer)
    GET  /console/inbox/export?language=xx   a preview of the language's file (Rasa NLU YAML; reviewer)
    POST /console/inbox/export?language=xx   export: the file, named with the export time, and the
                                             corrections leave the inbox; the form's ``request_key``
                                             makes a repeated POST return the same export (reviewer)
    GET  /console/inbox/exports/<id>         an earlier export's file again (reviewer)
    POST /console/inbox/corrections/<id>/discard   never export this correction (reviewer)
    POST /console/inbox/corrections/<id>/restore   put a discarded correction back (reviewer)
    POST /console/unanswered/dismiss         take a group out of the page (reviewer): ``message``
                                             fields ``<event id>:<conversation id>``, ``back``
    GET  /console/unanswered                 messages the assistant did not answer, grouped (viewer);
                                             ``from``/``to`` (default: the last 30 days), ``language``,
                                             ``class`` (a non-answer class), ``similarity`` (0-1,
                                             default 0.35)

Every export is written to the audit log.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections import Counter
from typing import Dict, List, Optional
from urllib.parse import urlencode

from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.console import dismissals, exports, inbox, non_answers, query, review_db, transcripts, unanswered
from bot.console.accounts_db import db_call
from bot.console.audit import audit
from bot.console.auth import console_error, require_role
from bot.console.review_views import bad_query, prepare
from bot.console.templating import apply_security_headers, render

inbox_bp = Blueprint("console_inbox", url_prefix="/console")

MAX_GROUPS = 10
INBOX_NOTICES = {"discarded": "Correction discarded: it will not be exported.",
                 "restored": "Correction put back in the inbox."}


@inbox_bp.get("/inbox")
@require_role("viewer")
async def inbox_page(request: Request) -> HTTPResponse:
    """The corrections waiting to be exported, grouped by language."""
    await prepare(request)
    pending = await db_call(request, review_db.pending_corrections)
    per_language: Dict[str, List[review_db.Correction]] = {}
    for correction in pending:
        per_language.setdefault(correction.language, []).append(correction)
    return render(
        request, "inbox.html", per_language=dict(sorted(per_language.items())),
        can_export=request.ctx.user.has_role("reviewer"), notice=INBOX_NOTICES.get(request.args.get("done", ""), ""),
        discarded=await db_call(request, exports.discarded), history=await db_call(request, exports.history),
        request_key=secrets.token_hex(16),
    )


@inbox_bp.route("/inbox/export", methods=["GET", "POST"])
@require_role("reviewer")
async def export(request: Request) -> HTTPResponse:
    """Download a language's corrections as ``nlu_corrections_<lang>.yml``; POST also empties that inbox."""
    try:
        language = query.text(request.args, "language")
    except query.QueryError as error:
        return bad_query(request, error)
    if language is None or language not in request.app.ctx.settings.languages:
        codes = ", ".join(request.app.ctx.settings.languages)
        return console_error(request, 400, "invalid_query", f"'language' must be one of: {codes}")
    await prepare(request)
    if request.method == "GET":  # a preview: nothing leaves the inbox
        pending = await db_call(request, review_db.pending_corrections, language)
        await audit(request, "preview_inbox", language, f"{len(pending)} correction(s)")
        return _yaml(inbox.export_yaml(pending, language), f"nlu_corrections_{language}_preview.yml", len(pending), 0)
    key = str(request.form.get("request_key") or "")[:64] or None
    try:
        made, body, new = await db_call(request, exports.create, language, request.ctx.user.name, key)
    except exports.NothingToExport as error:
        return console_error(request, 409, "nothing_to_export", str(error))
    detail = f"export {made.id}: {made.count} correction(s)" + ("" if new else "; the same form again, same file")
    await audit(request, "export_inbox", language, detail)
    return _yaml(body, made.filename, made.count, made.count if new else 0, made.id)


def _yaml(body: str, filename: str, count: int, marked: int, export_id: Optional[int] = None) -> HTTPResponse:
    headers = {
        "Content-Disposition": f'attachment; filename="{filename}"',
        "X-Exported-Count": str(count),
        "X-Marked-Exported": str(marked),
    }
    if export_id is not None:
        headers["X-Export-Id"] = str(export_id)
    resp = response.text(body, content_type="application/x-yaml; charset=utf-8", headers=headers)
    apply_security_headers(resp)
    return resp


@inbox_bp.get("/inbox/exports/<export_id:int>")
@require_role("reviewer")
async def export_again(request: Request, export_id: int) -> HTTPResponse:
    """An earlier export's file, made again from its corrections (those still stored)."""
    await prepare(request)
    found = await db_call(request, exports.download, export_id) if query.is_row_id(export_id) else None
    if found is None:
        return console_error(request, 404, "not_found", "no export with this id")
    made, body = found
    await audit(request, "download_export", made.language, f"export {made.id}: {made.count} correction(s)")
    return _yaml(body, made.filename, made.count, 0, made.id)


@inbox_bp.post("/inbox/corrections/<correction_id:int>/discard", name="discard_correction")
@require_role("reviewer")
async def discard(request: Request, correction_id: int) -> HTTPResponse:
    """Discard a waiting correction: it is never exported."""
    return await _discard_or_restore(request, correction_id, "discard")


@inbox_bp.post("/inbox/corrections/<correction_id:int>/restore", name="restore_correction")
@require_role("reviewer")
async def restore(request: Request, correction_id: int) -> HTTPResponse:
    """Put a discarded correction back in the inbox."""
    return await _discard_or_restore(request, correction_id, "restore")


async def _discard_or_restore(request: Request, correction_id: int, action: str) -> HTTPResponse:
    await prepare(request)
    user = request.ctx.user.name if action == "discard" else None
    changed = await db_call(request, exports.set_discarded, correction_id, user) if query.is_row_id(
        correction_id) else False
    if not changed:
        return console_error(request, 404, "not_found", "no correction waiting for export with this id")
    await audit(request, f"{action}_correction", str(correction_id))
    resp = response.redirect(f"/console/inbox?done={'discarded' if user else 'restored'}", status=303)
    apply_security_headers(resp)
    return resp


def _unanswered_url(date_from: dt.date, date_to: dt.date, language: Optional[str], answer_class: Optional[str],
                    similarity: float) -> str:
    """The unanswered page's URL for these filters (defaults left out)."""
    params = {"from": date_from.isoformat(), "to": date_to.isoformat()}
    if language:
        params["language"] = language
    if answer_class:
        params["class"] = answer_class
    if similarity != unanswered.DEFAULT_THRESHOLD:
        params["similarity"] = f"{similarity:g}"
    return f"/console/unanswered?{urlencode(params)}"


@inbox_bp.get("/unanswered")
@require_role("viewer")
async def unanswered_page(request: Request) -> HTTPResponse:
    """The top groups of unanswered questions per language, each message with its class."""
    settings = request.app.ctx.settings
    try:
        date_from, date_to = query.date_range(request.args, dt.datetime.utcnow().date())
        language = query.text(request.args, "language")
        answer_class = query.text(request.args, "class")
        similarity = query.number(request.args, "similarity", 0.0, 1.0) or unanswered.DEFAULT_THRESHOLD
    except query.QueryError as error:
        return bad_query(request, error)
    if language is not None and language not in settings.languages:
        return console_error(request, 400, "invalid_query", "'language' is not one of the assistant's languages")
    if answer_class is not None and answer_class not in non_answers.NON_ANSWER_CLASSES:
        names = ", ".join(non_answers.NON_ANSWER_CLASSES)
        return console_error(request, 400, "invalid_query", f"'class' must be one of: {names}")
    if (date_to - date_from).days >= 366:
        return console_error(request, 400, "invalid_query", "choose at most 366 days")
    try:
        start = transcripts.to_epoch(date_from)
        end = transcripts.to_epoch(date_to + dt.timedelta(days=1))
    except OverflowError:  # a date at the end of the calendar (query.date refuses them; a safety net)
        return console_error(request, 400, "invalid_query", "a date is out of range")
    await prepare(request)
    turns = await db_call(request, transcripts.turns_between, start, end, settings.default_language)
    dismissed = await db_call(request, dismissals.dismissed, dismissals.UNANSWERED)
    messages = unanswered.unanswered_messages(turns, dismissed)
    if language is not None:
        messages = [message for message in messages if message.language == language]
    per_class = Counter(message.answer_class for message in messages)
    class_links = [
        (name, per_class[name], _unanswered_url(date_from, date_to, language, name, similarity))
        for name in non_answers.NON_ANSWER_CLASSES
    ]
    if answer_class is not None:
        messages = [message for message in messages if message.answer_class == answer_class]
    groups = unanswered.top_groups(messages, similarity, MAX_GROUPS)
    return render(
        request, "unanswered.html", groups=groups, total=len(messages), date_from=date_from, date_to=date_to,
        language=language or "", languages=settings.languages, similarity=similarity,
        answer_class=answer_class or "", classes=non_answers.NON_ANSWER_CLASSES, labels=non_answers.LABELS,
        class_links=class_links, all_classes_url=_unanswered_url(date_from, date_to, language, None, similarity),
        can_review=request.ctx.user.has_role("reviewer"),
        back=_unanswered_url(date_from, date_to, language, answer_class, similarity),
        notice=f"{request.args.get('dismissed')} question(s) dismissed." if request.args.get("dismissed") else "",
    )


@inbox_bp.post("/unanswered/dismiss")
@require_role("reviewer")
async def dismiss_group(request: Request) -> HTTPResponse:
    """Take a group of unanswered questions out of the page: there is nothing to teach from them.

    The form carries the group's messages as ``message`` fields ``<event id>:<conversation id>``.
    """
    messages = []
    for value in request.form.getlist("message") or []:
        event_id, _, sender_id = str(value).partition(":")
        if not event_id.isdigit() or not sender_id or not query.is_row_id(int(event_id)):
            return console_error(request, 400, "invalid_field", "'message' must be <message id>:<conversation id>")
        messages.append((sender_id[:255], int(event_id)))
    if not messages or len(messages) > 10_000:
        return console_error(request, 400, "invalid_field", "name the group's messages (1 to 10,000)")
    await prepare(request)
    added = await db_call(request, dismissals.dismiss, dismissals.UNANSWERED, messages, request.ctx.user.name)
    await audit(request, "dismiss_unanswered", messages[0][0], f"{len(messages)} message(s), {added} new")
    back = str(request.form.get("back") or "")
    target = back if back.startswith("/console/unanswered") and "//" not in back else "/console/unanswered"
    separator = "&" if "?" in target else "?"
    resp = response.redirect(f"{target}{separator}dismissed={len(messages)}", status=303)
    apply_security_headers(resp)
    return resp
