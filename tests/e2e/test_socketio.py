"""The widget's channel: socket.io with session persistence delivers pushed replies.

This catches the python-socketio drift described in docs/decisions.md: with releases where
``enter_room`` became a coroutine, Rasa 3.6 never delivers a reply when session persistence is on.
"""

from __future__ import annotations

import threading
import time
import uuid
from typing import Any, Dict, List, Optional

import pytest
import socketio

pytestmark = pytest.mark.e2e


class WidgetClient:
    """A minimal socket.io client speaking the widget's protocol (session id, secret, confirm)."""

    def __init__(self, url: str, secret: Optional[str] = None) -> None:
        self.sio = socketio.Client(reconnection=False)
        self.secret = secret if secret is not None else uuid.uuid4().hex
        self.replies: List[Dict[str, Any]] = []
        self.errors: List[Dict[str, Any]] = []
        self.confirmed: Optional[str] = None
        self.session = threading.Event()
        self.arrived = threading.Event()
        self.sio.on("session_confirm", self._on_confirm)
        self.sio.on("bot_uttered", self._on_reply)
        self.sio.on("bot_error", self._on_error)
        self.sio.connect(url, socketio_path="socket.io", transports=["websocket"], wait_timeout=20)

    def _on_confirm(self, data: Any) -> None:
        self.confirmed = data
        self.session.set()

    def _on_reply(self, data: Dict[str, Any]) -> None:
        self.replies.append(data)
        self.arrived.set()

    def _on_error(self, data: Dict[str, Any]) -> None:
        self.errors.append(data)
        self.arrived.set()

    def start_session(self, session_id: Optional[str], secret: bool = True) -> str:
        """Ask for ``session_id``; returns the session the server confirmed."""
        self.session.clear()
        request: Dict[str, Any] = {"session_id": session_id}
        if secret:
            request["session_secret"] = self.secret
        self.sio.emit("session_request", request)
        assert self.session.wait(20), "no session_confirm"
        assert isinstance(self.confirmed, str)
        return self.confirmed

    def send(self, session_id: Optional[str], text: Any) -> None:
        self.arrived.clear()
        payload: Dict[str, Any] = {"message": text, "metadata": {"session_secret": self.secret}}
        if session_id is not None:
            payload["session_id"] = session_id
        self.sio.emit("user_uttered", payload)

    def say(self, session_id: Optional[str], text: Any, wait: float = 30.0) -> None:
        self.send(session_id, text)
        assert self.arrived.wait(wait), "no reply pushed within the time limit"
        time.sleep(0.5)  # let the remaining parts of a multi-part reply arrive

    def close(self) -> None:
        self.sio.disconnect()


def test_reply_is_pushed_with_session_persistence(stack):
    client = WidgetClient(stack.rasa)
    try:
        session = uuid.uuid4().hex
        client.start_session(session)
        client.say(session, "Where is International House North Denmark?")
        texts = " ".join(reply.get("text", "") for reply in client.replies)
        assert "Rantzausgade 4, 1st floor, 9000 Aalborg" in texts
    finally:
        client.close()


def test_buttons_arrive_as_quick_replies(stack):
    client = WidgetClient(stack.rasa)
    try:
        session = uuid.uuid4().hex
        client.start_session(session)
        client.say(session, "what can you do?")
        quick = [q["payload"] for reply in client.replies for q in reply.get("quick_replies", [])]
        assert '/ask_topic{"topic":"area_newcomers"}' in quick
    finally:
        client.close()


@pytest.mark.parametrize(
    ("payload", "code"),
    [("x" * 1001, "message_too_long"), (["not", "text"], "invalid_field"), ("", "invalid_field")],
)
def test_bad_messages_get_an_error_event(stack, payload, code):
    client = WidgetClient(stack.rasa)
    try:
        session = uuid.uuid4().hex
        client.start_session(session)
        client.say(session, payload, wait=10)
        assert client.replies == []
        assert client.errors[0]["code"] == code
        assert client.errors[0]["field"] == "message"
    finally:
        client.close()


def test_a_100_kb_message_over_socketio_is_refused(stack):
    client = WidgetClient(stack.rasa)
    try:
        session = uuid.uuid4().hex
        client.start_session(session)
        client.say(session, "word " * 20_000, wait=20)
        assert client.errors[0]["code"] == "message_too_long"
        client.say(session, "half a pair: \ud800", wait=20)
        assert client.errors[1]["code"] == "invalid_text"
        client.say(session, "hello")
        assert any(reply.get("text", "").startswith("Hello!") for reply in client.replies)
    finally:
        client.close()
