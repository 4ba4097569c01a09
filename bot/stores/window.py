"""A tracker that costs the same on turn 200 as on turn 2: load only the recent turns.

Rasa 3.6 rebuilds a conversation's tracker for every message from every stored event of the
session (``SQLTrackerStore._retrieve`` then ``DialogueStateTracker.from_dict``, which replays
them all), featurises all of it for the policies, and sends all of it to the action server.
A turn's cost therefore grows with the length of the conversation (measured in
``docs/benchmarks.md``).

This assistant's dialogue never looks further back than the current and previous turn: every
rule is "intent -> action", and follow-ups read the ``topic`` and ``language`` slots. So
:class:`RecentTurnsMixin` makes ``retrieve`` return a tracker made of:

1. the latest value of each slot set before the window (one ``SlotSet`` per slot, read with one
   SQL query that picks the newest ``slot`` row per slot name), then
2. every stored event from the ``RECENT_TURNS``-th last user message on.

Everything stays in the database: the staff console, retention, deletion and Rasa's own
``GET /conversations/<id>/tracker`` (``retrieve_full_tracker``) see the whole conversation.
Saving appends exactly the events added since the tracker was loaded (the number of loaded
events is remembered on the tracker object), instead of Rasa's "count the stored events of the
session and skip that many", which would be wrong for a shortened tracker.
"""

from __future__ import annotations

import functools
import json
import logging
from typing import Any, Dict, Iterator, List, Optional, Text, Tuple

import sqlalchemy as sa
from rasa.shared.core.events import SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.stores.driver_sql import driver_cursor, marker

logger = logging.getLogger(__name__)

#: How many user turns (with everything that followed them) a loaded tracker holds.
RECENT_TURNS = 6
#: Attribute on a loaded tracker: how many of its events were already stored when it was loaded.
LOADED_EVENTS_ATTRIBUTE = "_stored_events_at_load"


class RecentTurnsMixin:
    """For ``SQLTrackerStore`` subclasses: load the recent turns only (see the module docstring)."""

    recent_turns: int = RECENT_TURNS

    async def retrieve(self, sender_id: Text) -> Optional[DialogueStateTracker]:
        """The tracker of the latest session, shortened to its recent turns.

        Args:
            sender_id: The conversation id.

        Returns:
            The tracker, or None if nothing is stored for this conversation.
        """
        store: Any = self
        rows = self._recent_rows(sender_id)
        if not rows or store.domain is None:
            return None
        events = [json.loads(data) for data in rows]
        tracker = DialogueStateTracker.from_dict(sender_id, events, store.domain.slots)
        setattr(tracker, LOADED_EVENTS_ATTRIBUTE, len(tracker.events))
        return tracker

    def _recent_rows(self, sender_id: Text) -> List[str]:
        """The JSON of the events to load: a slot snapshot, then the recent turns.

        Four small indexed queries at most, written as SQL and sent to a pooled driver connection
        (``bot.stores.driver_sql``): built as SQLAlchemy expressions and run through a session
        they cost 1.1 ms of a turn on SQLite, this way 0.15 ms (``docs/benchmarks.md``).
        """
        store: Any = self
        sql = _statements(store.engine, store.SQLEvent.__tablename__)
        with driver_cursor(store.engine) as cursor:
            # The latest session, chosen as Rasa chooses it (by the session start's timestamp).
            cursor.execute(sql["session_start"], (sender_id, SessionStarted.type_name))
            session_start = cursor.fetchone()[0]
            scope = "all" if session_start is None else "session"
            where: Tuple[Any, ...] = (sender_id,) if session_start is None else (sender_id, session_start)
            cursor.execute(sql[f"cut_{scope}"], (*where, UserUttered.type_name, self.recent_turns - 1))
            found = cursor.fetchone()
            if found is None:  # a short conversation: load all of it
                cursor.execute(sql[f"all_{scope}"], where)
                return [row[0] for row in cursor.fetchall()]
            cut = found[0]
            # The newest SlotSet of each slot before the window (slot events keep the slot name in
            # action_name), so slots set many turns ago keep their value.
            cursor.execute(sql[f"snapshot_{scope}"], (*where, cut, SlotSet.type_name))
            snapshot = [row[0] for row in cursor.fetchall()]
            cursor.execute(sql[f"recent_{scope}"], (*where, cut))
            return snapshot + [row[0] for row in cursor.fetchall()]

    def _additional_events(self, session: Any, tracker: DialogueStateTracker) -> Iterator:
        """The tracker's events that are not stored yet (call :func:`mark_stored` after the commit)."""
        loaded: Optional[int] = getattr(tracker, LOADED_EVENTS_ATTRIBUTE, None)
        if loaded is None:  # not loaded by retrieve (a new conversation): Rasa's own rule
            loaded = self._stored_in_latest_session(tracker.sender_id)
        return iter(list(tracker.events)[loaded:])

    def _stored_in_latest_session(self, sender_id: Text) -> int:
        """How many events of the conversation's latest session are stored (Rasa's count).

        Rasa's ``SQLTrackerStore._additional_events`` skips that many of a tracker's events: the
        events since the newest session start, or all of them when there is none.
        """
        store: Any = self
        sql = _statements(store.engine, store.SQLEvent.__tablename__)
        with driver_cursor(store.engine) as cursor:
            cursor.execute(sql["session_start"], (sender_id, SessionStarted.type_name))
            session_start = cursor.fetchone()[0]
            if session_start is None:
                cursor.execute(sql["count_all"], (sender_id,))
            else:
                cursor.execute(sql["count_session"], (sender_id, session_start))
            return int(cursor.fetchone()[0])


@functools.lru_cache(maxsize=8)
def _statements(engine: sa.engine.Engine, table: str) -> Dict[str, str]:
    """The window's SQL for the engine's driver, for the whole table ("all") or from a session start."""
    m = marker(engine)
    scopes = {"all": f"sender_id = {m}", "session": f"sender_id = {m} AND timestamp >= {m}"}
    statements = {"session_start": f"SELECT max(timestamp) FROM {table} WHERE sender_id = {m} AND type_name = {m}"}
    for name, scope in scopes.items():
        statements[f"cut_{name}"] = (f"SELECT id FROM {table} WHERE {scope} AND type_name = {m}"
                                     f" ORDER BY id DESC LIMIT 1 OFFSET {m}")
        statements[f"all_{name}"] = f"SELECT data FROM {table} WHERE {scope} ORDER BY id"
        statements[f"count_{name}"] = f"SELECT count(*) FROM {table} WHERE {scope}"
        statements[f"snapshot_{name}"] = (
            f"SELECT data FROM {table} WHERE id IN (SELECT max(id) FROM {table} WHERE {scope} AND id < {m}"
            f" AND type_name = {m} GROUP BY action_name) ORDER BY id"
        )
        statements[f"recent_{name}"] = f"SELECT data FROM {table} WHERE {scope} AND id >= {m} ORDER BY id"
    return statements


def mark_stored(tracker: DialogueStateTracker, count: int) -> None:
    """Record that the first ``count`` events of ``tracker`` are in the database.

    Called only once the transaction that wrote them committed, so that a write that failed and is
    retried (``bot.stores.db_retry``) writes the same events again.
    """
    setattr(tracker, LOADED_EVENTS_ATTRIBUTE, count)


def describe_window(tracker: DialogueStateTracker) -> Dict[str, int]:
    """For tests and logs: how many events the tracker holds and how many were loaded."""
    return {"events": len(tracker.events), "loaded": int(getattr(tracker, LOADED_EVENTS_ATTRIBUTE, -1))}
