"""The improve loop's pages: the NLU inbox with its export, and the unanswered questions.

    GET  /console/inbox                      corrected messages not exported yet, per language (viewer)
    GET  /console/inbox/export?language=xx   the language's corrections as a Rasa NLU YAML file (reviewer)
    POST /console/inbox/export?language=xx   the same file, and the corrections leave the inbox (reviewer)
    GET  /console/unanswered                 messages the assistant did not answer, grouped (viewer);
                                             ``from``/``to`` (default: the last 30 days), ``language``,
                                             ``class`` (a non-answer class), ``similarity`` (0-1,
                                             default 0.35)

Every export is written to the audit log.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Dict, List, Optional
from urllib.parse import urlencode

from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.console import inbox, non_answers, query, review_db, transcripts, unanswered
from bot.console.accounts_db import db_call
from bot.console.audit import audit
from bot.console.auth import console_error, require_role
from bot.console.review_views import bad_query, prepare
from bot.console.templating import apply_security_headers, render

inbox_bp = Blueprint("console_inbox", url_prefix="/console")

MAX_GROUPS = 10


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
        can_export=request.ctx.user.has_role("reviewer"), notice=request.args.get("done") == "exported",
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
    pending = await db_call(request, review_db.pending_corrections, language)
    body = inbox.export_yaml(pending, language)
    marked = 0
    if request.method == "POST":
        marked = await db_call(request, review_db.mark_exported, [item.id for item in pending])
    await audit(
        request, "export_inbox", language,
        f"{len(pending)} correction(s){'; marked exported' if request.method == 'POST' else ''}",
    )
    resp = response.text(
        body, content_type="application/x-yaml; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="nlu_corrections_{language}.yml"',
            "X-Exported-Count": str(len(pending)),
            "X-Marked-Exported": str(marked),
        },
    )
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
    messages = unanswered.unanswered_messages(turns)
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
    )
