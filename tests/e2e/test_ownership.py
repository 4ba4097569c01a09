"""A conversation belongs to its owner on every channel (issue #19, docs/security.md).

Through the running servers: a second socket.io client that knows a visitor's session id (it is
in console URLs and the delete API's path) but not the visitor's secret gets a session of its
own, none of the visitor's replies, and cannot write into the visitor's conversation; the
visitor, reconnecting with the secret, gets the same conversation back. REST and the widget API
follow the same owner.
"""

from __future__ import annotations

import time
import uuid
from typing import Any, Dict, List

import pytest
import requests

from tests.e2e.test_socketio import WidgetClient

pytestmark = pytest.mark.e2e

ADDRESS = "Rantzausgade 4, 1st floor, 9000 Aalborg"


def tracker_user_texts(stack, sender: str) -> List[str]:
    """The user texts stored for ``sender`` (Rasa's HTTP API, with the stack's token)."""
    response = requests.get(
        f"{stack.rasa}/conversations/{sender}/tracker", params={"token": stack.token}, timeout=30
    )
    assert response.status_code == 200, response.text
    return [event.get("text") for event in response.json()["events"] if event["event"] == "user"]


def rest(stack, sender: str, message: str, secret: Any = None) -> requests.Response:
    body: Dict[str, Any] = {"sender": sender, "message": message}
    if secret is not None:
        body["metadata"] = {"session_secret": secret}
    return requests.post(f"{stack.rasa}/webhooks/rest/webhook", json=body, timeout=60)


@pytest.fixture()
def owner(stack):
    client = WidgetClient(stack.rasa)
    session = client.start_session(uuid.uuid4().hex)
    client.say(session, "Where is International House North Denmark?")
    assert ADDRESS in " ".join(reply.get("text", "") for reply in client.replies)
    yield client, session
    client.close()


@pytest.mark.parametrize("secret", [None, "wrong-secret-0123456789"], ids=["no_secret", "wrong_secret"])
def test_a_second_client_with_the_session_id_gets_none_of_the_owners_replies(stack, owner, secret):
    visitor, session = owner
    intruder = WidgetClient(stack.rasa, secret=secret or "")
    try:
        granted = intruder.start_session(session, secret=secret is not None)
        assert granted != session
        assert len(granted) == 32
        visitor.replies.clear()
        visitor.say(session, "What are your opening hours?")
        time.sleep(1.0)
        assert visitor.replies, "the owner got no reply"
        assert intruder.replies == []
        # Naming the owner's session in a message is refused, to this socket only.
        intruder.send(session, "injected by the intruder")
        assert intruder.arrived.wait(10)
        assert intruder.errors == [
            {"code": "forbidden", "message": "this socket does not hold that session", "field": "session_id"}
        ]
        time.sleep(0.5)
        assert "injected by the intruder" not in tracker_user_texts(stack, session)
        assert [reply for reply in visitor.replies if "forbidden" in str(reply)] == []
    finally:
        intruder.close()


def test_the_owner_reconnecting_with_the_secret_gets_the_same_conversation(stack, owner):
    visitor, session = owner
    visitor.close()
    again = WidgetClient(stack.rasa, secret=visitor.secret)
    try:
        assert again.start_session(session) == session
        again.say(session, "and the phone number?")
        assert again.replies, "no reply after the reconnect"
        assert tracker_user_texts(stack, session)[-1] == "and the phone number?"
    finally:
        again.close()


def test_a_socket_without_a_secret_never_gets_a_room_back(stack):
    first = WidgetClient(stack.rasa)
    try:
        session = first.start_session(None, secret=False)
        first.sio.emit("user_uttered", {"message": "hello", "session_id": session})
        assert first.arrived.wait(30)
    finally:
        first.close()
    second = WidgetClient(stack.rasa)
    try:
        assert second.start_session(session, secret=False) != session
        assert second.start_session(session, secret=True) != session  # unowned by a secret: not claimable
    finally:
        second.close()


def test_a_message_before_session_request_is_refused(stack):
    client = WidgetClient(stack.rasa)
    try:
        client.send(None, "hello")
        assert client.arrived.wait(10)
        assert client.errors[0]["code"] == "session_required"
    finally:
        client.close()


def test_rest_cannot_write_into_a_widget_conversation(stack, owner):
    _visitor, session = owner
    for secret in (None, "wrong-secret-0123456789"):
        response = rest(stack, session, "injected over REST", secret)
        assert response.status_code == 403
        assert response.json() == {
            "error": {"code": "forbidden", "message": "this conversation belongs to another channel"}
        }
    assert "injected over REST" not in tracker_user_texts(stack, session)


def test_rest_conversation_bound_to_its_first_secret(stack):
    sender = uuid.uuid4().hex
    assert rest(stack, sender, "hello", "secret-a-0123456789").status_code == 200
    for secret in ("secret-b-0123456789", None):
        response = rest(stack, sender, "it is mine now", secret)
        assert response.status_code == 403
        assert response.json()["error"]["message"] == (
            "this conversation belongs to another client: its session secret is required"
        )
    assert rest(stack, sender, "where are you?", "secret-a-0123456789").status_code == 200
    assert tracker_user_texts(stack, sender) == ["hello", "where are you?"]


def test_rest_without_a_secret_stays_open_to_its_own_channel(stack):
    sender = uuid.uuid4().hex
    assert rest(stack, sender, "hello").status_code == 200
    assert rest(stack, sender, "where are you?", "late-secret-0123456789").status_code == 200
    assert rest(stack, sender, "and the phone?").status_code == 200  # the late secret did not take it over
    # ...but the widget API, which needs a secret, cannot be used on it.
    response = requests.post(
        f"{stack.web}/api/conversations/{sender}/delete", headers={"X-Session-Secret": "late-secret-0123456789"},
        timeout=30,
    )
    assert response.status_code == 403
    assert len(tracker_user_texts(stack, sender)) == 3


def test_deleting_a_conversation_frees_its_session_id(stack, owner):
    visitor, session = owner
    response = requests.post(
        f"{stack.web}/api/conversations/{session}/delete", headers={"X-Session-Secret": visitor.secret}, timeout=30
    )
    assert response.status_code == 200
    assert response.json()["deleted_events"] > 0
    newcomer = WidgetClient(stack.rasa)
    try:
        assert newcomer.start_session(session) == session  # nobody owns it any more
    finally:
        newcomer.close()
