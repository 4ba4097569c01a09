"""The metrics' turn outcome, the JSON log format and LOG_FORMAT's validation."""

from __future__ import annotations

import json
import logging

import pytest
from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered

from bot.log_format import JsonFormatter
from bot.metrics import turn_outcome
from bot.settings import Settings


def test_outcome_of_the_latest_turn_only():
    events = [
        UserUttered("hi"), BotUttered("Hello!"),
        UserUttered("tax card?"), ActionExecuted("action_answer_topic"),
        BotUttered("You get a tax card ...", metadata={"outcome": "answer", "entry": "tax_card"}),
    ]
    assert turn_outcome(events) == ("answer", False)
    assert turn_outcome(events[:2]) == ("chat", False)
    assert turn_outcome(events[:3]) == ("none", False)


@pytest.mark.parametrize("outcome", ["search", "nothing"])
def test_search_and_nothing_are_fallbacks(outcome):
    events = [UserUttered("pizza?"), BotUttered("...", metadata={"outcome": outcome})]
    assert turn_outcome(events) == (outcome, True)


def test_rasas_fallback_action_is_a_fallback():
    events = [UserUttered("asdf"), ActionExecuted("action_default_fallback"), BotUttered("Sorry?")]
    assert turn_outcome(events) == ("chat", True)


def test_json_formatter_writes_one_object_per_line():
    record = logging.LogRecord("bot.run", logging.WARNING, __file__, 1, "restarting %s\nnow", ("rasa",), None)
    line = JsonFormatter().format(record)
    assert "\n" not in line
    entry = json.loads(line)
    assert entry["level"] == "warning" and entry["logger"] == "bot.run" and entry["message"] == "restarting rasa\nnow"
    assert entry["time"].endswith("+00:00")


def test_exceptions_are_kept_in_the_object():
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        import sys

        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed", (), sys.exc_info())
    assert "RuntimeError: boom" in json.loads(JsonFormatter().format(record))["exception"]


def test_log_format_must_be_text_or_json():
    assert Settings.from_env({"LOG_FORMAT": "JSON"}).log_format == "json"
    assert Settings.from_env({}).log_format == "text"
    with pytest.raises(ValueError, match="LOG_FORMAT must be text or json, not 'xml'"):
        Settings.from_env({"LOG_FORMAT": "xml"})
