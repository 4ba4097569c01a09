"""Prometheus metrics of the Rasa server and the web app, served on ``GET /metrics``.

Names, labels and example queries: docs/observability.md. No label ever holds a conversation id,
a message or a personal value, and every label takes its values from a closed set:

* ``assistant_messages_total{channel}``: user messages received by a channel;
* ``assistant_response_seconds{channel}``: time from a message's arrival to its last reply;
* ``assistant_turns_total{channel, language, outcome}``: turns (messages the assistant
  processed) by channel, the conversation's language and what the reply did (``answer``,
  ``clarify``, ``menu``, ``search``, ``nothing``, ``out_of_scope``, ``chat`` for replies without
  an outcome such as greetings, ``none`` when nothing was sent);
* ``assistant_fallbacks_total{channel, language, reason}``: turns the assistant could not answer
  from the content (``search``, ``nothing``, ``out_of_scope``, or ``default``: Rasa's fallback
  action);
* ``assistant_action_errors_total{action}``: calls to the action server that failed;
* ``assistant_unavailable_replies_total{channel}``: apologies sent because the action server was
  unreachable;
* ``assistant_event_stream_sent_total{broker}``: events the broker (``rabbitmq``, ``kafka``) confirmed;
* ``assistant_event_stream_waiting{broker}``: events kept in the outbox, not confirmed yet;
* ``assistant_event_stream_dropped_total{broker, reason}``: events lost, ``buffer_full`` (the
  broker was away longer than ``EVENT_BROKER_BUFFER_MB`` lasts) or ``shutdown`` (still waiting
  at exit);
* ``assistant_event_stream_connected{broker}``: processes connected to the broker now;
* ``assistant_event_stream_disconnects_total{broker}``: connections to the broker that broke;
* ``assistant_store_errors_total{store, operation}``: database operations that failed even after
  the retries (``store`` is ``tracker`` or ``web``), each a turn or request that failed visibly;
* ``assistant_store_retries_total{store}``: database operations retried on a fresh connection;
* ``web_requests_total{route, status}`` and ``web_request_seconds{route}``: the web app's
  requests, by route pattern (never the concrete path, which may hold a session id).

With several Sanic workers each process counts on its own; when ``PROMETHEUS_MULTIPROC_DIR`` is
set (``bot.run`` and ``deploy/start_rasa.py`` set it, one folder per server, emptied at every
start) ``/metrics`` adds up all processes (prometheus-client's multiprocess mode).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Iterable, Optional, Tuple

from prometheus_client import (
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
    generate_latest,
    multiprocess,
)
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4

# No ``*_created`` series: Prometheus does not need them, and they would double what it stores.
disable_created_metrics()

#: The classic text format every Prometheus 2.x scraper reads (generate_latest writes it).
CONTENT_TYPE = CONTENT_TYPE_PLAIN_0_0_4

#: Latency buckets (seconds): a turn takes tens of milliseconds alone, seconds under load.
BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
#: Reply outcomes (``metadata.outcome`` of our actions' messages, actions/base.py), plus ours.
OUTCOMES = frozenset({"answer", "clarify", "menu", "search", "nothing", "out_of_scope", "chat", "none"})
#: Outcomes that mean "not answered from the content".
FALLBACK_OUTCOMES = frozenset({"search", "nothing", "out_of_scope"})
#: Rasa's own fallback action (reason ``default``).
FALLBACK_ACTIONS = frozenset({"action_default_fallback"})
#: The response of the ``out_of_scope`` rule (data/rules/chitchat.yml).
OUT_OF_SCOPE_ACTIONS = frozenset({"utter_out_of_scope"})

MESSAGES = Counter("assistant_messages_total", "User messages received, by channel", ["channel"])
RESPONSE_SECONDS = Histogram(
    "assistant_response_seconds", "Time from a message's arrival to its last reply, by channel", ["channel"],
    buckets=BUCKETS,
)
TURNS = Counter(
    "assistant_turns_total", "Turns by channel, conversation language and reply outcome",
    ["channel", "language", "outcome"],
)
FALLBACKS = Counter(
    "assistant_fallbacks_total", "Turns not answered from the content, by channel, language and reason",
    ["channel", "language", "reason"],
)
ACTION_ERRORS = Counter("assistant_action_errors_total", "Failed calls to the action server, by action", ["action"])
UNAVAILABLE = Counter(
    "assistant_unavailable_replies_total", "Apologies sent while the action server was unreachable", ["channel"]
)
# Every event-stream metric carries ``broker`` (rabbitmq or kafka): a metric without labels
# would be created, at 0, in every process that imports this module.
STREAM_SENT = Counter("assistant_event_stream_sent_total", "Events the event broker confirmed", ["broker"])
STREAM_WAITING = Gauge(
    "assistant_event_stream_waiting", "Events waiting in the outbox for the event broker", ["broker"],
    multiprocess_mode="livesum",
)
STREAM_DROPPED = Counter(
    "assistant_event_stream_dropped_total", "Events lost before the event broker took them, by reason",
    ["broker", "reason"],
)
STREAM_CONNECTED = Gauge(
    "assistant_event_stream_connected", "Processes connected to the event broker", ["broker"],
    multiprocess_mode="livesum",
)
STREAM_DISCONNECTS = Counter(
    "assistant_event_stream_disconnects_total", "Connections to the event broker that broke", ["broker"]
)
STORE_ERRORS = Counter(
    "assistant_store_errors_total", "Database operations that failed after their retries", ["store", "operation"]
)
STORE_RETRIES = Counter(
    "assistant_store_retries_total", "Database operations retried on a fresh connection", ["store"]
)
REFUSED = Counter(
    "assistant_refused_messages_total",
    "Messages refused before the assistant saw them: owner (not the conversation's owner), session "
    "(a socket.io message for a session its socket does not hold)",
    ["channel", "reason"],
)
WEB_REQUESTS = Counter("web_requests_total", "Web app requests, by route pattern and status", ["route", "status"])
WEB_SECONDS = Histogram("web_request_seconds", "Web app request time, by route pattern", ["route"], buckets=BUCKETS)


def prepare_multiprocess_dir() -> None:
    """Create ``PROMETHEUS_MULTIPROC_DIR`` when it is set but missing (call before serving).

    Emptying it is the job of whoever starts the server (``bot.run``, ``deploy/start_rasa.py``):
    the folder must be empty at start and belong to one server only.
    """
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)


def exposition() -> Tuple[bytes, str]:
    """The metrics in Prometheus' text format, and its content type."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return generate_latest(registry), CONTENT_TYPE
    return generate_latest(REGISTRY), CONTENT_TYPE


