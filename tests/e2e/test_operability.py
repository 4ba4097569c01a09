"""Metrics, readiness and JSON logs on the running servers (issue 14).

Uses the session's stack (``python -m bot.run serve``). Counters are compared before and after,
because other tests talk to the same stack.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from typing import Dict, Tuple

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from tests.e2e.conftest import ROOT, free_port, reply_text

pytestmark = pytest.mark.e2e


def samples(url: str) -> Dict[Tuple[str, Tuple[Tuple[str, str], ...]], float]:
    response = requests.get(f"{url}/metrics", timeout=10)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    found = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def test_rasa_metrics_count_messages_turns_and_latency(stack):
    before = samples(stack.rasa)
    sender = uuid.uuid4().hex
    assert "+45 99 31 15 30" in reply_text(
        stack.ask("What is the phone number of International House North Denmark?", sender)
    )
    stack.ask("Hej, tak for hjælpen", uuid.uuid4().hex)
    after = samples(stack.rasa)

    def delta(name: str, **labels: str) -> float:
        key = (name, tuple(sorted(labels.items())))
        return after.get(key, 0.0) - before.get(key, 0.0)

    assert delta("assistant_messages_total", channel="rest") == 2
    assert delta("assistant_response_seconds_count", channel="rest") == 2
    assert delta("assistant_response_seconds_sum", channel="rest") > 0
    assert delta("assistant_turns_total", language="en", outcome="answer") == 1
    assert delta("assistant_turns_total", language="da", outcome="chat") == 1
    text = requests.get(f"{stack.rasa}/metrics", timeout=10).text
    assert sender not in text and "International House" not in text  # no conversation in the metrics


def test_web_metrics_count_requests_by_route_pattern(stack):
    before = samples(stack.web)
    for _ in range(3):
        assert requests.get(f"{stack.web}/health", timeout=10).status_code == 200
    after = samples(stack.web)
    key = ("web_requests_total", (("route", "/health"), ("status", "200")))
    assert after[key] - before.get(key, 0.0) == 3


def test_both_servers_are_ready(stack):
    rasa = requests.get(f"{stack.rasa}/ready", timeout=10)
    assert (rasa.status_code, rasa.json()) == (200, {"model": "ok", "database": "ok", "actions": "ok"})
    web = requests.get(f"{stack.web}/ready", timeout=10)
    assert (web.status_code, web.json()) == (200, {"database": "ok"})


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
        for line in lines:
            entry = json.loads(line)  # fails on any line that is not JSON
            assert {"time", "level", "logger", "message"} <= entry.keys()
    assert any("action server on http://127.0.0.1" in json.loads(line)["message"] for line in outputs[1].splitlines())
