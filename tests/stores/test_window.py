"""The shortened tracker: recent turns plus a slot snapshot; every event stored exactly once."""

from __future__ import annotations

import asyncio
import json

import pytest
import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.stores.window import RECENT_TURNS, RecentTurnsMixin
from tests.databases import database_url

DOMAIN = Domain.from_yaml(
    """
version: "3.1"
intents: [ask, greet]
slots:
  language: {type: text, influence_conversation: false, mappings: [{type: custom}]}
  topic: {type: text, influence_conversation: false, mappings: [{type: custom}]}
responses:
  utter_ok: [{text: ok}]
"""
)


class WindowStore(RecentTurnsMixin, SQLTrackerStore):
    pass


def turn(n: int) -> list:
    events = [
        UserUttered(f"message {n}", {"name": "ask", "confidence": 0.9}),
        ActionExecuted("action_answer"),
        BotUttered(f"answer {n}"),
        ActionExecuted("action_listen"),
    ]
    if n == 1:
        events.insert(1, SlotSet("language", "da"))
    if n % 5 == 0:
        events.insert(1, SlotSet("topic", f"topic-{n}"))
    return events


def rows(url: str, sender: str) -> list:
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        found = [json.loads(r[0]) for r in connection.execute(
            sa.text("SELECT data FROM events WHERE sender_id = :s ORDER BY id"), {"s": sender})]
    engine.dispose()
    return found


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_long_conversation_loads_recent_turns_and_stores_everything_once(kind, tmp_path):
    with database_url(kind, tmp_path) as url:
        store = WindowStore(DOMAIN, host=url)
        sender = "window-test"

        async def conversation() -> list:
            tracker = await store.get_or_create_tracker(sender)
            tracker.update(ActionExecuted("action_session_start"))
            tracker.update(SessionStarted())
            tracker.update(ActionExecuted("action_listen"))
            await store.save(tracker)
            sizes = []
            for n in range(1, 31):
                tracker = await store.retrieve(sender)
                sizes.append(len(tracker.events))
                for event in turn(n):
                    tracker.update(event)
                await store.save(tracker)
            return sizes

        sizes = asyncio.run(conversation())
        stored = rows(url, sender)
        # The new tracker's action_listen, 3 session events, 30 turns of 4 events, 1 language and
        # 6 topic slot events: each stored once.
        assert len(stored) == 1 + 3 + 30 * 4 + 1 + 6
        assert [e["text"] for e in stored if e["event"] == "user"] == [f"message {n}" for n in range(1, 31)]

        tracker = asyncio.run(store.retrieve(sender))
        users = [e for e in tracker.events if isinstance(e, UserUttered)]
        assert [u.text for u in users] == [f"message {n}" for n in range(31 - RECENT_TURNS, 31)]
        assert tracker.get_slot("language") == "da"  # set in turn 1, long before the window
        assert tracker.get_slot("topic") == "topic-30"
        assert tracker.latest_message.text == "message 30"
        # The loaded size stops growing once the window is full.
        assert max(sizes[10:]) - min(sizes[10:]) <= 2
        full = asyncio.run(store.retrieve_full_tracker(sender))
        assert len(full.events) == len(stored)
        store.engine.dispose()


def test_short_conversation_is_loaded_whole(tmp_path):
    with database_url("sqlite", tmp_path) as url:
        store = WindowStore(DOMAIN, host=url)

        async def run() -> int:
            tracker = await store.get_or_create_tracker("short")
            for event in turn(1) + turn(2):
                tracker.update(event)
            await store.save(tracker)
            loaded = await store.retrieve("short")
            return len(loaded.events)

        assert asyncio.run(run()) == len(rows(url, "short")) == 1 + 5 + 4
        store.engine.dispose()


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_a_tracker_not_loaded_here_skips_what_rasa_counts_as_stored(kind, tmp_path):
    """A tracker built elsewhere (not by retrieve) is saved by Rasa's rule: skip the events stored
    since the latest session start, or all stored events when there is none."""
    with database_url(kind, tmp_path) as url:
        store = WindowStore(DOMAIN, host=url)

        def rasa_count(sender: str) -> int:
            with store.session_scope() as session:
                query = SQLTrackerStore._event_query(store, session, sender, fetch_events_from_all_sessions=False)
                return int(query.count())

        async def run() -> None:
            no_session = [ActionExecuted("action_listen"), *turn(1)]
            with_sessions = [*no_session, ActionExecuted("action_session_start"), SessionStarted(),
                             ActionExecuted("action_listen"), *turn(2)]
            for sender, events in (("no-session", no_session), ("two-sessions", with_sessions)):
                assert store._stored_in_latest_session(sender) == rasa_count(sender) == 0
                await store.save(DialogueStateTracker.from_events(sender, events))
                counted = store._stored_in_latest_session(sender)
                assert counted == rasa_count(sender) == 6  # the session start and what followed it
                latest = events[-counted:]  # the latest session, as Rasa's own retrieve loads it
                built = DialogueStateTracker.from_events(sender, [*latest, *turn(3)])  # not loaded here
                await store.save(built)
                assert len(rows(url, sender)) == len(events) + 4  # only the new turn was added

        asyncio.run(run())
        store.engine.dispose()
