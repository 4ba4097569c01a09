"""Retention: delete conversations older than ``RETENTION_DAYS`` (default 30).

    python -m bot.retention            # delete now, print how many conversations and rows went
    python -m bot.retention --dry-run  # only count

The web app also runs it once at start-up and then every day. A conversation is removed whole
(every row in every table that holds it: events, feedback, the console's tags, notes, review marks
and corrections, undelivered webhook replies; see :mod:`bot.conversation_data`) once its newest
event is older than the limit, so a conversation that is still going on is never cut in half.
Undelivered webhook replies also go by their own age.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from dataclasses import dataclass, field
from typing import Dict, Optional, Sequence

import sqlalchemy as sa

from bot.conversation_data import delete_older_than
from bot.settings import get_settings


@dataclass(frozen=True)
class RetentionResult:
    """What a retention run removed (or would remove).

    Attributes:
        conversations: Conversations whose newest event was older than the limit.
        events: Their events.
        rows: Rows per table (``events`` included); tables that do not exist are absent.
    """

    conversations: int
    events: int
    rows: Dict[str, int] = field(default_factory=dict)


def expire(database_url: str, days: int, now: Optional[float] = None, dry_run: bool = False) -> RetentionResult:
    """Delete every conversation whose newest event is older than ``days`` days, in every table.

    Args:
        database_url: The tracker store's database.
        days: The retention period.
        now: The current time (epoch seconds); the clock when omitted.
        dry_run: Only count.

    Returns:
        The numbers of conversations, events and rows per table removed.
    """
    cutoff = (time.time() if now is None else now) - days * 86400
    engine = sa.create_engine(database_url, future=True)
    try:
        expired = delete_older_than(engine, dt.datetime.fromtimestamp(cutoff, dt.timezone.utc), dry_run=dry_run)
    finally:
        engine.dispose()
    return RetentionResult(expired.conversations, expired.rows.get("events", 0), expired.rows)


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
    others = ", ".join(f"{name} {count}" for name, count in sorted(result.rows.items()) if name != "events")
    if others:
        print(f"rows in other tables: {others}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
