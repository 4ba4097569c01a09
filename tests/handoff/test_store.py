"""The handoff store on real SQLite and PostgreSQL: states, races, the outbox and deletion."""

from __future__ import annotations

import contextlib
import datetime as dt
import threading
from pathlib import Path
from typing import Iterator

import pytest
import sqlalchemy as sa

from bot.conversation_data import delete_conversation, delete_older_than
from bot.handoff.store import (
    ACTIVE,
    AWAITING_EMAIL,
    ENDED,
    MESSAGE_LEFT,
    OFFERED,
    WAITING,
    HandoffConflict,
    HandoffStore,
    contacts,
    outbox,
)
from tests.databases import fresh_postgres_url


@pytest.fixture(params=["sqlite", "postgresql"])
def handoffs(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[HandoffStore]:
    with (fresh_postgres_url() if request.param == "postgresql"
          else contextlib.nullcontext(f"sqlite:///{tmp_path / 'tracker.db'}")) as url:
        engine = sa.create_engine(url)
        store = HandoffStore(engine)
        store.create_tables()
        try:
            yield store
        finally:
            engine.dispose()


def test_a_live_request_queues_once_and_counts_who_waits_before(handoffs: HandoffStore) -> None:
    first = handoffs.request("s1", "socketio", "pl", "person_requested", live=True)
    again = handoffs.request("s1", "socketio", "pl", "person_requested", live=True)
    second = handoffs.request("s2", "socketio", "en", "person_requested", live=True)
    assert first.status == WAITING and again.id == first.id
    assert [handoffs.waiting_before(first), handoffs.waiting_before(second)] == [0, 1]
    assert [item.sender_id for item in handoffs.queue()] == ["s1", "s2"]
    assert handoffs.current("s1") == first and handoffs.current("nobody") is None


def test_taking_assigns_once_and_queues_the_joined_notice(handoffs: HandoffStore) -> None:
    request = handoffs.request("s1", "socketio", "pl", "person_requested", live=True)
    taken = handoffs.take(request.id, "anna", "da")
    assert (taken.status, taken.taken_by, taken.staff_language) == (ACTIVE, "anna", "da")
    with pytest.raises(HandoffConflict, match="already taken by anna"):
        handoffs.take(request.id, "ole", "en")
    pending = handoffs.pending(["s1"])
    assert [(item.kind, item.staff_name) for item in pending] == [("joined", "anna")]
    assert taken.silences_bot


def test_two_staff_taking_at_once_get_exactly_one_winner(handoffs: HandoffStore) -> None:
    request = handoffs.request("s1", "socketio", "en", "person_requested", live=True)
    winners, barrier = [], threading.Barrier(6)

    def grab(name: str) -> None:
        barrier.wait()
        with contextlib.suppress(HandoffConflict):
            winners.append(handoffs.take(request.id, name, "en").taken_by)

    threads = [threading.Thread(target=grab, args=(f"staff{index}",)) for index in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(winners) == 1
    assert handoffs.get(request.id).taken_by == winners[0]  # type: ignore[union-attr]


def test_only_the_holder_can_write_or_hand_back(handoffs: HandoffStore) -> None:
    request = handoffs.request("s1", "socketio", "en", "person_requested", live=True)
    with pytest.raises(HandoffConflict, match="waiting"):
        handoffs.send(request.id, "anna", "hello")
    handoffs.take(request.id, "anna", "en")
    with pytest.raises(HandoffConflict, match="with anna"):
        handoffs.send(request.id, "ole", "hello")
    handoffs.send(request.id, "anna", "Hello, I am Anna.")
    handoffs.hand_back(request.id, "anna")
    ended = handoffs.get(request.id)
    assert ended is not None and (ended.status, ended.end_reason) == (ENDED, "handed_back")
    assert [(item.kind, item.text) for item in handoffs.pending(["s1"])] == [
        ("joined", None), ("message", "Hello, I am Anna."), ("ended", "handed_back"),
    ]
    assert handoffs.current("s1") is None


def test_a_claimed_row_is_delivered_by_one_worker_and_its_text_goes(handoffs: HandoffStore) -> None:
    request = handoffs.request("s1", "socketio", "en", "person_requested", live=True)
    handoffs.take(request.id, "anna", "en")
    item_id = handoffs.send(request.id, "anna", "My CPR is not needed here.")
    assert handoffs.claim(item_id, "w1") and not handoffs.claim(item_id, "w2")
    assert item_id not in [item.id for item in handoffs.pending(["s1"])]
    handoffs.release(item_id)
    assert item_id in [item.id for item in handoffs.pending(["s1"])]
    assert handoffs.claim(item_id, "w2")
    handoffs.delivered(item_id)
    with handoffs.engine.connect() as connection:
        row = connection.execute(sa.select(outbox).where(outbox.c.id == item_id)).one()
    assert row.text is None and row.delivered_at is not None and row.claimed_by == "w2"
    assert handoffs.undelivered_count(request.id) == 0


def test_the_email_path_keeps_the_address_apart_until_answered(handoffs: HandoffStore) -> None:
    request = handoffs.request("s1", "rest", "da", "person_requested", live=False)
    assert request.status == OFFERED
    assert not handoffs.leave_message(request.id, "s1", "ana@example.com")  # no consent yet
    assert handoffs.set_status(request.id, OFFERED, AWAITING_EMAIL)
    assert handoffs.leave_message(request.id, "s1", "ana@example.com")
    assert handoffs.get(request.id).status == MESSAGE_LEFT  # type: ignore[union-attr]
    assert handoffs.current("s1") is None  # the chat is the assistant's again
    assert handoffs.contact_email(request.id, "anna") is None  # not taken: nobody sees it
    handoffs.take(request.id, "anna", "da")
    assert handoffs.get(request.id).status == MESSAGE_LEFT  # type: ignore[union-attr]
    assert handoffs.contact_email(request.id, "anna") == "ana@example.com"
    assert handoffs.contact_email(request.id, "ole") is None
    assert handoffs.pending(["s1"]) == []  # no chat notice for an e-mail reply
    handoffs.answered(request.id, "anna")
    with handoffs.engine.connect() as connection:
        assert connection.execute(sa.select(sa.func.count()).select_from(contacts)).scalar() == 0


def test_a_new_request_replaces_an_unanswered_offer(handoffs: HandoffStore) -> None:
    offer = handoffs.request("s1", "socketio", "en", "person_requested", live=False)
    live = handoffs.request("s1", "socketio", "en", "person_requested", live=True)
    assert live.id != offer.id and live.status == WAITING
    assert handoffs.get(offer.id).end_reason == "superseded"  # type: ignore[union-attr]


def test_silent_requests_end_and_live_ones_get_a_notice(handoffs: HandoffStore) -> None:
    waiting = handoffs.request("s1", "socketio", "en", "person_requested", live=True)
    active = handoffs.request("s2", "socketio", "en", "person_requested", live=True)
    handoffs.take(active.id, "anna", "en")
    offered = handoffs.request("s3", "socketio", "en", "person_requested", live=False)
    assert handoffs.expire_silent(10) == []  # all fresh
    later = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None) + dt.timedelta(minutes=11)
    ended = handoffs.expire_silent(10, now=later)
    assert sorted(item.id for item in ended) == sorted([waiting.id, active.id, offered.id])
    assert handoffs.expire_silent(10, now=later) == []  # once
    kinds = [(item.sender_id, item.kind, item.text) for item in handoffs.pending(["s1", "s2", "s3"])]
    assert ("s1", "ended", "timeout") in kinds and ("s2", "ended", "timeout") in kinds
    assert not [kind for kind in kinds if kind[0] == "s3"]


def test_deleting_a_conversation_removes_its_handoff_rows(handoffs: HandoffStore) -> None:
    request = handoffs.request("s1", "socketio", "en", "person_requested", live=False)
    handoffs.set_status(request.id, OFFERED, AWAITING_EMAIL)
    handoffs.leave_message(request.id, "s1", "ana@example.com")
    other = handoffs.request("s2", "socketio", "en", "person_requested", live=True)
    handoffs.take(other.id, "anna", "en")
    deleted = delete_conversation(handoffs.engine, "s1")
    assert (deleted["handoffs"], deleted["handoff_contacts"]) == (1, 1)
    assert handoffs.get(request.id) is None and handoffs.get(other.id) is not None
    future = dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=1)
    delete_older_than(handoffs.engine, future)
    assert handoffs.get(other.id) is None and handoffs.pending(["s2"]) == []
