"""The first-steps checklist: the form's questions, its typed answers, and the list itself.

The logic is in ``bot.first_steps``; these actions read the slots and send what it returns. The
form (``first_steps_form`` in ``domain.yml``) is started by ``action_answer_topic`` when a
newcomer asks how to get started, and by a tap on one of its answer buttons.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.base import OUTCOME_ANSWER, ContentAction, send
from bot import first_steps as fs
from bot.answers import Reply
from bot.content import get_knowledge_base

#: The entry a checklist reply is about, for the console and ``make eval`` (``metadata.entry``).
CHECKLIST_ENTRY = fs.CHECKLIST_ENTRY


def _typed_text(tracker: Tracker) -> Optional[str]:
    """The latest message's text if it was typed (a button's ``/intent{...}`` payload is not)."""
    text = tracker.latest_message.get("text") if tracker.latest_message else None
    return text if isinstance(text, str) and text.strip() and not text.startswith("/") else None


def is_topic_follow_up(tracker: Tracker) -> bool:
    """Whether a ``next_step`` message is a follow-up about the conversation's topic instead.

    It is when the message was typed (the checklist's own "What's next?" button sends
    ``/next_step``), the newcomer has not answered the checklist's two questions (so there is no
    list to continue), no form is running, and the conversation's current topic is another entry.
    """
    if _typed_text(tracker) is None or tracker.active_loop_name == fs.FORM:
        return False
    if tracker.get_slot(fs.GROUP_SLOT) in fs.GROUPS and tracker.get_slot(fs.REASON_SLOT) in fs.REASONS:
        return False
    topic = tracker.get_slot("topic")
    return isinstance(topic, str) and bool(topic) and topic != CHECKLIST_ENTRY


def start_or_ask_again(dispatcher: CollectingDispatcher, tracker: Tracker) -> List[Dict[Text, Any]]:
    """Start the form, or, when it is already running, ask its open question again.

    Starting a running form again would make it read the latest message as an answer a second
    time; when that message is not one, Rasa rejects the form and the turn ends without a reply.
    An answer button tapped after a question in between arrives here too (the form was rejected
    for that question, so Rasa does not hand it the message): its entity has already filled the
    slot, so the next open question is asked, or the form ends and the checklist follows.
    """
    group_known = tracker.get_slot(fs.GROUP_SLOT) in fs.GROUPS
    reason_known = tracker.get_slot(fs.REASON_SLOT) in fs.REASONS
    if tracker.active_loop_name != fs.FORM or (group_known and reason_known):
        return [FollowupAction(fs.FORM)]  # with both answers known, the form ends at once
    language = ContentAction.language(tracker)
    question = fs.reason_question(language) if group_known else fs.group_question(language)
    send(dispatcher, question, outcome=OUTCOME_ANSWER, entry=CHECKLIST_ENTRY, kind="checklist")
    return []


class _AskAction(Action, ABC):
    """One of the form's questions (``action_ask_<slot>``), with its answers as buttons."""

    @abstractmethod
    def question(self, language: str) -> Reply:
        """The question in ``language``."""

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[Dict[Text, Any]]:
        """Ask the question in the conversation's language."""
        send(dispatcher, self.question(ContentAction.language(tracker)), outcome=OUTCOME_ANSWER,
             entry=CHECKLIST_ENTRY, kind="checklist")
        return []


class ActionAskCitizenshipGroup(_AskAction):
    """The form's first question, with a button per citizenship group."""

    def name(self) -> Text:
        """The name Rasa's form looks for (``action_ask_<slot>``)."""
        return "action_ask_citizenship_group"

    def question(self, language: str) -> Reply:
        """Which citizenship group."""
        return fs.group_question(language)


class ActionAskArrivalReason(_AskAction):
    """The form's second question, with a button per reason for coming."""

    def name(self) -> Text:
        """The name Rasa's form looks for (``action_ask_<slot>``)."""
        return "action_ask_arrival_reason"

    def question(self, language: str) -> Reply:
        """Why the newcomer came."""
        return fs.reason_question(language)


class ValidateFirstStepsForm(FormValidationAction):
    """Understands typed answers ("I'm from Poland", "my wife works here") and keeps known values only."""

    def name(self) -> Text:
        """The form's validation action (``validate_<form>``)."""
        return "validate_first_steps_form"

    async def extract_citizenship_group(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        """The group a typed message names (a country or the group's own words), if any."""
        text = _typed_text(tracker)
        group = fs.typed_group(text, ContentAction.language(tracker)) if text else None
        return {fs.GROUP_SLOT: group} if group else {}

    async def extract_arrival_reason(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        """The reason a typed message names, if any."""
        text = _typed_text(tracker)
        reason = fs.typed_reason(text, ContentAction.language(tracker)) if text else None
        return {fs.REASON_SLOT: reason} if reason else {}

    def validate_citizenship_group(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        """Keep one of the known groups; anything else is asked again."""
        return {fs.GROUP_SLOT: value if value in fs.GROUPS else None}

    def validate_arrival_reason(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        """Keep one of the known reasons; anything else is asked again."""
        return {fs.REASON_SLOT: value if value in fs.REASONS else None}


class ActionFirstStepsChecklist(Action):
    """The checklist for the newcomer's group and reason, a page at a time ("what's next?")."""

    def name(self) -> Text:
        """The action's name in the domain."""
        return "action_first_steps_checklist"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[Dict[Text, Any]]:
        """Show the next page of the checklist, or start the form when an answer is missing.

        Right after the form, the list starts at its first step; after that, each call (the
        "What's next?" button, or the question typed) shows the following steps.

        A typed "what's next?" from someone who never went through the checklist, right after an
        answer about another topic, is a follow-up about that topic: "hvad koster det så?" ("and
        what does it cost, then?") after Danish lessons was read as ``next_step``, which started
        the checklist instead of answering the question. That answer follows instead.
        """
        group, reason = tracker.get_slot(fs.GROUP_SLOT), tracker.get_slot(fs.REASON_SLOT)
        if is_topic_follow_up(tracker):
            # Answered here, not with FollowupAction: after a followed-up action the policies would
            # predict this action again for the same ``next_step`` message, until the loop limit.
            from actions.topics import ActionAnswerTopic  # topics imports this module

            return await ActionAnswerTopic().run(dispatcher, tracker, domain)
        if group not in fs.GROUPS or reason not in fs.REASONS:
            return start_or_ask_again(dispatcher, tracker)
        after_form = tracker.latest_action_name == fs.FORM
        position = tracker.get_slot(fs.NEXT_SLOT)
        start = 0 if after_form or not isinstance(position, (int, float)) else int(position)
        reply, next_start = fs.checklist_page(get_knowledge_base(), group, reason, start,
                                              ContentAction.language(tracker))
        send(dispatcher, reply, outcome=OUTCOME_ANSWER, entry=CHECKLIST_ENTRY, kind="checklist")
        return [SlotSet(fs.NEXT_SLOT, float(next_start)), SlotSet("topic", CHECKLIST_ENTRY)]
