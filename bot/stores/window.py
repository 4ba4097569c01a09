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

import json
import logging
from typing import Any, Dict, Iterator, List, Optional, Text

import sqlalchemy as sa
from rasa.shared.core.events import SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

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
        with store.session_scope() as session:
            rows = self._recent_rows(session, sender_id)
        if not rows or store.domain is None:
            return None
        events = [json.loads(data) for data in rows]
        tracker = DialogueStateTracker.from_dict(sender_id, events, store.domain.slots)
        setattr(tracker, LOADED_EVENTS_ATTRIBUTE, len(tracker.events))
        return tracker

    def _recent_rows(self, session: Any, sender_id: Text) -> List[str]:
        """The JSON of the events to load: a slot snapshot, then the recent turns."""
        store: Any = self
        table = store.SQLEvent.__table__
        of_sender = table.c.sender_id == sender_id
        # The latest session, chosen as Rasa chooses it (by the session start's timestamp).
        session_start = session.execute(
            sa.select(sa.func.max(table.c.timestamp)).where(of_sender, table.c.type_name == SessionStarted.type_name)
        ).scalar()
        in_session = of_sender if session_start is None else sa.and_(of_sender, table.c.timestamp >= session_start)
        cut = session.execute(
            sa.select(table.c.id)
            .where(in_session, table.c.type_name == UserUttered.type_name)
            .order_by(table.c.id.desc())
            .offset(self.recent_turns - 1)
            .limit(1)
        ).scalar()
        if cut is None:  # a short conversation: load all of it
            query = sa.select(table.c.data).where(in_session).order_by(table.c.id)
            return [row[0] for row in session.execute(query)]
        # The newest SlotSet of each slot before the window (slot events keep the slot name in
        # action_name), so slots set many turns ago keep their value.
        latest = (
            sa.select(sa.func.max(table.c.id))
            .where(in_session, table.c.id < cut, table.c.type_name == SlotSet.type_name)
            .group_by(table.c.action_name)
        )
        snapshot = sa.select(table.c.data).where(table.c.id.in_(latest)).order_by(table.c.id)
        recent = sa.select(table.c.data).where(in_session, table.c.id >= cut).order_by(table.c.id)
        return [row[0] for row in session.execute(snapshot)] + [row[0] for row in session.execute(recent)]

    def _additional_events(self, session: Any, tracker: DialogueStateTracker) -> Iterator:
        """The tracker's events that are not stored yet (call :func:`mark_stored` after the commit)."""
        loaded: Optional[int] = getattr(tracker, LOADED_EVENTS_ATTRIBUTE, None)
        if loaded is None:  # not loaded by retrieve (a new conversation): Rasa's own rule
            parent: Any = super()
            return iter(parent._additional_events(session, tracker))
        return iter(list(tracker.events)[loaded:])


def mark_stored(tracker: DialogueStateTracker, count: int) -> None:
    """Record that the first ``count`` events of ``tracker`` are in the database.

    Called only once the transaction that wrote them committed, so that a write that failed and is
    retried (``bot.stores.db_retry``) writes the same events again.
    """
    setattr(tracker, LOADED_EVENTS_ATTRIBUTE, count)


def describe_window(tracker: DialogueStateTracker) -> Dict[str, int]:
    """For tests and logs: how many events the tracker holds and how many were loaded."""
    return {"events": len(tracker.events), "loaded": int(getattr(tracker, LOADED_EVENTS_ATTRIBUTE, -1))}
