"""Every custom action: exact events and messages for found, not found, ambiguous and follow-up cases.

The actions read the small fixture knowledge base (tests/fixtures/content), so the expected
texts do not change when the real content does.
"""

from __future__ import annotations

import asyncio
from typing import Any, Dict, List, Optional

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

import actions.base
from actions.contacts import ActionAnswerAddress, ActionAnswerContact
from actions.fallback import ActionOutOfScope, ActionSearchContent
from actions.hours import ActionAnswerHours
from actions.topics import ActionAnswerTopic, ActionMoreDetails
from tests.conftest import cph

AREA_BUTTONS = [
    {"title": "Newcomers", "payload": '/ask_topic{"topic":"area_newcomers"}'},
    {"title": "Business", "payload": '/ask_topic{"topic":"area_business"}'},
    {"title": "Cooperation", "payload": '/ask_topic{"topic":"area_cooperation"}'},
]


@pytest.fixture(autouse=True)
def fixture_content(monkeypatch, fixture_kb):
    monkeypatch.setattr(actions.base, "get_knowledge_base", lambda: fixture_kb)
    monkeypatch.setattr(actions.base, "clock", lambda: cph(2026, 11, 30, 10, 0))  # Monday 10:00


def tracker(
    text: str,
    intent: str,
    entities: Optional[List[Dict[str, Any]]] = None,
    slots: Optional[Dict[str, Any]] = None,
    events: Optional[List[Dict[str, Any]]] = None,
    none: Optional[float] = None,
) -> Tracker:
    """A tracker after ``text``; ``none`` is the topic model's "none of ours" probability, if it ran."""
    latest: Dict[str, Any] = {"text": text, "intent": {"name": intent, "confidence": 0.99}, "entities": entities or []}
    if none is not None:
        latest["topic_ranking"] = {"outcome": "none", "entries": [], "none": none, "chat": 0.0, "follow_up": 0.1}
    return Tracker(
        sender_id="test",
        slots={"language": "en", "topic": None, **(slots or {})},
        latest_message=latest,
        events=events or [],
        paused=False,
        followup_action=None,
        active_loop={},
        latest_action_name="action_listen",
    )


def topic(value: str) -> Dict[str, Any]:
    return {"entity": "topic", "value": value, "start": 0, "end": 1}


def run(action, track: Tracker):
    events, messages, _ = run_with_metadata(action, track)
    return events, messages


STANDARD_KEYS = ("text", "buttons", "elements", "custom", "template", "response", "image", "attachment")


def run_with_metadata(action, track: Tracker):
    """Events, messages (text and buttons) and each message's stored metadata (outcome, entry...)."""
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, track, {}))
    messages = [{"text": m["text"], "buttons": m["buttons"]} for m in dispatcher.messages]
    metadata = [{k: v for k, v in m.items() if k not in STANDARD_KEYS} for m in dispatcher.messages]
    return events, messages, metadata


# ------------------------------------------------------------------ topics


def test_topic_first_bubble_is_the_summary_with_a_more_button_before_the_related_ones():
    events, messages = run(ActionAnswerTopic(), tracker("how do i get a cpr", "ask_topic", [topic("cpr")]))
    assert events == [{"event": "slot", "timestamp": None, "name": "topic", "value": "cpr"}]
    assert messages == [
        {
            "text": "**CPR number**\n\nRegister to get a CPR number.\n\n"
            "More information: [CPR](https://cpr.example.org)\n\nRelated topics:",
            "buttons": [
                {"title": "More details", "payload": '/more_details{"topic":"cpr"}'},
                {"title": "Test House", "payload": '/ask_topic{"topic":"house"}'},
                {"title": "Tax card", "payload": '/ask_topic{"topic":"tax_card"}'},
            ],
        }
    ]


def test_more_details_shows_the_details_and_the_steps_per_group():
    events, messages, metadata = run_with_metadata(
        ActionMoreDetails(),
        tracker("/more_details", "more_details", [topic("cpr")], slots={"topic": "cpr"}),
    )
    assert events == [{"event": "slot", "timestamp": None, "name": "topic", "value": "cpr"}]
    assert messages == [
        {
            "text": "**CPR number**\n\nBring your passport.\n\n"
            "What you need to do depends on your citizenship:\n"
            "- Nordic citizens: No permit needed.\n"
            "- EU/EEA and Swiss citizens: Get an EU residence document first.\n"
            "- Citizens of other countries: Get a residence permit first.\n\n"
            "More information: [CPR](https://cpr.example.org)",
            "buttons": [
                {"title": "Test House", "payload": '/ask_topic{"topic":"house"}'},
                {"title": "Tax card", "payload": '/ask_topic{"topic":"tax_card"}'},
            ],
        }
    ]
    assert metadata == [{"outcome": "answer", "entry": "cpr", "kind": "details"}]


def test_a_question_about_a_detail_brings_that_sentence_into_the_first_bubble():
    _, messages = run(ActionAnswerTopic(), tracker("what should I bring, my passport?", "ask_topic", [topic("cpr")]))
    assert messages[0]["text"].startswith(
        "**CPR number**\n\nRegister to get a CPR number. Bring your passport.\n\nMore information:")
    # "More details" then shows only what is left (the steps), not the passport sentence again.
    events = [
        {"event": "user", "text": "what should I bring, my passport?"},
        {"event": "bot", "text": messages[0]["text"], "metadata": {"entry": "cpr", "kind": "topic"}},
        {"event": "slot", "name": "topic", "value": "cpr"},
        {"event": "user", "text": "tell me more"},
    ]
    _, more = run(ActionMoreDetails(), tracker("tell me more", "more_details", slots={"topic": "cpr"}, events=events))
    assert "Bring your passport" not in more[0]["text"]
    assert "What you need to do depends on your citizenship:" in more[0]["text"]


