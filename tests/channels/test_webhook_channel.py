"""The signed webhook's blueprint on a real Sanic server (Rasa's own ``register``), over HTTP."""

from __future__ import annotations

import asyncio
import json
import time
import uuid

import pytest
import requests
import sqlalchemy as sa

import bot.channels.callbacks as callbacks_module
import bot.channels.webhook as webhook_module
from bot.channels.callbacks import list_undelivered
from bot.channels.signing import sign, verify
from bot.channels.webhook import SignedWebhookInput
from bot.settings import get_settings
from tests.channels.webhook_receiver import receiver
from tests.e2e.conftest import free_port

SECRET = "a" * 32
REDIS = "redis://127.0.0.1:6379/0"
OLD_SECRET = "b" * 48


@pytest.fixture
def configure(monkeypatch, tmp_path):
    def apply(**env):
        defaults = {
            "WEBHOOK_KEYS": f"new:{SECRET},old:{OLD_SECRET}", "WEBHOOK_CALLBACK_ALLOWED_HOSTS": "127.0.0.1",
            "WEBHOOK_CALLBACK_BACKOFF_SECONDS": "0.01", "WEBHOOK_CALLBACK_ATTEMPTS": "2",
            "TRACKER_DB_URL": f"sqlite:///{tmp_path / 'tracker.db'}", "REDIS_URL": "",
        }
        defaults.update(env)
        for name, value in defaults.items():
            monkeypatch.setenv(name, value)
        get_settings.cache_clear()

    yield apply
    get_settings.cache_clear()


@pytest.fixture
def webhook(serve, configure):
    """The served channel's URL; the stand-in assistant echoes each message, with a button."""
    configure()
    served = serve(SignedWebhookInput())

    async def echo(message):
        served.collector.messages.append(message)
        await message.output_channel.send_text_with_buttons(
            message.sender_id, f"echo: {message.text}", [{"title": "More", "payload": "/more"}])

    served.collector.handle_message = echo
    served.url = served.webhook("signed")
    return served


def post(url, body, key_id="new", secret=SECRET, **header_changes):
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    headers = {"Content-Type": "application/json", **sign(key_id, secret, raw), **header_changes}
    return requests.post(url, data=raw, headers=headers, timeout=10)


def test_a_signed_message_gets_the_replies_in_the_response(webhook):
    response = post(webhook.url, {"sender": "crm-42", "message": "opening hours?", "metadata": {"language": "da"}})
    assert response.status_code == 200
    assert response.json() == {
        "sender": "crm-42",
        "messages": [{"text": "echo: opening hours?", "buttons": [{"title": "More", "payload": "/more"}]}],
    }
    [message] = webhook.collector.messages
    assert (message.sender_id, message.input_channel, message.metadata) == ("crm-42", "signed", {"language": "da"})


def test_the_old_key_still_works_during_rotation(webhook):
    response = post(webhook.url, {"sender": "s", "message": "hi"}, key_id="old", secret=OLD_SECRET)
    assert response.status_code == 200
    assert response.json()["messages"][0]["text"] == "echo: hi"


@pytest.mark.parametrize(
    ("body", "changes", "status", "code"),
    [
        ({"sender": "s", "message": "hi"}, {"X-Signature": "v1=" + "0" * 64}, 401, "bad_signature"),
        (b"{not json", {"X-Signature": "v1=" + "0" * 64}, 401, "bad_signature"),
        ({"sender": "s", "message": "hi"}, {"X-Signature-Key-Id": "nobody"}, 401, "unknown_key"),
        ({"sender": "s", "message": "hi"}, {"X-Signature-Nonce": "tiny"}, 401, "missing_signature"),
    ],
)
def test_refused_before_the_body_is_read(webhook, body, changes, status, code):
    response = post(webhook.url, body, **changes)
    assert (response.status_code, response.json()["error"]["code"]) == (status, code)
    assert webhook.collector.messages == []


def test_unsigned_request_is_refused(webhook):
    response = requests.post(webhook.url, json={"sender": "s", "message": "hi"}, timeout=10)
    assert response.status_code == 401
    assert response.json() == {"error": {
        "code": "missing_signature",
        "message": "missing header(s): X-Signature-Key-Id, X-Signature-Timestamp, X-Signature-Nonce, X-Signature",
    }}


