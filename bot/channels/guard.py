"""Checks every channel applies before a message reaches the NLU pipeline, and after it.

* Before: the text must be a string of at most ``MAX_MESSAGE_CHARS`` characters. Stock Rasa 3.6
  has no limit: a single 100 kB message made a ``rasa init`` assistant allocate 24 GB.
* After: when the assistant produced no reply at all and a custom action failed in this turn
  (``bot.action_failures``) or the action server does not answer its health check, the user is
  told politely that the assistant cannot answer right now, instead of getting silence.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import re
import time
from typing import Any, Awaitable, Callable, Dict, List, Optional

import aiohttp
from rasa.core.channels.channel import OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.action_failures import start_turn
from bot.i18n import translate
from bot.privacy import protect_metadata
from bot.rich_text import for_channel
from bot.settings import get_settings
from bot.stores.db_retry import StoreUnavailable

logger = logging.getLogger(__name__)

OnNewMessage = Callable[[UserMessage], Awaitable[Any]]
_HEALTH_CACHE_SECONDS = 5.0
_health_cache: Dict[str, Any] = {"checked_at": 0.0, "ok": True}


class InvalidMessage(ValueError):
    """A message was refused; ``field`` names the offending field, ``status`` the HTTP status."""

    def __init__(self, code: str, message: str, field: Optional[str] = None, status: int = 400) -> None:
        super().__init__(message)
        self.code = code
        self.field = field
        self.status = status

    def as_dict(self) -> Dict[str, Any]:
        """The error as a JSON-ready mapping."""
        error: Dict[str, Any] = {"code": self.code, "message": str(self)}
        if self.field:
            error["field"] = self.field
        return {"error": error}


def check_unicode(value: Any) -> None:
    r"""Refuse JSON data with a string that is not valid Unicode text.

    JSON may escape half of a UTF-16 surrogate pair on its own (``"\ud800"``); Python then holds
    a string that cannot be written as UTF-8, and the first write (the database, a reply, a log)
    failed with a 500 (issue #13). It is refused here, before anything is stored.

    Args:
        value: Parsed JSON.

    Raises:
        InvalidMessage: ``invalid_text`` (400) if a string in ``value`` holds a lone surrogate.
    """
    try:
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidMessage(
            "invalid_text",
            "the request holds an unpaired UTF-16 surrogate (such as \\ud800); text must be valid Unicode",
        ) from None


def parse_json(body: bytes) -> Any:
    """Parse a request body as JSON of valid Unicode text.

    Raises:
        InvalidMessage: ``invalid_json`` or ``invalid_text`` (400).
    """
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise InvalidMessage("invalid_json", "the request body is not valid JSON") from None
    check_unicode(data)
    return data


#: C0 control characters other than tab, line feed and carriage return, and DEL: nobody types
#: them, and they can rewrite a terminal or a log line (ESC sequences) or break a database (NUL
#: in PostgreSQL text). Bidi marks and combining characters are text (Arabic needs them) and pass.
CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def check_text(text: Any, field: str = "message") -> str:
    """Return the message text if acceptable.

    Args:
        text: The value received.
        field: The field's name, for the error.

    Returns:
        The text.

    Raises:
        InvalidMessage: If it is not a non-empty string, holds a control character
            (``invalid_text``) or is too long (413).
    """
    limit = get_settings().max_message_chars
    if not isinstance(text, str):
        raise InvalidMessage("invalid_field", f"'{field}' must be a string", field)
    if not text.strip():
        raise InvalidMessage("invalid_field", f"'{field}' must not be empty", field)
    found = CONTROL_CHARACTERS.search(text)
    if found is not None:
        raise InvalidMessage(
            "invalid_text", f"'{field}' holds the control character U+{ord(found.group()):04X}", field
        )
    if len(text) > limit:
        raise InvalidMessage(
            "message_too_long", f"'{field}' is {len(text)} characters long; the limit is {limit}", field, 413
        )
    return text


def check_sender(sender: Any, field: str = "sender") -> str:
    """Return the sender id if acceptable (a non-empty string of at most 128 characters)."""
    if not isinstance(sender, str) or not sender.strip() or len(sender) > 128:
        raise InvalidMessage("invalid_field", f"'{field}' must be a non-empty string of at most 128 characters", field)
    return sender


def check_metadata(metadata: Any, field: str = "metadata") -> Dict[str, Any]:
    """Return the metadata if it is absent or a JSON object, with any session secret hashed."""
    if metadata is None:
        return {}
    if not isinstance(metadata, dict):
        raise InvalidMessage("invalid_field", f"'{field}' must be a JSON object", field)
    return protect_metadata(metadata)


def action_health_url() -> str:
    """The action server's health URL, derived from the action endpoint."""
    endpoint = os.environ.get("ACTION_ENDPOINT_URL") or get_settings().action_endpoint_url
    return endpoint.rsplit("/webhook", 1)[0] + "/health"


async def action_server_up() -> bool:
    """Whether the action server answers its health check (cached for a few seconds)."""
    now = time.monotonic()
    if now - _health_cache["checked_at"] < _HEALTH_CACHE_SECONDS:
        return bool(_health_cache["ok"])
    timeout = aiohttp.ClientTimeout(total=get_settings().action_timeout_seconds)
    try:
        async with aiohttp.ClientSession(timeout=timeout) as session, session.get(action_health_url()) as response:
            ok = response.status == 200
    except (aiohttp.ClientError, OSError, asyncio.TimeoutError):  # not TimeoutError's subclass before 3.11
        ok = False
    _health_cache.update(checked_at=now, ok=ok)
    return ok


class CountingOutputChannel(OutputChannel):
    """Passes every response to the real output channel and counts them.

    ``send_response`` (used by Rasa's processor) and every ``send_*`` method are forwarded, so the
    wrapped channel's own formatting (e.g. socket.io's quick replies) is kept. Texts are first
    put in the channel's markup (:func:`bot.rich_text.for_channel`: plain text with short URLs
    for Telegram, Messenger and SMS/WhatsApp).
    """

    def __init__(self, inner: OutputChannel, channel: str = "") -> None:
        self.inner = inner
        self.channel = channel
        self.sent = 0

    def _text(self, text: Any) -> Any:
        return for_channel(self.channel, text) if isinstance(text, str) else text

    def name(self) -> str:  # type: ignore[override]
        """The wrapped channel's name."""
        return self.inner.name()

    async def send_response(self, recipient_id: str, message: Dict[str, Any]) -> None:
        """Count and forward a response."""
        self.sent += 1
        if isinstance(message.get("text"), str):
            message = {**message, "text": self._text(message["text"])}
        await self.inner.send_response(recipient_id, message)

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        """Count and forward a text."""
        self.sent += 1
        await self.inner.send_text_message(recipient_id, self._text(text), **kwargs)

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: List[Dict[str, Any]], **kwargs: Any
    ) -> None:
        """Count and forward a text with buttons."""
        self.sent += 1
        await self.inner.send_text_with_buttons(recipient_id, self._text(text), buttons, **kwargs)

    async def send_custom_json(self, recipient_id: str, json_message: Dict[str, Any], **kwargs: Any) -> None:
        """Count and forward a custom payload."""
        self.sent += 1
        await self.inner.send_custom_json(recipient_id, json_message, **kwargs)