def test_topic_caveat_waits_for_more_details():
    events, messages = run(ActionAnswerTopic(), tracker("tax card?", "ask_topic", [topic("tax_card")]))
    assert events == [{"event": "slot", "timestamp": None, "name": "topic", "value": "tax_card"}]
    assert messages[0]["text"] == (
        "**Tax card**\n\nWithout a tax card 55% is withheld.\n\nMore information: [Tax](https://tax.example.org)"
    )
    assert messages[0]["buttons"] == [{"title": "More details", "payload": '/more_details{"topic":"tax_card"}'}]
    _, more = run(ActionMoreDetails(), tracker("more", "more_details", slots={"topic": "tax_card"}))
    assert more[0]["text"] == (
        "**Tax card**\n\n"
        "Please note: The form number may have changed. Check the current information on [Tax](https://tax.example.org)"
        "\n\nMore information: [Tax](https://tax.example.org)"
    )


def test_more_details_when_there_is_nothing_more_says_so_with_the_official_page():
    _, messages = run(ActionAnswerTopic(), tracker("programmes", "ask_topic", [topic("programmes")]))
    assert all(button["title"] != "More details" for button in messages[0]["buttons"])
    _, more = run(ActionMoreDetails(), tracker("more", "more_details", slots={"topic": "programmes"}))
    assert more[0]["text"].startswith("That is all I have about ")


def test_tell_me_more_about_another_entry_answers_that_entry_from_its_start():
    """"tell me more about the CPR" after the tax card: CPR's answer, not the rest of one never given."""
    history = [{"event": "user", "text": "tax card?"}, {"event": "slot", "name": "topic", "value": "tax_card"},
               {"event": "user", "text": "tell me more about the cpr"}]
    events, messages, metadata = run_with_metadata(ActionMoreDetails(), tracker(
        "tell me more about the cpr", "more_details", [topic("cpr")], slots={"topic": "cpr"}, events=history))
    assert metadata == [{"outcome": "answer", "entry": "cpr", "kind": "topic"}]
    assert messages[0]["text"].startswith("**CPR number**\n\nRegister to get a CPR number.")
    assert events == [{"event": "slot", "timestamp": None, "name": "topic", "value": "cpr"}]
    # An earlier answer's "More details" button still brings that entry's details.
    _, _, metadata = run_with_metadata(ActionMoreDetails(), tracker(
        '/more_details{"topic":"cpr"}', "more_details", [topic("cpr")], slots={"topic": "cpr"}, events=history))
    assert metadata == [{"outcome": "answer", "entry": "cpr", "kind": "details"}]


def test_more_details_without_a_topic_asks_which_area():
    events, messages = run(ActionMoreDetails(), tracker("more", "more_details"))
    assert events == []
    assert messages[0]["buttons"] == AREA_BUTTONS


def test_list_entry_offers_its_items_as_buttons():
    _, messages = run(ActionAnswerTopic(), tracker("programmes", "ask_topic", [topic("programmes")]))
    assert messages[0]["text"].endswith("Choose a topic to read more:")
    assert messages[0]["buttons"] == [
        {"title": "CPR number", "payload": '/ask_topic{"topic":"cpr"}'},
        {"title": "Tax card", "payload": '/ask_topic{"topic":"tax_card"}'},
    ]


def test_topic_not_found_asks_which_area_and_sets_nothing():
    events, messages, metadata = run_with_metadata(ActionAnswerTopic(), tracker("tell me about it", "ask_topic"))
    assert events == []
    assert metadata == [{"outcome": "menu"}]
    assert messages == [
        {"text": "Which office or topic do you mean? Here are the main areas I can help with:",
         "buttons": AREA_BUTTONS}
    ]


def test_unknown_topic_value_is_treated_as_not_found():
    events, messages = run(ActionAnswerTopic(), tracker("x", "ask_topic", [topic("no_such_entry")]))
    assert events == []
    assert messages[0]["buttons"] == AREA_BUTTONS


def test_two_topics_are_ambiguous():
    events, messages, metadata = run_with_metadata(
        ActionAnswerTopic(), tracker("cpr or tax card", "ask_topic", [topic("cpr"), topic("tax_card")])
    )
    # A follow-up typed instead of a tap is about the first candidate (not the slot mapping's last name).
    assert events == [{"event": "slot", "timestamp": None, "name": "topic", "value": "cpr"}]
    assert metadata == [{"outcome": "clarify", "candidates": ["cpr", "tax_card"]}]
    assert messages == [
        {
            "text": "I found more than one match. Which one do you mean?",
            "buttons": [
                {"title": "CPR number", "payload": '/ask_topic{"topic":"cpr"}'},
                {"title": "Tax card", "payload": '/ask_topic{"topic":"tax_card"}'},
            ],
        }
    ]


