"""Bad requests get a clear JSON error and never crash or stall the server."""

from __future__ import annotations

import uuid

import pytest
import requests

from tests.e2e.conftest import reply_text

pytestmark = pytest.mark.e2e


def post(stack, data: bytes, content_type: str = "application/json") -> requests.Response:
    return requests.post(
        f"{stack.rasa}/webhooks/rest/webhook", data=data, headers={"Content-Type": content_type}, timeout=60
    )


@pytest.mark.parametrize(
    ("body", "status", "code", "field"),
    [
        (b"{not json", 400, "invalid_json", None),
        (b"", 400, "invalid_json", None),
        (b"[1, 2, 3]", 400, "invalid_body", None),
        (b'"just a string"', 400, "invalid_body", None),
        (b"42", 400, "invalid_body", None),
        (b'{"message": "hi"}', 400, "invalid_field", "sender"),
        (b'{"sender": "", "message": "hi"}', 400, "invalid_field", "sender"),
        (b'{"sender": 12, "message": "hi"}', 400, "invalid_field", "sender"),
        (b'{"sender": "a"}', 400, "invalid_field", "message"),
        (b'{"sender": "a", "message": ["hi"]}', 400, "invalid_field", "message"),
        (b'{"sender": "a", "message": "   "}', 400, "invalid_field", "message"),
        (b'{"sender": "a", "message": "hi", "metadata": "x"}', 400, "invalid_field", "metadata"),
        (b'\xff\xfe{"sender"', 400, "invalid_json", None),
        # Half a surrogate pair, escaped: valid JSON, not valid text (issue #13: it gave a 500).
        (b'{"sender": "a", "message": "\\ud800"}', 400, "invalid_text", None),
        (b'{"sender": "\\udc00", "message": "hi"}', 400, "invalid_text", None),
        (b'{"sender": "a", "message": "hi", "metadata": {"x": ["\\ud83d"]}}', 400, "invalid_text", None),
    ],
)
def test_malformed_bodies_are_refused_with_a_clear_error(stack, body, status, code, field):
    response = post(stack, body)
    assert response.status_code == status
    error = response.json()["error"]
    assert error["code"] == code
    assert error.get("field") == field
    assert error["message"]


def test_a_100_kb_message_is_refused_before_nlu(stack):
    message = "word " * 20_000  # 100,000 characters, about 20,000 words
    response = requests.post(
        f"{stack.rasa}/webhooks/rest/webhook", json={"sender": "big", "message": message}, timeout=60
    )
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "body_too_large"
    assert reply_text(stack.ask("hello")).startswith("Hello!")  # still answering


def test_a_message_over_the_character_limit_is_refused(stack):
    response = requests.post(
        f"{stack.rasa}/webhooks/rest/webhook", json={"sender": "long", "message": "a" * 1001}, timeout=60
    )
    assert response.status_code == 413
    error = response.json()["error"]
    assert error == {"code": "message_too_long", "field": "message",
                     "message": "'message' is 1001 characters long; the limit is 1000"}


def test_a_message_at_the_limit_is_answered(stack):
    messages = stack.ask("tax card " + "a" * 991)
    assert messages, "a 1000-character message must get an answer"


def test_a_huge_body_is_refused_by_the_server(stack):
    response = post(stack, b"x" * (2 * 1024 * 1024))
    assert response.status_code == 413


def test_html_and_script_are_kept_as_text_and_answered(stack):
    sender = uuid.uuid4().hex
    messages = stack.ask("<img src=x onerror=alert(1)> <script>alert('x')</script>", sender)
    assert isinstance(messages, list)
    tracker = requests.get(
        f"{stack.rasa}/conversations/{sender}/tracker", params={"token": stack.token}, timeout=30
    ).json()
    texts = [event.get("text") for event in tracker["events"] if event["event"] == "user"]
    assert texts == ["<img src=x onerror=alert(1)> <script>alert('x')</script>"]


def test_unicode_and_emoji_are_fine(stack):
    assert stack.ask("Hvor ligger International House? 🏠 ÆØÅ")


@pytest.mark.parametrize("text", ["&", "&\\", "?!", "..."])
def test_a_message_of_punctuation_only_gets_an_answer_not_a_500(stack, text):
    """"&" left the intent classifier without features: a 500 (found by the API fuzzer)."""
    response = requests.post(f"{stack.rasa}/webhooks/rest/webhook", json={"sender": f"punct-{text}", "message": text},
                             timeout=60)
    assert response.status_code == 200, response.text
    assert response.json() and all(reply.get("text") for reply in response.json())
