"""Accounts, passwords, sessions and throttling on a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Iterator

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bot.console import accounts
from bot.console.accounts import AccountError
from bot.console.accounts_db import StaffUser, open_engine, role_allows, users
from bot.console.audit import list_entries, record
from bot.console.sessions import create_session, load_session, token_hash
from tests.databases import database_url

PASSWORD = "correct horse battery"
HOUR = dt.timedelta(hours=1)


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    with database_url(request.param, tmp_path) as url:
        engine = open_engine(url)
        try:
            yield engine
        finally:
            engine.dispose()


def test_a_fresh_database_has_no_user(engine: Engine) -> None:
    assert accounts.list_users(engine) == []
    assert accounts.authenticate(engine, "admin", "admin") is None


def test_roles_are_ordered() -> None:
    assert role_allows("admin", "reviewer") and role_allows("reviewer", "viewer") and role_allows("viewer", "viewer")
    assert not role_allows("viewer", "reviewer") and not role_allows("reviewer", "admin")
    assert not role_allows("root", "viewer")
    with pytest.raises(ValueError, match="unknown role"):
        role_allows("admin", "root")
    assert StaffUser(1, "a", "reviewer").has_role("viewer")


def test_passwords_are_stored_as_argon2id_hashes(engine: Engine) -> None:
    accounts.add_user(engine, "anna", "admin", PASSWORD)
    with engine.connect() as connection:
        stored = connection.execute(sa.select(users.c.password_hash)).scalar_one()
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    user = accounts.authenticate(engine, "anna", PASSWORD)
    assert user is not None and (user.name, user.role) == ("anna", "admin")
    assert accounts.authenticate(engine, "anna", PASSWORD + "x") is None
    assert accounts.authenticate(engine, "nobody", PASSWORD) is None


@pytest.mark.parametrize(
    ("name", "role", "password", "message"),
    [
        ("ok", "viewer", "elevenchars", "at least 12 characters"),
        ("ok", "viewer", "x" * 1025, "at most 1024 characters"),
        ("ok", "root", PASSWORD, "unknown role 'root'"),
        ("", "viewer", PASSWORD, "a user name has 1-64 characters"),
        ("a b", "viewer", PASSWORD, "a user name has 1-64 characters"),
        ("x" * 65, "viewer", PASSWORD, "a user name has 1-64 characters"),
    ],
)
def test_bad_accounts_are_refused(engine: Engine, name: str, role: str, password: str, message: str) -> None:
    with pytest.raises(AccountError, match=message):
        accounts.add_user(engine, name, role, password)
    assert accounts.list_users(engine) == []


def test_names_are_unique(engine: Engine) -> None:
    accounts.add_user(engine, "anna", "viewer", PASSWORD)
    with pytest.raises(AccountError, match="a user named 'anna' already exists"):
        accounts.add_user(engine, "anna", "admin", PASSWORD)


def test_the_last_active_admin_is_protected(engine: Engine) -> None:
    accounts.add_user(engine, "anna", "admin", PASSWORD)
    for change in (
        lambda: accounts.set_role(engine, "anna", "reviewer"),
        lambda: accounts.set_active(engine, "anna", False),
        lambda: accounts.remove_user(engine, "anna"),
    ):
        with pytest.raises(AccountError, match="it is the last active admin"):
            change()
    accounts.add_user(engine, "ole", "admin", PASSWORD)
    accounts.set_active(engine, "ole", False)  # an inactive admin does not count
    with pytest.raises(AccountError, match="last active admin"):
        accounts.remove_user(engine, "anna")
    accounts.set_active(engine, "ole", True)
    assert accounts.set_role(engine, "anna", "viewer").role == "viewer"
    with pytest.raises(AccountError, match="last active admin"):
        accounts.remove_user(engine, "ole")


def test_sessions_store_only_the_hash_and_end(engine: Engine) -> None:
    accounts.add_user(engine, "anna", "reviewer", PASSWORD)
    user = accounts.authenticate(engine, "anna", PASSWORD)
    assert user is not None
    token, csrf = create_session(engine, user, dt.timedelta(hours=8))
    with engine.connect() as connection:
        ids = connection.execute(sa.text("SELECT id FROM console_sessions")).scalars().all()
    assert ids == [token_hash(token)]
    session = load_session(engine, token, HOUR)
    assert session is not None and session.user == user and session.csrf_token == csrf
    assert load_session(engine, token + "x", HOUR) is None
    assert load_session(engine, "", HOUR) is None
    accounts.set_password(engine, "anna", "a brand new password")  # ends the sessions
    assert load_session(engine, token, HOUR) is None
    token, _ = create_session(engine, user, dt.timedelta(hours=8))
    accounts.set_active(engine, "anna", False)
    assert load_session(engine, token, HOUR) is None
    accounts.set_active(engine, "anna", True)
    token, _ = create_session(engine, user, dt.timedelta(seconds=0))  # already past its lifetime
    assert load_session(engine, token, HOUR) is None


def test_audit_entries_newest_first(engine: Engine) -> None:
    for number in range(7):
        record(engine, "view_conversation", f"c{number}", "d", user_name="rev")
    record(engine, "add_user", "x" * 300)
    page, total = list_entries(engine, page=1, per_page=3)
    assert total == 8
    assert [(e.user_name, e.action, e.target) for e in page] == [
        ("(cli)", "add_user", "x" * 255),
        ("rev", "view_conversation", "c6"),
        ("rev", "view_conversation", "c5"),
    ]
    last, _ = list_entries(engine, page=3, per_page=3)
    assert [e.target for e in last] == ["c1", "c0"]
