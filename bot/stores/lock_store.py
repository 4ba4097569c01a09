"""The lock store Rasa uses: Redis when ``REDIS_URL`` is set, in memory otherwise.

Rasa serialises the messages of one conversation with a ticket lock. With one Sanic worker an
in-memory lock is enough; several workers (``RASA_WORKERS`` > 1, which ``bot.run`` passes to
Rasa as ``SANIC_WORKERS``) must share their locks through Redis. ``endpoints.yml`` names this
class, so the same file works in both set-ups (Rasa would fail on an unset ``${REDIS_URL}``).
Rasa counts any custom lock store type as multi-worker capable; ``bot.run`` refuses to start
several workers without ``REDIS_URL``.
"""

from __future__ import annotations

import os
from typing import Any, Optional, Text

from rasa.core.lock import TicketLock
from rasa.core.lock_store import InMemoryLockStore, LockStore, RedisLockStore

from bot.privacy import redact_url
from bot.settings import get_settings

#: Prefix of this assistant's keys in Redis (other applications may share the database).
KEY_PREFIX = "aalborg"
SOCKET_TIMEOUT_SECONDS = 10.0


class LockStoreUnavailable(RuntimeError):
    """Redis cannot be reached."""


def redis_lock_store(url: str) -> RedisLockStore:
    """Rasa's Redis lock store on ``url`` (``redis://[:password@]host:port/db``), checked once.

    Raises:
        LockStoreUnavailable: If Redis does not answer.
    """
    import redis

    store = RedisLockStore(key_prefix=KEY_PREFIX)
    store.red = redis.StrictRedis.from_url(url, socket_timeout=SOCKET_TIMEOUT_SECONDS)
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
        url = get_settings().redis_url
        workers = os.environ.get("SANIC_WORKERS", "1").strip() or "1"
        if not url and workers != "1":
            # Rasa counts any custom lock store as fit for several workers; in-memory locks are not.
            raise LockStoreUnavailable(
                f"lock store: SANIC_WORKERS={workers} needs REDIS_URL (workers share conversation locks in Redis)"
            )
        self.backend: LockStore = redis_lock_store(url) if url else InMemoryLockStore()
        super().__init__()

    def get_lock(self, conversation_id: Text) -> Optional[TicketLock]:
        """The conversation's lock, if any."""
        return self.backend.get_lock(conversation_id)

    def delete_lock(self, conversation_id: Text) -> None:
        """Delete the conversation's lock."""
        self.backend.delete_lock(conversation_id)

    def save_lock(self, lock: TicketLock) -> None:
        """Store a lock."""
        self.backend.save_lock(lock)
