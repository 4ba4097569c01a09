"""The socket.io channel (the website widget): every message checked, every room earned.

Rasa's socket.io server and output channel are kept; its ``session_request`` and user-message
handlers are replaced:

* ``session_request {session_id, session_secret}`` joins the room of ``session_id`` (where the
  conversation's replies are sent) only when the socket proves it owns that conversation: the
  conversation is bound to a secret (:mod:`bot.channels.ownership`) and ``session_secret`` hashes
  to it (constant-time compare). A conversation nobody owns yet is claimed by that secret. Any
  other request (an owned conversation without or with a wrong secret, a request without a
  secret) gets a fresh session id, never the old room; ``session_confirm`` carries the id the
  socket now holds, and the widget takes it (issue #19: session ids are not secret).
* A message is for the session its socket holds: one that names another ``session_id`` is
  refused with a ``bot_error`` ``forbidden``, sent to that socket only. The payload must be an
  object whose ``message`` is a string within ``MAX_MESSAGE_CHARS`` and whose ``metadata`` is an
  object; a refused message gets a ``bot_error`` ``{"code", "message", "field"}``.

Which socket holds which session is kept per process: a socket lives in one process (the
cluster's balancer pins socket.io clients to a replica), while the owners are in the database
that every replica shares.
"""

from __future__ import annotations

import inspect
import json
import logging
import uuid
from typing import Any, Awaitable, Callable, Dict, Optional

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.socketio import SocketIOInput, SocketIOOutput
from sanic import Blueprint

from bot.channels.guard import InvalidMessage, check_metadata, check_text, check_unicode, guard
from bot.handoff import sockets as handoff_sockets
from bot.privacy import MAX_SECRET_LENGTH, SECRET_FIELD, hash_secret
from bot.settings import get_settings
from bot.stores.db_retry import StoreUnavailable, in_thread
from bot.stores.owners import registry

logger = logging.getLogger(__name__)
ERROR_EVENT = "bot_error"
MAX_SESSION_ID = 128


async def _done(result: Any) -> None:
    """Await ``result`` if it is awaitable: ``enter_room`` became a coroutine in later python-socketio."""
    if inspect.isawaitable(result):
        await result


def _secret_hash(data: Dict[str, Any]) -> Optional[str]:
    secret = data.get(SECRET_FIELD)
    if isinstance(secret, str) and 0 < len(secret) <= MAX_SECRET_LENGTH:
        return hash_secret(secret)
    return None


class GuardedSocketIOInput(SocketIOInput):
    """Rasa's socket.io channel with owner-checked sessions and validated messages."""

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        """Rasa's socket.io blueprint with the session and message handlers replaced."""
        blueprint = super().blueprint(on_new_message)
        handle = guard(on_new_message, raise_refusals=True)
        assert self.sio is not None
        sio = self.sio
        namespace = self.namespace or "/"
        held: Dict[str, str] = {}  # socket id -> the session id it holds

        async def refuse(sid: str, error: InvalidMessage) -> None:
            payload: Dict[str, Any] = error.as_dict()["error"]
            await sio.emit(ERROR_EVENT, payload, room=sid, namespace=namespace)

        async def session_request(sid: str, data: Any = None) -> None:
            data = data if isinstance(data, dict) else {}
            wanted = data.get("session_id")
            secret_hash = _secret_hash(data)
            session = await self._grant(wanted, secret_hash)
            if session is None:
                session = uuid.uuid4().hex
                if isinstance(wanted, str) and wanted:
                    from bot import metrics

                    metrics.REFUSED.labels(channel=self.name(), reason="session").inc()
                    logger.warning("socket.io: %s asked for a session it does not own; given a new one", sid)
            previous = held.get(sid)
            if previous is not None and previous != session:
                await _done(sio.leave_room(sid, previous, namespace=namespace))
            held[sid] = session
            await _done(sio.enter_room(sid, session, namespace=namespace))
            handoff_sockets.attach(sid, session, sio, namespace, self.bot_message_evt)
            await sio.emit("session_confirm", session, room=sid, namespace=namespace)

        async def disconnect(sid: str) -> None:
            held.pop(sid, None)
            handoff_sockets.detach(sid)

        async def user_message(sid: str, data: Any = None) -> None:
            try:
                if not isinstance(data, dict):
                    raise InvalidMessage("invalid_body", "the message must be an object with a 'message' field")
                check_unicode(data)
                text = check_text(data.get("message"))
                session = held.get(sid)
                if session is None:
                    raise InvalidMessage("session_required", "send session_request before the first message")
                named = data.get("session_id")
                if named not in (None, "", session):
                    from bot import metrics

                    metrics.REFUSED.labels(channel=self.name(), reason="session").inc()
                    raise InvalidMessage("forbidden", "this socket does not hold that session", "session_id", 403)
                metadata = data.get(self.metadata_key)
                if isinstance(metadata, str):
                    try:
                        metadata = json.loads(metadata)
                    except ValueError:
                        raise InvalidMessage("invalid_field", "'metadata' is not valid JSON", "metadata") from None
                message = UserMessage(
                    text,
                    SocketIOOutput(sio, self.bot_message_evt),
                    session,
                    input_channel=self.name(),
                    metadata=check_metadata(metadata),
                )
                await handle(message)
            except InvalidMessage as error:
                logger.warning("socket.io message from %s refused: %s", sid, error)
                await refuse(sid, error)

        sio.on("session_request", session_request, namespace=namespace)
        sio.on("disconnect", disconnect, namespace=namespace)
        sio.on(self.user_message_evt, user_message, namespace=namespace)
        return blueprint

    async def _grant(self, wanted: Any, secret_hash: Optional[str]) -> Optional[str]:
        """``wanted`` if the secret proves it (or claims it, unowned); None for a fresh session."""
        if secret_hash is None or not isinstance(wanted, str) or not 0 < len(wanted) <= MAX_SESSION_ID:
            return None
        owners = registry()
        try:
            owner = await in_thread(
                "tracker", "owner", lambda: owners.claim(wanted, self.name(), secret_hash),
                get_settings().db_retry_seconds,
            )
        except StoreUnavailable:  # counted and logged there; a fresh session still lets the visitor talk
            return None
        from bot.channels.ownership import proves_owner, remember

        remember(wanted, owner)  # a session claimed again after its deletion replaces what this process knew
        return wanted if proves_owner(owner, self.name(), secret_hash) else None
