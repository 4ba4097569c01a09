"""The configured tracker store saves and restores conversations in SQLite and in PostgreSQL."""

from __future__ import annotations

import asyncio
import os
import uuid

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

import bot.stores.tracker_store as module
from bot.settings import Settings
from bot.stores.tracker_store import ConfiguredTrackerStore, TrackerStoreUnavailable, check_database

POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")


def store_for(monkeypatch, url: str) -> ConfiguredTrackerStore:
    monkeypatch.setattr(module, "get_settings", lambda: Settings(tracker_db_url=url))
    try:
        return ConfiguredTrackerStore(domain=Domain.empty(), connect_timeout=3)
    except TrackerStoreUnavailable as error:
        pytest.fail(f"{error}. These tests need the database running (PostgreSQL at {POSTGRES_URL}; "
                    "set TEST_POSTGRES_URL to use another).")


def round_trip(store: ConfiguredTrackerStore) -> None:
    sender = f"test-{uuid.uuid4().hex}"
    tracker = DialogueStateTracker.from_events(
        sender,
        [ActionExecuted("action_listen"), UserUttered("where is ihnd?", {"name": "ask_address"}),
         BotUttered("Rantzausgade 4")],
    )
    asyncio.run(store.save(tracker))
    restored = asyncio.run(store.retrieve(sender))
    assert restored is not None
    assert [e.as_dict()["event"] for e in restored.events] == ["action", "user", "bot"]
    assert restored.latest_message.text == "where is ihnd?"
    assert sender in asyncio.run(store.keys())


def test_sqlite_round_trip(monkeypatch, tmp_path):
    round_trip(store_for(monkeypatch, f"sqlite:///{tmp_path / 'nested' / 'tracker.db'}"))
    assert (tmp_path / "nested" / "tracker.db").exists()


def test_postgresql_round_trip(monkeypatch):
    round_trip(store_for(monkeypatch, POSTGRES_URL))


def test_unreachable_database_fails_fast_with_a_clear_message():
    with pytest.raises(TrackerStoreUnavailable) as error:
        check_database("postgresql://postgres@127.0.0.1:1/test", timeout=0.5)
    assert str(error.value).startswith("tracker store: cannot connect to postgresql://postgres@127.0.0.1:1/test: ")
