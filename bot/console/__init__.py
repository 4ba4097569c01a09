"""The staff console under ``/console`` on the web app (port 8080).

:func:`register` adds it to the web app: the engine on the tracker store's database (opened
before the server starts, in ``app.ctx.console_engine``), the sign-in and admin pages, the
stylesheet under ``/console/static/``, security headers on every ``/console`` response, and the
page blueprints listed in ``bot.console.pages.CONSOLE_PAGE_BLUEPRINTS``.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import TYPE_CHECKING, List

if TYPE_CHECKING:  # imported lazily: nothing heavy at import time
    from sanic import Blueprint, Sanic

    from bot.settings import Settings

STATIC_DIR = Path(__file__).resolve().parent / "static"


def page_blueprints() -> List[Blueprint]:
    """The blueprints of ``bot.console.pages`` (none while that module does not exist)."""
    try:
        pages = importlib.import_module("bot.console.pages")
    except ModuleNotFoundError as error:
        if error.name != "bot.console.pages":
            raise
        return []
    return list(getattr(pages, "CONSOLE_PAGE_BLUEPRINTS", []))


def register(app: Sanic, settings: Settings) -> None:
    """Add the staff console to the web app.

    Args:
        app: The web app (``bot.web.app.create_app``).
        settings: The settings (``TRACKER_DB_URL``, ``CONSOLE_*``).
    """
    from sanic.request import Request
    from sanic.response import HTTPResponse

    from bot.console.accounts_db import open_engine
    from bot.console.admin import admin_bp
    from bot.console.login import login_bp
    from bot.console.templating import apply_security_headers

    @app.before_server_start
    async def open_console_engine(app: Sanic, _: object) -> None:
        app.ctx.console_engine = open_engine(settings.tracker_db_url)

    @app.after_server_stop
    async def close_console_engine(app: Sanic, _: object) -> None:
        app.ctx.console_engine.dispose()

    @app.on_response
    async def console_headers(request: Request, resp: HTTPResponse) -> None:
        if request.path == "/console" or request.path.startswith("/console/"):
            if request.path.startswith("/console/static/"):
                resp.headers.setdefault("Cache-Control", "no-cache")
            apply_security_headers(resp)

    app.blueprint(login_bp)
    app.blueprint(admin_bp)
    for blueprint in page_blueprints():
        app.blueprint(blueprint)
    app.static("/console/static", str(STATIC_DIR), name="console_static")
