"""The widget's JSON API on the web app: feedback and "delete my conversation".

Both need the header ``X-Session-Secret``: the secret the widget generated and sent (hashed by
the channel) with its messages, so only the browser that had the conversation can rate or delete
it. Errors are JSON ``{"error": {"code", "message", "field"}}``.

    POST /api/feedback                       {"session_id", "rating": "up"|"down", "text"}
    POST /api/conversations/<session>/delete
"""

from __future__ import annotations

from typing import Any, Dict, Optional

from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.guard import InvalidMessage, parse_json
from bot.events import feedback_event
from bot.privacy import secret_matches
from bot.stores.db_retry import in_thread

api = Blueprint("widget_api", url_prefix="/api")
MAX_TEXT = 4000


def error(status: int, code: str, message: str, field: Optional[str] = None) -> HTTPResponse:
    """A JSON error response."""
    body: Dict[str, Any] = {"code": code, "message": message}
    if field:
        body["field"] = field
    return response.json({"error": body}, status=status)


def retry_seconds(request: Request) -> float:
    """How long the request's database calls are retried on a dropped connection."""
    return float(request.app.ctx.settings.db_retry_seconds)


async def authorised(request: Request, session_id: str) -> Optional[HTTPResponse]:
    """None when the request's secret matches the conversation's, else the error response."""
    secret = request.headers.get("X-Session-Secret", "")
    if not secret:
        return error(401, "missing_secret", "the X-Session-Secret header is required")
    store = request.app.ctx.conversations
    owner = await in_thread("web", "owner", lambda: store.owner(session_id), retry_seconds(request))
    if owner is None:
        return error(404, "not_found", "no conversation with this session id")
    if owner.secret_hash is None or not secret_matches(secret, owner.secret_hash):
        return error(403, "forbidden", "the secret does not match this conversation")
    return None


@api.post("/feedback")
async def post_feedback(request: Request) -> HTTPResponse:
    """Store a thumbs up or down on an answer."""
    try:
        data = parse_json(request.body or b"")
    except InvalidMessage as bad_body:
        return error(400, bad_body.code, str(bad_body))
    if not isinstance(data, dict):
        return error(400, "invalid_body", "the request body must be a JSON object")
    session_id = data.get("session_id")
    if not isinstance(session_id, str) or not 0 < len(session_id) <= 128:
        return error(400, "invalid_field", "'session_id' must be a string of 1-128 characters", "session_id")
    rating = data.get("rating")
    if rating not in ("up", "down"):
        return error(400, "invalid_field", "'rating' must be 'up' or 'down'", "rating")
    text = data.get("text")
    if text is not None and (not isinstance(text, str) or len(text) > MAX_TEXT):
        return error(400, "invalid_field", f"'text' must be a string of at most {MAX_TEXT} characters", "text")
    refused = await authorised(request, session_id)
    if refused is not None:
        return refused
    store = request.app.ctx.conversations
    await in_thread("web", "feedback", lambda: store.add_feedback(session_id, rating, text), retry_seconds(request))
    broker = getattr(request.app.ctx, "event_broker", None)
    if broker is not None:  # the event stream (EVENT_BROKER_URL); publish() does not wait
        broker.publish(feedback_event(session_id, rating))
    return response.json({"stored": True}, status=201)


@api.post("/conversations/<session_id>/delete")
async def delete_conversation(request: Request, session_id: str) -> HTTPResponse:
    """Delete every stored event of the conversation (the user's right to erasure)."""
    if len(session_id) > 128:
        return error(400, "invalid_field", "the session id is too long", "session_id")
    refused = await authorised(request, session_id)
    if refused is not None:
        return refused
    store = request.app.ctx.conversations
    deleted = await in_thread("web", "delete", lambda: store.delete(session_id), retry_seconds(request))
    return response.json({"deleted_events": deleted})


@api.route("/feedback", methods=["OPTIONS"], name="feedback_preflight")
@api.route("/conversations/<session_id>/delete", methods=["OPTIONS"], name="delete_preflight")
async def preflight(_: Request, session_id: Optional[str] = None) -> HTTPResponse:
    """CORS preflight: the widget calls the API from the sites that embed it."""
    return response.empty(status=204)
