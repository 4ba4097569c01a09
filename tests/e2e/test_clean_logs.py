"""A normal session logs no ERROR line (issue #20: routine ERROR lines hid the real ones).

The assistant is started as ``make run`` starts it (embedded defaults), and used as its users
use it: conversations over REST in every language, the topic menu and its buttons, the widget
over socket.io (one widget still connected when the server stops), feedback and "delete my
conversation" through the widget API, Rasa's HTTP API with and without its token, the console's
sign-in page. Then it is stopped, and its whole output must hold no ERROR line and no traceback.
"""

from __future__ import annotations

import uuid

import pytest
import requests
import yaml

from tests.e2e.conftest import ROOT, error_lines, start_stack, stop_stack
from tests.e2e.test_socketio import WidgetClient

pytestmark = pytest.mark.e2e

MENU_PAYLOADS = ['/ask_topic{"topic":"area_newcomers"}', '/ask_topic{"topic":"area_business"}',
                 '/ask_topic{"topic":"area_cooperation"}']


def first_questions(per_language: int = 3):
    """The first questions of each language's end-to-end question file."""
    for path in sorted((ROOT / "tests" / "e2e").glob("questions_*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for item in data["questions"][:per_language]:
            yield item["q"]


def test_a_normal_session_logs_no_error(tmp_path):
    stack = start_stack(tmp_path)
    widget = None
    try:
        sender = uuid.uuid4().hex
        secret = uuid.uuid4().hex
        metadata = {"session_secret": secret, "language": "en"}
        assert stack.ask("Hi", sender, metadata=metadata)
        menu = stack.ask("What can you do?", sender, metadata=metadata)
        payloads = [button["payload"] for message in menu for button in message.get("buttons", [])]
        assert payloads == MENU_PAYLOADS  # sent unchanged, without the interpolator complaining
        assert stack.ask(MENU_PAYLOADS[0], sender, metadata=metadata)
        assert stack.ask("How can I contact International House North Denmark?", sender, metadata=metadata)
        asked = 0
        for question in first_questions():
            assert stack.ask(question)
            asked += 1
        assert asked >= 16

        feedback = requests.post(f"{stack.web}/api/feedback", json={"session_id": sender, "rating": "up"},
                                 headers={"X-Session-Secret": secret}, timeout=10)
        assert feedback.status_code == 201
        tracker = requests.get(f"{stack.rasa}/conversations/{sender}/tracker", params={"token": stack.token},
                               timeout=10)
        assert tracker.status_code == 200
        assert requests.get(f"{stack.rasa}/conversations/{sender}/tracker", timeout=10).status_code == 401
        deleted = requests.post(f"{stack.web}/api/conversations/{sender}/delete",
                                headers={"X-Session-Secret": secret}, timeout=10)
        assert deleted.status_code == 200 and deleted.json()["deleted_events"] > 0
        assert requests.get(f"{stack.web}/console/login", timeout=10).status_code == 200

        widget = WidgetClient(stack.rasa)
        session = uuid.uuid4().hex
        widget.start_session(session)
        widget.say(session, "Hej, hvornår har I åbent?")
        assert widget.replies and not widget.errors
    finally:
        code = stop_stack(stack)  # the widget is still connected
        if widget is not None:
            widget.close()
    assert code == 0
    assert error_lines(stack.lines) == []
