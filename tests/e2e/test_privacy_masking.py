"""Personal data sent to the running assistant never reaches its database (SQLite and PostgreSQL).

Messages with a CPR number, an e-mail address, phone numbers, an IBAN, a bank account and a
passport number go through the REST channel; then every row of every table of the raw database
is dumped as text and searched for the values, in the form they were written and without their
spaces and dashes.
"""

from __future__ import annotations

import re
import sqlite3
import time
import uuid
from typing import Dict, Iterator, List

import pytest
import requests
import sqlalchemy as sa

from tests.conversation_rows import places_mentioning
from tests.databases import fresh_postgres_url
from tests.e2e.conftest import Stack, reply_text, start_stack, stop_stack

pytestmark = pytest.mark.e2e

MESSAGES = [
    "my CPR is 010190-1234, what now?",
    "write to anna.hansen@example.com",
    "call me on +45 12 34 56 78",
    "my IBAN is DK50 0040 0440 1162 43",
    "my account is reg. 5470 account 0001234567 and my passport AB7654321",
    "min cpr er 1512851234, hvor får jeg sundhedskort?",
]
RAW_VALUES = [
    "010190-1234", "anna.hansen@example.com", "+45 12 34 56 78", "DK50 0040 0440 1162 43",
    "0001234567", "AB7654321", "1512851234",
]


def variants(value: str) -> List[str]:
    """The value as written, and without spaces and dashes (how a careless copy might store it)."""
    return sorted({value, re.sub(r"[\s\-]", "", value), re.sub(r"[\s\-+]", "", value)})


def sqlite_dump(stack: Stack) -> str:
    with sqlite3.connect(stack.var_dir / "tracker.db") as db:
        tables = [name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        assert "events" in tables
        return "\n".join(repr(row) for table in tables for row in db.execute(f'SELECT * FROM "{table}"'))


def postgres_dump(url: str) -> str:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            tables = [
                (schema, name)
                for schema, name in connection.execute(sa.text(
                    "SELECT table_schema, table_name FROM information_schema.tables "
                    "WHERE table_schema NOT IN ('pg_catalog', 'information_schema')"
                ))
            ]
            assert ("public", "events") in tables
            return "\n".join(
                repr(tuple(row)) for schema, name in tables
                for row in connection.execute(sa.text(f'SELECT * FROM "{schema}"."{name}"'))
            )
    finally:
        engine.dispose()


def talk(stack: Stack) -> Dict[str, str]:
    """Send every message in its own conversation; return the replies by sender."""
    replies = {}
    for message in MESSAGES:
        sender = f"privacy-{uuid.uuid4().hex}"
        reply = reply_text(stack.ask(message, sender, metadata={"language": "en"}))
        assert reply.strip(), f"no answer to {message!r}"
        replies[sender] = reply
    return replies


def assert_absent(dump: str) -> None:
    assert "[CPR]" in dump and "[EMAIL]" in dump and "[PHONE]" in dump and "[IBAN]" in dump
    assert "[ACCOUNT]" in dump and "[PASSPORT]" in dump
    for value in RAW_VALUES:
        for variant in variants(value):
            assert variant not in dump, f"{variant!r} was stored"


def assert_api_returns_masked(stack: Stack, senders: List[str]) -> None:
    texts = []
    for sender in senders:
        response = requests.get(
            f"{stack.rasa}/conversations/{sender}/tracker", params={"token": stack.token}, timeout=30
        )
        assert response.status_code == 200, response.text
        texts += [event.get("text") or "" for event in response.json()["events"] if event["event"] == "user"]
    assert texts == [
        "my CPR is [CPR], what now?",
        "write to [EMAIL]",
        "call me on [PHONE]",
        "my IBAN is [IBAN]",
        "my account is reg. [ACCOUNT] and my passport [PASSPORT]",
        "min cpr er [CPR], hvor får jeg sundhedskort?",
    ]


def test_sqlite_database_never_sees_the_raw_values(stack):
    replies = talk(stack)
    assert_absent(sqlite_dump(stack))
    assert_api_returns_masked(stack, list(replies))


def sqlite_engine(stack: Stack) -> sa.engine.Engine:
    return sa.create_engine(f"sqlite:///{stack.var_dir / 'tracker.db'}", future=True)


def test_the_widget_secret_still_deletes_a_masked_conversation(stack):
    sender, secret = f"privacy-{uuid.uuid4().hex}", uuid.uuid4().hex
    reply = reply_text(stack.ask(
        "my CPR is 010190-1234, what now?", sender, metadata={"session_secret": secret, "language": "en"}
    ))
    rated = requests.post(
        f"{stack.web}/api/feedback", json={"session_id": sender, "rating": "down", "text": reply},
        headers={"X-Session-Secret": secret}, timeout=10,
    )
    assert rated.status_code == 201
    engine = sqlite_engine(stack)
    try:
        assert places_mentioning(engine, sender) >= {("events", "sender_id"), ("feedback", "sender_id")}
        url = f"{stack.web}/api/conversations/{sender}/delete"
        response = requests.post(url, headers={"X-Session-Secret": secret}, timeout=10)
        assert response.status_code == 200
        assert response.json()["deleted_events"] >= 4  # session start, listen, the message, the reply
        assert places_mentioning(engine, sender) == set()  # no row of any table names the conversation
    finally:
        engine.dispose()


def test_feedback_text_is_stored_masked(stack):
    sender, secret = f"privacy-{uuid.uuid4().hex}", uuid.uuid4().hex
    stack.ask("hello", sender, metadata={"session_secret": secret, "language": "en"})
    text = "Thanks! My CPR is 010190-1234, mail anna.hansen@example.com, or call International House on +45 99 31 15 30"
    response = requests.post(
        f"{stack.web}/api/feedback", json={"session_id": sender, "rating": "up", "text": text},
        headers={"X-Session-Secret": secret}, timeout=10,
    )
    assert response.status_code == 201
    with sqlite3.connect(stack.var_dir / "tracker.db") as db:
        stored = db.execute("SELECT rating, message_text FROM feedback WHERE sender_id = ?", (sender,)).fetchall()
    assert stored == [
        ("up", "Thanks! My CPR is [CPR], mail [EMAIL], or call International House on +45 99 31 15 30")
    ]  # the content's public number stays readable


@pytest.fixture(scope="module")
def postgres_stack(tmp_path_factory) -> Iterator[tuple]:
    with fresh_postgres_url() as url:
        running = start_stack(tmp_path_factory.mktemp("var-pg"), {"TRACKER_DB_URL": url})
        try:
            yield running, url
        finally:
            code = stop_stack(running)
            time.sleep(0.5)
            assert code == 0, "\n".join(running.lines[-20:])


def test_postgresql_database_never_sees_the_raw_values(postgres_stack):
    running, url = postgres_stack
    replies = talk(running)
    assert not (running.var_dir / "tracker.db").exists()
    assert_absent(postgres_dump(url))
    assert_api_returns_masked(running, list(replies))
