"""Signed callbacks of the signed webhook: replies POSTed to the integrator's ``callback_url``.

Delivery runs in worker threads with ``requests``: up to ``WEBHOOK_CALLBACK_ATTEMPTS`` attempts,
waiting ``WEBHOOK_CALLBACK_BACKOFF_SECONDS`` before the second and twice as long before each next
one (1, 2, 4, 8 s by default). Connection errors, time-outs, 5xx and 429 are retried; any other
answer that is not 2xx (4xx, and redirects, which are never followed) is final. Each attempt is
signed afresh (:mod:`bot.channels.signing`) with the key that signed the request; the body, and
its ``delivery_id``, stay the same, so a receiver can drop duplicates.

A reply that cannot be delivered is never dropped silently: it is logged (``logger.error`` with the
sender, the callback host and the reason) and stored in the table ``undelivered_replies`` of the
tracker store's database, which the staff console lists (:func:`list_undelivered`).
"""

from __future__ import annotations

import ipaddress
import json
import logging
import socket
import threading
import time
import uuid
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import lru_cache
from typing import Any, Callable, Dict, List, Optional, Sequence
from urllib.parse import urlsplit

import requests
import sqlalchemy as sa

from bot.channels.guard import InvalidMessage
from bot.channels.signing import sign
from bot.settings import Settings

logger = logging.getLogger(__name__)

MAX_URL_LENGTH = 2048
_RETRIED_STATUS = 429

metadata = sa.MetaData()

#: Replies that could not be delivered to their callback URL.
undelivered_replies = sa.Table(
    "undelivered_replies",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, index=True),
    sa.Column("sender_id", sa.String(128), nullable=False, index=True),
    sa.Column("callback_url", sa.String(MAX_URL_LENGTH), nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("last_error", sa.Text, nullable=False),
    sa.Column("payload", sa.JSON, nullable=False),
)


def _host_allowed(host: str, allowed_hosts: Sequence[str]) -> bool:
    """Whether ``host`` is in the allow-list (an entry ``.example.org`` admits every subdomain)."""
    host = host.lower()
    return any(host == entry or (entry.startswith(".") and host.endswith(entry)) for entry in allowed_hosts)


def _is_public_ip(text: str) -> Optional[bool]:
    """True/False for an IP address literal (public or not), None for a host name."""
    try:
        return ipaddress.ip_address(text).is_global
    except ValueError:
        return None


def check_callback_url(url: Any, allowed_hosts: Sequence[str], field: str = "callback_url") -> str:
    """Return the callback URL if it may be used.

    With an allow-list (``WEBHOOK_CALLBACK_ALLOWED_HOSTS``) the host must be on it; without one,
    ``localhost`` and IP literals that are not public are refused here, and host names are
    resolved again before each delivery (:func:`check_public_host`).

    Args:
        url: The value received.
        allowed_hosts: Lowercase hosts allowed; empty: any public host.
        field: The field's name, for the error.

    Returns:
        The URL.

    Raises:
        InvalidMessage: (400, naming the field) if it is not an acceptable http(s) URL.
    """
    if not isinstance(url, str) or not url or len(url) > MAX_URL_LENGTH:
        raise InvalidMessage("invalid_field", f"'{field}' must be a URL of at most {MAX_URL_LENGTH} characters", field)
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        _ = parts.port
    except ValueError:
        raise InvalidMessage("invalid_field", f"'{field}' is not a valid URL", field) from None
    if parts.scheme not in ("http", "https") or not host:
        raise InvalidMessage("invalid_field", f"'{field}' must be an http:// or https:// URL with a host", field)
    if parts.username is not None or parts.password is not None:
        raise InvalidMessage("invalid_field", f"'{field}' must not contain a user name or password", field)
    if any(ord(char) < 33 or ord(char) == 127 for char in url):
        raise InvalidMessage("invalid_field", f"'{field}' must not contain spaces or control characters", field)
    if allowed_hosts:
        if not _host_allowed(host, allowed_hosts):
            raise InvalidMessage("callback_not_allowed", f"the host of '{field}' is not on the allow-list", field)
    elif host == "localhost" or host.endswith(".localhost") or _is_public_ip(host) is False:
        raise InvalidMessage("callback_not_allowed", f"'{field}' must point to a public address", field)
    return url


