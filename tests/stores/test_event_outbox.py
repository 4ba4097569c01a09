"""The event stream survives a broker that goes away: real RabbitMQ behind a proxy the test cuts.

Every test publishes through the project's broker (``create_event_broker``) to a fresh exchange
and queue, takes RabbitMQ away by resetting its connections (``tests.faultproxy``) or by
``rabbitmqctl close_all_connections``-style server-side closes, and reads the queue afterwards:
the events must all be there, once each (by ``message_id``), in the order they were published.
RabbitMQ must run at 127.0.0.1:5672 (guest/guest; TEST_RABBITMQ_URL to change).
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from typing import Any, Dict, List, Tuple
from urllib.parse import urlsplit

import pika
import pytest

from bot import metrics
from bot.settings import EventBrokerSettings
from bot.stores import outbox as outbox_module
from bot.stores.event_broker import ConfiguredEventBroker, create_event_broker
from tests.faultproxy import TcpProxy
from tests.rabbitmq import RABBITMQ_URL, connection, delete, unique_name


def sample(name: str, **labels: str) -> float:
    value = metrics.REGISTRY.get_sample_value(name, labels or None)
    return float(value or 0.0)


@pytest.fixture()
def queue():
    connection().close()  # a clear failure when RabbitMQ is not running
    name = unique_name("outbox")
    yield name
    delete(name, name)


@pytest.fixture()
def proxy():
    parts = urlsplit(RABBITMQ_URL)
    running = TcpProxy((parts.hostname or "127.0.0.1", parts.port or 5672))
    yield running
    running.close()


def proxied_url(proxy: TcpProxy) -> str:
    parts = urlsplit(RABBITMQ_URL)
    netloc = f"{parts.username}:{parts.password}@127.0.0.1:{proxy.port}"
    return parts._replace(netloc=netloc).geturl()


def read_all(queue: str, count: int, timeout: float = 20.0) -> List[Tuple[Dict[str, Any], Any]]:
    """(event, properties) of every message, until ``count`` arrived or ``timeout`` passed."""
    got: List[Tuple[Dict[str, Any], Any]] = []
    conn = connection()
    try:
        channel = conn.channel()
        deadline = time.monotonic() + timeout
        while len(got) < count and time.monotonic() < deadline:
            method, properties, body = channel.basic_get(queue, auto_ack=True)
            if method is None:
                time.sleep(0.1)
                continue
            got.append((json.loads(body), properties))
        time.sleep(0.3)
        while True:  # anything beyond ``count`` is a duplicate or an error: collect it too
            method, properties, body = channel.basic_get(queue, auto_ack=True)
            if method is None:
                break
            got.append((json.loads(body), properties))
    finally:
        conn.close()
    return got


def event(number: int) -> Dict[str, Any]:
    return {"event": "user", "sender_id": f"s{number % 3}", "text": f"message {number}", "timestamp": float(number)}


def test_events_published_while_rabbitmq_is_away_arrive_in_order_once_it_is_back(queue, proxy, caplog):
    config = EventBrokerSettings(url=proxied_url(proxy), queues=(queue,), exchange=queue, connect_timeout=5)
    disconnects = sample("assistant_event_stream_disconnects_total", broker="rabbitmq")

    async def scenario() -> Dict[str, Any]:
        broker = await create_event_broker(config)
        assert isinstance(broker, ConfiguredEventBroker)
        for number in range(10):
            broker.publish(event(number))
        assert await broker.outbox.drain(10)
        proxy.cut()
        for number in range(10, 60):
            broker.publish(event(number))
            await asyncio.sleep(0.02)
        waiting_while_away = broker.outbox.waiting
        ready_while_away = broker.is_ready()
        proxy.restore()
        delivered = await broker.outbox.drain(30)
        await broker.close()
        return {"waiting": waiting_while_away, "ready": ready_while_away, "delivered": delivered}

    with caplog.at_level(logging.INFO, logger="bot.stores.outbox"):
        outcome = asyncio.run(scenario())
    got = read_all(queue, 60)
    assert outcome == {"waiting": 50, "ready": False, "delivered": True}
    ids = [properties.message_id for _, properties in got]
    unique = [body for index, (body, _) in enumerate(got) if ids.index(ids[index]) == index]
    assert unique == [event(number) for number in range(60)]
    assert all(properties.content_type == "application/json" and properties.delivery_mode == 2 for _, properties in got)
    # The project's own errors only: a socket.io client left by an earlier end-to-end test may log
    # "packet queue is empty, aborting" (engineio) into the same root logger while this test runs
    # (seen once in three full runs).
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR and r.name.startswith("bot.")]
    assert len(errors) == 1 and errors[0].startswith("event stream: lost amqp://guest:***@127.0.0.1:"), errors
    assert any(r.getMessage().startswith("event stream: reconnected to ") for r in caplog.records)
    assert "guest:guest" not in caplog.text
    assert sample("assistant_event_stream_disconnects_total", broker="rabbitmq") == disconnects + 1


def test_a_server_side_close_is_survived_too(queue):
    """What ``rabbitmqctl close_all_connections`` does: RabbitMQ closes the connection itself."""
    config = EventBrokerSettings(url=RABBITMQ_URL, queues=(queue,), exchange=queue, connect_timeout=5)

    async def scenario() -> None:
        broker = await create_event_broker(config)
        assert broker is not None
        broker.publish(event(0))
        assert await broker.outbox.drain(10)
        await broker.outbox.call(broker.outbox.transport._connection.close())  # type: ignore[attr-defined]
        for number in range(1, 20):
            broker.publish(event(number))
        assert await broker.outbox.drain(20)
        await broker.close()

    asyncio.run(scenario())
    got = read_all(queue, 20)
    bodies = {properties.message_id: body for body, properties in got}
    assert sorted(bodies.values(), key=lambda body: body["timestamp"]) == [event(n) for n in range(20)]
    assert [body for body, _ in got][:1] == [event(0)]


def test_the_bound_drops_new_events_counts_them_and_says_so_once(queue, proxy, caplog, monkeypatch):
    body_size = len(json.dumps(event(10)).encode())
    config = EventBrokerSettings(url=proxied_url(proxy), queues=(queue,), exchange=queue, connect_timeout=5,
                                 buffer_mb=(body_size * 20 + 5) / 1e6)  # room for 20 events
    dropped = sample("assistant_event_stream_dropped_total", broker="rabbitmq", reason="buffer_full")

    async def scenario() -> int:
        broker = await create_event_broker(config)
        assert broker is not None
        proxy.cut()
        await asyncio.sleep(0.2)
        for number in range(10, 40):
            broker.publish(event(number))
        kept = broker.outbox.waiting
        proxy.restore()
        assert await broker.outbox.drain(30)
        await broker.close()
        return kept

    with caplog.at_level(logging.INFO, logger="bot.stores.outbox"):
        kept = asyncio.run(scenario())
    assert kept == 20
    got = read_all(queue, 20)
    assert [body for body, _ in got] == [event(number) for number in range(10, 30)]
    assert sample("assistant_event_stream_dropped_total", broker="rabbitmq", reason="buffer_full") == dropped + 10
    full = [r.getMessage() for r in caplog.records if "the buffer is full" in r.getMessage()]
    assert len(full) == 1 and "(20 events," in full[0], full
    reconnected = [r.getMessage() for r in caplog.records if r.getMessage().startswith("event stream: reconnected")]
    assert reconnected and reconnected[-1].endswith("; 10 dropped so far because the buffer was full")


def test_closing_while_rabbitmq_is_away_is_bounded_and_counts_what_is_left(queue, proxy, caplog, monkeypatch):
    monkeypatch.setattr("bot.stores.event_broker.CLOSE_TIMEOUT", 1.0)
    config = EventBrokerSettings(url=proxied_url(proxy), queues=(queue,), exchange=queue, connect_timeout=5)
    left_before = sample("assistant_event_stream_dropped_total", broker="rabbitmq", reason="shutdown")

    async def scenario() -> float:
        broker = await create_event_broker(config)
        assert broker is not None
        proxy.cut()
        for number in range(5):
            broker.publish(event(number))
        started = time.monotonic()
        await broker.close()
        return time.monotonic() - started

    with caplog.at_level(logging.ERROR, logger="bot.stores.outbox"):
        seconds = asyncio.run(scenario())
    assert seconds < 8
    assert sample("assistant_event_stream_dropped_total", broker="rabbitmq", reason="shutdown") == left_before + 5
    assert any(r.getMessage().startswith("event stream: 5 event(s) not delivered to amqp://guest:***@")
               for r in caplog.records)


def test_backoff_doubles_up_to_its_ceiling():
    assert outbox_module.FIRST_BACKOFF == 0.5 and outbox_module.MAX_BACKOFF == 30.0


def test_pika_client_sees_unique_message_ids(queue):
    config = EventBrokerSettings(url=RABBITMQ_URL, queues=(queue,), exchange=queue, connect_timeout=5)

    async def scenario() -> None:
        broker = await create_event_broker(config)
        assert broker is not None
        for number in range(3):
            broker.publish(event(number))
        await broker.close()

    asyncio.run(scenario())
    got = read_all(queue, 3)
    ids = [properties.message_id for _, properties in got]
    assert len(set(ids)) == 3 and all(isinstance(value, str) and value for value in ids)
    prefix = {value.rsplit("-", 1)[0] for value in ids}
    assert len(prefix) == 1 and [int(value.rsplit("-", 1)[1]) for value in ids] == [1, 2, 3]
    assert isinstance(pika.BasicProperties, type)
