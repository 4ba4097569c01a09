"""Reading fields of the tracker store's JSON ``data`` column in SQL, on SQLite and PostgreSQL.

Rasa stores each event as JSON text. ``json_text(events.c.data, "parse_data", "intent", "name")``
compiles to ``json_extract(data, '$.parse_data.intent.name')`` on SQLite and to
``CAST(data AS json) #>> '{parse_data,intent,name}'`` on PostgreSQL, so the console can filter
and aggregate on event fields without loading every event into Python.
"""

from __future__ import annotations

import re
from typing import Any

import sqlalchemy as sa
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
