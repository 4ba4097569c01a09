"""A second Rasa server on the same database, with its action server unreachable.

Proves two things against real processes: conversations survive a restart (they are in the
SQLite tracker store, not in memory), and a user whose question needs the action server gets a
polite "cannot answer right now" instead of silence.
"""

from __future__ import annotations

import subprocess
import sys
import time
import uuid

import pytest
import requests

from bot.run import model_path
from bot.settings import Settings
from tests.e2e.conftest import ROOT, free_port, reply_text

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def degraded(stack):
    port = free_port()
    closed = free_port()  # nothing listens here
    env = dict(stack.env)
    env["ACTION_ENDPOINT_URL"] = f"http://127.0.0.1:{closed}/webhook"
    token = "degraded-test-token"
    model = model_path(Settings.from_env(env))
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.rasa_server", "run", "--model", str(model), "--enable-api", "--auth-token", token,
         "--interface", "127.0.0.1", "--port", str(port),
         "--credentials", str(stack.var_dir / "credentials.active.yml"),
         "--endpoints", "endpoints.yml"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 240
    while True:
        assert process.poll() is None, process.stdout.read() if process.stdout else ""
        try:
            if requests.get(f"{url}/status", params={"token": token}, timeout=2).status_code == 200:
                break
        except requests.RequestException:
            pass
        assert time.monotonic() < deadline, "second Rasa server did not start"
        time.sleep(1)
    yield url, token
    process.terminate()
    process.wait(timeout=30)


def test_conversation_survives_a_restart(stack, degraded):
    url, token = degraded
    sender = uuid.uuid4().hex
    stack.ask("What is the phone number of International House North Denmark?", sender)
    tracker = requests.get(f"{url}/conversations/{sender}/tracker", params={"token": token}, timeout=30).json()
    user_texts = [event["text"] for event in tracker["events"] if event["event"] == "user"]
    bot_texts = [event["text"] for event in tracker["events"] if event["event"] == "bot"]
    assert user_texts == ["What is the phone number of International House North Denmark?"]
    assert any("+45 99 31 15 30" in text for text in bot_texts)


def test_action_server_down_gives_a_polite_message(degraded):
    url, _ = degraded
    response = requests.post(
        f"{url}/webhooks/rest/webhook", json={"sender": uuid.uuid4().hex, "message": "how do I get a tax card?"},
        timeout=60,
    )
    assert response.status_code == 200
    assert reply_text(response.json()) == (
        "Sorry, I can't look that up right now because part of the service is down. Please try again in a few "
        "minutes, or contact International House North Denmark directly."
    )


def test_responses_that_need_no_action_server_still_work(degraded):
    url, _ = degraded
    response = requests.post(
        f"{url}/webhooks/rest/webhook", json={"sender": uuid.uuid4().hex, "message": "hello"}, timeout=60
    )
    assert reply_text(response.json()).startswith("Hello!")


def test_readiness_names_the_unreachable_action_server(degraded):
    url, _ = degraded
    response = requests.get(f"{url}/ready", timeout=30)
    assert response.status_code == 503
    assert response.json() == {"model": "ok", "database": "ok", "actions": "unreachable"}
