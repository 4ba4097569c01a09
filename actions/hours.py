"""Answers about opening hours: "when are they open", "is it open now / on Friday"."""

from __future__ import annotations

from typing import Optional, Text

from rasa_sdk import Tracker

import actions.base as base
from actions.base import EntryAnswerAction
from bot.answers import Reply, hours_answer
from bot.content import Entry


class ActionAnswerHours(EntryAnswerAction):
    """Answer opening-hours questions, computed in Europe/Copenhagen time with Danish holidays."""

    default_entry_id: Optional[str] = "ihnd"

    def name(self) -> Text:
        """The action's name in the domain."""
        return "action_answer_hours"

    def answer(self, entry: Entry, tracker: Tracker, language: str) -> Reply:
        """The entry's hours now, on the day asked about, or for the week."""
        days = self.entity_values(tracker, "day")
        kinds = self.entity_values(tracker, "hours_kind")
        kind = "phone" if "phone" in kinds else ("desk" if "desk" in kinds else None)
        return hours_answer(entry, language, base.clock(), day=days[0] if days else None, kind=kind, kb=self.kb)
