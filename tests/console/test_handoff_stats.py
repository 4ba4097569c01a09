"""Requests for a person per day in the analytics, on SQLite and PostgreSQL."""

from __future__ import annotations

import contextlib
import datetime as dt
from pathlib import Path
from typing import Iterator, Optional

import pytest
import sqlalchemy as sa

from bot.console import analytics, handoff_stats
from bot.console.non_answers import turn_class
from bot.console.transcripts import Turn
from bot.handoff.store import AWAITING_EMAIL, OFFERED, HandoffStore, handoffs
from tests.databases import fresh_postgres_url

DAY = dt.date(2026, 11, 30)


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[sa.engine.Engine]:
    with (fresh_postgres_url() if request.param == "postgresql"
          else contextlib.nullcontext(f"sqlite:///{tmp_path / 'tracker.db'}")) as url:
        created = sa.create_engine(url)
        try:
            yield created
        finally:
            created.dispose()


def at(day: dt.date, hour: int, minute: int = 0, second: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute, second))


def set_times(store: HandoffStore, handoff_id: int, created: dt.datetime, taken: Optional[dt.datetime] = None) -> None:
    with store.engine.begin() as connection:
        connection.execute(handoffs.update().where(handoffs.c.id == handoff_id).values(
            created_at=created, taken_at=taken))


def test_requests_taken_waits_and_outcomes_per_day(engine: sa.engine.Engine) -> None:
    store = HandoffStore(engine)
    store.create_tables()
    # Day 1: three live requests (two taken after 60 s and 120 s; one timed out), one e-mail path.
    first = store.request("a", "socketio", "pl", "person_requested", live=True)
    store.take(first.id, "anna", "en")
    store.hand_back(first.id, "anna")
    set_times(store, first.id, at(DAY, 9), at(DAY, 9, 1))
    second = store.request("b", "socketio", "en", "person_requested", live=True)
    store.take(second.id, "ole", "da")
    set_times(store, second.id, at(DAY, 10), at(DAY, 10, 2))
    third = store.request("c", "socketio", "pl", "person_requested", live=True)
    store.end(third.id, "timeout")
    set_times(store, third.id, at(DAY, 11))
    left = store.request("d", "rest", "de", "person_requested", live=False)
    store.set_status(left.id, OFFERED, AWAITING_EMAIL)
    store.leave_message(left.id, "d", "d@example.org")
    set_times(store, left.id, at(DAY, 20))
    # Day 2: one offer declined.
    declined = store.request("e", "rest", "en", "person_requested", live=False)
    store.end(declined.id, "declined")
    set_times(store, declined.id, at(DAY + dt.timedelta(days=1), 8))

    days = handoff_stats.per_day(engine, [DAY, DAY + dt.timedelta(days=1), DAY + dt.timedelta(days=2)])
    first_day, second_day, empty = days
    assert (first_day.requests, first_day.live, first_day.taken, first_day.messages_left) == (4, 3, 2, 1)
    assert first_day.median_wait_seconds == 90.0
    assert first_day.handled_share == pytest.approx(2 / 3)
    assert dict(first_day.outcomes) == {"handed_back": 1, "active": 1, "timeout": 1, "message_left": 1}
    assert (second_day.requests, second_day.live, dict(second_day.outcomes)) == (1, 0, {"declined": 1})
    assert second_day.handled_share is None
    assert (empty.requests, empty.outcomes, empty.median_wait_seconds) == (0, (), None)
    polish = handoff_stats.per_day(engine, [DAY], language="pl")[0]
    assert (polish.requests, polish.taken) == (2, 1)

    numbers = analytics.compute(engine, DAY, DAY + dt.timedelta(days=1))
    rows = analytics.to_csv(numbers).splitlines()
    for expected in ("handoff_requests_per_day,2026-11-30,4", "handoff_taken_per_day,2026-11-30,2",
                     "handoff_handled_share_per_day,2026-11-30,0.6667",
                     "handoff_median_wait_seconds_per_day,2026-11-30,90.0",
                     "handoff_messages_left_per_day,2026-11-30,1",
                     "handoff_outcome_per_day,2026-11-30 timeout,1", "handoff_outcome_per_day,2026-12-01 declined,1"):
        assert expected in rows


def test_without_the_table_every_day_is_zero(engine: sa.engine.Engine) -> None:
    assert handoff_stats.per_day(engine, [DAY]) == (handoff_stats.HandoffDay(DAY),)


def test_handoff_replies_are_not_questions_for_the_assistant() -> None:
    turn = Turn(1, 0.0, "I want a person", "request_human", 0.9, [], None, "en", "socketio",
                replies=["queued"], reply_metadata=[{"outcome": "handoff"}])
    assert turn_class(turn) is None
    turn.reply_metadata.append({"outcome": "answer"})
    assert turn_class(turn) == "answered"
