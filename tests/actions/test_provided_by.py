"""Who runs it (``provided_by``, actions/topics.py) on the real content.

"Who runs the free Danish classes?" and "which authority handles the EU residence document?" ask
for the organisation, not the service: they are answered by the entry the content names as its
provider, which becomes the conversation's topic. Other questions about the service are not.
"""

from __future__ import annotations

import dataclasses

import pytest

import actions.base
from actions.topics import ActionAnswerTopic
from bot.answers import topic_answer
from bot.content.schema import check_references
from tests.actions.test_actions import run_with_metadata
from tests.actions.test_right_to_stay import asking, slot
from tests.conftest import cph


@pytest.fixture(autouse=True)
def real_content(monkeypatch, real_kb):
    monkeypatch.setattr(actions.base, "get_knowledge_base", lambda: real_kb)
    monkeypatch.setattr(actions.base, "clock", lambda: cph(2026, 11, 30, 10, 0))


@pytest.mark.parametrize(("text", "entry", "language", "provider"), [
    ("who actually runs the free danish classes in aalborg", "danish_lessons", "en", "sprogcenter"),
    ("Która szkoła w Aalborgu prowadzi te darmowe kursy duńskiego?", "danish_lessons", "pl", "sprogcenter"),
    ("ich brauch die EU-Aufenthaltsbescheinigung – welche Behörde ist dafür zuständig?", "eu_residence", "de",
     "siri"),
    ("hvem udsteder skattekortet?", "tax_card", "da", "tax_agency"),
])
def test_who_runs_it_is_answered_by_the_provider(real_kb, text, entry, language, provider):
    events, messages, metadata = run_with_metadata(ActionAnswerTopic(), asking(text, entry, language))
    assert events == [slot("topic", provider)]
    assert metadata == [{"outcome": "answer", "entry": provider, "kind": "topic"}]
    expected = topic_answer(real_kb, real_kb.get(provider), language, cph(2026, 11, 30, 10, 0).date(), text)
    assert messages[0]["text"] == expected.text


@pytest.mark.parametrize(("text", "entry", "language"), [
    ("how much does the danish course cost?", "danish_lessons", "en"),  # about the service
    ("which school will my daughter go to?", "school", "en"),  # the kind, but the entry has no provider
])
def test_other_questions_stay_with_the_entry(text, entry, language):
    events, _, metadata = run_with_metadata(ActionAnswerTopic(), asking(text, entry, language))
    assert events == [slot("topic", entry)]
    assert metadata[0]["entry"] == entry


@pytest.mark.parametrize("provider", ["nowhere", "family_doctor", "danish_lessons"])
def test_the_validator_names_a_provider_that_is_not_another_organisation(real_kb, provider):
    entries = dict(real_kb.entries)
    entries["danish_lessons"] = dataclasses.replace(entries["danish_lessons"], provided_by=provider)
    problems = [(error.path, error.problem) for error in check_references(entries)]
    assert ("entries[danish_lessons].provided_by", f"unknown id or not another organisation: {provider!r}") in problems


def two_named(text: str, language: str, *entries: str):
    from rasa_sdk import Tracker

    latest = {"text": text, "intent": {"name": "ask_topic", "confidence": 0.99},
              "entities": [{"entity": "topic", "value": value, "start": 0, "end": 1} for value in entries]}
    return Tracker("test", {"language": language, "topic": None}, latest, [], False, None, {}, "action_listen")


def test_which_school_between_the_service_and_its_provider_is_the_provider():
    track = two_named("Dostałem skierowanie do sprogskole. Która to szkoła w Aalborgu?", "pl",
                      "danish_lessons", "sprogcenter")
    events, _, metadata = run_with_metadata(ActionAnswerTopic(), track)
    assert events == [slot("topic", "sprogcenter")]
    assert metadata == [{"outcome": "answer", "entry": "sprogcenter", "kind": "topic"}]


def test_which_school_between_entries_without_their_provider_is_still_asked_back():
    track = two_named("Która to szkoła w Aalborgu?", "pl", "danish_lessons", "school")
    events, _, metadata = run_with_metadata(ActionAnswerTopic(), track)
    assert events == [slot("topic", "danish_lessons")]
    assert metadata == [{"outcome": "clarify", "candidates": ["danish_lessons", "school"]}]
