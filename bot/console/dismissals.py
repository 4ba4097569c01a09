"""Messages a reviewer took out of a review queue (issue #21).

``console_dismissals`` holds one row per (message, queue): ``suspects`` (the answer was checked
and is right: "mark as fine") and ``unanswered`` (a group of unanswered questions needs nothing
taught: "dismiss"). Rows go with their conversation (``bot.conversation_data``).
"""

from __future__ import annotations

import datetime as dt
from typing import Iterable, Set, Tuple

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bot.console.review_db import metadata

SUSPECTS = "suspects"
UNANSWERED = "unanswered"
QUEUES = (SUSPECTS, UNANSWERED)

dismissals = sa.Table(
    "console_dismissals",
    metadata,
    sa.Column("event_id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("queue", sa.String(16), primary_key=True),
    sa.Column("sender_id", sa.String(255), nullable=False, index=True),
    sa.Column("dismissed_by", sa.String(255), nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
)


def dismissed(engine: Engine, queue: str) -> Set[int]:
    """The messages taken out of ``queue``."""
    with engine.connect() as connection:
        query = sa.select(dismissals.c.event_id).where(dismissals.c.queue == queue)
        return {int(row[0]) for row in connection.execute(query)}


def dismiss(engine: Engine, queue: str, messages: Iterable[Tuple[str, int]], user: str) -> int:
    """Take messages (``(sender_id, event_id)``) out of ``queue``; returns how many were new there."""
    if queue not in QUEUES:
        raise ValueError(f"unknown queue {queue!r}")
    now = dt.datetime.utcnow().replace(microsecond=0)
    added = 0
    for sender_id, event_id in messages:
        try:
            with engine.begin() as connection:
                connection.execute(dismissals.insert().values(
                    event_id=event_id, queue=queue, sender_id=sender_id, dismissed_by=user, created_at=now,
                ))
            added += 1
        except sa.exc.IntegrityError:  # taken out already (a double click)
            pass
    return added
