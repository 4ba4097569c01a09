"""The lock store: Redis when REDIS_URL is set (shared by workers), in memory otherwise."""

from __future__ import annotations

import asyncio
import os
import uuid

import pytest
from rasa.core.lock_store import InMemoryLockStore, RedisLockStore

from bot.settings import get_settings
from bot.stores.lock_store import ConfiguredLockStore, LockStoreUnavailable, redis_lock_store
from bot.stores.sqlite_locks import SQLiteLockStore
from tests.test_startup_errors import error_lines, project, run  # noqa: F401  (fixture)

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/1")


@pytest.fixture
def redis_url():
    try:
        redis_lock_store(REDIS_URL)
    except LockStoreUnavailable as error:
        pytest.fail(f"{error}. These tests need Redis at {REDIS_URL} (set TEST_REDIS_URL).")
    return REDIS_URL


@pytest.fixture
def settings_env(monkeypatch):
    def apply(**values: str) -> None:
        for key in ("REDIS_URL", "SANIC_WORKERS", "VAR_DIR"):
            monkeypatch.delenv(key, raising=False)
        for key, value in values.items():
            monkeypatch.setenv(key, value)
        get_settings.cache_clear()

    yield apply
    get_settings.cache_clear()


def test_without_redis_the_locks_are_in_memory(settings_env):
    settings_env()
    assert isinstance(ConfiguredLockStore().backend, InMemoryLockStore)


def test_two_workers_share_one_conversation_lock_through_redis(settings_env, redis_url):
    settings_env(REDIS_URL=redis_url)
    first, second = ConfiguredLockStore(), ConfiguredLockStore()  # as two worker processes would
    assert isinstance(first.backend, RedisLockStore)
    conversation = f"lock-{uuid.uuid4().hex}"
    order = []

    async def turn(store: ConfiguredLockStore, name: str, hold: float) -> None:
        async with store.lock(conversation, wait_time_in_seconds=0.01):
            order.append(f"{name} in")
            await asyncio.sleep(hold)
            order.append(f"{name} out")

    async def both() -> None:
        task = asyncio.create_task(turn(first, "a", 0.3))
        await asyncio.sleep(0.05)
        await turn(second, "b", 0.0)
        await task

    asyncio.run(both())
    assert order == ["a in", "a out", "b in", "b out"]  # b waited for a's ticket in Redis
    assert first.get_lock(conversation) is None  # cleaned up after the last ticket


@pytest.mark.parametrize("backend", ["memory", "redis"])
def test_a_turn_behind_a_dead_holder_runs_once_the_dead_ticket_expires(settings_env, redis_url, backend):
    # A replica died during a turn: its ticket stays until it expires. The next message's ticket,
    # issued a moment later, expires almost together with it; Rasa 3.6 then waited forever.
    settings_env(**({"REDIS_URL": redis_url} if backend == "redis" else {}))
    dead, alive = ConfiguredLockStore(), ConfiguredLockStore()
    conversation = f"lock-{uuid.uuid4().hex}"
    lifetime = 0.6
    dead.issue_ticket(conversation, lifetime)  # never cleaned up: its process was killed
    if backend == "memory":
        alive = dead  # one process's memory

    async def next_turn() -> str:
        async with alive.lock(conversation, lock_lifetime=lifetime, wait_time_in_seconds=0.5):
            return "served"

    assert asyncio.run(asyncio.wait_for(next_turn(), timeout=10)) == "served"
    assert alive.get_lock(conversation) is None  # the re-issued ticket was cleaned up too


def test_an_unreachable_redis_is_one_clear_error_without_the_password(settings_env):
    settings_env(REDIS_URL="redis://:s3cret-password@127.0.0.1:1/0")
    with pytest.raises(LockStoreUnavailable) as error:
        ConfiguredLockStore()
    assert "127.0.0.1:1/0" in str(error.value)
    assert "s3cret" not in str(error.value)


def test_several_workers_without_redis_start_with_their_locks_in_sqlite(project):  # noqa: F811
    result = run(project, "check", RASA_WORKERS="2", REDIS_URL="")
    assert result.returncode == 0, result.stdout + result.stderr
    assert error_lines(result) == []


def test_several_workers_without_redis_share_a_sqlite_file(settings_env, monkeypatch, tmp_path):
    settings_env(VAR_DIR=str(tmp_path))
    monkeypatch.setenv("SANIC_WORKERS", "2")
    store = ConfiguredLockStore()
    assert isinstance(store.backend, SQLiteLockStore)
    assert store.backend._db.path == tmp_path / "workers.db"
