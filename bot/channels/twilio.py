"""Twilio (SMS, WhatsApp), with every request's ``X-Twilio-Signature`` verified.

Rasa 3.6's ``TwilioInput`` accepts any form post. Twilio signs each webhook request: HMAC-SHA1,
keyed with the account's auth token, over the full public URL followed by every POST parameter
(sorted by name, name and value concatenated), base64-encoded. The URL must be the one Twilio
called, which behind a proxy or tunnel is not the URL the server sees, so it is configured
(``webhook_url``, from ``TWILIO_WEBHOOK_URL``). A missing signature gets 401, a wrong one 403,
and the message never reaches the assistant. Validation is Twilio's own ``RequestValidator``.

No phone number is stored or logged: the conversation id is a keyed hash of the sender's number
(:func:`sender_id_for`, HMAC-SHA256 with the auth token, so it is stable while the token is
unchanged; rotating the token starts new conversations). The reply goes to the real number
through an output channel made for that one request (:class:`TwilioReplies`), which ignores the
recipient id Rasa passes (the hash) and keeps the number in memory only.

One answer is one SMS (issue #13): Rasa's Twilio channel sends every paragraph as its own
message and then every button as another ("1: Tax card (/ask_topic{...})"), eight messages for
one answer. :class:`TwilioReplies` sends the whole text as one message (Twilio joins up to
:data:`MAX_BODY` characters into one SMS thread; a longer text is cut at paragraphs) with the
buttons as a numbered list of their titles, and a reply that is just one of those numbers is
read as pressing that button (:func:`bot.channels.guard.last_buttons`).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import re
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text
from urllib.parse import parse_qs

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, OutputChannel, UserMessage
from rasa.core.channels.twilio import TwilioInput, TwilioOutput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from twilio.base.exceptions import TwilioRestException
from twilio.request_validator import RequestValidator

from bot.channels.delivery import BestEffortDelivery
from bot.channels.guard import channel_blueprint, guard, last_buttons
from bot.channels.verification import refuse

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Twilio-Signature"
#: Twilio's limit for one message's body (it sends a longer SMS as several segments joined again).
MAX_BODY = 1600
_CHOICE = re.compile(r"\s*(\d{1,2})[.)]?\s*")
SENDER_PREFIX = "twilio-"


class TwilioConfigError(ValueError):
    """The Twilio credentials are unusable (the message names the variable)."""


class FormParameters:
    """Sanic's form (a dict of lists) in the shape Twilio's validator reads (``getall``)."""

    def __init__(self, form: Dict[str, List[str]]) -> None:
        self.form = form

    def __iter__(self) -> Any:
        return iter(self.form)

    def getall(self, name: str) -> List[str]:
        """Every value sent for ``name``."""
        return list(self.form.get(name, []))


def form_parameters(body: bytes) -> Dict[str, List[str]]:
    """The POST parameters of a form body, empty values KEPT (Twilio signs them too).

    Sanic's ``request.form`` drops empty values, which would make valid signatures fail.
    """
    return parse_qs(body.decode("utf-8", errors="replace"), keep_blank_values=True)


def first(form: Dict[str, List[str]], name: str) -> Optional[str]:
    """The first value sent for ``name``, if any."""
    values = form.get(name)
    return values[0] if values else None


def signature_valid(auth_token: str, url: str, form: Dict[str, List[str]], signature: str) -> bool:
    """Whether ``signature`` is Twilio's signature of ``url`` and the form parameters.

    Args:
        auth_token: The account's auth token.
        url: The public URL Twilio posted to.
        form: The POST parameters (each name with its list of values).
        signature: The ``X-Twilio-Signature`` header.

    Returns:
        True when it matches.
    """
    return bool(RequestValidator(auth_token).validate(url, FormParameters(form), signature))


def sender_id_for(number: str, auth_token: str) -> str:
    """The conversation id of a phone number: ``twilio-`` + 32 hex digits of its keyed hash.

    Args:
        number: Twilio's ``From`` (``+45...`` or ``whatsapp:+45...``).
        auth_token: The account's auth token (the key; rotating it starts new conversations).

    Returns:
        The sender id Rasa stores instead of the number.
    """
    digest = hmac.new(auth_token.encode("utf-8"), number.encode("utf-8"), hashlib.sha256).hexdigest()
    return SENDER_PREFIX + digest[:32]


def bodies(text: str) -> List[str]:
    """``text`` as few message bodies as Twilio allows, cut between paragraphs (or lines) when too long."""
    text = text.strip()
    if len(text) <= MAX_BODY:
        return [text] if text else []
    parts: List[str] = []
    current = ""
    for paragraph in text.split("\n\n"):
        pieces = [paragraph] if len(paragraph) <= MAX_BODY else [
            paragraph[start:start + MAX_BODY] for start in range(0, len(paragraph), MAX_BODY)]
        for piece in pieces:
            candidate = f"{current}\n\n{piece}" if current else piece
            if len(candidate) <= MAX_BODY:
                current = candidate
            else:
                parts.append(current)
                current = piece
    if current:
        parts.append(current)
    return parts


class TwilioReplies(BestEffortDelivery, TwilioOutput):
    """Twilio's output channel for ONE incoming message: replies go to that message's number.

    Rasa passes the conversation id (a hash) as ``recipient_id``; every send method ignores it and
    uses the number of the request, which this object keeps in memory only. A reply Twilio does
    not accept is logged by its status and error code, never by Twilio's message (it may quote
    the number).
    """

    def __init__(
        self, account_sid: Optional[str], auth_token: Optional[str], twilio_number: Optional[str], recipient: str
    ) -> None:
        super().__init__(account_sid, auth_token, twilio_number)
        self._recipient = recipient

    def __repr__(self) -> str:
        return f"{type(self).__name__}(twilio_number={self.twilio_number!r})"

    async def _send_message(self, message_data: Dict[Text, Any]) -> Any:
        """Create one message through Twilio's API (in a thread: the client blocks)."""
        try:
            return await asyncio.to_thread(self.messages.create, **message_data)
        except TwilioRestException as error:
            logger.error("twilio: a reply was refused (HTTP %s, Twilio error %s)", error.status, error.code)
            return None

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        """Send a text to the request's number as one message (``recipient_id`` is ignored)."""
        for body in bodies(text):
            await self._send_message({"to": self._recipient, "from_": self.twilio_number, "body": body})

    async def send_text_with_buttons(
        self, recipient_id: Text, text: Text, buttons: List[Dict[str, Any]], **kwargs: Any
    ) -> None:
        """The text and the buttons' titles as a numbered list, in one message; a number answers."""
        choices = "\n".join(f"{index}. {button.get('title', '')}" for index, button in enumerate(buttons, start=1))
        await self.send_text_message(recipient_id, f"{text.strip()}\n\n{choices}" if choices else text, **kwargs)

    async def send_image_url(self, recipient_id: Text, image: Text, **kwargs: Any) -> None:
        """Send an image to the request's number (``recipient_id`` is ignored)."""
        await super().send_image_url(self._recipient, image, **kwargs)

    async def send_custom_json(self, recipient_id: Text, json_message: Dict[Text, Any], **kwargs: Any) -> None:
        """Send a custom payload to the request's number (``recipient_id`` and any ``to`` are ignored)."""
        await super().send_custom_json(self._recipient, {**json_message, "to": self._recipient}, **kwargs)


