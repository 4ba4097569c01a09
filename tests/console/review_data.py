"""Realistic conversations for the review pages' tests, written by Rasa's own ``SQLTrackerStore``.

The events have the shapes the running assistant stores (checked against a live stack): user
events with ``parse_data`` (intent, confidence, entities incl. the ``detected_language`` entity of
the LanguageDetector, intent ranking), ``input_channel`` and ``metadata``; ``SlotSet("language")``
only when the language changes; the fallback as intent ``nlu_fallback`` + ``action_search_content``;
bot events of Rasa responses (``utter_*``) with ``metadata.utter_action``, those of custom actions
with the metadata the actions send (``outcome``, ``entry``, ``kind``, ``candidates``), or none
(conversations stored before the actions sent an outcome).
"""

from __future__ import annotations

import asyncio
import datetime as dt
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Sequence

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, Event, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.console.transcripts import ensure_console_tables
from bot.web.conversations import feedback

DAY1 = dt.date(2026, 11, 20)
DAY2 = dt.date(2026, 11, 21)
#: The days of ``write_outcomes_dataset``.
DAY3 = dt.date(2026, 11, 22)
DAY4 = dt.date(2026, 11, 23)


def at(day: dt.date, hour: int, minute: int = 0, second: int = 0) -> float:
    """Epoch seconds of a UTC moment."""
    return dt.datetime(day.year, day.month, day.day, hour, minute, second, tzinfo=dt.timezone.utc).timestamp()


@dataclass
class Msg:
    """One turn to write: the user's message and the bot's reaction.

    ``reply_metadata`` is stored on the bot events of custom actions (``utter_*`` responses get
    ``utter_action``); ``pause`` adds seconds before this turn (turns are a minute apart).
    """

    text: str
    intent: str
    confidence: float
    actions: Sequence[str]
    replies: Sequence[str] = ()
    topic: Optional[str] = None
    detected: Optional[str] = None
    language_set: Optional[str] = None
    channel: str = "rest"
    metadata: Optional[Dict[str, Any]] = None
    reply_metadata: Optional[Dict[str, Any]] = None
    pause: int = 0
    ranking: Optional[Dict[str, Any]] = None


def user_event(msg: Msg, timestamp: float) -> UserUttered:
    """A user event as the assistant stores it."""
    entities: List[Dict[str, Any]] = []
    if msg.topic:
        start = max(msg.text.find("International House"), 0)
        entities.append({"entity": "topic", "value": msg.topic, "start": start, "end": start + 19,
                         "text": msg.text[start:start + 19], "extractor": "ContentEntityExtractor"})
    if msg.detected:
        entities.append({"entity": "detected_language", "value": msg.detected, "confidence": 1.0, "source": "text",
                         "start": 0, "end": 0, "extractor": "LanguageDetector"})
    intent = {"name": msg.intent, "confidence": msg.confidence}
    parse_data = {"text": msg.text, "intent": intent, "entities": entities,
                  "intent_ranking": [intent, {"name": "ask_topic", "confidence": round(1 - msg.confidence, 4)}]}
    if msg.ranking is not None:
        parse_data["topic_ranking"] = msg.ranking
    return UserUttered(msg.text, intent, entities, parse_data, timestamp=timestamp, input_channel=msg.channel,
                       metadata=msg.metadata or {})


def turn_events(msg: Msg, start: float) -> List[Event]:
    """The events of one turn, one second apart from ``start``."""
    clock = iter(start + step for step in range(100))
    result: List[Event] = [user_event(msg, next(clock)), ActionExecuted("action_validate_slot_mappings",
                                                                          timestamp=next(clock))]
    if msg.language_set:
        result.append(SlotSet("language", msg.language_set, timestamp=next(clock)))
    for action in msg.actions:
        result.append(ActionExecuted(action, timestamp=next(clock)))
        if action.startswith(("action_answer", "action_search", "utter_")):
            metadata = {"utter_action": action} if action.startswith("utter_") else dict(msg.reply_metadata or {})
            for reply in msg.replies:
                result.append(BotUttered(reply, {}, metadata=metadata, timestamp=next(clock)))
    result.append(ActionExecuted("action_listen", timestamp=next(clock)))
    return result


def write_conversation(url: str, sender_id: str, start: float, turns: Sequence[Msg]) -> None:
    """Store a conversation through Rasa's SQLTrackerStore, a minute per turn (plus each turn's pause)."""
    store = SQLTrackerStore(Domain.empty(), host=url)
    try:
        evts: List[Event] = [ActionExecuted("action_session_start", timestamp=start), SessionStarted(timestamp=start),
                             ActionExecuted("action_listen", timestamp=start)]
        pauses = 0
        for index, msg in enumerate(turns):
            pauses += msg.pause
            evts.extend(turn_events(msg, start + 1 + 60 * index + pauses))
        tracker = DialogueStateTracker.from_events(sender_id, evts)
        asyncio.run(store.save(tracker))
    finally:
        store.engine.dispose()


