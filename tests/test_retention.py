"""Retention deletes whole conversations older than the limit, in SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import os
import time
import uuid

import pytest
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.retention import expire
from bot.stores.tracker_store import TrackerStoreUnavailable, check_database
from bot.web.conversations import ConversationStore

POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
DAY = 86400


def save(url: str, sender: str, age_days: float) -> None:
    store = SQLTrackerStore(Domain.empty(), host=url)
    stamp = time.time() - age_days * DAY
    events = [ActionExecuted("action_listen", timestamp=stamp), UserUttered("hi", timestamp=stamp + 1),
              BotUttered("hello", timestamp=stamp + 2)]
    asyncio.run(store.save(DialogueStateTracker.from_events(sender, events)))
    store.engine.dispose()


def events_of(url: str, sender: str) -> int:
    store = SQLTrackerStore(Domain.empty(), host=url)
    tracker = asyncio.run(store.retrieve(sender))
    store.engine.dispose()
    return 0 if tracker is None else len(tracker.events)


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'tracker.db'}"
    try:
        check_database(POSTGRES_URL, timeout=3)
    except TrackerStoreUnavailable as error:
        pytest.fail(f"{error}. These tests need PostgreSQL at {POSTGRES_URL} (set TEST_POSTGRES_URL).")
    return POSTGRES_URL


def test_old_conversations_go_and_recent_ones_stay(database):
    old, recent = f"old-{uuid.uuid4().hex}", f"recent-{uuid.uuid4().hex}"
    save(database, old, age_days=31)
    save(database, recent, age_days=29)
    ConversationStore(database).add_feedback(old, "up", "hello")
    result = expire(database, days=30)
    assert result.conversations >= 1 and result.events >= 3
    assert events_of(database, old) == 0
    assert events_of(database, recent) == 3
    assert ConversationStore(database).count_feedback(old) == 0


def test_dry_run_deletes_nothing(database):
    sender = f"old-{uuid.uuid4().hex}"
    save(database, sender, age_days=40)
    result = expire(database, days=30, dry_run=True)
    assert result.conversations >= 1
    assert events_of(database, sender) == 3
    expire(database, days=30)


def test_no_tables_yet(tmp_path):
    assert expire(f"sqlite:///{tmp_path / 'empty.db'}", days=30).conversations == 0
