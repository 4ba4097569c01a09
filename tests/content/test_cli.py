"""The content tools: ``python -m bot.content validate | stale | check-links``, and the link checker.

The link checks talk only to a local HTTP server started by the tests on 127.0.0.1.
The content schema refuses URLs whose host is an IP address (``_URL_RE`` wants a host ending in
``.letters``), so for the command-line check the content uses ``http://linkcheck.test/...`` and the
subprocess reaches the local server through ``HTTP_PROXY``, which ``requests`` honours.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Dict, Iterator, List, Sequence, Tuple
from urllib.parse import urlsplit

import pytest
import requests
import yaml

from bot.content.links import LinkResult, check_link, check_links, format_link_table
from bot.content.loader import read_entries
from bot.settings import read_languages

ROOT = Path(__file__).resolve().parents[2]
FAKE_HOST = "http://linkcheck.test"
PROXY_VARS = (
    "HTTP_PROXY",
    "http_proxy",
    "HTTPS_PROXY",
    "https_proxy",
    "ALL_PROXY",
    "all_proxy",
    "NO_PROXY",
    "no_proxy",
)


# --- helpers ------------------------------------------------------------------------------------


def entry(entry_id: str, **fields: Any) -> Dict[str, Any]:
    """A minimal valid English entry; ``fields`` replace or add fields."""
    raw: Dict[str, Any] = {
        "id": entry_id,
        "kind": "topic",
        "area": "newcomers",
        "names": {"en": f"{entry_id} name"},
        "summary": {"en": f"{entry_id} summary"},
        "links": [{"url": f"https://example.com/{entry_id}", "title": {"en": "Official page"}}],
        "sources": [f"https://example.com/{entry_id}"],
        "verified": "2026-11-27",
    }
    raw.update(fields)
    return raw


def make_project(tmp_path: Path, files: Dict[str, Sequence[Dict[str, Any]]]) -> Path:
    """A project folder with an English-only ``data/i18n/languages.yml`` and the given content files."""
    project = tmp_path / "project"
    (project / "data" / "i18n").mkdir(parents=True)
    (project / "data" / "i18n" / "languages.yml").write_text(
        "languages:\n  - {code: en, name: English, direction: ltr}\n", encoding="utf-8"
    )
    content = project / "data" / "content"
    content.mkdir()
    for name, entries in files.items():
        (content / name).write_text(yaml.safe_dump({"entries": list(entries)}, sort_keys=False), encoding="utf-8")
    return project


def run_cli(*args: str, env: Dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """Run ``python -m bot.content ARGS`` from the project root with a clean environment."""
    base = {k: v for k, v in os.environ.items() if k not in ("PROJECT_DIR", "CONTENT_DIR", "VAR_DIR", *PROXY_VARS)}
    base.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "bot.content", *args],
        cwd=ROOT,
        env=base,
        capture_output=True,
        text=True,
        timeout=120,
    )


def project_env(project: Path, tmp_path: Path) -> Dict[str, str]:
    return {"PROJECT_DIR": str(project), "VAR_DIR": str(tmp_path / "var")}


def table_rows(output: str) -> List[Tuple[str, str, str, str]]:
    """Split a link table into cells, using the header's column positions (summary line excluded)."""
    lines = [line for line in output.splitlines() if not line.endswith(" redirected")]
    header = lines[0]
    starts = [0, header.index("URL"), header.index("NOTE"), header.index("USED BY")]
    rows = []
    for line in lines:
        cells = [line[starts[i] : starts[i + 1]].strip() for i in range(3)] + [line[starts[3] :].strip()]
        rows.append((cells[0], cells[1], cells[2], cells[3]))
    return rows


# --- local HTTP server --------------------------------------------------------------------------


class _Handler(BaseHTTPRequestHandler):
    """/ok 200, /missing 404, /moved 301 to /ok, /slow 200 after 3 s, /nohead 405 on HEAD."""

    def _answer(self) -> None:
        path = urlsplit(self.path).path  # absolute-form when reached as a proxy
        self.server.seen.append((self.command, path, self.headers.get("Host", "")))  # type: ignore[attr-defined]
        headers: Dict[str, str] = {}
        if path == "/ok":
            status = 200
        elif path == "/moved":
            status, headers = 301, {"Location": "/ok"}
        elif path == "/slow":
            time.sleep(3)
            status = 200
        elif path == "/nohead":
            status = 405 if self.command == "HEAD" else 200
        else:
            status = 404
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_GET(self) -> None:
        self._answer()

    def do_HEAD(self) -> None:
        self._answer()

    def handle(self) -> None:
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # the client gave up waiting for /slow
            super().handle()

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def server() -> Iterator[ThreadingHTTPServer]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.seen = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()
    thread.join(timeout=5)


