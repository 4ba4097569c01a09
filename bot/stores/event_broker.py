"""The event broker Rasa uses, configured from ``EVENT_BROKER_URL``.

Rasa 3.6 expands ``${VAR}`` in ``endpoints.yml`` but fails on an unset variable, so the broker is
named there by type only (``bot.stores.event_broker.ConfiguredEventBroker``) and configured here
from the settings:

* unset ``EVENT_BROKER_URL``: no broker at all (``from_endpoint_config`` returns None, which Rasa
  treats as "no event broker");
* ``amqp://USER:PASSWORD@host:5672/vhost`` (``amqps://`` for TLS): RabbitMQ, publishing to the
  fanout exchange ``EVENT_BROKER_EXCHANGE`` with the queue(s) ``EVENT_BROKER_QUEUE`` bound to it;
* ``kafka://[USER:PASSWORD@]host:9092[,host2:9092]``: Kafka, on the topic ``EVENT_BROKER_TOPIC``,
  keyed by conversation so that each conversation's events stay in order.

A configured broker that cannot be reached within ``EVENT_BROKER_CONNECT_TIMEOUT`` seconds stops
the start-up with one line naming it (its password hidden): an integrator who configured a stream
relies on it, and a server that silently drops it is worse than one that does not start. Once
running, an outage never blocks a conversation and loses nothing within a bound: events go
through an ordered outbox (:mod:`bot.stores.outbox`) that keeps them while the broker is away,
reconnects with backoff and sends them in order once it is back (:mod:`bot.stores.broker_transports`).

The wrapper also adds the project's ``handoff_requested`` event (:mod:`bot.events`) after the
tracker event that implies it.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from typing import Any, Dict, Optional, Text, Tuple
from urllib.parse import unquote, urlsplit, urlunsplit

from rasa.core.brokers.broker import EventBroker
from rasa.utils.endpoints import EndpointConfig

from bot.events import handoff_for
from bot.privacy import redact_url as redact
from bot.settings import EventBrokerSettings, get_settings
from bot.stores.broker_transports import IO_TIMEOUT, AmqpTransport, KafkaTransport
from bot.stores.outbox import EventOutbox, Transport, describe_error

logger = logging.getLogger(__name__)

RABBITMQ_PORTS = {"amqp": 5672, "amqps": 5671}
KAFKA_SCHEME = "kafka"
KAFKA_PORT = 9092
KAFKA_PROTOCOLS = ("PLAINTEXT", "SASL_PLAINTEXT", "SSL", "SASL_SSL")
KAFKA_CLIENT_ID = "aalborg-newcomer-assistant"
#: Seconds ``close`` waits for the broker to take the events still waiting.
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
    """Where to publish on RabbitMQ, from the settings.

    Args:
        config: The event broker settings, with an ``amqp://`` or ``amqps://`` URL.

    Returns:
        ``url`` (with the credentials and an explicit port; the query, e.g. aio-pika's ``cafile``
        for TLS, is kept), ``exchange`` and ``queues``.

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
        "url": urlunsplit((scheme, f"{user}:{password}@{host}:{port}", parts.path, parts.query, "")),
        "exchange": config.exchange,
        "queues": list(config.queues),
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


async def connect_transport(outbox: EventOutbox, url: str, timeout: float) -> None:
    """Connect the outbox's transport at start-up, retrying until ``timeout``.

    Args:
        outbox: The outbox (the connection is made on its loop).
        url: The configured URL (for the error message; its password is hidden).
        timeout: Seconds to keep trying.

    Raises:
        EventBrokerUnavailable: If no connection could be made in time (the outbox is stopped).
    """
    transport = outbox.transport
    deadline = time.monotonic() + timeout
    transport.connect_timeout = max(min(timeout, IO_TIMEOUT), 0.5)
    try:
        while True:
            try:
                await outbox.call(asyncio.wait_for(transport.connect(), timeout=max(deadline - time.monotonic(), 0.5)))
                return
            except Exception as error:  # aio-pika and librdkafka raise many kinds while the broker is away
                if time.monotonic() + 1 >= deadline:
                    await outbox.call(transport.close())
                    await outbox.stop()
                    raise EventBrokerUnavailable(
                        f"event broker: cannot connect to {redact(url)} within {timeout:g}s: {describe_error(error)}"
                    ) from None
            await asyncio.sleep(1)
    finally:
        transport.connect_timeout = IO_TIMEOUT


class ConfiguredEventBroker(EventBroker):
    """The event stream: every event goes through an ordered, bounded outbox to RabbitMQ or Kafka."""

    def __init__(self, outbox: EventOutbox) -> None:
        """Wrap a started outbox.

        Args:
            outbox: The outbox, whose transport says where events go.
        """
        self.outbox = outbox
        self.description = outbox.transport.description

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
            raise EventBrokerUnavailable(f"event broker: cannot be created: {describe_error(error)}") from error

    def publish(self, event: Dict[Text, Any]) -> None:
        """Queue an event, and the handoff event it implies, for the broker (never waits).

        Args:
            event: A serialised event with ``sender_id``.
        """
        self.publish_stored(event, None)

    def publish_stored(self, event: Dict[Text, Any], event_id: Optional[int]) -> None:
        """Queue an event the tracker store has just stored, with its row id (``event_id`` header).

        Args:
            event: A serialised event with ``sender_id``.
            event_id: The event's id in the tracker store (increasing in the order stored); None
                for an event that is not stored there (feedback).
        """
        self._send(event, event_id)
        handoff = handoff_for(event)
        if handoff is not None:
            self._send(handoff, event_id)

    def _send(self, event: Dict[Text, Any], event_id: Optional[int] = None) -> None:
        self.outbox.put(str(event.get("sender_id") or ""), json.dumps(event).encode("utf-8"), event_id)

    def is_ready(self) -> bool:
        """Whether the broker is connected now."""
        return self.outbox.connected

    async def close(self) -> None:
        """Deliver what waits (at most ``CLOSE_TIMEOUT`` seconds), then close the connection."""
        await self.outbox.close(CLOSE_TIMEOUT)


async def create_event_broker(config: EventBrokerSettings) -> Optional[ConfiguredEventBroker]:
    """Create and connect the broker the settings name, and start its outbox.

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
    transport: Transport
    if scheme in RABBITMQ_PORTS:
        options = rabbitmq_options(config)
        transport = AmqpTransport(
            options["url"], options["exchange"], options["queues"],
            f"{redact(config.url)} exchange {config.exchange!r} queue(s) {', '.join(config.queues)}",
        )
    elif scheme == KAFKA_SCHEME:
        # Rasa's Kafka broker builds the producer's settings; it needs Rasa's events module loaded.
        import rasa.shared.core.events  # noqa: F401
        from rasa.core.brokers.kafka import KafkaEventBroker

        kafka_broker = KafkaEventBroker(**kafka_options(config))
        transport = KafkaTransport(kafka_broker, config.topic, f"{redact(config.url)} topic {config.topic!r}")
    else:
        raise EventBrokerConfigError(
            f"EVENT_BROKER_URL: unsupported scheme {scheme or '(none)'!r} in {redact(config.url)}; "
            "use amqp://, amqps:// or kafka://"
        )
    outbox = EventOutbox(transport, capacity_bytes=int(config.buffer_mb * 1_000_000))
    await connect_transport(outbox, config.url, config.connect_timeout)
    outbox.connected = True
    outbox.start()
    logger.info("event broker: publishing conversation events to %s", transport.description)
    return ConfiguredEventBroker(outbox)


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
