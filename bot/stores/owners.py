"""Who owns a conversation: the channel it started on and the hash of its owner's secret.

A conversation (``sender_id``) is bound to its owner by its first accepted message, in the table
``conversation_owners`` of the tracker store's database (issue #19):

* ``channel``: the input channel of that message (``socketio``, ``rest``, ``telegram`` ...);
* ``secret_hash``: the SHA-256 of the ``session_secret`` the message carried in its metadata
  (``bot.privacy``), or NULL when it carried none.

The row is written with an insert that does nothing on a conflict, so of two first messages at
once (two Rasa replicas, two workers) exactly one binds the conversation, and the other is then
checked against it. A row never changes: a later message with another secret does not replace
the owner. The row goes with the conversation (``bot.conversation_data``: "delete my
conversation" and retention).

Conversations stored before this table existed have no row: the first user event that carried a
secret hash (as the web app's owner check always read it) is taken as the owner, and written
down on first use.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from functools import lru_cache
from typing import Callable, Optional

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection, Engine

from bot.privacy import SECRET_HASH_FIELD

metadata = sa.MetaData()

#: Key of the PostgreSQL advisory lock held while the tracker store's tables are created (any
#: fixed number; ``bot.stores.tracker_store.create_tables`` and :meth:`OwnerRegistry.create_table`).
TABLES_LOCK_KEY = 2026120420

owners = sa.Table(
    "conversation_owners",
    metadata,
    sa.Column("sender_id", sa.String(255), primary_key=True),
    sa.Column("channel", sa.String(64), nullable=False),
    sa.Column("secret_hash", sa.String(64), nullable=True),
    sa.Column("created_at", sa.DateTime, nullable=False),
)


@dataclass(frozen=True)
class Owner:
    """A conversation's owner.

    Attributes:
        channel: The input channel of the conversation's first message.
        secret_hash: SHA-256 (hex) of the owner's session secret; None when the first message
            carried none.
    """

    channel: str
    secret_hash: Optional[str]


def create_tables_once(engine: Engine, create: Callable[[Connection], None]) -> None:
    """Run ``create(connection)`` in one transaction, one process at a time.

    Several Rasa workers or replicas, the action server and the web app start together on a new
    database. On PostgreSQL each takes a transaction-scoped advisory lock first, so the next one
    finds the tables. SQLite has no such lock: two processes can both see a table missing, and
    the slower one's ``CREATE`` fails with "already exists"; looking again then finds it.

    Args:
        engine: The database.
        create: Creates what is missing (``metadata.create_all(connection)``).
    """
    for attempt in range(3):
        try:
            with engine.begin() as connection:
                if connection.dialect.name == "postgresql":
                    connection.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": TABLES_LOCK_KEY})
                create(connection)
            return
        except sa.exc.OperationalError as error:
            if "already exists" not in str(error) or attempt == 2:
                raise


def create_owner_table(connection: Connection) -> None:
    """Create ``conversation_owners`` if it is missing (called under the tracker tables' lock)."""
    metadata.create_all(connection)


def _from_row(row: Optional[sa.engine.Row]) -> Optional[Owner]:
    return None if row is None else Owner(channel=str(row.channel), secret_hash=row.secret_hash)


def _read(connection: Connection, sender_id: str) -> Optional[Owner]:
    query = sa.select(owners.c.channel, owners.c.secret_hash).where(owners.c.sender_id == sender_id)
    return _from_row(connection.execute(query).first())


def _from_events(connection: Connection, sender_id: str) -> Optional[Owner]:
    """The owner recorded in the stored events of a conversation older than this table."""
    if not sa.inspect(connection).has_table("events"):  # Rasa never ran on this database
        return None
    query = sa.text("SELECT data FROM events WHERE sender_id = :sender AND type_name = 'user' ORDER BY id")
    rows = connection.execute(query, {"sender": sender_id}).fetchall()
    if not rows:
        return None
    channel = "unknown"
    for index, (data,) in enumerate(rows):
        try:
            event = json.loads(data)
        except ValueError:
            continue
        if index == 0:
            channel = str(event.get("input_channel") or "unknown")
        stored = (event.get("metadata") or {}).get(SECRET_HASH_FIELD) if isinstance(event, dict) else None
        if isinstance(stored, str):
            return Owner(channel=channel, secret_hash=stored)
    return Owner(channel=channel, secret_hash=None)


class OwnerRegistry:
    """Reads and binds conversation owners (blocking calls; run them in a thread).

    Args:
        engine: The tracker store's database.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def create_table(self) -> None:
        """Create the table if it is missing (the web app; Rasa does it at start-up), one process at a time."""
        create_tables_once(self.engine, create_owner_table)

    def get(self, sender_id: str) -> Optional[Owner]:
        """The conversation's owner, or None when nobody has claimed it."""
        with self.engine.begin() as connection:
            owner = _read(connection, sender_id)
            if owner is None:
                owner = _from_events(connection, sender_id)
                if owner is not None:  # a conversation older than the table: write its owner down
                    self._insert(connection, sender_id, owner)
                    owner = _read(connection, sender_id)
        return owner

    def claim(self, sender_id: str, channel: str, secret_hash: Optional[str]) -> Owner:
        """Bind the conversation to this owner unless it has one; return the owner in force.

        Args:
            sender_id: The conversation.
            channel: The input channel of the message that claims it.
            secret_hash: The hash of the secret it carried, or None.

        Returns:
            The owner now recorded: the claimant's, or the earlier one's.
        """
        existing = self.get(sender_id)
        if existing is not None:
            return existing
        with self.engine.begin() as connection:
            self._insert(connection, sender_id, Owner(channel=channel, secret_hash=secret_hash))
            owner = _read(connection, sender_id)
        assert owner is not None  # inserted, or inserted by whoever won the race
        return owner

    def _insert(self, connection: Connection, sender_id: str, owner: Owner) -> None:
        values = {
            "sender_id": sender_id,
            "channel": owner.channel[:64],
            "secret_hash": owner.secret_hash,
            "created_at": dt.datetime.utcnow(),
        }
        dialect = connection.dialect.name
        if dialect == "postgresql":
            statement = pg_insert(owners).values(**values).on_conflict_do_nothing(index_elements=["sender_id"])
        elif dialect == "sqlite":
            statement = sqlite_insert(owners).values(**values).on_conflict_do_nothing(index_elements=["sender_id"])
        else:  # pragma: no cover - the project supports SQLite and PostgreSQL
            raise RuntimeError(f"conversation owners: unsupported database {dialect}")
        connection.execute(statement)


_registry: Optional[OwnerRegistry] = None


def use_registry(owner_registry: OwnerRegistry) -> None:
    """Use ``owner_registry`` in this process (the tracker store passes one on its own engine)."""
    global _registry
    _registry = owner_registry


@lru_cache(maxsize=1)
def _default_registry() -> OwnerRegistry:
    from bot.settings import get_settings

    default = OwnerRegistry(sa.create_engine(get_settings().tracker_db_url, pool_pre_ping=True))
    default.create_table()
    return default


def registry() -> OwnerRegistry:
    """This process's registry: the tracker store's, else one on ``TRACKER_DB_URL``."""
    return _registry if _registry is not None else _default_registry()
