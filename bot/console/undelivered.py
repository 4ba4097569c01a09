"""Undelivered webhook replies as the console shows them: host only, errors without URLs.

The rows are the signed webhook's ``undelivered_replies`` (:mod:`bot.channels.callbacks`). The
callback URL is an integrator's and may carry a token in its path or query
(``https://hooks.example.org/reply?token=...``), so the console shows only its host (and a port
other than the scheme's default); errors are shown with every URL in them cut to
``scheme://host/…``. The reply's text (``payload``) is not shown, only how many messages it had.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any, List, Optional, Tuple
from urllib.parse import urlsplit

import sqlalchemy as sa
from sqlalchemy.engine import Engine

#: Largest id an ``Integer`` primary key holds (PostgreSQL would fail on a larger one).
MAX_ID = 2**31 - 1
_URL = re.compile(r"""[A-Za-z][A-Za-z0-9+.-]*://[^\s'"<>]+""")


@dataclass(frozen=True)
class UndeliveredEntry:
    """One undelivered reply, ready to show."""

    id: int
    created_at: dt.datetime
    sender_id: str
    host: str
    attempts: int
    last_error: str
    messages: int


def url_host(url: str) -> str:
    """The host of a URL, with its port when it is not the scheme's default; ``?`` if there is none."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = parts.port
    except ValueError:
        return "?"
    if not host:
        return "?"
    if ":" in host:
        host = f"[{host}]"
    default = {"http": 80, "https": 443}.get(parts.scheme)
    return f"{host}:{port}" if port is not None and port != default else host


def redact_urls(text: str) -> str:
    """``text`` with every URL cut to ``scheme://host/…`` (paths and queries may hold tokens)."""

    def cut(match: re.Match[str]) -> str:
        url = match.group(0)
        return f"{url.split('://', 1)[0]}://{url_host(url)}/…"

    return _URL.sub(cut, text)


def _utc(moment: dt.datetime) -> dt.datetime:
    """A stored time as naive UTC (PostgreSQL returns aware times, SQLite naive UTC)."""
    if moment.tzinfo is not None:
        return moment.astimezone(dt.timezone.utc).replace(tzinfo=None)
    return moment


def _table() -> sa.Table:
    from bot.channels.callbacks import undelivered_replies  # imported on first use: it loads Rasa's channels

    return undelivered_replies


def _messages(payload: Any) -> int:
    messages = payload.get("messages") if isinstance(payload, dict) else None
    return len(messages) if isinstance(messages, list) else 0


def list_entries(engine: Engine, limit: int = 200) -> Tuple[List[UndeliveredEntry], int]:
    """The newest undelivered replies (newest first) and how many there are in all.

    Args:
        engine: The tracker store's database.
        limit: At most this many entries.

    Returns:
        (entries, total); ``([], 0)`` when the webhook never stored one (no table yet).
    """
    table = _table()
    if not sa.inspect(engine).has_table(table.name):
        return [], 0
    with engine.connect() as connection:
        total = int(connection.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())
        rows = connection.execute(
            sa.select(table).order_by(table.c.created_at.desc(), table.c.id.desc()).limit(limit)
        ).all()
    entries = [
        UndeliveredEntry(
            id=int(row.id), created_at=_utc(row.created_at), sender_id=str(row.sender_id),
            host=url_host(str(row.callback_url)), attempts=int(row.attempts),
            last_error=redact_urls(str(row.last_error)), messages=_messages(row.payload),
        )
        for row in rows
    ]
    return entries, total


def delete_entry(engine: Engine, entry_id: int) -> Optional[Tuple[str, str]]:
    """Delete one undelivered reply.

    Args:
        engine: The tracker store's database.
        entry_id: The row's id.

    Returns:
        (sender id, callback host) of the deleted row; None when there was no such row.
    """
    table = _table()
    if not 0 < entry_id <= MAX_ID or not sa.inspect(engine).has_table(table.name):
        return None
    with engine.begin() as connection:
        row = connection.execute(
            sa.select(table.c.sender_id, table.c.callback_url).where(table.c.id == entry_id)
        ).first()
        if row is None:
            return None
        connection.execute(table.delete().where(table.c.id == entry_id))
    return str(row.sender_id), url_host(str(row.callback_url))
