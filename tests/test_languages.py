"""The rule that decides a conversation's language, and the action that applies it."""

from __future__ import annotations

import asyncio

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.language import ActionValidateSlotMappings
from bot.languages import decide_language, load_languages

SUPPORTED = ("en", "da", "de", "pl", "uk", "ro", "es", "ar")


def entity(name, value, **extra):
    return {"entity": name, "value": value, **extra}


def test_explicit_request_wins_over_widget_and_detection():
    decision = decide_language(
        "pl", "switch_language",
        [entity("language", "da"), entity("detected_language", "de", source="metadata"),
         entity("detected_language", "en", source="text")],
        SUPPORTED,
    )
    assert (decision.language, decision.changed, decision.reason) == ("da", True, "request")


def test_a_language_name_outside_a_request_does_not_switch():
    decision = decide_language("en", "ask_topic", [entity("language", "da")], SUPPORTED)
    assert (decision.language, decision.changed, decision.reason) == ("en", False, "kept")


def test_widget_language_wins_over_detection():
    decision = decide_language(
        "en", "ask_topic",
        [entity("detected_language", "en", source="text"), entity("detected_language", "da", source="metadata")],
        SUPPORTED,
    )
    assert (decision.language, decision.reason) == ("da", "widget")


def test_detection_switches_and_short_messages_keep_the_language():
    assert decide_language("pl", "ask_topic", [entity("detected_language", "de", source="text")],
                           SUPPORTED).language == "de"
    kept = decide_language("pl", "affirm", [], SUPPORTED)
    assert (kept.language, kept.changed, kept.reason) == ("pl", False, "kept")


def test_first_message_without_signal_is_english():
    decision = decide_language(None, "greet", [], SUPPORTED)
    assert (decision.language, decision.reason) == ("en", "kept")


def test_unsupported_language_answers_in_english():
    decision = decide_language("pl", "ask_topic", [entity("unsupported_language", "fr")], SUPPORTED)
    assert (decision.language, decision.changed, decision.unsupported) == ("en", True, "fr")


def tracker(slots, intent, entities):
    return Tracker("t", slots, {"text": "x", "intent": {"name": intent}, "entities": entities}, [], False, None, {},
                   "action_listen")


def run(track):
    dispatcher = CollectingDispatcher()
    events = asyncio.run(ActionValidateSlotMappings().run(dispatcher, track, {}))
    return events, [m["text"] for m in dispatcher.messages]


@pytest.mark.skipif(len(load_languages()) < 2, reason="needs more than one supported language")
def test_action_sets_the_slot_on_a_request():
    events, texts = run(tracker({"language": "en"}, "switch_language", [entity("language", "da")]))
    assert events == [{"event": "slot", "timestamp": None, "name": "language", "value": "da"}]
    assert texts == []


def test_action_keeps_the_slot_when_nothing_changes():
    events, texts = run(tracker({"language": "en"}, "affirm", []))
    assert events == [] and texts == []


def test_action_announces_an_unsupported_language_in_english():
    names = ", ".join(language.name for language in load_languages())
    events, texts = run(tracker({"language": "en"}, "ask_topic", [entity("unsupported_language", "fr")]))
    assert texts == [f"Sorry, I can't write in that language yet. I speak {names}. Here is my answer in English:"]
    assert events == []  # already English


# ------------------------------------------------------------------ the widget's untouched picker (issue #12)


def test_a_clear_message_wins_over_a_picker_nobody_touched():
    # A Danish sentence typed into a widget that still shows its default English.
    decision = decide_language(
        "en", "ask_topic",
        [entity("detected_language", "da", source="text")],
        SUPPORTED,
    )
    assert (decision.language, decision.reason) == ("da", "detected")


def test_the_untouched_picker_is_the_default_of_a_first_short_message():
    entities = [entity("detected_language", "de", source="widget_default")]
    first = decide_language("en", "greet", entities, SUPPORTED, first_message=True)
    assert (first.language, first.reason) == ("de", "widget_default")


def test_later_short_messages_keep_the_conversation_language_whatever_the_untouched_picker_says():
    entities = [entity("detected_language", "en", source="widget_default")]
    later = decide_language("da", "affirm", entities, SUPPORTED, first_message=False)
    assert (later.language, later.changed, later.reason) == ("da", False, "kept")


def test_an_unrecognised_unsupported_message_does_not_fall_back_to_the_untouched_picker():
    entities = [entity("unsupported_language", "fr")]
    decision = decide_language("da", "ask_topic", entities, SUPPORTED, first_message=True)
    assert (decision.language, decision.unsupported) == ("en", "fr")


def test_the_action_knows_the_first_message_of_a_conversation():
    entities = [entity("detected_language", "pl", source="widget_default")]
    first = Tracker("t", {"language": "en"}, {"text": "hej", "intent": {"name": "greet"}, "entities": entities},
                    [{"event": "user", "text": "hej"}], False, None, {}, "action_listen")
    events, _ = run(first)
    assert events == [{"event": "slot", "timestamp": None, "name": "language", "value": "pl"}]
    later = Tracker("t", {"language": "da"}, {"text": "ok", "intent": {"name": "affirm"}, "entities": entities},
                    [{"event": "user", "text": "hej"}, {"event": "user", "text": "ok"}], False, None, {},
                    "action_listen")
    events, _ = run(later)
    assert events == []


# ------------------------------------------------------------------ the same step inside the Rasa server (issue #16)

