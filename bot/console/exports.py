"""Exports of the NLU inbox that never lose a correction (issue #21).

* Every export is a row of ``console_exports`` (language, who, when, the key of the form that
  asked for it); its corrections point to it (``console_corrections.export_id``). The file is
  made again from those corrections whenever it is downloaded, so it can be fetched again at any
  time, and a correction deleted with its conversation ("delete my conversation", retention) is
  gone from every later download too: no copy of a user's text is kept elsewhere.
* The export form carries a random key; a second POST with the same key (a double click, a
  reload) gets the same export, never a second, empty one. The key is unique in the table, so two
  requests at the same moment cannot both create one.
* A correction can be discarded (it is never exported) and put back before it is exported.

Schema changes to ``console_corrections`` (``export_id``, ``discarded_at``, ``discarded_by``) are
added to an existing table by :func:`upgrade_corrections` (``ALTER TABLE ... ADD COLUMN``, on
SQLite and PostgreSQL).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, List, Optional, Tuple

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from bot.console import inbox
from bot.console.review_db import Correction, _correction, corrections, metadata

exports = sa.Table(
    "console_exports",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("language", sa.String(16), nullable=False),
    sa.Column("created_by", sa.String(255), nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("request_key", sa.String(64), nullable=True, unique=True),
)

#: Columns added to ``console_corrections`` after its first release: name -> SQL type.
NEW_COLUMNS = {"export_id": "INTEGER", "discarded_at": "TIMESTAMP", "discarded_by": "VARCHAR(255)"}


class NothingToExport(ValueError):
    """The language has no correction waiting."""


@dataclass(frozen=True)
class Export:
    """One export: who made it, when, and how many corrections it holds now."""

    id: int
    language: str
    created_by: str
    created_at: dt.datetime
    count: int

    @property
    def filename(self) -> str:
        """``nlu_corrections_<language>_<UTC time>.yml``."""
        return f"nlu_corrections_{self.language}_{self.created_at.strftime('%Y%m%dT%H%M%SZ')}.yml"


def upgrade_corrections(engine: Engine) -> None:
    """Add the columns of :data:`NEW_COLUMNS` that an older ``console_corrections`` lacks."""
    with engine.connect() as connection:
        present = {column["name"] for column in sa.inspect(connection).get_columns("console_corrections")}
    for name, kind in NEW_COLUMNS.items():
        if name in present:
            continue
        try:
            with engine.begin() as connection:
                connection.exec_driver_sql(f"ALTER TABLE console_corrections ADD COLUMN {name} {kind}")
        except sa.exc.DBAPIError:  # another process added it first
            with engine.connect() as connection:
                columns = {column["name"] for column in sa.inspect(connection).get_columns("console_corrections")}
            if name not in columns:
                raise


def _now() -> dt.datetime:
    return dt.datetime.utcnow().replace(microsecond=0)


def _export(connection: Connection, row: Any) -> Export:
    count = connection.execute(
        sa.select(sa.func.count()).select_from(corrections).where(corrections.c.export_id == row.id)
    ).scalar_one()
    return Export(int(row.id), str(row.language), str(row.created_by), row.created_at, int(count))


def _corrections_of(connection: Connection, export_id: int) -> List[Correction]:
    rows = connection.execute(
        sa.select(corrections).where(corrections.c.export_id == export_id).order_by(corrections.c.id)
    ).all()
    return [_correction(row) for row in rows]


def discarded(engine: Engine) -> List[Correction]:
    """Corrections discarded and not exported, oldest first."""
    query = sa.select(corrections).where(corrections.c.exported_at.is_(None), corrections.c.discarded_at.isnot(None))
    with engine.connect() as connection:
        return [_correction(row) for row in connection.execute(query.order_by(corrections.c.id)).all()]


def set_discarded(engine: Engine, correction_id: int, user: Optional[str]) -> bool:
    """Discard a waiting correction (``user`` given) or put it back (None); False if it is not waiting."""
    with engine.begin() as connection:
        result = connection.execute(
            corrections.update()
            .where(corrections.c.id == correction_id, corrections.c.exported_at.is_(None))
            .values(discarded_at=_now() if user else None, discarded_by=user)
        )
    return bool(result.rowcount)


def create(engine: Engine, language: str, user: str, request_key: Optional[str]) -> Tuple[Export, str, bool]:
    """Export the language's waiting corrections, or return the export made for the same form.

    Args:
        engine: The console's engine.
        language: The language to export.
        user: Who exports.
        request_key: The key of the export form (None: every call is a new export).

    Returns:
        The export, its file, and whether it was made by this call.

    Raises:
        NothingToExport: No correction waits and no export was made for ``request_key``.
    """
    if request_key:
        found = _by_key(engine, request_key)
        if found is not None:
            return found[0], found[1], False
    try:
        with engine.begin() as connection:
            waiting = [
                _correction(row) for row in connection.execute(
                    sa.select(corrections).where(
                        corrections.c.exported_at.is_(None), corrections.c.discarded_at.is_(None),
                        corrections.c.language == language,
                    ).order_by(corrections.c.id)
                ).all()
            ]
            if not waiting:
                raise NothingToExport(f"no correction in {language} waits to be exported")
            now = _now()
            export_id = int(connection.execute(exports.insert().values(
                language=language, created_by=user, created_at=now, request_key=request_key or None,
            )).inserted_primary_key[0])
            connection.execute(
                corrections.update()
                .where(corrections.c.id.in_([item.id for item in waiting]), corrections.c.exported_at.is_(None))
                .values(exported_at=now, export_id=export_id)
            )
            row = connection.execute(sa.select(exports).where(exports.c.id == export_id)).one()
            made = _export(connection, row)
            body = inbox.export_yaml(_corrections_of(connection, export_id), language, now)
        return made, body, True
    except sa.exc.IntegrityError:  # the same form's export was made at the same moment
        found = _by_key(engine, request_key or "")
        if found is None:
            raise
        return found[0], found[1], False


def _by_key(engine: Engine, request_key: str) -> Optional[Tuple[Export, str]]:
    return _find(engine, exports.c.request_key == request_key)


def _find(engine: Engine, condition: Any) -> Optional[Tuple[Export, str]]:
    """The export matching ``condition`` and its file, made again from its corrections; None if none."""
    with engine.connect() as connection:
        row = connection.execute(sa.select(exports).where(condition)).first()
        if row is None:
            return None
        return _export(connection, row), _file(connection, row)


def _file(connection: Connection, row: Any) -> str:
    return inbox.export_yaml(_corrections_of(connection, int(row.id)), str(row.language), row.created_at)


def download(engine: Engine, export_id: int) -> Optional[Tuple[Export, str]]:
    """An earlier export and its file, made again from its corrections; None if there is no such export."""
    return _find(engine, exports.c.id == export_id)


def history(engine: Engine, limit: int = 20) -> List[Export]:
    """The latest exports, newest first."""
    with engine.connect() as connection:
        rows = connection.execute(sa.select(exports).order_by(exports.c.id.desc()).limit(limit)).all()
        return [_export(connection, row) for row in rows]
