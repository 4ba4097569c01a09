"""Console sessions and login throttling.

A session is a random token (``secrets.token_urlsafe(32)``) in an ``HttpOnly`` cookie; the
database keeps only its SHA-256, so a copy of the database cannot be used to sign in. Each
session has its own CSRF token. A session ends at ``expires_at`` (``CONSOLE_SESSION_HOURS``
after login), after ``CONSOLE_IDLE_MINUTES`` without a request, at logout, and when its user
is deactivated, removed or given a new password.

Sign-in throttling is in :mod:`bot.console.throttle`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass
from typing import Optional, Tuple

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bot.console.accounts_db import StaffUser, sessions, users, utcnow

#: ``last_seen`` is written at most this often, so that reading pages does not write on every request.
TOUCH_INTERVAL = dt.timedelta(seconds=30)


@dataclass(frozen=True)
class Session:
    """A valid session: its user and its CSRF token."""

    user: StaffUser
    csrf_token: str


def token_hash(token: str) -> str:
    """The stored id of a session token (hex SHA-256)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_session(engine: Engine, user: StaffUser, lifetime: dt.timedelta) -> Tuple[str, str]:
    """Start a session for ``user``.

    Args:
        engine: The console's engine.
        user: The signed-in user.
        lifetime: Absolute lifetime of the session.

    Returns:
        ``(token, csrf_token)``: the cookie value (not stored) and the session's CSRF token.
    """
    token = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32)
    now = utcnow()
    with engine.begin() as connection:
        connection.execute(
            sessions.insert().values(
                id=token_hash(token), user_id=user.id, csrf_token=csrf, created_at=now, last_seen=now,
                expires_at=now + lifetime,
            )
        )
    return token, csrf


def load_session(engine: Engine, token: str, idle: dt.timedelta) -> Optional[Session]:
    """The session of a cookie token, or None when unknown, expired, idle too long or the user is inactive.

    Expired sessions found this way are deleted; a valid one gets its ``last_seen`` refreshed.
    """
    if not token or len(token) > 200:
        return None
    session_id = token_hash(token)
    now = utcnow()
    query = (
        sa.select(sessions, users.c.name, users.c.role, users.c.active)
        .join(users, users.c.id == sessions.c.user_id)
        .where(sessions.c.id == session_id)
    )
    with engine.begin() as connection:
        row = connection.execute(query).first()
        if row is None:
            return None
        if row.expires_at <= now or row.last_seen + idle <= now or not row.active:
            connection.execute(sessions.delete().where(sessions.c.id == session_id))
            return None
        if now - row.last_seen >= TOUCH_INTERVAL:
            connection.execute(sessions.update().where(sessions.c.id == session_id).values(last_seen=now))
    return Session(user=StaffUser(id=row.user_id, name=row.name, role=row.role), csrf_token=row.csrf_token)


def delete_session(engine: Engine, token: str) -> None:
    """End the session of a cookie token (no error when there is none)."""
    with engine.begin() as connection:
        connection.execute(sessions.delete().where(sessions.c.id == token_hash(token)))


def delete_expired_sessions(engine: Engine) -> int:
    """Delete sessions past their absolute lifetime; returns how many."""
    with engine.begin() as connection:
        result = connection.execute(sessions.delete().where(sessions.c.expires_at <= utcnow()))
    return int(result.rowcount or 0)