FALLBACK_EN = "I'm not sure I understood, and I couldn't find a matching topic."
ADDRESS_EN = "International House North Denmark is at Nyhavnsgade 14, 9000 Aalborg."
CONTACT_EN = "International House North Denmark: phone +45 9931 1111, e-mail ihnd@aalborg.dk."
CPR_DA = "Du får et CPR-nummer hos International House North Denmark."
XSS_TEXT = "<script>alert(1)</script>"
IMG_TEXT = "<img src=x onerror=alert(2)>"


def write_dataset(url: str) -> None:
    """Four conversations over two days (see each one's comment), plus two ratings.

    * ``alice`` DAY1 10:00, rest, English (no language slot event), address + contact (handoff);
    * ``bjorn`` DAY1 12:00, socketio, Danish, CPR question rated down, then a fallback;
    * ``carla`` DAY2 09:00, rest, English, two HTML-injection messages (fallback + out of scope);
    * ``dmytro`` DAY2 15:00, socketio, Ukrainian, address question rated up.
    """
    write_conversation(url, "alice", at(DAY1, 10), [
        Msg("Where is International House North Denmark?", "ask_address", 0.93, ["action_answer_address"],
            [ADDRESS_EN], topic="ihnd", detected="en"),
        Msg("What is the phone number of International House?", "ask_contact", 0.96, ["action_answer_contact"],
            [CONTACT_EN], topic="ihnd", detected="en"),
    ])
    write_conversation(url, "bjorn", at(DAY1, 12), [
        Msg("Hvor får jeg et CPR-nummer?", "ask_topic", 0.41, ["action_answer_topic"], [CPR_DA], detected="da",
            language_set="da", channel="socketio", metadata={"language": "da"}),
        Msg("hvor kan jeg parkere min bil", "nlu_fallback", 0.2, ["action_search_content"],
            ["Jeg er ikke sikker på, at jeg forstod dig."], detected="da", channel="socketio"),
    ])
    write_conversation(url, "carla", at(DAY2, 9), [
        Msg(XSS_TEXT, "nlu_fallback", 0.12, ["action_search_content"], [FALLBACK_EN]),
        Msg(IMG_TEXT, "out_of_scope", 0.7, ["utter_out_of_scope"], ["I can only help with newcomer topics."]),
    ])
    write_conversation(url, "dmytro", at(DAY2, 15), [
        Msg("Де знаходиться International House North Denmark?", "ask_address", 0.88, ["action_answer_address"],
            ["International House North Denmark: Nyhavnsgade 14."], topic="ihnd", detected="uk",
            language_set="uk", channel="socketio"),
    ])
    engine = sa.create_engine(url, future=True)
    try:
        ensure_console_tables(engine)
        with engine.begin() as connection:
            connection.execute(feedback.insert(), [
                {"sender_id": "bjorn", "rating": "down", "message_text": CPR_DA,
                 "created_at": dt.datetime(2026, 11, 20, 12, 2)},
                {"sender_id": "dmytro", "rating": "up", "message_text": "International House North Denmark: "
                 "Nyhavnsgade 14.", "created_at": dt.datetime(2026, 11, 21, 15, 1)},
            ])
        # Handoff request 1: alice asked for a person, rita took it and handed it back (ended).
        from bot.handoff.store import HandoffStore

        handoffs = HandoffStore(engine)
        handoffs.create_tables()
        request = handoffs.request("alice", "rest", "en", "person_requested", live=True)
        handoffs.take(request.id, "rita", "en")
        handoffs.hand_back(request.id, "rita")
    finally:
        engine.dispose()


def answer(entry: str, kind: str) -> Dict[str, Any]:
    """The metadata of an answer about one entry."""
    return {"outcome": "answer", "entry": entry, "kind": kind}


SEARCH_REPLY_DA = "Mente du en af disse? Sundhedskort, Skattekort."
CPR_EN = "You get a CPR number at International House North Denmark."
HOURS_EN = "International House North Denmark is open Monday to Thursday 10-15."
TOPIC_ANSWER = ["action_answer_topic"]
SEARCH = ["action_search_content"]


