"""The socket.io channel (the website widget), with every incoming message checked.

Rasa's own socket.io handler is kept (session persistence, rooms); before it runs, the payload
must be an object whose ``message`` is a string within ``MAX_MESSAGE_CHARS`` and whose
``metadata`` is an object. A refused message gets a ``bot_error`` event
``{"code", "message", "field"}`` back instead of reaching the assistant.
"""

from __future__ import annotations

import json
import logging
from typing import Any, Awaitable, Callable, Dict

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.socketio import SocketIOInput
from sanic import Blueprint

from bot.channels.guard import InvalidMessage, check_metadata, check_text, check_unicode, guard

logger = logging.getLogger(__name__)
ERROR_EVENT = "bot_error"


class GuardedSocketIOInput(SocketIOInput):
    """Rasa's socket.io channel with payload validation and the message-length limit."""

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        """Rasa's socket.io blueprint with the user-message handler wrapped."""
        blueprint = super().blueprint(guard(on_new_message))
        assert self.sio is not None
        sio = self.sio
        namespace = self.namespace or "/"
        original = sio.handlers[namespace][self.user_message_evt]

        async def checked(sid: str, data: Any) -> None:
            try:
                if not isinstance(data, dict):
                    raise InvalidMessage("invalid_body", "the message must be an object with a 'message' field")
                check_unicode(data)
                check_text(data.get("message"))
                metadata = data.get(self.metadata_key)
                if isinstance(metadata, str):
                    try:
                        metadata = json.loads(metadata)
                    except ValueError:
                        raise InvalidMessage("invalid_field", "'metadata' is not valid JSON", "metadata") from None
                data = {**data, self.metadata_key: check_metadata(metadata)}
            except InvalidMessage as error:
                logger.warning("socket.io message from %s refused: %s", sid, error)
                payload: Dict[str, Any] = error.as_dict()["error"]
                await sio.emit(ERROR_EVENT, payload, room=sid, namespace=namespace)
                return
            await original(sid, data)

        sio.handlers[namespace][self.user_message_evt] = checked
        return blueprint
