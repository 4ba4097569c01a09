"""The replies when the NLU found no question it can answer: search the content, or say it is not ours.

Both first check whether the message is a follow-up about the conversation's topic that the intent
classifier misread ("do we pay anything for it?" read as out of scope after the school answer):
then it is answered about that topic (:meth:`actions.base.ContentAction.follows_up_topic`).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Dict, List

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

import actions.base as base
from actions.base import (
    AREA_IDS,
    OUTCOME_NOTHING,
    OUTCOME_SEARCH,
    ContentAction,
    say_out_of_scope,
    send,
)
from actions.topics import ActionAnswerTopic
from bot.answers import Reply, entry_buttons, human_contact
from bot.content import KnowledgeBase
from bot.content.search import ContentIndex
from bot.handoff.replies import offer_person_reply
from bot.i18n import translate


@lru_cache(maxsize=16)
def content_index(kb: KnowledgeBase, language: str) -> ContentIndex:
    """The search index of a knowledge base in one language, built once."""
    return ContentIndex(kb, language)


class ActionSearchContent(ContentAction):
    """When NLU is not confident: offer the best-matching entries as buttons, plus IHND's contact."""

    def name(self) -> str:
        """The action's name in the domain."""
        return "action_search_content"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[Dict[str, Any]]:
        """Search the content for the latest message; never invent an answer."""
        if self.follows_up_topic(tracker):
            return await ActionAnswerTopic().run(dispatcher, tracker, domain)
        language = self.language(tracker)
        text = tracker.latest_message.get("text") or ""
        kb = self.kb
        hits = content_index(kb, language).search(text, limit=3, exclude=AREA_IDS)
        if hits:
            ids = [hit.entry_id for hit in hits]
            send(dispatcher, Reply(translate("fallback_intro", language), entry_buttons(kb, ids, language)),
                 outcome=OUTCOME_SEARCH, candidates=ids)
        else:
            send(dispatcher, Reply(translate("fallback_nothing", language), entry_buttons(kb, AREA_IDS, language)),
                 outcome=OUTCOME_NOTHING)
        if previous_turn_was_fallback(tracker):
            send(dispatcher, offer_person_reply(language), outcome=OUTCOME_SEARCH)
            return []
        contact = human_contact(kb, language, base.clock())
        if contact is not None:
            send(dispatcher, contact)
        return []


class ActionOutOfScope(ContentAction):
    """The ``out_of_scope`` intent: "I can't help with that", unless it is a follow-up about the topic."""

    def name(self) -> str:
        """The action's name in the domain."""
        return "action_out_of_scope"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[Dict[str, Any]]:
        """Answer the follow-up about the conversation's topic, or send ``utter_out_of_scope``."""
        if self.follows_up_topic(tracker):
            return await ActionAnswerTopic().run(dispatcher, tracker, domain)
        say_out_of_scope(dispatcher)
        return []


def previous_turn_was_fallback(tracker: Tracker) -> bool:
    """Whether the assistant's reply to the message before this one was a fallback too."""
    users = [index for index, event in enumerate(tracker.events) if event.get("event") == "user"]
    if len(users) < 2:
        return False
    for event in tracker.events[users[-2] + 1 : users[-1]]:
        if event.get("event") == "action" and event.get("name") == "action_search_content":
            return True
    return False
