"""The undelivered webhook replies page, through the real web app, on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from typing import Tuple

import sqlalchemy as sa
from sanic import Sanic

from bot.channels.callbacks import record_undelivered, undelivered_replies
from tests.console.conftest import Console, error_of, unique
from tests.console.test_console_auth import console_routes

PAGE = "/console/undelivered"
TOKEN = "s3cr3t-integrator-token"
ROW = re.compile(r'<tr id="undelivered-(\d+)">(.*?)</tr>', re.S)
CELLS = re.compile(r"<td>(.*?)</td>", re.S)


def add_entries(console: Console) -> Tuple[str, int, int]:
    """Two undelivered replies of one conversation (the second newer): (sender, old id, new id)."""
    sender = unique("<b>hook</b>/")
    old = record_undelivered(
        console.engine, sender, f"https://hooks.example.org/reply?token={TOKEN}", 5, "attempt 5: HTTP 503",
        {"sender": sender, "messages": [{"text": "hello"}]},
    )
    new = record_undelivered(
        console.engine, sender, f"http://hooks.example.org:8443/cb/{TOKEN}", 1,
        f"attempt 1: InvalidURL: <img src=x onerror=alert(1)> http://hooks.example.org:8443/cb/{TOKEN}?a=b",
        {"sender": sender, "messages": [{"text": "one"}, {"text": "two"}]},
    )
    return sender, old, new


def rows_of(html: str) -> dict:
    return {int(entry_id): CELLS.findall(body) for entry_id, body in ROW.findall(html)}


def count_of(console: Console, entry_id: int) -> int:
    with console.engine.connect() as connection:
        query = sa.select(sa.func.count()).select_from(undelivered_replies).where(undelivered_replies.c.id == entry_id)
        return int(connection.execute(query).scalar_one())


def test_reviewers_see_the_newest_first_with_the_host_only_and_everything_escaped(console: Console) -> None:
    sender, old, new = add_entries(console)
    reviewer, _, _ = console.signed_in("reviewer")
    page = reviewer.get(console.url(PAGE), timeout=10)
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "no-store"
    assert '<a href="/console/undelivered" aria-current="page">Undelivered</a>' in page.text
    rows = rows_of(page.text)
    ids = list(rows)
    assert ids.index(new) < ids.index(old)  # newest first
    escaped = sender.replace("<", "&lt;").replace(">", "&gt;")
    link = "/console/conversations/%3Cb%3Ehook%3C%2Fb%3E%2F" + sender.rsplit("/", 1)[1]
    assert rows[old][1:6] == [f'<a href="{link}">{escaped}</a>', "hooks.example.org", "5", "attempt 5: HTTP 503", "1"]
    assert rows[new][1:6] == [
        f'<a href="{link}">{escaped}</a>', "hooks.example.org:8443", "1",
        "attempt 1: InvalidURL: &lt;img src=x onerror=alert(1)&gt; http://hooks.example.org:8443/…", "2",
    ]
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", rows[new][0])
    assert TOKEN not in page.text
    assert "<b>hook" not in page.text and "<img" not in page.text


def test_viewers_get_403_and_no_menu_entry(console: Console) -> None:
    _, _, entry = add_entries(console)
    viewer, _, token = console.signed_in("viewer")
    listing = viewer.get(console.url(PAGE), allow_redirects=False, timeout=10)
    assert listing.status_code == 403
    assert error_of(listing)["code"] == "forbidden"
    deleted = viewer.post(
        console.url(f"{PAGE}/{entry}/delete"), data={"csrf_token": token}, allow_redirects=False, timeout=10
    )
    assert deleted.status_code == 403
    assert count_of(console, entry) == 1
    assert 'href="/console/undelivered"' not in viewer.get(console.url("/console/conversations"), timeout=10).text


def test_delete_needs_the_csrf_token_and_is_audited(console: Console) -> None:
    sender, old, new = add_entries(console)
    reviewer, name, token = console.signed_in("reviewer")
    url = console.url(f"{PAGE}/{new}/delete")
    for data in ({}, {"csrf_token": "forged"}):
        refused = reviewer.post(url, data=data, allow_redirects=False, timeout=10)
        assert refused.status_code == 403
        assert error_of(refused)["code"] == "csrf"
    assert count_of(console, new) == 1
    done = reviewer.post(url, data={"csrf_token": token}, allow_redirects=False, timeout=10)
    assert done.status_code == 303
    assert done.headers["Location"] == "/console/undelivered?done=deleted"
    assert count_of(console, new) == 0 and count_of(console, old) == 1
    page = reviewer.get(console.url(done.headers["Location"]), timeout=10).text
    assert '<p class="notice" role="status" id="notice">Entry deleted.</p>' in page
    assert new not in rows_of(page) and old in rows_of(page)
    entries = [(r.user_name, r.target, r.detail) for r in console.audit_rows("delete_undelivered")]
    assert (name, sender, f"entry {new} to hooks.example.org:8443") in entries
    again = reviewer.post(url, data={"csrf_token": token}, allow_redirects=False, timeout=10)
    assert again.status_code == 404
    assert error_of(again)["code"] == "not_found"
    for bad in ("99999999999999999999", "0", "-1"):
        response = reviewer.post(
            console.url(f"{PAGE}/{bad}/delete"), data={"csrf_token": token}, allow_redirects=False, timeout=10
        )
        assert response.status_code == 404, bad
    assert reviewer.post(
        console.url(f"{PAGE}/abc/delete"), data={"csrf_token": token}, allow_redirects=False, timeout=10
    ).status_code == 404


def test_the_route_walk_covers_the_page(app: Sanic) -> None:
    """``tests/console/test_console_auth.py`` checks every route it lists for sessions, roles and CSRF."""
    routes = console_routes(app)
    assert ("GET", PAGE) in routes and ("POST", f"{PAGE}/1/delete") in routes
