"""The metrics (bot/metrics.py), the JSON log format (bot/log_format.py) and LOG_FORMAT's validation."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families
from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUttered
from rasa.shared.core.slots import TextSlot
from rasa.shared.core.trackers import DialogueStateTracker

from bot import metrics
from bot.log_format import JsonFormatter
from bot.metrics import turn_outcome
from bot.settings import Settings

ROOT = Path(__file__).resolve().parents[1]


def run_python(code: str, env: dict, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], cwd=ROOT, env={**os.environ, **env}, capture_output=True,
        text=True, timeout=timeout,
    )


# ---------------------------------------------------------------- the turn's outcome


def test_outcome_of_the_latest_turn_only():
    events = [
        UserUttered("hi"), BotUttered("Hello!"),
        UserUttered("tax card?"), ActionExecuted("action_answer_topic"),
        BotUttered("You get a tax card ...", metadata={"outcome": "answer", "entry": "tax_card"}),
    ]
    assert turn_outcome(events) == ("answer", None)
    assert turn_outcome(events[:2]) == ("chat", None)
    assert turn_outcome(events[:3]) == ("none", None)


@pytest.mark.parametrize("outcome", ["search", "nothing"])
def test_search_and_nothing_are_fallbacks(outcome):
    events = [UserUttered("pizza?"), BotUttered("...", metadata={"outcome": outcome}), BotUttered("Call IHND")]
    assert turn_outcome(events) == (outcome, outcome)


def test_out_of_scope_is_a_fallback():
    events = [UserUttered("weather?"), ActionExecuted("utter_out_of_scope"), BotUttered("Sorry, I can't help")]
    assert turn_outcome(events) == ("out_of_scope", "out_of_scope")


def test_rasas_fallback_action_is_a_fallback():
    events = [UserUttered("asdf"), ActionExecuted("action_default_fallback"), BotUttered("Sorry?")]
    assert turn_outcome(events) == ("chat", "default")


def test_an_unknown_outcome_does_not_become_a_label_value():
    events = [UserUttered("hi"), BotUttered("...", metadata={"outcome": "user text 123"})]
    assert turn_outcome(events) == ("other", None)


# ---------------------------------------------------------------- counting a turn


def tracker(language: str, events: list) -> DialogueStateTracker:
    slots = [TextSlot("language", mappings=[{"type": "custom"}], initial_value="en")]
    return DialogueStateTracker.from_events("s1", [SlotSet("language", language), *events], slots=slots)


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_a_turn_is_counted_by_channel_language_and_outcome():
    turn = [UserUttered("pizza?", input_channel="socketio"), BotUttered("...", metadata={"outcome": "search"})]
    turns = dict(channel="socketio", language="da", outcome="search")
    fallbacks = dict(channel="socketio", language="da", reason="search")
    before = sample("assistant_turns_total", **turns), sample("assistant_fallbacks_total", **fallbacks)
    metrics.observe_turn(tracker("da", turn))
    after = sample("assistant_turns_total", **turns), sample("assistant_fallbacks_total", **fallbacks)
    assert (after[0] - before[0], after[1] - before[1]) == (1, 1)


def test_a_language_outside_the_settings_is_counted_as_other():
    labels = dict(channel="rest", language="other", outcome="chat")
    before = sample("assistant_turns_total", **labels)
    metrics.observe_turn(tracker("<script>", [UserUttered("hi", input_channel="rest"), BotUttered("Hello")]))
    assert sample("assistant_turns_total", **labels) - before == 1
    assert sample("assistant_turns_total", channel="rest", language="<script>", outcome="chat") == 0


def test_a_tracker_without_a_user_message_is_not_a_turn():
    before = sum(s.value for m in REGISTRY.collect() if m.name == "assistant_turns" for s in m.samples)
    metrics.observe_turn(tracker("en", [ActionExecuted("action_session_start")]))
    after = sum(s.value for m in REGISTRY.collect() if m.name == "assistant_turns" for s in m.samples)
    assert after == before


# ---------------------------------------------------------------- several processes


def test_multiprocess_mode_adds_up_every_process(tmp_path):
    """Two Sanic workers are two processes: ``/metrics`` in either must show both workers' counts."""
    env = {"PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    worker = """
        from bot import metrics
        metrics.MESSAGES.labels(channel="rest").inc()
        metrics.RESPONSE_SECONDS.labels(channel="rest").observe(0.2)
    """
    for _ in range(2):
        done = run_python(worker, env)
        assert done.returncode == 0, done.stderr
    done = run_python("from bot import metrics; print(metrics.exposition()[0].decode())", env)
    assert done.returncode == 0, done.stderr
    found = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(done.stdout) for s in family.samples
    }
    assert found[("assistant_messages_total", (("channel", "rest"),))] == 2
    assert found[("assistant_response_seconds_count", (("channel", "rest"),))] == 2
    assert found[("assistant_response_seconds_bucket", (("channel", "rest"), ("le", "0.25")))] == 2


def test_a_missing_multiprocess_folder_is_created(tmp_path, monkeypatch):
    folder = tmp_path / "metrics" / "web"
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(folder))
    metrics.prepare_multiprocess_dir()
    assert folder.is_dir()


def test_exposition_is_prometheus_text_format():
    body, content_type = metrics.exposition()
    assert content_type.startswith("text/plain; version=0.0.4")
    names = {family.name for family in text_string_to_metric_families(body.decode())}
    assert {"assistant_messages", "assistant_response_seconds", "web_requests"} <= names
    assert b"_created" not in body  # one series per label set, not two


# ---------------------------------------------------------------- JSON logs


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
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed", (), sys.exc_info())
    assert "RuntimeError: boom" in json.loads(JsonFormatter().format(record))["exception"]


def test_a_structlog_event_is_merged_not_nested():
    rendered = json.dumps({"event": "rest.message.received", "level": "error", "sender_id": "x", "time": "no"})
    entry = json.loads(JsonFormatter().format(logging.LogRecord("rasa.core", 40, __file__, 1, rendered, (), None)))
    assert entry["message"] == "rest.message.received" and entry["sender_id"] == "x"
    assert entry["level"] == "error" and entry["logger"] == "rasa.core" and entry["time"] != "no"
    plain = '{"not": "structlog"}'
    entry = json.loads(JsonFormatter().format(logging.LogRecord("x", logging.INFO, __file__, 1, plain, (), None)))
    assert entry["message"] == plain


def test_configure_logging_makes_every_line_json_and_writes_each_record_once():
    code = """
        import logging, sys, warnings
        own = logging.getLogger("sanic.root")  # as Sanic configures it: its own handler, propagating
        own.addHandler(logging.StreamHandler(sys.stdout))
        own.setLevel(logging.INFO)
        logging.getLogger("urllib3").addHandler(logging.NullHandler())
        from bot.log_format import configure_logging
        configure_logging("json")
        own.info("Starting worker")
        logging.getLogger("urllib3.connectionpool").warning("retrying")
        logging.getLogger("bot.web.app").info("retention: deleted 0")
        warnings.warn("old API", DeprecationWarning)
        raise RuntimeError("boom")
    """
    done = run_python(code, {"LOG_FORMAT": "json", "PYTHONWARNINGS": "always"})
    assert done.returncode == 1
    lines = [line for line in (done.stdout + done.stderr).splitlines() if line.strip()]
    entries = [json.loads(line) for line in lines]  # fails on any line that is not JSON
    messages = [entry["message"] for entry in entries]
    assert messages.count("Starting worker") == 1
    assert "retrying" in messages and "retention: deleted 0" in messages
    assert any(e["logger"] == "py.warnings" and "old API" in e["message"] for e in entries)
    crash = next(e for e in entries if e["logger"] == "uncaught")
    assert crash["level"] == "critical" and "RuntimeError: boom" in crash["exception"]


def test_text_format_changes_nothing():
    done = run_python(
        "import logging; from bot.log_format import configure_logging; configure_logging('text');"
        " logging.basicConfig(format='%(levelname)s %(message)s'); logging.getLogger('x').warning('plain')",
        {},
    )
    assert done.stderr.strip() == "WARNING plain"


def test_log_format_must_be_text_or_json():
    assert Settings.from_env({"LOG_FORMAT": "JSON"}).log_format == "json"
    assert Settings.from_env({}).log_format == "text"
    with pytest.raises(ValueError, match="LOG_FORMAT must be text or json, not 'xml'"):
        Settings.from_env({"LOG_FORMAT": "xml"})


@pytest.mark.parametrize("module", ["bot.web", "bot.rasa_server"])
def test_an_invalid_log_format_stops_a_server_with_one_line(module):
    done = subprocess.run(
        [sys.executable, "-m", module, "run"], cwd=ROOT, env={**os.environ, "LOG_FORMAT": "xml"},
        capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr.strip() == "error: LOG_FORMAT must be text or json, not 'xml'"
