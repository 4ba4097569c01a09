"""The conversation's language, decided on every message before the answer is chosen."""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.languages import language_turn


class ActionValidateSlotMappings(Action):
    """Rasa runs this after extracting slots on every user message (``action_validate_slot_mappings``).

    Our Rasa server (``bot/rasa_server.py``) runs the same step in its own process and never
    calls this; it is here for Rasa started as shipped (``STOCK_RASA=1``, the benchmark's baseline).

    It sets the ``language`` slot from an explicit request, the widget's language or the detected
    language (see ``bot.languages.decide_language``), and, when the message is in a language the
    assistant does not speak, says so in English and lists the languages it speaks.
    """

    def name(self) -> Text:
        """The name Rasa looks for."""
        return "action_validate_slot_mappings"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        """Decide the language; return the slot event (and the notice for unsupported languages)."""
        turn = language_turn(
            tracker.get_slot("language"),
            tracker.latest_message or {},
            sum(1 for event in tracker.events if event.get("event") == "user"),
        )
        if turn.notice:
            dispatcher.utter_message(text=turn.notice)
        return [SlotSet("language", turn.slot)] if turn.slot else []