def test_close_entries_that_include_the_current_topic_are_a_follow_up_about_it():
    """Two close candidates, one of them the topic just answered: answer it, do not ask back."""
    events, messages, metadata = run_with_metadata(
        ActionAnswerTopic(),
        tracker("and do I need it first?", "ask_topic", [topic("cpr"), topic("tax_card")], slots={"topic": "tax_card"}),
    )
    assert events == [{"event": "slot", "timestamp": None, "name": "topic", "value": "tax_card"}]
    assert metadata[0]["outcome"] == "answer" and metadata[0]["entry"] == "tax_card"
    assert messages[0]["text"].startswith("**Tax card**")
    # Close entries without the current topic among them: still "which one do you mean?".
    events, _, metadata = run_with_metadata(
        ActionAnswerTopic(), tracker("cpr or tax card", "ask_topic", [topic("cpr"), topic("tax_card")],
                                     slots={"topic": "mitid"}),
    )
    assert events == [{"event": "slot", "timestamp": None, "name": "topic", "value": "cpr"}]
    assert metadata == [{"outcome": "clarify", "candidates": ["cpr", "tax_card"]}]


def test_a_follow_up_naming_the_topic_and_one_of_its_items_is_about_the_item():
    """"and Wismar, how long has it been a twin town?" after the twin cities: Wismar, not the overview again.

    In the fixture content the programmes list has the CPR number and the tax card as its items.
    """
    events, _, metadata = run_with_metadata(
        ActionAnswerTopic(),
        tracker("and the cpr one of the programmes, how long is it?", "ask_topic",
                [topic("cpr"), topic("programmes")], slots={"topic": "programmes"}),
    )
    assert metadata[0]["outcome"] == "answer" and metadata[0]["entry"] == "cpr"
    assert events == [{"event": "slot", "timestamp": None, "name": "topic", "value": "cpr"}]
    # Two of its items named: the topic stays, as before.
    _, _, metadata = run_with_metadata(
        ActionAnswerTopic(),
        tracker("cpr and tax card in the programmes?", "ask_topic",
                [topic("cpr"), topic("tax_card"), topic("programmes")], slots={"topic": "programmes"}),
    )
    assert metadata[0]["outcome"] == "answer" and metadata[0]["entry"] == "programmes"


def inferred(value: str, confidence: float) -> Dict[str, Any]:
    """A topic entity the topic model inferred (no span in the message), as the TopicClassifier adds it."""
    return {"entity": "topic", "value": value, "start": 0, "end": 0, "confidence": confidence,
            "extractor": "TopicClassifier"}


def test_an_unsure_inferred_entry_does_not_replace_the_conversations_topic():
    """"is it mandatory to read it?" after Digital Post, read alone as another entry (0.32): stays on the topic."""
    events, _, metadata = run_with_metadata(
        ActionAnswerTopic(),
        tracker("is it mandatory to read it?", "ask_topic", [inferred("cpr", 0.32)], slots={"topic": "tax_card"}),
    )
    assert events == [{"event": "slot", "timestamp": None, "name": "topic", "value": "tax_card"}]
    assert metadata[0]["outcome"] == "answer" and metadata[0]["entry"] == "tax_card"
    # Unsure close candidates without the topic among them: also the topic, not "which one do you mean?".
    _, _, metadata = run_with_metadata(
        ActionAnswerTopic(),
        tracker("when does it come?", "ask_topic", [inferred("cpr", 0.4), inferred("house", 0.4)],
                slots={"topic": "tax_card"}),
    )
    assert metadata[0]["entry"] == "tax_card"


def test_a_sure_inferred_entry_or_a_named_one_replaces_the_conversations_topic():
    events, _, metadata = run_with_metadata(
        ActionAnswerTopic(),
        tracker("and something to meet danes?", "ask_topic", [inferred("cpr", 0.85)], slots={"topic": "tax_card"}),
    )
    assert events == [{"event": "slot", "timestamp": None, "name": "topic", "value": "cpr"}]
    assert metadata[0]["entry"] == "cpr"
    # A name in the message wins however sure the model is: the gazetteer's entity has a span.
    named = {**topic("cpr"), "extractor": "ContentEntityExtractor"}
    _, _, metadata = run_with_metadata(
        ActionAnswerTopic(), tracker("and the cpr?", "ask_topic", [named], slots={"topic": "tax_card"}),
    )
    assert metadata[0]["entry"] == "cpr"
    # Without a conversation topic the unsure inferred entry is answered.
    _, _, metadata = run_with_metadata(
        ActionAnswerTopic(), tracker("is it mandatory?", "ask_topic", [inferred("cpr", 0.32)]),
    )
    assert metadata[0]["entry"] == "cpr"


def test_an_entry_named_as_a_condition_of_the_topic_keeps_the_topic():
    """"and if I don't have a CPR yet?" after the tax card: the model reads a follow-up (0.9), the topic stays."""
    named = {**topic("cpr"), "extractor": "ContentEntityExtractor"}

    def asked(text: str, follow_up: float, entities: List[Dict[str, Any]]) -> Tracker:
        state = tracker(text, "ask_topic", entities, slots={"topic": "tax_card"})
        state.latest_message["topic_ranking"] = {"outcome": "answer", "entries": [{"entry": "cpr", "score": 0.4}],
                                                 "none": 0.0, "chat": 0.0, "follow_up": follow_up}
        return state

    events, _, metadata = run_with_metadata(ActionAnswerTopic(), asked("and without a cpr?", 0.9, [named]))
    assert events == [{"event": "slot", "timestamp": None, "name": "topic", "value": "tax_card"}]
    assert metadata[0]["outcome"] == "answer" and metadata[0]["entry"] == "tax_card"
    # Read as a question about the CPR number (follow-up below 0.3): the topic switches.
    events, _, metadata = run_with_metadata(ActionAnswerTopic(), asked("and where do I get a cpr?", 0.1, [named]))
    assert events == [{"event": "slot", "timestamp": None, "name": "topic", "value": "cpr"}]
    assert metadata[0]["entry"] == "cpr"
    # Two other entries named: not a condition of the topic; the usual "which one do you mean?".
    two = [named, {**topic("house"), "extractor": "ContentEntityExtractor"}]
    _, _, metadata = run_with_metadata(ActionAnswerTopic(), asked("cpr or the house?", 0.9, two))
    assert metadata == [{"outcome": "clarify", "candidates": ["cpr", "house"]}]