def test_stale_timestamp(webhook):
    raw = json.dumps({"sender": "s", "message": "hi"}).encode()
    headers = sign("new", SECRET, raw, timestamp=1_700_000_000)
    response = requests.post(webhook.url, data=raw, headers=headers, timeout=10)
    assert (response.status_code, response.json()["error"]["code"]) == (401, "stale_timestamp")
    assert webhook.collector.messages == []


def test_replayed_request_is_refused(webhook):
    raw = json.dumps({"sender": "s", "message": "hi"}).encode()
    headers = sign("new", SECRET, raw)
    first = requests.post(webhook.url, data=raw, headers=headers, timeout=10)
    second = requests.post(webhook.url, data=raw, headers=headers, timeout=10)
    assert first.status_code == 200
    assert second.status_code == 401
    assert second.json() == {"error": {"code": "replayed", "message": "this nonce was already used"}}
    assert len(webhook.collector.messages) == 1


def test_replay_protection_with_redis(serve, configure):
    configure(REDIS_URL="redis://127.0.0.1:6379/0")
    url = serve(SignedWebhookInput()).webhook("signed")
    raw = json.dumps({"sender": "s", "message": "hi"}).encode()
    headers = sign("new", SECRET, raw, nonce=uuid.uuid4().hex)
    assert requests.post(url, data=raw, headers=headers, timeout=10).status_code == 200
    replay = requests.post(url, data=raw, headers=headers, timeout=10)
    assert (replay.status_code, replay.json()["error"]["code"]) == (401, "replayed")


def test_redis_down_answers_503(serve, configure):
    configure(REDIS_URL=f"redis://127.0.0.1:{free_port()}/0")
    served = serve(SignedWebhookInput())
    response = post(served.webhook("signed"), {"sender": "s", "message": "hi"})
    assert (response.status_code, response.json()["error"]["code"]) == (503, "nonce_store_unavailable")
    assert served.collector.messages == []


@pytest.mark.parametrize(
    ("body", "status", "code", "field"),
    [
        (b"{not json", 400, "invalid_json", None),
        (b"\xff\xfe", 400, "invalid_json", None),
        (b"[1, 2]", 400, "invalid_body", None),
        ({"sender": "s"}, 400, "invalid_field", "message"),
        ({"sender": "s", "message": ""}, 400, "invalid_field", "message"),
        ({"message": "hi"}, 400, "invalid_field", "sender"),
        ({"sender": 5, "message": "hi"}, 400, "invalid_field", "sender"),
        ({"sender": "s", "message": "hi", "metadata": [1]}, 400, "invalid_field", "metadata"),
        ({"sender": "s", "message": "hi", "colour": "red"}, 400, "unknown_field", "colour"),
        ({"sender": "s", "message": "hi", "callback_url": "ftp://x.org/"}, 400, "invalid_field", "callback_url"),
        ({"sender": "s", "message": "hi", "callback_url": "http://10.0.0.1/"}, 400, "callback_not_allowed",
         "callback_url"),
        ({"sender": "s", "message": "x" * 1001}, 413, "message_too_long", "message"),
    ],
)
def test_invalid_bodies_name_the_field(webhook, body, status, code, field):
    response = post(webhook.url, body)
    error = response.json()["error"]
    assert (response.status_code, error["code"], error.get("field")) == (status, code, field)
    assert webhook.collector.messages == []


def test_oversize_body_is_413(webhook):
    response = post(webhook.url, json.dumps({"sender": "s", "message": "x" * 20_000}).encode())
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "body_too_large"
    assert webhook.collector.messages == []


def test_without_keys_the_webhook_answers_503(serve, configure):
    configure(WEBHOOK_KEYS="")
    url = serve(SignedWebhookInput()).webhook("signed")
    response = post(url, {"sender": "s", "message": "hi"})
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "webhook_not_configured"


def test_callback_gets_the_signed_replies(webhook):
    with receiver([200]) as callback:
        response = post(webhook.url, {"sender": "crm-7", "message": "hello", "callback_url": callback.url})
        assert response.status_code == 202
        accepted = response.json()
        [received] = callback.wait(1)
    assert accepted["sender"] == "crm-7" and accepted["status"] == "accepted"
    assert verify(received.headers, received.body, {"new": SECRET}).key_id == "new"
    body = json.loads(received.body)
    assert body["sender"] == "crm-7" and body["in_reply_to"] == accepted["in_reply_to"]
    assert body["messages"] == [{"text": "echo: hello", "buttons": [{"title": "More", "payload": "/more"}]}]