def message_language(message: UserMessage) -> str:
    """The language the channel asked for in the message's metadata, else the default."""
    settings = get_settings()
    language = (message.metadata or {}).get("language") if isinstance(message.metadata, dict) else None
    return language if language in settings.languages else settings.default_language


def _running_agent() -> Any:
    """The Rasa server's agent in this process, or None (a test app's stand-in has no processor)."""
    from sanic import Sanic

    agent = next(
        (app.ctx.agent for app in Sanic._app_registry.values() if getattr(app.ctx, "agent", None) is not None), None
    )
    return agent if agent is not None and getattr(agent, "processor", None) is not None else None


async def last_buttons(sender_id: str, tracker_store: Any = None) -> List[Dict[str, Any]]:
    """The buttons of the conversation's last reply (empty when it had none or is unknown).

    Text channels without buttons (SMS) show them as a numbered list; a reply with a number is
    read as pressing that button.

    Args:
        sender_id: The conversation id.
        tracker_store: Where the conversation is stored; the running Rasa server's store if None.

    Returns:
        The buttons, in order.
    """
    if tracker_store is None:
        agent = _running_agent()
        tracker_store = agent.tracker_store if agent is not None else None
    if tracker_store is None:
        return []
    try:
        tracker = await tracker_store.retrieve(sender_id)
    except Exception:  # the store may be down: the number is then read as text
        logger.exception("could not read the conversation of %s for its last buttons", sender_id)
        return []
    if tracker is None:
        return []
    for event in reversed(tracker.events):
        if event.type_name == "user":
            return []
        buttons = (getattr(event, "data", None) or {}).get("buttons") if event.type_name == "bot" else None
        if buttons:  # the last reply's last message with buttons (a notice may follow it)
            return [button for button in buttons if isinstance(button, dict)]
    return []


