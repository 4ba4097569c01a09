"""``GET /metrics`` and ``GET /ready`` for the Rasa server and the web app (docs/deploy.md).

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
import time
from typing import Any, Dict

from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot import metrics
from bot.settings import get_settings

DATABASE_TIMEOUT_SECONDS = 2.0


async def database_state() -> str:
    """``ok``, or why the tracker database does not answer (without its URL or password)."""
    from bot.stores.tracker_store import TrackerStoreUnavailable, check_database

    loop = asyncio.get_running_loop()
    try:
        await loop.run_in_executor(None, check_database, get_settings().tracker_db_url, DATABASE_TIMEOUT_SECONDS)
    except TrackerStoreUnavailable:
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


def add_web_routes(app: Sanic) -> None:
    """Add ``/metrics``, ``/ready`` and the request metrics to the web app."""

    @app.get("/metrics")
    async def web_metrics(_: Request) -> HTTPResponse:
        return metrics_response()

    @app.get("/ready")
    async def web_ready(_: Request) -> HTTPResponse:
        return readiness({"database": await database_state()})

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
