"""Telegram: only updates carrying the registered secret token reach the assistant."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any, Dict, List

import pytest
import requests

from bot.channels.telegram import (
    SECRET_HEADER,
    TelegramConfigError,
    VerifiedTelegramInput,
    register_webhook,
)

TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
SECRET = "s3cret_token-for-TESTS"
UPDATE = {
    "update_id": 845123001,
    "message": {
        "message_id": 1365,
        "from": {"id": 7012345678, "is_bot": False, "first_name": "Ana", "language_code": "en"},
        "chat": {"id": 7012345678, "first_name": "Ana", "type": "private"},
        "date": 1764280000,
        "text": "Where is International House North Denmark?",
    },
}
BUTTON = {
    "update_id": 845123002,
    "callback_query": {
        "id": "4382bfdwdsb323b2d9",
        "from": {"id": 7012345678, "is_bot": False, "first_name": "Ana"},
        "message": {
            "message_id": 1366, "date": 1764280001, "text": "Choose a topic",
            "chat": {"id": 7012345678, "type": "private"},
            "from": {"id": 987654321, "is_bot": True, "first_name": "Aalborg bot"},
        },
        "chat_instance": "-1234567890",
        "data": "/ask_tax_card",
    },
}


@pytest.fixture
def telegram(serve):
    return serve(VerifiedTelegramInput.from_credentials(
        {"access_token": TOKEN, "secret_token": SECRET, "webhook_url": "https://bot.example.org/x"}))


def post(served, body: Any, headers: Dict[str, str]) -> requests.Response:
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    return requests.post(served.webhook("telegram"), data=data,
                         headers={"Content-Type": "application/json", **headers}, timeout=10)


def test_an_update_with_the_right_secret_reaches_the_assistant(telegram):
    response = post(telegram, UPDATE, {SECRET_HEADER: SECRET})
    assert (response.status_code, response.json()) == (200, {"status": "ok"})
    [message] = telegram.collector.messages
    assert (message.text, message.sender_id, message.input_channel) == (
        "Where is International House North Denmark?", "7012345678", "telegram")


def test_a_button_press_arrives_as_its_payload(telegram):
    assert post(telegram, BUTTON, {SECRET_HEADER: SECRET}).status_code == 200
    [message] = telegram.collector.messages
    assert (message.text, message.sender_id) == ("/ask_tax_card", "7012345678")


@pytest.mark.parametrize(("headers", "status", "code"), [
    ({}, 401, "missing_secret"),
    ({SECRET_HEADER: "wrong-secret"}, 403, "bad_secret"),
    ({SECRET_HEADER: SECRET + "x"}, 403, "bad_secret"),
    ({SECRET_HEADER: ""}, 403, "bad_secret"),
])
def test_an_update_without_the_right_secret_never_reaches_the_assistant(telegram, headers, status, code):
    response = post(telegram, UPDATE, headers)
    assert response.status_code == status
    assert response.json()["error"]["code"] == code
    assert telegram.collector.messages == []


@pytest.mark.parametrize(("body", "code"), [(b"{not json", "invalid_json"), (b"[1, 2]", "invalid_body")])
def test_a_malformed_body_with_the_right_secret_is_a_400(telegram, body, code):
    response = post(telegram, body, {SECRET_HEADER: SECRET})
    assert (response.status_code, response.json()["error"]["code"]) == (400, code)
    assert telegram.collector.messages == []


def test_an_update_without_text_is_acknowledged_and_ignored(telegram):
    sticker = {"update_id": 1, "message": {**UPDATE["message"], "text": None, "sticker": {"file_id": "x"}}}
    response = post(telegram, sticker, {SECRET_HEADER: SECRET})
    assert (response.status_code, response.json()) == (200, {"status": "ignored"})
    assert telegram.collector.messages == []


def test_a_too_long_message_is_refused_by_the_guard(telegram):
    long = {"update_id": 2, "message": {**UPDATE["message"], "text": "x" * 1001}}
    assert post(telegram, long, {SECRET_HEADER: SECRET}).status_code == 200  # else Telegram resends it
    assert telegram.collector.messages == []


def test_rasas_unauthenticated_set_webhook_route_is_gone(telegram):
    assert requests.post(f"{telegram.url}/webhooks/telegram/set_webhook", timeout=10).status_code == 404


@pytest.mark.parametrize(("credentials", "variable"), [
    ({"access_token": "not-a-token", "secret_token": SECRET}, "TELEGRAM_ACCESS_TOKEN"),
    ({"access_token": TOKEN, "secret_token": "has spaces"}, "TELEGRAM_SECRET_TOKEN"),
    ({"access_token": TOKEN, "secret_token": "x" * 257}, "TELEGRAM_SECRET_TOKEN"),
])
def test_unusable_credentials_are_named(credentials, variable):
    with pytest.raises(TelegramConfigError) as error:
        VerifiedTelegramInput.from_credentials(credentials)
    assert str(error.value).startswith(variable)


def test_register_webhook_sends_the_secret_token():
    received: List[Dict[str, Any]] = []

    class FakeBotApi(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers["Content-Length"])
            received.append({"path": self.path, "body": json.loads(self.rfile.read(length))})
            answer = json.dumps({"ok": True, "result": True, "description": "Webhook was set"}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args: Any) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), FakeBotApi)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        answer = register_webhook(TOKEN, "https://bot.example.org/webhooks/telegram/webhook", SECRET,
                                  api_base=f"http://127.0.0.1:{server.server_port}")
    finally:
        server.shutdown()
    assert answer == {"ok": True, "result": True, "description": "Webhook was set"}
    assert received == [{
        "path": f"/bot{TOKEN}/setWebhook",
        "body": {"url": "https://bot.example.org/webhooks/telegram/webhook", "secret_token": SECRET,
                 "allowed_updates": ["message", "edited_message", "callback_query"]},
    }]


def test_the_start_command_is_a_greeting(telegram):
    start = {"update_id": 3, "message": {**UPDATE["message"], "text": "/start"}}
    assert post(telegram, start, {SECRET_HEADER: SECRET}).status_code == 200
    assert [m.text for m in telegram.collector.messages] == ["/greet"]


@pytest.mark.parametrize("answer", ["refused", "not_json"])
def test_register_errors_never_print_the_bot_token(monkeypatch, capsys, answer):
    import bot.channels.telegram as telegram_module
    from tests.e2e.conftest import free_port

    server = None
    if answer == "refused":
        base = f"http://127.0.0.1:{free_port()}"  # nobody listens: requests' error names the full URL
    else:
        class NotJson(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers["Content-Length"]))
                self.send_response(502)
                self.send_header("Content-Length", "11")
                self.end_headers()
                self.wfile.write(b"<html>502</")

            def log_message(self, *args: Any) -> None:
                pass

        server = HTTPServer(("127.0.0.1", 0), NotJson)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{server.server_port}"
    monkeypatch.setattr(telegram_module, "API_BASE", base)
    monkeypatch.setenv("TELEGRAM_ACCESS_TOKEN", TOKEN)
    monkeypatch.setenv("TELEGRAM_WEBHOOK_URL", "https://bot.example.org/webhooks/telegram/webhook")
    monkeypatch.setenv("TELEGRAM_SECRET_TOKEN", SECRET)
    try:
        code = telegram_module.main(["register"])
    finally:
        if server is not None:
            server.shutdown()
    captured = capsys.readouterr()
    error_type = "ConnectionError" if answer == "refused" else "JSONDecodeError"
    assert (code, captured.out) == (1, "")
    assert captured.err == f"error: setWebhook on {base[len('http://'):]} failed: {error_type}\n"
    assert TOKEN not in captured.err and TOKEN.split(":")[1] not in captured.err
