"""Console fixtures: a fresh database (SQLite and PostgreSQL) and the real web app on a free port.

The web app is started as a subprocess (``python -m bot.web``, exactly what ``make run`` starts)
and driven with ``requests``: cookies, redirects, headers and the form encoding then go through
the real HTTP server, which sanic's in-process test client (``sanic-testing``, not installed with
Rasa 3.6) would not show. One server per database kind and test module.
"""

from __future__ import annotations

import html
import os
import re
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Tuple

import pytest
import requests
import sqlalchemy as sa
from sanic import Sanic
from sqlalchemy.engine import Engine

from bot.console import accounts
from bot.console.accounts_db import open_engine
from bot.console.sessions import token_hash
from bot.settings import Settings
from bot.web.app import create_app
from tests.databases import database_url

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "correct horse battery"
DB_KINDS = ["sqlite", "postgresql"]
START_TIMEOUT = 60
CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def unique(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:8]}"


ERROR_PAGE = re.compile(r'<p class="error" role="alert" id="error-message" data-code="([^"]*)">(.*?)</p>', re.S)


def error_of(response: requests.Response) -> Dict[str, str]:
    """A console error's ``code`` and ``message``: from the JSON body, or from the HTML error page."""
    if response.headers.get("content-type", "").startswith("application/json"):
        return dict(response.json()["error"])
    found = ERROR_PAGE.search(response.text)
    assert found, f"not an error page: {response.status_code} {response.text[:300]}"
    return {"code": html.unescape(found.group(1)), "message": html.unescape(found.group(2))}


def csrf_from(html: str) -> str:
    match = CSRF_FIELD.search(html)
    assert match, "no csrf_token field in the page"
    return match.group(1)


@dataclass
class Console:
    """The running web app and its database."""

    base: str
    engine: Engine
    db_url: str
    process: subprocess.Popen
    log: Path
    sessions: List[requests.Session] = field(default_factory=list)

    def url(self, path: str) -> str:
        return self.base + path

    def add_user(self, role: str, name: Optional[str] = None, password: str = PASSWORD) -> str:
        name = name or unique(role)
        accounts.add_user(self.engine, name, role, password)
        return name

    def login(
        self, name: str, password: str = PASSWORD, next_url: Optional[str] = None
    ) -> Tuple[requests.Session, requests.Response]:
        """Open the login form and post it, as a browser would; no redirect is followed."""
        session = requests.Session()
        self.sessions.append(session)
        params = {} if next_url is None else {"next": next_url}
        page = session.get(self.url("/console/login"), params=params, timeout=10)
        assert page.status_code == 200
        data = {"csrf_token": csrf_from(page.text), "name": name, "password": password}
        if next_url is not None:
            data["next"] = next_url
        response = session.post(self.url("/console/login"), data=data, allow_redirects=False, timeout=30)
        return session, response

    def signed_in(self, role: str) -> Tuple[requests.Session, str, str]:
        """A session signed in as a new user with ``role``: (session, name, csrf token)."""
        name = self.add_user(role)
        session, response = self.login(name)
        assert response.status_code == 303, response.text
        return session, name, self.csrf_token(session)

    def csrf_token(self, session: requests.Session) -> str:
        """The CSRF token the server keeps for this browser session."""
        token = session.cookies.get("console_session", path="/console")
        assert token, "not signed in"
        with self.engine.connect() as connection:
            row = connection.execute(
                sa.text("SELECT csrf_token FROM console_sessions WHERE id = :id"), {"id": token_hash(token)}
            ).first()
        assert row is not None, "no session row"
        return str(row.csrf_token)

    def audit_rows(self, action: str) -> List[sa.engine.Row]:
        with self.engine.connect() as connection:
            return connection.execute(
                sa.text("SELECT user_name, action, target, detail FROM console_audit WHERE action = :a ORDER BY id"),
                {"a": action},
            ).fetchall()


@pytest.fixture(scope="module", params=DB_KINDS)
def db_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A fresh database of each kind, shared by one test module."""
    with database_url(request.param, tmp_path_factory.mktemp("db")) as url:
        yield url


@pytest.fixture(scope="module")
def console_settings(db_url: str, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return Settings(tracker_db_url=db_url, var_dir=tmp_path_factory.mktemp("var"), web_port=free_port())


@pytest.fixture(scope="module")
def app(console_settings: Settings) -> Sanic:
    """The web app object (not serving), for its router."""
    return create_app(console_settings, name=unique("console_test_"))


@pytest.fixture(scope="module")
def console(console_settings: Settings, app: Sanic, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Console]:
    """The real web app (``python -m bot.web``) on a free port, on the fresh database.

    Depends on ``app`` so that the route list the tests walk is read from the same code, at the same moment.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CONSOLE_", "TRACKER_DB_URL"))}
    env.update(
        {
            "TRACKER_DB_URL": console_settings.tracker_db_url,
            "VAR_DIR": str(console_settings.var_dir),
            "WEB_PORT": str(console_settings.web_port),
            "BIND_HOST": "127.0.0.1",
            "RASA_TELEMETRY_ENABLED": "false",
            "PYTHONUNBUFFERED": "1",
        }
    )
    log = tmp_path_factory.mktemp("log") / "web.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "bot.web"], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT
        )
    base = f"http://127.0.0.1:{console_settings.web_port}"
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        if process.poll() is not None:
            pytest.fail(f"the web app exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        try:
            if requests.get(base + "/health", timeout=2).status_code == 200:
                break
        except requests.ConnectionError:
            pass
        if time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"the web app did not answer within {START_TIMEOUT} s:\n{log.read_text()[-3000:]}")
        time.sleep(0.3)
    engine = open_engine(console_settings.tracker_db_url)
    running = Console(base=base, engine=engine, db_url=console_settings.tracker_db_url, process=process, log=log)
    try:
        yield running
    finally:
        for session in running.sessions:
            session.close()
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        engine.dispose()


@pytest.fixture()
def fresh_attempts(console: Console) -> Console:
    """The console with no recorded login attempts (all tests sign in from 127.0.0.1)."""
    with console.engine.begin() as connection:
        connection.execute(sa.text("DELETE FROM console_login_attempts"))
        connection.execute(sa.text("DELETE FROM console_login_locks"))
    return console
