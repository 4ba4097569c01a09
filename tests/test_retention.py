"""Retention deletes whole conversations older than the limit, in SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
import uuid

import pytest
import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.channels.callbacks import undelivered_replies
from bot.console import dismissals, review_db
from bot.handoff import store as handoff_store
from bot.retention import expire
from bot.stores.owners import owners
from bot.web.conversations import ConversationStore, feedback
from tests.conversation_rows import FILLED, fill_conversation, fill_side_tables, places_mentioning
from tests.databases import database_url

DAY = 86400
ONE_EACH = {name: 1 for name in FILLED - {"events"}} | {"handoffs": 2, "handoff_outbox": 2}


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
    """A fresh database of each kind (``tests/databases.py``), so counts are exact."""
    with database_url(request.param, tmp_path) as url:
        yield url


@pytest.fixture()
def engine(database):
    engine = sa.create_engine(database, future=True)
    yield engine
    engine.dispose()


def test_old_conversations_go_and_recent_ones_stay(database):
    old, recent = f"old-{uuid.uuid4().hex}", f"recent-{uuid.uuid4().hex}"
    save(database, old, age_days=31)
    save(database, recent, age_days=29)
    ConversationStore(database).add_feedback(old, "up", "hello")
    for sender in (old, recent):
        ConversationStore(database).owners.claim(sender, "rest", None)
    result = expire(database, days=30)
    assert (result.conversations, result.events, result.rows) == (
        1, 3, {"events": 3, "feedback": 1, "conversation_owners": 1}
    )
    assert events_of(database, old) == 0
    assert events_of(database, recent) == 3
    assert ConversationStore(database).count_feedback(old) == 0


def test_dry_run_deletes_nothing(database):
    sender = f"old-{uuid.uuid4().hex}"
    save(database, sender, age_days=40)
    result = expire(database, days=30, dry_run=True)
    assert (result.conversations, result.events) == (1, 3)
    assert events_of(database, sender) == 3
    assert expire(database, days=30).events == 3


def test_no_tables_yet(tmp_path):
    assert expire(f"sqlite:///{tmp_path / 'empty.db'}", days=30).conversations == 0


def test_an_expired_conversation_goes_from_every_table(database, engine):
    token = uuid.uuid4().hex
    old, recent = f"old-{token}", f"recent-{token}"
    fill_conversation(database, engine, old, age_days=31)  # its console rows are from today
    fill_conversation(database, engine, recent, age_days=29)
    dry = expire(database, days=30, dry_run=True)
    assert (dry.conversations, dry.rows) == (1, {"events": 3, **ONE_EACH})
    assert {table for table, _ in places_mentioning(engine, old)} == FILLED | {"console_audit"}
    result = expire(database, days=30)
    assert (result.conversations, result.events, result.rows) == (1, 3, {"events": 3, **ONE_EACH})
    assert places_mentioning(engine, old) == {("console_audit", "target")}  # staff actions stay audited
    assert {table for table, _ in places_mentioning(engine, recent)} == FILLED | {"console_audit"}
    assert events_of(database, recent) == 3


def backdate(engine, days):
    """Make every side-table row ``days`` old."""
    naive = dt.datetime.utcnow() - dt.timedelta(days=days)
    with engine.begin() as connection:
        for table in (feedback, review_db.tags, review_db.notes, review_db.corrections, owners,
                      dismissals.dismissals, handoff_store.handoffs, handoff_store.outbox, handoff_store.contacts,
                      handoff_store.routes):
            connection.execute(table.update().values(created_at=naive))
        connection.execute(review_db.reviews.update().values(reviewed_at=naive))
        connection.execute(undelivered_replies.update().values(created_at=naive.replace(tzinfo=dt.timezone.utc)))


def test_a_conversation_going_on_keeps_its_old_rows_but_not_its_old_undelivered_replies(database, engine):
    sender = f"long-{uuid.uuid4().hex}"
    fill_conversation(database, engine, sender, age_days=1)
    backdate(engine, 60)
    result = expire(database, days=30)
    assert (result.conversations, result.rows) == (
        0, {"events": 0, **{name: 0 for name in ONE_EACH}, "undelivered_replies": 1}
    )
    assert {table for table, _ in places_mentioning(engine, sender)} == FILLED - {"undelivered_replies"} | {
        "console_audit"
    }


def test_rows_of_conversations_without_events_go_by_their_own_age(database, engine):
    token = uuid.uuid4().hex
    aged, fresh = f"aged-{token}", f"fresh-{token}"
    save(database, aged, age_days=0)
    fill_side_tables(database, engine, aged)
    backdate(engine, 31)
    save(database, fresh, age_days=0)
    fill_side_tables(database, engine, fresh)
    with engine.begin() as connection:  # events gone before retention knew the other tables
        connection.execute(sa.text("DELETE FROM events"))
    result = expire(database, days=30)
    assert (result.conversations, result.rows) == (0, {"events": 0, **ONE_EACH})
    assert places_mentioning(engine, aged) == {("console_audit", "target")}
    assert {table for table, _ in places_mentioning(engine, fresh)} == FILLED - {"events"} | {"console_audit"}
