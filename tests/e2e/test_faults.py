"""Nothing is lost when PostgreSQL, Redis and RabbitMQ drop their connections under load.

The assistant runs as in production: PostgreSQL tracker store (a fresh database), two Rasa
workers sharing their locks in Redis, the event stream on RabbitMQ (a fresh exchange and queue).
Ten simulated users (``bench/load.py``, held-out sentences in eight languages) talk to it over
REST for :data:`LOAD_SECONDS`, and three faults are injected once each, as the issue that asked
for this test did:

* ``pg_terminate_backend`` on every connection to the database (a failover, an idle cut);
* ``CLIENT KILL TYPE normal`` on Redis (a restart, from the clients' side);
* ``rabbitmqctl close_all_connections`` (a broker restart, from the clients' side).

Then the stack is stopped (its outboxes deliver what waits) and the test asserts: no user saw
an error; every answered user message is stored, in order; every stored event is on the stream
once (by ``message_id``), in the stored order; the only ERROR lines are the one-line notices
that the broker connection was lost. docs/reliability.md records one run's figures.
"""

from __future__ import annotations

import asyncio
import json
import re
import shutil
import subprocess
import sys
import threading
import time
import uuid
from collections import defaultdict
from pathlib import Path
from typing import Any, Dict, List, Tuple

import pytest
import redis
import sqlalchemy as sa

from tests.databases import fresh_postgres_url, terminate_connections
from tests.e2e.conftest import ROOT, start_stack, stop_stack
from tests.rabbitmq import RABBITMQ_URL, connection, delete, drain, unique_name

sys.path.insert(0, str(ROOT / "bench"))
from load import load_examples, run_users

pytestmark = pytest.mark.e2e

REDIS_URL = "redis://127.0.0.1:6379/3"
USERS = 10
LOAD_SECONDS = 45.0
#: Seconds after the load starts at which each fault is injected.
FAULTS = {"postgresql": 10.0, "redis": 20.0, "rabbitmq": 30.0}
#: ERROR lines a fault may cause: the outbox's one line per process when the broker connection broke.
EXPECTED_ERRORS = re.compile(r"event stream: lost amqp://guest:\*\*\*@")
#: SQLAlchemy's own ERROR when it cannot roll back, on return to the pool, a connection that the
#: PostgreSQL fault broke; the store then works on a fresh connection (nothing is lost: checked
#: above). Seen once in three full runs (2026-12-05), depending on when the fault hits a turn.
POOL_RESET_NOISE = re.compile(r"sqlalchemy\.pool\.impl\.QueuePool +- Exception during reset or similar")


def kill_redis_clients() -> int:
    client = redis.Redis.from_url(REDIS_URL)
    try:
        return int(client.client_kill_filter(_type="normal", skipme=True))
    finally:
        client.close()