def test_follow_up_uses_the_topic_slot():
    events, messages = run(ActionAnswerTopic(), tracker("tell me more", "ask_topic", slots={"topic": "tax_card"}))
    assert events == [{"event": "slot", "timestamp": None, "name": "topic", "value": "tax_card"}]
    assert messages[0]["text"].startswith("**Tax card**")


# ------------------------------------------------------------------ contact and address


def test_contact_card():
    events, messages, metadata = run_with_metadata(ActionAnswerContact(), tracker("phone of the house", "ask_contact",
                                                                                  [topic("house")]))
    assert events == [{"event": "slot", "timestamp": None, "name": "topic", "value": "house"}]
    assert metadata == [{"outcome": "answer", "entry": "house", "kind": "contact"}]
    assert messages == [
        {
            "text": "Contact details for Test House:\nPhone: +45 11 22 33 44\nE-mail: info@house.example.org\n"
            "Address: Testgade 1, 2nd floor, 9000 Aalborg\nWeb: [Test House](https://house.example.org)",
            "buttons": [],
        }
    ]


def test_contact_follow_up_after_a_topic_without_contact_details_gives_the_whole_entry():
    events, messages, metadata = run_with_metadata(
        ActionAnswerContact(), tracker("and the phone number?", "ask_contact", slots={"topic": "office"})
    )
    assert events == [{"event": "slot", "timestamp": None, "name": "topic", "value": "office"}]
    assert messages[0]["text"] == (
        "**Faraway Office**\n\nAn office with no known address.\n\nMore information: [Office](https://office.example.org)"
    )
    assert metadata == [{"outcome": "answer", "entry": "office", "kind": "topic"}]


def test_contact_without_any_topic_defaults_to_the_house_of_the_real_content(monkeypatch, fixture_kb):
    # ActionAnswerContact falls back to IHND; the fixture has no "ihnd", so it asks which.
    events, messages = run(ActionAnswerContact(), tracker("who can i call", "ask_contact"))
    assert events == []
    assert messages[0]["buttons"] == AREA_BUTTONS


def test_address_with_map_link():
    events, messages = run(ActionAnswerAddress(), tracker("where is the house", "ask_address", [topic("house")]))
    assert events == [{"event": "slot", "timestamp": None, "name": "topic", "value": "house"}]
    assert messages[0]["text"] == (
        "Test House is at Testgade 1, 2nd floor, 9000 Aalborg.\n"
        "Map: [OpenStreetMap](https://www.openstreetmap.org/search?query=Testgade+1%2C+9000+Aalborg)\n"
        "More information: [Test House](https://house.example.org)"
    )


def test_where_question_about_an_entry_without_address_gets_the_whole_entry():
    # "Where can I learn Danish?" asks about the service, not about a street (issue #12).
    _, messages, metadata = run_with_metadata(ActionAnswerAddress(), tracker("where is it", "ask_address",
                                                                             [topic("office")]))
    assert messages[0]["text"] == (
        "**Faraway Office**\n\nAn office with no known address.\n\nMore information: [Office](https://office.example.org)"
    )
    assert "street address" not in messages[0]["text"]
    assert metadata == [{"outcome": "answer", "entry": "office", "kind": "topic"}]


def test_address_ambiguous():
    events, messages = run(ActionAnswerAddress(), tracker("where", "ask_address", [topic("house"), topic("office")]))
    assert events == [{"event": "slot", "timestamp": None, "name": "topic", "value": "house"}]
    assert messages[0]["text"] == "I found more than one match. Which one do you mean?"


# ------------------------------------------------------------------ hours


def test_hours_now_and_week():
    events, messages = run(ActionAnswerHours(), tracker("when is the house open", "ask_hours", [topic("house")]))
    assert events == [{"event": "slot", "timestamp": None, "name": "topic", "value": "house"}]
    assert messages[0]["text"] == (
        "Test House is open now, until 15:00.\n\n"
        "Opening hours of Test House (desk):\n"
        "- Monday: 08:30–15:00\n- Tuesday: closed, not confirmed\n- Wednesday: 08:30–15:00\n"
        "- Thursday: 08:30–16:00\n- Friday: 08:30–13:00\n- Saturday: closed\n- Sunday: closed\n\n"
        "Phone hours of Test House:\n"
        "- Monday: 09:00–12:00\n- Tuesday: 09:00–12:00, not confirmed\n- Wednesday: 09:00–12:00\n"
        "- Thursday: 09:00–12:00\n- Friday: 09:00–12:00\n- Saturday: not stated\n- Sunday: not stated\n\n"
        "The official page is unclear about Tuesday, so the hours shown for it are not confirmed. "
        "To check, call +45 11 22 33 44 or see [Test House](https://house.example.org)"
    )


