"""With EVENT_BROKER_URL set, conversation events reach a real RabbitMQ queue.

The module starts its own assistant publishing to a fresh exchange with two queues (one read by
the test, one by the documented example consumer), talks to it over REST and the widget API, and
deletes the queues and the exchange afterwards. RabbitMQ must run at 127.0.0.1:5672 (guest/guest;
TEST_RABBITMQ_URL to change); the tests fail with a clear message otherwise.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
import uuid
from typing import Any, Dict, List

import pytest
import requests

from tests.e2e.conftest import ROOT, start_stack, stop_stack
from tests.rabbitmq import RABBITMQ_URL, connection, delete, read_queue, unique_name

pytestmark = pytest.mark.e2e

QUESTION = "How can I contact International House North Denmark?"


@pytest.fixture(scope="module")
def names():
    connection().close()  # fails with a clear message when RabbitMQ is not running
    base = unique_name("e2e_events")
    names = {"exchange": base, "test": f"{base}_test", "example": f"{base}_example"}
    yield names
    for queue in (names["test"], names["example"]):
        delete(queue, names["exchange"])


@pytest.fixture(scope="module")
def events_stack(tmp_path_factory, names):
    env = {"EVENT_BROKER_URL": RABBITMQ_URL, "EVENT_BROKER_QUEUE": f"{names['test']},{names['example']}",
           "EVENT_BROKER_EXCHANGE": names["exchange"]}
    stack = start_stack(tmp_path_factory.mktemp("var_events"), env)
    yield stack
    assert stop_stack(stack) == 0, "\n".join(stack.lines[-20:])


@pytest.fixture(scope="module")
def conversation(events_stack) -> Dict[str, Any]:
    """A greeting, a contact question and a thumbs up, in one conversation with a widget secret."""
    sender, secret = uuid.uuid4().hex, uuid.uuid4().hex
    metadata = {"session_secret": secret, "language": "en"}
    events_stack.ask("hello", sender, metadata=metadata)
    reply = events_stack.ask(QUESTION, sender, metadata=metadata)
    assert reply and "ihnd.dk" in json.dumps(reply), reply
    feedback = requests.post(f"{events_stack.web}/api/feedback", json={"session_id": sender, "rating": "up"},
                             headers={"X-Session-Secret": secret}, timeout=10)
    assert feedback.status_code == 201, feedback.text
    return {"sender": sender, "secret": secret, "answer": [m["text"] for m in reply], "rated_at": time.time()}


def of_type(events: List[Dict[str, Any]], kind: str) -> List[Dict[str, Any]]:
    return [event for event in events if event.get("event") == kind]


def test_messages_handoff_and_feedback_arrive_in_the_queue(conversation, names):
    sender = conversation["sender"]
    received = read_queue(
        names["test"], lambda got: any(e.get("event") == "feedback" and e["sender_id"] == sender for e in got), 30
    )
    events = [event for event in received if event.get("sender_id") == sender]
    assert [event["text"] for event in of_type(events, "user")] == ["hello", QUESTION]
    bot_texts = [event["text"] for event in of_type(events, "bot")]
    assert bot_texts[-len(conversation["answer"]):] == conversation["answer"]
    assert len(bot_texts) > len(conversation["answer"])  # the greeting came first

    actions = [event.get("name") for event in events]
    contact = next(event for event in events if event.get("name") == "action_answer_contact")
    assert of_type(events, "handoff_requested") == [{
        "event": "handoff_requested", "sender_id": sender, "timestamp": contact["timestamp"],
        "reason": "contact_requested", "action": "action_answer_contact",
    }]
    assert events.index(of_type(events, "handoff_requested")[0]) == events.index(contact) + 1
    assert "utter_greet" in actions and actions.index("utter_greet") < actions.index("action_answer_contact")

    feedback = of_type(events, "feedback")
    assert [{k: v for k, v in event.items() if k != "timestamp"} for event in feedback] == [
        {"event": "feedback", "sender_id": sender, "rating": "up"}]
    assert abs(feedback[0]["timestamp"] - conversation["rated_at"]) < 30
    assert events[-1] == feedback[0]
    # The widget's secret never leaves the channel: only its hash is stored and streamed.
    assert conversation["secret"] not in json.dumps(received)


def test_the_example_consumer_prints_the_events(conversation, names):
    result = subprocess.run(
        [sys.executable, "docs/examples/event_consumer.py", "--url", RABBITMQ_URL, "--queue", names["example"],
         "--exchange", names["exchange"], "--idle-seconds", "3"],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert f"listening on queue '{names['example']}'" in result.stderr
    sender = conversation["sender"]
    lines = [line for line in result.stdout.splitlines() if line.split("\t")[1:2] == [sender]]
    assert f"user\t{sender}\t\"hello\"" in lines
    assert f"user\t{sender}\t{json.dumps(QUESTION)}" in lines
    assert f"bot\t{sender}\t{json.dumps(conversation['answer'][0], ensure_ascii=False)}" in lines
    assert f"action\t{sender}\taction_answer_contact" in lines
    assert lines.index(f"handoff_requested\t{sender}\treason=contact_requested") == lines.index(
        f"action\t{sender}\taction_answer_contact") + 1
    assert lines[-1] == f"feedback\t{sender}\trating=up"


def test_a_broker_that_refuses_the_password_stops_the_start_up_without_showing_it(tmp_path):
    secret = "wrong-" + uuid.uuid4().hex[:8]
    env = {"EVENT_BROKER_URL": f"amqp://guest:{secret}@127.0.0.1:5672/", "EVENT_BROKER_CONNECT_TIMEOUT": "2",
           "EVENT_BROKER_QUEUE": unique_name("e2e_refused")}
    with pytest.raises(pytest.fail.Exception) as failed:
        stack = start_stack(tmp_path, env)
        stop_stack(stack)
    message = str(failed.value)
    assert "the assistant exited during start-up (code 1)" in message
    # The runner's own check stops the start in one line, before any server starts.
    assert ("run     | error: event broker: cannot connect to amqp://guest:***@127.0.0.1:5672/ within 2s: "
            "ProbableAuthenticationError: ACCESS_REFUSED") in message
    assert secret not in message
