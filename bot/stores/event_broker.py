"""The event broker Rasa uses, configured from ``EVENT_BROKER_URL``.

Rasa 3.6 expands ``${VAR}`` in ``endpoints.yml`` but fails on an unset variable, so the broker is
named there by type only (``bot.stores.event_broker.ConfiguredEventBroker``) and configured here
from the settings:

* unset ``EVENT_BROKER_URL``: no broker at all (``from_endpoint_config`` returns None, which Rasa
  treats as "no event broker");
* ``amqp://USER:PASSWORD@host:5672/vhost`` (``amqps://`` for TLS): Rasa's ``PikaEventBroker``,
  publishing to the fanout exchange ``EVENT_BROKER_EXCHANGE`` with the queue(s)
  ``EVENT_BROKER_QUEUE`` bound to it;
* ``kafka://[USER:PASSWORD@]host:9092[,host2:9092]``: Rasa's ``KafkaEventBroker`` on the topic
  ``EVENT_BROKER_TOPIC``, keyed by conversation so that each conversation's events stay in order.

A configured broker that cannot be reached within ``EVENT_BROKER_CONNECT_TIMEOUT`` seconds stops
the start-up with one line naming it (its password hidden): an integrator who configured a stream
relies on it, and a server that silently drops it is worse than one that does not start. Once
running, an outage never blocks a conversation: RabbitMQ events are kept in memory and sent on
reconnection (Rasa's robust connection), Kafka events are published from a background thread.

The wrapper also adds the project's ``handoff_requested`` event (:mod:`bot.events`) after the
tracker event that implies it.
"""

from __future__ import annotations

import asyncio
import logging
import time
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any, Dict, Optional, Text, Tuple
from urllib.parse import unquote, urlsplit, urlunsplit

from rasa.core.brokers.broker import EventBroker
from rasa.utils.endpoints import EndpointConfig

from bot.events import handoff_for
from bot.privacy import redact_url as redact
from bot.settings import EventBrokerSettings, get_settings

logger = logging.getLogger(__name__)

RABBITMQ_PORTS = {"amqp": 5672, "amqps": 5671}
KAFKA_SCHEME = "kafka"
KAFKA_PORT = 9092
KAFKA_PROTOCOLS = ("PLAINTEXT", "SASL_PLAINTEXT", "SSL", "SASL_SSL")
KAFKA_CLIENT_ID = "aalborg-newcomer-assistant"
#: Seconds ``close`` waits for Kafka to take the events still pending.
CLOSE_TIMEOUT = 10.0


class EventBrokerConfigError(ValueError):
    """``EVENT_BROKER_URL`` or a related variable is invalid."""


class EventBrokerUnavailable(RuntimeError):
    """The configured event broker cannot be reached."""


def _split(url: str) -> Tuple[str, str, str, str]:
    """Scheme, user, password (both still percent-encoded) and the host part of a URL."""
    parts = urlsplit(url)
    userinfo, _, hosts = parts.netloc.rpartition("@")
    user, _, password = userinfo.partition(":")
    return parts.scheme.lower(), user, password, hosts


def rabbitmq_options(config: EventBrokerSettings) -> Dict[str, Any]:
    """Keyword arguments for Rasa's ``PikaEventBroker`` from the settings.

    The host is passed without credentials (Rasa logs it); user and password go separately.

    Args:
        config: The event broker settings, with an ``amqp://`` or ``amqps://`` URL.

    Returns:
        The arguments.

    Raises:
        EventBrokerConfigError: If the URL lacks a host, credentials or a valid port.
    """
    url = config.url or ""
    scheme, user, password, _ = _split(url)
    parts = urlsplit(url)
    shown = redact(url)
    if scheme not in RABBITMQ_PORTS:
        raise EventBrokerConfigError(f"EVENT_BROKER_URL: {shown} is not an amqp:// or amqps:// URL")
    if not parts.hostname or "," in parts.netloc:
        raise EventBrokerConfigError(
            f"EVENT_BROKER_URL: {shown} must name one host, e.g. amqp://USER:PASSWORD@host:5672/"
        )
    if not user or not password:
        raise EventBrokerConfigError(
            f"EVENT_BROKER_URL: {shown} must include a user and a password (amqp://USER:PASSWORD@host:5672/)"
        )
    try:
        port = parts.port or RABBITMQ_PORTS[scheme]
    except ValueError:
        raise EventBrokerConfigError(f"EVENT_BROKER_URL: invalid port in {shown}") from None
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    return {
        "host": urlunsplit((scheme, f"{host}:{port}", parts.path, parts.query, "")),
        "username": user,
        "password": password,
        "port": port,
        "queues": list(config.queues),
        "exchange_name": config.exchange,
        # One attempt per call: connect() below retries until the time limit, quietly.
        "connection_attempts": 1,
        "retry_delay_in_seconds": 0,
        "should_keep_unpublished_messages": True,
        "raise_on_failure": False,
    }