def test_an_hours_question_the_topic_model_places_outside_is_out_of_scope_not_the_house(monkeypatch):
    """"ma doare o masea, unde gasesc un dentist care ma primeste azi?" (none 0.58) got the house's hours."""
    monkeypatch.setattr(ActionAnswerHours, "default_entry_id", "house")
    today = {"entity": "day", "value": "today"}
    events, messages, metadata = run_with_metadata(
        ActionAnswerHours(), tracker("where is a dentist who takes me today?", "ask_hours", [today], none=0.58))
    assert (events, messages) == ([], [{"text": None, "buttons": []}])
    assert metadata == [{"outcome": "out_of_scope"}]
    # "are you open today?" (none 0.00) is about the house, and so is the same question in a conversation.
    house_today = ("On Monday 30 November, Test House is open 08:30–15:00.\n"
                   "Phone hours on Monday 30 November: 09:00–12:00.")
    _, messages = run(ActionAnswerHours(), tracker("are you open today?", "ask_hours", [today], none=0.0))
    assert messages[0]["text"] == house_today
    _, messages = run(ActionAnswerHours(), tracker("open today?", "ask_hours", [today], {"topic": "house"}, none=0.7))
    assert messages[0]["text"] == house_today


def test_hours_is_it_open_now_after_hours(monkeypatch):
    monkeypatch.setattr(actions.base, "clock", lambda: cph(2026, 12, 4, 14, 0))  # Friday after 13:00
    day = {"entity": "day", "value": "now"}
    _, messages = run(ActionAnswerHours(), tracker("is it open now", "ask_hours", [day], slots={"topic": "house"}))
    assert messages[0]["text"] == "Test House is closed right now.\nIt opens again on Monday 7 December at 08:30."


def test_hours_on_a_given_weekday():
    day = {"entity": "day", "value": "fri"}
    _, messages = run(ActionAnswerHours(), tracker("open on friday?", "ask_hours", [topic("house"), day]))
    assert messages[0]["text"] == (
        "On Friday 4 December, Test House is open 08:30–13:00.\nPhone hours on Friday 4 December: 09:00–12:00."
    )


def test_hours_phone_only():
    extra = [{"entity": "day", "value": "thu"}, {"entity": "hours_kind", "value": "phone"}]
    question = tracker("when can i call on thursday", "ask_hours", [topic("house"), *extra])
    _, messages = run(ActionAnswerHours(), question)
    assert messages[0]["text"] == "Phone hours on Thursday 3 December: 09:00–12:00."


def test_hours_on_the_uncertain_day_says_so():
    day = {"entity": "day", "value": "tue"}
    _, messages = run(ActionAnswerHours(), tracker("tuesday?", "ask_hours", [topic("house"), day]))
    assert messages[0]["text"] == (
        "Test House is most likely closed on Tuesday 1 December, but this is not confirmed: the official page "
        "is unclear about Tuesday.\nPhone hours on Tuesday 1 December: 09:00–12:00.\n"
        "To check, call +45 11 22 33 44 or see [Test House](https://house.example.org)"
    )


def test_hours_on_a_public_holiday(monkeypatch):
    monkeypatch.setattr(actions.base, "clock", lambda: cph(2026, 12, 24, 9, 0))  # Thursday 24 Dec
    day = {"entity": "day", "value": "tomorrow"}
    _, messages = run(ActionAnswerHours(), tracker("open tomorrow?", "ask_hours", [topic("house"), day]))
    assert messages[0]["text"] == (
        "Friday 25 December is a public holiday in Denmark (Christmas Day).\n"
        "On Friday 25 December, Test House is closed.\nThe phone line is closed on Friday 25 December."
    )


def test_hours_on_a_date_in_the_question(monkeypatch):
    """The date written in the message wins; Christmas Eve's hours are not sourced, so not confirmed."""
    monkeypatch.setattr(actions.base, "clock", lambda: cph(2026, 12, 3, 10, 0))
    _, messages = run(ActionAnswerHours(), tracker("is the house open on 24 December?", "ask_hours",
                                                   [topic("house")]))
    assert messages[0]["text"] == (
        "Thursday 24 December is Christmas Eve, which is not a public holiday in Denmark.\n"
        "The hours of Test House on Thursday 24 December are not confirmed: none of my sources states them. "
        "To check, call +45 11 22 33 44 or see [Test House](https://house.example.org)"
    )


def test_hours_between_christmas_and_new_year(monkeypatch):
    monkeypatch.setattr(actions.base, "clock", lambda: cph(2026, 12, 3, 10, 0))
    _, messages = run(ActionAnswerHours(), tracker("is the house open between Christmas and New Year?",
                                                   "ask_hours", [topic("house")]))
    assert messages[0]["text"] == (
        "Opening hours of Test House from Sunday 27 December to Wednesday 30 December:\n\n"
        "Opening hours of Test House (desk):\n"
        "- Sunday 27 December: closed\n- Monday 28 December: not confirmed\n"
        "- Tuesday 29 December: not confirmed\n- Wednesday 30 December: not confirmed\n\n"
        "Phone hours of Test House:\n"  # no phone hours are stated for Sundays
        "- Sunday 27 December: not confirmed\n- Monday 28 December: not confirmed\n"
        "- Tuesday 29 December: not confirmed\n- Wednesday 30 December: not confirmed\n\n"
        "Where it says \"not confirmed\", none of my sources states the hours for that day. "
        "To check, call +45 11 22 33 44 or see [Test House](https://house.example.org)"
    )


