"""The event broker from EVENT_BROKER_URL: parsing, Kafka settings, real RabbitMQ, secrets never shown.

Kafka does not run on the development machines: its path is tested up to the producer settings
and the start-up failure against a port where nothing listens.
"""

from __future__ import annotations

import asyncio
import logging
import re
import socket
import time

import pytest
from rasa.core.brokers.broker import EventBroker
from rasa.core.brokers.kafka import KafkaEventBroker
from rasa.utils.endpoints import EndpointConfig

import bot.stores.event_broker as module
from bot.events import feedback_event, handoff_for
from bot.settings import EventBrokerSettings, Settings
from bot.stores.broker_transports import KafkaTransport
from bot.stores.event_broker import (
    ConfiguredEventBroker,
    EventBrokerConfigError,
    EventBrokerUnavailable,
    check_event_broker,
    create_event_broker,
    kafka_options,
    rabbitmq_options,
    redact,
)
from bot.stores.outbox import EventOutbox
from tests.rabbitmq import RABBITMQ_URL, delete, read_queue, unique_name

SECRET = "s3cr%40t-pw"  # percent-encoded "s3cr@t-pw"
ENDPOINT = EndpointConfig(type="bot.stores.event_broker.ConfiguredEventBroker")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# --- settings -------------------------------------------------------------------------------


def test_settings_default_to_no_broker():
    config = EventBrokerSettings.from_env({})
    assert config == EventBrokerSettings()
    assert config.url is None
    assert config.queues == ("aalborg_assistant_events",)
    assert (config.exchange, config.topic, config.connect_timeout) == (
        "aalborg_assistant_events", "aalborg_assistant_events", 10.0)


def test_settings_read_every_variable_and_keep_the_url_out_of_repr():
    env = {
        "EVENT_BROKER_URL": f" amqp://bot:{SECRET}@mq:5672/ ", "EVENT_BROKER_QUEUE": "analytics, crm ,",
        "EVENT_BROKER_EXCHANGE": "ex", "EVENT_BROKER_TOPIC": "top", "EVENT_BROKER_CONNECT_TIMEOUT": "2.5",
        "EVENT_BROKER_KAFKA_SECURITY_PROTOCOL": "SASL_SSL", "EVENT_BROKER_KAFKA_SASL_MECHANISM": "SCRAM-SHA-512",
        "EVENT_BROKER_KAFKA_SSL_CAFILE": "/ca.pem",
    }
    config = Settings.from_env(env).event_broker
    assert config.url == f"amqp://bot:{SECRET}@mq:5672/"
    assert config.queues == ("analytics", "crm")
    assert (config.exchange, config.topic, config.connect_timeout) == ("ex", "top", 2.5)
    assert (config.kafka_security_protocol, config.kafka_sasl_mechanism, config.kafka_ssl_cafile) == (
        "SASL_SSL", "SCRAM-SHA-512", "/ca.pem")
    assert SECRET not in repr(config) and SECRET not in repr(Settings.from_env(env))


def test_settings_reject_a_bad_timeout():
    with pytest.raises(ValueError, match="EVENT_BROKER_CONNECT_TIMEOUT must be a number, got 'soon'"):
        EventBrokerSettings.from_env({"EVENT_BROKER_CONNECT_TIMEOUT": "soon"})


# --- RabbitMQ options -------------------------------------------------------------------------


def test_amqp_url_becomes_connection_options_with_an_explicit_port():
    config = EventBrokerSettings(url=f"amqp://bot:{SECRET}@mq.example.org/assistant", queues=("a", "b"), exchange="x")
    assert rabbitmq_options(config) == {
        "url": f"amqp://bot:{SECRET}@mq.example.org:5672/assistant",  # still percent-encoded, as given
        "exchange": "x",
        "queues": ["a", "b"],
    }


def test_amqps_defaults_to_port_5671_and_keeps_the_query():
    options = rabbitmq_options(EventBrokerSettings(url="amqps://u:p@mq:5671/?cafile=/ca.pem"))
    assert options["url"] == "amqps://u:p@mq:5671/?cafile=/ca.pem"
    assert rabbitmq_options(EventBrokerSettings(url="amqps://u:p@mq"))["url"] == "amqps://u:p@mq:5671"