def write_outcomes_dataset(url: str) -> None:
    """A conversation of each answer class, on DAY3 and DAY4, with the metadata the actions send.

    DAY3 (9 questions):

    * ``ans`` (en): an answer (``answered``), then "thanks" (chit-chat: no class);
    * ``oos`` (en): ``utter_out_of_scope`` (``out_of_scope``);
    * ``menu`` (en): the generic menu (``menu``);
    * ``clar`` (da): "which do you mean?" (``clarification``), then the chosen answer (``answered``);
    * ``search`` (da): ``nlu_fallback``, related entries offered (``fallback``; its thumbs down
      does not make it ``thumbs_down``: it was no answer);
    * ``nothing`` (uk, socketio): ``nlu_fallback``, nothing found (``fallback``);
    * ``old`` (en): stored before outcomes existed: an answer (``answered``), then
      ``action_search_content`` (``fallback``, today's rule).

    DAY4 (7 questions):

    * ``thumbs`` (en): a contact answer rated down (``thumbs_down``);
    * ``rephrase`` (en): an answer, then the same question in other words a minute later (text
      similarity 0.58: ``rephrased``), then that answer (``answered``);
    * ``retopic`` (en): an answer about a topic, then the same intent and topic in other words
      (similarity 0.19, but same intent and topic: ``rephrased``), then ``answered``;
    * ``late`` (en): like ``rephrase`` but four minutes later: both ``answered``;
    * ``chat`` (en): greet, bot_challenge, affirm, goodbye: no class.

    In all 16 questions: answered 7, out_of_scope 1, menu 1, clarification 1, fallback 3,
    thumbs_down 1, rephrased 2; 21 user messages (5 chit-chat), old-rule fallbacks 3.
    """
    cpr = answer("cpr", "topic")
    write_conversation(url, "ans", at(DAY3, 10), [
        Msg("When is International House North Denmark open?", "ask_hours", 0.91, ["action_answer_hours"], [HOURS_EN],
            topic="ihnd", reply_metadata=answer("ihnd", "hours")),
        Msg("thanks", "thank", 0.99, ["utter_thank"], ["You're welcome!"]),
    ])
    write_conversation(url, "oos", at(DAY3, 10, 10), [
        Msg("Can you recommend a good pizza place?", "out_of_scope", 0.8, ["utter_out_of_scope"],
            ["I can only help with newcomer topics."]),
    ])
    write_conversation(url, "menu", at(DAY3, 10, 20), [
        Msg("I need help with something", "ask_topic", 0.45, TOPIC_ANSWER, ["Which area is it about?"],
            reply_metadata={"outcome": "menu"}),
    ])
    write_conversation(url, "clar", at(DAY3, 10, 30), [
        Msg("Hvordan får jeg et kort?", "ask_topic", 0.6, TOPIC_ANSWER, ["Hvilket kort mener du?"], detected="da",
            language_set="da", reply_metadata={"outcome": "clarify", "candidates": ["health-card", "tax-card"]}),
        Msg('/ask_topic{"topic": "health-card"}', "ask_topic", 1.0, TOPIC_ANSWER, ["Sundhedskortet får du ..."],
            reply_metadata=answer("health-card", "topic")),
    ])
    write_conversation(url, "search", at(DAY3, 11), [
        Msg("hvor kan jeg parkere", "nlu_fallback", 0.2, SEARCH, [SEARCH_REPLY_DA], detected="da", language_set="da",
            reply_metadata={"outcome": "search", "candidates": ["health-card", "tax-card"]}),
    ])
    write_conversation(url, "nothing", at(DAY3, 11, 10), [
        Msg("Де купити квиток на автобус?", "nlu_fallback", 0.1, SEARCH, ["Я нічого не знайшов."], detected="uk",
            language_set="uk", channel="socketio", reply_metadata={"outcome": "nothing"}),
    ])
    write_conversation(url, "old", at(DAY3, 11, 20), [
        Msg("Where do I get a tax card?", "ask_topic", 0.8, TOPIC_ANSWER, ["You apply for a tax card at ..."]),
        Msg("is there a dog park", "nlu_fallback", 0.2, SEARCH, [FALLBACK_EN]),
    ])
    write_conversation(url, "thumbs", at(DAY4, 9), [
        Msg("What is the phone number of International House?", "ask_contact", 0.95, ["action_answer_contact"],
            [CONTACT_EN], topic="ihnd", reply_metadata=answer("ihnd", "contact")),
    ])
    write_conversation(url, "rephrase", at(DAY4, 9, 10), [
        Msg("How do I get a CPR number?", "ask_topic", 0.7, TOPIC_ANSWER, [CPR_EN], reply_metadata=cpr),
        Msg("how can I get my CPR number", "ask_topic", 0.7, TOPIC_ANSWER, [CPR_EN],
            reply_metadata=cpr),
    ])
    write_conversation(url, "retopic", at(DAY4, 9, 20), [
        Msg("When is International House open?", "ask_hours", 0.9, ["action_answer_hours"], [HOURS_EN],
            topic="ihnd", reply_metadata=answer("ihnd", "hours")),
        Msg("What are the opening hours of International House?", "ask_hours", 0.9, ["action_answer_hours"],
            [HOURS_EN], topic="ihnd", reply_metadata=answer("ihnd", "hours")),
    ])
    write_conversation(url, "late", at(DAY4, 9, 30), [
        Msg("How do I get a CPR number?", "ask_topic", 0.7, TOPIC_ANSWER, [CPR_EN], reply_metadata=cpr),
        Msg("how can I get my CPR number", "ask_topic", 0.7, TOPIC_ANSWER, [CPR_EN],
            reply_metadata=cpr, pause=180),
    ])
    write_conversation(url, "chat", at(DAY4, 9, 40), [
        Msg("hi", "greet", 0.99, ["utter_greet"], ["Hello!"]),
        Msg("are you a bot?", "bot_challenge", 0.97, ["utter_bot_challenge"], ["Yes, I am a bot."]),
        Msg("yes", "affirm", 0.99, ["utter_affirm"], ["Good."]),
        Msg("bye", "goodbye", 0.99, ["utter_goodbye"], ["Goodbye!"]),
    ])
    engine = sa.create_engine(url, future=True)
    try:
        ensure_console_tables(engine)
        with engine.begin() as connection:
            connection.execute(feedback.insert(), [
                {"sender_id": "thumbs", "rating": "down", "message_text": CONTACT_EN,
                 "created_at": dt.datetime(2026, 11, 23, 9, 2)},
                {"sender_id": "search", "rating": "down", "message_text": SEARCH_REPLY_DA,
                 "created_at": dt.datetime(2026, 11, 22, 11, 1)},
            ])
    finally:
        engine.dispose()