class VerifiedTwilioInput(TwilioInput):
    """Rasa's Twilio channel with the request signature checked."""

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[str, Any]]) -> InputChannel:
        """Build the channel from ``account_sid``, ``auth_token``, ``twilio_number`` and ``webhook_url``."""
        if not credentials:
            cls.raise_missing_credentials_exception()
        assert credentials is not None
        url = credentials.get("webhook_url")
        if not isinstance(url, str) or not url.startswith(("https://", "http://")):
            raise TwilioConfigError("TWILIO_WEBHOOK_URL must be the full public URL Twilio posts to")
        return cls(credentials.get("account_sid"), credentials.get("auth_token"), credentials.get("twilio_number"), url)

    def __init__(
        self,
        account_sid: Optional[str],
        auth_token: Optional[str],
        twilio_number: Optional[str],
        webhook_url: str,
        debug_mode: bool = False,
    ) -> None:
        super().__init__(account_sid, auth_token, twilio_number, debug_mode)
        self.webhook_url = webhook_url

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        """The channel's routes: ``GET /`` (health) and ``POST /webhook`` (signed form posts)."""
        handle = guard(on_new_message)
        webhook = channel_blueprint("verified_twilio_webhook")
        channel = self.name()

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            signature = request.headers.get(SIGNATURE_HEADER)
            if not signature:
                return refuse(401, "missing_signature", f"the {SIGNATURE_HEADER} header is missing", channel)
            form = form_parameters(request.body or b"")
            if not signature_valid(self.auth_token or "", self.webhook_url, form, signature):
                return refuse(403, "bad_signature", f"the {SIGNATURE_HEADER} header does not match", channel)
            sender = first(form, "From")
            text = first(form, "Body")
            latitude, longitude = first(form, "Latitude"), first(form, "Longitude")
            if latitude and longitude:
                text = f"/locationData{{'Latitude': {latitude},'Longitude': {longitude}}}"
            if not sender:
                return refuse(400, "invalid_field", "the form field 'From' is missing", channel)
            if not text:
                return response.text("", status=204)  # e.g. a picture without text: nothing to answer
            conversation = sender_id_for(sender, self.auth_token or "")
            choice = _CHOICE.fullmatch(text)
            if choice:  # "2" answers the second of the numbered options of the last reply
                buttons = await last_buttons(conversation)
                number = int(choice.group(1))
                if 1 <= number <= len(buttons) and isinstance(buttons[number - 1].get("payload"), str):
                    text = buttons[number - 1]["payload"]
            message = UserMessage(
                text.replace("¡", "@"),  # some carriers turn @ into ¡ in SMS
                self.output_channel_for(sender), conversation,
                input_channel=channel, metadata=self.get_metadata(request),
            )
            try:
                await handle(message)
            except Exception as error:  # a failed reply must not make Twilio resend the message
                # by type only: a traceback's text could quote the number
                logger.error("twilio: handling a message failed (%s)", type(error).__name__)
            return response.text("", status=204)

        return webhook

    def output_channel_for(self, number: str) -> TwilioReplies:
        """The channel that sends the replies to one incoming message to ``number``."""
        return TwilioReplies(self.account_sid, self.auth_token, self.twilio_number, number)

    def get_output_channel(self) -> OutputChannel:
        """Rasa's hook for replies outside a request (e.g. ``/conversations/<id>/execute``).

        There is no number to send to (the conversation id is a hash), so this channel collects
        such messages instead of sending them.
        """
        return CollectingOutputChannel()
