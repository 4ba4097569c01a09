"""Live handoff over the real servers, without a browser: socket.io, REST and the console's HTTP API.

The assistant runs with ``HANDOFF_AVAILABILITY=always``; the idle timeout has its own assistant
with ``HANDOFF_IDLE_MINUTES=0.1``, so that a slow machine never times out the other tests'
handoffs. Staff act through the console's routes with a signed-in session and its CSRF token,
as the page script does.
"""

from __future__ import annotations

import json
import re
import time
import uuid
from typing import Any, Dict, Iterator, List

import pytest
import requests
import sqlalchemy as sa

from bot.channels.signing import verify
from bot.console import accounts
from bot.i18n import translate
from tests.channels.webhook_receiver import receiver
from tests.e2e.conftest import Stack, error_lines, reply_text, start_stack, stop_stack
from tests.e2e.test_signed_webhook import post
from tests.e2e.test_socketio import WidgetClient

pytestmark = pytest.mark.e2e

PASSWORD = "a long handoff api passphrase"
SECRET = uuid.uuid4().hex + uuid.uuid4().hex
CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Dict[str, Any]]:
    var = tmp_path_factory.mktemp("handoff-var")
    stack = start_stack(var, {
        "HANDOFF_AVAILABILITY": "always", "WEBHOOK_KEYS": f"e2e:{SECRET}",
        "WEBHOOK_CALLBACK_ALLOWED_HOSTS": "127.0.0.1", "WEBHOOK_CALLBACK_BACKOFF_SECONDS": "0.2",
    })
    engine = sa.create_engine(f"sqlite:///{var / 'tracker.db'}")
    try:
        name = f"ole{uuid.uuid4().hex[:4]}"
        accounts.add_user(engine, name, "reviewer", PASSWORD)
        session = requests.Session()
        page = session.get(f"{stack.web}/console/login", timeout=10)
        csrf = CSRF_FIELD.search(page.text).group(1)  # type: ignore[union-attr]
        done = session.post(f"{stack.web}/console/login", data={"csrf_token": csrf, "name": name,
                                                                 "password": PASSWORD}, allow_redirects=False)
        assert done.status_code in (302, 303), done.text
        queue = session.get(f"{stack.web}/console/handoffs", timeout=10)
        token = CSRF_FIELD.search(queue.text).group(1)  # type: ignore[union-attr]
        yield {"stack": stack, "engine": engine, "staff": session, "csrf": token, "name": name}
    finally:
        engine.dispose()
        assert stop_stack(stack) == 0, "\n".join(stack.lines[-20:])
        (var / "stack.log").write_text("\n".join(stack.lines))  # to read after the run
        assert error_lines(stack.lines) == [], "\n".join(stack.lines[-60:])


def staff_post(live: Dict[str, Any], path: str, **form: str) -> requests.Response:
    return live["staff"].post(f"{live['stack'].web}/console/handoffs/{path}", data=form, timeout=30,
                              headers={"X-CSRF-Token": live["csrf"], "Accept": "application/json"})


def request_id(live: Dict[str, Any], sender: str) -> int:
    with live["engine"].connect() as connection:
        return int(connection.execute(sa.text("SELECT max(id) FROM handoffs WHERE sender_id = :s"),
                                      {"s": sender}).scalar_one())


def wait_for_reply(client: WidgetClient, needle: str, seconds: float = 30.0) -> Dict[str, Any]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = [reply for reply in client.replies if needle in str(reply.get("text", ""))]
        if found:
            return found[-1]
        time.sleep(0.2)
    raise AssertionError(f"no reply with {needle!r}; got {[r.get('text') for r in client.replies]}")


def texts(client: WidgetClient) -> List[str]:
    return [str(reply.get("text", "")) for reply in client.replies]


def test_a_person_answers_while_the_assistant_is_silent_and_bye_ends_it(live: Dict[str, Any]) -> None:
    stack: Stack = live["stack"]
    client = WidgetClient(stack.rasa)
    try:
        session = client.start_session(uuid.uuid4().hex)
        client.say(session, "can I talk to a human please?")
        wait_for_reply(client, translate("handoff_waiting", "en", queue=translate("handoff_queue_next", "en")))
        handoff = request_id(live, session)
        assert staff_post(live, f"{handoff}/take", staff_language="da").json() == {"status": "active"}
        joined = wait_for_reply(client, translate("handoff_joined", "en", name=live["name"], staff_language="Danish"))
        assert joined["handoff"] is True

        before = len(client.replies)
        client.send(session, "What are the opening hours of International House?")
        time.sleep(3)
        assert texts(client)[before:] == []  # the assistant says nothing while a person has it

        assert staff_post(live, f"{handoff}/take", staff_language="en").status_code == 409  # already taken
        assert staff_post(live, f"{handoff}/reply", text="Hej! Monday 08:30-15:00.").status_code == 200
        said = wait_for_reply(client, "Hej! Monday 08:30-15:00.")
        assert said["from_person"] == {"label": translate("handoff_person_label", "en", name=live["name"])}

        client.say(session, "ok thanks, bye")
        wait_for_reply(client, translate("handoff_ended_user", "en"))
        with live["engine"].connect() as connection:
            status = connection.execute(sa.text("SELECT status, end_reason FROM handoffs WHERE id = :i"),
                                        {"i": handoff}).one()
        assert tuple(status) == ("ended", "user")
        count = len(client.replies)
        client.say(session, "Where is International House North Denmark?")
        assert any("Rantzausgade 4" in text for text in texts(client)[count:])
    finally:
        client.close()


