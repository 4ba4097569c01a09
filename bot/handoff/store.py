"""Live handoff requests, the staff messages waiting to be delivered, and left e-mail addresses.

Three tables in the tracker store's database (SQLite or PostgreSQL), shared by every Rasa worker
and replica, the action server and the web app (issue #15):

* ``handoffs``: one row per request for a person, with its state:

  ====================  =====================================================================
  ``waiting``           in the staff queue; the assistant still answers meanwhile
  ``active``            a staff member took it; the assistant is silent, messages go to staff
  ``offered``           outside staffed hours: the newcomer was asked whether to leave an e-mail
  ``awaiting_email``    they agreed; the next message should carry the address
  ``message_left``      a question and an address wait for a reply by e-mail
  ``ended``             over (``end_reason`` says why)
  ====================  =====================================================================

* ``handoff_outbox``: what staff send (a message, "joined", "ended") until the Rasa worker that
  holds the conversation's connection has delivered it and written it into the tracker.
* ``handoff_contacts``: the e-mail address left with a question, apart from the conversation's
  events (which are masked). Deleted when the question is marked answered, with the
  conversation, or at retention (``bot.conversation_data``).
* ``handoff_routes``: the signed webhook's latest callback URL and key id per conversation, so a
  staff message written later can be POSTed there (the URL may hold the integrator's token: it
  goes with the conversation, at retention at the latest).

Every change is one conditional ``UPDATE``/``INSERT``, so two staff members taking the same
request, or two workers claiming the same outbox row, cannot both win. Blocking calls: run them
in a thread from async code.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Callable, Dict, Iterable, List, Optional, Sequence, Tuple, TypeVar

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from bot.stores.db_retry import is_transient, retry_sync
from bot.stores.driver_sql import driver_cursor, marker

T = TypeVar("T")

metadata = sa.MetaData()

WAITING, ACTIVE, OFFERED, AWAITING_EMAIL, MESSAGE_LEFT, ENDED = (
    "waiting", "active", "offered", "awaiting_email", "message_left", "ended",
)
#: States in which the chat itself is handled by the handoff (not all of them silence the bot).
CHAT_STATES = (WAITING, ACTIVE, OFFERED, AWAITING_EMAIL)
#: States staff see in the queue.
QUEUE_STATES = (WAITING, ACTIVE, MESSAGE_LEFT)

handoffs = sa.Table(
    "handoffs",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("sender_id", sa.String(255), nullable=False, index=True),
    sa.Column("channel", sa.String(64), nullable=False),
    sa.Column("language", sa.String(8), nullable=False),
    sa.Column("status", sa.String(16), nullable=False, index=True),
    sa.Column("reason", sa.String(32), nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("last_activity", sa.DateTime, nullable=False),
    sa.Column("taken_at", sa.DateTime, nullable=True),
    sa.Column("taken_by", sa.String(64), nullable=True),
    sa.Column("staff_language", sa.String(8), nullable=True),
    sa.Column("ended_at", sa.DateTime, nullable=True),
    sa.Column("end_reason", sa.String(32), nullable=True),
)

outbox = sa.Table(
    "handoff_outbox",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("handoff_id", sa.Integer, nullable=False, index=True),
    sa.Column("sender_id", sa.String(255), nullable=False, index=True),
    sa.Column("kind", sa.String(16), nullable=False),  # joined | message | ended
    sa.Column("text", sa.Text, nullable=True),
    sa.Column("staff_name", sa.String(64), nullable=True),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("claimed_by", sa.String(64), nullable=True),
    sa.Column("delivered_at", sa.DateTime, nullable=True),
)

contacts = sa.Table(
    "handoff_contacts",
    metadata,
    sa.Column("handoff_id", sa.Integer, primary_key=True),
    sa.Column("sender_id", sa.String(255), nullable=False, index=True),
    sa.Column("email", sa.String(320), nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
)


routes = sa.Table(
    "handoff_routes",
    metadata,
    sa.Column("sender_id", sa.String(255), primary_key=True),
    sa.Column("callback_url", sa.Text, nullable=False),
    sa.Column("key_id", sa.String(64), nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
)


class HandoffConflict(RuntimeError):
    """The request is not in a state that allows the change (taken by someone else, ended, ...)."""


@dataclass(frozen=True)
class Handoff:
    """One request for a person (a row of ``handoffs``)."""

    id: int
    sender_id: str
    channel: str
    language: str
    status: str
    reason: str
    created_at: dt.datetime
    last_activity: dt.datetime
    taken_at: Optional[dt.datetime] = None
    taken_by: Optional[str] = None
    staff_language: Optional[str] = None
    ended_at: Optional[dt.datetime] = None
    end_reason: Optional[str] = None

    @property
    def silences_bot(self) -> bool:
        """While a person has the conversation, the assistant says nothing."""
        return self.status == ACTIVE

    def as_json(self) -> Dict[str, Any]:
        """The row for the console's live queue (times as ISO 8601 UTC)."""
        def iso(moment: Optional[dt.datetime]) -> Optional[str]:
            return None if moment is None else moment.replace(tzinfo=dt.timezone.utc).isoformat()

        return {
            "id": self.id, "sender_id": self.sender_id, "channel": self.channel, "language": self.language,
            "status": self.status, "reason": self.reason, "created_at": iso(self.created_at),
            "last_activity": iso(self.last_activity), "taken_by": self.taken_by, "taken_at": iso(self.taken_at),
            "staff_language": self.staff_language, "end_reason": self.end_reason,
        }