DAY5 = dt.date(2026, 11, 24)


def ranking(entry: str, score: float) -> Dict[str, Any]:
    """A TopicClassifier ranking whose top entry is ``entry`` (a score of 1.0 or more: named in the message)."""
    return {"outcome": "answer", "confidence": min(score, 1.0), "entries": [{"entry": entry, "score": score}],
            "none": 0.0, "chat": 0.0, "follow_up": 0.0}


def write_suspects_dataset(url: str) -> None:
    """Five Romanian conversations on DAY5 with known suspect signals (``bot.console.suspects``).

    * ``ro_hospital``: "where is the nearest hospital?" answered with ``life_science`` (no address,
      not named): ``no_such_fact``;
    * ``ro_unsure``: an answer from the model alone at 0.41: ``unsure``;
    * ``ro_ok``: a tax-card question answered with ``tax_card``, named (1.3): not suspect;
    * ``ro_chat``: "can you help me find an apartment?" got the capabilities reply: ``ignored_words``;
    * ``ro_oos``: the weather: out of scope (a non-answer, not suspect).

    Rates for ``ro``: 4 questions (small talk is none), 3 answered, 1 not answered, 3 suspect.
    """
    write_conversation(url, "ro_hospital", at(DAY5, 9), [
        Msg("Unde este cel mai apropiat spital?", "ask_address", 0.97, TOPIC_ANSWER,
            ["Științele vieții în Aalborg."], detected="ro", language_set="ro",
            reply_metadata=answer("life_science", "topic"), ranking=ranking("life_science", 0.95)),
    ])
    write_conversation(url, "ro_unsure", at(DAY5, 10), [
        Msg("ceva despre firme straine", "ask_topic", 0.8, TOPIC_ANSWER, ["Servicii pentru companii."],
            detected="ro", language_set="ro", reply_metadata=answer("business_services", "topic"),
            ranking=ranking("business_services", 0.41)),
    ])
    write_conversation(url, "ro_ok", at(DAY5, 11), [
        Msg("Cum obțin un card fiscal?", "ask_topic", 0.95, TOPIC_ANSWER, ["Cardul fiscal: formularul 04.063."],
            detected="ro", language_set="ro", reply_metadata=answer("tax_card", "topic"),
            ranking=ranking("tax_card", 1.3)),
    ])
    write_conversation(url, "ro_chat", at(DAY5, 12), [
        Msg("Mă puteți ajuta să găsesc un apartament?", "ask_capabilities", 0.99, ["utter_capabilities"],
            ["Vă pot ajuta în trei domenii."], detected="ro", language_set="ro"),
    ])
    write_conversation(url, "ro_oos", at(DAY5, 13), [
        Msg("Ce vreme va fi mâine?", "out_of_scope", 0.8, ["utter_out_of_scope"], ["Nu pot ajuta cu asta."],
            detected="ro", language_set="ro"),
    ])
