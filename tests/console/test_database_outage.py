"""The web app (widget API and console) while PostgreSQL drops its connections or stays away.

The real web app runs on a fresh PostgreSQL database reached through a TCP proxy the test cuts
(``tests.faultproxy``), with ``DB_RETRY_SECONDS=1``: a dropped connection is retried unseen; a
database that stays away gives a clear 503 (JSON for the API, a page for the console), changes
nothing, and the app works again as soon as the database is back.
"""

from __future__ import annotations

import os
import uuid

import pytest
import requests
import sqlalchemy as sa
from sqlalchemy.engine.url import make_url

from tests.databases import fresh_postgres_url, terminate_connections
from tests.faultproxy import TcpProxy


@pytest.fixture(scope="module")
def real_db_url():
    from rasa.core.tracker_store import SQLTrackerStore

    with fresh_postgres_url() as url:
        engine = sa.create_engine(url)
        SQLTrackerStore.SQLEvent.__table__.create(engine)  # Rasa's table, as the Rasa server creates it
        engine.dispose()
        yield url


@pytest.fixture(scope="module")
def proxy(real_db_url):
    parts = make_url(real_db_url)
    running = TcpProxy((parts.host or "127.0.0.1", parts.port or 5432))
    yield running
    running.close()


@pytest.fixture(scope="module")
def db_url(real_db_url, proxy):
    """Overrides the console fixtures' database: PostgreSQL through the proxy, short retries."""
    previous = os.environ.get("DB_RETRY_SECONDS")
    os.environ["DB_RETRY_SECONDS"] = "1"
    yield make_url(real_db_url).set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    if previous is None:
        os.environ.pop("DB_RETRY_SECONDS", None)
    else:
        os.environ["DB_RETRY_SECONDS"] = previous


def test_console_and_api_survive_dropped_connections_and_say_503_while_the_database_is_away(
    console, proxy, real_db_url
):
    session, _, _ = console.signed_in("reviewer")
    assert session.get(console.url("/console/"), timeout=10).status_code == 200

    assert terminate_connections(real_db_url) >= 1  # every pooled connection of the web app dies
    assert session.get(console.url("/console/"), timeout=10).status_code == 200  # unseen by the user

    feedback = {"session_id": uuid.uuid4().hex, "rating": "up"}
    proxy.cut()
    try:
        page = session.get(console.url("/console/"), timeout=20)
        api = requests.post(console.url("/api/feedback"), json=feedback, headers={"X-Session-Secret": "x" * 32},
                            timeout=20)
    finally:
        proxy.restore()
    assert page.status_code == 503 and "Temporarily unavailable" in page.text
    assert page.headers["Retry-After"] == "10"
    assert api.status_code == 503
    assert api.json() == {"error": {"code": "service_unavailable", "message": (
        "the conversation database is not reachable; nothing was changed, please try again shortly")}}

    assert session.get(console.url("/console/"), timeout=10).status_code == 200  # back at once
    missing = requests.post(console.url("/api/feedback"), json=feedback, headers={"X-Session-Secret": "x" * 32},
                            timeout=10)
    assert missing.status_code == 404  # the API answers from the database again
    log = console.log.read_text()
    assert "web store: session failed for 1s (DB_RETRY_SECONDS): OperationalError: " in log
    assert "web store: owner failed for 1s (DB_RETRY_SECONDS): OperationalError: " in log
    assert "Traceback" not in log