IN_PROCESS_CASES = [
    # (slot before, intent, entities, earlier user messages)
    ("en", "switch_language", [entity("language", "da")], 3),
    ("en", "affirm", [], 2),
    ("da", "ask_topic", [entity("unsupported_language", "fr")], 1),
    ("en", "ask_topic", [entity("unsupported_language", "fr")], 4),
    ("en", "ask_topic", [entity("detected_language", "de", source="metadata")], 1),
    ("pl", "ask_topic", [entity("detected_language", "uk", source="text")], 5),
    ("en", "greet", [entity("detected_language", "pl", source="widget_default")], 0),
    ("da", "affirm", [entity("detected_language", "pl", source="widget_default")], 1),
]


@pytest.mark.parametrize("slot,intent,entities,earlier", IN_PROCESS_CASES)
def test_the_rasa_server_decides_the_language_as_the_action_server_does(slot, intent, entities, earlier):
    """bot.in_process_language gives Rasa the events the remote action returned, in every branch."""
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import BotUttered, SlotSet, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    from bot.in_process_language import language_events

    parse = {"text": "x", "intent": {"name": intent, "confidence": 1.0}, "entities": entities}
    sdk_events = [{"event": "user", "text": "earlier"}] * earlier + [{"event": "user", "text": "x"}]
    remote, texts = run(Tracker("t", {"language": slot}, parse, sdk_events, False, None, {}, "action_listen"))

    domain = Domain.from_path("domain.yml")
    rasa_events = [UserUttered("earlier", {"name": "affirm"}) for _ in range(earlier)]
    rasa_events += [SlotSet("language", slot), UserUttered("x", parse["intent"], entities)]
    local = language_events(DialogueStateTracker.from_events("t", rasa_events, slots=domain.slots))

    assert [event.text for event in local if isinstance(event, BotUttered)] == texts
    assert [{"event": "slot", "timestamp": None, "name": e.key, "value": e.value}
            for e in local if isinstance(e, SlotSet)] == remote


def test_the_rasa_server_never_calls_the_action_server_for_the_language_step():
    """With the step installed, Rasa's slot extraction needs no action endpoint for it."""
    from rasa.core.actions.action import ActionExtractSlots
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import SlotSet, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    from bot import in_process_language

    in_process_language.install()
    domain = Domain.from_path("domain.yml")
    tracker = DialogueStateTracker.from_events(
        "t", [UserUttered("hej med dig", {"name": "greet"}, [entity("detected_language", "da", source="text")])],
        slots=domain.slots)
    action = ActionExtractSlots(action_endpoint=None)  # a remote call would fail without an endpoint
    extracted = [SlotSet("topic", "cpr")]
    events = asyncio.run(action._execute_validation_action(extracted, None, None, tracker, domain))
    assert events == [SlotSet("language", "da"), SlotSet("topic", "cpr")]


def test_a_payload_is_answered_in_the_language_its_metadata_names():
    """The widget's /greet in a picked language: a payload skips the NLU, so the metadata decides."""
    from bot.languages import language_turn

    greet = {"intent": {"name": "greet"}, "entities": [], "text": "/greet",
             "metadata": {"language": "da", "language_chosen": True}}
    assert language_turn("en", greet, 1).slot == "da"
    # An untouched picker is only the first message's default; later it changes nothing.
    untouched = dict(greet, metadata={"language": "da", "language_chosen": False})
    assert language_turn("en", untouched, 1).slot == "da"
    assert language_turn("en", untouched, 3).slot is None
    # A typed message is the detector's business; unknown languages and odd metadata are ignored.
    assert language_turn("en", dict(greet, text="hej"), 1).slot is None
    assert language_turn("en", dict(greet, metadata={"language": "xx"}), 1).slot is None
    assert language_turn("en", dict(greet, metadata="da"), 1).slot is None


# ------------------------------------------------------------------ a short, unsure message later on (issue #12)

#: Per conversation language: a short follow-up written in it, and the language a detector misread
#: it as (with lingua's and the vocabulary's combined confidence, below SHORT_SWITCH_CONFIDENCE).
SHORT_MISREAD = {
    "en": ("and the kids?", "da"),
    "da": ("og børnene?", "de"),
    "de": ("und die Kinder?", "da"),
    "pl": ("a dzieci?", "uk"),
    "uk": ("a dity?", "pl"),
    "ro": ("trb programare inainte?", "da"),
    "es": ("es presencial u online?", "en"),
    "ar": ("من شحال العمر؟", "fa"),
}


@pytest.mark.parametrize("language", sorted(SHORT_MISREAD))
def test_a_short_unsure_message_later_on_keeps_the_conversation_language(language):
    text, misread = SHORT_MISREAD[language]
    kind = "detected_language" if misread in SUPPORTED else "unsupported_language"
    entities = [entity(kind, misread, source="text", confidence=0.81)]
    later = decide_language(language, "ask_topic", entities, SUPPORTED, first_message=False, text=text)
    assert (later.language, later.changed, later.reason, later.unsupported) == (language, False, "kept", None)
    # The same message opening a conversation is all there is to go by.
    first = decide_language(language, "ask_topic", entities, SUPPORTED, first_message=True, text=text)
    assert first.language == (misread if misread in SUPPORTED else "en")


def test_a_sure_short_message_or_a_longer_one_still_switches():
    sure = [entity("detected_language", "da", source="text", confidence=0.95)]
    assert decide_language("en", "ask_topic", sure, SUPPORTED, text="hvor ligger det?").language == "da"
    unsure = [entity("detected_language", "da", source="text", confidence=0.7)]
    longer = "hvor ligger jeres kontor henne i forhold til banegården?"
    assert decide_language("en", "ask_topic", unsure, SUPPORTED, text=longer).language == "da"
    assert decide_language("en", "ask_topic", unsure, SUPPORTED, text="hvor ligger det?").language == "en"