async def reply_language(message: UserMessage) -> str:
    """The language to answer ``message`` in when the action server cannot.

    The action server normally decides the language (``actions/language.py``); when it is away,
    the same rule (``bot.languages.decide_language``) is applied here to what the Rasa server
    already knows: the message's parse (detected language, widget metadata) and the language of
    the conversation so far. Falls back to :func:`message_language` when the tracker is not at hand.
    """
    from bot.languages import decide_language

    agent = _running_agent()
    if agent is None:
        return message_language(message)
    try:
        tracker = await agent.tracker_store.retrieve(message.sender_id) if agent.tracker_store else None
        # The turn that failed may not have been stored: parse this message again (NLU only, in
        # this process), with its metadata, to see which language it is in.
        parse = await agent.processor.parse_message(message, tracker)
    except Exception:  # the store may be the part that is down: answer in the requested language
        logger.exception("could not read the conversation of %s to choose the reply's language", message.sender_id)
        return message_language(message)
    users = sum(1 for event in tracker.events if event.type_name == "user") if tracker is not None else 0
    decision = decide_language(
        tracker.get_slot("language") if tracker is not None else None,
        (parse.get("intent") or {}).get("name"),
        list(parse.get("entities") or []),
        get_settings().languages,
        first_message=users <= 1,  # as actions/language.py counts
        text=str(parse.get("text") or message.text or ""),
    )
    return decision.language


def channel_blueprint(name: str) -> Blueprint:
    """A channel's blueprint with Rasa's health route (``GET /`` answers ``{"status": "ok"}``)."""
    webhook = Blueprint(name, __name__)

    @webhook.route("/", methods=["GET"])
    async def health(_: Request) -> HTTPResponse:
        return response.json({"status": "ok"})

    return webhook


def guard(
    on_new_message: OnNewMessage, raise_store_errors: bool = False, raise_refusals: bool = False
) -> OnNewMessage:
    """Wrap Rasa's message handler with the length and owner checks and the unavailable-service replies.

    Every message must come from its conversation's owner (:mod:`bot.channels.ownership`); a
    refused one is neither stored nor answered. :class:`~bot.channels.ownership.OwnershipRefused`
    is raised to the channels that answer in their HTTP response or to one socket (REST and
    socket.io: ``raise_refusals``; the signed webhook checks before it accepts); on the platform
    channels it is logged and counted, and nothing is sent: the output channel would reach the
    conversation's owner, not the sender.

    When the conversation store stays unusable (``bot.stores.db_retry.StoreUnavailable``: the
    turn is neither stored nor streamed), the user is told so in their language; a channel that
    answers in its HTTP response (REST) gets the error instead, as a 503.

    Args:
        on_new_message: The handler Rasa gives to every channel's blueprint.
        raise_store_errors: Raise :class:`InvalidMessage` with status 503 on a store failure
            instead of sending the apology as a reply.
        raise_refusals: Raise owner refusals (403 ``forbidden``) instead of dropping the message.

    Returns:
        A handler with the same signature.
    """

    async def handler(message: UserMessage) -> Any:
        try:
            check_text(message.text)
        except InvalidMessage as error:
            logger.warning("channel %s refused a message from %s: %s", message.input_channel, message.sender_id, error)
            await message.output_channel.send_text_message(message.sender_id, str(error))
            return None
        from bot import metrics

        channel = str(message.input_channel or "unknown")
        started = time.perf_counter()
        metrics.MESSAGES.labels(channel=channel).inc()
        counting = CountingOutputChannel(message.output_channel, channel)
        message.output_channel = counting
        from bot.channels.ownership import OwnershipRefused, check_owner

        failed_actions = start_turn()
        try:
            await check_owner(message)
            from bot.handoff.relay import intercept

            if await intercept(message):  # a person has the conversation, or its e-mail step
                metrics.RESPONSE_SECONDS.labels(channel=channel).observe(time.perf_counter() - started)
                return None
            result = await on_new_message(message)
        except OwnershipRefused:
            metrics.RESPONSE_SECONDS.labels(channel=channel).observe(time.perf_counter() - started)
            if raise_refusals:
                raise
            return None
        except StoreUnavailable as error:
            # Logged and counted where it happened (bot.stores.db_retry); the user must know.
            metrics.RESPONSE_SECONDS.labels(channel=channel).observe(time.perf_counter() - started)
            text = translate("service_unavailable", message_language(message))
            if raise_store_errors:
                raise InvalidMessage("service_unavailable", text, status=503) from error
            await counting.inner.send_text_message(message.sender_id, text)
            return None
        if counting.sent == 0 and (failed_actions or not await action_server_up()):
            if failed_actions:  # first-hand evidence; a cached "up" may predate it, so check afresh next time
                _health_cache["checked_at"] = 0.0
            logger.error("no reply for %s: the action server at %s is unreachable (failed: %s)", message.sender_id,
                         action_health_url(), ", ".join(failed_actions) or "none; its health check fails")
            await counting.inner.send_text_message(
                message.sender_id, translate("service_unavailable", await reply_language(message))
            )
            metrics.UNAVAILABLE.labels(channel=channel).inc()
        metrics.RESPONSE_SECONDS.labels(channel=channel).observe(time.perf_counter() - started)
        return result

    return handler
