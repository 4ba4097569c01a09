"""Slack, with the request signature checked before Rasa's handler and a JSON refusal.

Rasa 3.6's ``SlackInput`` verifies Slack's v0 signature (HMAC-SHA256 of ``v0:<timestamp>:<body>``
keyed with the signing secret, timestamps within 5 minutes) and answers a failure with a plain
400. This channel checks the same scheme first, in a blueprint middleware, and refuses with
401 and a JSON error naming the reason (missing headers, stale timestamp, bad signature); Rasa's
own handler (and its own check) then runs unchanged, with the guarded message handler.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any, Awaitable, Callable, Optional, Tuple

from rasa.core.channels.channel import OutputChannel, UserMessage
from rasa.core.channels.slack import SlackBot, SlackInput
from sanic import Blueprint
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.delivery import BestEffortDelivery
from bot.channels.guard import InvalidMessage, guard
from bot.channels.verification import invalid, json_object, refuse
from bot.privacy import constant_time_equal

MAX_AGE_SECONDS = 5 * 60


def signature_problem(
    signing_secret: str, body: bytes, timestamp: Optional[str], signature: Optional[str], now: Optional[float] = None
) -> Optional[Tuple[str, str]]:
    """Check Slack's v0 request signature.

    Args:
        signing_secret: The app's signing secret.
        body: The raw request body.
        timestamp: The ``X-Slack-Request-Timestamp`` header.
        signature: The ``X-Slack-Signature`` header (``v0=<hex>``).
        now: The current time (for tests); ``time.time()`` when omitted.

    Returns:
        None when valid, else ``(code, message)``.
    """
    if not timestamp or not signature:
        return "missing_signature", "the X-Slack-Signature and X-Slack-Request-Timestamp headers are required"
    try:
        sent = int(timestamp)
    except ValueError:
        return "bad_timestamp", "X-Slack-Request-Timestamp must be a Unix time in seconds"
    current = time.time() if now is None else now
    if abs(current - sent) > MAX_AGE_SECONDS:
        return "stale_request", "the request timestamp is more than 5 minutes away from the server's time"
    digest = hmac.new(signing_secret.encode("utf-8"), f"v0:{timestamp}:".encode() + body, hashlib.sha256)
    if not constant_time_equal(signature, f"v0={digest.hexdigest()}"):
        return "bad_signature", "X-Slack-Signature does not match the request"
    return None


def check_body(request: Request) -> None:
    """Check that a signed request is what Rasa's handler can read.

    JSON events must be an object; interactive (form) posts must carry a ``payload`` field that
    is a JSON object.

    Raises:
        InvalidMessage: 400 naming the problem.
    """
    content_type = request.headers.get("content-type", "")
    if content_type == "application/json":
        json_object(request)
    elif content_type == "application/x-www-form-urlencoded":
        try:
            payload = json.loads(request.form.get("payload") or "")
        except ValueError:
            payload = None
        if not isinstance(payload, dict):
            raise InvalidMessage("invalid_field", "the form field 'payload' must be a JSON object", "payload")


class SlackReplies(BestEffortDelivery, SlackBot):
    """Slack's output channel; a reply Slack does not accept is logged."""


class VerifiedSlackInput(SlackInput):
    """Rasa's Slack channel with a 401 JSON refusal for unsigned, stale or forged requests."""

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        """Rasa's Slack blueprint, with the guarded handler and the signature middleware."""
        webhook = super().blueprint(guard(on_new_message))
        channel = self.name()

        @webhook.middleware("request")
        async def verify(request: Request) -> Optional[HTTPResponse]:
            if not request.path.rstrip("/").endswith("/webhook"):
                return None
            problem = signature_problem(
                self.slack_signing_secret,
                request.body or b"",
                request.headers.get("X-Slack-Request-Timestamp"),
                request.headers.get("X-Slack-Signature"),
            )
            if problem:
                return refuse(401, *problem, channel)
            try:
                check_body(request)
            except InvalidMessage as error:
                return invalid(error, channel)
            return None

        return webhook

    def get_output_channel(self, channel: Optional[str] = None, thread_id: Optional[str] = None) -> OutputChannel:
        """The channel that sends replies through Slack's API."""
        return SlackReplies(self.slack_token, channel or self.slack_channel, thread_id, self.proxy)
