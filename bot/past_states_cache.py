"""A tracker's past states computed once per prediction instead of once per question about them.

Rasa's rule policy asks for the tracker's states several times while predicting one action (for
the text and for the intent of the last message, for the rules and for the loop rules), and
each time ``DialogueStateTracker.past_states`` replays every loaded event through the domain:
half of the policy's time in issue #16's profile (``docs/benchmarks.md``). The result depends
only on the tracker's events and the arguments, so :func:`install` keeps it for the length of
one ``RulePolicy.predict_action_probabilities`` call (nothing outlives the call, so an object id
in the key cannot be reused meanwhile), keyed by the tracker, its number of events, its newest
event and the arguments. Every caller gets its own copy, because Rasa edits the states it gets
(it deletes the text or the intent of the user part). Tested to give the same predictions as
Rasa with the trained model in ``tests/test_past_states_cache.py``. Only the Rasa server
installs it; training runs Rasa's own.
"""

from __future__ import annotations

import contextvars
from typing import Any, Dict, List, Optional, Text, Tuple

_ORIGINAL: Any = None
_ORIGINAL_PREDICT: Any = None
_CACHE: contextvars.ContextVar[Optional[Dict[Tuple[Any, ...], List[Dict[Text, Any]]]]] = contextvars.ContextVar(
    "past_states_cache", default=None
)


def _rule_only_key(rule_only_data: Optional[Dict[Text, Any]]) -> Any:
    if not rule_only_data:
        return None
    return tuple(sorted((key, tuple(value) if isinstance(value, list) else value)
                        for key, value in rule_only_data.items()))


def copy_states(states: List[Dict[Text, Any]]) -> List[Dict[Text, Any]]:
    """The states with each state and each of its parts (user, slots, previous action, loop) copied."""
    return [{key: dict(value) if isinstance(value, dict) else value for key, value in state.items()}
            for state in states]


def past_states(
    self: Any,
    domain: Any,
    omit_unset_slots: bool = False,
    ignore_rule_only_turns: bool = False,
    rule_only_data: Optional[Dict[Text, Any]] = None,
) -> List[Dict[Text, Any]]:
    """``DialogueStateTracker.past_states``, computed once per tracker state and arguments in a prediction."""
    cache = _CACHE.get()
    if cache is None:  # outside a rule policy's prediction: Rasa's own
        return list(_ORIGINAL(self, domain, omit_unset_slots=omit_unset_slots,
                              ignore_rule_only_turns=ignore_rule_only_turns, rule_only_data=rule_only_data))
    events = self.events
    key: Tuple[Any, ...] = (id(self), len(events), id(events[-1]) if events else None, id(domain),
                            omit_unset_slots, ignore_rule_only_turns, _rule_only_key(rule_only_data))
    states = cache.get(key)
    if states is None:
        states = _ORIGINAL(self, domain, omit_unset_slots=omit_unset_slots,
                           ignore_rule_only_turns=ignore_rule_only_turns, rule_only_data=rule_only_data)
        cache[key] = copy_states(states)
        return list(states)
    return copy_states(states)


def predict_action_probabilities(self: Any, *args: Any, **kwargs: Any) -> Any:
    """``RulePolicy.predict_action_probabilities`` with the states of its trackers remembered meanwhile."""
    token = _CACHE.set({})
    try:
        return _ORIGINAL_PREDICT(self, *args, **kwargs)
    finally:
        _CACHE.reset(token)


def install() -> None:
    """Remember past states during each rule policy prediction, in this process."""
    global _ORIGINAL, _ORIGINAL_PREDICT
    from rasa.core.policies.rule_policy import RulePolicy
    from rasa.shared.core.trackers import DialogueStateTracker

    if _ORIGINAL is None:
        _ORIGINAL = DialogueStateTracker.past_states
        DialogueStateTracker.past_states = past_states  # type: ignore[method-assign]
    if _ORIGINAL_PREDICT is None:
        _ORIGINAL_PREDICT = RulePolicy.predict_action_probabilities
        RulePolicy.predict_action_probabilities = predict_action_probabilities  # type: ignore[method-assign]