@dataclass(frozen=True)
class OutboxItem:
    """A staff message or notice waiting for delivery."""

    id: int
    handoff_id: int
    sender_id: str
    kind: str
    text: Optional[str]
    staff_name: Optional[str]


def utcnow() -> dt.datetime:
    """Now, as naive UTC (the columns' convention)."""
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


def _handoff(row: Any) -> Handoff:
    return Handoff(**{column.name: getattr(row, column.name) for column in handoffs.columns})


def _retried(method: Callable[..., T]) -> Callable[..., T]:
    """Run a store method again on a new connection when the database dropped it (``bot.stores.db_retry``).

    Each method is one transaction; its conditional UPDATEs make a repeated attempt harmless.
    """

    @functools.wraps(method)
    def retried(self: HandoffStore, *args: Any, **kwargs: Any) -> T:
        return retry_sync("handoff", method.__name__, lambda: method(self, *args, **kwargs), self.retry_seconds)

    return retried


class HandoffStore:
    """Reads and changes handoff state (blocking; one instance per process and database).

    Every method but :meth:`current` is retried on a dropped connection for ``DB_RETRY_SECONDS``
    (a database restart, a failover, ``pg_terminate_backend``), as the tracker store is.

    Args:
        engine: The tracker store's database.
        retry_seconds: How long a method is retried (default: ``DB_RETRY_SECONDS``).
    """

    def __init__(self, engine: Engine, retry_seconds: Optional[float] = None) -> None:
        self.engine = engine
        if retry_seconds is None:
            from bot.settings import get_settings

            retry_seconds = get_settings().db_retry_seconds
        self.retry_seconds = retry_seconds

    def create_tables(self) -> None:
        """Create the tables if missing, one process at a time (``bot.stores.owners.create_tables_once``)."""
        from bot.stores.owners import create_tables_once

        create_tables_once(self.engine, metadata.create_all)

    # -- reading ---------------------------------------------------------------------------

    @_retried
    def get(self, handoff_id: int) -> Optional[Handoff]:
        """One request by id."""
        with self.engine.connect() as connection:
            row = connection.execute(sa.select(handoffs).where(handoffs.c.id == handoff_id)).first()
        return None if row is None else _handoff(row)

    def current(self, sender_id: str) -> Optional[Handoff]:
        """The conversation's request that still shapes the chat (see :data:`CHAT_STATES`), if any.

        Asked for every incoming message, so the statement goes straight to a pooled DB-API
        connection: through SQLAlchemy's ``Connection`` it cost 0.72 ms per call on SQLite, this
        way 0.15 ms (an index lookup among 200 rows; ``docs/decisions.md``).
        """
        try:
            row = self._current_row(sender_id)
        except Exception as error:
            if not is_transient(error):
                raise
            # The pool replaced the dropped connection: one more attempt, at once. A database
            # that stays away is reported by the turn's own tracker store, after its retries;
            # retrying here as well would make the user wait twice as long for that message.
            row = self._current_row(sender_id)
        if row is None:
            return None
        values = {}
        for column, value in zip(handoffs.columns, row, strict=True):
            if isinstance(column.type, sa.DateTime) and isinstance(value, str):  # SQLite returns text
                value = dt.datetime.fromisoformat(value)
            values[column.name] = value
        return Handoff(**values)

    def _current_row(self, sender_id: str) -> Any:
        with driver_cursor(self.engine) as cursor:  # a pooled connection, rolled back when returned
            cursor.execute(self._current_sql, (sender_id,))
            return cursor.fetchone()

    @property
    def _current_sql(self) -> str:
        m = marker(self.engine)
        states = ", ".join(f"'{state}'" for state in CHAT_STATES)  # constants, not input
        columns = ", ".join(column.name for column in handoffs.columns)
        return (f"SELECT {columns} FROM handoffs WHERE sender_id = {m} AND status IN ({states})"
                " ORDER BY id DESC LIMIT 1")

    @_retried
    def queue(self) -> List[Handoff]:
        """The requests staff see: waiting, active and messages left, oldest first."""
        query = sa.select(handoffs).where(handoffs.c.status.in_(QUEUE_STATES)).order_by(handoffs.c.id)
        with self.engine.connect() as connection:
            return [_handoff(row) for row in connection.execute(query)]

    @_retried
    def waiting_before(self, handoff: Handoff) -> int:
        """How many waiting requests are older than ``handoff``."""
        query = sa.select(sa.func.count()).select_from(handoffs).where(
            handoffs.c.status == WAITING, handoffs.c.id < handoff.id
        )
        with self.engine.connect() as connection:
            return int(connection.execute(query).scalar() or 0)

    @_retried
    def contact_email(self, handoff_id: int, staff: str) -> Optional[str]:
        """The e-mail address left with a request, only for the staff member who took it."""
        query = (
            sa.select(contacts.c.email)
            .select_from(contacts.join(handoffs, handoffs.c.id == contacts.c.handoff_id))
            .where(contacts.c.handoff_id == handoff_id, handoffs.c.taken_by == staff)
        )
        with self.engine.connect() as connection:
            value = connection.execute(query).scalar()
        return None if value is None else str(value)

    @_retried
    def between(self, start: dt.datetime, end: dt.datetime) -> List[Handoff]:
        """Requests created in ``[start, end)`` (naive UTC), for the analytics."""
        query = sa.select(handoffs).where(handoffs.c.created_at >= start, handoffs.c.created_at < end)
        with self.engine.connect() as connection:
            return [_handoff(row) for row in connection.execute(query.order_by(handoffs.c.id))]

    # -- the newcomer's side -------------------------------------------------------------

    @_retried
    def request(self, sender_id: str, channel: str, language: str, reason: str, live: bool) -> Handoff:
        """Open a request, or return the conversation's open one (asking twice queues once).

        Args:
            sender_id: The conversation.
            channel: Its input channel.
            language: The language the newcomer writes in.
            reason: Why (``person_requested``, ``fallbacks``).
            live: True to queue for a person now (``waiting``); False to offer leaving an e-mail
                (``offered``).

        Returns:
            The request in force.
        """
        existing = self.current(sender_id)
        if existing is not None and existing.status in (WAITING, ACTIVE):
            return existing
        now = utcnow()
        with self.engine.begin() as connection:
            if existing is not None:  # an earlier offer that was never answered gives way
                self._end(connection, existing.id, "superseded", (OFFERED, AWAITING_EMAIL), now)
            result = connection.execute(handoffs.insert().values(
                sender_id=sender_id, channel=channel[:64], language=language[:8], status=WAITING if live else OFFERED,
                reason=reason[:32], created_at=now, last_activity=now,
            ))
            new_id = int(result.inserted_primary_key[0])
        found = self.get(new_id)
        assert found is not None
        return found

    @_retried
    def touch(self, handoff_id: int) -> None:
        """Record activity in the conversation (the silence timeout starts again)."""
        with self.engine.begin() as connection:
            connection.execute(handoffs.update().where(handoffs.c.id == handoff_id).values(last_activity=utcnow()))

    @_retried
    def set_status(self, handoff_id: int, expected: str, status: str) -> bool:
        """Move a request from ``expected`` to ``status``; False if it was no longer ``expected``."""
        with self.engine.begin() as connection:
            result = connection.execute(
                handoffs.update()
                .where(handoffs.c.id == handoff_id, handoffs.c.status == expected)
                .values(status=status, last_activity=utcnow())
            )
        return bool(result.rowcount)

    @_retried
    def leave_message(self, handoff_id: int, sender_id: str, email: str) -> bool:
        """Keep the e-mail address apart and put the request in the queue as ``message_left``."""
        now = utcnow()
        with self.engine.begin() as connection:
            result = connection.execute(
                handoffs.update()
                .where(handoffs.c.id == handoff_id, handoffs.c.status == AWAITING_EMAIL)
                .values(status=MESSAGE_LEFT, last_activity=now)
            )
            if not result.rowcount:
                return False
            connection.execute(contacts.insert().values(
                handoff_id=handoff_id, sender_id=sender_id, email=email[:320], created_at=now,
            ))
        return True

    @_retried
    def end(self, handoff_id: int, reason: str, states: Sequence[str] = CHAT_STATES) -> bool:
        """End a request that is in one of ``states``; False if it was not."""
        with self.engine.begin() as connection:
            return self._end(connection, handoff_id, reason, states, utcnow())

    @staticmethod
    def _end(connection: Connection, handoff_id: int, reason: str, states: Sequence[str], now: dt.datetime) -> bool:
        result = connection.execute(
            handoffs.update()
            .where(handoffs.c.id == handoff_id, handoffs.c.status.in_(states))
            .values(status=ENDED, ended_at=now, end_reason=reason[:32], last_activity=now)
        )
        return bool(result.rowcount)

    @_retried
    def expire_silent(self, minutes: float, now: Optional[dt.datetime] = None) -> List[Handoff]:
        """End requests with no activity for ``minutes``; the live ones get an "ended" notice.

        Returns:
            The requests this call ended (another process may have ended others).
        """
        now = now or utcnow()
        limit = now - dt.timedelta(minutes=minutes)
        query = sa.select(handoffs).where(handoffs.c.status.in_(CHAT_STATES), handoffs.c.last_activity < limit)
        ended: List[Handoff] = []
        with self.engine.begin() as connection:
            for row in connection.execute(query).fetchall():
                item = _handoff(row)
                if not self._end(connection, item.id, "timeout", CHAT_STATES, now):
                    continue
                if item.status in (WAITING, ACTIVE):
                    self._enqueue(connection, item, "ended", "timeout", item.taken_by, now)
                ended.append(item)
        return ended

    # -- the staff side ---------------------------------------------------------------------

    @_retried
    def take(self, handoff_id: int, staff: str, staff_language: str) -> Handoff:
        """Assign a waiting request (or a message left) to ``staff``.

        Raises:
            HandoffConflict: If someone else has it, or it is no longer open.
        """
        now = utcnow()
        with self.engine.begin() as connection:
            row = connection.execute(sa.select(handoffs).where(handoffs.c.id == handoff_id)).first()
            if row is None:
                raise HandoffConflict("no such request")
            item = _handoff(row)
            target = ACTIVE if item.status == WAITING else item.status
            result = connection.execute(
                handoffs.update()
                .where(handoffs.c.id == handoff_id, handoffs.c.status.in_((WAITING, MESSAGE_LEFT)),
                       handoffs.c.taken_by.is_(None))
                .values(status=target, taken_by=staff[:64], taken_at=now, staff_language=staff_language[:8],
                        last_activity=now)
            )
            if not result.rowcount:
                raise HandoffConflict(
                    f"already taken by {item.taken_by}" if item.taken_by else f"the request is {item.status}"
                )
            if target == ACTIVE:
                self._enqueue(connection, item, "joined", None, staff, now)
        found = self.get(handoff_id)
        assert found is not None
        return found

    def _owned(self, connection: Connection, handoff_id: int, staff: str, status: str) -> Handoff:
        row = connection.execute(sa.select(handoffs).where(handoffs.c.id == handoff_id)).first()
        if row is None:
            raise HandoffConflict("no such request")
        item = _handoff(row)
        if item.status != status or item.taken_by != staff:
            holder = f", with {item.taken_by}" if item.taken_by else ""
            raise HandoffConflict(f"the request is {item.status}{holder}")
        return item

    @_retried
    def send(self, handoff_id: int, staff: str, text: str) -> int:
        """Queue a staff message for delivery; returns the outbox id.

        Raises:
            HandoffConflict: If the request is not active with ``staff``.
        """
        now = utcnow()
        with self.engine.begin() as connection:
            item = self._owned(connection, handoff_id, staff, ACTIVE)
            connection.execute(handoffs.update().where(handoffs.c.id == handoff_id).values(last_activity=now))
            return self._enqueue(connection, item, "message", text, staff, now)

    @_retried
    def hand_back(self, handoff_id: int, staff: str) -> None:
        """End an active request from the staff side; the assistant announces it is back."""
        now = utcnow()
        with self.engine.begin() as connection:
            item = self._owned(connection, handoff_id, staff, ACTIVE)
            self._end(connection, handoff_id, "handed_back", (ACTIVE,), now)
            self._enqueue(connection, item, "ended", "handed_back", staff, now)

    @_retried
    def answered(self, handoff_id: int, staff: str) -> None:
        """Mark a left message answered: the request ends and its e-mail address is deleted."""
        now = utcnow()
        with self.engine.begin() as connection:
            self._owned(connection, handoff_id, staff, MESSAGE_LEFT)
            self._end(connection, handoff_id, "answered", (MESSAGE_LEFT,), now)
            connection.execute(contacts.delete().where(contacts.c.handoff_id == handoff_id))

    # -- delivery (Rasa workers) ------------------------------------------------------------

    @staticmethod
    def _enqueue(connection: Connection, item: Handoff, kind: str, text: Optional[str], staff: Optional[str],
                 now: dt.datetime) -> int:
        result = connection.execute(outbox.insert().values(
            handoff_id=item.id, sender_id=item.sender_id, kind=kind, text=text,
            staff_name=None if staff is None else staff[:64], created_at=now,
        ))
        return int(result.inserted_primary_key[0])

    @_retried
    def remember_callback(self, sender_id: str, url: str, key_id: str) -> None:
        """Keep the signed webhook's latest callback for the conversation (one row per conversation)."""
        with self.engine.begin() as connection:
            connection.execute(routes.delete().where(routes.c.sender_id == sender_id))
            connection.execute(routes.insert().values(
                sender_id=sender_id, callback_url=url, key_id=key_id[:64], created_at=utcnow(),
            ))

    @_retried
    def has_callback(self, sender_id: str) -> bool:
        """Whether a staff message written later can reach this conversation through a callback."""
        query = sa.select(routes.c.sender_id).where(routes.c.sender_id == sender_id)
        with self.engine.connect() as connection:
            return connection.execute(query).first() is not None

    @_retried
    def pending_callbacks(self, limit: int = 100) -> List[Tuple[OutboxItem, str, str]]:
        """Undelivered, unclaimed outbox rows of conversations with a callback: (row, URL, key id)."""
        query = (
            sa.select(outbox, routes.c.callback_url, routes.c.key_id)
            .select_from(outbox.join(routes, routes.c.sender_id == outbox.c.sender_id))
            .where(outbox.c.delivered_at.is_(None), outbox.c.claimed_by.is_(None))
            .order_by(outbox.c.id)
            .limit(limit)
        )
        with self.engine.connect() as connection:
            return [(OutboxItem(row.id, row.handoff_id, row.sender_id, row.kind, row.text, row.staff_name),
                     str(row.callback_url), str(row.key_id)) for row in connection.execute(query)]

    @_retried
    def pending(self, sender_ids: Iterable[str], limit: int = 100) -> List[OutboxItem]:
        """Undelivered, unclaimed outbox rows of these conversations, oldest first."""
        wanted = list(sender_ids)
        if not wanted:
            return []
        query = (
            sa.select(outbox)
            .where(outbox.c.sender_id.in_(wanted), outbox.c.delivered_at.is_(None), outbox.c.claimed_by.is_(None))
            .order_by(outbox.c.id)
            .limit(limit)
        )
        with self.engine.connect() as connection:
            return [OutboxItem(row.id, row.handoff_id, row.sender_id, row.kind, row.text, row.staff_name)
                    for row in connection.execute(query)]

    @_retried
    def claim(self, item_id: int, worker: str) -> bool:
        """Claim a row for delivery by this worker; False if another worker has it."""
        with self.engine.begin() as connection:
            result = connection.execute(
                outbox.update().where(outbox.c.id == item_id, outbox.c.claimed_by.is_(None)).values(claimed_by=worker)
            )
        return bool(result.rowcount)

    @_retried
    def release(self, item_id: int) -> None:
        """Give a claimed row back (its delivery failed; another try will take it)."""
        with self.engine.begin() as connection:
            connection.execute(outbox.update().where(outbox.c.id == item_id).values(claimed_by=None))

    @_retried
    def delivered(self, item_id: int) -> None:
        """Mark a row delivered; its text goes (the tracker holds it now, masked)."""
        with self.engine.begin() as connection:
            connection.execute(
                outbox.update().where(outbox.c.id == item_id).values(delivered_at=utcnow(), text=None)
            )

    @_retried
    def undelivered_count(self, handoff_id: int) -> int:
        """Staff messages of a request not yet delivered (the newcomer's page is closed, say)."""
        query = sa.select(sa.func.count()).select_from(outbox).where(
            outbox.c.handoff_id == handoff_id, outbox.c.delivered_at.is_(None), outbox.c.kind == "message"
        )
        with self.engine.connect() as connection:
            return int(connection.execute(query).scalar() or 0)


_store: Optional[HandoffStore] = None


def use_store(store: Optional[HandoffStore]) -> None:
    """Use ``store`` in this process (tests; a process with its own engine)."""
    global _store
    _store = store


@lru_cache(maxsize=1)
def _default_store() -> HandoffStore:
    from bot.settings import get_settings

    default = HandoffStore(sa.create_engine(get_settings().tracker_db_url, pool_pre_ping=True))
    default.create_tables()
    return default


def store() -> HandoffStore:
    """This process's store on ``TRACKER_DB_URL`` (tables created on first use)."""
    return _store if _store is not None else _default_store()
