"""Answers about a topic, organisation, programme or list."""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

import actions.base as base
from actions.base import (
    OUTCOME_ANSWER,
    EntryAnswerAction,
    question_answered,
    question_text,
    send,
    topic_before_latest_message,
)
from actions.first_steps import start_or_ask_again
from bot import first_steps as fs
from bot.answers import Reply, more_answer, topic_answer
from bot.content import Entry
from bot.i18n import translate


class ActionAnswerTopic(EntryAnswerAction):
    """Answer "tell me about X" / "how do I get X" from the entry's summary and details.

    Two entries depend on who is asking (issue #13):

    * "How do I get started?" (``getting_started``) starts the personal checklist: its form asks
      for what it does not know yet, then the checklist follows (``actions/first_steps.py``).
    * A residence-permit question from someone who said they are a Nordic or EU/EEA/Swiss citizen
      gets what applies to them instead: such a newcomer is never told to apply for a permit.
    """

    def name(self) -> Text:
        """The action's name in the domain."""
        return "action_answer_topic"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[Dict[str, Any]]:
        """Start the checklist for ``getting_started``; otherwise answer as every entry is answered."""
        resolution = self.resolve(tracker)
        entry = resolution.entry
        if entry is not None and entry.id == fs.CHECKLIST_ENTRY:
            return [*self.remember(entry), *start_or_ask_again(dispatcher, tracker)]
        group = tracker.get_slot(fs.GROUP_SLOT)
        if entry is not None and entry.id == "residence_permit" and group in ("eu", "nordic"):
            return self.not_a_permit(dispatcher, group, self.language(tracker))
        return self.respond(dispatcher, tracker, resolution)

    def not_a_permit(self, dispatcher: CollectingDispatcher, group: str, language: str) -> List[Dict[str, Any]]:
        """What applies instead of a residence permit to a Nordic or EU/EEA/Swiss citizen."""
        intro = translate(f"residence_permit_not_needed_{group}", language)
        if group == "eu":
            instead = self.kb.get("eu_residence")
            if instead is None:
                raise KeyError("the content has no eu_residence entry")
            reply = topic_answer(self.kb, instead, language, base.clock().date())
            reply = Reply(f"{intro}\n\n{reply.text}", reply.buttons, kind=reply.kind)
        else:
            instead = self.kb.get(fs.CHECKLIST_ENTRY)
            if instead is None:
                raise KeyError(f"the content has no {fs.CHECKLIST_ENTRY} entry")
            reply = Reply(f"{intro}\n\n{fs.checklist_line(self.kb, instead.id, group, language)}", kind="topic")
        send(dispatcher, reply, outcome=OUTCOME_ANSWER, entry=instead.id, kind=reply.kind)
        return self.remember(instead)

    def answer(self, entry: Entry, tracker: Tracker, language: str) -> Reply:
        """The first bubble for the question: at most two sentences and the official link; buttons."""
        return topic_answer(self.kb, entry, language, base.clock().date(), question_text(tracker))


class ActionMoreDetails(EntryAnswerAction):
    """"More details" (the button, or "tell me more"): what the topic's first bubble left out."""

    def name(self) -> Text:
        """The action's name in the domain."""
        return "action_more_details"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[Dict[str, Any]]:
        """The details of the topic; a typed "tell me more about X" about another entry X answers X.

        "tell me more about the one in Poland" after the twin cities asks about Gdynia, which has
        not been answered yet: the rest of an answer never given would start in the middle.
        """
        resolution = self.resolve(tracker)
        entry = resolution.entry
        if question_text(tracker) and entry is not None and entry.id != topic_before_latest_message(tracker):
            return await ActionAnswerTopic().run(dispatcher, tracker, domain)
        return self.respond(dispatcher, tracker, resolution)

    def answer(self, entry: Entry, tracker: Tracker, language: str) -> Reply:
        """The other sentences, the steps per citizenship group and the caveat of the entry."""
        return more_answer(self.kb, entry, language, question_answered(tracker, entry.id))
