"""Telegram, with every update verified by the secret token Telegram sends back.

Rasa 3.6's ``TelegramInput`` only compares a bot name (and asks Telegram's API for it on every
update), registers the webhook at start-up (so the server cannot start without internet) and
exposes an unauthenticated ``/set_webhook`` route. This channel instead:

* requires ``X-Telegram-Bot-Api-Secret-Token`` to equal ``secret_token`` (constant-time):
  401 when the header is missing, 403 when it differs, and the update never reaches the assistant;
* starts without calling Telegram; the webhook is registered once, as a separate step:
  ``python -m bot.channels.telegram register`` (sends ``secret_token`` with ``setWebhook``);
* passes every message through the channel guard (length limit, "cannot answer right now").
"""

from __future__ import annotations

import argparse
import logging
import os
import re
import sys
from typing import Any, Awaitable, Callable, Dict, Optional, Sequence
from urllib.parse import urlsplit

from aiogram.types import Update
from rasa.core.channels.channel import InputChannel, UserMessage
from rasa.core.channels.telegram import TelegramInput, TelegramOutput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.delivery import BestEffortDelivery
from bot.channels.guard import InvalidMessage, channel_blueprint, guard
from bot.channels.verification import invalid, json_object, refuse
from bot.privacy import constant_time_equal

logger = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
#: Telegram accepts 1-256 characters A-Z, a-z, 0-9, _ and - as a webhook secret token.
SECRET_FORMAT = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
TOKEN_FORMAT = re.compile(r"^\d+:[A-Za-z0-9_-]+$")
API_BASE = "https://api.telegram.org"
ALLOWED_UPDATES = ("message", "edited_message", "callback_query")
#: Telegram's ``/start`` command (sent when a user opens the bot) is answered as a greeting.
START_INTENT = "/greet"


class TelegramConfigError(ValueError):
    """The Telegram credentials are unusable (the message names the variable)."""


def check_credentials(access_token: Any, secret_token: Any) -> None:
    """Check the bot token's and the secret token's formats.

    Args:
        access_token: The bot token from BotFather (``123456:ABC-...``).
        secret_token: The webhook secret token.

    Raises:
        TelegramConfigError: Naming the variable that is wrong.
    """
    if not isinstance(access_token, str) or not TOKEN_FORMAT.match(access_token):
        raise TelegramConfigError("TELEGRAM_ACCESS_TOKEN must look like 123456789:AA... (the token from BotFather)")
    if not isinstance(secret_token, str) or not SECRET_FORMAT.match(secret_token):
        raise TelegramConfigError("TELEGRAM_SECRET_TOKEN must be 1-256 characters of A-Z, a-z, 0-9, _ and -")


def update_text(update: Update) -> Optional[tuple]:
    """The ``(text, chat id)`` of an update, or None when it carries nothing to answer.

    Args:
        update: The Telegram update.

    Returns:
        Text and chat id: a message's text, a button's payload, an edited message's text, or a
        location as ``{"lng": .., "lat": ..}``.
    """
    if update.callback_query is not None and update.callback_query.message is not None:
        return update.callback_query.data, update.callback_query.message.chat.id
    message = update.edited_message or update.message
    if message is None or message.chat is None:
        return None
    if message.text is not None:
        return message.text, message.chat.id
    if message.location is not None:
        return f'{{"lng":{message.location.longitude}, "lat":{message.location.latitude}}}', message.chat.id
    return None


class TelegramReplies(BestEffortDelivery, TelegramOutput):
    """Telegram's output channel; a reply Telegram does not accept is logged."""


