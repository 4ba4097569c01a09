"""Real databases for tests: a fresh SQLite file or a fresh PostgreSQL database.

PostgreSQL runs at ``TEST_POSTGRES_URL`` (default ``postgresql://postgres@127.0.0.1:5432/test``).
Each call of :func:`fresh_postgres_url` creates its own database (``CREATE DATABASE t_<random>``
on the same server) and drops it afterwards, so test runs in parallel never see each other's
rows. When PostgreSQL is not reachable the test fails with a message that says so.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from pathlib import Path
from typing import Iterator

import pytest
import sqlalchemy as sa
from sqlalchemy.engine.url import make_url

POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")


def _admin_engine() -> sa.engine.Engine:
    url = make_url(POSTGRES_URL)
    return sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")


@contextlib.contextmanager
def fresh_postgres_url() -> Iterator[str]:
    """Yield the URL of a new, empty PostgreSQL database; drop it afterwards."""
    name = f"t_{uuid.uuid4().hex[:16]}"
    admin = _admin_engine()
    try:
        with admin.connect() as connection:
            connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except sa.exc.OperationalError as error:
        admin.dispose()
        reason = str(error.orig).strip().splitlines()[0] if error.orig else str(error)
        pytest.fail(
            f"These tests need PostgreSQL at {POSTGRES_URL} (set TEST_POSTGRES_URL); it is not reachable: {reason}"
        )
    try:
        yield make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(
                sa.text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE datname = :name AND pid <> pg_backend_pid()"
                ),
                {"name": name},
            )
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


@contextlib.contextmanager
def database_url(kind: str, tmp_path: Path) -> Iterator[str]:
    """Yield a fresh database URL of ``kind`` ("sqlite" or "postgresql")."""
    if kind == "sqlite":
        yield f"sqlite:///{tmp_path / 'tracker.db'}"
    elif kind == "postgresql":
        with fresh_postgres_url() as url:
            yield url
    else:
        raise ValueError(f"unknown database kind {kind!r}")


def terminate_connections(url: str) -> int:
    """``pg_terminate_backend`` on every connection to ``url``'s database (a failover, an idle cut).

    Returns:
        How many connections were terminated.
    """
    name = make_url(url).database
    admin = sa.create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            return len(connection.execute(
                sa.text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                        "WHERE datname = :name AND pid <> pg_backend_pid()"), {"name": name}).all())
    finally:
        admin.dispose()
