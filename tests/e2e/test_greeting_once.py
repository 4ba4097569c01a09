"""The introduction is shown once (issue #13: "the greeting is shown twice").

The widget greets on its own when it opens: it sends its init payload ``/greet`` with the
picker's language. A newcomer who then types a greeting used to get the whole introduction a
second time; now a short "hello again" follows, in the conversation's language, in every language.
"""

from __future__ import annotations

import uuid
from typing import Dict, List

import pytest
import requests
import yaml

from bot.settings import read_languages
from tests.e2e.conftest import ROOT, as_json, reply_text

pytestmark = pytest.mark.e2e

#: What a newcomer types first, in each supported language.
GREETINGS = {"en": "Hi", "da": "Hej", "de": "Hallo", "pl": "Cześć", "uk": "Привіт", "ro": "Bună ziua",
             "es": "Hola", "ar": "مرحبا"}
RESPONSES = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))["responses"]


def response(name: str, language: str) -> str:
    """The text of the domain's response ``name`` in ``language`` (the variant without a condition is English)."""
    for variant in RESPONSES[name]:
        conditions = variant.get("condition") or []
        if [c["value"] for c in conditions if c["name"] == "language"] == ([] if language == "en" else [language]):
            return variant["text"]
    raise AssertionError(f"{name} has no {language} text")


def actions(stack, sender: str) -> List[str]:
    tracker: Dict = requests.get(
        f"{stack.rasa}/conversations/{sender}/tracker", params={"token": stack.token}, timeout=30
    ).json()
    return [e["name"] for e in tracker["events"] if e["event"] == "action" and e["name"].startswith("utter_greet")]


def test_every_language_has_a_greeting_to_type():
    assert sorted(GREETINGS) == sorted(read_languages(ROOT))


@pytest.mark.parametrize("language", sorted(GREETINGS))
def test_a_greeting_after_the_widgets_own_greeting_gets_a_short_reply(stack, language):
    sender = uuid.uuid4().hex
    picked = {"language": language, "language_chosen": True}  # as the widget sends a picked language
    opened = stack.ask("/greet", sender, metadata=picked)
    assert reply_text(opened) == response("utter_greet", language), as_json(opened)
    typed = stack.ask(GREETINGS[language], sender, metadata=picked)
    assert reply_text(typed) == response("utter_greet_again", language), as_json(typed)
    assert actions(stack, sender) == ["utter_greet", "utter_greet_again"]


def test_a_greeting_later_in_the_conversation_is_still_answered(stack):
    """Only a greeting right after the introduction is shortened; the rule is that narrow."""
    sender = uuid.uuid4().hex
    stack.ask("What is the phone number of International House North Denmark?", sender)
    assert reply_text(stack.ask("hi there", sender)).startswith("Hello! I'm the digital assistant")