@pytest.mark.parametrize(
    ("url", "message"),
    [
        (f"amqp://mq:{SECRET}@host:notaport/", "EVENT_BROKER_URL: invalid port in amqp://mq:***@host:notaport/"),
        ("amqp://host:5672/", "must include a user and a password"),
        (f"amqp://bot:{SECRET}@/", "EVENT_BROKER_URL: amqp://bot:***@/ must name one host"),
        (f"amqp://bot:{SECRET}@a:5672,b:5672/", "must name one host"),
    ],
)
def test_bad_amqp_urls_are_named_without_the_password(url, message):
    with pytest.raises(EventBrokerConfigError, match=re.escape(message)) as caught:
        rabbitmq_options(EventBrokerSettings(url=url))
    assert SECRET not in str(caught.value)


@pytest.mark.parametrize("url", [f"http://bot:{SECRET}@host/", "127.0.0.1:5672", "redis://x:6379"])
def test_unsupported_schemes_fail_with_one_clear_line(url):
    with pytest.raises(EventBrokerConfigError, match=r"unsupported scheme .* use amqp://, amqps:// or kafka://$") as e:
        asyncio.run(create_event_broker(EventBrokerSettings(url=url)))
    assert SECRET not in str(e.value) and "\n" not in str(e.value)


def test_redact_hides_only_the_password():
    assert redact(f"amqp://bot:{SECRET}@mq:5672/v") == "amqp://bot:***@mq:5672/v"
    assert redact("kafka://k1:9092,k2:9092") == "kafka://k1:9092,k2:9092"
    assert redact(f"kafka://bot:{SECRET}@k1:9092,k2:9092") == "kafka://bot:***@k1:9092,k2:9092"


# --- Kafka options (no Kafka server on these machines) -----------------------------------------


def test_kafka_url_without_credentials_is_plaintext_keyed_by_conversation():
    options = kafka_options(EventBrokerSettings(url="kafka://k1:9093,k2", topic="events"))
    assert options == {
        "url": "k1:9093,k2:9092", "topic": "events", "client_id": "aalborg-newcomer-assistant",
        "partition_by_sender": True, "security_protocol": "PLAINTEXT", "sasl_username": None, "sasl_password": None,
        "sasl_mechanism": "PLAIN", "ssl_cafile": None, "ssl_certfile": None, "ssl_keyfile": None,
    }


def test_kafka_broker_gets_sasl_ssl_settings_from_the_environment():
    env = {"EVENT_BROKER_URL": f"kafka://bot:{SECRET}@k1:9092", "EVENT_BROKER_TOPIC": "assistant",
           "EVENT_BROKER_KAFKA_SECURITY_PROTOCOL": "sasl_ssl", "EVENT_BROKER_KAFKA_SASL_MECHANISM": "SCRAM-SHA-256",
           "EVENT_BROKER_KAFKA_SSL_CAFILE": "/etc/ca.pem"}
    options = kafka_options(EventBrokerSettings.from_env(env))

    async def build() -> KafkaEventBroker:
        return KafkaEventBroker(**options)

    broker = asyncio.run(build())
    config = broker._get_kafka_config()
    config.pop("error_cb")
    assert broker.topic == "assistant" and broker.partition_by_sender is True
    assert config == {
        "client.id": "aalborg-newcomer-assistant", "bootstrap.servers": "k1:9092",
        "sasl.username": "bot", "sasl.password": "s3cr@t-pw", "sasl.mechanism": "SCRAM-SHA-256",
        "ssl.ca.location": "/etc/ca.pem", "ssl.certificate.location": None, "ssl.key.location": None,
        "ssl.endpoint.identification.algorithm": None, "security.protocol": "SASL_SSL",
    }


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"EVENT_BROKER_URL": "kafka://k1:90x2"}, "invalid Kafka server 'k1:90x2'"),
        ({"EVENT_BROKER_URL": "kafka://k1:9092,,k2"}, "invalid Kafka server ''"),
        ({"EVENT_BROKER_URL": "kafka://k1", "EVENT_BROKER_KAFKA_SECURITY_PROTOCOL": "TLS"},
         "EVENT_BROKER_KAFKA_SECURITY_PROTOCOL: 'TLS' is not one of PLAINTEXT, SASL_PLAINTEXT, SSL, SASL_SSL"),
        ({"EVENT_BROKER_URL": "kafka://k1", "EVENT_BROKER_KAFKA_SECURITY_PROTOCOL": "SASL_SSL"},
         "SASL_SSL needs a user and a password"),
    ],
)
def test_bad_kafka_settings(env, message):
    with pytest.raises(EventBrokerConfigError, match=message):
        kafka_options(EventBrokerSettings.from_env(env))


