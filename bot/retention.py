"""Retention: delete conversations older than ``RETENTION_DAYS`` (default 30).

    python -m bot.retention            # delete now, print how many conversations and events went
    python -m bot.retention --dry-run  # only count

The web app also runs it once at start-up and then every day. A conversation is removed whole
(every event and its feedback) once its newest event is older than the limit, so a conversation
that is still going on is never cut in half.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass
from typing import Optional, Sequence

import sqlalchemy as sa

from bot.settings import get_settings
from bot.web.conversations import feedback, metadata


@dataclass(frozen=True)
class RetentionResult:
    """What a retention run removed (or would remove)."""

    conversations: int
    events: int


def expire(database_url: str, days: int, now: Optional[float] = None, dry_run: bool = False) -> RetentionResult:
    """Delete every conversation whose newest event is older than ``days`` days.

    Args:
        database_url: The tracker store's database.
        days: The retention period.
        now: The current time (epoch seconds); the clock when omitted.
        dry_run: Only count.

    Returns:
        The numbers of conversations and events removed.
    """
    cutoff = (time.time() if now is None else now) - days * 86400
    engine = sa.create_engine(database_url, future=True)
    try:
        metadata.create_all(engine)
        with engine.begin() as connection:
            try:
                senders = [
                    row[0]
                    for row in connection.execute(
                        sa.text("SELECT sender_id FROM events GROUP BY sender_id HAVING MAX(timestamp) < :cutoff"),
                        {"cutoff": cutoff},
                    )
                ]
            except sa.exc.OperationalError:
                return RetentionResult(0, 0)  # no events table yet
            events = 0
            for sender in senders:
                count = connection.execute(
                    sa.text("SELECT COUNT(*) FROM events WHERE sender_id = :s"), {"s": sender}
                ).scalar_one()
                events += int(count)
                if not dry_run:
                    connection.execute(sa.text("DELETE FROM events WHERE sender_id = :s"), {"s": sender})
                    connection.execute(feedback.delete().where(feedback.c.sender_id == sender))
            return RetentionResult(len(senders), events)
    finally:
        engine.dispose()


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run retention once from the command line."""
    settings = get_settings()
    parser = argparse.ArgumentParser(prog="python -m bot.retention", description=__doc__.split("\n\n")[0])
    parser.add_argument("--days", type=int, default=settings.retention_days)
    parser.add_argument("--dry-run", action="store_true")
    args = parser.parse_args(argv)
    result = expire(settings.tracker_db_url, args.days, dry_run=args.dry_run)
    verb = "would delete" if args.dry_run else "deleted"
    print(f"{verb} {result.conversations} conversation(s), {result.events} event(s) older than {args.days} days")
    return 0


if __name__ == "__main__":
    sys.exit(main())
