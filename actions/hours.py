"""Answers about opening hours: "when are they open", "is it open now / on Friday"."""

from __future__ import annotations

from typing import Any, Dict, List, Optional

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

import actions.base as base
from actions.base import ContentAction, send
from bot.answers import hours_answer


class ActionAnswerHours(ContentAction):
    """Answer opening-hours questions, computed in Europe/Copenhagen time with Danish holidays."""

    default_entry_id: Optional[str] = "ihnd"

    def name(self) -> str:
        """The action's name in the domain."""
        return "action_answer_hours"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[Dict[str, Any]]:
        """Send the hours of the entry asked about; entries without hours point to their page."""
        language = self.language(tracker)
        resolution = self.resolve(tracker)
        if resolution.entry is None:
            self.ask_which(dispatcher, resolution, language)
            return []
        days = self.entity_values(tracker, "day")
        kinds = self.entity_values(tracker, "hours_kind")
        reply = hours_answer(
            resolution.entry,
            language,
            base.clock(),
            day=days[0] if days else None,
            kind="phone" if "phone" in kinds else ("desk" if "desk" in kinds else None),
        )
        send(dispatcher, reply)
        return self.remember(resolution.entry)
