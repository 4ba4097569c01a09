""""Delete my conversation" removes the conversation from every table, in SQLite and PostgreSQL.

Two conversations fill every table through the modules' own functions; one is deleted; then every
value of every table of the database is searched for its sender id. Only the console's audit log
may still name it (by decision: it records what staff did, see ``bot/conversation_data.py``).
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Iterator, Tuple

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bot.conversation_data import EVENTS, conversation_tables, delete_conversation, delete_older_than
from bot.web.conversations import ConversationStore
from tests.conversation_rows import FILLED, fill_conversation, places_mentioning, save_events
from tests.databases import database_url

AUDIT_ONLY = {("console_audit", "target")}
#: Rows each filled conversation has per table: two handoff requests, with "joined" and "ended" notices.
ONE_EACH = {name: 1 for name in FILLED - {"events"}} | {"handoffs": 2, "handoff_outbox": 2}


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path) -> Iterator[Tuple[str, Engine]]:
    """A fresh database of each kind: (URL, engine)."""
    with database_url(request.param, tmp_path) as url:
        engine = sa.create_engine(url, future=True)
        try:
            yield url, engine
        finally:
            engine.dispose()


def senders() -> Tuple[str, str]:
    token = uuid.uuid4().hex
    return f"gone-{token}", f"kept-{token}"


def test_delete_my_conversation_leaves_no_row_anywhere(database: Tuple[str, Engine]) -> None:
    url, engine = database
    gone, kept = senders()
    fill_conversation(url, engine, gone)
    fill_conversation(url, engine, kept)
    assert {table for table, _ in places_mentioning(engine, gone)} == FILLED | {"console_audit"}
    store = ConversationStore(url)
    try:
        assert store.delete(gone) == 3  # the widget API's "deleted_events"
    finally:
        store.close()
    assert places_mentioning(engine, gone) == AUDIT_ONLY
    assert {table for table, _ in places_mentioning(engine, kept)} == FILLED | {"console_audit"}
    with engine.connect() as connection:
        count = connection.execute(sa.text("SELECT count(*) FROM events WHERE sender_id = :s"), {"s": kept})
        assert count.scalar_one() == 3


def test_delete_conversation_counts_rows_per_table(database: Tuple[str, Engine]) -> None:
    url, engine = database
    gone, kept = senders()
    fill_conversation(url, engine, gone)
    fill_conversation(url, engine, kept)
    assert delete_conversation(engine, gone) == {"events": 3, **ONE_EACH}
    assert delete_conversation(engine, gone) == {"events": 0, **{name: 0 for name in ONE_EACH}}
    assert delete_conversation(engine, kept) == {"events": 3, **ONE_EACH}


def test_tables_that_do_not_exist_yet_are_skipped(database: Tuple[str, Engine]) -> None:
    url, engine = database
    gone, kept = senders()
    assert delete_conversation(engine, gone) == {}
    assert delete_older_than(engine, dt.datetime.now(dt.timezone.utc)).rows == {}
    save_events(url, gone, age_days=0)
    save_events(url, kept, age_days=0)
    assert delete_conversation(engine, gone) == {"events": 3}
    assert places_mentioning(engine, gone) == set()
    assert {table for table, _ in places_mentioning(engine, kept)} == {"events"}


def test_every_table_with_a_sender_id_is_known(database: Tuple[str, Engine]) -> None:
    """A table added later with a sender_id column fails here until bot/conversation_data.py lists it."""
    url, engine = database
    fill_conversation(url, engine, senders()[0])
    with_sender = {
        table
        for table in sa.inspect(engine).get_table_names()
        if "sender_id" in {column["name"] for column in sa.inspect(engine).get_columns(table)}
    }
    known = {EVENTS.name} | {item.name for item in conversation_tables()}
    assert with_sender == known == FILLED