def test_unreachable_kafka_stops_the_start_up_within_the_time_limit(caplog):
    url = f"kafka://bot:{SECRET}@127.0.0.1:{free_port()}"
    started = time.monotonic()
    with caplog.at_level(logging.DEBUG), pytest.raises(EventBrokerUnavailable) as caught:
        asyncio.run(create_event_broker(EventBrokerSettings(url=url, connect_timeout=2,
                                                            kafka_security_protocol="PLAINTEXT")))
    assert time.monotonic() - started < 10
    assert str(caught.value).startswith(f"event broker: cannot connect to {redact(url)} within 2s: ")
    assert SECRET not in str(caught.value) and SECRET not in caplog.text


# --- no broker ---------------------------------------------------------------------------------


def test_unset_url_means_no_broker_for_rasa(monkeypatch):
    monkeypatch.setattr(module, "get_settings", lambda: Settings())
    assert asyncio.run(EventBroker.create(ENDPOINT)) is None


# --- real RabbitMQ -------------------------------------------------------------------------------


def test_rasa_creates_the_rabbitmq_broker_and_events_reach_the_queue(monkeypatch, caplog):
    queue = unique_name()
    config = EventBrokerSettings(url=RABBITMQ_URL, queues=(queue,), exchange=queue, connect_timeout=5)
    monkeypatch.setattr(module, "get_settings", lambda: Settings(event_broker=config))
    contact = {"event": "action", "name": "action_answer_contact", "sender_id": "s1", "timestamp": 1700000000.5}

    async def scenario() -> ConfiguredEventBroker:
        broker = await EventBroker.create(ENDPOINT)
        assert isinstance(broker, ConfiguredEventBroker) and broker.is_ready()
        broker.publish({"event": "user", "text": "phone number of ihnd?", "sender_id": "s1", "timestamp": 1.0})
        broker.publish(contact)
        broker.publish(feedback_event("s1", "down", timestamp=2.0))
        await asyncio.sleep(0.5)
        await broker.close()
        return broker

    try:
        with caplog.at_level(logging.DEBUG):
            broker = asyncio.run(scenario())
        messages = read_queue(queue, lambda got: len(got) >= 4)
    finally:
        delete(queue, queue)
    assert broker.description == f"amqp://guest:***@127.0.0.1:5672/ exchange '{queue}' queue(s) {queue}"
    assert messages == [
        {"event": "user", "text": "phone number of ihnd?", "sender_id": "s1", "timestamp": 1.0},
        contact,
        {"event": "handoff_requested", "sender_id": "s1", "timestamp": 1700000000.5, "reason": "contact_requested",
         "action": "action_answer_contact"},
        {"event": "feedback", "sender_id": "s1", "rating": "down", "timestamp": 2.0},
    ]
    assert "guest:guest" not in caplog.text


@pytest.mark.parametrize("where", ["wrong password", "nothing listening"])
def test_unreachable_rabbitmq_stops_the_start_up_with_one_line(where, caplog):
    port = 5672 if where == "wrong password" else free_port()
    url = f"amqp://guest:{SECRET}@127.0.0.1:{port}/"
    started = time.monotonic()
    with caplog.at_level(logging.DEBUG), pytest.raises(EventBrokerUnavailable) as caught:
        asyncio.run(create_event_broker(EventBrokerSettings(url=url, queues=(unique_name(),), connect_timeout=2)))
    assert time.monotonic() - started < 6
    message = str(caught.value)
    assert message.startswith(f"event broker: cannot connect to amqp://guest:***@127.0.0.1:{port}/ within 2s: ")
    if where == "wrong password":
        assert "ACCESS_REFUSED" in message
    else:  # aiormq words a refused connection either way, depending on where it notices
        assert "Connect call failed" in message or "Connection refused" in message
    assert "\n" not in message and SECRET not in message and SECRET not in caplog.text
    # Rasa's per-attempt "Connecting to ... failed" errors are not repeated before the one line.
    assert not [r for r in caplog.records if r.name == "rasa.core.brokers.pika" and r.levelno >= logging.ERROR]


# --- the project's events ------------------------------------------------------------------------


