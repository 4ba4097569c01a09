"""The console's audit log: who viewed, changed, exported or deleted what, and when.

``record`` is synchronous (call it from a worker thread or the CLI); ``audit`` is the async
convenience for handlers, taking the user from ``request.ctx.user``::

    await audit(request, "view_conversation", sender_id)
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, List, Optional, Tuple, Union

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bot.console.accounts_db import audit_log, utcnow
from bot.stores.db_retry import in_thread

MAX_TARGET = 255
MAX_DETAIL = 4000


@dataclass(frozen=True)
class AuditEntry:
    """One row of the audit log."""

    id: int
    at: dt.datetime
    user_name: str
    action: str
    target: str
    detail: str


def _engine_of(request_or_engine: Any) -> Engine:
    if isinstance(request_or_engine, Engine):
        return request_or_engine
    return request_or_engine.app.ctx.console_engine


def _user_name_of(request_or_engine: Any) -> Optional[str]:
    ctx = getattr(request_or_engine, "ctx", None)
    user = getattr(ctx, "user", None)
    return getattr(user, "name", None)


def record(
    request_or_engine: Union[Engine, Any], action: str, target: str, detail: str = "", user_name: Optional[str] = None
) -> None:
    """Write an audit entry (synchronously).

    Args:
        request_or_engine: A sanic request of a signed-in user, or the console's engine.
        action: What was done, e.g. ``view_conversation``, ``add_user``, ``export_inbox``.
        target: What it was done to (a conversation id, a user name); cut at 255 characters.
        detail: Anything else worth knowing (cut at 4000 characters).
        user_name: Who did it; by default the request's signed-in user (``"(cli)"`` without one).
    """
    name = user_name or _user_name_of(request_or_engine) or "(cli)"
    with _engine_of(request_or_engine).begin() as connection:
        connection.execute(
            audit_log.insert().values(
                at=utcnow(), user_name=name[:64], action=action[:64], target=str(target)[:MAX_TARGET],
                detail=str(detail)[:MAX_DETAIL],
            )
        )


async def audit(request: Any, action: str, target: str, detail: str = "") -> None:
    """Write an audit entry for the request's signed-in user, in a worker thread."""
    user_name = _user_name_of(request)
    engine = request.app.ctx.console_engine
    await in_thread("web", "audit", lambda: record(engine, action, target, detail, user_name=user_name),
                    request.app.ctx.settings.db_retry_seconds)


def list_entries(engine: Engine, page: int = 1, per_page: int = 50) -> Tuple[List[AuditEntry], int]:
    """A page of the audit log, newest first, and the total number of entries."""
    page = max(page, 1)
    with engine.connect() as connection:
        total = int(connection.execute(sa.select(sa.func.count()).select_from(audit_log)).scalar_one())
        rows = connection.execute(
            sa.select(audit_log)
            .order_by(audit_log.c.at.desc(), audit_log.c.id.desc())
            .limit(per_page)
            .offset((page - 1) * per_page)
        ).fetchall()
    return [AuditEntry(r.id, r.at, r.user_name, r.action, r.target, r.detail) for r in rows], total
