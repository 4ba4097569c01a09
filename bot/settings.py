"""Settings read from the environment, in one place.

Every tunable of the project is read here, once, into a frozen dataclass. Modules ask
:func:`get_settings` instead of reading ``os.environ`` themselves, so the full list of
variables is in one file (and documented in ``.env.example``).

Secrets (API tokens, database passwords) have no defaults: they are either set in the
environment or generated at run time by ``bot.run`` for local use.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Dict, Mapping, Optional, Tuple

PROJECT_DIR = Path(__file__).resolve().parent.parent

#: Fallback when ``data/i18n/languages.yml`` cannot be read.
DEFAULT_LANGUAGES = ("en",)


def read_languages(project_dir: Path) -> Tuple[str, ...]:
    """The supported language codes from ``data/i18n/languages.yml`` (the first is the fallback).

    Args:
        project_dir: The project root.

    Returns:
        The language codes, in the file's order.
    """
    from bot.languages import parse_languages  # imported here: bot.languages reads the settings

    return tuple(language.code for language in parse_languages(project_dir / "data" / "i18n" / "languages.yml"))


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as error:
        raise ValueError(f"environment variable {name} must be an integer, got {raw!r}") from error


def _positive_float(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not value > 0:
        raise ValueError(f"environment variable {name} must be a positive number, got {raw!r}")
    return value


def _optional_bool(env: Mapping[str, str], name: str) -> Optional[bool]:
    raw = (env.get(name) or "").strip().lower()
    if raw in ("", "auto"):
        return None
    if raw in ("1", "true", "yes", "on"):
        return True
    if raw in ("0", "false", "no", "off"):
        return False
    raise ValueError(f"environment variable {name} must be true, false or auto, got {raw!r}")


def _log_format(env: Mapping[str, str]) -> str:
    value = (env.get("LOG_FORMAT") or "text").strip().lower()
    if value not in ("text", "json"):
        raise ValueError(f"LOG_FORMAT must be text or json, not {value!r}")
    return value


HANDOFF_AVAILABILITIES = ("phone_hours", "always", "never")


def _handoff_availability(env: Mapping[str, str]) -> str:
    value = (env.get("HANDOFF_AVAILABILITY") or "phone_hours").strip().lower()
    if value not in HANDOFF_AVAILABILITIES:
        raise ValueError(f"HANDOFF_AVAILABILITY must be one of {', '.join(HANDOFF_AVAILABILITIES)}, not {value!r}")
    return value


def _webhook_keys(env: Mapping[str, str]) -> Tuple[Tuple[str, str], ...]:
    """Parse ``WEBHOOK_KEYS`` (``id1:secret1,id2:secret2``): the signed webhook's keys.

    Raises:
        ValueError: If an entry is malformed, an id repeats or a secret is shorter than 32 characters.
    """
    keys: Dict[str, str] = {}
    for entry in (env.get("WEBHOOK_KEYS") or "").split(","):
        if not entry.strip():
            continue
        key_id, sep, secret = entry.strip().partition(":")
        if not sep or not re.fullmatch(r"[A-Za-z0-9_.-]{1,64}", key_id):
            raise ValueError("WEBHOOK_KEYS must be 'id:secret,...' with ids of 1-64 letters, digits, '_', '.', '-'")
        if len(secret) < 32:
            raise ValueError(f"WEBHOOK_KEYS: the secret of key {key_id!r} is shorter than 32 characters")
        if key_id in keys:
            raise ValueError(f"WEBHOOK_KEYS: key id {key_id!r} appears twice")
        keys[key_id] = secret
    return tuple(keys.items())


@dataclass(frozen=True)
class EventBrokerSettings:
    """Where conversation events are streamed (``bot.stores.event_broker``); off when ``url`` is None.

    Attributes:
        url: ``amqp://user:password@host:5672/vhost`` (RabbitMQ, ``amqps://`` for TLS) or
            ``kafka://[user:password@]host:9092[,host2:9092]`` (Kafka). Contains a secret: never log it.
        queues: RabbitMQ queues bound to the exchange (each consuming system gets its own).
        exchange: RabbitMQ fanout exchange the events are published to.
        topic: Kafka topic.
        connect_timeout: Seconds to keep trying to reach the broker at start-up before failing.
        buffer_mb: Megabytes of events each server process keeps while the broker is away
            (``bot.stores.outbox``); events beyond it are dropped and counted.
        kafka_security_protocol: PLAINTEXT, SASL_PLAINTEXT, SSL or SASL_SSL (None: SASL_PLAINTEXT
            when the URL has credentials, else PLAINTEXT).
        kafka_sasl_mechanism: PLAIN, SCRAM-SHA-256, SCRAM-SHA-512, ...
        kafka_ssl_cafile: CA certificate file for SSL.
        kafka_ssl_certfile: Client certificate file for SSL.
        kafka_ssl_keyfile: Client key file for SSL.
    """

    url: Optional[str] = field(default=None, repr=False)
    queues: Tuple[str, ...] = ("aalborg_assistant_events",)
    exchange: str = "aalborg_assistant_events"
    topic: str = "aalborg_assistant_events"
    connect_timeout: float = 10.0
    buffer_mb: float = 64.0
    kafka_security_protocol: Optional[str] = None
    kafka_sasl_mechanism: str = "PLAIN"
    kafka_ssl_cafile: Optional[str] = None
    kafka_ssl_certfile: Optional[str] = None
    kafka_ssl_keyfile: Optional[str] = None

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> EventBrokerSettings:
        """Read the ``EVENT_BROKER_*`` variables (documented in ``.env.example``).

        Args:
            env: The environment.

        Returns:
            The event broker settings.

        Raises:
            ValueError: If a variable has a value of the wrong type.
        """
        queues = tuple(name.strip() for name in (env.get("EVENT_BROKER_QUEUE") or "").split(",") if name.strip())
        raw_timeout = env.get("EVENT_BROKER_CONNECT_TIMEOUT") or "10"
        try:
            timeout = float(raw_timeout)
        except ValueError as error:
            raise ValueError(
                f"environment variable EVENT_BROKER_CONNECT_TIMEOUT must be a number, got {raw_timeout!r}"
            ) from error
        return cls(
            url=(env.get("EVENT_BROKER_URL") or "").strip() or None,
            queues=queues or cls.queues,
            exchange=env.get("EVENT_BROKER_EXCHANGE") or cls.exchange,
            topic=env.get("EVENT_BROKER_TOPIC") or cls.topic,
            connect_timeout=timeout,
            buffer_mb=_positive_float(env, "EVENT_BROKER_BUFFER_MB", cls.buffer_mb),
            kafka_security_protocol=env.get("EVENT_BROKER_KAFKA_SECURITY_PROTOCOL") or None,
            kafka_sasl_mechanism=env.get("EVENT_BROKER_KAFKA_SASL_MECHANISM") or cls.kafka_sasl_mechanism,
            kafka_ssl_cafile=env.get("EVENT_BROKER_KAFKA_SSL_CAFILE") or None,
            kafka_ssl_certfile=env.get("EVENT_BROKER_KAFKA_SSL_CERTFILE") or None,
            kafka_ssl_keyfile=env.get("EVENT_BROKER_KAFKA_SSL_KEYFILE") or None,
        )


@dataclass(frozen=True)
class Settings:
    """The project's settings.

    Attributes:
        project_dir: Root of the Rasa project (``config.yml``, ``domain.yml``, ``data/``).
        content_dir: Folder with the structured content files.
        var_dir: Folder for local state (SQLite database, generated token); git-ignored.
        languages: Supported language codes; the first is the fallback language.
        rasa_port: Port of the Rasa server (REST, socket.io, HTTP API).
        action_port: Port of the action server.
        web_port: Port of the project's web app (widget demo page, staff console).
        host: Interface the servers listen on.
        tracker_db_url: SQLAlchemy URL of the tracker store; SQLite under ``var/`` by default.
        max_message_chars: Longest user message accepted by any channel.
        max_body_bytes: Largest request body accepted by the REST channel.
        rasa_api_token: Token protecting Rasa's HTTP API (None: ``bot.run`` generates one).
        action_timeout_seconds: How long the health probe waits for the action server.
        retention_days: Conversations older than this are deleted (``bot.retention``).
        botframework_openid_url: OpenID configuration whose key set signs Bot Framework requests.
        event_broker: Where conversation events are streamed (off by default).
        console_session_hours: Absolute lifetime of a staff console session.
        console_idle_minutes: A console session unused for this long ends.
        console_secure_cookie: Mark console cookies ``Secure``; None (auto): always, except for
            plain-http requests to localhost.
        db_retry_seconds: How long a database operation whose connection dropped is retried on
            a fresh connection before the turn or request fails (``bot.stores.db_retry``).
        redis_url: Redis shared by the server's workers (signed webhook nonces); None: in memory.
        webhook_keys: The signed webhook's ``(key id, secret)`` pairs; empty: the webhook answers 503.
        webhook_callback_allowed_hosts: Hosts the signed webhook may call back; empty: any public host.
        webhook_callback_attempts: Delivery attempts of a callback before it counts as undelivered.
        webhook_callback_backoff_seconds: Wait before the second attempt, doubled after each attempt.
        webhook_callback_timeout_seconds: Time limit of one callback attempt.
        stock_rasa: Start Rasa exactly as shipped, without ``bot.rasa_server``'s fix (the
            benchmark's baseline).
        rasa_workers: Sanic workers of the Rasa server; 0 (``RASA_WORKERS`` unset): the runner
            chooses (``bot.run``: :func:`default_rasa_workers`; a container: one). Several workers
            share their conversation locks in Redis (``REDIS_URL``) or, without it, in a SQLite
            file under ``var_dir`` (``bot.stores.sqlite_locks``).
        log_format: ``text`` (each server's usual lines) or ``json`` (one JSON object per line).
        cluster_port: Port of nginx in front of the replicas (``make cluster``).
        cluster_replicas: Rasa servers and action servers ``make cluster`` starts (each).
        handoff_availability: When a newcomer asking for a person is queued for staff in the chat
            (``bot.handoff``): ``phone_hours`` (International House's phone hours from the content,
            holidays closed), ``always`` or ``never`` (then only a question with an e-mail address
            can be left).
        handoff_idle_minutes: A handoff with no message from either side for this long ends, and
            the assistant says it is back.
        action_server_token: Shared secret Rasa sends to the action server (``X-Action-Token``);
            None: the action server accepts any caller and must bind a loopback address.
        restart_backoff_seconds: The runner restarts a server that died after this long, doubled after
            each further exit within the crash window (``bot.run``).
    """

    project_dir: Path = PROJECT_DIR
    content_dir: Path = PROJECT_DIR / "data" / "content"
    var_dir: Path = PROJECT_DIR / "var"
    languages: Tuple[str, ...] = DEFAULT_LANGUAGES
    rasa_port: int = 5005
    action_port: int = 5055
    web_port: int = 8080
    host: str = "127.0.0.1"
    tracker_db_url: str = field(default="")
    max_message_chars: int = 1000
    max_body_bytes: int = 16 * 1024
    rasa_api_token: Optional[str] = None
    action_timeout_seconds: float = 2.0
    retention_days: int = 30
    botframework_openid_url: str = "https://login.botframework.com/v1/.well-known/openidconfiguration"
    event_broker: EventBrokerSettings = field(default_factory=EventBrokerSettings)
    console_session_hours: int = 8
    console_idle_minutes: int = 60
    console_secure_cookie: Optional[bool] = None
    redis_url: Optional[str] = field(default=None, repr=False)
    db_retry_seconds: float = 10.0
    webhook_keys: Tuple[Tuple[str, str], ...] = field(default=(), repr=False)
    webhook_callback_allowed_hosts: Tuple[str, ...] = ()
    webhook_callback_attempts: int = 5
    webhook_callback_backoff_seconds: float = 1.0
    webhook_callback_timeout_seconds: float = 10.0
    stock_rasa: bool = False
    rasa_workers: int = 0
    action_server_token: Optional[str] = field(default=None, repr=False)
    log_format: str = "text"
    cluster_port: int = 5000
    cluster_replicas: int = 2
    handoff_availability: str = "phone_hours"
    handoff_idle_minutes: float = 10.0
    restart_backoff_seconds: float = 0.5

    @property
    def default_language(self) -> str:
        """The language used when nothing else tells which one to use."""
        return self.languages[0]

    @property
    def action_endpoint_url(self) -> str:
        """URL Rasa calls to run custom actions."""
        return f"http://{self.host}:{self.action_port}/webhook"

    @property
    def models_dir(self) -> Path:
        """Folder of trained models."""
        return self.project_dir / "models"

    @classmethod
    def from_env(cls, env: Optional[Mapping[str, str]] = None) -> Settings:
        """Build settings from environment variables.

        Args:
            env: The environment to read; ``os.environ`` when omitted.

        Returns:
            The settings.

        Raises:
            ValueError: If a variable has a value of the wrong type.
        """
        env = os.environ if env is None else env
        project_dir = Path(env.get("PROJECT_DIR") or PROJECT_DIR).resolve()
        var_dir = Path(env.get("VAR_DIR") or project_dir / "var").resolve()
        languages = read_languages(project_dir)
        tracker_db_url = env.get("TRACKER_DB_URL") or f"sqlite:///{var_dir / 'tracker.db'}"
        return cls(
            project_dir=project_dir,
            content_dir=Path(env.get("CONTENT_DIR") or project_dir / "data" / "content").resolve(),
            var_dir=var_dir,
            languages=languages,
            rasa_port=_int(env, "RASA_PORT", 5005),
            action_port=_int(env, "ACTION_PORT", 5055),
            web_port=_int(env, "WEB_PORT", 8080),
            host=env.get("BIND_HOST") or "127.0.0.1",
            tracker_db_url=tracker_db_url,
            max_message_chars=_int(env, "MAX_MESSAGE_CHARS", 1000),
            max_body_bytes=_int(env, "MAX_BODY_BYTES", 16 * 1024),
            rasa_api_token=env.get("RASA_API_TOKEN") or None,
            action_timeout_seconds=float(env.get("ACTION_HEALTH_TIMEOUT") or 2.0),
            retention_days=_int(env, "RETENTION_DAYS", 30),
            botframework_openid_url=env.get("BOTFRAMEWORK_OPENID_URL") or cls.botframework_openid_url,
            event_broker=EventBrokerSettings.from_env(env),
            console_session_hours=_int(env, "CONSOLE_SESSION_HOURS", 8),
            console_idle_minutes=_int(env, "CONSOLE_IDLE_MINUTES", 60),
            console_secure_cookie=_optional_bool(env, "CONSOLE_SECURE_COOKIE"),
            redis_url=env.get("REDIS_URL") or None,
            db_retry_seconds=_positive_float(env, "DB_RETRY_SECONDS", 10.0),
            webhook_keys=_webhook_keys(env),
            webhook_callback_allowed_hosts=tuple(
                host.strip().lower() for host in (env.get("WEBHOOK_CALLBACK_ALLOWED_HOSTS") or "").split(",")
                if host.strip()
            ),
            webhook_callback_attempts=max(1, _int(env, "WEBHOOK_CALLBACK_ATTEMPTS", 5)),
            webhook_callback_backoff_seconds=float(env.get("WEBHOOK_CALLBACK_BACKOFF_SECONDS") or 1.0),
            webhook_callback_timeout_seconds=float(env.get("WEBHOOK_CALLBACK_TIMEOUT_SECONDS") or 10.0),
            stock_rasa=bool(_optional_bool(env, "STOCK_RASA")),
            rasa_workers=max(0, _int(env, "RASA_WORKERS", 0)),
            action_server_token=env.get("ACTION_SERVER_TOKEN") or None,
            log_format=_log_format(env),
            cluster_port=_int(env, "CLUSTER_PORT", 5000),
            cluster_replicas=max(1, _int(env, "CLUSTER_REPLICAS", 2)),
            handoff_availability=_handoff_availability(env),
            handoff_idle_minutes=_positive_float(env, "HANDOFF_IDLE_MINUTES", 10.0),
            restart_backoff_seconds=_positive_float(env, "RESTART_BACKOFF_SECONDS", 0.5),
        )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Return the process-wide settings, read from the environment once."""
    return Settings.from_env()


def default_rasa_workers(cores: Optional[int] = None) -> int:
    """The Rasa workers of ``make run`` when ``RASA_WORKERS`` is unset: two, or one on one core.

    Measured on the 2-core machines (issue #16, ``docs/benchmarks.md``): two workers answered
    1.8 times as many messages per second as one with 10 users, for the same one-user latency.

    Args:
        cores: The machine's cores; None: ``os.cpu_count()``.
    """
    count = cores if cores is not None else (os.cpu_count() or 1)
    return 2 if count >= 2 else 1
