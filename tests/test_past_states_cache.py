"""Remembered past states: the same states and the same predictions as Rasa's, never shared."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from rasa.core.channels.channel import UserMessage
from rasa.core.policies.rule_policy import RulePolicy
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot import past_states_cache
from tests.conftest import trained_agent

DOMAIN = Domain.from_yaml(
    """
version: "3.1"
intents: [greet, ask]
slots:
  topic: {type: categorical, values: [cpr, tax], influence_conversation: true, mappings: [{type: custom}]}
responses:
  utter_hi: [{text: hi}]
"""
)


def tracker() -> DialogueStateTracker:
    return DialogueStateTracker.from_events("s", [
        ActionExecuted("action_listen"), UserUttered("hi", {"name": "greet", "confidence": 1.0}),
        ActionExecuted("utter_hi"), ActionExecuted("action_listen"),
        UserUttered("cpr?", {"name": "ask", "confidence": 1.0}), SlotSet("topic", "cpr"),
    ], slots=DOMAIN.slots)


@pytest.fixture()
def installed():
    past_states_cache.install()
    yield
    past_states_cache._CACHE.set(None)


def test_outside_a_prediction_rasas_states_are_computed_every_time(installed):
    subject = tracker()
    first = subject.past_states(DOMAIN)
    first[-1]["user"].clear()  # a caller edits what it got
    assert subject.past_states(DOMAIN) == past_states_cache._ORIGINAL(subject, DOMAIN)
    assert subject.past_states(DOMAIN)[-1]["user"] == {"intent": "ask", "text": "cpr?"}


def test_inside_a_prediction_states_are_computed_once_and_each_caller_gets_a_copy(installed, monkeypatch):
    subject = tracker()
    calls = []
    original = past_states_cache._ORIGINAL

    def counting(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(past_states_cache, "_ORIGINAL", counting)
    expected = original(subject, DOMAIN)
    past_states_cache._CACHE.set({})
    try:
        first = subject.past_states(DOMAIN)
        del first[-1]["user"]["intent"]
        first[0].clear()
        second = subject.past_states(DOMAIN)
        assert second == expected and len(calls) == 1
        assert subject.past_states(DOMAIN, omit_unset_slots=True) == original(subject, DOMAIN, omit_unset_slots=True)
        assert len(calls) == 2  # other arguments: computed
        subject.update(ActionExecuted("action_answer"))
        assert subject.past_states(DOMAIN) == original(subject, DOMAIN)  # a new event: computed again
        assert len(calls) == 3
    finally:
        past_states_cache._CACHE.set(None)
    assert past_states_cache._CACHE.get() is None


@pytest.mark.slow
def test_the_trained_rules_predict_the_same_actions_with_and_without_the_cache():
    agent: Any = trained_agent()
    processor = agent.processor
    conversations = [
        ["hi", "where is international house?", "and when are you open on friday?", "thanks, bye"],
        ["hvordan får jeg et skattekort", "ja", "nej tak"],
        ["I want to talk to a human", "yes", "anna@example.com"],
        ["Moja żona przyjechała ze mną, co może robić?", "ile to kosztuje?"],
    ]
    installed_predict = RulePolicy.predict_action_probabilities
    for texts in conversations:
        subject = DialogueStateTracker.from_events("c", [ActionExecuted("action_listen")], slots=processor.domain.slots)
        for text in texts:
            parse = asyncio.run(processor.parse_message(UserMessage(text)))
            subject.update(UserUttered(text, parse["intent"], parse["entities"], parse))
            for _ in range(3):  # the actions that follow the message, as the prediction loop runs them
                past_states_cache.install()
                cached = processor._predict_next_with_tracker(subject)
                RulePolicy.predict_action_probabilities = past_states_cache._ORIGINAL_PREDICT  # type: ignore[method-assign]
                try:
                    plain = processor._predict_next_with_tracker(subject)
                finally:
                    RulePolicy.predict_action_probabilities = installed_predict  # type: ignore[method-assign]
                assert (cached.probabilities, cached.policy_name, cached.events) == (
                    plain.probabilities, plain.policy_name, plain.events)
                action = processor.domain.action_names_or_texts[cached.max_confidence_index]
                subject.update(ActionExecuted(action))
                if action == "action_listen":
                    break
