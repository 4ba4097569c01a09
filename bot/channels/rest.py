"""The REST channel, with the request body validated before anything reaches the assistant.

``POST /webhooks/rest/webhook`` with ``{"sender": str, "message": str, "metadata": {...}}``.
Errors are JSON ``{"error": {"code", "message", "field"}}``: 400 for malformed JSON or a bad
field, 413 for a body over ``MAX_BODY_BYTES`` or a message over ``MAX_MESSAGE_CHARS``.
Streaming (``?stream=true`` in Rasa's own channel) is not offered. A message for a conversation
that belongs to another channel or to another secret (``metadata.session_secret``) gets 403
``forbidden`` (:mod:`bot.channels.ownership`).
"""

from __future__ import annotations

import logging
from typing import Any, Awaitable, Callable, Dict

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.guard import (
    InvalidMessage,
    channel_blueprint,
    check_metadata,
    check_sender,
    check_text,
    guard,
    parse_json,
)
from bot.settings import get_settings

logger = logging.getLogger(__name__)


def parse_body(request: Request) -> Dict[str, Any]:
    """Parse and validate a REST message body.

    Args:
        request: The incoming request.

    Returns:
        ``sender``, ``message`` and ``metadata``.

    Raises:
        InvalidMessage: With the status and field of the first problem.
    """
    body = request.body or b""
    limit = get_settings().max_body_bytes
    if len(body) > limit:
        raise InvalidMessage(
            "body_too_large", f"the request body is {len(body)} bytes; the limit is {limit}", None, 413
        )
    data = parse_json(body)
    if not isinstance(data, dict):
        raise InvalidMessage("invalid_body", "the request body must be a JSON object with 'sender' and 'message'")
    return {
        "sender": check_sender(data.get("sender")),
        "message": check_text(data.get("message")),
        "metadata": check_metadata(data.get("metadata")),
    }


class GuardedRestInput(RestInput):
    """Rasa's REST channel with body validation and the message-length limit."""

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[None]]) -> Blueprint:
        """The channel's routes: ``GET /`` (health) and ``POST /webhook``."""
        handle = guard(on_new_message, raise_store_errors=True, raise_refusals=True)
        webhook = channel_blueprint(f"custom_webhook_{type(self).__name__}")

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            try:
                fields = parse_body(request)
            except InvalidMessage as error:
                return response.json(error.as_dict(), status=error.status)
            collector = CollectingOutputChannel()
            try:
                await handle(
                    UserMessage(
                        fields["message"],
                        collector,
                        fields["sender"],
                        input_channel=self.name(),
                        metadata=fields["metadata"],
                    )
                )
            except InvalidMessage as error:  # not the conversation's owner (403), or the store is down (503)
                return response.json(error.as_dict(), status=error.status)
            return response.json(collector.messages)

        return webhook

    @classmethod
    def name(cls) -> str:
        """Keep Rasa's URL: ``/webhooks/rest/webhook``."""
        return "rest"