def kafka_options(config: EventBrokerSettings) -> Dict[str, Any]:
    """Keyword arguments for Rasa's ``KafkaEventBroker`` from the settings.

    Args:
        config: The event broker settings, with a ``kafka://`` URL.

    Returns:
        The arguments.

    Raises:
        EventBrokerConfigError: If a server, the security protocol or the credentials are invalid.
    """
    url = config.url or ""
    scheme, user, password, hosts = _split(url)
    shown = redact(url)
    if scheme != KAFKA_SCHEME:
        raise EventBrokerConfigError(f"EVENT_BROKER_URL: {shown} is not a kafka:// URL")
    servers = []
    for server in (item.strip() for item in hosts.split(",")):
        name, colon, port = server.rpartition(":") if server.count(":") == 1 else (server, "", "")
        if not server or (colon and not name) or (colon and not port.isdigit()):
            raise EventBrokerConfigError(f"EVENT_BROKER_URL: invalid Kafka server {server!r} in {shown}")
        servers.append(server if colon else f"{server}:{KAFKA_PORT}")
    protocol = (config.kafka_security_protocol or ("SASL_PLAINTEXT" if user else "PLAINTEXT")).upper()
    if protocol not in KAFKA_PROTOCOLS:
        raise EventBrokerConfigError(
            f"EVENT_BROKER_KAFKA_SECURITY_PROTOCOL: {protocol!r} is not one of {', '.join(KAFKA_PROTOCOLS)}"
        )
    if protocol.startswith("SASL") and not (user and password):
        raise EventBrokerConfigError(
            f"EVENT_BROKER_URL: {protocol} needs a user and a password (kafka://USER:PASSWORD@host:9092)"
        )
    return {
        "url": ",".join(servers),
        "topic": config.topic,
        "client_id": KAFKA_CLIENT_ID,
        "partition_by_sender": True,
        "security_protocol": protocol,
        "sasl_username": unquote(user) or None,
        "sasl_password": unquote(password) or None,
        "sasl_mechanism": config.kafka_sasl_mechanism,
        "ssl_cafile": config.kafka_ssl_cafile,
        "ssl_certfile": config.kafka_ssl_certfile,
        "ssl_keyfile": config.kafka_ssl_keyfile,
    }


def _reason(error: BaseException) -> str:
    """A one-line description of a connection error."""
    text = " ".join(str(error).split()) or "no answer"
    return f"{type(error).__name__}: {text}"