def close_rabbitmq_connections() -> str:
    result = subprocess.run(["rabbitmqctl", "close_all_connections", "fault test (tests/e2e/test_faults.py)"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def read_stream(queue: str) -> List[Tuple[str, Any, Dict[str, Any]]]:
    """(message_id, event_id header, event) of every message in the queue."""
    return [(properties.message_id, (properties.headers or {}).get("event_id"), event)
            for properties, event in drain(queue)]


def stored_events(url: str) -> Dict[str, List[Tuple[int, Dict[str, Any]]]]:
    """Each conversation's (row id, event), in the order stored."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(sa.text("SELECT id, sender_id, data FROM events ORDER BY id")).all()
    finally:
        engine.dispose()
    events: Dict[str, List[Tuple[int, Dict[str, Any]]]] = defaultdict(list)
    for event_id, sender, data in rows:
        events[sender].append((int(event_id), json.loads(data)))
    return events


def turns_per_process(metrics_dir: Path) -> Dict[str, float]:
    """``assistant_turns_total`` of each process, from prometheus-client's multiprocess files."""
    from prometheus_client.mmap_dict import MmapedDict

    turns: Dict[str, float] = {}
    for path in sorted(metrics_dir.glob("counter_*.db")):
        values = MmapedDict(str(path), read_mode=True)
        try:
            turns[path.stem] = sum(value for key, value, _ in values.read_all_values()
                                   if json.loads(key)[0] == "assistant_turns")
        finally:
            values.close()
    return turns


@pytest.fixture(scope="module")
def services():
    """Fail with a clear message when a service or rabbitmqctl is missing."""
    connection().close()
    try:
        redis.Redis.from_url(REDIS_URL).ping()
    except redis.RedisError as error:
        pytest.fail(f"Redis is not reachable at {REDIS_URL}: {error}")
    if shutil.which("rabbitmqctl") is None:
        pytest.fail("rabbitmqctl is not on PATH: the fault test closes RabbitMQ's connections with it")


def test_three_faults_under_load_lose_nothing(services, tmp_path):
    queue = unique_name("faults")
    with fresh_postgres_url() as database:
        env = {"TRACKER_DB_URL": database, "REDIS_URL": REDIS_URL, "RASA_WORKERS": "2",
               "EVENT_BROKER_URL": RABBITMQ_URL, "EVENT_BROKER_QUEUE": queue, "EVENT_BROKER_EXCHANGE": queue}
        stack = start_stack(tmp_path, env)
        injected: Dict[str, Any] = {}
        try:
            def inject() -> None:
                started = time.monotonic()
                for fault, at in FAULTS.items():
                    time.sleep(max(0.0, at - (time.monotonic() - started)))
                    if fault == "postgresql":
                        injected[fault] = terminate_connections(database)
                    elif fault == "redis":
                        injected[fault] = kill_redis_clients()
                    else:
                        injected[fault] = close_rabbitmq_connections()

            injector = threading.Thread(target=inject, daemon=True)
            injector.start()
            samples = asyncio.run(run_users(f"{stack.rasa}/webhooks/rest/webhook", load_examples(), USERS,
                                            LOAD_SECONDS, seed=uuid.uuid4().int % 1000, keepalive=False))
            injector.join(timeout=30)
        finally:
            code = stop_stack(stack)
            (tmp_path / "stack.log").write_text("\n".join(stack.lines))  # for a look after a failure
        try:
            assert code == 0, "\n".join(stack.lines[-30:])
            stored = stored_events(database)
            streamed = read_stream(queue)
        finally:
            delete(queue, queue)

    # The faults happened: connections were there to cut. Both Rasa workers answered users.
    assert injected["postgresql"] >= 2 and injected["redis"] >= 2, injected
    turns = turns_per_process(tmp_path / "metrics" / "rasa")
    assert len([count for count in turns.values() if count > 0]) == 2, turns
    summary = samples.summary()
    # 1. No user saw an error.
    assert samples.failures == [], samples.failures[:5]
    assert summary["messages"] > 200, summary

    # 2. Every answered user message is stored, in the order it was sent.
    sent: Dict[str, List[str]] = defaultdict(list)
    for sender, text in samples.answered:
        sent[sender].append(text)
    users_stored = {sender: [e["text"] for _, e in events if e["event"] == "user"] for sender, events in stored.items()}
    assert {sender: texts for sender, texts in users_stored.items() if texts} == dict(sent)

    # 3. Every stored event is on the stream once (repeats dropped by message_id), with its row id
    #    in the event_id header; ordered by it, each conversation reads as stored. Each worker
    #    publishes in its own order; consecutive turns of one conversation handled by different
    #    workers can leave the queue swapped while one of them reconnects (counted below).
    seen = set()
    on_stream: Dict[str, List[Tuple[int, Dict[str, Any]]]] = defaultdict(list)
    repeats = 0
    for message_id, event_id, event in streamed:
        if message_id in seen:
            repeats += 1
            continue
        seen.add(message_id)
        if event["event"] != "handoff_requested":  # derived by the stream, not stored
            on_stream[event.pop("sender_id")].append((event_id, event))
    total = sum(len(events) for events in stored.values())
    assert set(on_stream) == set(stored), (len(seen), total)
    swapped = 0
    for sender, events in stored.items():
        assert sorted(on_stream[sender], key=lambda pair: pair[0]) == events, sender
        swapped += [event_id for event_id, _ in on_stream[sender]] != [event_id for event_id, _ in events]

    # 4. The only ERROR lines are the outbox's notices of the broken broker connection.
    errors = [line for line in stack.lines if " ERROR " in line or "| error" in line.lower()]
    errors = [line for line in errors if not POOL_RESET_NOISE.search(line)]
    assert [line for line in errors if not EXPECTED_ERRORS.search(line)] == []
    assert 1 <= len(errors) <= 3, errors  # one per process that was publishing (two Rasa workers, the web app)
    assert not [line for line in stack.lines if "Falling back" in line or "failed Pika event" in line]
    print(json.dumps({"load": summary, "turns_per_worker": sorted(turns.values()), "faults": injected,
                      "stored_events": total, "stream_repeats": repeats,
                      "conversations_swapped_in_queue": swapped,
                      "stream_bytes": sum(len(json.dumps(event)) for _, _, event in streamed),
                      "conversations": len(stored), "error_lines": len(errors)}))
