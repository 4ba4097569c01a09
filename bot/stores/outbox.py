"""An ordered, bounded outbox between the assistant and its event broker.

Events are put in the outbox (never blocking a conversation) and one task sends them to the
broker in the order they were put, each only after the broker confirmed the previous one. When
the broker goes away (a restart, a dropped connection, a failover), the task reconnects with
backoff (0.5 s doubling to :data:`MAX_BACKOFF`) and carries on from the first unconfirmed event:
nothing is lost and the order holds.

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
import logging
import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass
from typing import Deque, Optional, Protocol

logger = logging.getLogger(__name__)

#: Longest pause between two connection attempts, in seconds.
MAX_BACKOFF = 30.0
FIRST_BACKOFF = 0.5
#: Seconds ``close`` waits for the broker to take the events still waiting.
CLOSE_TIMEOUT = 10.0


@dataclass(frozen=True)
class OutboxItem:
    """One serialised event waiting for the broker."""

    key: str
    body: bytes
    message_id: str


class Transport(Protocol):
    """A connection to a broker that confirms each message (RabbitMQ, Kafka)."""

    description: str

    async def connect(self) -> None:
        """Open the connection (and declare what the broker needs); raise if it cannot."""

    async def send(self, item: OutboxItem) -> None:
        """Send one message and return once the broker confirmed it; raise otherwise."""

    async def close(self) -> None:
        """Close the connection; never raise."""


def _reason(error: BaseException) -> str:
    text = " ".join(str(error).split()) or "no answer"
    return f"{type(error).__name__}: {text}"


class EventOutbox:
    """The outbox: :meth:`put` from any thread, :meth:`run` as one task on the event loop."""

    def __init__(self, transport: Transport, capacity_bytes: int) -> None:
        """Create an empty outbox.

        Args:
            transport: The broker connection (already connected once by the caller, or not).
            capacity_bytes: Most bytes of events kept while the broker is away.
        """
        self.transport = transport
        self.capacity_bytes = capacity_bytes
        self._items: Deque[OutboxItem] = deque()
        self._bytes = 0
        self._lock = threading.Lock()
        self._sequence = 0
        self._instance = uuid.uuid4().hex[:12]
        self._wake = asyncio.Event()
        self._loop = asyncio.get_running_loop()
        self._task: Optional[asyncio.Task] = None
        self._closing = False
        self.connected = False
        self.sent = 0
        self.dropped = 0
        self._dropping = False

    # --- the producer side --------------------------------------------------------------------

    def put(self, key: str, body: bytes) -> bool:
        """Queue one event for the broker (thread-safe, never blocks).

        Args:
            key: The conversation id (Kafka's partition key; RabbitMQ ignores it).
            body: The serialised event.

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
                self._items.append(OutboxItem(key, body, f"{self._instance}-{self._sequence}"))
                self._bytes += len(body)
                kept, first = True, False
        if not kept:
            metrics.STREAM_DROPPED.labels(reason="buffer_full").inc()
            if first:
                logger.error(
                    "event stream: %s is not taking events and the buffer is full (%d events, %.1f MB, "
                    "EVENT_BROKER_BUFFER_MB); new events are dropped and counted in "
                    "assistant_event_stream_dropped_total until it takes them again",
                    self.transport.description, len(self._items), self._bytes / 1e6,
                )
            return False
        metrics.STREAM_WAITING.inc()
        self._loop.call_soon_threadsafe(self._wake.set)
        return True

    @property
    def waiting(self) -> int:
        """How many events wait for the broker."""
        return len(self._items)

    # --- the sending task ---------------------------------------------------------------------

    def start(self) -> None:
        """Start the sending task on the running loop."""
        self._task = self._loop.create_task(self.run(), name="event-outbox")

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
                            self.transport.description, _reason(error), self.capacity_bytes / 1e6,
                        )
                    await asyncio.sleep(backoff)
                    backoff = min(backoff * 2, MAX_BACKOFF)
                    continue
                self.connected = True
                metrics.STREAM_CONNECTED.set(1)
                if outage_logged or self._dropping:
                    logger.warning(
                        "event stream: reconnected to %s; sending %d waiting event(s)%s",
                        self.transport.description, len(self._items),
                        f"; {self.dropped} dropped so far because the buffer was full" if self.dropped else "",
                    )
                outage_logged = False
            item = self._items[0]
            try:
                await self.transport.send(item)
            except asyncio.CancelledError:
                raise
            except Exception as error:
                self.connected = False
                metrics.STREAM_CONNECTED.set(0)
                metrics.STREAM_DISCONNECTS.inc()
                if not outage_logged:
                    outage_logged = True
                    logger.error(
                        "event stream: lost %s (%s); keeping events (up to %.0f MB) and reconnecting",
                        self.transport.description, _reason(error), self.capacity_bytes / 1e6,
                    )
                await self.transport.close()
                await asyncio.sleep(backoff)  # a broker that accepts and then fails must not spin
                backoff = min(backoff * 2, MAX_BACKOFF)
                continue
            backoff = FIRST_BACKOFF
            with self._lock:
                self._items.popleft()
                self._bytes -= len(item.body)
                if self._dropping and self._bytes <= self.capacity_bytes // 2:
                    self._dropping = False  # the next overflow is a new outage: log it again
            self.sent += 1
            metrics.STREAM_SENT.inc()
            metrics.STREAM_WAITING.dec()

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
        self._wake.set()
        if self._task is not None and not await self.drain(timeout):
            left = len(self._items)
            metrics.STREAM_DROPPED.labels(reason="shutdown").inc(left)
            metrics.STREAM_WAITING.dec(left)
            logger.error(
                "event stream: %d event(s) not delivered to %s at shutdown (it did not take them within %gs)",
                left, self.transport.description, timeout,
            )
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
            except Exception:  # the task's own errors were logged where they happened
                pass
        self._items.clear()
        self._bytes = 0
        await self.transport.close()
        metrics.STREAM_CONNECTED.set(0)
