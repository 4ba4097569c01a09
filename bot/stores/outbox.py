"""An ordered, bounded outbox between the assistant and its event broker.

Events are put in the outbox (never blocking a conversation) and one task, on a thread and
event loop of the outbox's own, sends them to the broker in the order they were put, in batches,
and removes them only once the broker confirmed them. When the broker goes away (a restart, a
dropped connection, a failover), the task reconnects with backoff (0.5 s doubling to
:data:`MAX_BACKOFF`) and carries on from the first unconfirmed event: nothing is lost and the
order holds.

While the broker is away the outbox keeps at most ``capacity_bytes`` of serialised events
(``EVENT_BROKER_BUFFER_MB``, per server process). Events that do not fit are dropped, counted in
``assistant_event_stream_dropped_total{reason="buffer_full"}`` and logged once per outage, not
once per event. Events still waiting when the server stops are given :data:`CLOSE_TIMEOUT`
seconds, then counted as ``reason="shutdown"`` and logged once.

Delivery is at least once: an event whose confirmation was lost with the connection is sent
again after the reconnection. Every message carries a unique ``message_id`` (the process's id and
a sequence number) so that a consumer can drop the repeat (docs/integrators.md, "Event stream").
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import logging
import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass
from typing import Any, Coroutine, Deque, Dict, List, Optional, Protocol, Sequence, Tuple, TypeVar

logger = logging.getLogger(__name__)
T = TypeVar("T")

#: Longest pause between two connection attempts, in seconds.
MAX_BACKOFF = 30.0
FIRST_BACKOFF = 0.5
#: Seconds ``close`` waits for the broker to take the events still waiting.
CLOSE_TIMEOUT = 10.0
#: Most events sent before waiting for their confirms. One at a time was too slow: the confirm
#: waits for the event loop, which is busy with conversations (measured in docs/reliability.md).
BATCH = 500


@dataclass(frozen=True)
class OutboxItem:
    """One serialised event waiting for the broker."""

    key: str
    body: bytes
    message_id: str
    event_id: Optional[int] = None


class Transport(Protocol):
    """A connection to a broker that confirms each message (RabbitMQ, Kafka)."""

    description: str
    #: ``rabbitmq`` or ``kafka`` (the ``broker`` label of the metrics).
    kind: str
    #: Seconds a connection attempt may take (shortened for the start-up check).
    connect_timeout: float

    async def connect(self) -> None:
        """Open the connection (and declare what the broker needs); raise if it cannot."""

    async def send(self, items: Sequence[OutboxItem]) -> Tuple[int, Optional[BaseException]]:
        """Send messages in order and wait for the broker's confirms.

        Returns:
            How many messages from the start the broker confirmed, and the error that stopped the
            rest (None when all were confirmed).
        """

    async def close(self) -> None:
        """Close the connection; never raise."""


def describe_error(error: BaseException) -> str:
    """A one-line description of an error: its type and message."""
    text = " ".join(str(error).split()) or "no answer"
    return f"{type(error).__name__}: {text}"


def _quiet_abandoned_futures(loop: asyncio.AbstractEventLoop, context: Dict[str, Any]) -> None:
    """The outbox loop's exception handler: a broken connection's leftovers are not errors.

    When RabbitMQ closes a connection, aiormq fails every future of it, including confirmations
    that no publish awaits any more; asyncio would log each as "Future exception was never
    retrieved" at ERROR. The outbox has already logged the loss once and resends those events.
    Anything else goes to asyncio's default handler.
    """
    error = context.get("exception")
    from_connection = isinstance(error, (ConnectionError, asyncio.CancelledError, asyncio.TimeoutError)) or (
        type(error).__module__.startswith(("aiormq", "pamqp"))
    )
    if context.get("message") == "Future exception was never retrieved" and from_connection:
        logger.debug("event stream: dropped connection left %s", type(error).__name__)
        return
    loop.default_exception_handler(context)


class EventOutbox:
    """The outbox: :meth:`put` from any thread; the sending runs on a thread and loop of its own.

    The sending is not a task on the server's event loop: that loop runs the conversations, and
    every step of a publish (aiormq hands its channel lock from one message to the next) waits
    for a turn of it. Under ten users, one event at a time fell 3,556 events behind, and batches
    of 500 timed out (measured in issue #20's fault test). On its own loop the outbox keeps up; the
    server's loop only appends to a deque.
    """

    def __init__(self, transport: Transport, capacity_bytes: int) -> None:
        """Create an empty outbox and its thread (nothing is sent before :meth:`start`).

        Args:
            transport: The broker connection; it is opened on the outbox's loop (:meth:`call`).
            capacity_bytes: Most bytes of events kept while the broker is away.
        """
        self.transport = transport
        self.capacity_bytes = capacity_bytes
        self._items: Deque[OutboxItem] = deque()
        self._bytes = 0
        self._lock = threading.Lock()
        self._sequence = 0
        self._instance = uuid.uuid4().hex[:12]
        self._loop = asyncio.new_event_loop()
        self._wake = asyncio.Event()
        self._task: Optional[concurrent.futures.Future] = None
        self._closing = False
        self.connected = False
        self.sent = 0
        self.dropped = 0
        self._dropping = False
        self._loop.set_exception_handler(_quiet_abandoned_futures)
        self._thread = threading.Thread(target=self._loop.run_forever, name="event-outbox", daemon=True)
        self._thread.start()

    async def call(self, coroutine: Coroutine[Any, Any, T]) -> T:
        """Run ``coroutine`` on the outbox's loop and wait for it from the caller's loop."""
        return await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(coroutine, self._loop))

    async def stop(self) -> None:
        """Stop the outbox's loop and thread (after :meth:`close`, or when connecting failed)."""
        self._loop.call_soon_threadsafe(self._loop.stop)
        await asyncio.get_running_loop().run_in_executor(None, self._thread.join, 5)
        if not self._thread.is_alive():
            self._loop.close()

    # --- the producer side --------------------------------------------------------------------

    def put(self, key: str, body: bytes, event_id: Optional[int] = None) -> bool:
        """Queue one event for the broker (thread-safe, never blocks).

        Args:
            key: The conversation id (Kafka's partition key; RabbitMQ ignores it).
            body: The serialised event.
            event_id: The event's row id in the tracker store, if it is a stored event.

        Returns:
            Whether the event was kept (False: the outbox was full, the event is dropped).
        """
        from bot import metrics

        with self._lock:
            if self._bytes + len(body) > self.capacity_bytes:
                self.dropped += 1
                first = not self._dropping
                self._dropping = True
                kept = False
            else:
                self._sequence += 1
                self._items.append(OutboxItem(key, body, f"{self._instance}-{self._sequence}", event_id))
                self._bytes += len(body)
                kept, first = True, False
        if not kept:
            metrics.STREAM_DROPPED.labels(broker=self.transport.kind, reason="buffer_full").inc()
            if first:
                logger.error(
                    "event stream: %s is not taking events and the buffer is full (%d events, %.1f MB, "
                    "EVENT_BROKER_BUFFER_MB); new events are dropped and counted in "
                    "assistant_event_stream_dropped_total until it takes them again",
                    self.transport.description, len(self._items), self._bytes / 1e6,
                )
            return False
        metrics.STREAM_WAITING.labels(broker=self.transport.kind).inc()
        if not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._wake.set)
        return True

    @property
    def waiting(self) -> int:
        """How many events wait for the broker."""
        return len(self._items)

    # --- the sending task ---------------------------------------------------------------------

    def start(self) -> None:
        """Start sending, on the outbox's loop."""
        self._task = asyncio.run_coroutine_threadsafe(self.run(), self._loop)

    async def run(self) -> None:
        """Send events until :meth:`close`; reconnect with backoff whenever the broker goes away."""
        from bot import metrics

        backoff = FIRST_BACKOFF
        outage_logged = False
        while True:
            if not self._items:
                if self._closing:
                    return
                self._wake.clear()
                await self._wake.wait()
                continue
            if not self.connected:
                try:
                    await self.transport.connect()
                except asyncio.CancelledError:
                    raise
                except Exception as error:
                    if not outage_logged:
                        outage_logged = True
                        logger.error(
                            "event stream: cannot reach %s (%s); keeping events (up to %.0f MB) and retrying",
                            self.transport.description, describe_error(error), self.capacity_bytes / 1e6,
                        )
                    await asyncio.sleep(backoff)
                    backoff = min(backoff * 2, MAX_BACKOFF)
                    continue
                self.connected = True
                metrics.STREAM_CONNECTED.labels(broker=self.transport.kind).set(1)
                if outage_logged or self._dropping:
                    logger.warning(
                        "event stream: reconnected to %s; sending %d waiting event(s)%s",
                        self.transport.description, len(self._items),
                        f"; {self.dropped} dropped so far because the buffer was full" if self.dropped else "",
                    )
                outage_logged = False
            with self._lock:
                batch: List[OutboxItem] = [self._items[index] for index in range(min(BATCH, len(self._items)))]
            try:
                confirmed, failure = await self.transport.send(batch)
            except asyncio.CancelledError:
                raise
            except Exception as raised:  # a transport that raised instead of reporting
                confirmed, failure = 0, raised
            if confirmed:
                self._confirmed(confirmed, batch)
                backoff = FIRST_BACKOFF
            if failure is not None:
                self.connected = False
                metrics.STREAM_CONNECTED.labels(broker=self.transport.kind).set(0)
                metrics.STREAM_DISCONNECTS.labels(broker=self.transport.kind).inc()
                if not outage_logged:
                    outage_logged = True
                    logger.error(
                        "event stream: lost %s (%s); keeping events (up to %.0f MB) and reconnecting",
                        self.transport.description, describe_error(failure), self.capacity_bytes / 1e6,
                    )
                await self.transport.close()
                await asyncio.sleep(backoff)  # a broker that accepts and then fails must not spin
                backoff = min(backoff * 2, MAX_BACKOFF)

    def _confirmed(self, count: int, batch: Sequence[OutboxItem]) -> None:
        """Remove the first ``count`` events of ``batch`` (the head of the outbox): the broker has them."""
        from bot import metrics

        with self._lock:
            for item in batch[:count]:
                self._items.popleft()
                self._bytes -= len(item.body)
            if self._dropping and self._bytes <= self.capacity_bytes // 2:
                self._dropping = False  # the next overflow is a new outage: log it again
        self.sent += count
        metrics.STREAM_SENT.labels(broker=self.transport.kind).inc(count)
        metrics.STREAM_WAITING.labels(broker=self.transport.kind).dec(count)

    async def drain(self, timeout: float) -> bool:
        """Wait until every waiting event was confirmed, at most ``timeout`` seconds.

        Returns:
            Whether the outbox is empty.
        """
        deadline = time.monotonic() + timeout
        while self._items and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        return not self._items

    async def close(self, timeout: float = CLOSE_TIMEOUT) -> None:
        """Send what is waiting (at most ``timeout`` seconds), then stop and close the connection."""
        from bot import metrics

        self._closing = True
        self._loop.call_soon_threadsafe(self._wake.set)
        if self._task is not None and not await self.drain(timeout):
            left = len(self._items)
            metrics.STREAM_DROPPED.labels(broker=self.transport.kind, reason="shutdown").inc(left)
            metrics.STREAM_WAITING.labels(broker=self.transport.kind).dec(left)
            logger.error(
                "event stream: %d event(s) not delivered to %s at shutdown (it did not take them within %gs)",
                left, self.transport.description, timeout,
            )
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(BaseException):  # its own errors were logged where they happened
                await asyncio.wrap_future(self._task)
        with self._lock:
            self._items.clear()
            self._bytes = 0
        await self.call(self.transport.close())
        metrics.STREAM_CONNECTED.labels(broker=self.transport.kind).set(0)
        await self.stop()