def test_a_live_handoff_s_steps_are_events_without_text():
    joined = {"event": "bot", "text": "anna joined", "sender_id": "a", "timestamp": 4.0,
              "metadata": {"outcome": "handoff", "handoff": "joined", "staff": "anna"}}
    assert handoff_for(joined) == {"event": "handoff_taken", "sender_id": "a", "timestamp": 4.0, "staff": "anna"}
    said = {**joined, "text": "My number is 12345678", "metadata": {"handoff": "message", "staff": "anna",
                                                                      "from_person": True}}
    assert handoff_for(said) == {"event": "handoff_message", "sender_id": "a", "timestamp": 4.0, "staff": "anna"}
    ended = {**joined, "metadata": {"handoff": "ended", "staff": None, "reason": "timeout"}}
    assert handoff_for(ended) == {"event": "handoff_ended", "sender_id": "a", "timestamp": 4.0, "reason": "timeout"}
    assert handoff_for({**joined, "metadata": {"handoff": "declined"}}) is None
    assert handoff_for({**joined, "metadata": {"outcome": "answer"}}) is None
    assert handoff_for({"event": "action", "name": "action_request_human", "sender_id": "a", "timestamp": 3.0}) == {
        "event": "handoff_requested", "sender_id": "a", "timestamp": 3.0, "reason": "person_requested",
        "action": "action_request_human",
    }


def test_only_the_contact_action_is_a_handoff():
    assert handoff_for({"event": "action", "name": "action_answer_contact", "sender_id": "a", "timestamp": 3.0}) == {
        "event": "handoff_requested", "sender_id": "a", "timestamp": 3.0, "reason": "contact_requested",
        "action": "action_answer_contact",
    }
    assert handoff_for({"event": "action", "name": "action_answer_hours", "sender_id": "a"}) is None
    assert handoff_for({"event": "user", "name": "action_answer_contact", "sender_id": "a"}) is None


def test_feedback_event_has_no_free_text():
    assert feedback_event("abc", "up", timestamp=5.0) == {
        "event": "feedback", "sender_id": "abc", "rating": "up", "timestamp": 5.0}
    assert abs(feedback_event("abc", "up")["timestamp"] - time.time()) < 5


def test_start_up_check_passes_silently_with_no_broker_or_a_reachable_one():
    check_event_broker(EventBrokerSettings())
    queue = unique_name()
    try:
        check_event_broker(EventBrokerSettings(url=RABBITMQ_URL, queues=(queue,), exchange=queue, connect_timeout=5))
        assert read_queue(queue, lambda got: False, timeout=0.5) == []  # the check declared the queue, sent nothing
    finally:
        delete(queue, queue)
    url = f"amqp://guest:{SECRET}@127.0.0.1:{free_port()}/"
    with pytest.raises(EventBrokerUnavailable, match=r"^event broker: cannot connect to amqp://guest:\*\*\*@"):
        check_event_broker(EventBrokerSettings(url=url, connect_timeout=1))


def test_kafka_publishing_never_blocks_and_closing_is_bounded_while_kafka_is_down(monkeypatch, caplog):
    monkeypatch.setattr(module, "CLOSE_TIMEOUT", 1.0)
    options = kafka_options(EventBrokerSettings(url=f"kafka://127.0.0.1:{free_port()}", topic="t"))
    contact = {"event": "action", "name": "action_answer_contact", "sender_id": "s1", "timestamp": 1.0}

    async def scenario() -> float:
        transport = KafkaTransport(KafkaEventBroker(**options), "t", "kafka topic 't'")
        outbox = EventOutbox(transport, capacity_bytes=1_000_000)
        outbox.start()  # not connected: the outbox keeps trying in the background
        broker = ConfiguredEventBroker(outbox)
        started = time.monotonic()
        broker.publish(contact)
        broker.publish(feedback_event("s1", "up"))
        elapsed = time.monotonic() - started
        assert not broker.is_ready()
        await broker.close()
        return elapsed

    started = time.monotonic()
    with caplog.at_level(logging.ERROR, logger="bot.stores.outbox"):
        publish_seconds = asyncio.run(scenario())
    assert publish_seconds < 0.1
    assert time.monotonic() - started < 20
    # The contact action, the handoff it implies and the feedback: all still waiting at shutdown.
    assert "event stream: 3 event(s) not delivered to kafka topic 't' at shutdown" in caplog.text
