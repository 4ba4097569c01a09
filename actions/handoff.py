"""Asking for a person: queue the conversation for staff, or offer to leave a question by e-mail."""

from __future__ import annotations

import asyncio
from typing import Any, Dict, List

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

import actions.base as base
from actions.base import ContentAction, send
from bot.handoff import replies
from bot.handoff.store import store
from bot.settings import get_settings

#: The reply's outcome (``metadata.outcome``): the console counts it as a request for a person.
OUTCOME_HANDOFF = "handoff"


class ActionRequestHuman(ContentAction):
    """The newcomer asked for a person ("can I talk to a human?", "this is not helping")."""

    def name(self) -> str:
        """The action's name in the domain."""
        return "action_request_human"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[Dict[str, Any]]:
        """Queue for staff when a person can join the chat now, else offer the e-mail path."""
        settings = get_settings()
        language = self.language(tracker)
        channel = tracker.get_latest_input_channel() or "unknown"
        moment = base.clock()
        handoffs = store()
        reachable = channel in replies.LIVE_CHANNELS or (
            channel in replies.CALLBACK_CHANNELS and await asyncio.to_thread(handoffs.has_callback, tracker.sender_id)
        )
        live = reachable and replies.staffed(moment, settings.handoff_availability, self.kb)
        request = await asyncio.to_thread(
            handoffs.request, tracker.sender_id, channel, language, "person_requested", live
        )
        if live:
            ahead = await asyncio.to_thread(handoffs.waiting_before, request)
            send(dispatcher, replies.waiting_reply(language, ahead), outcome=OUTCOME_HANDOFF, handoff=request.status)
        else:
            for reply in replies.closed_replies(language, moment, self.kb):
                send(dispatcher, reply, outcome=OUTCOME_HANDOFF, handoff=request.status)
        return []
