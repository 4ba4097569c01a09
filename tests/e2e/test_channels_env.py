"""Channels from the environment, end to end: the real runner decides, Rasa serves.

With no channel variables the server offers only the channels without placeholders (REST,
socket.io, the signed webhook); with Telegram's three variables set, ``/webhooks/telegram/webhook``
is served, verifies the secret token and passes verified updates to the assistant, all without
internet at start-up.
"""

from __future__ import annotations

import random
import time

import pytest
import requests
import yaml

from tests.e2e.conftest import start_stack, stop_stack

pytestmark = pytest.mark.e2e

TELEGRAM = {
    "TELEGRAM_ACCESS_TOKEN": "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw",
    "TELEGRAM_SECRET_TOKEN": "e2e-secret_token",
    "TELEGRAM_WEBHOOK_URL": "https://bot.example.org/webhooks/telegram/webhook",
}
OPTIONAL_CHANNELS = ("telegram", "facebook", "slack", "botframework", "twilio")


@pytest.fixture(scope="module")
def telegram_stack(tmp_path_factory):
    running = start_stack(tmp_path_factory.mktemp("var-telegram"), TELEGRAM)
    yield running
    code = stop_stack(running)
    assert code == 0, "\n".join(running.lines[-20:])


def channel_line(lines):
    return next(line for line in lines if "| channels: " in line).split("| channels: ")[1]


def test_without_channel_variables_only_the_built_in_channels_are_served(stack):
    active = channel_line(stack.lines).split(", ")
    assert active[:2] == ["rest", "socketio"]
    assert set(active) <= {"rest", "socketio", "webhook"}
    written = yaml.safe_load((stack.var_dir / "credentials.active.yml").read_text())
    assert not any(key.split(".")[-2] in OPTIONAL_CHANNELS for key in written)
    assert requests.get(f"{stack.rasa}/webhooks/rest/", timeout=10).json() == {"status": "ok"}
    for name in OPTIONAL_CHANNELS:
        assert requests.get(f"{stack.rasa}/webhooks/{name}/", timeout=10).status_code == 404, name


def test_telegram_variables_activate_the_telegram_channel(telegram_stack):
    assert channel_line(telegram_stack.lines).split(", ")[-1] == "telegram"
    text = (telegram_stack.var_dir / "credentials.active.yml").read_text()
    assert "access_token: ${TELEGRAM_ACCESS_TOKEN}" in text
    assert not any(value in text for value in TELEGRAM.values())  # no secret on disk
    assert requests.get(f"{telegram_stack.rasa}/webhooks/telegram/", timeout=10).json() == {"status": "ok"}
    for name in ("facebook", "slack", "botframework", "twilio"):
        assert requests.get(f"{telegram_stack.rasa}/webhooks/{name}/", timeout=10).status_code == 404, name


def update(chat_id: int, text: str) -> dict:
    return {
        "update_id": random.randint(1, 10**9),
        "message": {
            "message_id": 1, "date": int(time.time()), "text": text,
            "from": {"id": chat_id, "is_bot": False, "first_name": "Ana"},
            "chat": {"id": chat_id, "first_name": "Ana", "type": "private"},
        },
    }


def user_texts(stack, chat_id: int) -> list:
    response = requests.get(f"{stack.rasa}/conversations/{chat_id}/tracker",
                            params={"token": stack.token}, timeout=30)
    assert response.status_code == 200, response.text
    return [(e["text"], e["input_channel"]) for e in response.json()["events"] if e["event"] == "user"]


def test_telegram_updates_need_the_secret_token(telegram_stack):
    url = f"{telegram_stack.rasa}/webhooks/telegram/webhook"
    forged = random.randint(10**9, 2 * 10**9)
    missing = requests.post(url, json=update(forged, "Where is International House?"), timeout=30)
    assert (missing.status_code, missing.json()["error"]["code"]) == (401, "missing_secret")
    wrong = requests.post(url, json=update(forged, "Where is International House?"), timeout=30,
                          headers={"X-Telegram-Bot-Api-Secret-Token": "guess"})
    assert (wrong.status_code, wrong.json()["error"]["code"]) == (403, "bad_secret")
    assert user_texts(telegram_stack, forged) == []

    chat_id = random.randint(10**9, 2 * 10**9)
    accepted = requests.post(url, json=update(chat_id, "Where is International House?"), timeout=60,
                             headers={"X-Telegram-Bot-Api-Secret-Token": TELEGRAM["TELEGRAM_SECRET_TOKEN"]})
    # the reply cannot reach Telegram from here; the update is still acknowledged and was processed
    assert (accepted.status_code, accepted.json()) == (200, {"status": "ok"})
    assert user_texts(telegram_stack, chat_id) == [("Where is International House?", "telegram")]
    # the reply was attempted, and its failure logged without details
    deadline = time.monotonic() + 10
    while not any("telegram: a reply could not be delivered" in line for line in telegram_stack.lines):
        assert time.monotonic() < deadline, "\n".join(telegram_stack.lines[-20:])
        time.sleep(0.2)
    assert not any(TELEGRAM["TELEGRAM_ACCESS_TOKEN"] in line for line in telegram_stack.lines)
