"""Which channels are active: decided from the environment, written with placeholders kept."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from rasa.shared.utils.io import read_config_file

from bot.channels.active import ChannelConfigError, decide, placeholders, write_active_credentials
from bot.run import StartupError, activate_channels
from bot.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
CREDENTIALS = ROOT / "credentials.yml"

TELEGRAM = {
    "TELEGRAM_ACCESS_TOKEN": "123456789:AAtest-token",
    "TELEGRAM_SECRET_TOKEN": "telegram-secret",
    "TELEGRAM_WEBHOOK_URL": "https://bot.example.org/webhooks/telegram/webhook",
}
EXPECTED_VARIABLES = {
    "bot.channels.telegram.VerifiedTelegramInput": [
        "TELEGRAM_ACCESS_TOKEN", "TELEGRAM_SECRET_TOKEN", "TELEGRAM_WEBHOOK_URL"],
    "bot.channels.facebook.VerifiedFacebookInput": [
        "FACEBOOK_VERIFY_TOKEN", "FACEBOOK_APP_SECRET", "FACEBOOK_PAGE_ACCESS_TOKEN"],
    "bot.channels.slack.VerifiedSlackInput": ["SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET"],
    "bot.channels.botframework.VerifiedBotFrameworkInput": ["BOTFRAMEWORK_APP_ID", "BOTFRAMEWORK_APP_PASSWORD"],
    "bot.channels.twilio.VerifiedTwilioInput": [
        "TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_NUMBER", "TWILIO_WEBHOOK_URL"],
}
SAMPLE = {
    "rest": {},
    "telegram": {"access_token": "${TELEGRAM_ACCESS_TOKEN}", "nested": ["x-${TELEGRAM_SECRET_TOKEN}-y"]},
    "slack": {"slack_token": "${SLACK_BOT_TOKEN}", "slack_signing_secret": "${SLACK_SIGNING_SECRET}"},
}


def test_placeholders_are_found_anywhere_in_an_entry_in_order():
    assert placeholders(SAMPLE["telegram"]) == ["TELEGRAM_ACCESS_TOKEN", "TELEGRAM_SECRET_TOKEN"]
    assert placeholders({"a": "${A}", "b": ["${B}", {"c": "${A} and ${C}"}], "d": 5}) == ["A", "B", "C"]
    assert placeholders({}) == []


def test_nothing_set_leaves_only_the_entries_without_placeholders():
    active, states = decide(SAMPLE, {})
    assert active == {"rest": {}}
    assert [(s.key, s.active, s.partial) for s in states] == [
        ("rest", True, False), ("telegram", False, False), ("slack", False, False)]


def test_every_variable_set_activates_the_channel():
    active, _ = decide(SAMPLE, {"TELEGRAM_ACCESS_TOKEN": "t", "TELEGRAM_SECRET_TOKEN": "s"})
    assert active == {"rest": {}, "telegram": SAMPLE["telegram"]}


def test_empty_values_count_as_unset():
    active, _ = decide(SAMPLE, {"SLACK_BOT_TOKEN": "", "SLACK_SIGNING_SECRET": ""})
    assert list(active) == ["rest"]


def test_partly_configured_channels_are_named_with_their_missing_variables():
    env = {"TELEGRAM_ACCESS_TOKEN": "t", "SLACK_SIGNING_SECRET": "s"}
    with pytest.raises(ChannelConfigError) as error:
        decide(SAMPLE, env)
    assert str(error.value) == (
        "channel telegram is partly configured: set TELEGRAM_SECRET_TOKEN (or unset TELEGRAM_ACCESS_TOKEN); "
        "channel slack is partly configured: set SLACK_BOT_TOKEN (or unset SLACK_SIGNING_SECRET)"
    )


def test_the_real_credentials_file_lists_every_channel_and_its_variables():
    data = yaml.safe_load(CREDENTIALS.read_text())
    for key, variables in EXPECTED_VARIABLES.items():
        assert placeholders(data[key]) == variables
    active, _ = decide(data, {})
    assert list(active) == [key for key, value in data.items() if not placeholders(value)]
    assert "bot.channels.rest.GuardedRestInput" in active
    assert "bot.channels.socketio.GuardedSocketIOInput" in active


def test_the_written_file_keeps_placeholders_and_rasa_expands_them(tmp_path, monkeypatch):
    target = tmp_path / "var" / "credentials.active.yml"
    labels = write_active_credentials(CREDENTIALS, target, TELEGRAM)
    assert labels[-1] == "telegram" and "rest" in labels and "socketio" in labels
    assert not {"slack", "facebook", "twilio", "botframework"} & set(labels)
    text = target.read_text()
    for name, value in TELEGRAM.items():
        assert "${" + name + "}" in text
        assert value not in text  # no secret on disk
    for name, value in TELEGRAM.items():
        monkeypatch.setenv(name, value)
    expanded = read_config_file(str(target))
    assert expanded["bot.channels.telegram.VerifiedTelegramInput"] == {
        "access_token": "123456789:AAtest-token",
        "secret_token": "telegram-secret",
        "webhook_url": "https://bot.example.org/webhooks/telegram/webhook",
    }


def test_the_runner_writes_the_file_and_logs_the_active_channels(tmp_path, capsys):
    settings = Settings(project_dir=ROOT, var_dir=tmp_path)
    path = activate_channels(settings, dict(TELEGRAM))
    assert path == tmp_path / "credentials.active.yml"
    line = capsys.readouterr().out.strip()
    assert line.startswith("run     | channels: rest, socketio")
    assert line.endswith(", telegram")


def test_the_runner_stops_on_a_partly_configured_channel(tmp_path):
    settings = Settings(project_dir=ROOT, var_dir=tmp_path)
    with pytest.raises(StartupError) as error:
        activate_channels(settings, {"TWILIO_AUTH_TOKEN": "x", "TWILIO_NUMBER": "+4512345678"})
    assert str(error.value) == (
        "channel twilio is partly configured: set TWILIO_ACCOUNT_SID, TWILIO_WEBHOOK_URL "
        "(or unset TWILIO_AUTH_TOKEN, TWILIO_NUMBER)"
    )
    assert not (tmp_path / "credentials.active.yml").exists()
