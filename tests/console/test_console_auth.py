"""The console's sign-in, sessions, roles, CSRF, redirects and audit log, through the real web app.

Runs against SQLite and PostgreSQL (``db_url`` in conftest). Includes the walk over every
``/console`` route of the app, so a page added without ``require_role`` fails here.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Dict, List, Tuple

import pytest
import requests
import sqlalchemy as sa
from sanic import Sanic

from bot.console.accounts_db import audit_log, login_attempts, login_locks, sessions, users
from bot.console.audit import record
from bot.console.login import BAD_LOGIN, THROTTLED
from bot.console.sessions import token_hash
from tests.console.conftest import PASSWORD, Console, error_of, unique

DEFAULT = "/console/conversations"
#: Routes anyone may reach without a session.
PUBLIC = {"console/login"}
SAMPLE_PARAMS = {"int": "1", "float": "1.5", "ymd": "2026-01-01", "alpha": "abc", "slug": "a-b"}
PARAM = re.compile(r"<([^>:]+)(?::([^>]+))?>")


def fill(path: str) -> str:
    """A concrete URL path for a route path with parameters."""
    return "/" + PARAM.sub(lambda m: SAMPLE_PARAMS.get(m.group(2) or "str", "x"), path)


def console_routes(app: Sanic) -> List[Tuple[str, str]]:
    """(method, concrete path) of every route under /console except the public ones and static files."""
    found = []
    for route in app.router.routes:
        path = route.path
        if not (path == "console" or path.startswith("console/")) or path in PUBLIC:
            continue
        if path.startswith("console/static/"):
            continue
        for method in sorted(route.methods):
            found.append((method, fill(path)))
    return sorted(set(found))


def users_count(console: Console, name: str) -> int:
    with console.engine.connect() as connection:
        return int(
            connection.execute(sa.text("SELECT count(*) FROM console_users WHERE name = :n"), {"n": name}).scalar_one()
        )


def session_row(console: Console, session: requests.Session) -> Dict:
    token = session.cookies.get("console_session", path="/console")
    with console.engine.connect() as connection:
        row = connection.execute(sa.select(sessions).where(sessions.c.id == token_hash(token or ""))).mappings().first()
    return dict(row) if row else {}


def test_sign_in_starts_a_session_with_a_strict_cookie(fresh_attempts: Console) -> None:
    console = fresh_attempts
    name = console.add_user("admin")
    session, response = console.login(name, next_url="/console/users")
    assert response.status_code == 303
    assert response.headers["Location"] == "/console/users"
    cookie_header = next(c for c in response.raw.headers.getlist("Set-Cookie") if c.startswith("console_session="))
    flags = [part.strip() for part in cookie_header.split(";")]
    assert "HttpOnly" in flags and "SameSite=Strict" in flags and "Path=/console" in flags
    assert "Max-Age=28800" in flags  # CONSOLE_SESSION_HOURS=8
    assert "Secure" not in flags  # plain http on 127.0.0.1 (auto)
    token = session.cookies.get("console_session", path="/console")
    assert len(token) >= 43
    row = session_row(console, session)
    assert row["id"] == token_hash(token) and row["id"] != token  # only the hash is stored
    assert row["expires_at"] - row["created_at"] == dt.timedelta(hours=8)
    page = session.get(console.url("/console/users"), timeout=10)
    assert page.status_code == 200
    assert f"{name} (admin)" in page.text
    assert page.headers["X-Frame-Options"] == "DENY"
    assert page.headers["Cache-Control"] == "no-store"
    assert page.headers["Referrer-Policy"] == "same-origin"
    assert "default-src 'self'" in page.headers["Content-Security-Policy"]
    assert "'unsafe-inline'" not in page.headers["Content-Security-Policy"]
    assert ("login", name) in [(r.action, r.target) for r in console.audit_rows("login") if r.user_name == name]


def test_cookies_are_secure_on_any_other_host(console: Console) -> None:
    remote = requests.get(console.url("/console/login"), headers={"Host": "console.example.org"}, timeout=10)
    local = requests.get(console.url("/console/login"), headers={"Host": "localhost:8080"}, timeout=10)
    assert "; Secure" in remote.headers["Set-Cookie"]
    assert "Secure" not in local.headers["Set-Cookie"]


def test_wrong_password_and_unknown_user_get_the_same_answer(fresh_attempts: Console) -> None:
    console = fresh_attempts
    name = console.add_user("viewer")
    _, wrong = console.login(name, "wrong password here")
    _, unknown = console.login(unique("nobody"), PASSWORD)
    for response in (wrong, unknown):
        assert response.status_code == 401
        assert BAD_LOGIN in response.text
        assert "console_session=" not in response.headers.get("Set-Cookie", "")


def test_deactivated_user_cannot_sign_in(fresh_attempts: Console) -> None:
    console = fresh_attempts
    name = console.add_user("viewer")
    with console.engine.begin() as connection:
        connection.execute(users.update().where(users.c.name == name).values(active=False))
    _, response = console.login(name)
    assert response.status_code == 401


def audit_rows(console: Console, action: str) -> List[Tuple[str, str, str]]:
    with console.engine.connect() as connection:
        rows = connection.execute(
            sa.select(audit_log.c.user_name, audit_log.c.target, audit_log.c.detail)
            .where(audit_log.c.action == action).order_by(audit_log.c.id)
        ).all()
    return [tuple(row) for row in rows]


def test_five_failures_lock_the_pair_not_the_office(fresh_attempts: Console) -> None:
    """Issue 19: one mistyped password does not lock every colleague behind the same address."""
    console = fresh_attempts
    name = console.add_user("viewer")
    for _ in range(5):
        assert console.login(name, "wrong password here")[1].status_code == 401
    session, locked = console.login(name)  # even the right password
    assert locked.status_code == 429
    assert THROTTLED in locked.text
    assert "console_session" not in session.cookies
    other = console.add_user("viewer")
    assert console.login(other)[1].status_code == 303  # same address, another account
    locks = [row for row in audit_rows(console, "login_locked") if row[1] == f"{name} from 127.0.0.1"]
    assert len(locks) == 1
    assert locks[0][0] == "(system)"
    assert locks[0][2].startswith("pair lock: 5 failed sign-ins in 15 minutes; until ")
    earlier = dt.datetime.utcnow() - dt.timedelta(minutes=16)
    with console.engine.begin() as connection:  # let the window pass
        connection.execute(login_attempts.update().values(at=earlier))
        connection.execute(login_locks.update().values(until=earlier))
    assert console.login(name)[1].status_code == 303
    ended = [row for row in audit_rows(console, "login_unlocked") if row[1] == f"{name} from 127.0.0.1"]
    assert [row[2].split(": ")[-1] for row in ended] == ["the 15-minute window passed"]


def test_an_admin_unlocks_a_locked_account_on_the_users_page(fresh_attempts: Console) -> None:
    console = fresh_attempts
    name = console.add_user("viewer")
    for _ in range(5):
        console.login(name, "wrong password here")
    admin_session, _, token = console.signed_in("admin")
    page = admin_session.get(console.url("/console/users"), timeout=10)
    assert f"{name} from 127.0.0.1" in page.text
    assert f"Unlock {name}" in page.text
    response = admin_session.post(
        console.url("/console/locks/unlock"), data={"csrf_token": token, "name": name}, allow_redirects=False,
        timeout=10,
    )
    assert (response.status_code, response.headers["Location"]) == (303, "/console/users?done=unlocked")
    assert console.login(name)[1].status_code == 303
    admin = admin_session.get(console.url("/console/users"), timeout=10)
    assert f"Unlock {name}" not in admin.text
    lifted = [row for row in audit_rows(console, "login_unlocked") if row[1] == f"{name} from 127.0.0.1"]
    assert len(lifted) == 1 and lifted[0][2].startswith("pair lock lifted by admin ")
    again = admin_session.post(
        console.url("/console/locks/unlock"), data={"csrf_token": token, "name": name}, timeout=10
    )
    assert again.status_code == 400
    assert f"No sign-in lock is in force for {name}." in again.text


def test_the_login_form_has_its_own_csrf_token(fresh_attempts: Console) -> None:
    console = fresh_attempts
    name = console.add_user("admin")
    for token in (None, "forged-token"):
        session = requests.Session()
        session.get(console.url("/console/login"), timeout=10)
        data = {"name": name, "password": PASSWORD}
        if token:
            data["csrf_token"] = token
        response = session.post(console.url("/console/login"), data=data, allow_redirects=False, timeout=10)
        assert response.status_code == 403
        assert "The sign-in form expired. Please try again." in response.text  # the login form's CSRF check
        assert "console_session" not in session.cookies
        session.close()


@pytest.mark.parametrize(
    "next_url",
    [
        "https://evil.example/console/x",
        "//evil.example/console",
        "/\\evil.example",
        "/console/../admin",
        "javascript:alert(1)",
        "/console//evil.example",
        "/other",
    ],
)
def test_next_only_goes_to_local_console_pages(fresh_attempts: Console, next_url: str) -> None:
    console = fresh_attempts
    _, response = console.login(console.add_user("viewer"), next_url=next_url)
    assert response.status_code == 303
    assert response.headers["Location"] == DEFAULT


def test_next_to_a_console_page_is_followed(fresh_attempts: Console) -> None:
    console = fresh_attempts
    unauthenticated = requests.get(console.url("/console/audit?page=2"), allow_redirects=False, timeout=10)
    assert unauthenticated.status_code == 302
    assert unauthenticated.headers["Location"] == "/console/login?next=%2Fconsole%2Faudit%3Fpage%3D2"
    _, response = console.login(console.add_user("admin"), next_url="/console/audit?page=2")
    assert response.headers["Location"] == "/console/audit?page=2"


def test_console_root_goes_to_the_conversation_list(fresh_attempts: Console) -> None:
    session, _, _ = fresh_attempts.signed_in("viewer")
    response = session.get(fresh_attempts.url("/console"), allow_redirects=False, timeout=10)
    assert response.status_code == 302
    assert response.headers["Location"] == DEFAULT


def test_logout_ends_the_session_and_needs_the_csrf_token(fresh_attempts: Console) -> None:
    console = fresh_attempts
    session, name, token = console.signed_in("admin")
    refused = session.post(console.url("/console/logout"), data={"csrf_token": "forged"}, allow_redirects=False)
    assert refused.status_code == 403
    assert error_of(refused)["code"] == "csrf"
    assert session.get(console.url("/console/users"), allow_redirects=False).status_code == 200
    old_cookie = session.cookies.get("console_session", path="/console")
    response = session.post(console.url("/console/logout"), data={"csrf_token": token}, allow_redirects=False)
    assert response.status_code == 303
    assert response.headers["Location"] == "/console/login"
    assert session_row(console, session) == {}
    replay = requests.get(
        console.url("/console/users"), cookies={"console_session": old_cookie}, allow_redirects=False, timeout=10
    )
    assert replay.status_code == 302
    assert ("logout", name) in [(r.action, r.target) for r in console.audit_rows("logout")]


def test_sessions_end_after_their_lifetime_and_when_idle(fresh_attempts: Console) -> None:
    console = fresh_attempts
    expired, _, _ = console.signed_in("admin")
    idle, _, _ = console.signed_in("admin")
    now = dt.datetime.utcnow()
    with console.engine.begin() as connection:
        connection.execute(
            sessions.update()
            .where(sessions.c.id == session_row(console, expired)["id"])
            .values(expires_at=now - dt.timedelta(seconds=1))
        )
        connection.execute(  # CONSOLE_IDLE_MINUTES=60
            sessions.update()
            .where(sessions.c.id == session_row(console, idle)["id"])
            .values(last_seen=now - dt.timedelta(minutes=61))
        )
    for session in (expired, idle):
        response = session.get(console.url("/console/users"), allow_redirects=False, timeout=10)
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/console/login?next=")
        assert session_row(console, session) == {}  # deleted on sight


def test_viewers_and_reviewers_cannot_open_admin_pages(fresh_attempts: Console) -> None:
    console = fresh_attempts
    for role in ("viewer", "reviewer"):
        session, _, token = console.signed_in(role)
        for path in ("/console/users", "/console/audit"):
            assert session.get(console.url(path), allow_redirects=False).status_code == 403
        target = unique("made")
        response = session.post(
            console.url("/console/users"),
            data={"csrf_token": token, "name": target, "role": "admin", "password": PASSWORD},
            allow_redirects=False,
        )
        assert response.status_code == 403
        assert error_of(response)["code"] == "forbidden"
        assert users_count(console, target) == 0


def test_a_forged_or_missing_csrf_token_changes_nothing(fresh_attempts: Console) -> None:
    console = fresh_attempts
    session, _, token = console.signed_in("admin")
    for extra in ({}, {"csrf_token": "forged"}, {"csrf_token": token[:-1]}):
        target = unique("csrf")
        response = session.post(
            console.url("/console/users"),
            data={"name": target, "role": "admin", "password": PASSWORD, **extra},
            allow_redirects=False,
        )
        assert response.status_code == 403
        assert error_of(response)["code"] == "csrf"
        assert users_count(console, target) == 0
    target = unique("hdr")
    ok = session.post(
        console.url("/console/users"),
        data={"name": target, "role": "viewer", "password": PASSWORD},
        headers={"X-CSRF-Token": token},
        allow_redirects=False,
    )
    assert ok.status_code == 303
    assert users_count(console, target) == 1


def test_admins_manage_users_and_every_change_is_audited(fresh_attempts: Console) -> None:
    console = fresh_attempts
    admin, admin_name, token = console.signed_in("admin")
    name = unique("staff")
    post = lambda path, **data: admin.post(  # noqa: E731
        console.url(path), data={"csrf_token": token, **data}, allow_redirects=False, timeout=30
    )
    added = post("/console/users", name=name, role="viewer", password=PASSWORD)
    assert added.headers["Location"] == "/console/users?done=added"
    with console.engine.connect() as connection:
        user_id = connection.execute(sa.text("SELECT id FROM console_users WHERE name = :n"), {"n": name}).scalar_one()
    staff, _ = console.login(name)
    assert post(f"/console/users/{user_id}/role", role="reviewer").status_code == 303
    assert post(f"/console/users/{user_id}/active", active="false").status_code == 303
    assert staff.get(console.url("/console/audit"), allow_redirects=False).status_code == 302  # sessions ended
    assert console.login(name)[1].status_code == 401
    assert post(f"/console/users/{user_id}/active", active="true").status_code == 303
    assert post(f"/console/users/{user_id}/password", password="short").status_code == 400
    assert post(f"/console/users/{user_id}/password", password="another long password").status_code == 303
    assert console.login(name)[1].status_code == 401
    assert console.login(name, "another long password")[1].status_code == 303
    listing = admin.get(console.url("/console/users"), timeout=10).text
    assert f"<td>{name}</td>" in listing and "<td>reviewer</td>" in listing
    row = listing.split(f"<td>{name}</td>", 1)[1].split("</tr>", 1)[0]
    assert re.search(r'<td class="last-sign-in">\d{4}-\d\d-\d\d \d\d:\d\d</td>', row)  # signed in above
    unsure = post(f"/console/users/{user_id}/delete")  # the "I am sure" box not ticked
    assert unsure.status_code == 400 and "to delete an account." in unsure.text
    assert users_count(console, name) == 1
    assert post(f"/console/users/{user_id}/delete", confirm="yes").status_code == 303
    assert users_count(console, name) == 0
    with console.engine.connect() as connection:
        entries = connection.execute(
            sa.text("SELECT user_name, action, detail FROM console_audit WHERE target = :n ORDER BY id"), {"n": name}
        ).fetchall()
    assert [(e.user_name, e.action, e.detail) for e in entries if e.action != "login"] == [
        (admin_name, "add_user", "role viewer"),
        (admin_name, "set_role", "role reviewer"),
        (admin_name, "deactivate_user", ""),
        (admin_name, "reactivate_user", ""),
        (admin_name, "reset_password", ""),
        (admin_name, "remove_user", ""),
    ]


def test_bad_user_forms_get_a_clear_400(fresh_attempts: Console) -> None:
    console = fresh_attempts
    admin, _, token = console.signed_in("admin")
    cases = [
        ({"name": "<b>x</b>", "role": "viewer", "password": PASSWORD}, "a user name has 1-64 characters"),
        ({"name": unique("r"), "role": "root", "password": PASSWORD}, "unknown role &#39;root&#39;"),
        ({"name": unique("p"), "role": "viewer", "password": "short"}, "at least 12 characters"),
        ({"name": unique("p"), "role": "viewer", "password": "a" * 12}, "the password is too easy to guess"),
        ({"name": unique("p"), "role": "viewer", "password": "password1234"}, "This is a very common password."),
        ({}, "a user name has 1-64 characters"),
    ]
    for data, message in cases:
        response = admin.post(console.url("/console/users"), data={"csrf_token": token, **data}, allow_redirects=False)
        assert response.status_code == 400
        assert message in response.text
    missing = admin.post(console.url("/console/users/999999/delete"), data={"csrf_token": token, "confirm": "yes"},
                         allow_redirects=False)
    assert missing.status_code == 404


def test_the_last_active_admin_cannot_demote_deactivate_or_delete_itself(fresh_attempts: Console) -> None:
    console = fresh_attempts
    admin, name, token = console.signed_in("admin")
    with console.engine.begin() as connection:
        connection.execute(users.update().where(users.c.role == "admin", users.c.name != name).values(active=False))
        user_id = connection.execute(sa.text("SELECT id FROM console_users WHERE name = :n"), {"n": name}).scalar_one()
    try:
        changes = (("role", {"role": "viewer"}), ("active", {"active": "false"}), ("delete", {"confirm": "yes"}))
        for path, data in changes:
            url = console.url(f"/console/users/{user_id}/{path}")
            response = admin.post(url, data={"csrf_token": token, **data}, allow_redirects=False)
            assert response.status_code == 400
            assert "it is the last active admin" in response.text
        assert admin.get(console.url("/console/users"), allow_redirects=False).status_code == 200
    finally:
        with console.engine.begin() as connection:
            connection.execute(users.update().values(active=True))


def test_audit_log_is_newest_first_paginated_and_escaped(fresh_attempts: Console) -> None:
    console = fresh_attempts
    admin, _, _ = console.signed_in("admin")
    marker = unique("m")
    for number in range(60):
        record(console.engine, "view_conversation", f"{marker}-{number}", "<script>alert(1)</script>", user_name="rev")
    with console.engine.connect() as connection:
        total = int(connection.execute(sa.text("SELECT count(*) FROM console_audit")).scalar_one())
    first = admin.get(console.url("/console/audit"), timeout=10).text
    rows = re.findall(r"<tr><td>[^<]*</td><td>([^<]*)</td><td>([^<]*)</td><td>([^<]*)</td>", first)
    assert len(rows) == 50
    assert rows[0] == ("rev", "view_conversation", f"{marker}-59")
    assert f"Page 1 of {math.ceil(total / 50)}" in first
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in first and "<script>alert" not in first
    second = admin.get(console.url("/console/audit?page=2"), timeout=10).text
    second_rows = re.findall(r"<tr><td>[^<]*</td><td>([^<]*)</td><td>([^<]*)</td><td>([^<]*)</td>", second)
    assert second_rows[:10] == [("rev", "view_conversation", f"{marker}-{n}") for n in range(9, -1, -1)]
    assert admin.get(console.url("/console/audit?page=abc"), timeout=10).status_code == 200


def test_every_console_route_needs_a_session(app: Sanic, console: Console) -> None:
    routes = console_routes(app)
    assert ("POST", "/console/users") in routes and ("GET", "/console/audit") in routes
    for method, path in routes:
        response = requests.request(method, console.url(path), allow_redirects=False, timeout=10)
        if method in ("GET", "HEAD") and not path.endswith((".json", ".csv")):
            assert response.status_code == 302, (method, path, response.status_code)
            assert response.headers["Location"].startswith("/console/login?next="), (method, path)
        else:
            assert response.status_code == 401, (method, path, response.status_code)
            assert error_of(response)["code"] == "not_signed_in", (method, path)
        as_json = requests.request(
            method, console.url(path), headers={"Accept": "application/json"}, allow_redirects=False, timeout=10
        )
        assert as_json.status_code == 401, (method, path, as_json.status_code)
        assert error_of(as_json) == {"code": "not_signed_in", "message": "sign in to the console first"}


def test_public_console_routes_are_only_login_and_static(app: Sanic) -> None:
    paths = {route.path for route in app.router.routes}
    public = {path for path in paths if path in PUBLIC or path.startswith("console/static/")}
    assert public == {"console/login", "console/static/<__file_uri__:path>"}


def test_every_post_route_rejects_a_forged_csrf_token(app: Sanic, fresh_attempts: Console) -> None:
    console = fresh_attempts
    admin, _, _ = console.signed_in("admin")
    posts = [(method, path) for method, path in console_routes(app) if method not in ("GET", "HEAD", "OPTIONS")]
    assert ("POST", "/console/logout") in posts
    for method, path in posts:
        for headers, data in (({}, {"csrf_token": "forged"}), ({"X-CSRF-Token": "forged"}, {}), ({}, {})):
            response = admin.request(method, console.url(path), data=data, headers=headers, allow_redirects=False)
            assert response.status_code == 403, (method, path, response.status_code)
            assert error_of(response)["code"] == "csrf", (method, path, response.text[:200])
    assert admin.get(console.url("/console/users"), allow_redirects=False).status_code == 200  # still signed in


def test_viewers_cannot_post_anything_but_logout(app: Sanic, fresh_attempts: Console) -> None:
    console = fresh_attempts
    viewer, _, token = console.signed_in("viewer")
    posts = [(m, p) for m, p in console_routes(app) if m not in ("GET", "HEAD", "OPTIONS") and p != "/console/logout"]
    for method, path in posts:
        response = viewer.request(method, console.url(path), data={"csrf_token": token}, allow_redirects=False)
        assert response.status_code == 403, (method, path, response.status_code)
        assert error_of(response)["code"] == "forbidden", (method, path)