class _DropConnectErrors(logging.Filter):
    """Hides Rasa's per-attempt connection errors while :func:`connect_rabbitmq` retries."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith("Connecting to")


async def connect_rabbitmq(broker: Any, url: str, timeout: float) -> None:
    """Connect a ``PikaEventBroker``, retrying until ``timeout``.

    Args:
        broker: The broker (created with one connection attempt per call).
        url: The configured URL (for the error message; its password is hidden).
        timeout: Seconds to keep trying.

    Raises:
        EventBrokerUnavailable: If no connection could be made in time.
    """
    deadline = time.monotonic() + timeout
    rasa_logger = logging.getLogger("rasa.core.brokers.pika")
    quiet = _DropConnectErrors()
    rasa_logger.addFilter(quiet)
    try:
        while True:
            remaining = deadline - time.monotonic()
            try:
                await asyncio.wait_for(broker.connect(), timeout=max(remaining, 0.5))
                return
            except Exception as error:  # aio-pika raises many kinds while RabbitMQ is not there
                if time.monotonic() + 1 >= deadline:
                    raise EventBrokerUnavailable(
                        f"event broker: cannot connect to {redact(url)} within {timeout:g}s: {_reason(error)}"
                    ) from None
            await asyncio.sleep(1)
    finally:
        rasa_logger.removeFilter(quiet)


def connect_kafka(broker: Any, url: str, timeout: float) -> None:
    """Create the Kafka producer and ask the cluster for its topics (blocking; run in a thread).

    Args:
        broker: A ``KafkaEventBroker``.
        url: The configured URL (for the error message; its password is hidden).
        timeout: Seconds to wait for the cluster.

    Raises:
        EventBrokerUnavailable: If the producer cannot be created or the cluster does not answer.
    """
    try:
        broker.producer = broker._create_producer()
        broker.producer.list_topics(timeout=timeout)
    except Exception as error:  # KafkaException, KafkaProducerInitializationError
        raise EventBrokerUnavailable(
            f"event broker: cannot connect to {redact(url)} within {timeout:g}s: {_reason(error)}"
        ) from None


def _log_failure(future: Future) -> None:
    error = future.exception()
    if error is not None:
        logger.error("event broker: publishing failed: %s", _reason(error))


class ConfiguredEventBroker(EventBroker):
    """Rasa's RabbitMQ or Kafka broker, configured from the settings, publishing without blocking."""

    def __init__(self, inner: EventBroker, description: str, blocking_publish: bool = False) -> None:
        """Wrap a connected broker.

        Args:
            inner: Rasa's ``PikaEventBroker`` or ``KafkaEventBroker``.
            description: Where events go, without secrets (for logs).
            blocking_publish: Whether ``inner.publish`` blocks (Kafka); it then runs in one
                background thread, which keeps the order of the events.
        """
        self.inner = inner
        self.description = description
        self._executor = (
            ThreadPoolExecutor(max_workers=1, thread_name_prefix="event-broker") if blocking_publish else None
        )

    @classmethod
    async def from_endpoint_config(
        cls, broker_config: Optional[EndpointConfig], event_loop: Optional[asyncio.AbstractEventLoop] = None
    ) -> Optional[ConfiguredEventBroker]:
        """Create the broker from the settings; None (no broker) when ``EVENT_BROKER_URL`` is unset.

        Args:
            broker_config: The ``event_broker`` section of ``endpoints.yml`` (only its type is used).
            event_loop: Ignored; the running loop is used.

        Returns:
            The connected broker, or None.

        Raises:
            EventBrokerUnavailable: If the configured broker cannot be reached or created.
        """
        try:
            return await create_event_broker(get_settings().event_broker)
        except (AttributeError, ImportError) as error:
            # Rasa would read these as "broker type not found" and silently run without a stream.
            raise EventBrokerUnavailable(f"event broker: cannot be created: {_reason(error)}") from error

    def publish(self, event: Dict[Text, Any]) -> None:
        """Publish an event, and the handoff event it implies, without waiting for the broker.

        Args:
            event: A serialised event with ``sender_id``.
        """
        self._send(event)
        handoff = handoff_for(event)
        if handoff is not None:
            self._send(handoff)

    def _send(self, event: Dict[Text, Any]) -> None:
        if self._executor is not None:
            self._executor.submit(self._publish_blocking, event).add_done_callback(_log_failure)
            return
        # PikaEventBroker.publish schedules a task on its loop and returns at once.
        loop: Optional[asyncio.AbstractEventLoop] = getattr(self.inner, "_loop", None)
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if loop is None or running is loop:
            self.inner.publish(event)
        else:
            loop.call_soon_threadsafe(self.inner.publish, event)

    def _publish_blocking(self, event: Dict[Text, Any]) -> None:
        # Rasa retries 60 times 5 s by default; a down cluster would hold the queue for hours.
        self.inner.publish(event, retries=2, retry_delay_in_seconds=1)  # type: ignore[call-arg]
        producer = getattr(self.inner, "producer", None)
        if producer is not None:
            producer.poll(0)  # serve delivery reports (Rasa's own poll thread never runs)

    def is_ready(self) -> bool:
        """Whether the underlying broker is connected."""
        return self.inner.is_ready()

    async def close(self) -> None:
        """Close the connection; Kafka: first wait (at most ``CLOSE_TIMEOUT`` s) for pending events."""
        if self._executor is None:
            await self.inner.close()
            return
        await asyncio.get_running_loop().run_in_executor(None, self._close_blocking)

    def _close_blocking(self) -> None:
        assert self._executor is not None
        # Wait at most CLOSE_TIMEOUT for the events queued so far, then drop the rest.
        try:
            self._executor.submit(lambda: None).result(timeout=CLOSE_TIMEOUT)
        except FutureTimeout:
            logger.error("event broker: Kafka did not take the pending events within %ss; dropping them", CLOSE_TIMEOUT)
        self._executor.shutdown(wait=False, cancel_futures=True)
        # Rasa's poll thread (started in its __init__) may have seen the producer: stop it.
        self.inner._cancelled = True  # type: ignore[attr-defined]
        poll_thread = getattr(self.inner, "_poll_thread", None)
        if poll_thread is not None:
            poll_thread.join(timeout=5)
        producer = getattr(self.inner, "producer", None)
        if producer is not None:
            # Rasa's close() would flush without a time limit and hang while Kafka is down.
            try:
                left = producer.flush(CLOSE_TIMEOUT)
            except Exception as error:  # Rasa's error callback raises KafkaException when all brokers are down
                logger.error("event broker: events not delivered to Kafka at shutdown: %s", _reason(error))
            else:
                if left:
                    logger.error("event broker: %s event(s) not delivered to Kafka at shutdown", left)


