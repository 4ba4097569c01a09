"""Connections to RabbitMQ and Kafka that confirm every message, for :mod:`bot.stores.outbox`.

Each transport sends one message at a time and returns only when the broker has it (RabbitMQ:
a publisher confirm; Kafka: a delivery report). A failure raises, and the outbox reconnects and
sends the same message again. Rasa's own brokers are not used for sending: its RabbitMQ broker
publishes each event from a separate task (no order) and, after a broker restart, did not
reconnect and dropped every later event (issue #20); its Kafka broker's retries block the caller.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from concurrent.futures import ThreadPoolExecutor
from typing import Any, List, Optional, Sequence, Tuple

from bot.stores.outbox import OutboxItem

#: Seconds a connection attempt and a single send may take before they count as failed.
IO_TIMEOUT = 10.0


class _OneLinePerOutage(logging.Filter):
    """Drops aiormq's own ERROR for a connection RabbitMQ closed.

    The outbox logs the loss once, with the reason, and says when it reconnected: an operator
    reads one line per outage, not two.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith("Unexpected connection close from remote")


_AIORMQ_FILTER = _OneLinePerOutage()


class AmqpTransport:
    """A RabbitMQ connection publishing to a fanout exchange with publisher confirms."""

    kind = "rabbitmq"

    def __init__(self, url: str, exchange: str, queues: Sequence[str], description: str) -> None:
        """Remember where to publish (nothing is opened yet).

        Args:
            url: ``amqp://`` or ``amqps://`` URL with credentials.
            exchange: The fanout exchange (declared as Rasa declares it: not durable).
            queues: Durable queues bound to the exchange.
            description: Where events go, without secrets (for logs).
        """
        self.url = url
        self.exchange_name = exchange
        self.queues = list(queues)
        self.description = description
        self.connect_timeout = IO_TIMEOUT
        self._connection: Any = None
        self._exchange: Any = None

    async def connect(self) -> None:
        """Open a connection and a confirming channel; declare the exchange and bind the queues."""
        import aio_pika

        aiormq_logger = logging.getLogger("aiormq.connection")
        if _AIORMQ_FILTER not in aiormq_logger.filters:
            aiormq_logger.addFilter(_AIORMQ_FILTER)
        await self.close()
        # Not connect_robust: the outbox decides when and how to reconnect, and resends in order.
        self._connection = await aio_pika.connect(self.url, timeout=self.connect_timeout)
        try:
            channel = await self._connection.channel(publisher_confirms=True)
            exchange = await channel.declare_exchange(self.exchange_name, type=aio_pika.ExchangeType.FANOUT)
            for name in self.queues:
                queue = await channel.declare_queue(name, durable=True)
                await queue.bind(exchange, "")
        except BaseException:
            await self.close()
            raise
        self._exchange = exchange

    async def send(self, items: Sequence[OutboxItem]) -> Tuple[int, Optional[BaseException]]:
        """Publish events in order, then wait for RabbitMQ's confirms of all of them.

        The publishes are started in order; aiormq writes each under its channel's lock, which
        serves waiters first come, first served, so the frames leave in the same order.

        Returns:
            How many events from the start RabbitMQ confirmed, and what stopped the others.
        """
        import aio_pika
        from pamqp.commands import Basic

        if self._exchange is None:
            return 0, ConnectionError("not connected")
        exchange = self._exchange
        app_id = os.environ.get("RASA_ENVIRONMENT")
        tasks = [
            asyncio.ensure_future(exchange.publish(
                aio_pika.Message(
                    item.body, content_type="application/json", message_id=item.message_id, app_id=app_id,
                    delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
                    headers={} if item.event_id is None else {"event_id": item.event_id},
                ),
                routing_key="",
                timeout=IO_TIMEOUT,
            ))
            for item in items
        ]
        results = await asyncio.gather(*tasks, return_exceptions=True)
        for index, result in enumerate(results):
            if isinstance(result, BaseException):
                return index, result
            if not isinstance(result, Basic.Ack):
                return index, ConnectionError(f"RabbitMQ did not take the message: {type(result).__name__}")
        return len(results), None

    async def close(self) -> None:
        """Close the connection, if any (errors of an already broken connection are ignored)."""
        connection, self._connection, self._exchange = self._connection, None, None
        if connection is not None:
            with contextlib.suppress(Exception):  # the connection is gone either way
                await asyncio.wait_for(connection.close(), 5)


class KafkaTransport:
    """A Kafka producer sending one event at a time and waiting for its delivery report.

    The producer's settings (servers, SASL, SSL) come from Rasa's ``KafkaEventBroker``, which is
    kept only to build them. librdkafka's blocking calls run in one thread of their own.
    """

    kind = "kafka"

    def __init__(self, kafka_broker: Any, topic: str, description: str) -> None:
        """Remember the producer settings (nothing is opened yet).

        Args:
            kafka_broker: Rasa's ``KafkaEventBroker`` (its ``_create_producer`` builds the producer).
            topic: The topic.
            description: Where events go, without secrets (for logs).
        """
        self.kafka_broker = kafka_broker
        self.topic = topic
        self.description = description
        self.connect_timeout = IO_TIMEOUT
        self.producer: Any = None
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="kafka-outbox")

    async def _call(self, function: Any, *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(self._executor, function, *args)

    def _connect_blocking(self) -> None:
        self.producer = self.kafka_broker._create_producer()
        self.kafka_broker.producer = self.producer
        self.producer.list_topics(timeout=self.connect_timeout)

    async def connect(self) -> None:
        """Create the producer and ask the cluster for its topics."""
        await self.close()
        await self._call(self._connect_blocking)

    def _send_blocking(self, items: Sequence[OutboxItem]) -> Tuple[int, Optional[BaseException]]:
        outcome: List[Optional[BaseException]] = [None] * len(items)
        reported = [False] * len(items)

        def delivered(index: int) -> Any:
            def report(error: Any, _message: Any) -> None:
                reported[index] = True
                outcome[index] = RuntimeError(str(error)) if error is not None else None

            return report

        for index, item in enumerate(items):
            self.producer.produce(
                self.topic, value=item.body, key=item.key.encode("utf-8"),
                headers=[("message_id", item.message_id.encode("ascii"))]
                + ([] if item.event_id is None else [("event_id", str(item.event_id).encode("ascii"))]),
                on_delivery=delivered(index),
            )
        self.producer.flush(IO_TIMEOUT)
        for index in range(len(items)):
            if not reported[index]:
                return index, TimeoutError(f"Kafka did not confirm the message within {IO_TIMEOUT:g}s")
            if outcome[index] is not None:
                return index, outcome[index]
        return len(items), None

    async def send(self, items: Sequence[OutboxItem]) -> Tuple[int, Optional[BaseException]]:
        """Produce events in order (one partition per conversation) and wait for their delivery reports.

        Returns:
            How many events from the start Kafka confirmed, and what stopped the others.
        """
        if self.producer is None:
            return 0, ConnectionError("not connected")
        result: Tuple[int, Optional[BaseException]] = await self._call(self._send_blocking, items)
        return result

    def _close_blocking(self) -> None:
        producer, self.producer = self.producer, None
        if producer is not None:
            with contextlib.suppress(Exception):  # the producer is dropped either way
                producer.purge()  # a message that was not confirmed is resent by the outbox
                producer.flush(0)

    async def close(self) -> None:
        """Drop the producer and what it still queued."""
        await self._call(self._close_blocking)
