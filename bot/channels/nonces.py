"""Nonce stores: remember each signed request's nonce for the signature window, to refuse replays.

:class:`MemoryNonceStore` serves one server process; several workers of one machine share
``bot.stores.sqlite_locks.SQLiteNonceStore``; :class:`RedisNonceStore` (``REDIS_URL``) is
shared by several workers or machines and uses ``SET key 1 NX EX <ttl>``, which is atomic, so two
workers receiving the same request at once cannot both accept it.
"""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any, Dict, Optional, Protocol

from bot.settings import Settings


class NonceStoreUnavailable(Exception):
    """The nonce store could not be asked (Redis down): the request cannot be checked for replay."""


class NonceStore(Protocol):
    """Remembers nonces for a while."""

    async def claim(self, key_id: str, nonce: str, ttl_seconds: int) -> bool:
        """Record a nonce; True if it was new, False if it was seen within its time to live."""

    async def close(self) -> None:
        """Release connections (at server stop)."""


class MemoryNonceStore:
    """Nonces in this process's memory, forgotten after their time to live."""

    def __init__(self, clock: Any = time.monotonic) -> None:
        self._clock = clock
        self._expiry: Dict[str, float] = {}
        self._lock = threading.Lock()
        self._next_prune = 0.0

    def __len__(self) -> int:
        return len(self._expiry)

    async def claim(self, key_id: str, nonce: str, ttl_seconds: int) -> bool:
        """Record a nonce; True if it was new, False if it was seen within its time to live.

        Args:
            key_id: The key that signed the request (nonces are per key).
            nonce: The request's nonce.
            ttl_seconds: How long to remember it.

        Returns:
            Whether the nonce was new.
        """
        now = self._clock()
        entry = f"{key_id}\n{nonce}"
        with self._lock:
            if now >= self._next_prune:
                self._expiry = {key: expiry for key, expiry in self._expiry.items() if expiry > now}
                self._next_prune = now + 30
            if self._expiry.get(entry, now) > now:
                return False
            self._expiry[entry] = now + ttl_seconds
            return True

    async def close(self) -> None:
        """Nothing to release (the nonces are forgotten with the process)."""


class RedisNonceStore:
    """Nonces in Redis (``webhook-nonce:<key id>:<nonce>``), expiring by themselves."""

    PREFIX = "webhook-nonce:"

    def __init__(self, url: str) -> None:
        self._url = url
        self._clients: Dict[int, Any] = {}

    def _client(self) -> Any:
        """One client per event loop (redis.asyncio connections belong to the loop that made them)."""
        loop_id = id(asyncio.get_running_loop())
        client = self._clients.get(loop_id)
        if client is None:
            import redis.asyncio as redis_asyncio  # imported here: not needed without REDIS_URL
            from redis.asyncio.retry import Retry
            from redis.backoff import ExponentialBackoff
            from redis.exceptions import ConnectionError as RedisConnectionError

            # A pooled connection that Redis closed (a restart, CLIENT KILL) fails once; the
            # command is then sent again on a new connection. Only connection errors are retried:
            # the SET never reached Redis, so repeating it cannot turn a new nonce into a "replay".
            client = redis_asyncio.Redis.from_url(
                self._url, socket_connect_timeout=2, socket_timeout=2,
                retry=Retry(ExponentialBackoff(cap=0.5, base=0.05), 2), retry_on_error=[RedisConnectionError],
            )
            self._clients[loop_id] = client
        return client

    async def claim(self, key_id: str, nonce: str, ttl_seconds: int) -> bool:
        """Record a nonce; True if it was new, False if it was seen within its time to live.

        Args:
            key_id: The key that signed the request (nonces are per key).
            nonce: The request's nonce.
            ttl_seconds: How long to remember it.

        Returns:
            Whether the nonce was new.

        Raises:
            NonceStoreUnavailable: If Redis does not answer.
        """
        import redis  # imported here: not needed without REDIS_URL

        try:
            created = await self._client().set(f"{self.PREFIX}{key_id}:{nonce}", b"1", nx=True, ex=ttl_seconds)
        except (redis.RedisError, OSError) as error:
            raise NonceStoreUnavailable(f"Redis did not answer: {type(error).__name__}") from error
        return bool(created)

    async def close(self) -> None:
        """Close the client of the running event loop, if any."""
        client = self._clients.pop(id(asyncio.get_running_loop()), None)
        if client is not None:
            await client.close()


def nonce_store_for(settings: Settings) -> NonceStore:
    """Redis when ``REDIS_URL`` is set, memory for one worker, else the workers' shared SQLite file.

    Args:
        settings: The settings.

    Returns:
        A new nonce store.
    """
    url: Optional[str] = settings.redis_url
    if url:
        return RedisNonceStore(url)
    if settings.rasa_workers == 1:
        return MemoryNonceStore()
    # Several workers, or not known (Rasa started without bot.run): the file they all share.
    from bot.stores.sqlite_locks import SQLiteNonceStore, shared_state_path

    return SQLiteNonceStore(shared_state_path(settings.var_dir))
