"""bot.rasa_server's fixes keep Rasa's behaviour: same validation verdicts, same event classes."""

from __future__ import annotations

import pytest
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction
from rasa.shared.core.events import ActionExecuted, BotUttered, Event, SessionStarted, SlotSet, UserUttered
from rasa.utils.endpoints import EndpointConfig

from bot import rasa_server

rasa_server.install()


def remote() -> RemoteAction:
    return RemoteAction("action_answer_topic", EndpointConfig("http://127.0.0.1:1/webhook"))


def test_a_valid_action_response_passes():
    response = {
        "events": [{"event": "slot", "name": "topic", "value": "cpr", "timestamp": None}],
        "responses": [{"text": "Your CPR number ...", "buttons": []}],
    }
    assert remote()._validate_action_result(response) is True


@pytest.mark.parametrize(
    "response",
    [
        {"events": [{"event": "no_such_event"}], "responses": []},
        {"events": "not a list", "responses": []},
        {"events": [], "responses": ["not an object"]},
    ],
)
def test_an_invalid_action_response_still_raises_rasas_error(response):
    with pytest.raises(ValidationError) as error:
        remote()._validate_action_result(response)
    assert "Failed to validate Action server response from API" in error.value.message


def test_the_validator_is_built_once():
    assert rasa_server._response_validator() is rasa_server._response_validator()


@pytest.mark.parametrize("cls", [UserUttered, BotUttered, ActionExecuted, SlotSet, SessionStarted])
def test_event_classes_resolve_as_before(cls):
    assert Event.resolve_by_type(cls.type_name) is cls
    assert Event.resolve_by_type(cls.type_name) is cls  # from the cache
    assert rasa_server._EVENT_TYPES[cls.type_name] is cls


def test_an_unknown_event_type_still_raises_and_is_not_remembered():
    with pytest.raises(ValueError, match="Unknown event name 'no_such_event'"):
        Event.resolve_by_type("no_such_event")
    assert Event.resolve_by_type("no_such_event", default=SlotSet) is SlotSet
    assert "no_such_event" not in rasa_server._EVENT_TYPES
    assert Event.resolve_by_type("topic") is None  # Rasa's backwards compatibility


def test_events_round_trip_through_their_dicts():
    events = [UserUttered("hej", {"name": "greet", "confidence": 1.0}), SlotSet("language", "da"), BotUttered("Hej!")]
    assert [Event.from_parameters(event.as_dict()) for event in events] == events


def test_the_domain_is_empty_check_answers_as_rasas():
    from rasa.shared.core.domain import Domain

    domain = Domain.from_yaml("version: '3.1'\nintents: [greet]\nresponses:\n  utter_hi: [{text: hi}]\n")
    original = Domain.is_empty
    expected = (original(Domain.empty()), original(domain))
    assert expected == (True, False)
    try:
        rasa_server.install_domain_empty_cache()
        assert Domain.is_empty is rasa_server._domain_is_empty
        assert (Domain.empty().is_empty(), domain.is_empty()) == expected
    finally:
        Domain.is_empty = original  # type: ignore[method-assign]