class VerifiedTelegramInput(TelegramInput):
    """Rasa's Telegram channel with the secret-token check and no network calls at start-up."""

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[str, Any]]) -> InputChannel:
        """Build the channel from ``credentials.yml``: ``access_token``, ``secret_token``, ``webhook_url``."""
        if not credentials:
            cls.raise_missing_credentials_exception()
        assert credentials is not None
        check_credentials(credentials.get("access_token"), credentials.get("secret_token"))
        return cls(credentials["access_token"], credentials["secret_token"], credentials.get("webhook_url"))

    def __init__(
        self, access_token: str, secret_token: str, webhook_url: Optional[str] = None, debug_mode: bool = False
    ) -> None:
        super().__init__(access_token, None, webhook_url, debug_mode)
        self.secret_token = secret_token

    def get_output_channel(self) -> TelegramOutput:
        """The channel that sends replies through Telegram's API (created without calling it)."""
        return TelegramReplies(self.access_token)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        """The channel's routes: ``GET /`` (health) and ``POST /webhook`` (verified updates)."""
        handle = guard(on_new_message)
        webhook = channel_blueprint("verified_telegram_webhook")
        channel = self.name()

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            given = request.headers.get(SECRET_HEADER)
            if given is None:
                return refuse(401, "missing_secret", f"the {SECRET_HEADER} header is missing", channel)
            if not constant_time_equal(given, self.secret_token):
                return refuse(403, "bad_secret", f"the {SECRET_HEADER} header does not match", channel)
            try:
                data = json_object(request)
            except InvalidMessage as error:
                return invalid(error, channel)
            try:
                found = update_text(Update(**data))
            except (TypeError, ValueError, AttributeError):
                return invalid(InvalidMessage("invalid_body", "the body is not a Telegram update"), channel)
            if found is None or not isinstance(found[0], str):
                return response.json({"status": "ignored"})
            text, chat_id = found
            if text == "/start" or text.startswith("/start "):
                text = START_INTENT  # the first thing every Telegram user sends
            message = UserMessage(
                text, self.get_output_channel(), str(chat_id), input_channel=channel,
                metadata=self.get_metadata(request),
            )
            try:
                await handle(message)
            except Exception:  # a reply Telegram refused must not make Telegram resend the update
                logger.exception("telegram: handling an update failed")
            return response.json({"status": "ok"})

        return webhook


def register_webhook(
    access_token: str, webhook_url: str, secret_token: str, api_base: str = API_BASE, timeout: float = 10.0
) -> Dict[str, Any]:
    """Register the webhook with Telegram (``setWebhook``), with the secret token.

    Args:
        access_token: The bot token.
        webhook_url: The public HTTPS URL of ``/webhooks/telegram/webhook``.
        secret_token: Telegram sends it back in ``X-Telegram-Bot-Api-Secret-Token``.
        api_base: Telegram's Bot API server.
        timeout: Seconds to wait for Telegram.

    Returns:
        Telegram's JSON answer (``{"ok": true, ...}`` on success).
    """
    import requests

    check_credentials(access_token, secret_token)
    answer = requests.post(
        f"{api_base}/bot{access_token}/setWebhook",
        json={"url": webhook_url, "secret_token": secret_token, "allowed_updates": list(ALLOWED_UPDATES)},
        timeout=timeout,
    )
    return dict(answer.json())


def main(argv: Optional[Sequence[str]] = None) -> int:
    """``python -m bot.channels.telegram register``: register the webhook from the environment."""
    parser = argparse.ArgumentParser(prog="python -m bot.channels.telegram", description=register_webhook.__doc__)
    parser.add_argument("command", choices=("register",))
    parser.parse_args(argv)
    names = ("TELEGRAM_ACCESS_TOKEN", "TELEGRAM_WEBHOOK_URL", "TELEGRAM_SECRET_TOKEN")
    missing = [name for name in names if not os.environ.get(name)]
    if missing:
        print(f"error: set {', '.join(missing)}", file=sys.stderr)
        return 1
    import requests

    try:
        token, url, secret = (os.environ[name] for name in names)
        answer = register_webhook(token, url, secret, api_base=API_BASE)
    except requests.RequestException as error:
        # requests' messages contain the URL, and with it /bot<TOKEN>/: name only the type and host.
        print(f"error: setWebhook on {urlsplit(API_BASE).netloc} failed: {type(error).__name__}", file=sys.stderr)
        return 1
    except (TelegramConfigError, OSError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(answer.get("description") or answer)
    return 0 if answer.get("ok") else 1


if __name__ == "__main__":
    sys.exit(main())
