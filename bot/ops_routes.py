"""``GET /metrics`` and ``GET /ready`` for the Rasa server and the web app (docs/observability.md).

Readiness says whether this process can serve now; liveness stays the servers' own cheap routes
(Rasa's ``/``, the web app's ``/health``, the action server's ``/health``):

* Rasa ``/ready``: the model is loaded, the tracker database answers, the action server's
  ``/health`` answers. 200 with ``{"model": "ok", "database": "ok", "actions": "ok"}``, else 503
  with the failing part's reason.
* web ``/ready``: the database answers.

Neither route needs a token: they show no conversation, no setting and no secret.
"""

from __future__ import annotations

import asyncio
import functools
import time
from typing import Any, Dict, Optional

import sqlalchemy as sa
from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse
from sqlalchemy.engine.url import make_url
from sqlalchemy.pool import NullPool

from bot import metrics
from bot.settings import Settings, get_settings

#: A readiness probe answers within this many seconds (probes usually allow 1 to 5 s).
DATABASE_TIMEOUT_SECONDS = 2.0


@functools.lru_cache(maxsize=4)
def _probe_engine(database_url: str) -> sa.engine.Engine:
    """An engine that opens one connection per probe, and gives up on connecting in time."""
    url = make_url(database_url)
    connect_args: Dict[str, Any] = {}
    if url.get_backend_name() == "postgresql":
        connect_args["connect_timeout"] = max(1, int(DATABASE_TIMEOUT_SECONDS))
    elif url.get_backend_name() == "sqlite":
        connect_args["timeout"] = DATABASE_TIMEOUT_SECONDS
    return sa.create_engine(url, poolclass=NullPool, connect_args=connect_args)


def probe_database(database_url: str) -> None:
    """Connect and run ``SELECT 1``; raise ``sqlalchemy.exc.SQLAlchemyError`` when it fails."""
    with _probe_engine(database_url).connect() as connection:
        connection.execute(sa.text("SELECT 1"))


async def database_state(database_url: Optional[str] = None) -> str:
    """``ok``, or why the tracker database does not answer (never its URL or password).

    Args:
        database_url: SQLAlchemy URL; ``TRACKER_DB_URL`` when omitted.
    """
    url = database_url or get_settings().tracker_db_url
    loop = asyncio.get_running_loop()
    try:
        await asyncio.wait_for(loop.run_in_executor(None, probe_database, url), DATABASE_TIMEOUT_SECONDS + 1)
    except asyncio.TimeoutError:
        return "timeout"
    except (sa.exc.SQLAlchemyError, OSError):
        return "unreachable"
    return "ok"


def readiness(parts: Dict[str, str]) -> HTTPResponse:
    """200 when every part is ``ok``, else 503."""
    return response.json(parts, status=200 if all(value == "ok" for value in parts.values()) else 503)


def metrics_response() -> HTTPResponse:
    """The metrics in Prometheus' text format."""
    body, content_type = metrics.exposition()
    return response.raw(body, content_type=content_type, headers={"Cache-Control": "no-store"})


def add_rasa_routes(app: Sanic) -> None:
    """Add ``/metrics`` and ``/ready`` to Rasa's app."""
    from bot.channels.guard import action_server_up

    @app.get("/metrics")
    async def rasa_metrics(_: Request) -> HTTPResponse:
        return metrics_response()

    @app.get("/ready")
    async def rasa_ready(request: Request) -> HTTPResponse:
        agent = getattr(request.app.ctx, "agent", None)
        model = "ok" if agent is not None and agent.is_ready() else "not loaded"
        database, actions = await asyncio.gather(database_state(), action_server_up())
        return readiness({"model": model, "database": database, "actions": "ok" if actions else "unreachable"})


def add_web_routes(app: Sanic, settings: Optional[Settings] = None) -> None:
    """Add ``/metrics``, ``/ready`` and the request metrics to the web app.

    Args:
        app: The web app.
        settings: The web app's settings (its ``tracker_db_url``); the process's when omitted.
    """
    database_url = (settings or get_settings()).tracker_db_url

    @app.get("/metrics")
    async def web_metrics(_: Request) -> HTTPResponse:
        return metrics_response()

    @app.get("/ready")
    async def web_ready(_: Request) -> HTTPResponse:
        return readiness({"database": await database_state(database_url)})

    @app.on_request
    async def start_timer(request: Request) -> None:
        request.ctx.started = time.perf_counter()

    @app.on_response
    async def count(request: Request, resp: Any) -> None:
        route = getattr(request, "uri_template", None) or "unmatched"
        metrics.WEB_REQUESTS.labels(route=route, status=str(resp.status)).inc()
        started = getattr(request.ctx, "started", None)
        if started is not None:
            metrics.WEB_SECONDS.labels(route=route).observe(time.perf_counter() - started)
