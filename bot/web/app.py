"""The project's web app (port 8080): the widget demo page and the widget's files, later the staff console.

Built by a factory so that tests create it with their own settings.

Routes:
    ``GET /``            the demo page (``templates/demo.html``) with the widget embedded.
    ``GET /widget/...``  the chat widget (``static/widget/``): ``widget.js``, ``widget.css``.
    ``GET /vendor/...``  vendored third-party files (``static/vendor/``): the socket.io client.
    ``GET /health``      ``{"status": "ok"}``.

Other sites embed the widget with one script tag pointing at ``/widget/widget.js``, so the
widget and vendor files are served with ``Access-Control-Allow-Origin: *``.
"""

from __future__ import annotations

import asyncio
import html
import logging
from pathlib import Path
from typing import Optional

from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.console import register as register_console
from bot.ops_routes import add_web_routes
from bot.retention import expire
from bot.settings import Settings, get_settings
from bot.stores.db_retry import StoreUnavailable
from bot.web.api import api
from bot.web.conversations import ConversationStore

WEB_DIR = Path(__file__).resolve().parent
STATIC_DIR = WEB_DIR / "static"
TEMPLATE_DIR = WEB_DIR / "templates"

#: URL prefixes served from ``static/`` that other sites may load (CORS open).
PUBLIC_PREFIXES = ("/widget/", "/vendor/")

_RASA_URL_PLACEHOLDER = "{{ rasa_url }}"
RETENTION_INTERVAL_SECONDS = 24 * 3600
logger = logging.getLogger(__name__)


def rasa_public_url(settings: Settings) -> str:
    """The Rasa server's URL as the browser on the demo page reaches it."""
    return f"http://localhost:{settings.rasa_port}"


def render_demo_page(settings: Settings, template_dir: Path = TEMPLATE_DIR) -> str:
    """The demo page with the widget's ``data-server`` set to the Rasa server (HTML-escaped)."""
    template = (template_dir / "demo.html").read_text(encoding="utf-8")
    return template.replace(_RASA_URL_PLACEHOLDER, html.escape(rasa_public_url(settings), quote=True))


async def retention_job(settings: Settings) -> None:
    """Delete expired conversations now and then once a day (``RETENTION_DAYS``)."""
    loop = asyncio.get_running_loop()
    while True:
        try:
            result = await loop.run_in_executor(None, expire, settings.tracker_db_url, settings.retention_days)
            logger.info("retention: deleted %s conversation(s), %s event(s)", result.conversations, result.events)
        except Exception:  # a failed run must not stop the web app; the next run retries
            logger.exception("retention run failed")
        await asyncio.sleep(RETENTION_INTERVAL_SECONDS)


def create_app(settings: Optional[Settings] = None, name: str = "aalborg_web") -> Sanic:
    """Create the web app.

    Args:
        settings: The settings; read from the environment when omitted.
        name: The Sanic app name (unique per process).

    Returns:
        The app.
    """
    settings = settings or get_settings()
    app = Sanic(name)
    app.config.REQUEST_MAX_SIZE = settings.max_body_bytes
    app.ctx.settings = settings
    page = render_demo_page(settings)
    rasa_url = rasa_public_url(settings)
    ws_url = "ws" + rasa_url[len("http") :]
    # The demo page runs the widget under a strict policy: no inline script or style at all.
    page_csp = "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data:",
            f"connect-src 'self' {rasa_url} {ws_url}",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'self'",
        ]
    )

    app.blueprint(api)
    register_console(app, settings)

    @app.exception(StoreUnavailable)
    async def store_unavailable(request: Request, _: Exception) -> HTTPResponse:
        # Logged and counted where it happened (bot.stores.db_retry); nothing was changed.
        message = "the conversation database is not reachable; nothing was changed, please try again shortly"
        if request.path.startswith("/console"):
            return response.html(
                f"<!doctype html><title>Unavailable</title><h1>Temporarily unavailable</h1><p>{message}.</p>",
                status=503, headers={"Retry-After": "10"},
            )
        return response.json({"error": {"code": "service_unavailable", "message": message}}, status=503,
                             headers={"Retry-After": "10"})

    @app.before_server_start
    async def open_store(app: Sanic, _: object) -> None:
        app.ctx.conversations = ConversationStore(settings.tracker_db_url)

    @app.after_server_start
    async def start_retention(app: Sanic, _: object) -> None:
        app.add_task(retention_job(settings))

    @app.after_server_stop
    async def close_store(app: Sanic, _: object) -> None:
        app.ctx.conversations.close()

    @app.before_server_start
    async def open_event_broker(app: Sanic, _: object) -> None:
        from bot.stores.event_broker import create_event_broker  # imports Rasa: only when serving

        app.ctx.event_broker = await create_event_broker(settings.event_broker)

    @app.after_server_stop
    async def close_event_broker(app: Sanic, _: object) -> None:
        if getattr(app.ctx, "event_broker", None) is not None:
            await app.ctx.event_broker.close()

    app.static("/widget", str(STATIC_DIR / "widget"), name="widget")
    app.static("/vendor", str(STATIC_DIR / "vendor"), name="vendor")
    app.static("/demo", str(STATIC_DIR / "demo"), name="demo")

    @app.get("/")
    async def index(_: Request) -> HTTPResponse:
        return response.html(page, headers={"Content-Security-Policy": page_csp, "Cache-Control": "no-cache"})

    @app.get("/health")
    async def health(_: Request) -> HTTPResponse:
        return response.json({"status": "ok"})

    add_web_routes(app, settings)  # /metrics, /ready and the request counters (bot/ops_routes.py)

    @app.on_response
    async def public_files(request: Request, resp: HTTPResponse) -> None:
        path = request.path
        if path.startswith("/api/"):
            resp.headers["Access-Control-Allow-Origin"] = "*"
            resp.headers["Access-Control-Allow-Methods"] = "POST, OPTIONS"
            resp.headers["Access-Control-Allow-Headers"] = "Content-Type, X-Session-Secret"
            resp.headers["Cache-Control"] = "no-store"
        if path.startswith(PUBLIC_PREFIXES):
            resp.headers["Access-Control-Allow-Origin"] = "*"
            resp.headers["X-Content-Type-Options"] = "nosniff"
            if resp.status in (200, 304):
                # The vendored client's file name carries its version, so it can be cached for
                # good; the widget changes with each release, so browsers revalidate it.
                resp.headers["Cache-Control"] = (
                    "public, max-age=31536000, immutable" if path.startswith("/vendor/") else "no-cache"
                )

    return app