def test_an_expired_entry_says_its_period_has_ended(monkeypatch):
    monkeypatch.setattr(actions.base, "clock", lambda: cph(2027, 1, 5, 10, 0))
    _, messages = run(ActionAnswerTopic(), tracker("tell me about the plan", "ask_topic", [topic("plan")]))
    assert messages[0]["text"].startswith(
        "**Old plan**\n\nThis information is about the period from 1 January 2023 to 31 December 2026, "
        "which has ended. A newer version may exist: check [Old plan](https://plan.example.org)"
        "\n\nA plan for 2023-2026."
    )


def test_when_question_about_an_entry_without_hours_gets_the_whole_entry():
    _, messages, metadata = run_with_metadata(ActionAnswerHours(), tracker("when is cpr open", "ask_hours",
                                                                           [topic("cpr")]))
    assert messages[0]["text"].startswith("**CPR number**\n\nRegister to get a CPR number.")
    assert metadata == [{"outcome": "answer", "entry": "cpr", "kind": "topic"}]


# ------------------------------------------------------------------ fallback


def test_fallback_offers_matches_and_a_person(monkeypatch, fixture_kb):
    # The fixture has no "ihnd" entry, so point the human contact at the fixture's house.
    monkeypatch.setattr("bot.answers.HUMAN_CONTACT_ID", "house")
    events, messages, metadata = run_with_metadata(ActionSearchContent(),
                                                   tracker("personal number passport", "nlu_fallback"))
    assert events == []
    assert metadata == [{"outcome": "search", "candidates": ["cpr"]}, {}]
    assert messages == [
        {"text": "I'm not sure I understood. Did you mean one of these?",
         "buttons": [{"title": "CPR number", "payload": '/ask_topic{"topic":"cpr"}'}]},
        {"text": "You can also ask the staff at Test House: phone +45 11 22 33 44, e-mail info@house.example.org. "
                 "Their desk is open now, until 15:00.",
         "buttons": []},
    ]


def test_fallback_with_no_match_offers_the_areas(monkeypatch):
    monkeypatch.setattr("bot.answers.HUMAN_CONTACT_ID", "house")
    monkeypatch.setattr(actions.base, "clock", lambda: cph(2026, 12, 5, 10, 0))  # Saturday
    events, messages, metadata = run_with_metadata(ActionSearchContent(), tracker("qwzx plorf", "nlu_fallback"))
    assert events == []
    assert metadata[0] == {"outcome": "nothing"}
    assert messages[0] == {"text": "I'm not sure I understood, and I couldn't find a matching topic.",
                           "buttons": AREA_BUTTONS}
    assert messages[1]["text"].endswith("Their desk is closed right now.")


def test_out_of_scope_says_so_unless_it_is_a_follow_up_the_topic_model_places_in_our_content():
    """"do we pay anything for it?" after an answer, read as out of scope (topic model: none 0.01)."""
    history = [{"event": "user", "text": "how do i get a tax card"}, slot_event("tax_card"),
               {"event": "bot", "text": "..."}, {"event": "user", "text": "do we pay anything for it?"}]
    events, _, metadata = run_with_metadata(ActionOutOfScope(), tracker(
        "do we pay anything for it?", "out_of_scope", slots={"topic": "tax_card"}, events=history, none=0.01))
    assert metadata == [{"outcome": "answer", "entry": "tax_card", "kind": "topic"}]
    assert events == [{"event": "slot", "timestamp": None, "name": "topic", "value": "tax_card"}]
    # The model agrees it is none of ours ("and the weather in winter?"), there is no topic yet, or
    # the model did not run: the out-of-scope response, marked as such for the console's counts.
    for track in (
        tracker("and the weather in winter?", "out_of_scope", slots={"topic": "tax_card"}, events=history, none=0.94),
        tracker("do we pay anything for it?", "out_of_scope", none=0.01),
        tracker("do we pay anything for it?", "out_of_scope", slots={"topic": "tax_card"}, events=history),
    ):
        dispatcher = CollectingDispatcher()
        assert asyncio.run(ActionOutOfScope().run(dispatcher, track, {})) == []
        assert [(m["response"], m["outcome"]) for m in dispatcher.messages] == [("utter_out_of_scope", "out_of_scope")]


def test_a_short_question_for_a_figure_is_a_follow_up_unless_the_model_is_sure_it_is_none_of_ours():
    """"ile kosztuje?" after the EU residence document: out of scope 0.38, the topic model's none 0.58."""
    history = [{"event": "user", "text": "how do i get a tax card"}, slot_event("tax_card"),
               {"event": "bot", "text": "..."}, {"event": "user", "text": "how much is it?"}]
    for text, language in (("how much is it?", "en"), ("ile kosztuje?", "pl"), ("hvad koster det?", "da")):
        track = tracker(text, "out_of_scope", slots={"topic": "tax_card", "language": language}, events=history,
                        none=0.58)
        _, _, metadata = run_with_metadata(ActionOutOfScope(), track)
        assert metadata == [{"outcome": "answer", "entry": "tax_card", "kind": "topic"}], text
    # Sure it is none of ours, longer than four words, no figure asked, or a figure word of another language.
    for text, language, none in (("how much is it?", "en", 0.93), ("how much is a beer in aalborg?", "en", 0.58),
                                 ("is the weather nice?", "en", 0.58), ("ile kosztuje?", "en", 0.58)):
        track = tracker(text, "out_of_scope", slots={"topic": "tax_card", "language": language}, events=history,
                        none=none)
        _, _, metadata = run_with_metadata(ActionOutOfScope(), track)
        assert metadata == [{"outcome": "out_of_scope"}], text