@pytest.fixture()
def base_url(server: ThreadingHTTPServer, monkeypatch: pytest.MonkeyPatch) -> str:
    for name in PROXY_VARS:
        monkeypatch.delenv(name, raising=False)
    server.seen.clear()  # type: ignore[attr-defined]
    return f"http://127.0.0.1:{server.server_address[1]}"


# --- validate -----------------------------------------------------------------------------------


def test_validate_real_content() -> None:
    languages = read_languages(ROOT)
    entries, errors = read_entries(ROOT / "data" / "content", languages)
    assert errors == []

    result = run_cli("validate", "--today", "2026-11-01")

    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout == f"ok: {len(entries)} entries, languages: {', '.join(languages)}\n"
    assert result.stderr == ""


def test_validate_warns_before_a_period_ends_and_fails_after() -> None:
    """business_strategy is about 2023-2026: a warning in December 2026, a failure in 2027."""
    warned = run_cli("validate", "--today", "2026-12-04")
    assert warned.returncode == 0, warned.stdout + warned.stderr
    assert warned.stdout.splitlines()[0] == (
        "warning: data/content/business.yml: entries[business_strategy].valid_until: "
        "the period ends on 2026-12-31, in 27 days")

    failed = run_cli("validate", "--today", "2027-01-02")
    assert failed.returncode == 1
    assert failed.stdout.splitlines() == [
        "data/content/business.yml: entries[business_strategy].valid_until: "
        "the period ended on 2026-12-31: update the entry or its period"]


def test_validate_broken_content(tmp_path: Path) -> None:
    project = make_project(
        tmp_path,
        {
            "a.yml": [entry("alpha", contact={"person": "Jane Doe", "phone": "99 31 15 30"}, related=["ghost"])],
            "b.yml": [entry("beta", kind="list"), entry("gamma", hours={"desk": {"mon": ["15:00-08:30"]}})],
        },
    )

    result = run_cli("validate", env=project_env(project, tmp_path))

    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        "data/content/a.yml: entries[alpha].contact.phone: phone number must be international, "
        "e.g. '+45 99 31 15 30': '99 31 15 30'",
        "data/content/b.yml: entries[beta].items: a list entry needs items",
        "data/content/b.yml: entries[gamma].hours.desk.mon[0]: start must be before end: '15:00-08:30'",
        "data/content/a.yml: entries[alpha].related: unknown id 'ghost'",
    ]
    assert result.stderr == f"4 problem(s) in {(project / 'data' / 'content').resolve()}\n"


def test_validate_content_dir_outside_project(tmp_path: Path) -> None:
    content = tmp_path / "elsewhere"
    content.mkdir()
    (content / "a.yml").write_text("entries:\n  - id: [\n", encoding="utf-8")

    result = run_cli("validate", env={"CONTENT_DIR": str(content)})

    assert result.returncode == 1
    assert result.stdout == (
        f"{content.resolve() / 'a.yml'}: line 3: invalid YAML: expected the node content, but found '<stream end>'\n"
    )


def test_validate_empty_content_dir(tmp_path: Path) -> None:
    project = make_project(tmp_path, {})

    result = run_cli("validate", env=project_env(project, tmp_path))

    assert result.returncode == 1
    assert result.stdout == "data/content: -: no content files (*.yml) found\n"


def test_validate_impossible_date_is_a_problem_line(tmp_path: Path) -> None:
    project = make_project(tmp_path, {})
    (project / "data" / "content" / "a.yml").write_text(
        yaml.safe_dump({"entries": [entry("alpha")]}, sort_keys=False).replace("'2026-11-27'", "2026-02-30"),
        encoding="utf-8",
    )

    result = run_cli("validate", env=project_env(project, tmp_path))

    assert "Traceback" not in result.stderr
    assert result.stdout.startswith("data/content/a.yml: entries[alpha].verified: ")


def test_bad_usage_exits_2() -> None:
    assert run_cli().returncode == 2
    assert run_cli("stale").returncode == 2
    assert run_cli("frobnicate").returncode == 2


# --- stale --------------------------------------------------------------------------------------


@pytest.fixture()
def stale_project(tmp_path: Path) -> Dict[str, str]:
    project = make_project(
        tmp_path, {"a.yml": [entry("recent", verified="2027-01-10"), entry("old", verified="2026-11-27")]}
    )
    return project_env(project, tmp_path)


def test_stale_lists_only_old_entries(stale_project: Dict[str, str]) -> None:
    result = run_cli("stale", "--days", "30", "--today", "2027-01-15", env=stale_project)

    assert result.returncode == 1
    assert result.stdout == (
        "data/content/a.yml: entries[old]: last verified 2026-11-27 (49 days ago)\n"
        "1 of 2 entries not verified in the last 30 days\n"
    )


