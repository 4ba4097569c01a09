"""Conversation owners (issue #19): one atomic binding per conversation, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import json
import threading
from typing import List

import pytest
import sqlalchemy as sa

from bot.channels.ownership import proves_owner, refusal
from bot.conversation_data import delete_conversation, delete_older_than
from bot.privacy import hash_secret
from bot.stores.owners import Owner, OwnerRegistry, owners
from tests.databases import database_url

A = hash_secret("secret-a")
NOT_YOURS = "this conversation belongs to another client: its session secret is required"
B = hash_secret("secret-b")


@pytest.fixture(params=["sqlite", "postgresql"])
def registry(request, tmp_path):
    with database_url(request.param, tmp_path) as url:
        engine = sa.create_engine(url)
        created = OwnerRegistry(engine)
        created.create_table()
        yield created
        engine.dispose()


def test_the_first_claim_binds_and_later_claims_do_not_replace_it(registry):
    assert registry.get("s1") is None
    assert registry.claim("s1", "socketio", A) == Owner("socketio", A)
    assert registry.claim("s1", "socketio", B) == Owner("socketio", A)
    assert registry.claim("s1", "rest", None) == Owner("socketio", A)
    assert registry.get("s1") == Owner("socketio", A)


def test_parallel_first_messages_bind_exactly_one_owner(registry):
    hashes = [hash_secret(f"secret-{n}") for n in range(8)]
    results: List[Owner] = []
    barrier = threading.Barrier(len(hashes))

    def claim(secret_hash: str) -> None:
        barrier.wait()
        results.append(registry.claim("race", "socketio", secret_hash))

    threads = [threading.Thread(target=claim, args=(h,)) for h in hashes]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 8
    assert len(set(results)) == 1
    assert results[0].secret_hash in hashes
    with registry.engine.connect() as connection:
        assert connection.execute(sa.select(sa.func.count()).select_from(owners)).scalar_one() == 1


def test_a_conversation_older_than_the_table_takes_its_owner_from_its_events(registry):
    with registry.engine.begin() as connection:
        connection.execute(sa.text(
            "CREATE TABLE events (id INTEGER PRIMARY KEY, sender_id VARCHAR(255), type_name VARCHAR(255),"
            " timestamp FLOAT, intent_name VARCHAR(255), action_name VARCHAR(255), data TEXT)"
        ))
        rows = [
            {"id": 1, "data": {"event": "user", "input_channel": "socketio", "metadata": {}}},
            {"id": 2, "data": {"event": "user", "input_channel": "socketio",
                               "metadata": {"session_secret_hash": A}}},
        ]
        for row in rows:
            connection.execute(
                sa.text("INSERT INTO events (id, sender_id, type_name, timestamp, data)"
                        " VALUES (:id, 'old', 'user', 1.0, :data)"),
                {"id": row["id"], "data": json.dumps(row["data"])},
            )
    assert registry.get("old") == Owner("socketio", A)
    assert registry.claim("old", "socketio", B) == Owner("socketio", A)
    with registry.engine.connect() as connection:  # written down on first use
        stored = connection.execute(sa.select(owners.c.secret_hash).where(owners.c.sender_id == "old")).scalar_one()
    assert stored == A


def test_the_owner_goes_with_the_conversation_and_with_retention(registry):
    registry.claim("deleted", "socketio", A)
    registry.claim("expired", "rest", None)
    registry.claim("kept", "rest", None)
    with registry.engine.begin() as connection:
        connection.execute(owners.update().where(owners.c.sender_id == "expired")
                           .values(created_at=dt.datetime(2020, 1, 1)))
    assert delete_conversation(registry.engine, "deleted")["conversation_owners"] == 1
    assert delete_older_than(registry.engine, dt.datetime(2024, 1, 1)).rows["conversation_owners"] == 1
    assert registry.get("deleted") is None
    assert registry.get("expired") is None
    assert registry.get("kept") == Owner("rest", None)


@pytest.mark.parametrize(
    ("owner", "channel", "secret_hash", "reason"),
    [
        (Owner("socketio", A), "socketio", A, None),
        (Owner("socketio", A), "socketio", B, NOT_YOURS),
        (Owner("socketio", A), "socketio", None, NOT_YOURS),
        (Owner("socketio", A), "rest", A, "this conversation belongs to another channel"),
        (Owner("rest", None), "rest", None, None),
        (Owner("rest", None), "rest", B, None),
        (Owner("telegram", None), "rest", None, "this conversation belongs to another channel"),
        (Owner("telegram", None), "telegram", None, None),
    ],
)
def test_the_owner_rule(owner, channel, secret_hash, reason):
    assert refusal(owner, channel, secret_hash) == reason


def test_only_a_secret_bound_conversation_can_be_rejoined():
    assert proves_owner(Owner("socketio", A), "socketio", A)
    assert not proves_owner(Owner("socketio", A), "socketio", B)
    assert not proves_owner(Owner("socketio", None), "socketio", None)
    assert not proves_owner(Owner("rest", A), "socketio", A)
    assert not proves_owner(None, "socketio", A)