def test_a_fallback_inside_a_conversation_is_a_follow_up_about_its_topic():
    """"cuantos meses dura" after Culture Companions: the classifier unsure, nothing named, our content."""
    history = [{"event": "user", "text": "what is cpr"}, slot_event("cpr"), {"event": "user", "text": "x"}]
    _, messages, metadata = run_with_metadata(ActionSearchContent(), tracker(
        "how many months does it last", "nlu_fallback", slots={"topic": "cpr"}, events=history, none=0.08))
    assert metadata == [{"outcome": "answer", "entry": "cpr", "kind": "topic"}]
    assert messages[0]["text"].startswith("**CPR number**")
    # A message that names a topic of its own is left to the search.
    _, _, metadata = run_with_metadata(ActionSearchContent(), tracker(
        "personal number passport", "nlu_fallback", [topic("cpr")], slots={"topic": "cpr"}, events=history,
        none=0.08))
    assert metadata[0]["outcome"] == "search"


def slot_event(value: Optional[str]) -> Dict[str, Any]:
    return {"event": "slot", "name": "topic", "value": value}


def test_the_slot_set_by_the_message_itself_is_not_the_current_topic():
    """The topic slot's entity mapping has already run: only what was set before the message counts."""
    first = {"event": "user", "text": "hvad er cpr"}
    latest = {"event": "user", "text": "my husband is bored all day"}
    # New conversation: the slot holds a name from this very message, so the two names are asked back.
    events, _, metadata = run_with_metadata(
        ActionAnswerTopic(), tracker("my husband is bored all day", "ask_topic", [topic("cpr"), topic("tax_card")],
                                     slots={"topic": "tax_card"}, events=[latest, slot_event("tax_card")]))
    assert events == [{"event": "slot", "timestamp": None, "name": "topic", "value": "cpr"}]
    assert metadata == [{"outcome": "clarify", "candidates": ["cpr", "tax_card"]}]
    # The topic set by an earlier turn still makes it a follow-up about that topic.
    history = [first, slot_event("tax_card"), {"event": "bot", "text": "..."}, latest, slot_event("cpr")]
    events, _, metadata = run_with_metadata(
        ActionAnswerTopic(), tracker("and do I need it first?", "ask_topic", [topic("cpr"), topic("tax_card")],
                                     slots={"topic": "cpr"}, events=history))
    assert metadata[0]["outcome"] == "answer" and metadata[0]["entry"] == "tax_card"
    assert events == [{"event": "slot", "timestamp": None, "name": "topic", "value": "tax_card"}]
    # A restart forgets it.
    restarted = [first, slot_event("tax_card"), {"event": "restart"}, latest, slot_event("cpr")]
    _, _, metadata = run_with_metadata(
        ActionAnswerTopic(), tracker("cpr or tax card", "ask_topic", [topic("cpr"), topic("tax_card")],
                                     slots={"topic": "cpr"}, events=restarted))
    assert metadata == [{"outcome": "clarify", "candidates": ["cpr", "tax_card"]}]


def test_a_contact_card_taken_from_another_entry_names_it_and_stays_the_answer_about_the_topic(monkeypatch, real_kb):
    """"Who do I call about MitID?" gets MitID Support's card, named as such; MitID stays the topic."""
    monkeypatch.setattr(actions.base, "get_knowledge_base", lambda: real_kb)
    events, messages, metadata = run_with_metadata(
        ActionAnswerContact(), tracker("who do I call about mitid?", "ask_contact", [topic("mitid")]))
    assert events == [{"event": "slot", "timestamp": None, "name": "topic", "value": "mitid"}]
    assert metadata == [{"outcome": "answer", "entry": "mitid", "kind": "contact"}]
    assert messages[0]["text"].splitlines()[:2] == ["Contact details for MitID Support:", "Phone: +45 33 98 00 10"]
    # Without a CPR number, the question is MitID Support's own (bot/prerequisites.py).
    events, messages, metadata = run_with_metadata(
        ActionAnswerContact(), tracker("no cpr yet, who do I call about mitid?", "ask_contact", [topic("mitid")]))
    assert events == [{"event": "slot", "timestamp": None, "name": "topic", "value": "mitid_support"}]
    assert metadata == [{"outcome": "answer", "entry": "mitid_support", "kind": "contact"}]
    assert messages[0]["text"].splitlines()[:2] == ["Contact details for MitID Support:", "Phone: +45 33 98 00 10"]
    # The EU residence document sends you to SIRI's EU line, with the caveat about the two numbers.
    _, messages, metadata = run_with_metadata(
        ActionAnswerContact(), tracker("which number for my eu residence document", "ask_contact",
                                       [topic("eu_residence")]))
    assert metadata[0]["entry"] == "eu_residence"
    lines = messages[0]["text"].splitlines()
    assert lines[:3] == ["Contact details for SIRI (Danish Agency for International Recruitment and Integration):",
                         "Department: Phone line 1: EU residence documents", "Phone: +45 72 14 20 01"]
    assert "+45 72 14 20 04" in lines[-1]


