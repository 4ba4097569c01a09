"""Facebook Messenger, with the webhook signature and the verify token checked strictly.

Rasa 3.6's ``FacebookInput`` checks ``X-Hub-Signature`` but answers a bad one with 200 "not
validated", compares with ``==``, accepts any ``hashlib`` name as the algorithm (``new=...``
makes it fail with a 500), and a payload without ``messaging`` or a Graph API hiccup while it
marks the message as seen also end in a 500. This channel:

* checks ``X-Hub-Signature-256`` (``sha256=<hex>``, what Meta sends today) or, when absent, the
  legacy ``X-Hub-Signature`` (``sha1=<hex>``): HMAC of the raw body keyed with the app secret,
  compared in constant time. Missing: 401; wrong: 403; the message never reaches the assistant;
* answers the subscription handshake (``GET /webhook?hub.mode=subscribe&hub.verify_token=..&
  hub.challenge=..``) only with the right verify token (403 otherwise);
* refuses malformed bodies with a 400 JSON error, and treats "seen"/"typing" indicators as
  best effort, so a reply can still be attempted when they fail.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
from typing import Any, Awaitable, Callable, Dict, Optional, Tuple

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.facebook import FacebookInput, Messenger, MessengerBot
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.delivery import BestEffortDelivery
from bot.channels.guard import InvalidMessage, channel_blueprint, guard
from bot.channels.verification import invalid, json_object, refuse
from bot.privacy import constant_time_equal

logger = logging.getLogger(__name__)

SIGNATURE_HEADERS: Tuple[Tuple[str, str], ...] = (("X-Hub-Signature-256", "sha256"), ("X-Hub-Signature", "sha1"))


def signature_check(app_secret: str, body: bytes, headers: Any) -> Optional[Tuple[int, str, str]]:
    """Check a request's Messenger signature.

    Args:
        app_secret: The Facebook app secret.
        body: The raw request body.
        headers: The request headers (case-insensitive mapping).

    Returns:
        None when valid, else ``(status, code, message)`` for the refusal.
    """
    for header, algorithm in SIGNATURE_HEADERS:
        value = headers.get(header)
        if value is None:
            continue
        prefix = f"{algorithm}="
        if not value.startswith(prefix):
            return 403, "bad_signature", f"the {header} header must start with '{prefix}'"
        expected = hmac.new(app_secret.encode("utf-8"), body, getattr(hashlib, algorithm)).hexdigest()
        if not constant_time_equal(value[len(prefix):].lower(), expected):
            return 403, "bad_signature", f"the {header} header does not match the body"
        return None
    return 401, "missing_signature", "the X-Hub-Signature-256 (or X-Hub-Signature) header is missing"


def check_payload(data: Dict[str, Any]) -> None:
    """Check the shape of a Messenger webhook payload (``entry`` → ``messaging``).

    Raises:
        InvalidMessage: 400 naming the field that is wrong.
    """
    entries = data.get("entry")
    if not isinstance(entries, list) or not all(isinstance(entry, dict) for entry in entries):
        raise InvalidMessage("invalid_field", "'entry' must be a list of objects", "entry")
    for entry in entries:
        messaging = entry.get("messaging", [])
        if not isinstance(messaging, list) or not all(isinstance(event, dict) for event in messaging):
            raise InvalidMessage("invalid_field", "'entry[].messaging' must be a list of objects", "entry.messaging")
        for event in messaging:
            sender = event.get("sender")
            if (event.get("message") or event.get("postback")) and not (
                isinstance(sender, dict) and isinstance(sender.get("id"), str) and sender["id"]
            ):
                raise InvalidMessage("invalid_field", "'sender.id' must be a non-empty string", "sender.id")


class MessengerReplies(BestEffortDelivery, MessengerBot):
    """Messenger's output channel; a reply the Graph API does not accept is logged."""


class GuardedMessenger(Messenger):
    """Rasa's Messenger event handler; "seen" and "typing" indicators are best effort."""

    async def handle(self, payload: Dict, metadata: Optional[Dict[str, Any]]) -> None:
        """Handle the first message or postback of each entry (entries without ``messaging`` skipped)."""
        for entry in payload["entry"]:
            for event in entry.get("messaging", []):
                self.last_message = event
                if event.get("message"):
                    await self.message(event, metadata)
                    break
                if event.get("postback"):
                    await self.postback(event, metadata)
                    break

    async def _indicate(self, out_channel: MessengerBot, sender_id: str, action: str) -> None:
        try:
            await asyncio.to_thread(out_channel.messenger_client.send_action, action, sender_id, timeout=5)
        except Exception as error:  # cosmetic: never stop the message for it
            logger.warning("facebook: could not send %s (%s)", action, type(error).__name__)  # no URL: it has the token

    async def _handle_user_message(self, text: str, sender_id: str, metadata: Optional[Dict[str, Any]]) -> None:
        out_channel = MessengerReplies(self.client)
        await self._indicate(out_channel, sender_id, "mark_seen")
        await self._indicate(out_channel, sender_id, "typing_on")
        try:
            await self.on_new_message(
                UserMessage(text, out_channel, sender_id, input_channel=self.name(), metadata=metadata)
            )
        except Exception:
            logger.exception("facebook: handling a message failed")
        finally:
            await self._indicate(out_channel, sender_id, "typing_off")


class VerifiedFacebookInput(FacebookInput):
    """Rasa's Facebook Messenger channel with strict signature and verify-token checks."""

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        """The channel's routes: ``GET /``, ``GET /webhook`` (handshake), ``POST /webhook``."""
        handle = guard(on_new_message)
        webhook = channel_blueprint("verified_facebook_webhook")
        channel = self.name()

        @webhook.route("/webhook", methods=["GET"])
        async def handshake(request: Request) -> HTTPResponse:
            if not constant_time_equal(request.args.get("hub.verify_token"), self.fb_verify):
                return refuse(403, "bad_verify_token", "hub.verify_token does not match", channel)
            challenge = request.args.get("hub.challenge")
            if request.args.get("hub.mode") != "subscribe" or not challenge:
                return refuse(400, "invalid_field", "hub.mode=subscribe and hub.challenge are required", channel)
            return response.text(challenge)

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            problem = signature_check(self.fb_secret, request.body or b"", request.headers)
            if problem:
                return refuse(*problem, channel)
            try:
                data = json_object(request)
                check_payload(data)
            except InvalidMessage as error:
                return invalid(error, channel)
            await GuardedMessenger(self.fb_access_token, handle).handle(data, self.get_metadata(request))
            return response.json({"status": "ok"})

        return webhook
