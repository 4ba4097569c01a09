"""Managing staff accounts: add, list, change role, (de)activate, reset password, remove.

Synchronous (SQLAlchemy 1.4); the web app calls these functions in a worker thread, the CLI
directly. Every rule violation raises :class:`AccountError` with a one-line message meant for
the person at the keyboard. The last active admin can never be demoted, deactivated or removed,
so the console always has someone who can manage it.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Dict, List, Optional

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from bot.console.accounts_db import ROLES, StaffUser, audit_log, sessions, users, utcnow
from bot.console.passwords import PasswordError, hash_password, verify_password

NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")


class AccountError(ValueError):
    """A request about accounts that breaks a rule; the message says which."""


@dataclass(frozen=True)
class Account:
    """A row of ``console_users`` without the password hash.

    Attributes:
        id: Row id.
        name: Login name.
        role: ``viewer``, ``reviewer`` or ``admin``.
        active: Whether the account may sign in.
        created_at: When it was created (naive UTC).
    """

    id: int
    name: str
    role: str
    active: bool
    created_at: dt.datetime


def check_name(name: str) -> str:
    """Return the name if valid (1-64 of letters, digits, ``. _ @ -``, starting alphanumeric)."""
    if not isinstance(name, str) or not NAME_PATTERN.match(name):
        raise AccountError(
            "a user name has 1-64 characters: letters, digits and . _ @ - (starting with a letter or digit)"
        )
    return name


def check_role(role: str) -> str:
    """Return the role if it is one of :data:`ROLES`."""
    if role not in ROLES:
        raise AccountError(f"unknown role {role!r}; roles: {', '.join(ROLES)}")
    return role


def _account(row: sa.engine.Row) -> Account:
    return Account(id=row.id, name=row.name, role=row.role, active=bool(row.active), created_at=row.created_at)


def _hash(password: str) -> str:
    try:
        return hash_password(password)
    except PasswordError as error:
        raise AccountError(str(error)) from error


def _find(connection: Connection, name: str) -> sa.engine.Row:
    row = connection.execute(sa.select(users).where(users.c.name == name)).first()
    if row is None:
        raise AccountError(f"no user named {name!r}")
    return row


def _other_active_admins(connection: Connection, user_id: int) -> int:
    query = (
        sa.select(sa.func.count())
        .select_from(users)
        .where(users.c.role == "admin", users.c.active.is_(True), users.c.id != user_id)
    )
    return int(connection.execute(query).scalar_one())


def _guard_last_admin(connection: Connection, row: sa.engine.Row, what: str) -> None:
    if row.role == "admin" and row.active and _other_active_admins(connection, row.id) == 0:
        raise AccountError(f"cannot {what} {row.name!r}: it is the last active admin")


def add_user(engine: Engine, name: str, role: str, password: str) -> Account:
    """Create an account.

    Args:
        engine: The console's engine.
        name: Login name (unique).
        role: One of :data:`ROLES`.
        password: At least 12 characters.

    Returns:
        The new account.

    Raises:
        AccountError: If the name, role or password is invalid or the name is taken.
    """
    check_name(name)
    check_role(role)
    password_hash = _hash(password)
    with engine.begin() as connection:
        if connection.execute(sa.select(users.c.id).where(users.c.name == name)).first() is not None:
            raise AccountError(f"a user named {name!r} already exists")
        connection.execute(
            users.insert().values(name=name, role=role, password_hash=password_hash, active=True, created_at=utcnow())
        )
        return _account(_find(connection, name))


def list_users(engine: Engine) -> List[Account]:
    """Every account, by name."""
    with engine.connect() as connection:
        rows = connection.execute(sa.select(users).order_by(users.c.name)).fetchall()
    return [_account(row) for row in rows]


def last_sign_ins(engine: Engine) -> Dict[str, dt.datetime]:
    """When each account last signed in (naive UTC), from the audit log's ``login`` entries."""
    query = sa.select(audit_log.c.target, sa.func.max(audit_log.c.at)).where(
        audit_log.c.action == "login").group_by(audit_log.c.target)
    with engine.connect() as connection:
        return {str(target): at for target, at in connection.execute(query)}


def get_user(engine: Engine, name: str) -> Optional[Account]:
    """The account named ``name``, or None."""
    with engine.connect() as connection:
        row = connection.execute(sa.select(users).where(users.c.name == name)).first()
    return None if row is None else _account(row)


def get_user_by_id(engine: Engine, user_id: int) -> Optional[Account]:
    """The account with id ``user_id``, or None."""
    with engine.connect() as connection:
        row = connection.execute(sa.select(users).where(users.c.id == user_id)).first()
    return None if row is None else _account(row)


def set_role(engine: Engine, name: str, role: str) -> Account:
    """Change an account's role (never demoting the last active admin)."""
    check_role(role)
    with engine.begin() as connection:
        row = _find(connection, name)
        if role != "admin":
            _guard_last_admin(connection, row, "demote")
        connection.execute(users.update().where(users.c.id == row.id).values(role=role))
        return _account(_find(connection, name))


def set_active(engine: Engine, name: str, active: bool) -> Account:
    """Deactivate (ending its sessions) or reactivate an account."""
    with engine.begin() as connection:
        row = _find(connection, name)
        if not active:
            _guard_last_admin(connection, row, "deactivate")
            connection.execute(sessions.delete().where(sessions.c.user_id == row.id))
        connection.execute(users.update().where(users.c.id == row.id).values(active=active))
        return _account(_find(connection, name))


def set_password(engine: Engine, name: str, password: str) -> Account:
    """Set a new password; the account's open sessions end."""
    password_hash = _hash(password)
    with engine.begin() as connection:
        row = _find(connection, name)
        connection.execute(users.update().where(users.c.id == row.id).values(password_hash=password_hash))
        connection.execute(sessions.delete().where(sessions.c.user_id == row.id))
        return _account(row)


def remove_user(engine: Engine, name: str) -> None:
    """Delete an account and its sessions (never the last active admin)."""
    with engine.begin() as connection:
        row = _find(connection, name)
        _guard_last_admin(connection, row, "remove")
        connection.execute(sessions.delete().where(sessions.c.user_id == row.id))
        connection.execute(users.delete().where(users.c.id == row.id))


def authenticate(engine: Engine, name: str, password: str) -> Optional[StaffUser]:
    """The user when ``name`` is an active account and ``password`` matches, else None.

    Unknown names cost the same slow hash as known ones, so timing does not reveal them.
    """
    with engine.connect() as connection:
        row = connection.execute(sa.select(users).where(users.c.name == name)).first()
    if not verify_password(row.password_hash if row is not None else None, password):
        return None
    if row is None or not row.active:
        return None
    return StaffUser(id=row.id, name=row.name, role=row.role)
