"""Readiness (bot/ops_routes.py) against real databases and real sockets: ok, down and hanging."""

from __future__ import annotations

import asyncio
import json
import socket
import time
from typing import Iterator

import pytest

from bot.channels import guard
from bot.ops_routes import DATABASE_TIMEOUT_SECONDS, database_state, readiness
from tests.databases import fresh_postgres_url


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A port that accepts connections and never answers (a hung process)."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(16)
        yield int(server.getsockname()[1])


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_sqlite_and_postgresql_that_answer_are_ok(tmp_path):
    assert asyncio.run(database_state(f"sqlite:///{tmp_path / 'rasa.db'}")) == "ok"
    with fresh_postgres_url() as url:
        assert asyncio.run(database_state(url)) == "ok"


def test_postgresql_that_is_down_is_unreachable():
    assert asyncio.run(database_state(f"postgresql://postgres:secret@127.0.0.1:{closed_port()}/test")) == "unreachable"


def test_a_hanging_database_is_not_ready_within_the_timeout(silent_port):
    started = time.monotonic()
    state = asyncio.run(database_state(f"postgresql://postgres@127.0.0.1:{silent_port}/test"))
    assert state in ("unreachable", "timeout")
    assert time.monotonic() - started < DATABASE_TIMEOUT_SECONDS + 2


def test_a_hanging_action_server_is_reported_not_raised(monkeypatch, silent_port):
    monkeypatch.setenv("ACTION_ENDPOINT_URL", f"http://127.0.0.1:{silent_port}/webhook")
    monkeypatch.setitem(guard._health_cache, "checked_at", 0.0)
    started = time.monotonic()
    assert asyncio.run(guard.action_server_up()) is False
    assert time.monotonic() - started < 10


def test_readiness_is_503_naming_the_failing_part_and_nothing_else():
    ready = readiness({"model": "ok", "database": "ok", "actions": "ok"})
    assert ready.status == 200
    down = readiness({"model": "ok", "database": "unreachable", "actions": "ok"})
    assert down.status == 503
    assert json.loads(down.body) == {"model": "ok", "database": "unreachable", "actions": "ok"}
