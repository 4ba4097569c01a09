"""Sign-in throttling per (account, address), per address and per account (issue #19), on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from typing import Iterator, List

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bot.console import throttle
from bot.console.accounts_db import login_attempts, login_locks, open_engine
from bot.console.throttle import (
    ACCOUNT_FAILURES,
    ADDRESS_FAILURES,
    PAIR_FAILURES,
    LockChange,
    active_locks,
    begin_attempt,
    finish_attempt,
    unlock_account,
)
from tests.databases import database_url


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request, tmp_path) -> Iterator[Engine]:
    with database_url(request.param, tmp_path) as url:
        opened = open_engine(url)
        yield opened
        opened.dispose()


def fail(engine: Engine, name: str, ip: str) -> List[LockChange]:
    """One wrong password; returns the audit entries it caused. Fails the test if the attempt was refused."""
    attempt = begin_attempt(engine, name, ip)
    assert attempt.attempt_id is not None, f"{name} from {ip} was refused"
    return attempt.changes + finish_attempt(engine, attempt.attempt_id, False, name, ip)


def allowed(engine: Engine, name: str, ip: str) -> bool:
    """Whether a sign-in with the right password gets past the throttle (and succeeds)."""
    attempt = begin_attempt(engine, name, ip)
    if attempt.attempt_id is None:
        return False
    finish_attempt(engine, attempt.attempt_id, True, name, ip)
    return True


def test_five_failures_lock_the_pair_not_the_office(engine):
    changes: List[LockChange] = []
    for _ in range(PAIR_FAILURES):
        changes += fail(engine, "anna", "10.0.0.1")
    assert [(change.action, change.target) for change in changes] == [("login_locked", "anna from 10.0.0.1")]
    assert changes[0].detail.startswith("pair lock: 5 failed sign-ins in 15 minutes; until ")
    assert not allowed(engine, "anna", "10.0.0.1")  # even with the right password
    assert allowed(engine, "ole", "10.0.0.1")  # a colleague behind the same address
    assert allowed(engine, "anna", "10.0.0.2")  # the account from elsewhere
    assert [(lock.scope, lock.name, lock.ip) for lock in active_locks(engine)] == [("pair", "anna", "10.0.0.1")]


def test_a_refused_attempt_leaves_no_row(engine):
    for _ in range(PAIR_FAILURES):
        fail(engine, "anna", "10.0.0.1")
    assert begin_attempt(engine, "anna", "10.0.0.1").attempt_id is None
    with engine.connect() as connection:
        assert connection.execute(sa.select(sa.func.count()).select_from(login_attempts)).scalar_one() == PAIR_FAILURES


def test_spraying_many_names_from_one_address_locks_the_address(engine):
    changes: List[LockChange] = []
    for number in range(ADDRESS_FAILURES):
        changes += fail(engine, f"name{number}", "10.0.0.9")
    assert [change.target for change in changes] == ["10.0.0.9"]
    assert changes[0].detail.startswith("address lock: 50 failed sign-ins")
    assert not allowed(engine, "ole", "10.0.0.9")
    assert allowed(engine, "ole", "10.0.0.10")


def test_failures_for_one_account_from_many_addresses_lock_the_account(engine):
    changes: List[LockChange] = []
    for number in range(ACCOUNT_FAILURES):
        changes += fail(engine, "anna", f"10.1.{number // 4}.{number % 4}")  # four from each of five
    assert [(change.action, change.target) for change in changes] == [("login_locked", "anna")]
    assert not allowed(engine, "anna", "10.9.9.9")
    assert allowed(engine, "ole", "10.1.0.0")


def test_an_admin_lifts_an_account_lock_and_the_audit_says_so(engine):
    for number in range(ACCOUNT_FAILURES):
        fail(engine, "anna", f"10.1.{number // 4}.{number % 4}")
    assert unlock_account(engine, "anna", "rita") == [
        LockChange("login_unlocked", "anna", "account lock lifted by admin rita")
    ]
    assert allowed(engine, "anna", "10.9.9.9")
    assert unlock_account(engine, "anna", "rita") == []
    with engine.connect() as connection:
        row = connection.execute(sa.select(login_locks)).one()
    assert (row.ended_by, row.ended_at is not None) == ("admin rita", True)


def test_a_lock_ends_after_the_window_and_the_audit_says_so(engine):
    for _ in range(PAIR_FAILURES):
        fail(engine, "anna", "10.0.0.1")
    earlier = dt.datetime.utcnow() - throttle.WINDOW - dt.timedelta(minutes=1)
    with engine.begin() as connection:  # let the window pass
        connection.execute(login_attempts.update().values(at=earlier))
        connection.execute(login_locks.update().values(locked_at=earlier, until=earlier + throttle.WINDOW))
    attempt = begin_attempt(engine, "anna", "10.0.0.1")
    assert attempt.attempt_id is not None
    assert [(change.action, change.target) for change in attempt.changes] == [("login_unlocked", "anna from 10.0.0.1")]
    assert attempt.changes[0].detail.endswith("the 15-minute window passed")
    assert active_locks(engine) == []
