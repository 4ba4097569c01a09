"""docs/security.md, "Rasa server": the REST channel, socket.io and parallel messages.

Each refused case asserts its exact status and code, that nothing was stored for the sender (no
event, no owner) and that the answer shows no trace, SQL or secret.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Dict, List, Optional

import pytest
import requests
import socketio

from tests.security.conftest import fresh_sender

pytestmark = pytest.mark.e2e

LIMIT = 1000  # MAX_MESSAGE_CHARS
BODY_LIMIT = 16 * 1024  # MAX_BODY_BYTES


def rest_url(secure) -> str:
    return f"{secure.rasa}/webhooks/rest/webhook"


def post_raw(secure, body: bytes, content_type: str = "application/json") -> requests.Response:
    return requests.post(rest_url(secure), data=body, headers={"Content-Type": content_type}, timeout=60)


def post(secure, sender: str, message: Any, metadata: Any = None, **extra: Any) -> requests.Response:
    body: Dict[str, Any] = {"sender": sender, "message": message, **extra}
    if metadata is not None:
        body["metadata"] = metadata
    return requests.post(rest_url(secure), json=body, timeout=60)


# --- REST: bodies that are not a message --------------------------------------------------------

MALFORMED = [
    (b"", "invalid_json"),
    (b"nope", "invalid_json"),
    (b"{", "invalid_json"),
    (b'{"sender": "a", "message": "hi"', "invalid_json"),
    (b"\xff\xfe{}", "invalid_json"),
    (b'{"sender": "a", "message": "\\ud800"}', "invalid_text"),
    (b'{"sender": "a", "message": "\\udfff tail"}', "invalid_text"),
    (b'{"sender": "a", "message": "hi", "metadata": {"x": "\\ud83d"}}', "invalid_text"),
    (b"[]", "invalid_body"),
    (b"1", "invalid_body"),
    (b'"text"', "invalid_body"),
    (b"null", "invalid_body"),
    (b"true", "invalid_body"),
]


@pytest.mark.parametrize(("body", "code"), MALFORMED, ids=[f"malformed-{n}" for n in range(len(MALFORMED))])
def test_rest_refuses_a_body_that_is_not_a_message(secure, body, code):
    response = post_raw(secure, body)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == code
    secure.nothing_stored("a")
    secure.no_leak(response)


BAD_FIELDS = [
    ({"message": "hi"}, "sender"),
    ({"sender": "", "message": "hi"}, "sender"),
    ({"sender": "   ", "message": "hi"}, "sender"),
    ({"sender": "s" * 129, "message": "hi"}, "sender"),
    ({"sender": 5, "message": "hi"}, "sender"),
    ({"sender": None, "message": "hi"}, "sender"),
    ({"sender": ["a"], "message": "hi"}, "sender"),
    ({"sender": "{sender}"}, "message"),
    ({"sender": "{sender}", "message": ""}, "message"),
    ({"sender": "{sender}", "message": "   \n "}, "message"),
    ({"sender": "{sender}", "message": 5}, "message"),
    ({"sender": "{sender}", "message": ["hi"]}, "message"),
    ({"sender": "{sender}", "message": {"text": "hi"}}, "message"),
    ({"sender": "{sender}", "message": None}, "message"),
    ({"sender": "{sender}", "message": "hi", "metadata": []}, "metadata"),
    ({"sender": "{sender}", "message": "hi", "metadata": "x"}, "metadata"),
    ({"sender": "{sender}", "message": "hi", "metadata": 5}, "metadata"),
]


@pytest.mark.parametrize(("body", "field"), BAD_FIELDS, ids=[f"field-{n}" for n in range(len(BAD_FIELDS))])
def test_rest_names_the_bad_field(secure, body, field):
    sender = fresh_sender()
    body = {key: (sender if value == "{sender}" else value) for key, value in body.items()}
    response = requests.post(rest_url(secure), json=body, timeout=60)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_field"
    assert response.json()["error"]["field"] == field
    secure.nothing_stored(sender)
    secure.no_leak(response)


CONTROL = ["\x00", "\x07", "\x08", "\x0b", "\x0c", "\x1b[31mred", "\x1f", "\x7f"]


@pytest.mark.parametrize("character", CONTROL, ids=[f"U+{ord(c[0]):04X}" for c in CONTROL])
def test_rest_refuses_control_characters(secure, character):
    sender = fresh_sender()
    response = post(secure, sender, f"where are you?{character}")
    assert response.status_code == 400
    assert response.json() == {"error": {
        "code": "invalid_text", "message": f"'message' holds the control character U+{ord(character[0]):04X}",
        "field": "message",
    }}
    secure.nothing_stored(sender)


@pytest.mark.parametrize(
    ("make", "status", "code"),
    [
        (lambda s: json.dumps({"sender": s, "message": "x" * (LIMIT + 1)}).encode(), 413, "message_too_long"),
        (lambda s: json.dumps({"sender": s, "message": "word " * 2000}).encode(), 413, "message_too_long"),
        (lambda s: json.dumps({"sender": s, "message": "hi", "pad": "x" * BODY_LIMIT}).encode(), 413,
         "body_too_large"),
        (lambda s: json.dumps({"sender": s, "message": "hi", "metadata": {"p": "y" * BODY_LIMIT}}).encode(), 413,
         "body_too_large"),
    ],
    ids=["message-1001", "message-10000", "body-over-16k", "metadata-over-16k"],
)
def test_rest_refuses_oversized_input(secure, make, status, code):
    sender = fresh_sender()
    response = post_raw(secure, make(sender))
    assert response.status_code == status
    assert response.json()["error"]["code"] == code
    secure.nothing_stored(sender)


def test_rest_refuses_a_megabyte_before_reading_it(secure):
    sender = fresh_sender()
    response = post_raw(secure, json.dumps({"sender": sender, "message": "z" * 2_000_000}).encode())
    assert response.status_code == 413
    secure.nothing_stored(sender)


# --- REST: text that is text -------------------------------------------------------------------

ACCEPTED = {
    "bidi-flood": "\u202e" * 400 + "where is International House?",
    "isolates": "\u2067مرحبا\u2069 where are you?",
    "combining-flood": "a" + "\u0301" * 900,
    "zero-width": "wh\u200bere\u200d is\u200c IHND?",
    "emoji": "👋🏽 where are you? 🇩🇰",
    "html": "<script>alert(1)</script><img src=x onerror=alert(2)> where are you?",
    "sql": "'; DROP TABLE events; -- where are you?",
    "template": "{{7*7}} ${jndi:ldap://x} %s %n where are you?",
    "exactly-the-limit": "x" * LIMIT,
}


@pytest.mark.parametrize("text", list(ACCEPTED.values()), ids=list(ACCEPTED))
def test_rest_keeps_unusual_text_as_text(secure, text):
    sender = fresh_sender()
    response = post(secure, sender, text)
    assert response.status_code == 200
    replies = response.json()
    assert replies and all(reply["recipient_id"] == sender for reply in replies)
    assert all("<script>" not in json.dumps(reply) for reply in replies)  # never echoed as markup
    assert secure.user_texts(sender) == [text]
    assert secure.events("events-table-exists") == 0  # the DROP did nothing
    assert secure.owners(sender) == 1


def test_rest_refuses_a_form_body(secure):
    response = post_raw(secure, b"sender=a&message=hi", "application/x-www-form-urlencoded")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_json"
    secure.nothing_stored("a")


def test_rest_answers_get_on_the_webhook_with_405(secure):
    response = requests.get(rest_url(secure), timeout=30)
    assert response.status_code == 405


# --- REST: whose conversation ------------------------------------------------------------------

def test_rest_another_secret_cannot_write_into_a_conversation(secure):
    sender = fresh_sender()
    assert post(secure, sender, "hello", {"session_secret": "owner-secret-123"}).status_code == 200
    for metadata in ({"session_secret": "intruder-secret"}, None, {"session_secret": ""},
                     {"session_secret": 5}, {"session_secret_hash": "0" * 64}):
        response = post(secure, sender, "injected", metadata)
        assert response.status_code == 403, metadata
        assert response.json()["error"]["code"] == "forbidden"
        secure.no_leak(response)
    assert secure.user_texts(sender) == ["hello"]


def test_rest_a_forged_secret_hash_in_metadata_is_not_trusted(secure):
    """A client cannot send the stored hash itself: the channel hashes what it is given."""
    sender = fresh_sender()
    assert post(secure, sender, "hello", {"session_secret": "owner-secret-123"}).status_code == 200
    with secure.engine.connect() as connection:
        import sqlalchemy as sa

        stored = connection.execute(
            sa.text("SELECT secret_hash FROM conversation_owners WHERE sender_id = :s"), {"s": sender}
        ).scalar_one()
    response = post(secure, sender, "injected", {"session_secret_hash": stored})
    assert response.status_code == 403
    assert secure.user_texts(sender) == ["hello"]


def test_rest_parallel_first_messages_with_different_secrets_bind_one_owner(secure):
    sender = fresh_sender()
    secrets = [f"secret-{n}-{uuid.uuid4().hex}" for n in range(8)]
    with ThreadPoolExecutor(len(secrets)) as pool:
        responses = list(pool.map(lambda s: post(secure, sender, "hello", {"session_secret": s}), secrets))
    statuses = sorted(response.status_code for response in responses)
    assert statuses.count(200) >= 1
    assert set(statuses) <= {200, 403}
    assert secure.owners(sender) == 1
    assert len(secure.user_texts(sender)) == statuses.count(200)


def test_rest_parallel_messages_to_one_conversation_are_all_kept_in_turn(secure):
    sender = fresh_sender()
    texts = [f"where are you? ({n})" for n in range(10)]
    with ThreadPoolExecutor(10) as pool:
        responses = list(pool.map(lambda text: post(secure, sender, text, {"session_secret": "one-owner-1234"}),
                                  texts))
    assert [response.status_code for response in responses] == [200] * 10
    assert all(response.json() for response in responses)
    assert sorted(secure.user_texts(sender)) == sorted(texts)


# --- socket.io ---------------------------------------------------------------------------------

class Client:
    """A socket.io client that records every event it receives."""

    def __init__(self, url: str) -> None:
        self.sio = socketio.Client(reconnection=False)
        self.events: List[tuple] = []
        self.arrived = threading.Event()
        for name in ("session_confirm", "bot_uttered", "bot_error"):
            self.sio.on(name, self._recorder(name))
        self.sio.connect(url, socketio_path="socket.io", transports=["websocket"], wait_timeout=20)

    def _recorder(self, name: str):
        def record(data: Any = None) -> None:
            self.events.append((name, data))
            self.arrived.set()

        return record

    def emit(self, event: str, data: Any, wait: float = 10.0) -> Optional[tuple]:
        self.arrived.clear()
        before = len(self.events)
        self.sio.emit(event, data)
        if not self.arrived.wait(wait):
            return None
        time.sleep(0.2)
        return self.events[before]

    def session(self, session_id: Optional[str], secret: Optional[str]) -> str:
        request: Dict[str, Any] = {"session_id": session_id}
        if secret is not None:
            request["session_secret"] = secret
        event = self.emit("session_request", request, 20)
        assert event is not None and event[0] == "session_confirm"
        return event[1]

    def close(self) -> None:
        self.sio.disconnect()


@pytest.fixture()
def client(secure):
    opened = Client(secure.rasa)
    yield opened
    opened.close()


@pytest.mark.parametrize(
    "request_data",
    [None, [], "text", 5, {}, {"session_id": None}, {"session_id": 5}, {"session_id": ["a"]},
     {"session_id": "x" * 200, "session_secret": "s" * 32}, {"session_id": "abc", "session_secret": "s" * 500}],
    ids=["none", "list", "string", "number", "empty", "null-id", "number-id", "list-id", "long-id", "long-secret"],
)
def test_socketio_odd_session_requests_get_a_fresh_session(secure, client, request_data):
    event = client.emit("session_request", request_data, 20)
    assert event is not None and event[0] == "session_confirm"
    assert isinstance(event[1], str) and len(event[1]) == 32 and event[1] != "abc"
    secure.nothing_stored(event[1])


SOCKET_BAD = [
    ("not a dict", "invalid_body", None),
    ({"message": "x" * (LIMIT + 1)}, "message_too_long", "message"),
    ({"message": ""}, "invalid_field", "message"),
    ({"message": 5}, "invalid_field", "message"),
    ({"message": "half \ud800"}, "invalid_text", None),
    ({"message": "bell \x07"}, "invalid_text", "message"),
    ({"message": "hi", "metadata": "{not json"}, "invalid_field", "metadata"),
    ({"message": "hi", "metadata": [1]}, "invalid_field", "metadata"),
    ({"message": "hi", "session_id": "someone-else-0001"}, "forbidden", "session_id"),
]


@pytest.mark.parametrize(("payload", "code", "field"), SOCKET_BAD, ids=[case[1] + f"-{n}" for n, case in
                                                                        enumerate(SOCKET_BAD)])
def test_socketio_bad_messages_get_an_error_to_that_socket_only(secure, client, payload, code, field):
    session = client.session(uuid.uuid4().hex, "socket-secret-0123456789")
    event = client.emit("user_uttered", payload)
    assert event is not None and event[0] == "bot_error"
    assert event[1]["code"] == code
    assert event[1].get("field") == field
    assert secure.events(session) == 0  # its owner was recorded by the session request, nothing else
    secure.nothing_stored("someone-else-0001")


def test_socketio_a_message_before_a_session_is_refused(secure, client):
    event = client.emit("user_uttered", {"message": "hi", "session_id": "never-requested-01"})
    assert event == ("bot_error", {"code": "session_required",
                                   "message": "send session_request before the first message"})
    secure.nothing_stored("never-requested-01")


def test_socketio_cannot_take_a_rest_conversation(secure, client):
    sender = fresh_sender()
    assert post(secure, sender, "hello", {"session_secret": "rest-owner-secret"}).status_code == 200
    assert client.session(sender, "rest-owner-secret") != sender  # another channel's conversation
    assert secure.user_texts(sender) == ["hello"]


def test_socketio_an_intruder_hears_nothing_and_the_owner_everything(secure):
    owner, intruder = Client(secure.rasa), Client(secure.rasa)
    try:
        session = owner.session(uuid.uuid4().hex, "owner-secret-0123456789")
        assert intruder.session(session, "guess-0123456789") != session
        assert intruder.session(session, None) != session
        reply = owner.emit("user_uttered", {"message": "where are you?", "session_id": session,
                                            "metadata": {"session_secret": "owner-secret-0123456789"}}, 30)
        assert reply is not None and reply[0] == "bot_uttered"
        time.sleep(1)
        assert [name for name, _ in intruder.events] == ["session_confirm", "session_confirm"]
    finally:
        owner.close()
        intruder.close()
