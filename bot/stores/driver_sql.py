"""Statements sent straight to a pooled DB-API connection, failing as SQLAlchemy would.

For the few queries that run on every message (loading a conversation's recent turns, the
handoff lookup), SQLAlchemy's ORM session and expression objects cost more than the query: on
SQLite the recent turns took 1.1 ms through a session and 0.15 ms this way
(``docs/benchmarks.md``). :func:`driver_cursor` takes a connection from the engine's pool (so
the pool's pre-ping on PostgreSQL still applies), and turns a driver error into SQLAlchemy's
exception for it, invalidating the connection when the driver says it is gone, so that
``bot.stores.db_retry`` retries exactly what it retries for the ORM path.
"""

from __future__ import annotations

import contextlib
from typing import Any, Iterator

import sqlalchemy as sa


def marker(engine: sa.engine.Engine) -> str:
    """The positional parameter marker of the engine's driver (``?`` for SQLite, ``%s`` for psycopg2)."""
    style = engine.dialect.paramstyle
    if style == "qmark":
        return "?"
    if style in ("format", "pyformat"):
        return "%s"
    raise ValueError(f"unsupported DB-API parameter style {style!r}")


@contextlib.contextmanager
def driver_cursor(engine: sa.engine.Engine, commit: bool = False) -> Iterator[Any]:
    """A cursor on a pooled connection; the connection is rolled back and returned afterwards.

    Args:
        engine: The engine whose pool lends the connection.
        commit: Commit when the block ends without an error (otherwise nothing is kept).

    Raises:
        sqlalchemy.exc.DBAPIError: The driver's error, wrapped as SQLAlchemy wraps it (an
            ``OperationalError`` for a dropped connection, with ``connection_invalidated`` set
            when the driver reports a disconnect).
    """
    dialect = engine.dialect
    connection = engine.raw_connection()
    cursor = None
    try:
        cursor = connection.cursor()
        yield cursor
        if commit:
            connection.commit()
    except dialect.dbapi.Error as error:  # type: ignore[union-attr]
        gone = bool(dialect.is_disconnect(error, connection, cursor))
        if gone:
            connection.invalidate(error)
        raise sa.exc.DBAPIError.instance(
            None, None, error, dialect.dbapi.Error, connection_invalidated=gone, dialect=dialect,  # type: ignore[union-attr]
        ) from error
    finally:
        if cursor is not None:
            with contextlib.suppress(Exception):
                cursor.close()
        connection.close()
