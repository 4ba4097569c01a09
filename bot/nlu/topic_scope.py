"""TopicScopeAdjuster: a message that names one of our topics is not out of scope.

Runs after the intent classifier and before the FallbackClassifier. When the message contains a
``topic`` entity (found from the content's own names and synonyms), the probability the
classifier gave ``out_of_scope`` is moved to the best-ranked question intent (``ask_topic``,
``ask_contact``, ``ask_address``, ``ask_hours``). "Wie sieht Aalborgs Vision 2030 für
Unternehmen aus?" names the business strategy, so it is a question about it, however unusual
its wording.

When the TopicClassifier understood the message as being about our entries (an answer or a
choice of close entries, ``topic_ranking`` in the parse data), a weak chit-chat guess is not
trusted either: "my wife came with me and she is bored all day" is not a greeting, however the
intent classifier reads its first words. A chit-chat intent keeps the turn only when the classifier
is at least ``CHITCHAT_KEEP`` sure of it ("thanks, that helped with my tax card").
"""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_NAME_KEY, INTENT_RANKING_KEY, PREDICTED_CONFIDENCE_KEY
from rasa.shared.nlu.training_data.message import Message

QUESTION_INTENTS = ("ask_topic", "ask_contact", "ask_address", "ask_hours")
#: A chit-chat intent at least this sure keeps the turn even when the message is about a topic.
CHITCHAT_KEEP = 0.8
#: Intents that are never overruled by the topic (the user asks for something else explicitly).
KEEP_INTENTS = ("switch_language",)


def adjust(
    intent: Dict[str, Any], ranking: List[Dict[str, Any]], has_topic: bool, understood: bool = False
) -> List[Dict[str, Any]]:
    """Return the new ranking (best first) for one message.

    Args:
        intent: The classifier's top intent (``name``, ``confidence``).
        ranking: The full ranking.
        has_topic: Whether the message names a content topic.
        understood: Whether the topic model found the entry (or close entries) the message is about.

    Returns:
        The ranking, unchanged unless the message is about a topic: then out_of_scope's
        probability (and, when ``understood``, a weak chit-chat top intent's) goes to the
        best-ranked question intent.
    """
    if not has_topic or not ranking:
        return ranking
    moving = {"out_of_scope"}
    top = ranking[0]
    top_name = top.get(INTENT_NAME_KEY)
    if (understood and top_name not in QUESTION_INTENTS and top_name not in KEEP_INTENTS
            and float(top[PREDICTED_CONFIDENCE_KEY]) < CHITCHAT_KEEP):
        moving.add(str(top_name))
    moved = sum(float(item[PREDICTED_CONFIDENCE_KEY]) for item in ranking if item.get(INTENT_NAME_KEY) in moving)
    candidates = [item for item in ranking if item.get(INTENT_NAME_KEY) in QUESTION_INTENTS]
    if not moved or not candidates:
        return ranking
    best = max(candidates, key=lambda item: item[PREDICTED_CONFIDENCE_KEY])
    adjusted = []
    for item in ranking:
        if item is best:
            adjusted.append({**item, PREDICTED_CONFIDENCE_KEY: float(item[PREDICTED_CONFIDENCE_KEY]) + moved})
        elif item.get(INTENT_NAME_KEY) in moving:
            adjusted.append({**item, PREDICTED_CONFIDENCE_KEY: 0.0})
        else:
            adjusted.append(item)
    return sorted(adjusted, key=lambda item: -item[PREDICTED_CONFIDENCE_KEY])


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class TopicScopeAdjuster(GraphComponent):
    """Moves out_of_scope's probability to the best question intent when the message names a topic."""

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> TopicScopeAdjuster:
        """Create the component (it has no state)."""
        return cls()

    def process(self, messages: List[Message]) -> List[Message]:
        """Adjust each message's intent and ranking."""
        for message in messages:
            intent = message.get(INTENT)
            ranking = message.get(INTENT_RANKING_KEY)
            if not intent or not ranking:
                continue
            has_topic = any(entity.get("entity") == "topic" for entity in message.get(ENTITIES, []) or [])
            topics = message.get("topic_ranking") or {}
            understood = topics.get("outcome") in ("answer", "clarify")
            new_ranking = adjust(intent, ranking, has_topic, understood)
            if new_ranking is not ranking:
                message.set(INTENT, {INTENT_NAME_KEY: new_ranking[0][INTENT_NAME_KEY],
                                     PREDICTED_CONFIDENCE_KEY: new_ranking[0][PREDICTED_CONFIDENCE_KEY]},
                            add_to_output=True)
                message.set(INTENT_RANKING_KEY, new_ranking, add_to_output=True)
        return messages
