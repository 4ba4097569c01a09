"""Answers about who to contact and where a place is."""

from __future__ import annotations

from typing import Optional, Text

from rasa_sdk import Tracker

from actions.base import EntryAnswerAction, question_text
from bot.answers import Reply, address_answer, contact_answer
from bot.content import Entry


class ActionAnswerContact(EntryAnswerAction):
    """Answer "what is the phone number / e-mail of X" and "who do I contact about X"."""

    default_entry_id: Optional[str] = "ihnd"

    def name(self) -> Text:
        """The action's name in the domain."""
        return "action_answer_contact"

    def answer(self, entry: Entry, tracker: Tracker, language: str) -> Reply:
        """The entry's contact card."""
        return contact_answer(entry, language, self.kb, question_text(tracker))


class ActionAnswerAddress(EntryAnswerAction):
    """Answer "where is X" with the address and a map link."""

    default_entry_id: Optional[str] = "ihnd"

    def name(self) -> Text:
        """The action's name in the domain."""
        return "action_answer_address"

    def answer(self, entry: Entry, tracker: Tracker, language: str) -> Reply:
        """The entry's address with a map link."""
        return address_answer(entry, language, self.kb, question_text(tracker))
