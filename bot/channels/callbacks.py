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
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Callable, Dict, List, Optional, Sequence, Set, Tuple
from urllib.parse import urlsplit, urlunsplit

import requests
import sqlalchemy as sa
from requests.adapters import HTTPAdapter

from bot.channels.guard import InvalidMessage
from bot.channels.signing import sign
from bot.settings import Settings

logger = logging.getLogger(__name__)

MAX_URL_LENGTH = 2048
#: At shutdown, deliveries waiting between attempts get this long to record themselves.
STOP_GRACE_SECONDS = 1.0
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
    resolved again before each attempt, which then connects to a checked address
    (:func:`resolve_public`, :func:`post_pinned`).

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


def resolve_public(url: str) -> Tuple[List[str], Optional[str]]:
    """Resolve the URL's host once and check that every address is public.

    Args:
        url: The callback URL.

    Returns:
        The addresses (in the resolver's order) and None when all are public, else ``[]`` and
        the reason.
    """
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError) as error:
        return [], f"cannot resolve {host}: {error}"
    addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
    private = sorted(address for address in addresses if _is_public_ip(address.split("%")[0]) is not True)
    if private:
        listed = ", ".join(private)
        return [], f"{host} resolves to a non-public address ({listed}); only WEBHOOK_CALLBACK_ALLOWED_HOSTS may"
    if not addresses:
        return [], f"cannot resolve {host}: no address"
    return addresses, None


def check_public_host(url: str) -> Optional[str]:
    """None if every address of the URL's host is public, else the reason it is not."""
    return resolve_public(url)[1]


class PinnedTLSAdapter(HTTPAdapter):
    """Connects to an address given in the URL, but speaks TLS for the original host name.

    The SNI name and the certificate check use ``hostname``, so pinning the address changes
    nothing for a correctly configured HTTPS receiver.
    """

    def __init__(self, hostname: str) -> None:
        self.hostname = hostname
        super().__init__(max_retries=0)

    def init_poolmanager(self, connections: int, maxsize: int, block: bool = False, **pool_kwargs: Any) -> None:
        """Create urllib3's pool manager with the TLS host name set (see ``HTTPAdapter``)."""
        super().init_poolmanager(
            connections, maxsize, block, server_hostname=self.hostname, assert_hostname=self.hostname, **pool_kwargs
        )


def post_pinned(
    url: str, address: str, body: bytes, headers: Dict[str, str], timeout: float
) -> requests.Response:
    """POST to ``url`` over a connection to ``address``, without resolving the host again.

    Resolving twice would let a DNS answer change between the check and the connection (DNS
    rebinding). The request still carries the URL's ``Host`` header, and HTTPS still checks the
    certificate against the URL's host name. Proxies from the environment are not used.

    Args:
        url: The callback URL.
        address: One of its host's checked addresses.
        body: The request body.
        headers: The request headers.
        timeout: Seconds for connecting and for each read.

    Returns:
        The response (redirects are not followed).
    """
    parts = urlsplit(url)
    literal = f"[{address}]" if ":" in address else address
    target = urlunsplit(parts._replace(netloc=f"{literal}:{parts.port}" if parts.port else literal))
    with requests.Session() as session:
        session.trust_env = False
        if parts.scheme == "https":
            session.mount("https://", PinnedTLSAdapter(parts.hostname or ""))
        return session.post(
            target, data=body, headers={**headers, "Host": parts.netloc}, timeout=timeout, allow_redirects=False
        )


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


def _always(attempt: int) -> bool:
    return True


