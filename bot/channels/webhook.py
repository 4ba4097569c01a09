"""The signed generic webhook: ``POST /webhooks/signed/webhook`` on the Rasa port.

For systems other than the messaging platforms. The request is checked in this order, and
nothing reaches the assistant unless every check passes (the scheme: ``docs/integrators.md, "Signed webhook"``):

1. keys configured (``WEBHOOK_KEYS``), else 503 ``webhook_not_configured``;
2. body size (``MAX_BODY_BYTES``, as the REST channel), else 413 ``body_too_large``;
3. signature headers, key id and HMAC over the raw body, then the timestamp (401);
4. the nonce was not seen in the last ten minutes (kept 600 s, twice the timestamp window; 401
   ``replayed``);
5. only then the JSON: ``sender``, ``message``, ``metadata``, ``callback_url`` (400 naming the
   field, 413 for a message over ``MAX_MESSAGE_CHARS``);
6. the conversation belongs to this channel (``bot.channels.ownership``), else 403 ``forbidden``.

Without ``callback_url`` the replies come back in the response (200). With it the server answers
202 at once and POSTs the replies there, signed with the same key (:mod:`bot.channels.callbacks`).

At server stop (``before_server_stop``, while the assistant still runs) the answers in progress
get up to ``SHUTDOWN_WAIT_SECONDS``; at ``after_server_stop`` the deliveries get what is left of
that time. A reply that is not ready or not delivered by then is recorded in
``undelivered_replies``, never lost silently; then the dispatcher stops, the Redis client is
closed and the database engine disposed.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any, Awaitable, Callable, Dict, List, Optional, Tuple

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.callbacks import CallbackDispatcher, CallbackJob, check_callback_url, dispose_engines, give_up
from bot.channels.guard import (
    InvalidMessage,
    channel_blueprint,
    check_metadata,
    check_sender,
    check_text,
    guard,
    parse_json,
)
from bot.channels.nonces import NonceStore, NonceStoreUnavailable, nonce_store_for
from bot.channels.ownership import check_owner
from bot.channels.signing import MAX_SKEW_SECONDS, SignatureError, Verified, verify
from bot.settings import Settings, get_settings
from bot.stores.db_retry import StoreUnavailable

logger = logging.getLogger(__name__)

FIELDS = ("sender", "message", "metadata", "callback_url")
#: At server stop, answers and deliveries in progress get this long in total.
SHUTDOWN_WAIT_SECONDS = 10.0


async def remember_callback(sender: str, url: str, key_id: str) -> None:
    """Keep the conversation's callback, so that a staff member's later reply can reach it (issue #15)."""
    from bot.handoff.store import store

    try:
        await asyncio.to_thread(lambda: store().remember_callback(sender, url, key_id))
    except Exception:  # the answer still goes to this callback; only a later staff reply could not
        logger.exception("signed webhook: could not keep the callback of %s for a handoff", sender)


def error_response(status: int, code: str, message: str, field: Optional[str] = None) -> HTTPResponse:
    """A JSON error ``{"error": {"code", "message", "field"?}}``."""
    return response.json(InvalidMessage(code, message, field, status).as_dict(), status=status)


def parse_fields(body: bytes, settings: Settings) -> Dict[str, Any]:
    """Parse and validate the JSON body of a request whose signature was verified.

    Args:
        body: The raw body.
        settings: The allow-list of callback hosts.

    Returns:
        ``sender``, ``message``, ``metadata`` and ``callback_url`` (None when absent).

    Raises:
        InvalidMessage: With the status and field of the first problem.
    """
    data = parse_json(body)
    if not isinstance(data, dict):
        raise InvalidMessage("invalid_body", "the request body must be a JSON object with 'sender' and 'message'")
    unknown = sorted(str(name) for name in data if name not in FIELDS)
    if unknown:
        raise InvalidMessage("unknown_field", f"unknown field '{unknown[0]}'", unknown[0])
    callback_url = data.get("callback_url")
    return {
        "sender": check_sender(data.get("sender")),
        "message": check_text(data.get("message")),
        "metadata": check_metadata(data.get("metadata")),
        "callback_url": None if callback_url is None
        else check_callback_url(callback_url, settings.webhook_callback_allowed_hosts),
    }


def replies(messages: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """The collected bot messages without the redundant ``recipient_id``."""
    return [{key: value for key, value in message.items() if key != "recipient_id"} for message in messages]


class SignedWebhookInput(InputChannel):
    """A generic webhook whose requests are signed with HMAC-SHA256 (see the module docstring)."""

    def __init__(self) -> None:
        self._nonces: Optional[NonceStore] = None
        self._dispatcher: Optional[CallbackDispatcher] = None
        self._tasks: Dict[asyncio.Task, Tuple[CallbackJob, CollectingOutputChannel]] = {}
        self._shutdown_deadline: Optional[float] = None

    @classmethod
    def name(cls) -> str:
        """The URL prefix: ``/webhooks/signed``."""
        return "signed"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[str, Any]]) -> InputChannel:
        """Create the channel; its keys come from ``WEBHOOK_KEYS``, not from ``credentials.yml``."""
        return cls()

    def nonces(self) -> NonceStore:
        """The nonce store (Redis with ``REDIS_URL``, else memory), made on first use."""
        if self._nonces is None:
            self._nonces = nonce_store_for(get_settings())
        return self._nonces

    def dispatcher(self) -> CallbackDispatcher:
        """The callback dispatcher, made on first use."""
        if self._dispatcher is None:
            self._dispatcher = CallbackDispatcher(get_settings())
        return self._dispatcher

    async def authenticate(self, request: Request, settings: Settings) -> Verified:
        """Check size, signature, timestamp and nonce of a request.

        Args:
            request: The request.
            settings: Keys and limits.

        Returns:
            The verified key id, timestamp and nonce.

        Raises:
            InvalidMessage: With the status (413, 401, 503) and code of the first problem.
        """
        body = request.body or b""
        if len(body) > settings.max_body_bytes:
            raise InvalidMessage(
                "body_too_large", f"the request body is {len(body)} bytes; the limit is {settings.max_body_bytes}",
                None, 413,
            )
        try:
            verified = verify(request.headers, body, dict(settings.webhook_keys))
        except SignatureError as error:
            raise InvalidMessage(error.code, str(error), None, 401) from None
        try:
            fresh = await self.nonces().claim(verified.key_id, verified.nonce, 2 * MAX_SKEW_SECONDS)
        except NonceStoreUnavailable as error:
            logger.error("signed webhook: the nonce store is unavailable: %s", error)
            raise InvalidMessage("nonce_store_unavailable", "cannot check the request for replay now; retry later",
                                 None, 503) from None
        if not fresh:
            raise InvalidMessage("replayed", "this nonce was already used", None, 401)
        return verified

    async def answer_later(
        self, handle: Callable[[UserMessage], Awaitable[Any]], fields: Dict[str, Any], job: CallbackJob,
        collector: CollectingOutputChannel, settings: Settings,
    ) -> None:
        """Run the message through the assistant, then hand the replies to the dispatcher."""
        try:
            await handle(UserMessage(fields["message"], collector, fields["sender"], input_channel=self.name(),
                                     metadata=fields["metadata"]))
        except Exception as error:
            logger.exception("signed webhook: the assistant failed on a message from %s", fields["sender"])
            job.messages = replies(collector.messages)
            await asyncio.get_running_loop().run_in_executor(
                None, give_up, job, settings, 0, f"the assistant failed: {type(error).__name__}"
            )
            return
        job.messages = replies(collector.messages)
        self.dispatcher().submit(job)

    def _remaining(self) -> float:
        """Seconds left of the shutdown wait (the full wait when it has not started)."""
        if self._shutdown_deadline is None:
            self._shutdown_deadline = time.monotonic() + SHUTDOWN_WAIT_SECONDS
        return max(0.0, self._shutdown_deadline - time.monotonic())

    async def drain(self) -> None:
        """Wait (bounded) for the answers in progress, while the assistant still runs."""
        if self._tasks:
            await asyncio.wait(list(self._tasks), timeout=self._remaining())

    async def close(self) -> None:
        """Stop: record unfinished answers, wait (bounded) for deliveries, release connections."""
        await self.drain()
        settings = get_settings()
        loop = asyncio.get_running_loop()
        for task, (job, collector) in list(self._tasks.items()):
            if not task.done():
                task.cancel()
                job.messages = replies(collector.messages)  # what the assistant had said so far
                reason = "the server stopped before the reply was ready"
                await loop.run_in_executor(None, give_up, job, settings, 0, reason)
        if self._dispatcher is not None:
            await loop.run_in_executor(None, self._dispatcher.shutdown, self._remaining())
        if self._nonces is not None:
            try:
                await self._nonces.close()
            except Exception as error:  # closing must not hide the other steps
                logger.warning("signed webhook: closing the nonce store failed: %s", type(error).__name__)
        await loop.run_in_executor(None, dispose_engines)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        """The channel's routes: ``GET /`` (health) and ``POST /webhook``."""
        handle = guard(on_new_message)
        webhook = channel_blueprint(f"custom_webhook_{type(self).__name__}")

        @webhook.listener("before_server_stop")
        async def finish_answers(*_: Any) -> None:
            await self.drain()

        @webhook.listener("after_server_stop")
        async def stop(*_: Any) -> None:
            await self.close()

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            settings = get_settings()
            if not settings.webhook_keys:
                return error_response(503, "webhook_not_configured", "the signed webhook has no keys (WEBHOOK_KEYS)")
            try:
                verified = await self.authenticate(request, settings)
                fields = parse_fields(request.body or b"", settings)
            except InvalidMessage as error:
                return response.json(error.as_dict(), status=error.status)
            try:  # before the request is accepted: a refusal is the caller's answer, not a callback's
                await check_owner(UserMessage(fields["message"], None, fields["sender"], input_channel=self.name(),
                                              metadata=fields["metadata"]))
            except InvalidMessage as error:
                return response.json(error.as_dict(), status=error.status)
            except StoreUnavailable:
                return error_response(503, "service_unavailable", "the conversation store is unavailable; retry later")
            if fields["callback_url"] is not None:
                await remember_callback(fields["sender"], fields["callback_url"], verified.key_id)
                job = CallbackJob(
                    url=fields["callback_url"], key_id=verified.key_id,
                    secret=dict(settings.webhook_keys)[verified.key_id], sender=fields["sender"], messages=[],
                    in_reply_to=verified.nonce,
                )
                collector = CollectingOutputChannel()
                task = asyncio.get_running_loop().create_task(
                    self.answer_later(handle, fields, job, collector, settings)
                )
                self._tasks[task] = (job, collector)
                task.add_done_callback(lambda done: self._tasks.pop(done, None))
                return response.json(
                    {"sender": fields["sender"], "status": "accepted", "in_reply_to": verified.nonce}, status=202
                )
            collector = CollectingOutputChannel()
            await handle(UserMessage(fields["message"], collector, fields["sender"], input_channel=self.name(),
                                     metadata=fields["metadata"]))
            return response.json({"sender": fields["sender"], "messages": replies(collector.messages)})

        return webhook
