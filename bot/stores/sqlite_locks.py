"""Conversation locks and webhook nonces shared by the Rasa workers of one machine, in SQLite.

Several Sanic workers (``RASA_WORKERS`` > 1) must agree on whose turn it is in a conversation and
on which signed-webhook nonces were seen. With ``REDIS_URL`` they use Redis; the embedded
default keeps them in a SQLite file under ``var/`` (:func:`shared_state_path`), so the default
``make run`` can use both cores without any service (issue #16, measured in
``docs/benchmarks.md``). SQLite serialises writers across processes; every read-modify-write of
a lock runs in one ``BEGIN IMMEDIATE`` transaction, so two workers can never take the same
ticket or lose each other's (Rasa's own Redis store reads and writes in separate commands).

Each process opens its own connection on first use (the workers are forked after the store
module is imported). The calls are short and synchronous, like Rasa's Redis lock store's.

Nothing here identifies a person: a sender id can be a phone number (SMS, WhatsApp), so locks are
keyed by its SHA-256 and store only their tickets, and deleted rows are overwritten
(``secure_delete``), as in the tracker database.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import threading
import time
from collections import deque
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator, Optional, Text

from rasa.core.lock import Ticket, TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockStore

#: Seconds a statement waits for another process's write to finish before failing.
BUSY_TIMEOUT_SECONDS = 10.0

_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS conversation_locks (conversation_id TEXT PRIMARY KEY, lock TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS webhook_nonces (entry TEXT PRIMARY KEY, expires REAL NOT NULL)",
    "CREATE INDEX IF NOT EXISTS webhook_nonces_expires ON webhook_nonces (expires)",
)


def lock_key(conversation_id: Text) -> str:
    """The key of a conversation's lock: a digest, never the sender id itself."""
    return hashlib.sha256(conversation_id.encode("utf-8")).hexdigest()


def shared_state_path(var_dir: Path) -> Path:
    """The SQLite file the workers share (beside the tracker database)."""
    return var_dir / "workers.db"


class _Database:
    """One connection per process to the shared file, with re-entrant write transactions."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._connection: Optional[sqlite3.Connection] = None
        self._pid = 0
        self._depth = 0
        self._guard = threading.RLock()

    def connection(self) -> sqlite3.Connection:
        if self._connection is None or self._pid != os.getpid():
            self.path.parent.mkdir(parents=True, exist_ok=True)
            connection = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None,
                                         check_same_thread=False)
            connection.execute("PRAGMA journal_mode=WAL")
            # No fsync per commit: locks matter only while the processes run, and a nonce lost
            # to a power cut only reopens its replay window (NORMAL in WAL mode survives a
            # crashed process). Four commits per turn with fsync cost several ms of latency.
            connection.execute("PRAGMA synchronous=NORMAL")
            connection.execute("PRAGMA secure_delete=ON")
            for statement in _SCHEMA:
                connection.execute(statement)
            self._connection, self._pid, self._depth = connection, os.getpid(), 0
        return self._connection

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """A write transaction; nested uses join the outer one."""
        with self._guard:
            connection = self.connection()
            if self._depth == 0:
                connection.execute("BEGIN IMMEDIATE")
            self._depth += 1
            try:
                yield connection
            except BaseException:
                self._depth -= 1
                if self._depth == 0:
                    connection.execute("ROLLBACK")
                raise
            self._depth -= 1
            if self._depth == 0:
                connection.execute("COMMIT")


class SQLiteLockStore(LockStore):
    """Rasa's ticket locks in the shared SQLite file."""

    def __init__(self, path: Path) -> None:
        """Use (and create if needed) the file at ``path``."""
        self._db = _Database(path)
        super().__init__()

    def get_lock(self, conversation_id: Text) -> Optional[TicketLock]:
        """The conversation's lock, if any."""
        row = self._db.connection().execute(
            "SELECT lock FROM conversation_locks WHERE conversation_id = ?", (lock_key(conversation_id),)
        ).fetchone()
        if not row:
            return None
        return TicketLock(conversation_id, deque(Ticket.from_dict(ticket) for ticket in json.loads(row[0])))

    def delete_lock(self, conversation_id: Text) -> None:
        """Delete the conversation's lock."""
        with self._db.transaction() as connection:
            connection.execute("DELETE FROM conversation_locks WHERE conversation_id = ?", (lock_key(conversation_id),))

    def save_lock(self, lock: TicketLock) -> None:
        """Store a lock (its tickets, under the digest of its conversation id)."""
        tickets = json.dumps([ticket.as_dict() for ticket in lock.tickets])
        with self._db.transaction() as connection:
            connection.execute(
                "INSERT INTO conversation_locks (conversation_id, lock) VALUES (?, ?) "
                "ON CONFLICT (conversation_id) DO UPDATE SET lock = excluded.lock",
                (lock_key(lock.conversation_id), tickets),
            )

    def issue_ticket(self, conversation_id: Text, lock_lifetime: float = LOCK_LIFETIME) -> int:
        """Rasa's ``issue_ticket`` in one transaction (no other worker reads in between)."""
        with self._db.transaction():
            return super().issue_ticket(conversation_id, lock_lifetime)

    def update_lock(self, conversation_id: Text) -> None:
        """Rasa's ``update_lock`` in one transaction."""
        with self._db.transaction():
            super().update_lock(conversation_id)

    def finish_serving(self, conversation_id: Text, ticket_number: int) -> None:
        """Rasa's ``finish_serving`` in one transaction."""
        with self._db.transaction():
            super().finish_serving(conversation_id, ticket_number)

    def cleanup(self, conversation_id: Text, ticket_number: int) -> None:
        """Rasa's ``cleanup`` in one transaction (a ticket issued meanwhile is never deleted)."""
        with self._db.transaction():
            super().cleanup(conversation_id, ticket_number)


class SQLiteNonceStore:
    """Signed-webhook nonces in the shared SQLite file (``INSERT`` on a primary key is atomic)."""

    #: Expired nonces are removed at most this often (seconds).
    PRUNE_EVERY = 30.0

    def __init__(self, path: Path, clock: Any = time.time) -> None:
        """Use (and create if needed) the file at ``path``; ``clock`` gives wall-clock seconds."""
        self._db = _Database(path)
        self._clock = clock
        self._next_prune = 0.0

    async def claim(self, key_id: str, nonce: str, ttl_seconds: int) -> bool:
        """Record a nonce; True if it was new, False if it was seen within its time to live."""
        now = self._clock()
        entry = f"{key_id}\n{nonce}"
        with self._db.transaction() as connection:
            if now >= self._next_prune:
                connection.execute("DELETE FROM webhook_nonces WHERE expires <= ?", (now,))
                self._next_prune = now + self.PRUNE_EVERY
            cursor = connection.execute(
                "INSERT INTO webhook_nonces (entry, expires) VALUES (?, ?) "
                "ON CONFLICT (entry) DO UPDATE SET expires = excluded.expires WHERE webhook_nonces.expires <= ?",
                (entry, now + ttl_seconds, now),
            )
            return cursor.rowcount == 1

    async def close(self) -> None:
        """Nothing to release (the connection closes with the process)."""
