"""The lock store Rasa uses: Redis when ``REDIS_URL`` is set, else SQLite or memory.

Rasa serialises the messages of one conversation with a ticket lock. With one Sanic worker an
in-memory lock is enough; several workers (``RASA_WORKERS`` > 1, which ``bot.run`` passes to
Rasa as ``SANIC_WORKERS``) must share their locks: through Redis when ``REDIS_URL`` is set
(several machines), else through a SQLite file under ``var/`` (several workers of one machine,
``bot.stores.sqlite_locks``). ``endpoints.yml`` names this class, so the same file works in
every set-up (Rasa would fail on an unset ``${REDIS_URL}``).

One change to Rasa's waiting (:meth:`ConfiguredLockStore.lock`): a process that dies during a
turn (a killed replica) leaves its ticket behind until the ticket expires (``TICKET_LOCK_LIFETIME``).
A message of the same conversation that arrived meanwhile waits with a ticket of its own, which
expires about when the dead one does, because both lifetimes count from when they were issued.
Rasa 3.6 then waits forever: its ticket is gone, so it is never "now serving" (found by the
cluster's failover test, tests/e2e/test_cluster.py). Here a waiter whose ticket expired while it
waited takes a new one and keeps its place behind the tickets that are still valid.

While Redis is away (docs/reliability.md): a command on a dropped connection is retried on a new
one (``RETRIES``); if Redis does not come back within about 3 s, taking the lock fails with
``StoreUnavailable`` and the turn fails visibly, never runs unlocked. A Redis that restarts
empty forgets the tickets it held: a turn running at that moment and the next message of the
same conversation can then overlap once.
"""

from __future__ import annotations

import asyncio
import logging
import os
from contextlib import asynccontextmanager
from typing import Any, AsyncGenerator, Optional, Text

from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, InMemoryLockStore, LockStore, RedisLockStore

from bot.privacy import redact_url
from bot.settings import get_settings
from bot.stores.sqlite_locks import SQLiteLockStore, shared_state_path

#: Prefix of this assistant's keys in Redis (other applications may share the database).
KEY_PREFIX = "aalborg"
SOCKET_TIMEOUT_SECONDS = 10.0
#: Attempts after the first for a Redis command whose connection failed (about 3 s in all).
RETRIES = 6

logger = logging.getLogger(__name__)


class LockStoreUnavailable(RuntimeError):
    """Redis cannot be reached."""


def redis_lock_store(url: str) -> RedisLockStore:
    """Rasa's Redis lock store on ``url`` (``redis://[:password@]host:port/db``), checked once.

    Raises:
        LockStoreUnavailable: If Redis does not answer.
    """
    import redis
    from redis.backoff import ExponentialBackoff
    from redis.retry import Retry

    store = RedisLockStore(key_prefix=KEY_PREFIX)
    # A connection Redis closed (a restart, CLIENT KILL, an idle timeout) fails the command that
    # uses it; redis-py then reconnects, and Retry runs the command again on the new connection
    # (up to RETRIES times, 50 ms doubling to 1 s apart). Lock commands are safe to repeat.
    store.red = redis.StrictRedis.from_url(
        url, socket_timeout=SOCKET_TIMEOUT_SECONDS, socket_connect_timeout=SOCKET_TIMEOUT_SECONDS,
        retry=Retry(ExponentialBackoff(cap=1.0, base=0.05), RETRIES),
        retry_on_error=[redis.exceptions.ConnectionError, redis.exceptions.TimeoutError],
        health_check_interval=30,
    )
    try:
        store.red.ping()
    except redis.exceptions.RedisError as error:
        raise LockStoreUnavailable(f"lock store: cannot reach Redis at {redact_url(url)}: {error}") from error
    return store


