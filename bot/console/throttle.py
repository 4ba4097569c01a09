"""Sign-in throttling that fits an office behind one address (issue #19).

Three locks, each counted over the last :data:`WINDOW` (15 minutes):

* **pair**: :data:`PAIR_FAILURES` (5) failed sign-ins for one account from one address lock that
  account *at that address*. A colleague at the same address (a municipal office behind one NAT)
  still signs in, and the account still signs in from elsewhere.
* **address**: :data:`ADDRESS_FAILURES` (50) failures from one address, whatever the account,
  lock the address: password spraying across many names.
* **account**: :data:`ACCOUNT_FAILURES` (20) failures for one account, whatever the address, lock
  the account everywhere: guessing spread over many addresses (the pair lock stops one address
  after 5, so 20 means at least four). An admin can lift it at once (Users page).

A lock lasts :data:`WINDOW` from its start; by then the failures that made it are outside the
window. A lock's row is removed a window after it ended (the audit log keeps its story); an
attempt's row after the window. Every lock and its end is in the audit log (``login_locked``, ``login_unlocked`` with
"the window passed" or the admin's name); an end by the window is written at the next sign-in
attempt or Users page after it. An attempt is recorded as failed before its password is checked
and marked successful afterwards, so parallel attempts cannot slip past a count, and a refused
attempt leaves no row, so knocking on a locked door does not extend the lock.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import List, Optional

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from bot.console.accounts_db import login_attempts, login_locks, utcnow

WINDOW = dt.timedelta(minutes=15)
PAIR_FAILURES = 5
ADDRESS_FAILURES = 50
ACCOUNT_FAILURES = 20
SYSTEM = "(system)"


@dataclass(frozen=True)
class LockChange:
    """A lock that started or ended: one audit entry (``record(engine, action, target, detail)``)."""

    action: str
    target: str
    detail: str


@dataclass(frozen=True)
class Lock:
    """An active lock (for the Users page)."""

    scope: str
    name: Optional[str]
    ip: Optional[str]
    until: dt.datetime


@dataclass
class Attempt:
    """A begun sign-in attempt: its row id (None when refused) and the audit entries it caused."""

    attempt_id: Optional[int]
    changes: List[LockChange] = field(default_factory=list)


def _clock(moment: dt.datetime) -> str:
    return moment.strftime("%H:%M UTC")


def _target(scope: str, name: Optional[str], ip: Optional[str]) -> str:
    if scope == "pair":
        return f"{name} from {ip}"
    return str(ip if scope == "address" else name)


def _failures(
    connection: Connection, since: dt.datetime, name: Optional[str], ip: Optional[str], up_to: Optional[int] = None
) -> int:
    """Failed (or still pending) attempts in the window; ``up_to``: only those recorded up to that id."""
    condition = [login_attempts.c.success.is_(False), login_attempts.c.at > since]
    if up_to is not None:
        condition.append(login_attempts.c.id <= up_to)
    if name is not None:
        condition.append(login_attempts.c.name == name)
    if ip is not None:
        condition.append(login_attempts.c.ip == ip)
    query = sa.select(sa.func.count()).select_from(login_attempts).where(*condition)
    return int(connection.execute(query).scalar_one())


def _active(connection: Connection, now: dt.datetime, name: str, ip: str) -> List[Lock]:
    """Active locks that stop ``name`` signing in from ``ip``."""
    applies = sa.or_(
        sa.and_(login_locks.c.scope == "pair", login_locks.c.name == name, login_locks.c.ip == ip),
        sa.and_(login_locks.c.scope == "address", login_locks.c.ip == ip),
        sa.and_(login_locks.c.scope == "account", login_locks.c.name == name),
    )
    rows = connection.execute(
        sa.select(login_locks).where(applies, login_locks.c.ended_at.is_(None), login_locks.c.until > now)
    ).all()
    return [Lock(row.scope, row.name, row.ip, row.until) for row in rows]


def end_passed_locks(connection: Connection, now: dt.datetime) -> List[LockChange]:
    """Mark locks whose time is up as ended by the window; one audit entry each."""
    rows = connection.execute(
        sa.select(login_locks).where(login_locks.c.ended_at.is_(None), login_locks.c.until <= now)
    ).all()
    if not rows:
        return []
    connection.execute(
        login_locks.update()
        .where(login_locks.c.id.in_([row.id for row in rows]))
        .values(ended_at=login_locks.c.until, ended_by="window")
    )
    return [
        LockChange("login_unlocked", _target(row.scope, row.name, row.ip),
                   f"{row.scope} lock ended at {_clock(row.until)}: the {_minutes()}-minute window passed")
        for row in rows
    ]


def _minutes() -> int:
    return int(WINDOW.total_seconds() // 60)


def _serialise(connection: Connection, key: str) -> None:
    """On PostgreSQL, one transaction at a time per ``key`` (SQLite serialises writers itself)."""
    if connection.dialect.name == "postgresql":
        connection.execute(sa.text("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": f"login:{key}"})


def _lock(connection: Connection, now: dt.datetime, scope: str, name: Optional[str], ip: Optional[str],
          failures: int) -> Optional[LockChange]:
    """Start a lock unless one of the same scope and subject is active."""
    subject = [login_locks.c.scope == scope, login_locks.c.ended_at.is_(None), login_locks.c.until > now]
    if name is not None:
        subject.append(login_locks.c.name == name)
    if ip is not None:
        subject.append(login_locks.c.ip == ip)
    if connection.execute(sa.select(login_locks.c.id).where(*subject)).first() is not None:
        return None
    until = now + WINDOW
    connection.execute(login_locks.insert().values(scope=scope, name=name, ip=ip, locked_at=now, until=until))
    return LockChange(
        "login_locked", _target(scope, name, ip),
        f"{scope} lock: {failures} failed sign-ins in {_minutes()} minutes; until {_clock(until)} or an admin unlocks",
    )


SCOPES = (("pair", PAIR_FAILURES, True, True), ("address", ADDRESS_FAILURES, False, True),
          ("account", ACCOUNT_FAILURES, True, False))


def _over_a_limit(connection: Connection, now: dt.datetime, name: str, ip: str, attempt_id: int) -> bool:
    """Whether more than a limit's failures, pending ones included, were recorded up to this attempt.

    Counting only up to the attempt's own id lets exactly the first attempts of a parallel burst
    through (ids are handed out in order under :func:`_serialise`). Nothing is locked here: pending
    attempts may still turn out to be right.
    """
    since = now - WINDOW
    return any(
        _failures(connection, since, name if by_name else None, ip if by_ip else None, attempt_id) > limit
        for _scope, limit, by_name, by_ip in SCOPES
    )


def _start_locks(connection: Connection, now: dt.datetime, name: str, ip: str) -> List[LockChange]:
    """Start every lock whose number of failures is reached."""
    since = now - WINDOW
    changes: List[LockChange] = []
    for scope, limit, by_name, by_ip in SCOPES:
        who, where = (name if by_name else None), (ip if by_ip else None)
        count = _failures(connection, since, who, where)
        if count >= limit:
            change = _lock(connection, now, scope, who, where, limit)
            if change is not None:
                changes.append(change)
    return changes


def begin_attempt(engine: Engine, name: str, ip: str) -> Attempt:
    """Record a sign-in attempt as failed *before* its password is checked, unless a lock refuses it.

    Args:
        engine: The console's engine.
        name: The user name typed (cut at 64 characters).
        ip: The client's address (cut at 64 characters).

    Returns:
        The attempt (``attempt_id`` None when refused) and the audit entries to write.
    """
    name, ip = name[:64], ip[:64]
    now = utcnow()
    with engine.begin() as connection:
        _serialise(connection, name)
        changes = end_passed_locks(connection, now)
        if _active(connection, now, name, ip):
            return Attempt(None, changes)
        result = connection.execute(login_attempts.insert().values(name=name, ip=ip, at=now, success=False))
        attempt_id = int(result.inserted_primary_key[0])
    with engine.begin() as connection:  # counted after the commit: parallel attempts see each other
        _serialise(connection, name)
        if _over_a_limit(connection, now, name, ip, attempt_id) or _active(connection, now, name, ip):
            connection.execute(login_attempts.delete().where(login_attempts.c.id == attempt_id))
            return Attempt(None, changes)
    return Attempt(attempt_id, changes)


def finish_attempt(engine: Engine, attempt_id: int, success: bool, name: str, ip: str) -> List[LockChange]:
    """Mark a begun attempt successful, or start the locks its failure completes.

    Returns:
        The audit entries to write (locks started).
    """
    name, ip = name[:64], ip[:64]
    now = utcnow()
    with engine.begin() as connection:
        _serialise(connection, name)
        changes: List[LockChange] = []
        if success:
            connection.execute(login_attempts.update().where(login_attempts.c.id == attempt_id).values(success=True))
        else:
            changes = _start_locks(connection, now, name, ip)
        connection.execute(login_attempts.delete().where(login_attempts.c.at <= now - WINDOW))
        connection.execute(login_locks.delete().where(login_locks.c.ended_at <= now - WINDOW))  # in the audit log
    return changes


def unlock_account(engine: Engine, name: str, admin: str) -> List[LockChange]:
    """Lift every lock on ``name`` (account and pairs) and forget its recent failures.

    Returns:
        One audit entry per lock lifted (empty when it was not locked).
    """
    now = utcnow()
    with engine.begin() as connection:
        _serialise(connection, name)
        rows = connection.execute(
            sa.select(login_locks).where(
                login_locks.c.name == name, login_locks.c.ended_at.is_(None), login_locks.c.until > now
            )
        ).all()
        connection.execute(
            login_locks.update().where(login_locks.c.id.in_([row.id for row in rows])).values(
                ended_at=now, ended_by=f"admin {admin}"[:64]
            )
        )
        connection.execute(
            login_attempts.delete().where(login_attempts.c.name == name, login_attempts.c.success.is_(False))
        )
    return [
        LockChange("login_unlocked", _target(row.scope, row.name, row.ip), f"{row.scope} lock lifted by admin {admin}")
        for row in rows
    ]


def active_locks(engine: Engine) -> List[Lock]:
    """Every lock in force now, soonest end first."""
    now = utcnow()
    with engine.connect() as connection:
        rows = connection.execute(
            sa.select(login_locks)
            .where(login_locks.c.ended_at.is_(None), login_locks.c.until > now)
            .order_by(login_locks.c.until)
        ).all()
    return [Lock(row.scope, row.name, row.ip, row.until) for row in rows]