def test_a_where_question_about_a_topic_with_an_office_gets_the_answer_and_the_address(monkeypatch, real_kb):
    """"where do I buy a Rejsekort?" was answered with NT's street address only (issue #12, class 3)."""
    monkeypatch.setattr(actions.base, "get_knowledge_base", lambda: real_kb)
    question = "where can I buy a ticket or a rejsekort?"
    _, messages, metadata = run_with_metadata(
        ActionAnswerAddress(), tracker(question, "ask_address", [topic("public_transport")]))
    assert metadata == [{"outcome": "answer", "entry": "public_transport", "kind": "topic"}]
    paragraphs = messages[0]["text"].split("\n\n")
    assert paragraphs[0] == "**Buses and trains**"
    assert "Buy a single ticket in the RejseBillet app, on the bus or at the station" in paragraphs[1]
    assert paragraphs[2].splitlines() == [
        "Buses and trains is at John F. Kennedys Plads 1, 9000 Aalborg.",
        "Map: [OpenStreetMap](https://www.openstreetmap.org/search?query=John+F.+Kennedys+Plads+1%2C+9000+Aalborg)"]
    # An organisation's address stays the address card.
    _, messages, metadata = run_with_metadata(
        ActionAnswerAddress(), tracker("where is international house?", "ask_address", [topic("ihnd")]))
    assert metadata[0]["kind"] == "address"


def test_a_long_contact_address_is_shown_with_a_readable_title(real_kb):
    """The tax line's page is 90 characters of query string: its link shows the entry's title for it."""
    from bot.answers import contact_answer

    text = contact_answer(real_kb.get("tax_card"), "en", real_kb).text
    web = next(line for line in text.splitlines() if line.startswith("Web: "))
    assert web.startswith("Web: [Life in Denmark: apply for a tax card](https://lifeindenmark.borger.dk/actionpage?")


# ------------------------------------------------------------------ "what's next?" outside the checklist


def test_a_typed_next_step_after_another_topic_without_a_checklist_is_a_follow_up_about_the_topic():
    """"hvad koster det så?" after Danish lessons was read as ``next_step`` and started the checklist."""
    from actions.first_steps import ActionFirstStepsChecklist

    history = [{"event": "user", "text": "what is a tax card"}, slot_event("tax_card"), {"event": "bot", "text": "..."},
               {"event": "user", "text": "and what does it cost then?"}]
    typed = tracker("and what does it cost then?", "next_step", slots={"topic": "tax_card"}, events=history)
    events, messages, metadata = run_with_metadata(ActionFirstStepsChecklist(), typed)
    assert metadata == [{"outcome": "answer", "entry": "tax_card", "kind": "topic"}]
    assert messages[0]["text"].startswith("**Tax card**")
    assert events == [{"event": "slot", "timestamp": None, "name": "topic", "value": "tax_card"}]


def test_the_checklists_own_next_button_and_a_started_checklist_still_continue_it():
    from actions.first_steps import ActionFirstStepsChecklist

    # The button's payload, even after another topic: the checklist's questions are asked (form starts).
    button = tracker("/next_step", "next_step", slots={"topic": "tax_card"})
    events, messages = run(ActionFirstStepsChecklist(), button)
    assert events == [{"event": "followup", "timestamp": None, "name": "first_steps_form"}] and messages == []
    # Typed, by someone who answered the checklist's two questions: the next page of their list.
    typed = tracker("what's next?", "next_step", slots={"topic": "tax_card", "citizenship_group": "eu",
                                                        "arrival_reason": "work", "checklist_next": 3.0})
    events, _, metadata = run_with_metadata(ActionFirstStepsChecklist(), typed)
    assert metadata == [{"outcome": "answer", "entry": "getting_started", "kind": "checklist"}]
    assert events[0] == {"event": "slot", "timestamp": None, "name": "checklist_next", "value": 6.0}
    # Typed, with no topic before it: the checklist starts.
    events, _ = run(ActionFirstStepsChecklist(), tracker("what now?", "next_step"))
    assert events == [{"event": "followup", "timestamp": None, "name": "first_steps_form"}]


def test_a_question_about_the_topics_closed_time_is_a_follow_up_unless_the_model_is_sure(monkeypatch, real_kb):
    """"¿y si mi hijo se pone malo de noche?" after the family doctor: out of scope 0.89, none 0.72 once
    the examples of night pharmacies and night vets were learned (2026-12-07); the out-of-hours doctor
    answers for the family doctor at night."""
    monkeypatch.setattr(actions.base, "get_knowledge_base", lambda: real_kb)
    history = [{"event": "user", "text": "¿cómo elijo un médico de cabecera aquí?"}, slot_event("family_doctor"),
               {"event": "bot", "text": "..."}, {"event": "user", "text": "¿y si mi hijo se pone malo de noche?"}]
    slots = {"topic": "family_doctor", "language": "es"}
    _, _, metadata = run_with_metadata(ActionOutOfScope(), tracker(
        "¿y si mi hijo se pone malo de noche?", "out_of_scope", slots=slots, events=history, none=0.72))
    assert metadata == [{"outcome": "answer", "entry": "out_of_hours_doctor", "kind": "topic"}]
    # Sure it is none of ours, or no closed time asked about: out of scope.
    for text, none in (("¿y si mi hijo se pone malo de noche?", 0.95), ("¿y el dentista de mi hijo?", 0.72)):
        _, _, metadata = run_with_metadata(ActionOutOfScope(), tracker(
            text, "out_of_scope", slots=slots, events=history, none=none))
        assert metadata == [{"outcome": "out_of_scope"}], text
