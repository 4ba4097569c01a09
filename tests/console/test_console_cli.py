"""``python -m bot.console users ...`` against a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Iterator

import pytest

from bot.console import accounts
from bot.console.accounts_db import open_engine
from tests.databases import database_url

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "correct horse battery"


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    with database_url(request.param, tmp_path) as url:
        yield url


def cli(db: str, *args: str, stdin: str = "") -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "TRACKER_DB_URL"}
    env.update({"TRACKER_DB_URL": db, "RASA_TELEMETRY_ENABLED": "false"})
    return subprocess.run(
        [sys.executable, "-m", "bot.console", *args], cwd=ROOT, env=env, input=stdin, capture_output=True,
        text=True, timeout=60,
    )


def test_users_add_list_set_role_remove(db: str) -> None:
    empty = cli(db, "users", "list")
    hint = "no users (add one with: python -m bot.console users add NAME --role admin)\n"
    assert (empty.returncode, empty.stdout) == (0, hint)
    added = cli(db, "users", "add", "anna", "--role", "admin", "--password-stdin", stdin=PASSWORD + "\n")
    assert (added.returncode, added.stdout, added.stderr) == (0, "added anna (admin)\n", "")
    assert cli(db, "users", "add", "ole", "--role", "viewer", "--password-stdin", stdin=PASSWORD).returncode == 0
    assert cli(db, "users", "set-role", "ole", "reviewer").stdout == "ole is now reviewer\n"
    listing = cli(db, "users", "list").stdout.splitlines()
    assert [line.split("\t")[:3] for line in listing] == [["anna", "admin", "active"], ["ole", "reviewer", "active"]]
    assert cli(db, "users", "deactivate", "ole").stdout == "ole deactivated\n"
    assert cli(db, "users", "activate", "ole").stdout == "ole activated\n"
    changed = cli(db, "users", "set-password", "ole", "--password-stdin", stdin="another long password\n")
    assert changed.stdout == "password of ole changed\n"
    engine = open_engine(db)
    try:
        assert accounts.authenticate(engine, "anna", PASSWORD) is not None
        assert accounts.authenticate(engine, "ole", "another long password") is not None
        assert cli(db, "users", "remove", "ole").stdout == "removed ole\n"
        assert [a.name for a in accounts.list_users(engine)] == ["anna"]
        with engine.connect() as connection:
            query = "SELECT user_name, action, target FROM console_audit ORDER BY id"
            rows = connection.exec_driver_sql(query).fetchall()
    finally:
        engine.dispose()
    assert [tuple(r) for r in rows] == [
        ("(cli)", "add_user", "anna"),
        ("(cli)", "add_user", "ole"),
        ("(cli)", "set_role", "ole"),
        ("(cli)", "deactivate_user", "ole"),
        ("(cli)", "reactivate_user", "ole"),
        ("(cli)", "reset_password", "ole"),
        ("(cli)", "remove_user", "ole"),
    ]


def test_bad_input_is_one_line_and_exit_code_1(db: str) -> None:
    assert cli(db, "users", "add", "anna", "--role", "admin", "--password-stdin", stdin=PASSWORD).returncode == 0
    cases = [
        (("users", "add", "bob", "--role", "root", "--password-stdin"), PASSWORD, "invalid choice: 'root'"),
        (("users", "add", "bob", "--role", "viewer", "--password-stdin"), "short\n", "at least 12 characters"),
        (("users", "add", "bob", "--role", "viewer", "--password-stdin"), "", "no password on standard input"),
        (("users", "add", "anna", "--role", "viewer", "--password-stdin"), PASSWORD, "already exists"),
        (("users", "remove", "anna"), "", "cannot remove 'anna': it is the last active admin"),
        (("users", "set-role", "anna", "viewer"), "", "it is the last active admin"),
        (("users", "remove", "nobody"), "", "no user named 'nobody'"),
        (("users", "set-password", "nobody", "--password-stdin"), PASSWORD, "no user named 'nobody'"),
        (("users", "frobnicate"), "", "invalid choice: 'frobnicate'"),
    ]
    for args, stdin, message in cases:
        result = cli(db, *args, stdin=stdin)
        assert result.returncode == 1, (args, result.stderr)
        assert result.stderr.startswith("error: ") and message in result.stderr, (args, result.stderr)
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr


def test_an_unreachable_database_is_one_line() -> None:
    result = cli("postgresql://postgres@127.0.0.1:1/nothing", "users", "list")
    assert result.returncode == 1
    assert result.stderr.startswith("error: cannot use the database (TRACKER_DB_URL): ")
    assert len(result.stderr.strip().splitlines()) == 1
