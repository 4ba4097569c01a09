"""The local RabbitMQ for the event-stream tests: a connection, reading a queue, cleaning up.

RabbitMQ runs at 127.0.0.1:5672 (guest/guest) on development and CI machines; set
TEST_RABBITMQ_URL to use another. Tests fail with a clear message when it is not running.
"""

from __future__ import annotations

import json
import os
import time
import uuid
from typing import Any, Callable, Dict, List, Tuple

import pika
import pytest

RABBITMQ_URL = os.environ.get("TEST_RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:5672/")


def unique_name(prefix: str = "test_events") -> str:
    """A queue or exchange name no other test run uses."""
    return f"{prefix}_{uuid.uuid4().hex[:12]}"


def connection() -> pika.BlockingConnection:
    """A blocking connection to the test RabbitMQ, or a test failure saying it is not running."""
    try:
        return pika.BlockingConnection(pika.URLParameters(RABBITMQ_URL))
    except pika.exceptions.AMQPError as error:
        pytest.fail(
            f"RabbitMQ is not reachable at {RABBITMQ_URL} ({type(error).__name__}: {error}). The event-stream "
            "tests need it running (set TEST_RABBITMQ_URL to use another)."
        )


Messages = List[Dict[str, Any]]


def read_queue(queue: str, until: Callable[[Messages], bool], timeout: float = 15.0) -> Messages:
    """Consume a queue's messages (JSON) until ``until(messages)`` holds or ``timeout`` passes."""
    messages: Messages = []
    conn = connection()
    try:
        channel = conn.channel()
        deadline = time.monotonic() + timeout
        while not until(messages) and time.monotonic() < deadline:
            method, _, body = channel.basic_get(queue, auto_ack=True)
            if method is None:
                time.sleep(0.2)
                continue
            messages.append(json.loads(body))
    finally:
        conn.close()
    return messages


def delete(queue: str, exchange: str) -> None:
    """Delete a test queue and its exchange."""
    conn = connection()
    try:
        channel = conn.channel()
        channel.queue_delete(queue)
        channel.exchange_delete(exchange)
    finally:
        conn.close()


def drain(queue: str) -> List[Tuple[Any, Dict[str, Any]]]:
    """Take every message now in the queue: (its AMQP properties, its JSON body), in queue order."""
    got: List[Tuple[Any, Dict[str, Any]]] = []
    conn = connection()
    try:
        channel = conn.channel()
        while True:
            method, properties, body = channel.basic_get(queue, auto_ack=True)
            if method is None:
                return got
            got.append((properties, json.loads(body)))
    finally:
        conn.close()
