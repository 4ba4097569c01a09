"""The signed webhook on the running servers (``python -m bot.run serve``), with its own stack."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid

import pytest
import requests
import sqlalchemy as sa
import yaml

from bot.channels.callbacks import list_undelivered
from bot.channels.signing import sign, verify
from tests.channels.webhook_receiver import receiver
from tests.e2e.conftest import ROOT, free_port, start_stack, stop_stack

pytestmark = pytest.mark.e2e

SECRET = uuid.uuid4().hex + uuid.uuid4().hex  # 64 characters, new for every run
QUESTION = "What are the opening hours of International House North Denmark?"


def desk_hours():
    """Thursday's and Friday's desk hours of IHND, as the answers write them (08:30–16:00)."""
    content = yaml.safe_load((ROOT / "data" / "content" / "ihnd.yml").read_text(encoding="utf-8"))
    entry = next(entry for entry in content["entries"] if entry["id"] == "ihnd")
    return [entry["hours"]["desk"][day][0].replace("-", "–") for day in ("thu", "fri")]


@pytest.fixture(scope="module")
def signed(tmp_path_factory):
    stack = start_stack(tmp_path_factory.mktemp("signed"), {
        "WEBHOOK_KEYS": f"e2e:{SECRET}", "WEBHOOK_CALLBACK_ALLOWED_HOSTS": "127.0.0.1",
        "WEBHOOK_CALLBACK_ATTEMPTS": "3", "WEBHOOK_CALLBACK_BACKOFF_SECONDS": "0.2",
    })
    stack.url = f"{stack.rasa}/webhooks/signed/webhook"
    yield stack
    code = stop_stack(stack)
    assert code == 0, "\n".join(stack.lines[-20:])


def post(url, body, secret=SECRET, key_id="e2e", headers=None):
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    signed_headers = {"Content-Type": "application/json", **sign(key_id, secret, raw), **(headers or {})}
    return requests.post(url, data=raw, headers=signed_headers, timeout=60)


def test_answers_a_question_with_the_fact(signed):
    response = post(signed.url, {"sender": uuid.uuid4().hex, "message": QUESTION})
    assert response.status_code == 200, response.text
    body = response.json()
    text = "\n".join(message.get("text", "") for message in body["messages"])
    thursday, friday = desk_hours()
    assert thursday == "08:30–16:00" and friday == "08:30–13:00"
    assert thursday in text and friday in text, text
    assert all("recipient_id" not in message for message in body["messages"])


def test_rejects_a_bad_signature(signed):
    response = post(signed.url, {"sender": "s", "message": QUESTION}, secret="x" * 64)
    assert (response.status_code, response.json()["error"]["code"]) == (401, "bad_signature")


def test_rejects_an_unknown_key(signed):
    response = post(signed.url, {"sender": "s", "message": QUESTION}, key_id="someone-else")
    assert (response.status_code, response.json()["error"]["code"]) == (401, "unknown_key")


def test_rejects_a_replayed_request(signed):
    raw = json.dumps({"sender": uuid.uuid4().hex, "message": "hello"}).encode()
    headers = {"Content-Type": "application/json", **sign("e2e", SECRET, raw)}
    assert requests.post(signed.url, data=raw, headers=headers, timeout=60).status_code == 200
    replay = requests.post(signed.url, data=raw, headers=headers, timeout=60)
    assert replay.status_code == 401
    assert replay.json() == {"error": {"code": "replayed", "message": "this nonce was already used"}}


def test_rejects_a_stale_timestamp(signed):
    raw = json.dumps({"sender": "s", "message": "hello"}).encode()
    headers = sign("e2e", SECRET, raw, timestamp=int(time.time()) - 301)
    response = requests.post(signed.url, data=raw, headers=headers, timeout=60)
    assert (response.status_code, response.json()["error"]["code"]) == (401, "stale_timestamp")


def test_rejects_an_oversize_body(signed):
    response = post(signed.url, {"sender": "s", "message": "x" * 17_000})
    assert response.status_code == 413
    assert response.json()["error"] == {"code": "body_too_large",
                                        "message": "the request body is 17030 bytes; the limit is 16384"}


def test_rejects_malformed_json(signed):
    response = post(signed.url, b'{"sender": "s", "message": ')
    assert response.status_code == 400
    assert response.json() == {"error": {"code": "invalid_json", "message": "the request body is not valid JSON"}}


def test_rejects_a_bad_field(signed):
    response = post(signed.url, {"sender": "s", "message": ["hi"]})
    assert response.status_code == 400
    assert response.json()["error"] == {"code": "invalid_field", "message": "'message' must be a string",
                                        "field": "message"}


def test_callback_receives_the_signed_reply(signed):
    sender = uuid.uuid4().hex
    with receiver([200]) as callback:
        response = post(signed.url, {"sender": sender, "message": QUESTION, "callback_url": callback.url})
        assert response.status_code == 202, response.text
        [received] = callback.wait(1, timeout=60)
    assert verify(received.headers, received.body, {"e2e": SECRET}).key_id == "e2e"
    body = json.loads(received.body)
    assert body["sender"] == sender and body["in_reply_to"] == response.json()["in_reply_to"]
    text = "\n".join(message.get("text", "") for message in body["messages"])
    assert all(hours in text for hours in desk_hours()), text


def test_undeliverable_callback_is_logged_and_recorded(signed):
    sender = uuid.uuid4().hex
    url = f"http://127.0.0.1:{free_port()}/nobody-listens"
    response = post(signed.url, {"sender": sender, "message": "hello", "callback_url": url})
    assert response.status_code == 202
    engine = sa.create_engine(f"sqlite:///{signed.var_dir / 'tracker.db'}", future=True)
    rows = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        rows = [row for row in list_undelivered(engine, 50) if row["sender_id"] == sender]
        if rows:
            break
        time.sleep(0.2)
    engine.dispose()
    assert [(row["callback_url"], row["attempts"], row["last_error"]) for row in rows] == [
        (url, 3, "attempt 3: ConnectionError")]
    assert any(f"undeliverable webhook reply for sender {sender} to host 127.0.0.1 after 3 attempt(s)" in line
               for line in signed.lines)


def test_python_example_against_the_server(signed):
    result = subprocess.run(
        [sys.executable, str(ROOT / "docs" / "examples" / "sign_request.py"), signed.url, "e2e", uuid.uuid4().hex,
         QUESTION], env={**os.environ, "WEBHOOK_SECRET": SECRET}, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    status, body = result.stdout.split("\n", 1)
    assert status == "200"
    text = "\n".join(message.get("text", "") for message in json.loads(body)["messages"])
    assert all(hours in text for hours in desk_hours()), text


def test_shell_example_against_the_server(signed):
    body = json.dumps({"sender": uuid.uuid4().hex, "message": QUESTION})
    result = subprocess.run(
        ["bash", str(ROOT / "docs" / "examples" / "sign_request.sh"), signed.url, "e2e", body],
        env={**os.environ, "WEBHOOK_SECRET": SECRET}, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    status, answer = result.stdout.split("\n", 1)
    assert status == "200", result.stdout
    text = "\n".join(message.get("text", "") for message in json.loads(answer)["messages"])
    assert all(hours in text for hours in desk_hours()), text
    wrong = subprocess.run(
        ["bash", str(ROOT / "docs" / "examples" / "sign_request.sh"), signed.url, "e2e", body],
        env={**os.environ, "WEBHOOK_SECRET": "y" * 64}, capture_output=True, text=True, timeout=120,
    )
    assert wrong.stdout.split("\n", 1)[0] == "401"
