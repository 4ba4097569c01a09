"""The tracker store Rasa uses, configured from ``TRACKER_DB_URL``.

SQLite under ``var/`` by default (conversations survive a restart with no external service);
PostgreSQL in production (``TRACKER_DB_URL=postgresql://user@host:5432/db``). Unlike Rasa's own
SQLTrackerStore, which retries a missing database forever, this one gives up after
``TRACKER_DB_CONNECT_TIMEOUT`` seconds with a one-line error naming the database.

Personal data is masked before anything leaves the process (``bot.masking``, ``docs/privacy.md``):
the events written to the database and the events published to an event broker are masked
copies; the tracker the current turn works with keeps the raw text.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any, Dict, Iterable, Iterator, List, Optional, Text, Tuple

import sqlalchemy as sa
from rasa.core.brokers.broker import EventBroker
from rasa.core.tracker_store import SQLTrackerStore, create_engine_kwargs
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import Event
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY
from sqlalchemy.engine.url import URL, make_url
from sqlalchemy.orm import Session, sessionmaker

from bot.settings import get_settings
from bot.stores.db_retry import StoreUnavailable, retry_async
from bot.stores.driver_sql import driver_cursor, marker
from bot.stores.masked_events import mask_event, public_values
from bot.stores.owners import OwnerRegistry, create_owner_table, create_tables_once, use_registry
from bot.stores.window import RecentTurnsMixin, mark_stored

__all__ = ["ConfiguredTrackerStore", "StoreUnavailable", "TrackerStoreUnavailable", "check_database"]


#: Seconds a new PostgreSQL connection may take (libpq's connect_timeout).
CONNECT_TIMEOUT = 5


class TrackerStoreUnavailable(RuntimeError):
    """The tracker database cannot be reached."""


def describe(url: URL) -> str:
    """The URL without its password, for messages."""
    return url.render_as_string(hide_password=True) if hasattr(url, "render_as_string") else repr(url)


def check_database(database_url: str, timeout: float = 10.0) -> None:
    """Connect to the database once, retrying until ``timeout``; raise a clear error otherwise.

    Args:
        database_url: SQLAlchemy URL.
        timeout: Seconds to keep trying.

    Raises:
        TrackerStoreUnavailable: If no connection could be made.
    """
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite" and url.database:
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    engine = sa.create_engine(url)
    deadline = time.monotonic() + timeout
    try:
        while True:
            try:
                with engine.connect():
                    return
            except sa.exc.OperationalError as error:
                if time.monotonic() >= deadline:
                    reason = str(error.orig).strip().splitlines()[0] if error.orig else str(error)
                    raise TrackerStoreUnavailable(
                        f"tracker store: cannot connect to {describe(url)}: {reason}"
                    ) from error
                time.sleep(0.5)
    finally:
        engine.dispose()



def create_tables(database_url: str) -> None:
    """Create Rasa's tracker tables and ``conversation_owners``, one process at a time on PostgreSQL.

    Several Rasa workers or replicas start together on a new database, and Rasa's own
    ``create_all`` then races: the losers log ERROR "Could not create tables: ... already
    exists" (seen in tests/e2e/test_faults.py). Here each process takes a transaction-scoped
    advisory lock first on PostgreSQL, and retries a lost race on SQLite
    (:func:`bot.stores.owners.create_tables_once`), so Rasa's ``create_all`` has nothing left to do.

    Args:
        database_url: SQLAlchemy URL of the tracker store.
    """
    url = make_url(database_url)
    options = create_engine_kwargs(url)
    options.pop("pool_size", None)
    options.pop("max_overflow", None)
    engine = sa.create_engine(url, **options)

    def create(connection: sa.engine.Connection) -> None:
        SQLTrackerStore.Base.metadata.create_all(connection)
        create_owner_table(connection)

    try:
        create_tables_once(engine, create)
    finally:
        engine.dispose()


def use_wal(engine: sa.engine.Engine) -> None:
    """SQLite in write-ahead-log mode, synced at checkpoints rather than at every commit.

    Every turn commits once; with SQLite's default (rollback journal, ``synchronous=FULL``) each
    commit waits for the disk twice. WAL also lets the web app and the console read while Rasa
    writes. The price: a power cut (not a crash of the process) can lose the last turns; the
    database itself stays intact. PostgreSQL is the production store.
    """

    @sa.event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    engine.dispose()  # connections opened before the listener get the pragmas too


class ConfiguredTrackerStore(RecentTurnsMixin, SQLTrackerStore):
    """Rasa's SQL tracker store, with its database taken from the project settings.

    Events are masked (``bot.stores.masked_events``) in ``_additional_events``, the one place
    they leave: ``save`` writes those masked copies and then streams the same copies. It works on
    the tracker's own events and counts them by position, so masking copies one by one keeps "how
    many are already stored" exact. Every database operation is retried on a dropped connection
    (``bot.stores.db_retry``).
    """

    def __init__(
        self,
        domain: Optional[Domain] = None,
        event_broker: Optional[EventBroker] = None,
        host: Optional[str] = None,
        **kwargs: Any,
    ) -> None:
        """Connect to the configured database (``TRACKER_DB_URL``).

        Args:
            domain: The assistant's domain.
            event_broker: Broker that receives every stored event, if configured.
            host: Ignored (Rasa passes the endpoint's ``url``); the URL comes from the settings.
            **kwargs: Further tracker-store options from ``endpoints.yml``.
        """
        settings = get_settings()
        self.retry_seconds = settings.db_retry_seconds
        check_database(settings.tracker_db_url, timeout=float(kwargs.pop("connect_timeout", 10.0)))
        create_tables(settings.tracker_db_url)
        # A host containing "://" is taken by SQLTrackerStore as the complete database URL.
        super().__init__(domain=domain, host=settings.tracker_db_url, event_broker=event_broker, **kwargs)
        if make_url(settings.tracker_db_url).get_backend_name() == "sqlite":
            # Rasa's engine opens and closes a SQLite connection for every session (SQLAlchemy 1.4
            # uses no pool for SQLite files): two or three per turn. Keep them in a pool instead.
            self.engine.dispose()
            self.engine: sa.engine.Engine = sa.create_engine(
                settings.tracker_db_url, poolclass=sa.pool.QueuePool, connect_args={"check_same_thread": False}
            )
            use_wal(self.engine)
            self.sessionmaker = sessionmaker(bind=self.engine)
        else:
            # A server-side connection that dropped (a database restart or failover, an idle
            # timeout, pg_terminate_backend) would fail the next turn that takes it from the pool.
            # Pre-ping tests each connection at checkout (one round trip) and replaces a dead one.
            # A server that does not answer at all must not hold the event loop (Rasa's database
            # calls block it) longer than CONNECT_TIMEOUT per attempt.
            url = self.engine.url
            self.engine.dispose()
            options = create_engine_kwargs(url)
            options["connect_args"] = {**options.get("connect_args", {}), "connect_timeout": CONNECT_TIMEOUT}
            self.engine = sa.create_engine(url, pool_pre_ping=True, **options)
            self.sessionmaker = sessionmaker(bind=self.engine)

        use_registry(OwnerRegistry(self.engine))  # the channels' owner checks share this pool

    async def retrieve(self, sender_id: Text) -> Optional[DialogueStateTracker]:
        """The conversation's recent turns (``RecentTurnsMixin``), retried on a dropped connection.

        Raises:
            StoreUnavailable: If the database stayed unusable for ``DB_RETRY_SECONDS``.
        """
        return await retry_async("tracker", "retrieve", lambda: super(ConfiguredTrackerStore, self).retrieve(sender_id),
                                 self.retry_seconds)

    async def retrieve_full_tracker(self, conversation_id: Text) -> Optional[DialogueStateTracker]:
        """Every event of the conversation, retried on a dropped connection."""
        return await retry_async(
            "tracker", "retrieve", lambda: super(ConfiguredTrackerStore, self).retrieve_full_tracker(conversation_id),
            self.retry_seconds,
        )

    async def keys(self) -> Iterable[Text]:
        """Every conversation id, retried on a dropped connection."""
        return await retry_async("tracker", "keys", lambda: super(ConfiguredTrackerStore, self).keys(),
                                 self.retry_seconds)

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Store the events added since the tracker was loaded, then stream exactly those.

        Rasa's ``SQLTrackerStore.save`` streams first (after loading the stored tracker again to
        compare) and writes second, so a failed write left events on the stream that the database
        never got. Here the write is one transaction, retried on a fresh connection
        (``bot.stores.db_retry``), and the same masked events go to the event broker once it
        committed: what is streamed is what is stored.

        Raises:
            StoreUnavailable: If the database stayed unusable for ``DB_RETRY_SECONDS``; nothing
                of this turn is stored or streamed, and the channel tells the user.
        """

        async def write() -> List[Tuple[Dict[Text, Any], int]]:
            return self._write_new_events(tracker)

        written = await retry_async("tracker", "save", write, self.retry_seconds)
        if self.event_broker is not None:
            publish = getattr(self.event_broker, "publish_stored", None)
            for data, event_id in written:
                body: Dict[Text, Any] = {"sender_id": tracker.sender_id, **data}
                if publish is not None:
                    publish(body, event_id)  # the row id goes along: consumers order and match by it
                else:
                    self.event_broker.publish(body)

    def _insert_sql(self) -> str:
        """The INSERT of one event row for this store's driver (the new row's id comes back)."""
        m = marker(self.engine)
        sql = (f"INSERT INTO {self.SQLEvent.__tablename__} (sender_id, type_name, timestamp, intent_name,"
               f" action_name, data) VALUES ({m}, {m}, {m}, {m}, {m}, {m})")
        return sql + " RETURNING id" if self.engine.dialect.name == "postgresql" else sql

    def _write_new_events(self, tracker: DialogueStateTracker) -> List[Tuple[Dict[Text, Any], int]]:
        """Write the events not stored yet in one transaction.

        The rows go through a pooled driver connection (``bot.stores.driver_sql``), one INSERT
        per event, in order: the rows and ids an ORM flush would give, at a third of the cost
        of SQLAlchemy's session (issue #16, ``docs/benchmarks.md``).

        Returns:
            The (masked) events written, serialised, each with its row id (increasing in the order
            written).
        """
        total = len(tracker.events)
        events = list(self._additional_events(None, tracker))
        if not events:
            mark_stored(tracker, total)
            return []
        sql = self._insert_sql()
        returning = sql.endswith("RETURNING id")
        written = []
        ids = []
        with driver_cursor(self.engine, commit=True) as cursor:
            for event in events:
                data = event.as_dict()
                written.append(data)
                cursor.execute(sql, (
                    tracker.sender_id,
                    event.type_name,
                    data.get("timestamp"),
                    data.get("parse_data", {}).get("intent", {}).get(INTENT_NAME_KEY),
                    data.get("name"),
                    json.dumps(data),
                ))
                ids.append(int(cursor.fetchone()[0] if returning else cursor.lastrowid))
        mark_stored(tracker, total)
        return list(zip(written, ids, strict=True))

    def _additional_events(self, session: Optional[Session], tracker: DialogueStateTracker) -> Iterator[Event]:
        """The tracker's events not stored yet, masked.

        Args:
            session: Unused (Rasa's signature): the count of stored events is read with its own query.
            tracker: The conversation being saved (its events are not changed).

        Returns:
            Masked copies of the new events, in order.
        """
        keep = public_values()
        return (mask_event(event, keep) for event in super()._additional_events(session, tracker))
