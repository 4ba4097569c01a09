"""Answers about who to contact and where a place is."""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.base import EntryAnswerAction, Resolution, entry_answer, question_text, topic_before_latest_message
from bot.answer_parts import asks_for_contact, asks_for_place
from bot.answers import Reply, address_answer, contact_answer
from bot.content import Entry
from bot.follow_ups import names_a_topic


class ActionAnswerContact(EntryAnswerAction):
    """Answer "what is the phone number / e-mail of X" and "who do I contact about X"."""

    default_entry_id: Optional[str] = "ihnd"

    def name(self) -> Text:
        """The action's name in the domain."""
        return "action_answer_contact"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[Dict[str, Any]]:
        """The card; a follow-up asking how to reach "them" is about the organisation behind it.

        "what's their phone number?" after the EU residence document asks for SIRI, whose card
        answers for the document: the answer is recorded as SIRI's, and SIRI becomes the topic, so
        "are they open on Tuesday?" next asks about SIRI. A question that names the service ("which
        number do I call about my EU residence document?") stays about the service, and so does a
        first message: "my first pay slip took half, what is it exactly?" with a word for number is
        no request for the tax agency's card (a first version for every message: +15 / -8).
        """
        resolution = self.resolve(tracker)
        entry = resolution.entry
        question = question_text(tracker)
        follow_up = entry is not None and entry.id == topic_before_latest_message(tracker)
        if entry is not None and follow_up and question \
                and not names_a_topic(tracker.latest_message.get("entities") or []) \
                and asks_for_contact(question, self.language(tracker)):
            organisation = self.organisation_behind(entry)
            if organisation is not None:
                resolution = Resolution(organisation)
        return self.respond(dispatcher, tracker, resolution)

    def answer(self, entry: Entry, tracker: Tracker, language: str) -> Reply:
        """The entry's contact card, when the message asks for a way to reach someone.

        The intent classifier reads many "how do I ..." messages as contact questions ("Can I join
        an a-kasse if I only moved here two months ago?", "my first salary came and they took more
        than half"): 68 of the 368 in-scope single questions of the user-voice set it read so have no
        word or part of a word asking for a number, whom to call, an e-mail or contact
        (:func:`bot.answer_parts.asks_for_contact`; docs/nlu.md). Those get the entry's answer, not a
        card of phone numbers; a button's payload (no typed text) still gets the card.
        """
        question = question_text(tracker)
        if question and not asks_for_contact(question, language):
            return entry_answer(self.kb, entry, language, question)
        return contact_answer(entry, language, self.kb, question)


class ActionAnswerAddress(EntryAnswerAction):
    """Answer "where is X" with the address and a map link."""

    default_entry_id: Optional[str] = "ihnd"

    def name(self) -> Text:
        """The action's name in the domain."""
        return "action_answer_address"

    def answer(self, entry: Entry, tracker: Tracker, language: str) -> Reply:
        """The entry's address with a map link, when the message asks where something is.

        As for contact cards: 55 of the 310 in-scope single questions of the user-voice set that the
        intent classifier read as address questions have no word asking where or for an address
        ("muss ich in DK in eine a-kasse eintreten?"); they get the entry's answer.
        """
        question = question_text(tracker)
        if question and not asks_for_place(question, language):
            return entry_answer(self.kb, entry, language, question)
        return address_answer(entry, language, self.kb, question)