def test_a_silent_handoff_ends_after_the_idle_time(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Its own assistant, with HANDOFF_IDLE_MINUTES=0.1: a silent handoff ends after 6 s."""
    var = tmp_path_factory.mktemp("idle-var")
    stack = start_stack(var, {"HANDOFF_AVAILABILITY": "always", "HANDOFF_IDLE_MINUTES": "0.1"})
    engine = sa.create_engine(f"sqlite:///{var / 'tracker.db'}")
    client = WidgetClient(stack.rasa)
    try:
        session = client.start_session(uuid.uuid4().hex)
        client.say(session, "I want to speak to a real person")
        handoff = request_id({"engine": engine}, session)
        from bot.handoff.store import HandoffStore

        HandoffStore(engine).take(handoff, "kim", "en")  # as the console's take does
        wait_for_reply(client, translate("handoff_joined", "en", name="kim", staff_language="English"))
        wait_for_reply(client, translate("handoff_ended_timeout", "en", minutes="0.1"), seconds=60)
        with engine.connect() as connection:
            ended = connection.execute(sa.text("SELECT status, end_reason FROM handoffs WHERE id = :i"),
                                       {"i": handoff}).one()
        assert tuple(ended) == ("ended", "timeout")
    finally:
        client.close()
        engine.dispose()
        assert stop_stack(stack) == 0, "\n".join(stack.lines[-20:])
        assert error_lines(stack.lines) == [], "\n".join(stack.lines[-60:])


def test_rest_cannot_receive_a_later_reply_so_it_is_offered_the_email_path(live: Dict[str, Any]) -> None:
    stack: Stack = live["stack"]
    sender = uuid.uuid4().hex
    offer = stack.ask("I want to talk to a human", sender=sender)
    assert translate("handoff_closed", "en") in reply_text(offer)
    assert [button["payload"] for button in offer[-1]["buttons"]] == ["/affirm", "/deny"]
    assert translate("handoff_ask_email", "en") in reply_text(stack.ask("/affirm", sender=sender))
    assert translate("handoff_email_missing", "en") in reply_text(stack.ask("my question is about tax", sender=sender))
    left = stack.ask("When do I get my tax card? Reply to kim.lee@example.org", sender=sender)
    assert reply_text(left) == translate("handoff_message_left", "en", email="kim.lee@example.org")
    with live["engine"].connect() as connection:
        stored = connection.execute(sa.text("SELECT data FROM events WHERE sender_id = :s"), {"s": sender}).scalars()
        assert not [row for row in stored if "kim.lee@example.org" in row]
        email = connection.execute(sa.text("SELECT email FROM handoff_contacts WHERE sender_id = :s"),
                                   {"s": sender}).scalar_one()
    assert email == "kim.lee@example.org"
    # Declining an offer hands the chat straight back.
    other = uuid.uuid4().hex
    stack.ask("I want to talk to a human", sender=other)
    assert reply_text(stack.ask("/deny", sender=other)) == translate("handoff_declined", "en")


def test_the_signed_webhook_gets_staff_messages_through_its_callback(live: Dict[str, Any]) -> None:
    stack: Stack = live["stack"]
    url, sender = f"{stack.rasa}/webhooks/signed/webhook", uuid.uuid4().hex
    with receiver([200]) as callback:
        def messages(count: int) -> List[Dict[str, Any]]:
            received = callback.wait(count, timeout=40)
            assert len(received) >= count, [json.loads(r.body) for r in received]
            body = json.loads(received[count - 1].body)
            assert body["sender"] == sender
            assert verify(received[count - 1].headers, received[count - 1].body, {"e2e": SECRET}).key_id == "e2e"
            return list(body["messages"])

        asked = post(url, {"sender": sender, "message": "can I talk to a human?", "callback_url": callback.url},
                     secret=SECRET)
        assert asked.status_code == 202, asked.text
        queued = translate("handoff_waiting", "en", queue=translate("handoff_queue_next", "en"))
        assert [m.get("text") for m in messages(1)] == [queued]
        handoff = request_id(live, sender)
        staff_post(live, f"{handoff}/take", staff_language="en")
        joined = translate("handoff_joined", "en", name=live["name"], staff_language="English")
        assert messages(2) == [{"text": joined, "handoff": True}]
        post(url, {"sender": sender, "message": "Where is the office?", "callback_url": callback.url}, secret=SECRET)
        assert messages(3) == []  # received; the assistant says nothing while a person has it
        staff_post(live, f"{handoff}/reply", text="We are at Rantzausgade 4.")
        label = translate("handoff_person_label", "en", name=live["name"])
        assert messages(4) == [{"text": "We are at Rantzausgade 4.", "handoff": True, "from_person": {"label": label}}]
        staff_post(live, f"{handoff}/end")
        assert messages(5) == [{"text": translate("handoff_ended_staff", "en", name=live["name"]), "handoff": True}]
