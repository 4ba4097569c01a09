"""The tracker store keeps every event when PostgreSQL drops its connections, and fails loudly
when it stays away. Real PostgreSQL (a fresh database per test), reached directly or through a
TCP proxy the test cuts (``tests.faultproxy``); real Redis for the lock store.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
import uuid

import pytest
import redis
import sqlalchemy as sa
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy.engine.url import make_url

import bot.stores.lock_store as lock_module
import bot.stores.tracker_store as module
from bot import metrics
from bot.settings import Settings
from bot.stores.db_retry import StoreUnavailable
from bot.stores.lock_store import ConfiguredLockStore
from bot.stores.tracker_store import ConfiguredTrackerStore
from tests.databases import fresh_postgres_url, terminate_connections
from tests.faultproxy import TcpProxy

REDIS_URL = "redis://127.0.0.1:6379/0"


def sample(name: str, **labels: str) -> float:
    return float(metrics.REGISTRY.get_sample_value(name, labels or None) or 0.0)


@pytest.fixture()
def database():
    with fresh_postgres_url() as url:
        yield url


def store_for(monkeypatch, url: str, retry_seconds: float = 10.0) -> ConfiguredTrackerStore:
    monkeypatch.setattr(module, "get_settings", lambda: Settings(tracker_db_url=url, db_retry_seconds=retry_seconds))
    return ConfiguredTrackerStore(domain=Domain.empty(), connect_timeout=5)


def turn(number: int):
    return [UserUttered(f"question {number}", {"name": "ask_address"}), BotUttered(f"answer {number}"),
            ActionExecuted("action_listen")]


def stored_texts(url: str, sender: str):
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                sa.text("SELECT type_name, data FROM events WHERE sender_id = :s ORDER BY id"), {"s": sender}
            ).all()
    finally:
        engine.dispose()
    return [(kind, __import__("json").loads(data).get("text")) for kind, data in rows]


def via_proxy(url: str, proxy: TcpProxy) -> str:
    return make_url(url).set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)


def test_terminated_connections_lose_no_event(monkeypatch, database):
    store = store_for(monkeypatch, database)
    sender = uuid.uuid4().hex
    tracker = DialogueStateTracker.from_events(sender, [ActionExecuted("action_listen"), *turn(1)])
    asyncio.run(store.save(tracker))
    assert terminate_connections(database) >= 1  # the pool's connection is gone
    for event in turn(2):
        tracker.update(event)
    asyncio.run(store.save(tracker))
    loaded = asyncio.run(store.retrieve(sender))
    for event in turn(3):
        loaded.update(event)
    assert terminate_connections(database) >= 1
    asyncio.run(store.save(loaded))
    assert [text for kind, text in stored_texts(database, sender) if kind == "user"] == [
        "question 1", "question 2", "question 3"]
    assert len(stored_texts(database, sender)) == 10


def test_a_connection_cut_during_a_save_is_retried_and_nothing_is_written_twice(monkeypatch, database):
    parts = make_url(database)
    proxy = TcpProxy((parts.host or "127.0.0.1", parts.port or 5432))
    try:
        store = store_for(monkeypatch, via_proxy(database, proxy))
        sender = uuid.uuid4().hex
        tracker = DialogueStateTracker.from_events(sender, [ActionExecuted("action_listen"), *turn(1)])
        asyncio.run(store.save(tracker))
        retries = sample("assistant_store_retries_total", store="tracker")
        proxy.cut()  # a failover: every connection reset, none accepted for 1.5 s
        threading.Timer(1.5, proxy.restore).start()
        for event in turn(2):
            tracker.update(event)
        started = time.monotonic()
        asyncio.run(store.save(tracker))
        assert time.monotonic() - started >= 1.0  # it waited for the database instead of giving up
        assert sample("assistant_store_retries_total", store="tracker") > retries
        assert stored_texts(database, sender) == [
            ("action", None), ("user", "question 1"), ("bot", "answer 1"), ("action", None),
            ("user", "question 2"), ("bot", "answer 2"), ("action", None)]
    finally:
        proxy.close()


def test_a_database_that_stays_away_fails_the_save_visibly_and_the_events_are_written_later(
    monkeypatch, database, caplog
):
    parts = make_url(database)
    proxy = TcpProxy((parts.host or "127.0.0.1", parts.port or 5432))
    try:
        store = store_for(monkeypatch, via_proxy(database, proxy), retry_seconds=1.0)
        sender = uuid.uuid4().hex
        tracker = DialogueStateTracker.from_events(sender, [ActionExecuted("action_listen"), *turn(1)])
        asyncio.run(store.save(tracker))
        errors = sample("assistant_store_errors_total", store="tracker", operation="save")
        proxy.cut()
        for event in turn(2):
            tracker.update(event)
        with caplog.at_level(logging.WARNING), pytest.raises(StoreUnavailable) as failed:
            asyncio.run(store.save(tracker))
        assert str(failed.value).startswith("tracker store: save failed for 1s (DB_RETRY_SECONDS): ")
        assert sample("assistant_store_errors_total", store="tracker", operation="save") == errors + 1
        assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == [str(failed.value)]
        assert "Falling back" not in caplog.text
        assert [text for kind, text in stored_texts(database, sender) if kind == "user"] == ["question 1"]
        proxy.restore()
        asyncio.run(store.save(tracker))  # the next save writes what the failed one could not
        assert [text for kind, text in stored_texts(database, sender) if kind == "user"] == [
            "question 1", "question 2"]
    finally:
        proxy.close()


def test_an_error_that_is_not_about_the_connection_is_not_retried(monkeypatch, database):
    store = store_for(monkeypatch, database)
    retries = sample("assistant_store_retries_total", store="tracker")
    engine = sa.create_engine(database)
    with engine.begin() as connection:
        connection.execute(sa.text("ALTER TABLE events ADD CONSTRAINT short_text CHECK (length(data) < 10)"))
    engine.dispose()
    tracker = DialogueStateTracker.from_events(uuid.uuid4().hex, [ActionExecuted("action_listen"), *turn(1)])
    with pytest.raises(sa.exc.IntegrityError):
        asyncio.run(store.save(tracker))
    assert sample("assistant_store_retries_total", store="tracker") == retries


def test_rasa_does_not_fall_back_to_memory_for_our_store(monkeypatch, database):
    from rasa.core.agent import Agent

    from bot.rasa_server import install_strict_tracker_store

    install_strict_tracker_store()
    store = store_for(monkeypatch, database)
    assert Agent._create_tracker_store(store, Domain.empty()) is store


# --- Redis -------------------------------------------------------------------------------------


def lock_store(monkeypatch) -> ConfiguredLockStore:
    monkeypatch.setattr(lock_module, "get_settings", lambda: Settings(redis_url=REDIS_URL))
    try:
        return ConfiguredLockStore()
    except lock_module.LockStoreUnavailable as error:
        pytest.fail(f"{error}. These tests need Redis at {REDIS_URL}.")


def test_locks_work_again_right_after_redis_dropped_every_connection(monkeypatch):
    store = lock_store(monkeypatch)
    conversation = uuid.uuid4().hex

    async def one_turn() -> None:
        async with store.lock(conversation, lock_lifetime=10, wait_time_in_seconds=0.05):
            await asyncio.sleep(0.01)

    asyncio.run(one_turn())
    admin = redis.Redis.from_url(REDIS_URL)
    killed = admin.client_kill_filter(_type="normal", skipme=True)
    assert killed >= 1
    asyncio.run(one_turn())  # the killed connection is replaced, the command sent again
    assert store.get_lock(conversation) is None


def test_a_redis_that_does_not_answer_fails_the_turn_instead_of_running_it_unlocked(monkeypatch, caplog):
    proxy = TcpProxy(("127.0.0.1", 6379))
    monkeypatch.setattr(lock_module, "get_settings", lambda: Settings(redis_url=f"redis://127.0.0.1:{proxy.port}/0"))
    monkeypatch.setattr(lock_module, "RETRIES", 2)
    try:
        store = ConfiguredLockStore()
        errors = sample("assistant_store_errors_total", store="lock", operation="lock")
        proxy.cut()
        ran = []

        async def one_turn() -> None:
            async with store.lock(uuid.uuid4().hex, lock_lifetime=10, wait_time_in_seconds=0.05):
                ran.append(True)

        with caplog.at_level(logging.ERROR), pytest.raises(StoreUnavailable, match=r"^lock store: Redis did not"):
            asyncio.run(one_turn())
        assert ran == []
        assert sample("assistant_store_errors_total", store="lock", operation="lock") == errors + 1
    finally:
        proxy.close()


def test_workers_starting_together_on_a_new_database_create_the_tables_without_an_error(monkeypatch, database, caplog):
    stores = []
    errors = []
    together = threading.Barrier(8)

    def start() -> None:
        together.wait(30)
        try:
            stores.append(ConfiguredTrackerStore(domain=Domain.empty(), connect_timeout=5))
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)

    monkeypatch.setattr(module, "get_settings", lambda: Settings(tracker_db_url=database))
    with caplog.at_level(logging.WARNING):
        threads = [threading.Thread(target=start) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
    assert errors == [] and len(stores) == 8
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING and "tables" in r.getMessage()] == []
    tracker = DialogueStateTracker.from_events(uuid.uuid4().hex, [ActionExecuted("action_listen"), *turn(1)])
    asyncio.run(stores[0].save(tracker))
    assert len(stored_texts(database, tracker.sender_id)) == 4
