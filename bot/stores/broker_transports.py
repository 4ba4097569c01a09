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
import os
from concurrent.futures import ThreadPoolExecutor
from typing import Any, List, Optional, Sequence

from bot.stores.outbox import OutboxItem

#: Seconds a connection attempt and a single send may take before they count as failed.
IO_TIMEOUT = 10.0


class AmqpTransport:
    """A RabbitMQ connection publishing to a fanout exchange with publisher confirms."""

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

    async def send(self, item: OutboxItem) -> None:
        """Publish one event and wait for RabbitMQ's confirm.

        Raises:
            ConnectionError: If there is no connection, or RabbitMQ refused the message.
        """
        import aio_pika
        from pamqp.commands import Basic

        if self._exchange is None:
            raise ConnectionError("not connected")
        message = aio_pika.Message(
            item.body,
            content_type="application/json",
            message_id=item.message_id,
            app_id=os.environ.get("RASA_ENVIRONMENT"),
            delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
        )
        confirmation = await asyncio.wait_for(self._exchange.publish(message, routing_key=""), IO_TIMEOUT)
        if not isinstance(confirmation, Basic.Ack):
            raise ConnectionError(f"RabbitMQ did not take the message: {type(confirmation).__name__}")

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

    def _send_blocking(self, item: OutboxItem) -> None:
        outcome: List[Optional[BaseException]] = []

        def delivered(error: Any, _message: Any) -> None:
            outcome.append(RuntimeError(str(error)) if error is not None else None)

        self.producer.produce(
            self.topic, value=item.body, key=item.key.encode("utf-8"),
            headers=[("message_id", item.message_id.encode("ascii"))], on_delivery=delivered,
        )
        self.producer.flush(IO_TIMEOUT)
        if not outcome:
            raise TimeoutError(f"Kafka did not confirm the message within {IO_TIMEOUT:g}s")
        if outcome[0] is not None:
            raise outcome[0]

    async def send(self, item: OutboxItem) -> None:
        """Produce one event and wait for its delivery report.

        Raises:
            ConnectionError: If there is no producer.
            RuntimeError: If Kafka reported an error for the message.
            TimeoutError: If no delivery report came in time.
        """
        if self.producer is None:
            raise ConnectionError("not connected")
        await self._call(self._send_blocking, item)

    def _close_blocking(self) -> None:
        producer, self.producer = self.producer, None
        if producer is not None:
            with contextlib.suppress(Exception):  # the producer is dropped either way
                producer.purge()  # a message that was not confirmed is resent by the outbox
                producer.flush(0)

    async def close(self) -> None:
        """Drop the producer and what it still queued."""
        await self._call(self._close_blocking)
