"""Console sessions and login throttling.

A session is a random token (``secrets.token_urlsafe(32)``) in an ``HttpOnly`` cookie; the
database keeps only its SHA-256, so a copy of the database cannot be used to sign in. Each
session has its own CSRF token. A session ends at ``expires_at`` (``CONSOLE_SESSION_HOURS``
after login), after ``CONSOLE_IDLE_MINUTES`` without a request, at logout, and when its user
is deactivated, removed or given a new password.

Throttling: after :data:`MAX_FAILURES` failed logins for a name, or from an IP address, within
:data:`WINDOW`, further attempts are refused until the window has passed. An attempt is recorded
as failed before its password is checked (:func:`begin_attempt`) and marked successful afterwards
(:func:`finish_attempt`), so parallel attempts cannot slip past the count.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass
from typing import Optional, Tuple

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from bot.console.accounts_db import StaffUser, login_attempts, sessions, users, utcnow

MAX_FAILURES = 5
WINDOW = dt.timedelta(minutes=15)
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


def _recent_failures(connection: Connection, name: str, ip: str) -> Tuple[int, int]:
    """Failed (or still pending) attempts in the window: (for ``name``, from ``ip``)."""
    since = utcnow() - WINDOW
    failed = sa.and_(login_attempts.c.success.is_(False), login_attempts.c.at > since)
    by_name = connection.execute(
        sa.select(sa.func.count()).select_from(login_attempts).where(failed, login_attempts.c.name == name[:64])
    ).scalar_one()
    by_ip = connection.execute(
        sa.select(sa.func.count()).select_from(login_attempts).where(failed, login_attempts.c.ip == ip[:64])
    ).scalar_one()
    return int(by_name), int(by_ip)


def is_throttled(engine: Engine, name: str, ip: str) -> bool:
    """Whether logins for ``name`` or from ``ip`` are refused now (too many recent failures)."""
    with engine.connect() as connection:
        by_name, by_ip = _recent_failures(connection, name, ip)
    return by_name >= MAX_FAILURES or by_ip >= MAX_FAILURES


def begin_attempt(engine: Engine, name: str, ip: str) -> Optional[int]:
    """Record a login attempt as failed *before* the password is checked; None when throttled.

    The attempt is committed first and the failures are counted afterwards (its own row
    included), so of any number of parallel attempts at most :data:`MAX_FAILURES` get past this
    check: each one counts every attempt committed before its own. A throttled attempt's row is
    removed again, so knocking on a locked door does not extend the lock.

    Args:
        engine: The console's engine.
        name: The user name typed.
        ip: The client's address.

    Returns:
        The attempt's id, to pass to :func:`finish_attempt`; None when the attempt is refused.
    """
    now = utcnow()
    with engine.begin() as connection:
        result = connection.execute(login_attempts.insert().values(name=name[:64], ip=ip[:64], at=now, success=False))
        attempt_id = int(result.inserted_primary_key[0])
    with engine.begin() as connection:
        by_name, by_ip = _recent_failures(connection, name, ip)
        if by_name > MAX_FAILURES or by_ip > MAX_FAILURES:
            connection.execute(login_attempts.delete().where(login_attempts.c.id == attempt_id))
            return None
    return attempt_id


def finish_attempt(engine: Engine, attempt_id: int, success: bool) -> None:
    """Mark a begun attempt as successful (it stays counted as failed otherwise); forget old attempts."""
    now = utcnow()
    with engine.begin() as connection:
        if success:
            connection.execute(login_attempts.update().where(login_attempts.c.id == attempt_id).values(success=True))
        connection.execute(login_attempts.delete().where(login_attempts.c.at <= now - WINDOW))


def record_attempt(engine: Engine, name: str, ip: str, success: bool) -> None:
    """Remember a finished login attempt (and forget attempts older than the window)."""
    now = utcnow()
    with engine.begin() as connection:
        connection.execute(login_attempts.insert().values(name=name[:64], ip=ip[:64], at=now, success=success))
        connection.execute(login_attempts.delete().where(login_attempts.c.at <= now - WINDOW))
