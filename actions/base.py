"""Shared base for the content actions: the knowledge base, the language, the topic asked about."""

from __future__ import annotations

import datetime as dt
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Optional, Tuple

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.answers import Reply, contact_source, entry_buttons, topic_answer
from bot.child_ages import entry_for_age
from bot.closed_times import answer_when_closed, answer_when_open
from bot.content import Entry, KnowledgeBase, get_knowledge_base
from bot.content.hours import now
from bot.first_steps import CHECKLIST_ENTRY
from bot.follow_ups import asks_about_topic, keeps_topic, names_a_condition, placed_outside
from bot.prerequisites import answer_for_lack, condition_of_topic
from bot.settings import get_settings
from bot.topic_words import follow_up_speaks_of_topic

#: The clock the actions use; tests replace it to answer "is it open now" on fixed dates.
clock: Callable[[], dt.datetime] = now

TOPIC_SLOT = "topic"
LANGUAGE_SLOT = "language"
AREA_IDS = ("area_newcomers", "area_business", "area_cooperation")


@dataclass(frozen=True)
class Resolution:
    """Which entry a message is about.

    Attributes:
        entry: The single entry meant, if any.
        candidates: Several entries named at once (the user must choose).
        outside: Nothing of ours is meant (:func:`bot.follow_ups.placed_outside`): out of scope.
        closed_time: ``entry`` covers the conversation's topic at a time the topic is closed ("and if
            it is at night?" after the family doctor; :mod:`bot.closed_times`).
    """

    entry: Optional[Entry]
    candidates: Tuple[Entry, ...] = ()
    outside: bool = False
    closed_time: bool = False


#: What a reply did with the question, stored on the bot message (``metadata.outcome``) so that
#: the console and ``make eval`` can tell answers from non-answers (docs/console.md).
OUTCOME_ANSWER = "answer"
OUTCOME_CLARIFY = "clarify"
OUTCOME_MENU = "menu"
OUTCOME_SEARCH = "search"
OUTCOME_NOTHING = "nothing"
#: A reply that is not about our content (bot/metrics.py counts it).
OUTCOME_OUT_OF_SCOPE = "out_of_scope"


def say_out_of_scope(dispatcher: CollectingDispatcher) -> None:
    """Tell the user we cannot help with that (``utter_out_of_scope``), stored as a non-answer."""
    dispatcher.utter_message(response="utter_out_of_scope", outcome=OUTCOME_OUT_OF_SCOPE)


def send(dispatcher: CollectingDispatcher, reply: Reply, **metadata: Any) -> None:
    """Send a reply through the dispatcher.

    Args:
        dispatcher: The action's dispatcher.
        reply: The reply.
        **metadata: Kept on the stored bot event (Rasa puts extra keys in ``BotUttered.metadata``);
            channels do not show them to the user.
    """
    dispatcher.utter_message(text=reply.text, buttons=[button.as_dict() for button in reply.buttons], **metadata)


def topic_before_latest_message(tracker: Tracker) -> Optional[str]:
    """The conversation's topic as it was before the latest user message.

    The ``topic`` slot itself is not that: its ``from_entity`` mapping has already set it from the
    latest message's own entities ("my husband is bored all day" named Spouse Space and, through the
    topic model, IHND; the slot then held IHND, and the two-name message was read as a follow-up
    about IHND).
    """
    users = [index for index, event in enumerate(tracker.events) if event.get("event") == "user"]
    if not users:
        # A tracker without its events (built by hand): the slot is all there is.
        slot = tracker.get_slot(TOPIC_SLOT)
        return slot if isinstance(slot, str) else None
    value: Optional[str] = None
    last_user = users[-1]
    for event in tracker.events[:last_user]:
        kind = event.get("event")
        if kind == "slot" and event.get("name") == TOPIC_SLOT:
            value = event.get("value")
        elif kind in ("restart", "reset_slots"):
            value = None
    return value if isinstance(value, str) else None


