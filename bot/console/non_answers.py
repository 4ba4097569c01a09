"""Did the assistant answer a user message? One class per turn: ``answered`` or how it failed.

Every user message that is a question (not chit-chat, not empty) gets exactly one class; the
first rule that matches wins:

1. ``fallback``: the intent is ``nlu_fallback``, ``action_search_content`` ran, or a reply's
   ``outcome`` is ``search`` (related entries offered) or ``nothing`` (nothing found);
2. ``out_of_scope``: ``utter_out_of_scope`` ran (the action, or ``utter_action`` in a reply's
   metadata: Rasa responses carry no ``outcome``);
3. an ``answer`` outcome (an answer about one entry) makes the turn answered, and then
   ``thumbs_down`` when the answer was rated down, else ``rephrased`` when the same user's next
   message came within :data:`REPHRASE_SECONDS` and asks the same again (text similarity of at
   least :data:`REPHRASE_SIMILARITY`, ``bot.console.similarity.text_similarity``, or the same
   ``topic`` entities with the same intent), else ``answered``;
4. ``clarification``: a ``clarify`` outcome ("which of these do you mean?");
5. ``menu``: a ``menu`` outcome (the generic "which area?" menu);
6. no outcome at all (conversations stored before the actions sent one, or a reply without it):
   today's rule, so ``answered`` (and 3's refinements) unless rule 1 or 2 matched.

Chit-chat (:data:`CHITCHAT_INTENTS`) and empty messages are neither answered nor unanswered:
their class is None; so are turns whose only replies are about a handoff (outcome ``handoff``: a
request for a person, or a message written to a staff member while they had the conversation).
The outcome is read from the bot event's ``metadata`` as Rasa stores it
(``metadata.outcome``); a custom action that passed ``metadata={...}`` to ``utter_message`` ends
up with it one level deeper (``metadata.metadata.outcome``), which is read too.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Dict, FrozenSet, Iterable, List, Mapping, Optional, Sequence

from bot.console.similarity import text_similarity

if TYPE_CHECKING:  # transcripts imports this module
    from bot.console.transcripts import Turn

ANSWERED = "answered"
OUT_OF_SCOPE = "out_of_scope"
MENU = "menu"
CLARIFICATION = "clarification"
FALLBACK = "fallback"
THUMBS_DOWN = "thumbs_down"
REPHRASED = "rephrased"
#: The ways a question can go unanswered, in the order the console shows them.
NON_ANSWER_CLASSES = (OUT_OF_SCOPE, MENU, CLARIFICATION, FALLBACK, THUMBS_DOWN, REPHRASED)
#: Every class a question can have.
CLASSES = (ANSWERED, *NON_ANSWER_CLASSES)
LABELS = {
    ANSWERED: "answered",
    OUT_OF_SCOPE: "out of scope",
    MENU: "menu",
    CLARIFICATION: "clarification",
    FALLBACK: "fallback",
    THUMBS_DOWN: "thumbs down",
    REPHRASED: "rephrased",
}

#: Intents that are conversation, not questions.
CHITCHAT_INTENTS = frozenset(
    {"greet", "thank", "goodbye", "affirm", "deny", "bot_challenge", "ask_capabilities", "switch_language"}
)
OUT_OF_SCOPE_ACTION = "utter_out_of_scope"
#: Reply outcomes of the content search (``action_search_content``).
SEARCH_OUTCOMES = frozenset({"search", "nothing"})
#: Replies about a handoff to a person (``actions/handoff.py``, ``bot.handoff.relay``).
HANDOFF_OUTCOME = "handoff"
TOPIC_ENTITY = "topic"
#: A message this soon after an answer, asking the same again, means the answer did not help.
REPHRASE_SECONDS = 180.0
REPHRASE_SIMILARITY = 0.5


def _field(metadata: Mapping[str, Any], key: str) -> Any:
    """``metadata[key]``, or ``metadata["metadata"][key]`` (rasa-sdk's ``metadata=`` keyword nests it)."""
    if key in metadata:
        return metadata[key]
    nested = metadata.get("metadata")
    return nested.get(key) if isinstance(nested, dict) else None


def reply_outcomes(turn: Turn) -> List[str]:
    """The ``outcome`` of each of the turn's bot messages that has one, in order."""
    found = (_field(metadata, "outcome") for metadata in turn.reply_metadata)
    return [value for value in found if isinstance(value, str)]


def is_chitchat(turn: Turn) -> bool:
    """Whether the message is chit-chat or empty: neither answered nor unanswered."""
    return turn.intent in CHITCHAT_INTENTS or not turn.text.strip()


def is_out_of_scope(turn: Turn) -> bool:
    """Whether the assistant said the question is outside what it knows."""
    return OUT_OF_SCOPE_ACTION in turn.actions or any(
        _field(metadata, "utter_action") == OUT_OF_SCOPE_ACTION for metadata in turn.reply_metadata
    )


def _topics(turn: Turn) -> FrozenSet[str]:
    return frozenset(entity.value for entity in turn.entities if entity.entity == TOPIC_ENTITY)


def is_rephrase(answered: Turn, following: Turn) -> bool:
    """Whether ``following`` (the same user's next message) asks the question of ``answered`` again.

    Args:
        answered: A message the assistant answered.
        following: The next user message of the same conversation.

    Returns:
        True when it came within :data:`REPHRASE_SECONDS` and either its text is similar
        (:data:`REPHRASE_SIMILARITY`) or it has the same intent and the same, non-empty, topics.
    """
    if not 0 <= following.timestamp - answered.timestamp <= REPHRASE_SECONDS or is_chitchat(following):
        return False
    topics = _topics(answered)
    if topics and following.intent == answered.intent and _topics(following) == topics:
        return True
    return text_similarity(answered.text, following.text) >= REPHRASE_SIMILARITY


def turn_class(turn: Turn) -> Optional[str]:
    """The class of one turn judged alone: ``thumbs_down`` and ``rephrased`` are decided by :func:`classify`."""
    if is_chitchat(turn):
        return None
    outcomes = reply_outcomes(turn)
    if outcomes and set(outcomes) <= {HANDOFF_OUTCOME}:
        return None  # a request for a person, or a message a person answered: not the assistant's
    if turn.fallback or SEARCH_OUTCOMES.intersection(outcomes):
        return FALLBACK
    if is_out_of_scope(turn):
        return OUT_OF_SCOPE
    if "answer" in outcomes or not outcomes:
        return ANSWERED
    if "clarify" in outcomes:
        return CLARIFICATION
    if "menu" in outcomes:
        return MENU
    return ANSWERED  # an outcome this console does not know: not counted as a failure


def classify(turns: Sequence[Turn]) -> List[Optional[str]]:
    """The class of each turn of one conversation.

    Args:
        turns: All the conversation's turns, in order, with their ratings (the next message
            decides ``rephrased``, so pass them all, not only those of a date range).

    Returns:
        One class per turn (None for chit-chat and empty messages).
    """
    classes: List[Optional[str]] = []
    for index, turn in enumerate(turns):
        found = turn_class(turn)
        if found == ANSWERED:
            if turn.rating == "down":
                found = THUMBS_DOWN
            elif index + 1 < len(turns) and is_rephrase(turn, turns[index + 1]):
                found = REPHRASED
        classes.append(found)
    return classes


@dataclass(frozen=True)
class Tally:
    """How many questions ended in each class.

    Attributes:
        counts: Every class of :data:`CLASSES` to its count.
    """

    counts: Dict[str, int]

    def count(self, name: str) -> int:
        """The number of questions of class ``name``."""
        return self.counts.get(name, 0)

    @property
    def questions(self) -> int:
        """Questions: answered or not (chit-chat left out)."""
        return sum(self.counts.values())

    @property
    def non_answers(self) -> int:
        """Questions of any non-answer class."""
        return self.questions - self.count(ANSWERED)

    def rate(self, name: str) -> Optional[float]:
        """The share of questions of class ``name`` (None without questions)."""
        return self.count(name) / self.questions if self.questions else None

    @property
    def non_answer_rate(self) -> Optional[float]:
        """The share of questions not answered, all classes together (None without questions)."""
        return self.non_answers / self.questions if self.questions else None


def tally(classes: Iterable[Optional[str]]) -> Tally:
    """Count classes (None, i.e. chit-chat, is left out).

    Args:
        classes: One class per turn.

    Returns:
        The counts, every class of :data:`CLASSES` present (0 when unseen).
    """
    counts = dict.fromkeys(CLASSES, 0)
    for name in classes:
        if name is not None:
            counts[name] = counts.get(name, 0) + 1
    return Tally(counts)
