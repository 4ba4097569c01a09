"""Answers about opening hours: "when are they open", "is it open now / on Friday / on 24 December"."""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

import actions.base as base
from actions.base import EntryAnswerAction, Resolution, entry_answer, question_text
from bot.answer_parts import asks_when_open
from bot.answers import Reply
from bot.content import Entry
from bot.dates_asked import days_asked
from bot.hours_answer import hours_answer


class ActionAnswerHours(EntryAnswerAction):
    """Answer opening-hours questions, computed in Europe/Copenhagen time with Danish holidays."""

    default_entry_id: Optional[str] = "ihnd"

    def name(self) -> Text:
        """The action's name in the domain."""
        return "action_answer_hours"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[Dict[str, Any]]:
        """The hours; for a service without hours of its own, those of the organisation behind it.

        A service with no hours of its own that takes its contact from an organisation (MitID from
        MitID Support, the EU residence document from SIRI) is answered with that organisation's
        hours when the message names no topic but a kind of hours or a day: "when can I call them?"
        or "are they open on Sunday?" after the MitID answer ask when MitID Support answers the phone.
        The answer is recorded as the organisation's, which becomes the topic (as for its contact
        card: actions/contacts.py). "when can I get it?" (neither) and "when can I get MitID?" (a
        topic) get MitID's answer.
        """
        resolution = self.resolve(tracker)
        entry = resolution.entry
        if entry is not None and entry.hours is None and self.hours_cue(tracker) \
                and not self.entity_values(tracker, "topic"):
            organisation = self.organisation_behind(entry)
            if organisation is not None and organisation.hours is not None:
                resolution = Resolution(organisation)
        return self.respond(dispatcher, tracker, resolution)

    def hours_cue(self, tracker: Tracker) -> bool:
        """Whether the message names a kind of hours ("phone hours") or a day (the NLU's entities)."""
        return bool(self.entity_values(tracker, "hours_kind") or self.entity_values(tracker, "day"))

    def answer(self, entry: Entry, tracker: Tracker, language: str) -> Reply:
        """The entry's hours on the day or days asked, or now and for the week.

        A typed message with no such cue and no word asking when or about opening hours
        (:func:`bot.answer_parts.asks_when_open`) gets the entry's answer: "do the kids pay?" after
        the bus answer asks about fares, not about a week of customer-service hours.
        """
        question = question_text(tracker)
        if question and not self.hours_cue(tracker) and not asks_when_open(question, language):
            return entry_answer(self.kb, entry, language, question)
        moment = base.clock()
        days = self.entity_values(tracker, "day")
        kinds = self.entity_values(tracker, "hours_kind")
        kind = "phone" if "phone" in kinds else ("desk" if "desk" in kinds else None)
        text = str(tracker.latest_message.get("text") or "")
        asked = days_asked(text, language, moment.date(), [day for day in days if day != "now"])
        return hours_answer(entry, language, moment, asked, kind=kind, now_only=asked is None and "now" in days,
                            kb=self.kb, question=question)
