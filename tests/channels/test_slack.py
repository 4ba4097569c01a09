"""Slack: only events signed with the app's signing secret, and fresh, reach the assistant."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Optional

import pytest
import requests

from bot.channels.slack import VerifiedSlackInput, signature_problem

SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
EVENT = {
    "token": "Jhj5dZrVaK7ZwHHjRyZWjbDl",
    "team_id": "T0AAAAAAA",
    "api_app_id": "A0BBBBBBB",
    "event": {
        "type": "message",
        "channel": "D0CCCCCCC",
        "user": "U0DDDDDDD",
        "text": "<@U0BOT0000> Where can I get a tax card?",
        "ts": "1764280000.000100",
        "event_ts": "1764280000.000100",
        "channel_type": "im",
    },
    "type": "event_callback",
    "event_id": "Ev0EEEEEEE",
    "event_time": 1764280000,
    "authorizations": [{"enterprise_id": None, "team_id": "T0AAAAAAA", "user_id": "U0BOT0000", "is_bot": True}],
}


def sign(body: bytes, timestamp: str, secret: str = SIGNING_SECRET) -> str:
    return "v0=" + hmac.new(secret.encode(), f"v0:{timestamp}:".encode() + body, hashlib.sha256).hexdigest()


@pytest.fixture
def slack(serve):
    return serve(VerifiedSlackInput.from_credentials(
        {"slack_token": "xoxb-1111-2222-test", "slack_signing_secret": SIGNING_SECRET}))


def post(served, body: bytes, timestamp: Optional[str], signature: Optional[str]) -> requests.Response:
    headers = {"Content-Type": "application/json"}
    if timestamp is not None:
        headers["X-Slack-Request-Timestamp"] = timestamp
    if signature is not None:
        headers["X-Slack-Signature"] = signature
    return requests.post(served.webhook("slack"), data=body, headers=headers, timeout=10)


def test_a_signed_event_reaches_the_assistant(slack):
    body = json.dumps(EVENT).encode()
    now = str(int(time.time()))
    response = post(slack, body, now, sign(body, now))
    assert response.status_code == 200
    [message] = slack.collector.received(1)
    assert (message.text, message.sender_id, message.input_channel) == (
        "Where can I get a tax card?", "U0DDDDDDD", "slack")
    assert message.metadata["out_channel"] == "D0CCCCCCC"


def test_the_url_verification_challenge_is_answered_when_signed(slack):
    body = json.dumps({"token": "x", "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",
                       "type": "url_verification"}).encode()
    now = str(int(time.time()))
    response = post(slack, body, now, sign(body, now))
    assert (response.status_code, response.json()) == (200, "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P")


@pytest.mark.parametrize(("case", "code"), [
    ("bad_signature", "bad_signature"),
    ("other_secret", "bad_signature"),
    ("tampered_body", "bad_signature"),
    ("stale", "stale_request"),
    ("future", "stale_request"),
    ("no_signature", "missing_signature"),
    ("no_timestamp", "missing_signature"),
    ("bad_timestamp", "bad_timestamp"),
])
def test_unsigned_forged_or_stale_events_never_reach_the_assistant(slack, case, code):
    body = json.dumps(EVENT).encode()
    now = str(int(time.time()))
    stale = str(int(time.time()) - 6 * 60)
    future = str(int(time.time()) + 6 * 60)
    timestamp, signature, sent = {
        "bad_signature": (now, "v0=" + "0" * 64, body),
        "other_secret": (now, sign(body, now, "another-secret"), body),
        "tampered_body": (now, sign(body, now), body.replace(b"tax card", b"tax cart")),
        "stale": (stale, sign(body, stale), body),
        "future": (future, sign(body, future), body),
        "no_signature": (now, None, body),
        "no_timestamp": (None, sign(body, now), body),
        "bad_timestamp": ("yesterday", sign(body, "yesterday"), body),
    }[case]
    response = post(slack, sent, timestamp, signature)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == code
    time.sleep(0.2)
    assert slack.collector.messages == []


def test_a_signed_but_malformed_body_is_a_400(slack):
    body = b"[1, 2, 3]"
    now = str(int(time.time()))
    response = post(slack, body, now, sign(body, now))
    assert (response.status_code, response.json()["error"]["code"]) == (400, "invalid_body")
    assert slack.collector.messages == []


def test_signature_problem_accepts_exactly_five_minutes():
    body = b"{}"
    assert signature_problem(SIGNING_SECRET, body, "1000", sign(body, "1000"), now=1300) is None
    assert signature_problem(SIGNING_SECRET, body, "1000", sign(body, "1000"), now=1301)[0] == "stale_request"
