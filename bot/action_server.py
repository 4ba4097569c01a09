"""The action server: ``python -m bot.action_server`` (``make run`` starts it for you).

It is rasa_sdk's own app (``rasa_sdk.endpoint.create_app``) with the project's actions, started
on ``BIND_HOST:ACTION_PORT`` like the other servers, with one addition: who may call it.

Decision (docs/decisions.md, "Who may call the action server"):

* By default the server binds the loopback address and only processes on the same machine reach
  it; no token is needed.
* When ``ACTION_SERVER_TOKEN`` is set, every call to ``/webhook`` and ``/actions`` must carry it
  in the ``X-Action-Token`` header (compared in constant time), otherwise 401. Rasa sends the
  header: ``bot.rasa_server`` adds it to the action endpoint from the same variable.
* Binding a non-loopback address without a token is refused at start-up: an action server open
  to the network would let anyone run the assistant's actions with a forged tracker.

``/health`` stays open: it answers ``{"status": "ok"}`` and nothing else (probes use it).
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import sys
from typing import Optional

from bot.settings import Settings

logger = logging.getLogger(__name__)

#: The header that carries ``ACTION_SERVER_TOKEN`` from Rasa to the action server.
TOKEN_HEADER = "X-Action-Token"
#: Paths that run or list actions; ``/health`` is not among them.
PROTECTED_PATHS = ("/webhook", "/actions")


class ActionServerConfigError(Exception):
    """The action server's settings are unsafe or inconsistent; the message is one line."""


def is_loopback(host: str) -> bool:
    """Whether ``host`` names only the local machine (``127.0.0.1``, ``::1``, ``localhost``)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_exposure(settings: Settings) -> None:
    """Refuse a non-loopback bind without a token.

    Raises:
        ActionServerConfigError: When ``BIND_HOST`` is reachable from other machines and
            ``ACTION_SERVER_TOKEN`` is not set.
    """
    if not settings.action_server_token and not is_loopback(settings.host):
        raise ActionServerConfigError(
            f"BIND_HOST={settings.host} would expose the action server to the network without a token; "
            "set ACTION_SERVER_TOKEN (Rasa sends it in the X-Action-Token header) or bind 127.0.0.1"
        )


def token_accepted(expected: str, given: Optional[str]) -> bool:
    """Whether ``given`` equals ``expected`` (constant time; a missing header is refused)."""
    return given is not None and hmac.compare_digest(given.encode(), expected.encode())


def create_app(settings: Settings):  # type: ignore[no-untyped-def]
    """rasa_sdk's app with the project's actions and the token check.

    Args:
        settings: The settings (``action_server_token`` decides whether calls need the header).

    Returns:
        The Sanic app.
    """
    from rasa_sdk.endpoint import create_app as create_sdk_app
    from sanic import response
    from sanic.request import Request

    # Rasa calls the action server from the server side: no browser needs CORS here.
    app = create_sdk_app("actions", cors_origins=None)

    @app.after_server_start
    async def warm_date_parser(_app, loop):  # type: ignore[no-untyped-def]
        # dateparser loads its data on first use (about 0.45 s, bench/date_parser_cost.py): do it
        # in a thread once the server listens, so neither start-up nor the first hours question waits.
        from bot.dates_asked import warm_up

        loop.run_in_executor(None, warm_up)
    token = settings.action_server_token
    if token:

        @app.on_request
        async def require_token(request: Request):  # type: ignore[no-untyped-def]
            if request.path in PROTECTED_PATHS and not token_accepted(token, request.headers.get(TOKEN_HEADER)):
                return response.json({"error": f"missing or wrong {TOKEN_HEADER} header"}, status=401)
            return None

    return app


def main() -> int:
    """Serve the actions on ``BIND_HOST:ACTION_PORT``; return 1 with one line on unsafe settings."""
    from bot.log_format import configure_logging, settings_or_exit

    settings = settings_or_exit()  # an invalid variable (LOG_FORMAT=xml) is one line, not a traceback

    configure_logging(settings.log_format)  # before rasa_sdk is imported: its warnings too
    try:
        check_exposure(settings)
    except ActionServerConfigError as error:
        sys.stderr.write(f"error: {error}\n")
        return 1
    from rasa_sdk.utils import number_of_sanic_workers

    app = create_app(settings)
    mode = "token required" if settings.action_server_token else "loopback only"
    logger.info("action server on http://%s:%s (%s)", settings.host, settings.action_port, mode)
    app.run(
        host=settings.host, port=settings.action_port, workers=number_of_sanic_workers(),
        access_log=False, motd=False,
    )
    return 0


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    sys.exit(main())