def question_text(tracker: Tracker) -> str:
    """The latest message as the user wrote it; empty for a button's payload (``/ask_topic{...}``)."""
    text = str((tracker.latest_message or {}).get("text") or "")
    return "" if text.startswith("/") else text


def question_answered(tracker: Tracker, entry_id: str) -> str:
    """The message whose answer about ``entry_id`` came last ("" if a button asked or none did).

    "More details" shows what that answer's first bubble left out, which depends on the question.
    """
    answered = False
    for event in reversed(tracker.events):
        kind = event.get("event")
        metadata = event.get("metadata") or {}
        if kind == "bot" and metadata.get("entry") == entry_id and metadata.get("kind") == "topic":
            answered = True
        elif kind == "user" and answered:
            text = str(event.get("text") or "")
            return "" if text.startswith("/") else text
    return ""


def entry_answer(kb: KnowledgeBase, entry: Entry, language: str, question: str) -> Reply:
    """The entry's answer to a message that asks for no contact, place or opening hours.

    The intent classifier reads many questions about a topic as contact, address or hours questions
    (actions/contacts.py, actions/hours.py); those get what a topic question would get.
    """
    return topic_answer(kb, entry, language, clock().date(), question)


class ContentAction(Action, ABC):
    """Base of the actions that answer from the knowledge base."""

    #: Entry used when the user names nothing and nothing was asked before (None: ask which).
    default_entry_id: Optional[str] = None

    @abstractmethod
    def name(self) -> str:
        """The action's name in the domain (abstract, so rasa-sdk does not register this base)."""

    @property
    def kb(self) -> KnowledgeBase:
        """The knowledge base, loaded once per process."""
        return get_knowledge_base()

    @staticmethod
    def language(tracker: Tracker) -> str:
        """The conversation's language (the default language until one is set)."""
        settings = get_settings()
        value = tracker.get_slot(LANGUAGE_SLOT)
        return value if value in settings.languages else settings.default_language

    @staticmethod
    def entity_values(tracker: Tracker, entity: str) -> List[str]:
        """Distinct values of an entity in the latest message, in order of appearance."""
        values: List[str] = []
        for item in tracker.latest_message.get("entities", []) or []:
            value = item.get("value")
            if item.get("entity") == entity and isinstance(value, str) and value not in values:
                values.append(value)
        return values

    def resolve(self, tracker: Tracker) -> Resolution:
        """Find the entry the latest message is about (:meth:`find_entry`), at the time it asks about.

        A follow-up about the conversation's topic at a time the topic is closed (the evening, the
        night, a weekend, a public holiday) is about the entry that covers that time: "and if it is
        at night?" after the family doctor's answer is a question for the out-of-hours doctor
        (:mod:`bot.closed_times`). Only a follow-up: in a question of its own, a time is often the
        background ("my son has had earache since last night, do we need to book?"), which turned 4
        turns of the user-voice set into the out-of-hours doctor (docs/nlu.md). The other way round,
        in any message: the out-of-hours doctor asked about a weekday morning or an hour from 8 to 15
        ("Tuesday 10 am: do I call the lægevagt or my doctor?") is the family doctor's question
        (:func:`bot.closed_times.answer_when_open`). A follow-up naming a child's age outside the
        ages of the topic ("and when he turns 6?" after daycare) is about the entry for that age
        (:mod:`bot.child_ages`).
        """
        previous = self.kb.get(topic_before_latest_message(tracker))
        resolution = self.find_entry(tracker, previous)
        entry = resolution.entry
        # "It's Tuesday 10 am: do I call the lægevagt or my doctor?": a time the family doctor is open.
        opened = answer_when_open(self.kb.entries, entry, question_text(tracker), self.language(tracker),
                                  tracker.latest_message.get("entities") or [])
        if opened is not None:
            return Resolution(opened)
        if previous is not None and entry is not None and entry.id == previous.id:
            # "and when he turns 6?" after daycare: the entry for a child of that age (school).
            aged = entry_for_age(self.kb.entries, previous, question_text(tracker), self.language(tracker))
            if aged is not None:
                return Resolution(aged)
        # The follow-up stays on the topic, or already names the entry covering its closed times ("and
        # if it's at night, which doctor?"): either way that entry answers, opening with its summary.
        if entry is None or previous is None or entry.id not in (previous.id, previous.when_closed):
            return resolution
        instead = answer_when_closed(self.kb.entries, previous, question_text(tracker), self.language(tracker),
                                     tracker.latest_message.get("entities") or [])
        return Resolution(instead, closed_time=True) if instead is not None else resolution

    def follows_up_topic(self, tracker: Tracker) -> bool:
        """Whether a message the NLU read as out of scope or unsure of is a follow-up about the topic.

        :func:`bot.follow_ups.asks_about_topic`, told whether the message asks about a time the
        conversation's topic is closed ("and at night?" after the family doctor), which another
        entry covers.
        """
        topic = topic_before_latest_message(tracker)
        language = self.language(tracker)
        closed_time = answer_when_closed(self.kb.entries, self.kb.get(topic), question_text(tracker), language,
                                         tracker.latest_message.get("entities") or []) is not None
        return asks_about_topic(tracker.latest_message, topic, language, closed_time=closed_time)

    def find_entry(self, tracker: Tracker, previous: Optional[Entry]) -> Resolution:
        """Find the entry the latest message is about, given the conversation's topic before it.

        The topics named in the message win; otherwise the topic of the conversation so far
        (a follow-up such as "and the phone number?"); otherwise the action's default entry.
        When the message could be about several close entries and one of them is the
        conversation's topic, it is a follow-up about that topic ("how many cities signed it?"
        after the Aalborg Charter), not a question to ask back. An entry that only the topic model
        inferred, without being sure, does not replace the conversation's topic either
        (:func:`bot.follow_ups.keeps_topic`), nor does an entry named as a condition of it ("and
        without a CPR?", :func:`bot.follow_ups.names_a_condition`) or by a synonym for a thing
        the topic's own text speaks of ("is there a deposit?" after Danish lessons,
        :func:`bot.topic_words.follow_up_speaks_of_topic`), except after "how do I get
        started?", whose answer is a list of the other entries: "and where exactly do I get the
        CPR number?" then asks about that step. A message naming the topic and one of the topic's
        own items ("and Wismar, how long has that twin town been one?") is about the item.
        """
        entities = tracker.latest_message.get("entities", []) or []
        # "no MitID without a CPR number, who do I call?": the entry for someone who lacks what MitID
        # needs (bot.prerequisites).
        lacking = answer_for_lack(self.kb.entries, question_text(tracker), self.language(tracker))
        if lacking is not None:
            return Resolution(lacking)
        if previous is not None and keeps_topic(entities, previous.id):
            # Named nothing, and the topic model is not sure it is about something else: a follow-up.
            return Resolution(previous)
        if previous is not None and previous.id != CHECKLIST_ENTRY \
                and names_a_condition(tracker.latest_message, previous.id, self.language(tracker)):
            # "and without a CPR?": the named entry is a condition of the topic, not a new one.
            return Resolution(previous)
        if previous is not None and previous.id != CHECKLIST_ENTRY and condition_of_topic(
                self.kb.entries, previous, question_text(tracker), self.language(tracker)):
            # "og skal jeg have cpr nummer først?" after Danish lessons, whose text says it needs one.
            return Resolution(previous)
        if previous is not None and previous.id != CHECKLIST_ENTRY and follow_up_speaks_of_topic(
                previous, self.kb.entries, question_text(tracker), list(entities), self.language(tracker)):
            # "is there a deposit?" after Danish lessons: the topic's own text speaks of a deposit.
            return Resolution(previous)
        named = [entry for value in self.entity_values(tracker, TOPIC_SLOT) if (entry := self.kb.get(value))]
        if len(named) > 1:
            if previous is not None and previous.id in {entry.id for entry in named}:
                # "og den tyske, Wismar, hvor længe har den været venskabsby?" after the twin cities:
                # the one of the topic's own items that the message names is what is asked.
                parts = [entry for entry in named if entry.id in previous.items]
                return Resolution(parts[0] if len(parts) == 1 else previous)
            return Resolution(None, tuple(named))
        if named:
            return Resolution(named[0])
        if previous is not None:
            return Resolution(previous)
        if self.default_entry_id is not None and placed_outside(tracker.latest_message):
            # The default entry answers a question about "you" (the house), not one the topic model
            # places outside our content.
            return Resolution(None, outside=True)
        return Resolution(self.kb.get(self.default_entry_id))

    def ask_which(self, dispatcher: CollectingDispatcher, resolution: Resolution, language: str) -> None:
        """Ask the user to choose between candidates, or among the main areas."""
        from bot.i18n import translate

        if resolution.candidates:
            ids = [entry.id for entry in resolution.candidates]
            send(dispatcher, Reply(translate("ambiguous", language), entry_buttons(self.kb, ids, language)),
                 outcome=OUTCOME_CLARIFY, candidates=ids)
        else:
            send(dispatcher, Reply(translate("which_topic", language), entry_buttons(self.kb, AREA_IDS, language)),
                 outcome=OUTCOME_MENU)

    def organisation_behind(self, entry: Entry) -> Optional[Entry]:
        """The organisation whose contact card (and hours) answer for ``entry``, if another entry's.

        MitID takes its card from MitID Support, the EU residence document from SIRI
        (:func:`bot.answers.contact_source`); a follow-up asking how to reach "them" or when "they"
        are open is about that organisation (actions/contacts.py, actions/hours.py).
        """
        source = contact_source(self.kb, entry)
        return source if source.id != entry.id else None

    @staticmethod
    def remember(entry: Entry) -> List[Dict[str, Any]]:
        """Events that make the entry the topic of follow-up questions."""
        return [SlotSet(TOPIC_SLOT, entry.id)]