async def create_event_broker(config: EventBrokerSettings) -> Optional[ConfiguredEventBroker]:
    """Create and connect the broker the settings name.

    Args:
        config: The event broker settings.

    Returns:
        The connected broker, or None when ``EVENT_BROKER_URL`` is unset.

    Raises:
        EventBrokerConfigError: If the URL or a related variable is invalid.
        EventBrokerUnavailable: If the broker cannot be reached within the time limit.
    """
    if config.url is None:
        return None
    scheme = urlsplit(config.url).scheme.lower()
    # Rasa's brokers call rasa.shared.core.events without importing it (the Rasa server has it
    # loaded already; the web app has not).
    import rasa.shared.core.events  # noqa: F401
    import structlog

    if not structlog.is_configured():
        # Outside the Rasa server (the web app) structlog would print every published event at
        # debug level; Rasa's server configures it from its own log level.
        structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.INFO))

    if scheme in RABBITMQ_PORTS:
        from rasa.core.brokers.pika import PikaEventBroker

        pika_broker = PikaEventBroker(**rabbitmq_options(config))
        await connect_rabbitmq(pika_broker, config.url, config.connect_timeout)
        broker = ConfiguredEventBroker(
            pika_broker, f"{redact(config.url)} exchange {config.exchange!r} queue(s) {', '.join(config.queues)}"
        )
    elif scheme == KAFKA_SCHEME:
        from rasa.core.brokers.kafka import KafkaEventBroker

        kafka_broker = KafkaEventBroker(**kafka_options(config))
        await asyncio.get_running_loop().run_in_executor(
            None, connect_kafka, kafka_broker, config.url, config.connect_timeout
        )
        broker = ConfiguredEventBroker(
            kafka_broker, f"{redact(config.url)} topic {config.topic!r}", blocking_publish=True
        )
    else:
        raise EventBrokerConfigError(
            f"EVENT_BROKER_URL: unsupported scheme {scheme or '(none)'!r} in {redact(config.url)}; "
            "use amqp://, amqps:// or kafka://"
        )
    logger.info("event broker: publishing conversation events to %s", broker.description)
    return broker


def check_event_broker(config: EventBrokerSettings) -> None:
    """Connect to the configured broker once and close again (for start-up checks; blocking).

    Args:
        config: The event broker settings; nothing is checked when no URL is set.

    Raises:
        EventBrokerConfigError: If the URL or a related variable is invalid.
        EventBrokerUnavailable: If the broker cannot be reached within the time limit.
    """

    async def connect_and_close() -> None:
        broker = await create_event_broker(config)
        if broker is not None:
            await broker.close()

    if config.url is not None:
        asyncio.run(connect_and_close())