def test_stale_boundary_is_exclusive(stale_project: Dict[str, str]) -> None:
    # 2026-11-27 is exactly 49 days before 2027-01-15: not older than 49 days.
    result = run_cli("stale", "--days", "49", "--today", "2027-01-15", env=stale_project)

    assert result.returncode == 0
    assert result.stdout == "0 of 2 entries not verified in the last 49 days\n"


def test_stale_sorted_oldest_first(stale_project: Dict[str, str]) -> None:
    result = run_cli("stale", "--days", "1", "--today", "2027-01-15", env=stale_project)

    assert result.returncode == 1
    assert result.stdout == (
        "data/content/a.yml: entries[old]: last verified 2026-11-27 (49 days ago)\n"
        "data/content/a.yml: entries[recent]: last verified 2027-01-10 (5 days ago)\n"
        "2 of 2 entries not verified in the last 1 days\n"
    )


def test_stale_long_period_is_ok(stale_project: Dict[str, str]) -> None:
    with_today = run_cli("stale", "--days", "3650", "--today", "2027-01-15", env=stale_project)
    without_today = run_cli("stale", "--days", "3650", env=stale_project)

    assert with_today.returncode == 0
    assert with_today.stdout == "0 of 2 entries not verified in the last 3650 days\n"
    assert without_today.returncode == 0
    assert without_today.stdout == "0 of 2 entries not verified in the last 3650 days\n"


def test_stale_refuses_broken_content(tmp_path: Path) -> None:
    project = make_project(tmp_path, {"a.yml": [entry("alpha", related=["ghost"])]})

    result = run_cli("stale", "--days", "30", env=project_env(project, tmp_path))

    assert result.returncode == 1
    assert result.stdout == "data/content/a.yml: entries[alpha].related: unknown id 'ghost'\n"


# --- check-links (command line) -----------------------------------------------------------------


def test_check_links_command(tmp_path: Path, server: ThreadingHTTPServer) -> None:
    port = server.server_address[1]
    project = make_project(
        tmp_path,
        {
            "a.yml": [
                entry(
                    "alpha",
                    links=[
                        {"url": f"{FAKE_HOST}/ok", "title": {"en": "OK"}},
                        {"url": f"{FAKE_HOST}/moved", "title": {"en": "Moved"}},
                    ],
                    sources=[f"{FAKE_HOST}/ok", f"{FAKE_HOST}/missing"],
                ),
                entry(
                    "beta",
                    links=[{"url": f"{FAKE_HOST}/slow", "title": {"en": "Slow"}}],
                    sources=[f"{FAKE_HOST}/slow", f"{FAKE_HOST}/ok"],
                ),
            ]
        },
    )
    env = {**project_env(project, tmp_path), "HTTP_PROXY": f"http://127.0.0.1:{port}", "NO_PROXY": ""}

    started = time.monotonic()
    result = run_cli("check-links", "--timeout", "1", "--concurrency", "2", env=env)
    elapsed = time.monotonic() - started

    assert result.returncode == 1, result.stdout + result.stderr
    assert table_rows(result.stdout) == [
        ("STATUS", "URL", "NOTE", "USED BY"),
        ("404", f"{FAKE_HOST}/missing", "", "alpha"),
        ("200", f"{FAKE_HOST}/moved", f"-> {FAKE_HOST}/ok", "alpha"),
        ("200", f"{FAKE_HOST}/ok", "", "alpha, beta"),
        ("ERR", f"{FAKE_HOST}/slow", "timeout after 1s", "beta"),
    ]
    assert result.stdout.splitlines()[-1] == "4 links checked, 2 broken, 1 redirected"
    assert elapsed < 30


def test_check_links_command_all_ok(tmp_path: Path, server: ThreadingHTTPServer) -> None:
    port = server.server_address[1]
    project = make_project(
        tmp_path,
        {
            "a.yml": [
                entry(
                    "alpha",
                    links=[{"url": f"{FAKE_HOST}/ok", "title": {"en": "OK"}}],
                    sources=[f"{FAKE_HOST}/ok"],
                    contact={"web": f"{FAKE_HOST}/nohead"},
                )
            ]
        },
    )
    env = {**project_env(project, tmp_path), "HTTP_PROXY": f"http://127.0.0.1:{port}", "NO_PROXY": ""}

    result = run_cli("check-links", "--timeout", "2", env=env)

    assert result.returncode == 0, result.stdout + result.stderr
    assert table_rows(result.stdout) == [
        ("STATUS", "URL", "NOTE", "USED BY"),
        ("200", f"{FAKE_HOST}/nohead", "", "alpha"),
        ("200", f"{FAKE_HOST}/ok", "", "alpha"),
    ]
    assert result.stdout.splitlines()[-1] == "2 links checked, 0 broken, 0 redirected"