def check_public_host(url: str) -> Optional[str]:
    """None if every address of the URL's host is public, else the reason it is not."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        addresses = {str(info[4][0]) for info in socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)}
    except (OSError, UnicodeError) as error:
        return f"cannot resolve {host}: {error}"
    private = sorted(address for address in addresses if _is_public_ip(address.split("%")[0]) is not True)
    if private:
        listed = ", ".join(private)
        return f"{host} resolves to a non-public address ({listed}); only WEBHOOK_CALLBACK_ALLOWED_HOSTS may"
    return None


@dataclass
class CallbackJob:
    """One reply to deliver."""

    url: str
    key_id: str
    secret: str = field(repr=False)
    sender: str
    messages: List[Dict[str, Any]]
    in_reply_to: str
    delivery_id: str = field(default_factory=lambda: uuid.uuid4().hex)

    @property
    def payload(self) -> Dict[str, Any]:
        """The JSON body POSTed to the callback URL."""
        return {
            "sender": self.sender,
            "messages": self.messages,
            "in_reply_to": self.in_reply_to,
            "delivery_id": self.delivery_id,
        }

    @property
    def host(self) -> str:
        """The callback URL's host (what the logs name; the full URL may hold the integrator's tokens)."""
        return urlsplit(self.url).hostname or "?"


@dataclass
class DeliveryResult:
    """What became of a delivery."""

    delivered: bool
    attempts: int
    last_error: Optional[str] = None


def deliver(job: CallbackJob, settings: Settings, sleep: Callable[[float], None] = time.sleep) -> DeliveryResult:
    """POST a reply to its callback URL, with retries and exponential backoff.

    Args:
        job: The reply.
        settings: Attempts, backoff, time limit and allow-list.
        sleep: Waits between attempts (tests may pass a recorder).

    Returns:
        Whether it was delivered, after how many attempts, and the last error.
    """
    body = json.dumps(job.payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    attempts = max(1, settings.webhook_callback_attempts)
    last_error = "not attempted"
    for attempt in range(1, attempts + 1):
        if attempt > 1:
            sleep(settings.webhook_callback_backoff_seconds * 2 ** (attempt - 2))
        if not settings.webhook_callback_allowed_hosts:
            refused = check_public_host(job.url)
            if refused:
                return DeliveryResult(False, attempt - 1, refused)
        headers = {"Content-Type": "application/json", **sign(job.key_id, job.secret, body)}
        try:
            response = requests.post(
                job.url, data=body, headers=headers, timeout=settings.webhook_callback_timeout_seconds,
                allow_redirects=False,
            )
        except (requests.ConnectionError, requests.Timeout) as error:
            last_error = f"attempt {attempt}: {type(error).__name__}"
            continue
        except requests.RequestException as error:
            return DeliveryResult(False, attempt, f"attempt {attempt}: {type(error).__name__}: {error}")
        if 200 <= response.status_code < 300:
            return DeliveryResult(True, attempt)
        last_error = f"attempt {attempt}: HTTP {response.status_code}"
        if response.status_code < 500 and response.status_code != _RETRIED_STATUS:
            return DeliveryResult(False, attempt, last_error)
    return DeliveryResult(False, attempts, last_error)


@lru_cache(maxsize=4)
def engine_for(url: str) -> sa.engine.Engine:
    """A (cached) engine for the tracker store's database, with ``undelivered_replies`` created."""
    engine = sa.create_engine(url, future=True, pool_pre_ping=True)
    metadata.create_all(engine, tables=[undelivered_replies])
    return engine