def turn_outcome(events: Iterable[Any]) -> Tuple[str, Optional[str]]:
    """The outcome of the latest turn, and why it was a fallback.

    Args:
        events: A conversation's events (Rasa event objects), oldest first.

    Returns:
        ``(outcome, reason)`` for the events after the latest user message; ``reason`` is ``None``
        when the turn was not a fallback.
    """
    turn: list = []
    for event in events:
        if getattr(event, "type_name", None) == "user":
            turn = []
        else:
            turn.append(event)
    outcome: Optional[str] = None
    replied = out_of_scope = default_fallback = False
    for event in turn:
        kind = getattr(event, "type_name", None)
        if kind == "bot":
            replied = True
            found = (getattr(event, "metadata", None) or {}).get("outcome")
            if outcome is None and isinstance(found, str):
                outcome = found if found in OUTCOMES else "other"
        elif kind == "action":
            name = getattr(event, "action_name", None)
            default_fallback = default_fallback or name in FALLBACK_ACTIONS
            out_of_scope = out_of_scope or name in OUT_OF_SCOPE_ACTIONS
    if outcome is None:
        outcome = "out_of_scope" if out_of_scope else "chat" if replied else "none"
    if outcome in FALLBACK_OUTCOMES:
        return outcome, outcome
    return outcome, "default" if default_fallback else None


def bounded(value: Any, allowed: Iterable[str], default: str) -> str:
    """``value`` when it is one of ``allowed``; else ``default`` (labels stay a closed set)."""
    text = str(value) if value else ""
    return text if text in allowed else default


def observe_turn(tracker: Any) -> None:
    """Count a finished turn by channel, language and outcome (called when Rasa saves the tracker)."""
    if not any(getattr(event, "type_name", None) == "user" for event in tracker.events):
        return
    from bot.settings import get_settings

    channel = str(tracker.get_latest_input_channel() or "unknown")  # a channel's name(), as in MESSAGES
    language = bounded(tracker.get_slot("language"), get_settings().languages, "other")
    outcome, reason = turn_outcome(tracker.events)
    TURNS.labels(channel=channel, language=language, outcome=outcome).inc()
    if reason is not None:
        FALLBACKS.labels(channel=channel, language=language, reason=reason).inc()
