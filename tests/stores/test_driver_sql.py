"""Driver-level statements fail as SQLAlchemy's would, so that the store's retries still apply."""

from __future__ import annotations

import asyncio
import uuid

import pytest
import sqlalchemy as sa
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

import bot.stores.tracker_store as module
from bot.settings import Settings
from bot.stores.db_retry import is_transient
from bot.stores.driver_sql import driver_cursor, marker
from bot.stores.tracker_store import ConfiguredTrackerStore
from tests.databases import database_url, fresh_postgres_url


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_a_driver_error_is_sqlalchemys_error_and_the_connection_goes_back(kind, tmp_path):
    with database_url(kind, tmp_path) as url:
        engine = sa.create_engine(url, poolclass=sa.pool.QueuePool)
        try:
            expected = sa.exc.ProgrammingError if kind == "postgresql" else sa.exc.OperationalError
            with pytest.raises(expected) as caught, driver_cursor(engine) as cursor:
                cursor.execute("SELECT data FROM no_such_table")
            assert isinstance(caught.value.orig, engine.dialect.dbapi.Error)
            assert not caught.value.connection_invalidated
            assert engine.pool.checkedout() == 0
            with driver_cursor(engine) as cursor:
                cursor.execute(f"SELECT 1 + {marker(engine)}", (41,))
                assert cursor.fetchone()[0] == 42
        finally:
            engine.dispose()


def test_a_connection_killed_under_a_query_is_invalidated_and_reported_as_transient():
    with fresh_postgres_url() as url:
        engine = sa.create_engine(url)
        try:
            with pytest.raises(sa.exc.OperationalError) as caught, driver_cursor(engine) as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                pid = cursor.fetchone()[0]
                with engine.connect() as other:
                    other.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
                cursor.execute("SELECT 1")
            assert caught.value.connection_invalidated and is_transient(caught.value)
            with driver_cursor(engine) as cursor:  # a new connection replaced the dead one
                cursor.execute("SELECT pg_backend_pid()")
                assert cursor.fetchone()[0] != pid
        finally:
            engine.dispose()


def test_the_recent_turns_load_again_after_the_database_dropped_the_connection(monkeypatch):
    with fresh_postgres_url() as url:
        monkeypatch.setattr(module, "get_settings", lambda: Settings(tracker_db_url=url, db_retry_seconds=10.0))
        store = ConfiguredTrackerStore(domain=Domain.empty(), connect_timeout=5)
        sender = uuid.uuid4().hex
        tracker = DialogueStateTracker.from_events(sender, [
            ActionExecuted("action_listen"), UserUttered("question", {"name": "ask"}), BotUttered("answer"),
            ActionExecuted("action_listen")])
        asyncio.run(store.save(tracker))
        with store.engine.connect() as connection:  # every idle connection of the pool is killed
            connection.execute(sa.text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"))
        loaded = asyncio.run(store.retrieve(sender))
        assert loaded is not None
        assert [event.text for event in loaded.events if isinstance(event, (UserUttered, BotUttered))] == [
            "question", "answer"]
        store.engine.dispose()


def test_an_unsupported_parameter_style_is_refused():
    engine = sa.create_engine("sqlite://")
    engine.dialect.paramstyle = "named"
    with pytest.raises(ValueError, match="named"):
        marker(engine)