class EntryAnswerAction(ContentAction, ABC):
    """An action that answers about one entry: resolve it (or ask which), answer, remember it."""

    @abstractmethod
    def answer(self, entry: Entry, tracker: Tracker, language: str) -> Reply:
        """The reply about ``entry`` for this kind of question."""

    def answer_resolved(self, resolution: Resolution, entry: Entry, tracker: Tracker, language: str) -> Reply:
        """The reply about the resolved ``entry``; actions whose answer depends on how it was found override it."""
        return self.answer(entry, tracker, language)

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[Dict[str, Any]]:
        """Answer about the entry the message is about, or ask which one is meant."""
        return self.respond(dispatcher, tracker, self.resolve(tracker))

    def respond(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, resolution: Resolution
    ) -> List[Dict[str, Any]]:
        """Answer about the resolved entry, or ask which one is meant (subclasses resolve only once)."""
        language = self.language(tracker)
        if resolution.outside:
            say_out_of_scope(dispatcher)
            return []
        if resolution.entry is None:
            self.ask_which(dispatcher, resolution, language)
            # A follow-up typed instead of a tap on one of the buttons ("how often does it run?") is
            # about the likeliest of them, not about whichever name the slot mapping kept last.
            return self.remember(resolution.candidates[0]) if resolution.candidates else []
        reply = self.answer_resolved(resolution, resolution.entry, tracker, language)
        # A contact card taken from another entry (MitID Support's for MitID) is still the answer about
        # the entry asked: the follow-ups ("how long does it take?") are about it. Measured both ways
        # in docs/nlu.md ("Follow-ups keep the topic", "Tried and taken back"). Only a follow-up that
        # asks how to reach "them" is resolved to the organisation itself (actions/contacts.py).
        send(dispatcher, reply, outcome=OUTCOME_ANSWER, entry=resolution.entry.id, kind=reply.kind)
        return self.remember(resolution.entry)
