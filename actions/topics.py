"""Answers about a topic, organisation, programme or list."""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
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
from bot import citizenship, right_to_stay
from bot import first_steps as fs
from bot.answer_parts import asks_who_provides, speaks_for_employer
from bot.answers import MAX_BUTTONS, Reply, entry_buttons, more_answer, topic_answer
from bot.content import Entry
from bot.i18n import translate
from bot.prerequisites import named_entries


class ActionAnswerTopic(EntryAnswerAction):
    """Answer "tell me about X" / "how do I get X" from the entry's summary and details.

    Some questions are answered by another entry than the one they name:

    * "How do I get started?" (``getting_started``) starts the personal checklist: its form asks
      for what it does not know yet, then the checklist follows (``actions/first_steps.py``).
    * A question about the right to stay from someone whose citizenship is known gets what applies
      to them (:mod:`bot.right_to_stay`): an EU/EEA/Swiss or Nordic citizen is never told to apply for
      a permit, nor anyone else for the EU residence document. The message says it ("sunt român,
      ce fac prima dată cu actele?", ``bot.citizenship``) or the checklist's answer did earlier;
      "what do I do first?" follows only what the message says, since the checklist itself asks.
      A citizenship the message states is remembered for the checklist and later questions. The
      lead-in speaks of the group, not of the user ("Citizens of the EU/EEA and Switzerland do not
      need a residence permit"): "mi novia es sueca" names someone else's.
    * A CPR question from someone whose message states an EU/EEA/Swiss citizenship, and does not
      name the EU residence document, gets that document first: it is what they need to get a CPR
      number (:data:`bot.right_to_stay.COMES_FIRST`).
    * "Which school is it?", "who runs the classes?", "which authority handles it?" about an entry
      with ``provided_by`` (Danish lessons: Sprogcenter Aalborg) is answered by that organisation.
    """

    def name(self) -> Text:
        """The action's name in the domain."""
        return "action_answer_topic"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[Dict[str, Any]]:
        """Start the checklist for ``getting_started``; otherwise answer as every entry is answered."""
        resolution = self.resolve(tracker)
        language = self.language(tracker)
        text = question_text(tracker)
        resolution = self.named_step(resolution, text)
        entry = resolution.entry
        stated = citizenship.stated_group(text, language) if text else None
        remembered = [SlotSet(fs.GROUP_SLOT, stated)] if stated else []
        instead = right_to_stay.redirect(entry.id if entry is not None else None,
                                         (candidate.id for candidate in resolution.candidates), stated,
                                         tracker.get_slot(fs.GROUP_SLOT),
                                         named_entries(self.kb.entries, text) if text and stated else (),
                                         bool(text) and speaks_for_employer(text, language))
        if instead is not None:
            return [*remembered, *self.right_to_stay(dispatcher, instead, language, text)]
        provider = self.provider_asked(resolution, text, language)
        if provider is not None:
            # "which school is it?", "who runs the free Danish classes?": the organisation that does.
            return [*remembered, *self.respond(dispatcher, tracker, base.Resolution(provider))]
        if entry is not None and entry.id == fs.CHECKLIST_ENTRY:
            # The form reads the citizenship from the message itself (fs.typed_group).
            return [*self.remember(entry), *start_or_ask_again(dispatcher, tracker)]
        return [*remembered, *self.respond(dispatcher, tracker, resolution)]

    def named_step(self, resolution: base.Resolution, text: str) -> base.Resolution:
        """The one checklist step a message names, when only the model read it as "getting started".

        "m-am mutat în Aalborg, cum îmi fac CPR-ul?" ("I've moved to Aalborg, how do I get my
        CPR?") reads like getting started to the topic model, but asks about the one step it names.
        """
        entry = resolution.entry
        if entry is None or entry.id != fs.CHECKLIST_ENTRY or not text:
            return resolution
        named = named_entries(self.kb.entries, text)
        steps = {step.entry_id for step in fs.STEPS} - {fs.CHECKLIST_ENTRY}
        if len(named) == 1 and named[0] in steps:
            step = self.kb.get(named[0])
            if step is not None:
                return base.Resolution(step)
        return resolution

    def provider_asked(self, resolution: base.Resolution, text: str, language: str) -> Optional[Entry]:
        """The organisation a "who runs it / which school is it?" question asks for, if any.

        It is the ``provided_by`` of the entry meant, or, when the message could mean several
        close entries, of one of them whose provider is among them too ("which school is it?"
        between Danish lessons and Sprogcenter Aalborg).
        """
        if not text or not asks_who_provides(text, language):
            return None
        entries = [resolution.entry] if resolution.entry is not None else list(resolution.candidates)
        candidates = {entry.id for entry in entries}
        for entry in entries:
            if entry.provided_by and (resolution.entry is not None or entry.provided_by in candidates):
                return self.kb.get(entry.provided_by)
        return None

    def right_to_stay(
        self, dispatcher: CollectingDispatcher, redirect: right_to_stay.Redirect, language: str, question: str,
    ) -> List[Dict[str, Any]]:
        """What applies to the newcomer's citizenship group instead of the entry asked about."""
        intro = translate(redirect.lead_in, language)
        entry = self.kb.get(redirect.instead)
        if entry is None:
            raise KeyError(f"the content has no {redirect.instead} entry")
        reply = topic_answer(self.kb, entry, language, base.clock().date(), question)
        buttons = reply.buttons
        if redirect.asked == fs.CHECKLIST_ENTRY:
            # The whole personal checklist stays a tap away (its form then asks only the reason).
            buttons = (*entry_buttons(self.kb, [redirect.asked], language), *buttons)[:MAX_BUTTONS]
        reply = Reply(f"{intro}\n\n{reply.text}", buttons, kind=reply.kind)
        send(dispatcher, reply, outcome=OUTCOME_ANSWER, entry=entry.id, kind=reply.kind)
        return self.remember(entry)

    def answer(self, entry: Entry, tracker: Tracker, language: str) -> Reply:
        """The first bubble for the question: at most two sentences and the official link; buttons."""
        return topic_answer(self.kb, entry, language, base.clock().date(), question_text(tracker))

    def answer_resolved(self, resolution: base.Resolution, entry: Entry, tracker: Tracker, language: str) -> Reply:
        """The answer; an entry found for a time the topic is closed opens with its summary.

        "and if my child gets sick at night?" after the family doctor is answered by the out-of-hours
        doctor, whose summary says what to do then (its number), not the sentences nearest the words.
        """
        if resolution.closed_time:
            return topic_answer(self.kb, entry, language, base.clock().date(), "")
        return self.answer(entry, tracker, language)


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
