"""Every table that holds a conversation's data, and the two ways its rows are removed.

A conversation (a ``sender_id``) leaves rows in these tables of the tracker store's database:

* ``events``: Rasa's tracker store (masked user and bot texts);
* ``feedback``: the widget's thumbs up/down (``bot.web.conversations``);
* ``console_tags``, ``console_notes``, ``console_reviews``, ``console_corrections``: the staff
  console's review data (``bot.console.review_db``; corrections hold the user's text);
* ``console_dismissals``: messages a reviewer took out of the suspect or unanswered queue
  (``bot.console.dismissals``);
* ``conversation_owners``: the channel and secret hash the conversation is bound to
  (``bot.stores.owners``);
* ``undelivered_replies``: replies of the signed webhook its callback URL never took
  (``bot.channels.callbacks``);
* ``handoffs``, ``handoff_outbox``, ``handoff_contacts``, ``handoff_routes``: requests for a
  person, staff messages waiting for delivery, e-mail addresses left with a question and the
  signed webhook's callback per conversation (``bot.handoff.store``).

:func:`delete_conversation` ("delete my conversation") removes all of them;
:func:`delete_older_than` (retention) removes whole conversations whose newest event is older than
the cutoff. A new table with conversation data must be added to :func:`conversation_tables`;
``tests/test_deletion_everywhere.py`` searches every table of the database and fails otherwise.

Not listed on purpose: the console's audit log (``console_audit``). Its ``target`` is a
conversation id, but the log records what staff did (who viewed, exported or deleted what) and
holds no text of the conversation; it is kept so that access to deleted conversations stays
accountable. Tables that do not exist yet (the console or the signed webhook never ran) are
skipped. Works on SQLite and PostgreSQL; the schemas are imported from their modules, lazily,
since ``bot.channels.callbacks`` pulls in Rasa's channel package.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from typing import Dict, Set, Tuple

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

#: Rasa's tracker store table (``rasa.core.tracker_store.SQLTrackerStore.SQLEvent``), referenced by
#: name and the two columns used here: importing Rasa's ORM class would load the whole tracker store.
EVENTS = sa.table("events", sa.column("sender_id", sa.String), sa.column("timestamp", sa.Float))


@dataclass(frozen=True)
class ConversationTable:
    """A table with rows of conversations besides ``events``.

    Attributes:
        table: The table (as defined by its owning module).
        sender_column: The column with the conversation's ``sender_id``.
        time_column: When the row was written (naive or timezone-aware UTC, as the column says).
        expires_alone: Rows go when they are older than the cutoff even if their conversation is
            still going on (``undelivered_replies``: a reply that failed weeks ago is no use).
    """

    table: sa.Table
    sender_column: str = "sender_id"
    time_column: str = "created_at"
    expires_alone: bool = False

    @property
    def name(self) -> str:
        """The table's name."""
        return str(self.table.name)


@lru_cache(maxsize=1)
def conversation_tables() -> Tuple[ConversationTable, ...]:
    """Every table besides ``events`` holding a conversation's data (imported on first use)."""
    from bot.channels.callbacks import undelivered_replies
    from bot.console.dismissals import dismissals
    from bot.console.review_db import corrections, notes, reviews, tags
    from bot.handoff.store import contacts, handoffs, outbox, routes
    from bot.stores.owners import owners
    from bot.web.conversations import feedback

    return (
        ConversationTable(owners),
        ConversationTable(feedback),
        ConversationTable(tags),
        ConversationTable(notes),
        ConversationTable(reviews, time_column="reviewed_at"),
        ConversationTable(corrections),
        ConversationTable(dismissals),
        ConversationTable(undelivered_replies, expires_alone=True),
        ConversationTable(handoffs),
        ConversationTable(outbox),
        ConversationTable(contacts),
        ConversationTable(routes),
    )


def _existing(connection: Connection) -> Set[str]:
    return set(sa.inspect(connection).get_table_names())


