"""Answers about a topic, organisation, programme or list."""

from __future__ import annotations

from typing import Text

from rasa_sdk import Tracker

import actions.base as base
from actions.base import EntryAnswerAction
from bot.answers import Reply, topic_answer
from bot.content import Entry


class ActionAnswerTopic(EntryAnswerAction):
    """Answer "tell me about X" / "how do I get X" from the entry's summary and details."""

    def name(self) -> Text:
        """The action's name in the domain."""
        return "action_answer_topic"

    def answer(self, entry: Entry, tracker: Tracker, language: str) -> Reply:
        """The entry's summary, details, steps and official link; items or related as buttons."""
        return topic_answer(self.kb, entry, language, base.clock().date())
