"""The language step of every message, run inside the Rasa server instead of over HTTP.

After extracting slots, Rasa 3.6 calls the custom action ``action_validate_slot_mappings`` on
every user message; ours only decides the conversation's language (``bot.languages``). That was
one of the two action-server round trips of each turn, each carrying the whole tracker as JSON:
12% of the Rasa server's time per turn in the profile of issue #16 (``docs/benchmarks.md``).
:func:`install` makes Rasa compute it in its own process with the same function the action
server uses (``bot.languages.language_turn``), and return the same events: a ``SlotSet`` of
``language`` when it changes, and the notice for an unsupported language as a ``BotUttered``
built the way Rasa builds one from an action's response. Any other validation action still goes
to the action server. ``STOCK_RASA=1`` starts Rasa without it (the benchmark's baseline).
"""

from __future__ import annotations

from typing import Any, List

VALIDATION_ACTION = "action_validate_slot_mappings"

_ORIGINAL: Any = None


def language_events(tracker: Any) -> List[Any]:
    """The events of the language step for a Rasa ``DialogueStateTracker``.

    Args:
        tracker: The conversation, with the slots just extracted from the latest message.

    Returns:
        The notice (``BotUttered``) if any, then the ``SlotSet`` if the language changes.
    """
    from rasa.core.actions.action import create_bot_utterance
    from rasa.shared.core.events import SlotSet, UserUttered

    from bot.languages import language_turn

    latest = tracker.latest_message
    message = {"intent": latest.intent, "entities": latest.entities} if latest is not None else {}
    users = sum(1 for event in tracker.events if isinstance(event, UserUttered))
    turn = language_turn(tracker.get_slot("language"), message, users)
    events: List[Any] = []
    if turn.notice:
        events.append(create_bot_utterance({"text": turn.notice}))
    if turn.slot:
        events.append(SlotSet("language", turn.slot))
    return events


def install() -> None:
    """Run ``action_validate_slot_mappings`` in process (see the module's docstring)."""
    global _ORIGINAL
    from rasa.core.actions.action import ActionExtractSlots

    if _ORIGINAL is not None:
        return
    _ORIGINAL = ActionExtractSlots._run_custom_action

    async def run_custom_action(
        self: Any, custom_action: str, output_channel: Any, nlg: Any, tracker: Any, domain: Any
    ) -> List[Any]:
        if custom_action == VALIDATION_ACTION:
            return language_events(tracker)
        return list(await _ORIGINAL(self, custom_action, output_channel, nlg, tracker, domain))

    ActionExtractSlots._run_custom_action = run_custom_action  # type: ignore[method-assign]
