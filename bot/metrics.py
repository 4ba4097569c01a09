"""Prometheus metrics of the Rasa server and the web app, served on ``GET /metrics``.

Names and labels (docs/deploy.md, "Metrics, readiness, logs"); no label ever holds a
conversation id, a message or a personal value:

* ``assistant_messages_total{channel}``: user messages received by a channel;
* ``assistant_response_seconds{channel}``: time from a message's arrival to its last reply;
* ``assistant_turns_total{language, outcome}``: turns by the conversation's language and what the
  reply did (``answer``, ``clarify``, ``menu``, ``search``, ``nothing``, ``chat`` for replies
  without an outcome such as greetings, ``none`` when nothing was sent);
* ``assistant_fallbacks_total{language}``: turns the assistant could not answer from the content
  (``search`` or ``nothing``, or Rasa's fallback action);
* ``assistant_action_errors_total{action}``: calls to the action server that failed;
* ``assistant_unavailable_replies_total{channel}``: apologies sent because the action server was
  unreachable;
* ``web_requests_total{route, status}`` and ``web_request_seconds{route}``: the web app's
  requests, by route pattern (never the concrete path, which may hold a session id).

With several Sanic workers each process counts on its own; when ``PROMETHEUS_MULTIPROC_DIR`` is
set (``bot.run`` sets it for the Rasa server and the web app, one folder each, emptied at every
start) ``/metrics`` adds up all processes (prometheus-client's multiprocess mode).
"""

from __future__ import annotations

import os
from typing import Any, Iterable, Tuple

from prometheus_client import (
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4

#: The classic text format every Prometheus 2.x scraper reads (generate_latest writes it).
CONTENT_TYPE = CONTENT_TYPE_PLAIN_0_0_4

#: Latency buckets (seconds): a turn takes tens of milliseconds alone, seconds under load.
BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
#: Outcomes that mean "not answered from the content" (actions/base.py).
FALLBACK_OUTCOMES = frozenset({"search", "nothing"})
#: Rasa's own fallback action.
FALLBACK_ACTIONS = frozenset({"action_default_fallback"})

MESSAGES = Counter("assistant_messages_total", "User messages received, by channel", ["channel"])
RESPONSE_SECONDS = Histogram(
    "assistant_response_seconds", "Time from a message's arrival to its last reply, by channel", ["channel"],
    buckets=BUCKETS,
)
TURNS = Counter("assistant_turns_total", "Turns by conversation language and reply outcome", ["language", "outcome"])
FALLBACKS = Counter("assistant_fallbacks_total", "Turns not answered from the content, by language", ["language"])
ACTION_ERRORS = Counter("assistant_action_errors_total", "Failed calls to the action server, by action", ["action"])
UNAVAILABLE = Counter(
    "assistant_unavailable_replies_total", "Apologies sent while the action server was unreachable", ["channel"]
)
WEB_REQUESTS = Counter("web_requests_total", "Web app requests, by route pattern and status", ["route", "status"])
WEB_SECONDS = Histogram("web_request_seconds", "Web app request time, by route pattern", ["route"], buckets=BUCKETS)


def exposition() -> Tuple[bytes, str]:
    """The metrics in Prometheus' text format, and its content type."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return generate_latest(registry), CONTENT_TYPE
    return generate_latest(REGISTRY), CONTENT_TYPE


def turn_outcome(events: Iterable[Any]) -> Tuple[str, bool]:
    """The outcome of the latest turn, and whether it was a fallback.

    Args:
        events: A conversation's events (Rasa event objects), oldest first.

    Returns:
        ``(outcome, fallback)`` for the events after the latest user message.
    """
    turn: list = []
    for event in events:
        if getattr(event, "type_name", None) == "user":
            turn = []
        else:
            turn.append(event)
    outcome = "none"
    fallback = False
    for event in turn:
        kind = getattr(event, "type_name", None)
        if kind == "bot":
            found = (getattr(event, "metadata", None) or {}).get("outcome")
            if isinstance(found, str) and outcome in ("none", "chat"):
                outcome = found
            elif outcome == "none":
                outcome = "chat"
        elif kind == "action" and getattr(event, "action_name", None) in FALLBACK_ACTIONS:
            fallback = True
    return outcome, fallback or outcome in FALLBACK_OUTCOMES


def observe_turn(tracker: Any) -> None:
    """Count a finished turn by its language and outcome (called when Rasa saves the tracker)."""
    if not any(getattr(event, "type_name", None) == "user" for event in tracker.events):
        return
    language = str(tracker.get_slot("language") or "unknown")
    outcome, fallback = turn_outcome(tracker.events)
    TURNS.labels(language=language, outcome=outcome).inc()
    if fallback:
        FALLBACKS.labels(language=language).inc()