def deliver(
    job: CallbackJob, settings: Settings, sleep: Callable[[float], Any] = time.sleep,
    proceed: Callable[[int], bool] = _always,
) -> DeliveryResult:
    """POST a reply to its callback URL, with retries and exponential backoff.

    Args:
        job: The reply.
        settings: Attempts, backoff, time limit and allow-list.
        sleep: Waits between attempts (tests may pass a recorder).
        proceed: Asked before each attempt (with its number); False stops (server shutdown).

    Returns:
        Whether it was delivered, after how many attempts, and the last error.
    """
    body = json.dumps(job.payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    attempts = max(1, settings.webhook_callback_attempts)
    last_error = "not attempted"
    for attempt in range(1, attempts + 1):
        if attempt > 1:
            sleep(settings.webhook_callback_backoff_seconds * 2 ** (attempt - 2))
        if not proceed(attempt):
            return DeliveryResult(False, attempt - 1, f"the server stopped before attempt {attempt}")
        address: Optional[str] = None
        if not settings.webhook_callback_allowed_hosts:
            addresses, refused = resolve_public(job.url)
            if refused:
                return DeliveryResult(False, attempt - 1, refused)
            address = addresses[0]  # connect to the address that was checked, not to a new answer
        headers = {"Content-Type": "application/json", **sign(job.key_id, job.secret, body)}
        timeout = settings.webhook_callback_timeout_seconds
        try:
            if address is None:  # an allow-listed host: its owner is trusted with its DNS
                response = requests.post(job.url, data=body, headers=headers, timeout=timeout, allow_redirects=False)
            else:
                response = post_pinned(job.url, address, body, headers, timeout)
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


_engines: Dict[str, sa.engine.Engine] = {}
_engines_lock = threading.Lock()


def engine_for(url: str) -> sa.engine.Engine:
    """A (cached) engine for the tracker store's database, with ``undelivered_replies`` created."""
    with _engines_lock:
        engine = _engines.get(url)
        if engine is None:
            engine = sa.create_engine(url, future=True, pool_pre_ping=True)
            metadata.create_all(engine, tables=[undelivered_replies])
            _engines[url] = engine
        return engine


def dispose_engines() -> int:
    """Close the connections of every engine :func:`engine_for` made, and forget them.

    Returns:
        How many engines were disposed.
    """
    with _engines_lock:
        engines = list(_engines.values())
        _engines.clear()
    for engine in engines:
        engine.dispose()
    return len(engines)


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
    """Delivers replies in worker threads, so the server answers 202 at once.

    :meth:`shutdown` waits a bounded time for the deliveries in progress; a reply that could not
    be delivered by then is recorded in ``undelivered_replies``, never dropped.
    """

    def __init__(self, settings: Settings, workers: int = 4) -> None:
        self.settings = settings
        self._workers = workers
        self._executor: Optional[ThreadPoolExecutor] = None
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._closed = False
        self._pending: Dict[Future, CallbackJob] = {}
        self._attempts: Dict[str, int] = {}
        self._settled: Set[str] = set()

    def _settle(self, job: CallbackJob) -> bool:
        """Claim the right to report a job's outcome: True the first time only."""
        with self._lock:
            if job.delivery_id in self._settled:
                return False
            self._settled.add(job.delivery_id)
            return True

    def _proceed(self, job: CallbackJob, attempt: int) -> bool:
        with self._lock:
            self._attempts[job.delivery_id] = attempt
        return not self._stopping.is_set()

    def _run(self, job: CallbackJob) -> DeliveryResult:
        try:
            result = deliver(job, self.settings, sleep=self._stopping.wait,
                             proceed=lambda attempt: self._proceed(job, attempt))
        except Exception as error:  # a bug must not lose the reply
            logger.exception("callback delivery for sender %s failed unexpectedly", job.sender)
            result = DeliveryResult(False, 0, f"{type(error).__name__}: {error}")
        if not self._settle(job):  # recorded as undelivered at shutdown while this attempt ran
            logger.warning("webhook reply for sender %s to host %s finished after shutdown (delivered: %s)",
                           job.sender, job.host, result.delivered)
            return result
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
            closed = self._closed
            if not closed:
                if self._executor is None:
                    self._executor = ThreadPoolExecutor(self._workers, thread_name_prefix="webhook-callback")
                future = self._executor.submit(self._run, job)
                self._pending[future] = job
        if closed:  # after shutdown nothing is sent, and nothing is lost
            give_up(job, self.settings, 0, "the server was stopping; the reply was not sent")
            future = Future()
            future.set_result(DeliveryResult(False, 0, "the server was stopping"))
            return future
        future.add_done_callback(self._forget)
        return future

    def _forget(self, future: Future) -> None:
        with self._lock:
            job = self._pending.pop(future, None)
            if job is not None:
                self._attempts.pop(job.delivery_id, None)

    def shutdown(self, timeout: Optional[float] = None) -> int:
        """Wait for the deliveries in progress, at most ``timeout`` seconds, then stop.

        Deliveries still waiting for their first or next attempt are stopped and recorded in
        ``undelivered_replies``; an attempt still in flight is recorded too (it may yet arrive:
        its ``delivery_id`` lets the receiver drop a duplicate). Later submissions are recorded,
        not sent.

        Args:
            timeout: Seconds to wait; None waits for every delivery to end.

        Returns:
            How many replies this call recorded (a delivery stopped between attempts records
            itself, with the number of attempts made).
        """
        with self._lock:
            executor, self._executor = self._executor, None
            self._closed = True
            pending = dict(self._pending)
        if executor is None:
            return 0
        _, unfinished = wait(list(pending), timeout=timeout)
        self._stopping.set()  # retries stop: a job waiting for its next attempt records itself at once
        recorded = 0
        running = []
        for future in unfinished:
            if future.cancel():
                if self._settle(pending[future]):
                    give_up(pending[future], self.settings, 0, "the server stopped before the first attempt")
                    recorded += 1
            else:
                running.append(future)
        _, in_flight = wait(running, timeout=STOP_GRACE_SECONDS)
        for future in in_flight:
            job = pending[future]
            with self._lock:
                attempts = self._attempts.get(job.delivery_id, 0)
            if self._settle(job):
                give_up(job, self.settings, attempts, f"the server stopped during attempt {attempts}")
                recorded += 1
        executor.shutdown(wait=False)
        return recorded