class ConfiguredLockStore(LockStore):
    """Delegates to Rasa's Redis lock store (``REDIS_URL``) or to its in-memory one."""

    def __init__(self, endpoint_config: Optional[Any] = None) -> None:
        """Choose the backing store from the settings.

        Args:
            endpoint_config: Rasa's ``lock_store`` entry of ``endpoints.yml`` (nothing is read from it).
        """
        settings = get_settings()
        url = settings.redis_url
        workers = os.environ.get("SANIC_WORKERS", "1").strip() or "1"
        self.backend: LockStore
        if url:
            self.backend = redis_lock_store(url)
        elif workers != "1":
            # Several workers on one machine without Redis: the shared SQLite file under var/.
            self.backend = SQLiteLockStore(shared_state_path(settings.var_dir))
        else:
            self.backend = InMemoryLockStore()
        super().__init__()

    # The read-modify-write steps are the backend's own: the SQLite store runs each in one
    # transaction; Rasa's stores run the base class's steps on their own get/save.

    def issue_ticket(self, conversation_id: Text, lock_lifetime: float = LOCK_LIFETIME) -> int:
        """The backend's ``issue_ticket``."""
        return self.backend.issue_ticket(conversation_id, lock_lifetime)

    def update_lock(self, conversation_id: Text) -> None:
        """The backend's ``update_lock``."""
        self.backend.update_lock(conversation_id)

    def finish_serving(self, conversation_id: Text, ticket_number: int) -> None:
        """The backend's ``finish_serving``."""
        self.backend.finish_serving(conversation_id, ticket_number)

    def cleanup(self, conversation_id: Text, ticket_number: int) -> None:
        """The backend's ``cleanup``."""
        self.backend.cleanup(conversation_id, ticket_number)

    def get_lock(self, conversation_id: Text) -> Optional[TicketLock]:
        """The conversation's lock, if any."""
        return self.backend.get_lock(conversation_id)

    def delete_lock(self, conversation_id: Text) -> None:
        """Delete the conversation's lock."""
        self.backend.delete_lock(conversation_id)

    def save_lock(self, lock: TicketLock) -> None:
        """Store a lock."""
        self.backend.save_lock(lock)

    @asynccontextmanager
    async def lock(
        self, conversation_id: Text, lock_lifetime: float = LOCK_LIFETIME, wait_time_in_seconds: float = 1
    ) -> AsyncGenerator[TicketLock, None]:
        """Hold the conversation's lock for one turn (Rasa's ticket lock, see the module's text).

        Args:
            conversation_id: The conversation.
            lock_lifetime: Seconds after which a ticket counts as abandoned.
            wait_time_in_seconds: Pause between two looks at the lock while waiting.

        Yields:
            The lock, once this turn's ticket is being served.
        """
        tickets: list = []
        try:
            tickets.append(self.issue_ticket(conversation_id, lock_lifetime))
            lock = await self._wait_for_turn(conversation_id, tickets, lock_lifetime, wait_time_in_seconds)
        except Exception as error:
            raise self._unavailable(error) from error
        try:
            yield lock
        finally:
            try:
                self.cleanup(conversation_id, tickets[-1])
            except Exception as error:  # the ticket expires by itself after lock_lifetime
                logger.warning("conversation %s: could not release its lock: %s", conversation_id, error)

    def _unavailable(self, error: Exception) -> Exception:
        """A Redis failure while taking a lock becomes ``StoreUnavailable`` (the turn fails visibly)."""
        import redis

        cause: Optional[BaseException] = error
        while cause is not None and not isinstance(cause, redis.exceptions.RedisError):
            cause = cause.__cause__ or cause.__context__  # Rasa wraps it in LockError
        if cause is None:
            return error
        error = cause  # type: ignore[assignment]
        from bot import metrics
        from bot.stores.db_retry import StoreUnavailable

        metrics.STORE_ERRORS.labels(store="lock", operation="lock").inc()
        message = f"lock store: Redis did not answer after {RETRIES} retries: {type(error).__name__}: {error}"
        logger.error(message)
        return StoreUnavailable(message)

    async def _wait_for_turn(
        self, conversation_id: Text, tickets: list, lock_lifetime: float, wait_time_in_seconds: float
    ) -> TicketLock:
        """Wait until the newest ticket in ``tickets`` is served; re-issue it if it expired meanwhile."""
        while True:
            lock = self.get_lock(conversation_id)
            if lock is None or lock._ticket_for_ticket_number(tickets[-1]) is None:
                logger.warning(
                    "conversation %s: ticket %s expired while waiting for a turn that never finished "
                    "(a server died during it?); taking a new ticket", conversation_id, tickets[-1],
                )
                tickets.append(self.issue_ticket(conversation_id, lock_lifetime))
                continue
            if not lock.is_locked(tickets[-1]):
                return lock
            await asyncio.sleep(wait_time_in_seconds)
            self.update_lock(conversation_id)
