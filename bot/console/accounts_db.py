"""The staff console's tables, in the same database as the tracker store.

``TRACKER_DB_URL`` (SQLite under ``var/`` by default, PostgreSQL in production) holds Rasa's
``events`` and, beside them, these tables. They are created with ``metadata.create_all`` when the
web app starts or the CLI runs. Times are naive UTC (``datetime.utcnow()``), like the web app's
``feedback`` table.

Tables:
    ``console_users``: id, name (unique), role, password_hash (argon2id), active, created_at.
    ``console_sessions``: id (SHA-256 of the cookie's random token; the token itself is never
    stored), user_id, csrf_token, created_at, last_seen, expires_at.
    ``console_login_attempts``: name, ip, at, success (login throttling, ``bot.console.throttle``).
    ``console_login_locks``: the locks that throttling started and how each ended.
    ``console_audit``: id, at, user_name, action, target, detail.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from typing import Any, Callable, TypeVar

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bot.console.sqljson import enable_unicode_lower

T = TypeVar("T")

#: Roles from least to most powerful; each role can do everything the roles before it can.
ROLES = ("viewer", "reviewer", "admin")

metadata = sa.MetaData()

users = sa.Table(
    "console_users",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("name", sa.String(64), nullable=False, unique=True),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("password_hash", sa.String(255), nullable=False),
    sa.Column("active", sa.Boolean, nullable=False, default=True),
    sa.Column("created_at", sa.DateTime, nullable=False),
)

sessions = sa.Table(
    "console_sessions",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("user_id", sa.Integer, sa.ForeignKey("console_users.id", ondelete="CASCADE"), nullable=False, index=True),
    sa.Column("csrf_token", sa.String(64), nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("last_seen", sa.DateTime, nullable=False),
    sa.Column("expires_at", sa.DateTime, nullable=False),
)

login_attempts = sa.Table(
    "console_login_attempts",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("name", sa.String(64), nullable=False, index=True),
    sa.Column("ip", sa.String(64), nullable=False, index=True),
    sa.Column("at", sa.DateTime, nullable=False, index=True),
    sa.Column("success", sa.Boolean, nullable=False),
)

login_locks = sa.Table(
    "console_login_locks",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("scope", sa.String(16), nullable=False),  # pair, address or account (bot.console.throttle)
    sa.Column("name", sa.String(64), nullable=True, index=True),
    sa.Column("ip", sa.String(64), nullable=True, index=True),
    sa.Column("locked_at", sa.DateTime, nullable=False),
    sa.Column("until", sa.DateTime, nullable=False, index=True),
    sa.Column("ended_at", sa.DateTime, nullable=True),
    sa.Column("ended_by", sa.String(64), nullable=True),  # "window" or "admin <name>"
)

audit_log = sa.Table(
    "console_audit",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", sa.DateTime, nullable=False, index=True),
    sa.Column("user_name", sa.String(64), nullable=False),
    sa.Column("action", sa.String(64), nullable=False),
    sa.Column("target", sa.String(255), nullable=False),
    sa.Column("detail", sa.Text, nullable=False),
)


@dataclass(frozen=True)
class StaffUser:
    """A signed-in (or looked-up) staff member.

    Attributes:
        id: The row id in ``console_users``.
        name: The login name.
        role: ``viewer``, ``reviewer`` or ``admin``.
    """

    id: int
    name: str
    role: str

    def has_role(self, role: str) -> bool:
        """Whether this user's role is ``role`` or a more powerful one."""
        return role_allows(self.role, role)


def role_allows(actual: str, required: str) -> bool:
    """Whether a user with role ``actual`` may do what needs role ``required``.

    Args:
        actual: The user's role.
        required: The role the action needs.

    Returns:
        True when ``actual`` is ``required`` or ranks above it.

    Raises:
        ValueError: If ``required`` is not a known role.
    """
    if required not in ROLES:
        raise ValueError(f"unknown role {required!r}; roles: {', '.join(ROLES)}")
    return actual in ROLES and ROLES.index(actual) >= ROLES.index(required)


def utcnow() -> dt.datetime:
    """The current time as naive UTC, as stored in the console's tables."""
    return dt.datetime.utcnow().replace(microsecond=0)


def open_engine(database_url: str) -> Engine:
    """An engine on the tracker store's database, with the console's tables created.

    Args:
        database_url: SQLAlchemy URL (``settings.tracker_db_url``).

    Returns:
        The engine (SQLAlchemy 1.4, ``future=True``).
    """
    engine = sa.create_engine(database_url, future=True, pool_pre_ping=True)
    enable_unicode_lower(engine)  # before the first connection, so that every connection has it
    metadata.create_all(engine)
    return engine


async def db_call(request: Any, function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run ``function(engine, *args, **kwargs)`` in a worker thread with the console's engine.

    Args:
        request: A sanic request (its ``app.ctx.console_engine`` is used).
        function: A synchronous function taking the engine first.
        *args: Further positional arguments.
        **kwargs: Keyword arguments.

    Returns:
        What ``function`` returns.
    """
    from bot.stores.db_retry import in_thread

    engine = request.app.ctx.console_engine
    call = functools.partial(function, engine, *args, **kwargs)
    # A console function is retried on a fresh connection if its connection dropped
    # (bot.stores.db_retry); StoreUnavailable becomes a 503 page (bot.web.app). Each is one
    # transaction except throttle.begin_attempt (two): retried after its first commit, it records
    # one sign-in attempt as two failures, which errs towards throttling, during a database fault.
    seconds = request.app.ctx.settings.db_retry_seconds
    return await in_thread("web", getattr(function, "__name__", "console"), call, seconds)
