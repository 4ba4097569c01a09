"""Metrics, readiness and JSON logs on the running servers (issue 14, docs/observability.md).

Uses the session's stack (``python -m bot.run serve``, which gives each server its own
``PROMETHEUS_MULTIPROC_DIR``); its counters are compared before and after, because other tests
talk to the same stack. A second Rasa server runs two Sanic workers with ``LOG_FORMAT=json`` and
its action server unreachable: both workers must report the same totals, every line it writes
must be JSON, and its readiness must name the action server.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Dict, Iterator, List, Tuple

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from bot.run import model_path
from bot.settings import Settings
from tests.e2e.conftest import ROOT, Stack, free_port, reply_text

pytestmark = pytest.mark.e2e

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
TAX_CARD = "how do I get a tax card?"
Samples = Dict[Tuple[str, Tuple[Tuple[str, str], ...]], float]


def samples(url: str) -> Samples:
    response = requests.get(f"{url}/metrics", timeout=10)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    found = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def value(found: Samples, name: str, **labels: str) -> float:
    return found.get((name, tuple(sorted(labels.items()))), 0.0)


def total(found: Samples, name: str) -> float:
    """The sum of a metric over all its label values."""
    return sum(number for (sample, _), number in found.items() if sample == name)


def test_rasa_metrics_count_messages_turns_fallbacks_and_latency(stack):
    before = samples(stack.rasa)
    sender = uuid.uuid4().hex
    assert "+45 99 31 15 30" in reply_text(
        stack.ask("What is the phone number of International House North Denmark?", sender)
    )
    stack.ask("Hej, tak for hjælpen", uuid.uuid4().hex)
    stack.ask("xqzv plorm grublet", uuid.uuid4().hex)  # no intent, no topic: the content search
    after = samples(stack.rasa)

    def delta(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert delta("assistant_messages_total", channel="rest") == 3
    assert delta("assistant_response_seconds_count", channel="rest") == 3
    assert delta("assistant_response_seconds_sum", channel="rest") > 0
    assert delta("assistant_turns_total", channel="rest", language="en", outcome="answer") == 1
    assert delta("assistant_turns_total", channel="rest", language="da", outcome="chat") == 1
    assert total(after, "assistant_turns_total") - total(before, "assistant_turns_total") == 3
    assert total(after, "assistant_fallbacks_total") - total(before, "assistant_fallbacks_total") == 1
    assert total(after, "assistant_action_errors_total") == total(before, "assistant_action_errors_total")
    text = requests.get(f"{stack.rasa}/metrics", timeout=10).text
    assert sender not in text and "International House" not in text  # no conversation in the metrics


def test_web_metrics_count_requests_by_route_pattern(stack):
    before = samples(stack.web)
    for _ in range(3):
        assert requests.get(f"{stack.web}/health", timeout=10).status_code == 200
    after = samples(stack.web)
    assert value(after, "web_requests_total", route="/health", status="200") - value(
        before, "web_requests_total", route="/health", status="200"
    ) == 3
    assert value(after, "web_request_seconds_count", route="/health") - value(
        before, "web_request_seconds_count", route="/health"
    ) == 3


def test_both_servers_are_ready(stack):
    rasa = requests.get(f"{stack.rasa}/ready", timeout=10)
    assert (rasa.status_code, rasa.json()) == (200, {"model": "ok", "database": "ok", "actions": "ok"})
    web = requests.get(f"{stack.web}/ready", timeout=10)
    assert (web.status_code, web.json()) == (200, {"database": "ok"})


# ---------------------------------------------------------------- two workers, JSON logs, no actions


class JsonRasa:
    """The second Rasa server and its log file."""

    def __init__(self, url: str, log: Path, metrics_dir: Path) -> None:
        self.url = url
        self.log = log
        self.metrics_dir = metrics_dir

    def ask(self, message: str) -> List[Dict]:
        response = requests.post(
            f"{self.url}/webhooks/rest/webhook", json={"sender": uuid.uuid4().hex, "message": message}, timeout=120
        )
        assert response.status_code == 200, response.text
        return response.json()

    def lines(self) -> List[str]:
        """The complete lines written so far."""
        return [line for line in self.log.read_text(encoding="utf-8").split("\n")[:-1] if line.strip()]


@pytest.fixture(scope="module")
def json_rasa(stack: Stack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[JsonRasa]:
    port, closed = free_port(), free_port()  # nothing listens on `closed`
    folder = tmp_path_factory.mktemp("json-rasa")
    metrics_dir = folder / "metrics"
    metrics_dir.mkdir()
    env = dict(stack.env)
    env.pop("TF_CPP_MIN_LOG_LEVEL", None)  # the server itself must silence TensorFlow's native lines
    env.update({
        "LOG_FORMAT": "json", "ACTION_ENDPOINT_URL": f"http://127.0.0.1:{closed}/webhook",
        "SANIC_WORKERS": "2", "REDIS_URL": REDIS_URL, "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir),
    })
    token = "json-test-token"
    log = folder / "rasa.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "bot.rasa_server", "run", "--model", str(model_path(Settings.from_env(env))),
             "--enable-api", "--auth-token", token, "--interface", "127.0.0.1", "--port", str(port),
             "--credentials", str(stack.var_dir / "credentials.active.yml"), "--endpoints", "endpoints.yml"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 300
    while True:
        assert process.poll() is None, log.read_text()[-3000:]
        try:
            if requests.get(f"{url}/status", params={"token": token}, timeout=2).status_code == 200:
                break
        except requests.RequestException:
            pass
        assert time.monotonic() < deadline, "the second Rasa server did not start:\n" + log.read_text()[-3000:]
        time.sleep(1)
    yield JsonRasa(url, log, metrics_dir)
    process.terminate()
    process.wait(timeout=60)


def test_every_worker_reports_the_messages_of_both(json_rasa):
    # /status answered by one worker does not mean the other has loaded its model yet: send
    # rounds of 8 until both have counted some (one round was enough before the Rasa server
    # started faster without TensorFlow; then the first worker sometimes took all 8).
    batch, count = 8, 0
    for _ in range(10):
        with ThreadPoolExecutor(max_workers=batch) as pool:
            replies = list(pool.map(json_rasa.ask, [TAX_CARD] * batch))
        count += batch
        assert all("part of the service is down" in reply_text(reply) for reply in replies)
        writers = {path.name for path in json_rasa.metrics_dir.glob("counter_*.db")}
        if len(writers) == 2:
            break
        time.sleep(1)
    # /metrics is answered by whichever worker accepts the connection: each must show the total.
    for _ in range(6):
        found = samples(json_rasa.url)
        assert value(found, "assistant_messages_total", channel="rest") == count
        assert value(found, "assistant_response_seconds_count", channel="rest") == count
        assert value(found, "assistant_unavailable_replies_total", channel="rest") == count
        assert value(found, "assistant_action_errors_total", action="action_answer_topic") == count
        assert value(found, "assistant_turns_total", channel="rest", language="en", outcome="none") == count
    # One file per process that counted: both workers answered some of the messages.
    assert len(writers) == 2, f"expected both workers to count, metrics files: {sorted(writers)}"


def test_readiness_names_the_unreachable_action_server(json_rasa):
    response = requests.get(f"{json_rasa.url}/ready", timeout=30)
    assert response.status_code == 503
    assert response.json() == {"model": "ok", "database": "ok", "actions": "unreachable"}


def test_rasa_server_writes_only_json_lines(json_rasa):
    json_rasa.ask(TAX_CARD)  # an action call that fails: Rasa logs an error with its traceback
    time.sleep(1)
    entries = []
    for line in json_rasa.lines():
        try:
            entries.append(json.loads(line))
        except ValueError:
            pytest.fail(f"not a JSON line: {line[:300]}")
    assert entries and all({"time", "level", "logger", "message"} <= entry.keys() for entry in entries)
    assert any(entry["message"].startswith("Starting Rasa server") for entry in entries)
    failed = [entry for entry in entries if entry["logger"] == "rasa.core.processor" and entry["level"] == "error"]
    assert failed and "RasaException" in failed[-1]["exception"]


def test_web_app_and_action_server_log_json_lines(tmp_path):
    port, action_port = free_port(), free_port()
    env = {**os.environ, "LOG_FORMAT": "json", "WEB_PORT": str(port), "ACTION_PORT": str(action_port),
           "VAR_DIR": str(tmp_path), "PYTHONUNBUFFERED": "1"}
    env.pop("TRACKER_DB_URL", None)
    processes = [
        subprocess.Popen([sys.executable, "-m", module], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, text=True)
        for module in ("bot.web", "bot.action_server")
    ]
    try:
        deadline = time.monotonic() + 90
        for url in (f"http://127.0.0.1:{port}/ready", f"http://127.0.0.1:{action_port}/health"):
            while True:
                try:
                    if requests.get(url, timeout=2).status_code == 200:
                        break
                except requests.RequestException:
                    pass
                assert time.monotonic() < deadline, f"{url} did not answer"
                time.sleep(0.5)
    finally:
        for process in processes:
            process.terminate()
        outputs = [process.communicate(timeout=30)[0] for process in processes]
    for output in outputs:
        lines = [line for line in output.splitlines() if line.strip()]
        assert lines, "the server logged nothing"
        messages = []
        for line in lines:
            entry = json.loads(line)  # fails on any line that is not JSON
            assert {"time", "level", "logger", "message"} <= entry.keys()
            messages.append(entry["message"])
        assert messages.count(next(m for m in messages if m.startswith("Starting worker"))) == 1  # once, not twice
    assert any("action server on http://127.0.0.1" in json.loads(line)["message"] for line in outputs[1].splitlines())