def test_check_links_command_rejects_ip_address_urls(tmp_path: Path, server: ThreadingHTTPServer) -> None:
    url = f"http://127.0.0.1:{server.server_address[1]}/ok"
    project = make_project(tmp_path, {"a.yml": [entry("alpha", links=[{"url": url, "title": {"en": "OK"}}])]})

    result = run_cli("check-links", "--timeout", "1", env=project_env(project, tmp_path))

    assert result.returncode == 1
    assert result.stdout == f"data/content/a.yml: entries[alpha].links[0].url: not a valid http(s) URL: '{url}'\n"


# --- check_link / check_links -------------------------------------------------------------------


def test_check_link_ok(base_url: str) -> None:
    result = check_link(f"{base_url}/ok", timeout=2)

    assert result == LinkResult(f"{base_url}/ok", 200, redirected_to=None, error=None)
    assert result.ok is True


def test_check_link_missing_falls_back_to_get(base_url: str, server: ThreadingHTTPServer) -> None:
    result = check_link(f"{base_url}/missing", timeout=2)

    assert result == LinkResult(f"{base_url}/missing", 404)
    assert result.ok is False
    assert [(method, path) for method, path, _ in server.seen] == [("HEAD", "/missing"), ("GET", "/missing")]  # type: ignore[attr-defined]


def test_check_link_head_refused(base_url: str, server: ThreadingHTTPServer) -> None:
    result = check_link(f"{base_url}/nohead", timeout=2)

    assert result == LinkResult(f"{base_url}/nohead", 200)
    assert result.ok is True
    assert [(method, path) for method, path, _ in server.seen] == [("HEAD", "/nohead"), ("GET", "/nohead")]  # type: ignore[attr-defined]


def test_check_link_redirect(base_url: str) -> None:
    result = check_link(f"{base_url}/moved", timeout=2)

    assert result == LinkResult(f"{base_url}/moved", 200, redirected_to=f"{base_url}/ok")
    assert result.ok is True


def test_check_link_trailing_slash_is_not_a_redirect(base_url: str) -> None:
    assert check_link(f"{base_url}/ok/", timeout=2) == LinkResult(f"{base_url}/ok/", 404)
    assert check_link(base_url, timeout=2) == LinkResult(base_url, 404)


def test_check_link_timeout(base_url: str) -> None:
    started = time.monotonic()
    result = check_link(f"{base_url}/slow", timeout=1)

    assert time.monotonic() - started < 2.5
    assert result == LinkResult(f"{base_url}/slow", None, error="timeout after 1s")
    assert result.ok is False


def test_check_link_connection_refused() -> None:
    port = free_port()
    result = check_link(f"http://127.0.0.1:{port}/", timeout=1)

    assert result == LinkResult(f"http://127.0.0.1:{port}/", None, error="ConnectionError")


def test_check_link_uses_given_session(base_url: str) -> None:
    with requests.Session() as session:
        result = check_link(f"{base_url}/ok", timeout=2, session=session)

    assert result == LinkResult(f"{base_url}/ok", 200)


def test_check_links_keeps_order(base_url: str) -> None:
    urls = [f"{base_url}/slow", f"{base_url}/ok", f"{base_url}/missing", f"{base_url}/moved"]

    results = check_links(urls, timeout=1, concurrency=2)

    assert results == [
        LinkResult(f"{base_url}/slow", None, error="timeout after 1s"),
        LinkResult(f"{base_url}/ok", 200),
        LinkResult(f"{base_url}/missing", 404),
        LinkResult(f"{base_url}/moved", 200, redirected_to=f"{base_url}/ok"),
    ]
    assert check_links([], timeout=1, concurrency=0) == []


def test_format_link_table(base_url: str) -> None:
    urls = [f"{base_url}/missing", f"{base_url}/moved", f"{base_url}/ok", f"{base_url}/slow"]
    results = check_links(urls, timeout=1, concurrency=4)

    table = format_link_table(results, {f"{base_url}/ok": ["b", "a", "b"], f"{base_url}/moved": ["a"]})

    assert table_rows(table) == [
        ("STATUS", "URL", "NOTE", "USED BY"),
        ("404", f"{base_url}/missing", "", ""),
        ("200", f"{base_url}/moved", f"-> {base_url}/ok", "a"),
        ("200", f"{base_url}/ok", "", "a, b"),
        ("ERR", f"{base_url}/slow", "timeout after 1s", ""),
    ]
    assert f"-> http://127.0.0.1:{base_url.rsplit(':', 1)[1]}/ok" in table
    assert all(line == line.rstrip() for line in table.splitlines())


def free_port() -> int:
    """A local port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
