"""The conversation's language, decided on every message before the answer is chosen."""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.i18n import translate
from bot.languages import decide_language, load_languages


class ActionValidateSlotMappings(Action):
    """Rasa runs this after extracting slots on every user message (``action_validate_slot_mappings``).

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
        languages = load_languages()
        supported = tuple(language.code for language in languages)
        message = tracker.latest_message or {}
        decision = decide_language(
            tracker.get_slot("language"),
            (message.get("intent") or {}).get("name"),
            list(message.get("entities") or []),
            supported,
            first_message=sum(1 for event in tracker.events if event.get("event") == "user") <= 1,
        )
        if decision.unsupported:
            names = translate("language_list_join", supported[0]).join(language.name for language in languages)
            dispatcher.utter_message(text=translate("unsupported_language", supported[0], languages=names))
        if decision.changed or tracker.get_slot("language") is None:
            return [SlotSet("language", decision.language)]
        return []
