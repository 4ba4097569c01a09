"""The first conversation in English, through the running servers over HTTP."""

from __future__ import annotations

import uuid

import pytest
import requests

from tests.e2e.conftest import as_json, reply_text

pytestmark = pytest.mark.e2e


def test_ihnd_address_from_the_content(stack):
    messages = stack.ask("Where is International House North Denmark?")
    text = reply_text(messages)
    assert "Rantzausgade 4, 1st floor, 9000 Aalborg" in text, as_json(messages)


def test_ihnd_phone_from_the_content(stack):
    text = reply_text(stack.ask("What is the phone number of International House North Denmark?"))
    assert "Phone: +45 99 31 15 30" in text
    assert "E-mail: info@ihnd.dk" in text


def test_greeting(stack):
    text = reply_text(stack.ask("hi there"))
    assert text.startswith("Hello! I'm the digital assistant for newcomers to Aalborg")


def test_capabilities_menu_has_the_three_areas_as_buttons(stack):
    messages = stack.ask("what can you help me with?")
    assert messages[0]["buttons"] == [
        {"title": "Newcomers and International House", "payload": '/ask_topic{"topic":"area_newcomers"}'},
        {"title": "Investing and business in Aalborg", "payload": '/ask_topic{"topic":"area_business"}'},
        {"title": "Aalborg's international cooperation", "payload": '/ask_topic{"topic":"area_cooperation"}'},
    ]


def test_menu_button_payload_leads_to_the_area_and_its_topics(stack):
    messages = stack.ask('/ask_topic{"topic":"area_cooperation"}')
    titles = [button["title"] for message in messages for button in message.get("buttons", [])]
    assert "Aalborg Municipality's international cooperation" in titles
    assert "Aalborg's twin cities (venskabsbyer)" in titles


def test_goodbye_and_thanks(stack):
    sender = uuid.uuid4().hex
    assert reply_text(stack.ask("thanks a lot", sender)).startswith("You're welcome!")
    assert reply_text(stack.ask("bye", sender)).startswith("Goodbye")


def test_bot_challenge_is_answered_honestly(stack):
    assert reply_text(stack.ask("am i talking to a real person?")).startswith("I'm a bot")


def test_out_of_scope_says_so_and_where_to_go(stack):
    text = reply_text(stack.ask("can you recommend a good pizza place?"))
    assert text.startswith("Sorry, I can't help with that.")
    assert "borger.dk" in text


def test_follow_up_questions_use_the_previous_topic(stack):
    sender = uuid.uuid4().hex
    assert "Contact details for International House North Denmark" not in reply_text(
        stack.ask("how do I get a tax card?", sender)
    )
    follow_up = reply_text(stack.ask("and what's their phone number?", sender))
    assert "+45 72 22 28 92" in follow_up


def test_web_app_health_and_page(stack):
    assert requests.get(f"{stack.web}/health", timeout=10).json() == {"status": "ok"}
    page = requests.get(f"{stack.web}/", timeout=10)
    assert page.status_code == 200 and "<html" in page.text


def test_http_api_needs_the_token(stack):
    assert requests.get(f"{stack.rasa}/status", timeout=10).status_code == 401
    ok = requests.get(f"{stack.rasa}/status", params={"token": stack.token}, timeout=10)
    assert ok.status_code == 200 and ok.json()["model_file"].startswith("model-")


def test_conversation_is_stored_in_the_sqlite_tracker_store(stack):
    import sqlite3

    sender = uuid.uuid4().hex
    stack.ask("hello", sender)
    with sqlite3.connect(stack.var_dir / "tracker.db") as db:
        rows = db.execute("select type_name from events where sender_id = ?", (sender,)).fetchall()
    assert ("user",) in rows and ("bot",) in rows
