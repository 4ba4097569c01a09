"""Reading fields of the tracker store's JSON ``data`` column in SQL, on SQLite and PostgreSQL.

Rasa stores each event as JSON text. ``json_text(events.c.data, "parse_data", "intent", "name")``
compiles to ``json_extract(data, '$.parse_data.intent.name')`` on SQLite and to
``CAST(data AS json) #>> '{parse_data,intent,name}'`` on PostgreSQL, so the console can filter
and aggregate on event fields without loading every event into Python.

``unicode_lower(expression)`` lower-cases text the same way on both databases: PostgreSQL's
``lower()`` follows the database's locale (all of Unicode under ``C.UTF-8`` or ``en_US.UTF-8``),
while SQLite's ``lower()`` only knows ASCII, so on SQLite it calls Python's ``str.lower``,
registered on every connection of the engine by :func:`enable_unicode_lower`.
"""

from __future__ import annotations

import re
import weakref
from typing import Any, Optional

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ColumnElement, FunctionElement

_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class JsonText(FunctionElement):
    """The text at a key path of a JSON text column (NULL when absent)."""

    type = sa.Text()
    name = "json_text"
    inherit_cache = True

    def __init__(self, column: Any, *path: str) -> None:
        """Remember the column and the key path.

        Args:
            column: A text column holding JSON objects.
            *path: Object keys (identifiers only; they are written into the SQL).

        Raises:
            ValueError: If a key is not a plain identifier.
        """
        if not path or not all(_KEY.match(key) for key in path):
            raise ValueError(f"JSON path keys must be identifiers, got {path!r}")
        self.path = tuple(path)
        super().__init__(column)


@compiles(JsonText, "sqlite")
def _sqlite(element: JsonText, compiler: Any, **kw: Any) -> str:
    column = compiler.process(element.clauses, **kw)
    return f"json_extract({column}, '$.{'.'.join(element.path)}')"


@compiles(JsonText, "postgresql")
def _postgresql(element: JsonText, compiler: Any, **kw: Any) -> str:
    column = compiler.process(element.clauses, **kw)
    return f"(CAST({column} AS json) #>> '{{{','.join(element.path)}}}')"


@compiles(JsonText)
def _other(element: JsonText, compiler: Any, **kw: Any) -> str:
    raise sa.exc.CompileError(f"JSON fields are not supported on {compiler.dialect.name}")


def json_text(column: Any, *path: str) -> ColumnElement:
    """The JSON value at ``path`` as text."""
    return JsonText(column, *path)


def json_float(column: Any, *path: str) -> ColumnElement:
    """The JSON value at ``path`` as a number."""
    return sa.cast(JsonText(column, *path), sa.Float)


#: The name of the Python lower-case function on SQLite connections.
SQLITE_LOWER = "py_lower"
_lower_enabled: weakref.WeakSet[Engine] = weakref.WeakSet()


class UnicodeLower(FunctionElement):
    """Lower-cased text, Unicode-aware on SQLite too (see :func:`enable_unicode_lower`)."""

    type = sa.Text()
    name = "unicode_lower"
    inherit_cache = True


@compiles(UnicodeLower, "sqlite")
def _sqlite_lower(element: UnicodeLower, compiler: Any, **kw: Any) -> str:
    return f"{SQLITE_LOWER}({compiler.process(element.clauses, **kw)})"


@compiles(UnicodeLower)
def _lower(element: UnicodeLower, compiler: Any, **kw: Any) -> str:
    return f"lower({compiler.process(element.clauses, **kw)})"


def unicode_lower(expression: Any) -> ColumnElement:
    """``expression`` lower-cased like Python's ``str.lower`` (needs :func:`enable_unicode_lower` on SQLite)."""
    return UnicodeLower(expression)


def _python_lower(value: Optional[str]) -> Optional[str]:
    return value.lower() if isinstance(value, str) else value


def _register_lower(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.create_function(SQLITE_LOWER, 1, _python_lower, deterministic=True)


def enable_unicode_lower(engine: Engine) -> None:
    """Make :func:`unicode_lower` work on ``engine`` (SQLite: a ``connect`` listener; idempotent).

    Call it before the engine's first connection: connections opened earlier and kept in a pool
    do not get the function (SQLAlchemy 1.4 opens a new connection per checkout for SQLite files).

    Args:
        engine: Any engine; only SQLite engines need the function.
    """
    if engine.dialect.name != "sqlite" or engine in _lower_enabled:
        return
    sa.event.listen(engine, "connect", _register_lower)
    _lower_enabled.add(engine)
