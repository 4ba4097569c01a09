"""The language step of every message, run inside the Rasa server instead of over HTTP.

After extracting slots, Rasa 3.6 calls the custom action ``action_validate_slot_mappings`` on
every user message; ours only decides the conversation's language (``bot.languages``). That was
one of the two action-server round trips of each turn, each carrying the whole tracker as JSON:
12% of the Rasa server's time per turn in the profile of issue #16 (``docs/benchmarks.md``).
:func:`install` makes Rasa compute it in its own process, without rebuilding the tracker, with
the same function the action server uses (``bot.languages.language_turn``), and return the same
events: a ``SlotSet`` of
``language`` when it changes, and the notice for an unsupported language as a ``BotUttered``
built the way Rasa builds one from an action's response. A domain without the action keeps
Rasa's behaviour. ``STOCK_RASA=1`` starts Rasa without it (the benchmark's baseline).
"""

from __future__ import annotations

from typing import Any, List, Optional

VALIDATION_ACTION = "action_validate_slot_mappings"

_ORIGINAL: Any = None


def language_events(tracker: Any, current: Optional[str] = None) -> List[Any]:
    """The events of the language step for a Rasa ``DialogueStateTracker``.

    Args:
        tracker: The conversation, its latest event the user's message.
        current: The language before the message; None: the tracker's ``language`` slot.

    Returns:
        The notice (``BotUttered``) if any, then the ``SlotSet`` if the language changes.
    """
    from rasa.core.actions.action import create_bot_utterance
    from rasa.shared.core.events import SlotSet, UserUttered

    from bot.languages import language_turn

    latest = tracker.latest_message
    message = (
        {"intent": latest.intent, "entities": latest.entities, "text": latest.text, "metadata": latest.metadata}
        if latest is not None
        else {}
    )
    users = sum(1 for event in tracker.events_after_latest_restart() if isinstance(event, UserUttered))
    turn = language_turn(current if current is not None else tracker.get_slot("language"), message, users)
    events: List[Any] = []
    if turn.notice:
        events.append(create_bot_utterance({"text": turn.notice}))
    if turn.slot:
        events.append(SlotSet("language", turn.slot))
    return events


def install() -> None:
    """Run ``action_validate_slot_mappings`` in process (see the module's docstring).

    Rasa's ``_execute_validation_action`` first rebuilds the whole conversation into a second
    tracker for the action server; the language step needs only the current language, the latest
    message and the number of user messages, which the tracker already has, so this skips the copy.
    """
    global _ORIGINAL
    from rasa.core.actions.action import ActionExtractSlots
    from rasa.shared.core.events import SlotSet

    if _ORIGINAL is not None:
        return
    _ORIGINAL = ActionExtractSlots._execute_validation_action

    async def execute_validation_action(
        self: Any, extraction_events: List[Any], output_channel: Any, nlg: Any, tracker: Any, domain: Any
    ) -> List[Any]:
        if VALIDATION_ACTION not in domain.user_actions:
            return list(await _ORIGINAL(self, extraction_events, output_channel, nlg, tracker, domain))
        slot_events = [event for event in extraction_events if isinstance(event, SlotSet)]
        extracted = {event.key: event.value for event in slot_events}
        events = language_events(tracker, current=extracted.get("language", tracker.get_slot("language")))
        validated = {event.key for event in events if isinstance(event, SlotSet)}
        # As Rasa: an extracted slot the validation did not set again is kept as extracted.
        return events + [event for event in slot_events if event.key not in validated]

    ActionExtractSlots._execute_validation_action = execute_validation_action  # type: ignore[method-assign]
