"""Odd query values on every console page get a clear 400 (or are ignored), never a 500.

A sweep sends every odd value of :data:`ODD_VALUES` in every query parameter of every GET page
(:data:`PAGE_PARAMS`, checked against the app's routes so that a new page must be listed here),
signed in as an admin, on SQLite and PostgreSQL.
"""

from __future__ import annotations

from typing import Dict, List, Tuple
from urllib.parse import quote

import pytest
import requests
from sanic import Sanic

from tests.console.conftest import Console, error_of
from tests.console.review_data import write_dataset
from tests.console.test_console_auth import console_routes

CONVERSATION = "/console/conversations/alice"
#: Every GET page of the console and the query parameters it reads.
PAGE_PARAMS: Dict[str, Tuple[str, ...]] = {
    "/console": (),
    "/console/login": ("next",),
    "/console/audit": ("page",),
    "/console/users": ("done",),
    "/console/conversations": (
        "from", "to", "language", "channel", "intent", "below", "fallback", "thumbs_down", "tag", "reviewed", "q",
        "page",
    ),
    CONVERSATION: ("done",),
    CONVERSATION + "/story.yml": (),
    "/console/inbox": ("done",),
    "/console/inbox/export": ("language",),
    "/console/inbox/exports/1": (),
    "/console/unanswered": ("from", "to", "language", "class", "similarity"),
    "/console/suspects": ("from", "to", "language", "done"),
    "/console/analytics": ("from", "to", "language"),
    "/console/analytics.csv": ("from", "to", "language"),
    "/console/undelivered": ("done",),
    "/console/handoffs": ("notice",),
    "/console/handoffs/stream": (),
    "/console/handoffs/1": (),
    "/console/handoffs/1/stream": ("after",),
}
#: Values as they appear in the URL (already percent-encoded where needed).
ODD_VALUES = [
    quote("²"), quote("١٢"), quote("１２"), "-1", "0", "99999999999999999999", "1e309", "nan", "inf", "-inf",
    "9999-12-31", "0001-01-05", "0001-01-01", "2026-02-30", "2026-1-1", "", "%20", quote("Київ"),
    quote("<script>alert(1)</script>"), quote("'; DROP TABLE events; --"), "%25", "%FF%FE", "%00", "%0A",
    "x" * 201, quote("\u202e\u200b"), quote("😀"),
]
#: Values that used to give a 500 and must give exactly 400 naming the parameter.
KNOWN: List[Tuple[str, str, str]] = [
    ("/console/conversations", "page", quote("²")),
    ("/console/conversations", "page", quote("١٢")),
    ("/console/conversations", "to", "9999-12-31"),
    ("/console/conversations", "from", "9999-12-31"),
    ("/console/conversations", "to", "0001-01-05"),
    ("/console/analytics", "to", "9999-12-31"),
    ("/console/analytics", "to", "0001-01-05"),
    ("/console/analytics", "from", "0001-01-01"),
    ("/console/analytics.csv", "to", "9999-12-31"),
    ("/console/analytics.csv", "to", "0001-01-05"),
    ("/console/unanswered", "to", "9999-12-31"),
    ("/console/unanswered", "to", "0001-01-05"),
]


@pytest.fixture(scope="module")
def admin(console: Console) -> requests.Session:
    """An admin session on the console with the four conversations of ``write_dataset``."""
    write_dataset(console.db_url)
    session, _, _ = console.signed_in("admin")
    return session


def get(console: Console, session: requests.Session, path: str, query: str) -> requests.Response:
    return session.get(console.url(f"{path}?{query}"), allow_redirects=False, timeout=30)


def test_every_get_page_is_listed(app: Sanic) -> None:
    pages = {path.replace("/x", "/alice") if path.startswith("/console/conversations/") else path
             for method, path in console_routes(app) if method == "GET"}
    assert pages | {"/console/login"} == set(PAGE_PARAMS)


@pytest.mark.parametrize(("path", "name", "value"), KNOWN)
def test_values_that_used_to_fail_get_a_400(console: Console, admin: requests.Session, path: str, name: str,
                                            value: str) -> None:
    response = get(console, admin, path, f"{name}={value}")
    assert response.status_code == 400, response.text
    error = error_of(response)
    assert error["code"] == "invalid_query"
    assert f"'{name}'" in error["message"]


def test_odd_values_in_every_parameter_never_give_a_500(console: Console, admin: requests.Session) -> None:
    problems = []
    for path, names in PAGE_PARAMS.items():
        for name in names:
            for query in [f"{name}={value}" for value in ODD_VALUES] + [f"{name}=1&{name}=2"]:
                response = get(console, admin, path, query)
                if response.status_code == 400:
                    ok = error_of(response)["code"] == "invalid_query"
                else:
                    ok = response.status_code in (200, 302)
                if not ok:
                    problems.append((path, query, response.status_code, response.text[:200]))
    assert problems == []
    assert "Server Error" not in console.log.read_text()


def test_a_repeated_or_odd_page_number_is_refused(console: Console, admin: requests.Session) -> None:
    for query in ("page=1&page=2", "page=0", "page=-1", "page=100001", "page=1.0", f"page={quote('٣')}"):
        response = get(console, admin, "/console/conversations", query)
        assert response.status_code == 400, query
        assert error_of(response) == {
            "code": "invalid_query",
            "message": "'page' is given more than once" if "&" in query
            else "'page' must be a whole number from 1 to 100000",
        }
    assert get(console, admin, "/console/conversations", "page=2").status_code == 200  # past the end: empty


def test_dates_are_limited_to_2000_to_2100(console: Console, admin: requests.Session) -> None:
    for value in ("1999-12-31", "2101-01-01"):
        response = get(console, admin, "/console/conversations", f"from={value}")
        assert response.status_code == 400
        assert error_of(response)["message"] == "'from' must be a date between 2000 and 2100"
    for query in ("from=2000-01-01", "to=2100-12-31", "from=2000-01-01&to=2100-12-31"):
        assert get(console, admin, "/console/conversations", query).status_code == 200, query
    assert get(console, admin, "/console/analytics", "from=2100-12-01&to=2100-12-31").status_code == 200


@pytest.mark.parametrize("event_id", ["²", "١٢", "１２", "-1", "1e3", "1.0", " 1", "", "9999999999", "0x1F"])
def test_a_correction_with_an_odd_event_id_is_a_400(console: Console, event_id: str) -> None:
    write_dataset_once(console)
    session, _, token = console.signed_in("reviewer")
    response = session.post(
        console.url(f"{CONVERSATION}/corrections"),
        data={"csrf_token": token, "event_id": event_id, "intent": "ask_address", "entities": ""},
        allow_redirects=False, timeout=30,
    )
    assert response.status_code == 400, response.text
    assert error_of(response) == {
        "code": "invalid_field", "message": "'event_id' must be the id of a user message"
    }


def write_dataset_once(console: Console) -> None:
    """The dataset, unless the module's ``admin`` fixture already wrote it."""
    with console.engine.connect() as connection:
        if console.engine.dialect.has_table(connection, "events"):
            return
    write_dataset(console.db_url)


@pytest.mark.parametrize("user_id", [quote("²"), quote("١٢"), "99999999999999999999", "-1"])
def test_odd_ids_in_paths_are_never_a_500(console: Console, user_id: str) -> None:
    session, _, token = console.signed_in("admin")
    for path in (f"/console/users/{user_id}/delete", f"/console/undelivered/{user_id}/delete"):
        response = session.post(console.url(path), data={"csrf_token": token}, allow_redirects=False, timeout=30)
        assert response.status_code in (400, 404), (path, response.status_code, response.text[:200])