def record_undelivered(
    engine: sa.engine.Engine, sender_id: str, callback_url: str, attempts: int, last_error: str,
    payload: Dict[str, Any],
) -> int:
    """Store an undelivered reply.

    Args:
        engine: The tracker store's database.
        sender_id: The conversation.
        callback_url: Where it should have gone.
        attempts: How many attempts were made.
        last_error: Why the last attempt failed.
        payload: The body that was not delivered.

    Returns:
        The row's id.
    """
    metadata.create_all(engine, tables=[undelivered_replies])
    with engine.begin() as connection:
        result = connection.execute(
            undelivered_replies.insert().values(
                created_at=datetime.now(timezone.utc), sender_id=sender_id[:128],
                callback_url=callback_url[:MAX_URL_LENGTH], attempts=attempts, last_error=last_error,
                payload=payload,
            )
        )
        return int(result.inserted_primary_key[0])


def list_undelivered(engine: sa.engine.Engine, limit: int = 100) -> List[Dict[str, Any]]:
    """The newest undelivered replies, newest first (for the staff console).

    Args:
        engine: The tracker store's database.
        limit: At most this many rows.

    Returns:
        One mapping per row: ``id``, ``created_at``, ``sender_id``, ``callback_url``, ``attempts``,
        ``last_error``, ``payload``.
    """
    if not sa.inspect(engine).has_table(undelivered_replies.name):
        return []
    query = undelivered_replies.select().order_by(undelivered_replies.c.id.desc()).limit(limit)
    with engine.connect() as connection:
        return [dict(row._mapping) for row in connection.execute(query)]


def delete_undelivered(
    engine: sa.engine.Engine, sender_id: Optional[str] = None, before: Optional[datetime] = None
) -> int:
    """Delete stored undelivered replies (for erasure requests and retention).

    Args:
        engine: The tracker store's database.
        sender_id: Only this conversation's rows.
        before: Only rows created before this moment (timezone-aware).

    Returns:
        How many rows were deleted.
    """
    if not sa.inspect(engine).has_table(undelivered_replies.name):
        return 0
    statement = undelivered_replies.delete()
    if sender_id is not None:
        statement = statement.where(undelivered_replies.c.sender_id == sender_id)
    if before is not None:
        statement = statement.where(undelivered_replies.c.created_at < before)
    with engine.begin() as connection:
        return int(connection.execute(statement).rowcount)


def give_up(job: CallbackJob, settings: Settings, attempts: int, reason: str) -> None:
    """Log an undeliverable reply and store it in ``undelivered_replies``.

    Args:
        job: The reply.
        settings: Where the tracker store's database is.
        attempts: Delivery attempts made.
        reason: Why it was not delivered.
    """
    logger.error(
        "undeliverable webhook reply for sender %s to host %s after %d attempt(s): %s",
        job.sender, job.host, attempts, reason,
    )
    try:
        record_undelivered(engine_for(settings.tracker_db_url), job.sender, job.url, attempts, reason, job.payload)
    except Exception:
        logger.exception("could not store the undeliverable reply for sender %s in undelivered_replies", job.sender)


class CallbackDispatcher:
    """Delivers replies in worker threads, so the server answers 202 at once."""

    def __init__(self, settings: Settings, workers: int = 4) -> None:
        self.settings = settings
        self._workers = workers
        self._executor: Optional[ThreadPoolExecutor] = None
        self._lock = threading.Lock()

    def _run(self, job: CallbackJob) -> DeliveryResult:
        try:
            result = deliver(job, self.settings)
        except Exception as error:  # a bug must not lose the reply
            logger.exception("callback delivery for sender %s failed unexpectedly", job.sender)
            result = DeliveryResult(False, 0, f"{type(error).__name__}: {error}")
        if result.delivered:
            logger.info("webhook reply for sender %s delivered to host %s (attempt %d)", job.sender, job.host,
                        result.attempts)
        else:
            give_up(job, self.settings, result.attempts, result.last_error or "unknown error")
        return result

    def submit(self, job: CallbackJob) -> Future:
        """Start delivering a reply in a worker thread.

        Args:
            job: The reply.

        Returns:
            A future of the :class:`DeliveryResult`.
        """
        with self._lock:
            if self._executor is None:
                self._executor = ThreadPoolExecutor(self._workers, thread_name_prefix="webhook-callback")
        return self._executor.submit(self._run, job)

    def shutdown(self) -> None:
        """Wait for the deliveries in progress."""
        with self._lock:
            if self._executor is not None:
                self._executor.shutdown(wait=True)
                self._executor = None