def test_undeliverable_callback_is_recorded(webhook, tmp_path):
    with receiver([500]) as callback:
        response = post(webhook.url, {"sender": "crm-8", "message": "hello", "callback_url": callback.url},
                        key_id="old", secret=OLD_SECRET)
        assert response.status_code == 202
        callback.wait(2)
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'tracker.db'}", future=True)
    rows = []
    for _ in range(100):
        rows = list_undelivered(engine, 5)
        if rows:
            break
        time.sleep(0.05)
    engine.dispose()
    assert [(row["sender_id"], row["attempts"], row["last_error"]) for row in rows] == [
        ("crm-8", 2, "attempt 2: HTTP 500")]
    assert rows[0]["payload"]["messages"][0]["text"] == "echo: hello"


def stopping_webhook(serve, monkeypatch, answer_delay: float = 0.0, wait: float = 0.5):
    """A served channel (its object returned too) whose stand-in assistant waits before answering."""
    monkeypatch.setattr(webhook_module, "SHUTDOWN_WAIT_SECONDS", wait)
    channel = SignedWebhookInput()
    served = serve(channel)

    async def slow_echo(message):
        served.collector.messages.append(message)
        await asyncio.sleep(answer_delay)
        await message.output_channel.send_text_message(message.sender_id, f"echo: {message.text}")

    served.collector.handle_message = slow_echo
    return channel, served


def undelivered(tmp_path):
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'tracker.db'}", future=True)
    try:
        return [(row["sender_id"], row["attempts"], row["last_error"], row["payload"]["messages"])
                for row in list_undelivered(engine, 10)]
    finally:
        engine.dispose()


def test_stop_waits_for_a_delivery_in_progress(serve, configure, monkeypatch, tmp_path):
    configure(WEBHOOK_CALLBACK_BACKOFF_SECONDS="0.3", WEBHOOK_CALLBACK_ATTEMPTS="3")
    _, served = stopping_webhook(serve, monkeypatch, answer_delay=0.3, wait=10)
    with receiver([500, 200]) as callback:
        response = post(served.webhook("signed"), {"sender": "crm-9", "message": "hi", "callback_url": callback.url})
        assert response.status_code == 202
        served.stop()  # at once: the answer (0.3 s) and the retry (0.3 s later) are still to come
        assert len(callback.requests) == 2
    assert json.loads(callback.requests[1].body)["messages"] == [{"text": "echo: hi"}]
    assert undelivered(tmp_path) == []


def test_stop_records_an_answer_that_is_not_ready(serve, configure, monkeypatch, tmp_path):
    configure()
    _, served = stopping_webhook(serve, monkeypatch, answer_delay=60, wait=0.5)
    with receiver([200]) as callback:
        response = post(served.webhook("signed"), {"sender": "crm-10", "message": "hi", "callback_url": callback.url})
        assert response.status_code == 202
        served.collector.received(1)
        started = time.monotonic()
        served.stop()
        assert time.monotonic() - started < 5  # bounded: the 60 s answer is not awaited
    assert callback.requests == []
    assert undelivered(tmp_path) == [("crm-10", 0, "the server stopped before the reply was ready", [])]


def test_stop_ends_retries_records_the_reply_and_releases_redis_and_the_database(
    serve, configure, monkeypatch, tmp_path
):
    configure(WEBHOOK_CALLBACK_BACKOFF_SECONDS="30", WEBHOOK_CALLBACK_ATTEMPTS="3", REDIS_URL=REDIS)
    channel, served = stopping_webhook(serve, monkeypatch, wait=0.5)
    with receiver([503]) as callback:
        response = post(served.webhook("signed"), {"sender": "crm-11", "message": "hi", "callback_url": callback.url})
        assert response.status_code == 202
        callback.wait(1)
        assert len(channel.nonces()._clients) == 1  # the Redis client of the server's loop
        started = time.monotonic()
        served.stop()
        assert time.monotonic() - started < 5  # the 30 s backoff is cut short
    assert len(callback.requests) == 1
    assert undelivered(tmp_path) == [("crm-11", 1, "the server stopped before attempt 2", [{"text": "echo: hi"}])]
    assert channel.nonces()._clients == {}
    assert callbacks_module._engines == {}
