"""Answers about who to contact and where a place is."""

from __future__ import annotations

from typing import Any, Dict, List, Optional

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.base import ContentAction, send
from bot.answers import address_answer, contact_answer


class ActionAnswerContact(ContentAction):
    """Answer "what is the phone number / e-mail of X" and "who do I contact about X"."""

    default_entry_id: Optional[str] = "ihnd"

    def name(self) -> str:
        """The action's name in the domain."""
        return "action_answer_contact"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[Dict[str, Any]]:
        """Send the contact card of the entry asked about."""
        language = self.language(tracker)
        resolution = self.resolve(tracker)
        if resolution.entry is None:
            self.ask_which(dispatcher, resolution, language)
            return []
        send(dispatcher, contact_answer(resolution.entry, language))
        return self.remember(resolution.entry)


class ActionAnswerAddress(ContentAction):
    """Answer "where is X" with the address and a map link."""

    default_entry_id: Optional[str] = "ihnd"

    def name(self) -> str:
        """The action's name in the domain."""
        return "action_answer_address"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[Dict[str, Any]]:
        """Send the address of the entry asked about."""
        language = self.language(tracker)
        resolution = self.resolve(tracker)
        if resolution.entry is None:
            self.ask_which(dispatcher, resolution, language)
            return []
        send(dispatcher, address_answer(resolution.entry, language))
        return self.remember(resolution.entry)