def delete_conversation(engine: Engine, sender_id: str) -> Dict[str, int]:
    """Delete every row of one conversation in every table, in one transaction.

    Args:
        engine: The tracker store's database.
        sender_id: The conversation.

    Returns:
        Rows deleted per table (``events`` first); tables that do not exist are absent.
    """
    deleted: Dict[str, int] = {}
    with engine.begin() as connection:
        _overwrite_deleted_rows(connection)
        existing = _existing(connection)
        if EVENTS.name in existing:
            result = connection.execute(EVENTS.delete().where(EVENTS.c.sender_id == sender_id))
            deleted[EVENTS.name] = int(result.rowcount or 0)
        for item in conversation_tables():
            if item.name in existing:
                column = item.table.c[item.sender_column]
                result = connection.execute(item.table.delete().where(column == sender_id))
                deleted[item.name] = int(result.rowcount or 0)
    _checkpoint(engine)
    return deleted


def _overwrite_deleted_rows(connection: Connection) -> None:
    """On SQLite, make the deletions of this connection overwrite the freed space with zeros.

    Without it, deleted rows stay readable in the database file's free pages until reused.
    """
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("PRAGMA secure_delete=ON")


def _checkpoint(engine: Engine) -> None:
    """On SQLite in WAL mode, copy the log into the database and empty it (old page images go)."""
    if engine.dialect.name == "sqlite":
        with engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")


def _as_utc(moment: dt.datetime) -> dt.datetime:
    """``moment`` as timezone-aware UTC (a naive value is taken to be UTC already)."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=dt.timezone.utc)
    return moment.astimezone(dt.timezone.utc)


def _cutoff_for(column: sa.Column, cutoff: dt.datetime) -> dt.datetime:
    """The cutoff in the form a time column stores: aware UTC or naive UTC."""
    if getattr(column.type, "timezone", False):
        return cutoff
    return cutoff.replace(tzinfo=None)


@dataclass(frozen=True)
class Expired:
    """What a retention run removes: conversations (by their newest event) and rows per table."""

    conversations: int
    rows: Dict[str, int]


def delete_older_than(engine: Engine, cutoff: dt.datetime, dry_run: bool = False) -> Expired:
    """Delete every conversation whose newest event is older than ``cutoff``, in every table.

    A conversation that is still going on is never cut in half: its rows stay, whatever their
    age, while its newest event is at or after the cutoff. Rows of conversations without any
    event left (deleted before the table was known here) go when they are themselves older than
    the cutoff, and ``undelivered_replies`` rows go by their own ``created_at`` in any case.

    Args:
        engine: The tracker store's database.
        cutoff: The limit (UTC; a naive value is taken as UTC).
        dry_run: Only count what would go.

    Returns:
        The number of expired conversations and the rows removed per existing table.
    """
    limit = _as_utc(cutoff)
    epoch = limit.timestamp()
    rows: Dict[str, int] = {}
    with engine.begin() as connection:
        _overwrite_deleted_rows(connection)
        existing = _existing(connection)
        has_events = EVENTS.name in existing
        # correlate(None): the subqueries read the whole events table, also inside DELETE FROM events
        by_sender = sa.select(EVENTS.c.sender_id).group_by(EVENTS.c.sender_id).correlate(None)
        expired = by_sender.having(sa.func.max(EVENTS.c.timestamp) < epoch)
        live = by_sender.having(sa.func.max(EVENTS.c.timestamp) >= epoch)
        conversations = 0
        if has_events:
            count = sa.select(sa.func.count()).select_from(expired.subquery())
            conversations = int(connection.execute(count).scalar_one())
        for item in conversation_tables():
            if item.name not in existing:
                continue
            sender = item.table.c[item.sender_column]
            old = item.table.c[item.time_column] < _cutoff_for(item.table.c[item.time_column], limit)
            if not has_events:
                condition = old
            elif item.expires_alone:
                condition = sa.or_(old, sender.in_(expired))
            else:
                condition = sa.and_(sender.not_in(live), sa.or_(old, sender.in_(expired)))
            rows[item.name] = _apply(connection, item.table, condition, dry_run)
        if has_events:  # last: the conditions above read the events
            rows[EVENTS.name] = _apply(connection, EVENTS, EVENTS.c.sender_id.in_(expired), dry_run)
    if not dry_run:
        _checkpoint(engine)
    return Expired(conversations, rows)


def _apply(connection: Connection, table: sa.sql.expression.TableClause, condition: sa.sql.ClauseElement,
           dry_run: bool) -> int:
    """Delete the rows matching ``condition`` (or only count them); returns how many."""
    if dry_run:
        query = sa.select(sa.func.count()).select_from(table).where(condition)
        return int(connection.execute(query).scalar_one())
    return int(connection.execute(table.delete().where(condition)).rowcount or 0)
