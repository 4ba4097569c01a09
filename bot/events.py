"""The project's own events on the event stream, beside Rasa's tracker events.

Rasa's tracker store publishes every tracker event (``user``, ``bot``, ``action``, ``slot``, ...)
to the event broker. This module builds the two events that only this project knows about, in
the same shape (``event``, ``sender_id``, ``timestamp`` as Unix seconds):

* ``feedback``: a thumbs up or down from the widget (``bot/web/api.py``).
* ``handoff_requested``: the user asked how to reach a person: the ``ask_contact`` intent
  (answered by ``action_answer_contact`` with the contact card of the office concerned, reason
  ``contact_requested``) or the ``request_human`` intent (``action_request_human``: a live
  handoff or a question left by e-mail, reason ``person_requested``). Derived from that action's
  event on the stream (:func:`handoff_for`), whatever the channel.
* ``handoff_taken``, ``handoff_message``, ``handoff_ended``: a live handoff's steps (issue #15),
  derived from the bot messages the Rasa worker stores for them (``metadata.handoff``).

Personal data stays out: no free text is copied into these events.
"""

from __future__ import annotations

import time
from typing import Any, Dict, Mapping, Optional

FEEDBACK = "feedback"
HANDOFF_REQUESTED = "handoff_requested"
#: A live handoff's steps, from the bot messages the Rasa worker writes (``bot.handoff.relay``):
#: ``metadata.handoff`` of the stored bot event -> the event on the stream.
HANDOFF_STEPS: Mapping[str, str] = {
    "joined": "handoff_taken",
    "message": "handoff_message",
    "ended": "handoff_ended",
}

#: Actions whose run means "the user wants a human contact", with the reason put in the event.
HANDOFF_ACTIONS: Mapping[str, str] = {
    "action_answer_contact": "contact_requested",
    "action_request_human": "person_requested",
}


def feedback_event(sender_id: str, rating: str, timestamp: Optional[float] = None) -> Dict[str, Any]:
    """The event published when a user rates an answer.

    Args:
        sender_id: The conversation's id.
        rating: ``"up"`` or ``"down"``.
        timestamp: Unix seconds; now when omitted.

    Returns:
        ``{"event": "feedback", "sender_id", "rating", "timestamp"}``.
    """
    return {
        "event": FEEDBACK,
        "sender_id": sender_id,
        "rating": rating,
        "timestamp": time.time() if timestamp is None else timestamp,
    }


def handoff_for(event: Mapping[str, Any]) -> Optional[Dict[str, Any]]:
    """The ``handoff_requested`` event that a published tracker event implies, if any.

    Args:
        event: A serialised Rasa event as published by the tracker store (with ``sender_id``).

    Returns:
        ``{"event": "handoff_requested", "sender_id", "timestamp", "reason", "action"}`` when the
        event is the run of a handoff action, else None.
    """
    if event.get("event") == "bot":
        return _live_handoff_event(event)
    if event.get("event") != "action":
        return None
    name = event.get("name")
    reason = HANDOFF_ACTIONS.get(name) if isinstance(name, str) else None
    if reason is None:
        return None
    timestamp = event.get("timestamp")
    return {
        "event": HANDOFF_REQUESTED,
        "sender_id": event.get("sender_id"),
        "timestamp": timestamp if isinstance(timestamp, (int, float)) else time.time(),
        "reason": reason,
        "action": name,
    }


def _live_handoff_event(event: Mapping[str, Any]) -> Optional[Dict[str, Any]]:
    """``handoff_taken``, ``handoff_message`` or ``handoff_ended`` for a bot event of a live handoff.

    Carries the staff member's console name and, for the end, its reason (``handed_back``,
    ``timeout``, ``user``); never the text.
    """
    metadata = event.get("metadata")
    step = metadata.get("handoff") if isinstance(metadata, dict) else None
    name = HANDOFF_STEPS.get(step) if isinstance(step, str) else None
    if name is None or not isinstance(metadata, dict):
        return None
    timestamp = event.get("timestamp")
    derived: Dict[str, Any] = {
        "event": name,
        "sender_id": event.get("sender_id"),
        "timestamp": timestamp if isinstance(timestamp, (int, float)) else time.time(),
    }
    if isinstance(metadata.get("staff"), str):
        derived["staff"] = metadata["staff"]
    if name == "handoff_ended":
        derived["reason"] = str(metadata.get("reason") or "handed_back")
    return derived
