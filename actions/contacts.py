"""Answers about who to contact and where a place is."""

from __future__ import annotations

from typing import Optional, Text

from rasa_sdk import Tracker

from actions.base import EntryAnswerAction, entry_answer, question_text
from bot.answer_parts import asks_for_contact, asks_for_place
from bot.answers import Reply, address_answer, contact_answer
from bot.content import Entry


class ActionAnswerContact(EntryAnswerAction):
    """Answer "what is the phone number / e-mail of X" and "who do I contact about X"."""

    default_entry_id: Optional[str] = "ihnd"

    def name(self) -> Text:
        """The action's name in the domain."""
        return "action_answer_contact"

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
