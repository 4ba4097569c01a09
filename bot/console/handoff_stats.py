"""Live handoff numbers per day for the analytics page and its CSV (issue #15).

Read from ``handoffs`` (``bot.handoff.store``), by the UTC day a request was made:

* requests: every request for a person (``live`` ones were queued for staff in the chat, the
  others were offered the e-mail path because nobody could join);
* taken: live requests a staff member took; the handled share is taken over live;
* waiting time: the median seconds from a live request to its taking;
* messages left: questions left with an e-mail address;
* outcomes: how each request ended (``handed_back``, ``timeout``, ``user``, ``answered``,
  ``declined``, ``cancelled``, ``ignored``, ``superseded``), or its state while still open.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Tuple

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bot.handoff.store import ENDED, OFFERED, Handoff, HandoffStore

#: Statuses a request passes through on the e-mail path (not queued live).
_EMAIL_PATH_REASONS = {"declined", "cancelled", "ignored", "answered"}


@dataclass(frozen=True)
class HandoffDay:
    """One day's requests for a person."""

    day: dt.date
    requests: int = 0
    live: int = 0
    taken: int = 0
    messages_left: int = 0
    median_wait_seconds: Optional[float] = None
    outcomes: Tuple[Tuple[str, int], ...] = ()

    @property
    def handled_share(self) -> Optional[float]:
        """Share of live requests a person took (None without live requests)."""
        return self.taken / self.live if self.live else None


def _live(item: Handoff) -> bool:
    """Whether the request was queued for staff in the chat (not offered the e-mail path)."""
    if item.status == OFFERED or item.end_reason in _EMAIL_PATH_REASONS:
        return False
    return item.status != "awaiting_email" and item.status != "message_left"


def _outcome(item: Handoff) -> str:
    return str(item.end_reason) if item.status == ENDED and item.end_reason else item.status


def per_day(engine: Engine, days: Sequence[dt.date], language: Optional[str] = None) -> Tuple[HandoffDay, ...]:
    """The numbers for each of ``days`` (UTC), optionally only requests in ``language``."""
    if not days:
        return ()
    if not sa.inspect(engine).has_table("handoffs"):
        return tuple(HandoffDay(day) for day in days)
    start = dt.datetime.combine(min(days), dt.time())
    end = dt.datetime.combine(max(days) + dt.timedelta(days=1), dt.time())
    grouped: Dict[dt.date, List[Handoff]] = {day: [] for day in days}
    for item in HandoffStore(engine).between(start, end):
        if language is None or item.language == language:
            grouped.setdefault(item.created_at.date(), []).append(item)
    result = []
    for day in days:
        items = grouped.get(day, [])
        live = [item for item in items if _live(item)]
        taken = [item for item in live if item.taken_at is not None]
        waits = [(item.taken_at - item.created_at).total_seconds() for item in taken if item.taken_at]
        result.append(HandoffDay(
            day=day,
            requests=len(items),
            live=len(live),
            taken=len(taken),
            messages_left=sum(1 for item in items if item.status == "message_left" or item.end_reason == "answered"),
            median_wait_seconds=statistics.median(waits) if waits else None,
            outcomes=tuple(sorted(Counter(_outcome(item) for item in items).items())),
        ))
    return tuple(result)
