"""RabbitMQ away for a while: nothing lost within the bound, and the bound announced when reached.

The assistant publishes to the real RabbitMQ through a TCP proxy the test cuts
(``tests.faultproxy``), so the broker is "away" for the assistant only. One user keeps talking
over REST meanwhile.

1. An outage of :data:`OUTAGE_SECONDS` (20 s in ``make test``; set ``FAULT_OUTAGE_SECONDS=240``
   for the several-minute run docs/reliability.md records) within the bound: every stored event
   reaches the queue once the broker is back.
2. An outage that outlasts the bound (``EVENT_BROKER_BUFFER_MB`` set small): the log says so
   once, ``/metrics`` counts the dropped events, and the queue holds exactly the stored events
   minus the dropped ones.
"""

from __future__ import annotations

import json
import os
import re
import time
import uuid
from typing import Dict, List
from urllib.parse import urlsplit

import pytest
import requests
import sqlalchemy as sa

from tests.e2e.conftest import error_lines, start_stack, stop_stack
from tests.faultproxy import TcpProxy
from tests.rabbitmq import RABBITMQ_URL, connection, delete, drain, unique_name

pytestmark = pytest.mark.e2e

OUTAGE_SECONDS = float(os.environ.get("FAULT_OUTAGE_SECONDS", "20"))
#: Above phase 1's events (12 questions, about 70 kB), so the second outage fills it quickly.
BUFFER_MB = 0.25
PHASE_ONE_QUESTIONS = 12
QUESTIONS = ["When is International House open?", "How do I get a CPR number?", "Hvordan får jeg et skattekort?",
             "Wie lerne ich Dänisch?", "Jak zdobyć MitID?", "What can you do?"]


def metric(stack, name: str, **labels: str) -> float:
    text = requests.get(f"{stack.rasa}/metrics", timeout=10).text
    wanted = ",".join(f'{key}="{value}"' for key, value in sorted(labels.items()))
    pattern = re.escape(name) + (r"\{" + re.escape(wanted) + r"\}" if labels else "") + r" ([0-9.e+]+)$"
    found = re.search(pattern, text, re.MULTILINE)
    return float(found.group(1)) if found else 0.0


def talk(stack, count: int, seconds: float = 0.0) -> None:
    """One user sending ``count`` questions, spread evenly over ``seconds``; each must be answered."""
    sender = uuid.uuid4().hex
    for number in range(count):
        started = time.monotonic()
        reply = stack.ask(QUESTIONS[number % len(QUESTIONS)], sender)
        assert reply, "no answer"
        if number % 12 == 11:
            sender = uuid.uuid4().hex
        time.sleep(max(0.0, seconds / count - (time.monotonic() - started)))


def queue_count(queue: str) -> int:
    conn = connection()
    try:
        return int(conn.channel().queue_declare(queue, passive=True).method.message_count)
    finally:
        conn.close()


def stored_count(database: str) -> int:
    engine = sa.create_engine(database)
    try:
        with engine.connect() as conn:
            return int(conn.execute(sa.text("SELECT count(*) FROM events")).scalar() or 0)
    finally:
        engine.dispose()


def streamed(queue: str) -> List[Dict]:
    """The queue's events, once each (a repeat after a reconnection has the same message_id)."""
    seen = set()
    got: List[Dict] = []
    for properties, event in drain(queue):
        if properties.message_id not in seen:
            seen.add(properties.message_id)
            got.append(event)
    return got


def wait_until(condition, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.5)
    return condition()


def test_an_outage_within_the_bound_loses_nothing_and_one_beyond_it_is_announced_and_counted(tmp_path):
    connection().close()  # a clear failure when RabbitMQ is not running
    parts = urlsplit(RABBITMQ_URL)
    proxy = TcpProxy((parts.hostname or "127.0.0.1", parts.port or 5672))
    queue = unique_name("outage")
    url = parts._replace(netloc=f"{parts.username}:{parts.password}@127.0.0.1:{proxy.port}").geturl()
    database = f"sqlite:///{tmp_path / 'tracker.db'}"
    # One Rasa worker: the buffer bound, the "lost"/"full" lines and the counters are per process,
    # and this test counts them exactly (with two workers each reports its own connection).
    stack = start_stack(tmp_path, {"EVENT_BROKER_URL": url, "EVENT_BROKER_QUEUE": queue,
                                   "EVENT_BROKER_EXCHANGE": queue, "EVENT_BROKER_BUFFER_MB": str(BUFFER_MB),
                                   "TRACKER_DB_URL": database, "RASA_WORKERS": "1"})
    try:
        # Phase 1: away for OUTAGE_SECONDS, within the bound: 12 questions (about 70 kB of events).
        talk(stack, 3)
        assert wait_until(lambda: queue_count(queue) > 0, 20)
        proxy.cut()
        talk(stack, PHASE_ONE_QUESTIONS, OUTAGE_SECONDS)
        waiting = metric(stack, "assistant_event_stream_waiting", broker="rabbitmq")
        connected = metric(stack, "assistant_event_stream_connected", broker="rabbitmq")
        proxy.restore()
        assert wait_until(lambda: metric(stack, "assistant_event_stream_waiting", broker="rabbitmq") == 0, 60)
        first_stored = stored_count(database)
        first_streamed = streamed(queue)
        assert waiting > 0 and connected == 0
        assert len(first_streamed) == first_stored
        assert metric(stack, "assistant_event_stream_dropped_total", broker="rabbitmq", reason="buffer_full") == 0

        # Phase 2: away until the bound is reached, then a little longer.
        proxy.cut()
        deadline = time.monotonic() + 300
        while metric(stack, "assistant_event_stream_dropped_total", broker="rabbitmq", reason="buffer_full") == 0:
            assert time.monotonic() < deadline, "the bound was never reached"
            talk(stack, 6)
        talk(stack, 6)
        dropped = metric(stack, "assistant_event_stream_dropped_total", broker="rabbitmq", reason="buffer_full")
        proxy.restore()
        assert wait_until(lambda: metric(stack, "assistant_event_stream_waiting", broker="rabbitmq") == 0, 60)
        second_stored = stored_count(database) - first_stored
        second_streamed = streamed(queue)
        # No question asks for a contact, so no handoff event: every event is a stored one, and
        # each dropped event is exactly one stored event missing from the stream.
        assert [event for event in first_streamed + second_streamed if event["event"] == "handoff_requested"] == []
        assert dropped > 0 and second_stored - len(second_streamed) == dropped
    finally:
        code = stop_stack(stack)
        proxy.close()
        delete(queue, queue)
    assert code == 0
    full = [line for line in stack.lines if "the buffer is full" in line]
    assert len(full) == 1, full
    assert (" MB, EVENT_BROKER_BUFFER_MB); new events are dropped and counted in "
            "assistant_event_stream_dropped_total") in full[0]
    lost = [line for line in error_lines(stack.lines) if "the buffer is full" not in line]
    assert len(lost) == 2 and all("event stream: lost amqp://guest:***@127.0.0.1:" in line for line in lost), lost
    reconnected = [line for line in stack.lines if "event stream: reconnected to" in line]
    assert len(reconnected) == 2 and re.search(r"; \d+ dropped so far because the buffer was full$", reconnected[1])
    print(json.dumps({"outage_seconds": OUTAGE_SECONDS, "waiting_at_end_of_outage": waiting,
                      "stored_phase1": first_stored, "streamed_phase1": len(first_streamed),
                      "stored_phase2": second_stored, "streamed_phase2": len(second_streamed),
                      "dropped_phase2": dropped}))
