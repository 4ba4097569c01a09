"""On SQLite, a deleted conversation leaves no readable bytes in the database or its WAL file."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path

from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

import bot.stores.tracker_store as module
from bot.conversation_data import delete_older_than
from bot.settings import Settings
from bot.stores.tracker_store import ConfiguredTrackerStore
from bot.web.conversations import ConversationStore

MARKER = "zebra-crossing-marker"


def raw_bytes(folder: Path) -> bytes:
    return b"".join(path.read_bytes() for path in sorted(folder.glob("tracker.db*")))


def save(monkeypatch, folder: Path, sender: str, text: str, timestamp: float) -> ConfiguredTrackerStore:
    """Save a conversation; the store stays open, as Rasa's does while the web app deletes."""
    url = f"sqlite:///{folder / 'tracker.db'}"
    monkeypatch.setattr(module, "get_settings", lambda: Settings(tracker_db_url=url))
    store = ConfiguredTrackerStore(domain=Domain.empty())
    events = [ActionExecuted("action_listen", timestamp=timestamp), UserUttered(text, timestamp=timestamp),
              BotUttered("an answer", timestamp=timestamp)]
    asyncio.run(store.save(DialogueStateTracker.from_events(sender, events)))
    return store


def test_the_tracker_database_is_in_wal_mode(monkeypatch, tmp_path):
    save(monkeypatch, tmp_path, "wal", "hello", 1.0).engine.dispose()
    import sqlite3

    with sqlite3.connect(tmp_path / "tracker.db") as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_delete_on_request_overwrites_the_deleted_text(monkeypatch, tmp_path):
    now = dt.datetime.now(dt.timezone.utc).timestamp()
    first = save(monkeypatch, tmp_path, "gone", f"{MARKER} please delete me", now)
    second = save(monkeypatch, tmp_path, "kept", "another conversation", now)
    assert MARKER.encode() in raw_bytes(tmp_path)  # the check below can fail
    conversations = ConversationStore(f"sqlite:///{tmp_path / 'tracker.db'}")
    assert conversations.delete("gone") == 3
    data = raw_bytes(tmp_path)  # while Rasa's connections are still open
    assert MARKER.encode() not in data
    assert b"another conversation" in data
    conversations.close()
    first.engine.dispose()
    second.engine.dispose()


def test_retention_overwrites_expired_text(monkeypatch, tmp_path):
    old = (dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=40)).timestamp()
    store = save(monkeypatch, tmp_path, "old", f"{MARKER} from long ago", old)
    assert MARKER.encode() in raw_bytes(tmp_path)
    import sqlalchemy as sa

    engine = sa.create_engine(f"sqlite:///{tmp_path / 'tracker.db'}")
    delete_older_than(engine, dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=30))
    assert MARKER.encode() not in raw_bytes(tmp_path)  # while Rasa's connections are still open
    engine.dispose()
    store.engine.dispose()
