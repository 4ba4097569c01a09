"""The widget's API on the web app: feedback and delete, only with the conversation's secret."""

from __future__ import annotations

import sqlite3
import uuid

import pytest
import requests

pytestmark = pytest.mark.e2e


def conversation(stack):
    sender, secret = uuid.uuid4().hex, uuid.uuid4().hex
    stack.ask("hello", sender, metadata={"session_secret": secret, "language": "en"})
    return sender, secret


def stored_events(stack, sender):
    with sqlite3.connect(stack.var_dir / "tracker.db") as db:
        return db.execute("select data from events where sender_id = ?", (sender,)).fetchall()


def test_the_secret_itself_is_never_stored(stack):
    sender, secret = conversation(stack)
    rows = stored_events(stack, sender)
    assert rows and not any(secret in data for (data,) in rows)
    assert any("session_secret_hash" in data for (data,) in rows)


def test_feedback_needs_the_right_secret(stack):
    sender, secret = conversation(stack)
    url = f"{stack.web}/api/feedback"
    body = {"session_id": sender, "rating": "up", "text": "Hello!"}
    assert requests.post(url, json=body, timeout=10).status_code == 401
    assert requests.post(url, json=body, headers={"X-Session-Secret": "wrong"}, timeout=10).status_code == 403
    ok = requests.post(url, json=body, headers={"X-Session-Secret": secret}, timeout=10)
    assert ok.status_code == 201 and ok.json() == {"stored": True}
    assert ok.headers["Access-Control-Allow-Origin"] == "*"
    with sqlite3.connect(stack.var_dir / "tracker.db") as db:
        assert db.execute("select rating from feedback where sender_id = ?", (sender,)).fetchall() == [("up",)]


@pytest.mark.parametrize(
    ("body", "field"),
    [({"session_id": "x", "rating": "meh"}, "rating"), ({"rating": "up"}, "session_id"),
     ({"session_id": "x", "rating": "up", "text": 5}, "text")],
)
def test_feedback_rejects_bad_fields(stack, body, field):
    response = requests.post(f"{stack.web}/api/feedback", json=body, timeout=10)
    assert response.status_code == 400 and response.json()["error"]["field"] == field


def test_feedback_rejects_malformed_json(stack):
    response = requests.post(f"{stack.web}/api/feedback", data=b"{oops", timeout=10)
    assert response.status_code == 400 and response.json()["error"]["code"] == "invalid_json"


def test_feedback_rejects_half_a_surrogate_pair(stack):
    body = b'{"session_id": "x", "rating": "up", "text": "\\ud800"}'
    response = requests.post(f"{stack.web}/api/feedback", data=body, timeout=10)
    assert response.status_code == 400 and response.json()["error"]["code"] == "invalid_text"


def test_delete_only_with_the_secret_and_then_everything_is_gone(stack):
    sender, secret = conversation(stack)
    url = f"{stack.web}/api/conversations/{sender}/delete"
    assert requests.post(url, timeout=10).status_code == 401
    assert requests.post(url, headers={"X-Session-Secret": "guess"}, timeout=10).status_code == 403
    assert stored_events(stack, sender)
    response = requests.post(url, headers={"X-Session-Secret": secret}, timeout=10)
    assert response.status_code == 200 and response.json()["deleted_events"] > 0
    assert stored_events(stack, sender) == []
    assert requests.post(url, headers={"X-Session-Secret": secret}, timeout=10).status_code == 404


def test_cors_preflight(stack):
    response = requests.options(f"{stack.web}/api/feedback", timeout=10)
    assert response.status_code == 204
    assert "X-Session-Secret" in response.headers["Access-Control-Allow-Headers"]
