"""Answers about a topic, organisation, programme or list."""

from __future__ import annotations

from typing import Any, Dict, List

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.base import ContentAction, send
from bot.answers import topic_answer


class ActionAnswerTopic(ContentAction):
    """Answer "tell me about X" / "how do I get X" from the entry's summary and details."""

    def name(self) -> str:
        """The action's name in the domain."""
        return "action_answer_topic"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[Dict[str, Any]]:
        """Answer about the topic named (or the one asked about before)."""
        language = self.language(tracker)
        resolution = self.resolve(tracker)
        if resolution.entry is None:
            self.ask_which(dispatcher, resolution, language)
            return []
        send(dispatcher, topic_answer(self.kb, resolution.entry, language))
        return self.remember(resolution.entry)
