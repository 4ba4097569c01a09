"""Realistic conversations for the review pages' tests, written by Rasa's own ``SQLTrackerStore``.

The events have the shapes the running assistant stores (checked against a live stack): user
events with ``parse_data`` (intent, confidence, entities incl. the ``detected_language`` entity of
the LanguageDetector, intent ranking), ``input_channel`` and ``metadata``; ``SlotSet("language")``
only when the language changes; the fallback as intent ``nlu_fallback`` + ``action_search_content``.
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


def at(day: dt.date, hour: int, minute: int = 0, second: int = 0) -> float:
    """Epoch seconds of a UTC moment."""
    return dt.datetime(day.year, day.month, day.day, hour, minute, second, tzinfo=dt.timezone.utc).timestamp()


@dataclass
class Msg:
    """One turn to write: the user's message and the bot's reaction."""

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
            for reply in msg.replies:
                result.append(BotUttered(reply, {}, timestamp=next(clock)))
    result.append(ActionExecuted("action_listen", timestamp=next(clock)))
    return result


def write_conversation(url: str, sender_id: str, start: float, turns: Sequence[Msg]) -> None:
    """Store a conversation through Rasa's SQLTrackerStore, a minute per turn."""
    store = SQLTrackerStore(Domain.empty(), host=url)
    try:
        evts: List[Event] = [ActionExecuted("action_session_start", timestamp=start), SessionStarted(timestamp=start),
                             ActionExecuted("action_listen", timestamp=start)]
        for index, msg in enumerate(turns):
            evts.extend(turn_events(msg, start + 1 + 60 * index))
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
    finally:
        engine.dispose()
