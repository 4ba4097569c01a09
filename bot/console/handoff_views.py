"""The live handoff pages: the staff queue and the conversation a staff member answers in.

    GET  /console/handoffs                     the queue (reviewer): waiting, taken, messages left
    GET  /console/handoffs/stream              server-sent events: ``queue`` (the rows, on change)
    GET  /console/handoffs/<id>                the conversation so far, a reply box, hand back
    GET  /console/handoffs/<id>/stream         server-sent events: ``line`` (each new message) and
                                               ``state`` (the request, on change)
    POST /console/handoffs/<id>/take           take the request (CSRF; audited); others see who has it
    POST /console/handoffs/<id>/reply          send a message (CSRF; audited without its text)
    POST /console/handoffs/<id>/end            hand the conversation back to the assistant
    POST /console/handoffs/<id>/answered       a left question was answered by e-mail: its address goes

Staff write in English or Danish (chosen when taking; the newcomer is told which). A stream ends
after :data:`STREAM_SECONDS` and the browser's ``EventSource`` reconnects, so no response outlives
Sanic's timeouts. The page script (``static/handoff.js``) runs under the console's CSP (no inline
script); without it the pages still work by reloading.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from typing import Any, Dict, List, Optional

import sqlalchemy as sa
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from sqlalchemy.engine import Engine

from bot.console.audit import audit
from bot.console.auth import console_error, require_role, wants_json
from bot.console.templating import SECURITY_HEADERS, apply_security_headers, render
from bot.console.transcripts import events, has_events_table
from bot.handoff.replies import STAFF_LANGUAGES, language_name
from bot.handoff.store import ENDED, MESSAGE_LEFT, Handoff, HandoffConflict, store

handoffs_bp = Blueprint("console_handoffs", url_prefix="/console")

QUEUE_URL = "/console/handoffs"
STREAM_SECONDS = 25.0
POLL_SECONDS = 1.0
MAX_REPLY_CHARS = 2000
CHANNEL_LABELS = {"socketio": "Website widget", "rest": "REST API", "signed": "Signed webhook"}
NOTICES = {
    "handed-back": "The conversation is back with the assistant.",
    "answered": "Marked answered; the e-mail address was deleted.",
}
EVENT_ID = re.compile(r"[0-9]{1,12}")
STATUS_LABELS = {"waiting": "Waiting", "active": "With a person", "message_left": "Message left (reply by e-mail)"}


def chat_lines(engine: Engine, sender_id: str, after: int = 0, limit: int = 500) -> List[Dict[str, Any]]:
    """The conversation's messages after event ``after``: who wrote them, their text and time.

    ``who`` is ``user``, ``bot`` or ``person`` (a staff message, marked ``from_person`` when the
    Rasa worker delivered it). Texts are as stored: masked.
    """
    if not has_events_table(engine):
        return []
    query = (
        sa.select(events.c.id, events.c.type_name, events.c.timestamp, events.c.data)
        .where(events.c.sender_id == sender_id, events.c.type_name.in_(("user", "bot")), events.c.id > after)
        .order_by(events.c.id)
        .limit(limit)
    )
    lines = []
    with engine.connect() as connection:
        for row in connection.execute(query):
            try:
                data = json.loads(row.data or "{}")
            except ValueError:
                data = {}
            metadata = data.get("metadata") if isinstance(data.get("metadata"), dict) else {}
            who = "user" if row.type_name == "user" else ("person" if metadata.get("from_person") else "bot")
            lines.append({
                "id": int(row.id), "who": who, "text": str(data.get("text") or ""),
                "at": time.strftime("%H:%M:%S", time.gmtime(float(row.timestamp or 0))),
                "staff": metadata.get("staff") if who == "person" else None,
            })
    return lines


def queue_rows(items: List[Handoff], me: str) -> List[Dict[str, Any]]:
    """The queue as the page shows it."""
    rows = []
    for item in items:
        row = item.as_json()
        row.update(
            channel_label=CHANNEL_LABELS.get(item.channel, item.channel),
            status_label=STATUS_LABELS.get(item.status, item.status),
            language_name=language_name(item.language, "en"),
            mine=item.taken_by == me,
            url=f"{QUEUE_URL}/{item.id}",
        )
        rows.append(row)
    return rows


def _event(name: str, payload: Any) -> str:
    return f"event: {name}\ndata: {json.dumps(payload, ensure_ascii=False)}\n\n"


async def _stream(request: Request) -> Any:
    headers = dict(SECURITY_HEADERS)
    headers["Cache-Control"] = "no-store"
    headers["X-Accel-Buffering"] = "no"  # nginx must pass events on at once
    return await request.respond(content_type="text/event-stream; charset=utf-8", headers=headers)


@handoffs_bp.get("/handoffs")
@require_role("reviewer")
async def queue_page(request: Request) -> HTTPResponse:
    """The queue, rendered now and kept current by the page script."""
    items = await asyncio.to_thread(store().queue)
    notice = NOTICES.get(request.args.get("notice", ""), "")
    return render(request, "handoffs.html", rows=queue_rows(items, request.ctx.user.name), notice=notice)


@handoffs_bp.get("/handoffs/stream")
@require_role("reviewer")
async def queue_stream(request: Request) -> Any:
    """``queue`` events with every row whenever the queue changes."""
    stream = await _stream(request)
    await stream.send("retry: 1000\n\n")
    last = None
    deadline = time.monotonic() + STREAM_SECONDS
    while time.monotonic() < deadline:
        rows = queue_rows(await asyncio.to_thread(store().queue), request.ctx.user.name)
        if rows != last:
            await stream.send(_event("queue", rows))
            last = rows
        await asyncio.sleep(POLL_SECONDS)
    await stream.eof()


async def _find_request(request: Request, handoff_id: int) -> Optional[Handoff]:
    return await asyncio.to_thread(store().get, handoff_id)


@handoffs_bp.get("/handoffs/<handoff_id:int>")
@require_role("reviewer")
async def conversation_page(request: Request, handoff_id: int) -> HTTPResponse:
    """The conversation of one request, with the actions open to this staff member."""
    item = await _find_request(request, handoff_id)
    if item is None:
        return console_error(request, 404, "not_found", "no handoff request with this id")
    me = request.ctx.user.name
    email = await asyncio.to_thread(store().contact_email, handoff_id, me) if item.status == MESSAGE_LEFT else None
    lines = await asyncio.to_thread(chat_lines, request.app.ctx.console_engine, item.sender_id)
    if item.taken_by == me:
        await audit(request, "view_handoff", item.sender_id, f"request {handoff_id}")
    return render(
        request, "handoff_conversation.html", item=item, lines=lines, mine=item.taken_by == me, email=email,
        language_name=language_name(item.language, "en"), status_label=STATUS_LABELS.get(item.status, item.status),
        staff_languages=[(code, language_name(code, "en")) for code in STAFF_LANGUAGES],
        last_id=lines[-1]["id"] if lines else 0, max_chars=MAX_REPLY_CHARS,
    )


@handoffs_bp.get("/handoffs/<handoff_id:int>/stream")
@require_role("reviewer")
async def conversation_stream(request: Request, handoff_id: int) -> Any:
    """``line`` events for new messages after ``?after=<event id>``, ``state`` when the request changes."""
    item = await _find_request(request, handoff_id)
    if item is None:
        return console_error(request, 404, "not_found", "no handoff request with this id")
    values = request.args.getlist("after") or ["0"]
    if len(values) > 1 or not EVENT_ID.fullmatch(values[0].strip()):
        return console_error(request, 400, "invalid_query", "'after' must be given once, as an event id")
    after = int(values[0].strip())
    stream = await _stream(request)
    await stream.send("retry: 1000\n\n")
    last_state = None
    deadline = time.monotonic() + STREAM_SECONDS
    engine = request.app.ctx.console_engine
    while time.monotonic() < deadline:
        for line in await asyncio.to_thread(chat_lines, engine, item.sender_id, after):
            after = line["id"]
            await stream.send(_event("line", line))
        current = await asyncio.to_thread(store().get, handoff_id)
        state = None if current is None else current.as_json()
        if state != last_state:
            await stream.send(_event("state", state))
            last_state = state
        if current is None or current.status == ENDED:
            break  # nothing more will happen in this request
        await asyncio.sleep(POLL_SECONDS)
    await stream.eof()


def _done(request: Request, url: str, payload: Dict[str, Any]) -> HTTPResponse:
    resp = response.json(payload) if wants_json(request) else response.redirect(url, status=303)
    apply_security_headers(resp)
    return resp


@handoffs_bp.post("/handoffs/<handoff_id:int>/take")
@require_role("reviewer")
async def take(request: Request, handoff_id: int) -> HTTPResponse:
    """Take a request; the newcomer is told who joined and in which language they write."""
    staff_language = request.form.get("staff_language") or "en"
    if staff_language not in STAFF_LANGUAGES:
        return console_error(request, 400, "invalid_field", "staff_language must be en or da")
    try:
        item = await asyncio.to_thread(store().take, handoff_id, request.ctx.user.name, staff_language)
    except HandoffConflict as error:
        return console_error(request, 409, "conflict", str(error))
    await audit(request, "take_handoff", item.sender_id, f"request {handoff_id}, writes in {staff_language}")
    return _done(request, f"{QUEUE_URL}/{handoff_id}", {"status": item.status})


@handoffs_bp.post("/handoffs/<handoff_id:int>/reply")
@require_role("reviewer")
async def reply(request: Request, handoff_id: int) -> HTTPResponse:
    """Send a staff message to the newcomer."""
    text = (request.form.get("text") or "").strip()
    if not text:
        return console_error(request, 400, "invalid_field", "write a message first")
    if len(text) > MAX_REPLY_CHARS:
        return console_error(request, 413, "too_long", f"a message has at most {MAX_REPLY_CHARS} characters")
    try:
        item_id = await asyncio.to_thread(store().send, handoff_id, request.ctx.user.name, text)
    except HandoffConflict as error:
        return console_error(request, 409, "conflict", str(error))
    found = await _find_request(request, handoff_id)
    await audit(request, "handoff_message", found.sender_id if found else "", f"request {handoff_id}")
    return _done(request, f"{QUEUE_URL}/{handoff_id}", {"queued": item_id})


async def _close(request: Request, handoff_id: int, change: Any, action: str, notice: str) -> HTTPResponse:
    """Run a closing change of this staff member's request, audit it, and go back to the queue."""
    try:
        await asyncio.to_thread(change, handoff_id, request.ctx.user.name)
    except HandoffConflict as error:
        return console_error(request, 409, "conflict", str(error))
    found = await _find_request(request, handoff_id)
    await audit(request, action, found.sender_id if found else "", f"request {handoff_id}")
    return _done(request, f"{QUEUE_URL}?notice={notice}", {"status": "ended"})


@handoffs_bp.post("/handoffs/<handoff_id:int>/end")
@require_role("reviewer")
async def hand_back(request: Request, handoff_id: int) -> HTTPResponse:
    """Hand the conversation back to the assistant."""
    return await _close(request, handoff_id, store().hand_back, "end_handoff", "handed-back")


@handoffs_bp.post("/handoffs/<handoff_id:int>/answered")
@require_role("reviewer")
async def answered(request: Request, handoff_id: int) -> HTTPResponse:
    """A left question was answered by e-mail: the request ends and the address is deleted."""
    return await _close(request, handoff_id, store().answered, "answered_handoff", "answered")
