"""The handoff store survives PostgreSQL dropping its connections, as the tracker store does."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from bot import metrics
from bot.handoff.store import ENDED, OFFERED, HandoffStore
from bot.stores.db_retry import StoreUnavailable
from tests.databases import fresh_postgres_url, terminate_connections


def test_a_change_after_the_connections_were_killed_is_retried_and_done():
    with fresh_postgres_url() as url:
        engine = sa.create_engine(url)  # no pre-ping: the dead pooled connection is handed out
        store = HandoffStore(engine, retry_seconds=10)
        store.create_tables()
        try:
            request = store.request("s1", "rest", "uk", "person_requested", live=False)
            assert request.status == OFFERED
            assert store.current("s1") is not None  # the pool now holds an open connection
            assert terminate_connections(url) >= 1
            retries = metrics.STORE_RETRIES.labels(store="handoff")._value.get()
            assert store.end(request.id, "ignored", (OFFERED,)) is True
            assert metrics.STORE_RETRIES.labels(store="handoff")._value.get() == retries + 1  # it did fail once
            assert store.get(request.id).status == ENDED
            assert terminate_connections(url) >= 1
            assert store.current("s1") is None  # one immediate retry on a new connection
        finally:
            engine.dispose()


def test_a_database_that_stays_away_ends_in_store_unavailable():
    engine = sa.create_engine("postgresql://postgres@127.0.0.1:9/none", connect_args={"connect_timeout": 1})
    store = HandoffStore(engine, retry_seconds=0.5)
    with pytest.raises(StoreUnavailable, match="handoff store: get failed"):
        store.get(1)
    with pytest.raises(sa.exc.OperationalError):
        store.current("s1")  # not retried for long: the turn's tracker store reports the outage
