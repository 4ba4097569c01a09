"""The suspect-answer queue (issue #21; the signals: ``bot.console.suspects``).

    GET  /console/suspects                  answers that may have been wrong, per language (viewer)
    POST /console/suspects/<event_id>/fine  take an answer out of the queue (reviewer)

The page takes ``from``/``to`` (default: the last 30 days) and ``language``, and shows each
language's questions with their answered, not-answered and suspect shares.
"""

from __future__ import annotations

import datetime as dt
from typing import Dict, List

from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.console import non_answers, query, suspects, transcripts
from bot.console.accounts_db import db_call
from bot.console.audit import audit
from bot.console.auth import console_error, require_role
from bot.console.review_views import period_and_language, prepare
from bot.console.templating import apply_security_headers, render

suspects_bp = Blueprint("console_suspects", url_prefix="/console")


@suspects_bp.get("/suspects")
@require_role("viewer")
async def suspects_page(request: Request) -> HTTPResponse:
    """Answers that may have been wrong, grouped per language, with each language's rates."""
    settings = request.app.ctx.settings
    period = period_and_language(request)
    if isinstance(period, HTTPResponse):
        return period
    date_from, date_to, language = period
    await prepare(request)
    start, end = transcripts.to_epoch(date_from), transcripts.to_epoch(date_to + dt.timedelta(days=1))
    turns = await db_call(request, transcripts.turns_between, start, end, settings.default_language)
    if language is not None:
        turns = {sender: [t for t in items if t.language == language] for sender, items in turns.items()}
    fine = await db_call(request, suspects.fine_event_ids)
    from bot.content.loader import get_knowledge_base

    facts = suspects.entry_facts(get_knowledge_base())
    small_talk = suspects.small_talk_words(str(settings.project_dir / "data" / "nlu"))
    found = suspects.find_suspects(turns, facts, small_talk, fine)
    per_language: Dict[str, List[suspects.Suspect]] = {}
    for suspect in found:
        per_language.setdefault(suspect.language, []).append(suspect)
    rates = suspect_rates(turns, found)
    return render(
        request, "suspects.html", per_language=dict(sorted(per_language.items())), rates=rates,
        date_from=date_from, date_to=date_to, language=language or "", languages=settings.languages,
        labels=suspects.LABELS, can_review=request.ctx.user.has_role("reviewer"), total=len(found),
        notice="Marked as fine." if request.args.get("done") == "fine" else "",
    )


def suspect_rates(turns: Dict[str, List[transcripts.Turn]], found: List[suspects.Suspect]) -> List[Dict]:
    """Per language: questions, answered, non-answers and suspects, with their shares of the questions.

    Questions are counted as on the analytics page (small talk is none); a suspect can be a
    small-talk turn (``ignored_words``), so the suspect share is of the questions, like the others.
    """
    table: Dict[str, Dict[str, int]] = {}
    for items in turns.values():
        for turn in items:
            if turn.answer_class is None:
                continue
            row = table.setdefault(turn.language, {"questions": 0, "answered": 0, "non_answers": 0, "suspects": 0})
            row["questions"] += 1
            if turn.answer_class == non_answers.ANSWERED:
                row["answered"] += 1
            else:
                row["non_answers"] += 1
    for suspect in found:
        row = table.setdefault(suspect.language, {"questions": 0, "answered": 0, "non_answers": 0, "suspects": 0})
        row["suspects"] += 1
    rows = []
    for code, row in sorted(table.items()):
        questions = row["questions"] or 1
        rows.append({"language": code, **row, **{
            f"{key}_rate": f"{row[key] / questions:.0%}" for key in ("answered", "non_answers", "suspects")
        }})
    return rows


@suspects_bp.post("/suspects/<event_id:int>/fine")
@require_role("reviewer")
async def mark_fine(request: Request, event_id: int) -> HTTPResponse:
    """A reviewer checked the answer: it was right; it leaves the queue."""
    sender_id = str(request.form.get("sender_id") or "")[:255]
    if not sender_id or not query.is_row_id(event_id):
        return console_error(request, 400, "invalid_field", "'sender_id' and a message id are required")
    await prepare(request)
    turn = await db_call(request, transcripts.find_user_message, sender_id, event_id,
                         request.app.ctx.settings.default_language)
    if turn is None:
        return console_error(request, 404, "not_found", "this conversation has no user message with this id")
    await db_call(request, suspects.mark_fine, sender_id, event_id, request.ctx.user.name)
    await audit(request, "mark_answer_fine", sender_id, f"message {event_id}")
    back = str(request.form.get("back") or "")
    resp = response.redirect(back if back.startswith("/console/suspects") and "//" not in back
                             else "/console/suspects?done=fine", status=303)
    apply_security_headers(resp)
    return resp
