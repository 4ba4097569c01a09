"""The questions the assistant did not answer, grouped by similarity per language.

A message counts as unanswered when its answer class (``bot.console.non_answers``) is one of the
non-answer classes: out of scope, the generic menu, a clarification question, the fallback
search, an answer rated down, or an answer the user asked again. Each message keeps its class;
similar messages are grouped whatever their classes.

Grouping: each message becomes a TF-IDF vector of its words (``bot.console.similarity``; the IDF
is computed over the messages of that language, so words every question has, like "where" or
"how", weigh little). Messages are taken oldest first; each joins the group whose centroid is
most similar (cosine) if that similarity reaches the threshold, else it starts a new group. Texts
with the same words (or, without words, the same text) always share a group.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import AbstractSet, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple

from bot.console.non_answers import NON_ANSWER_CLASSES
from bot.console.similarity import cosine, same_question_key, tfidf_vectors
from bot.console.transcripts import Turn

DEFAULT_THRESHOLD = 0.35
MAX_EXAMPLES = 5


@dataclass(frozen=True)
class UnansweredMessage:
    """A message the assistant did not answer, and how (one of ``non_answers.NON_ANSWER_CLASSES``)."""

    sender_id: str
    event_id: int
    text: str
    language: str
    timestamp: float
    answer_class: str


@dataclass
class Group:
    """Similar unanswered messages.

    Attributes:
        messages: The messages, oldest first.
        centroid: Sum of the members' unit vectors (internal).
    """

    messages: List[UnansweredMessage] = field(default_factory=list)
    centroid: Dict[str, float] = field(default_factory=dict)

    @property
    def count(self) -> int:
        """How many messages the group has."""
        return len(self.messages)

    @property
    def label(self) -> str:
        """The group's most frequent text (the first of equally frequent ones)."""
        counts = Counter(same_question_key(message.text) for message in self.messages)
        best = max(counts.values())
        return next(message.text for message in self.messages if counts[same_question_key(message.text)] == best)

    def classes(self) -> List[Tuple[str, int]]:
        """How many of the group's messages each non-answer class has (classes without any left out)."""
        counts = Counter(message.answer_class for message in self.messages)
        return [(name, counts[name]) for name in NON_ANSWER_CLASSES if counts[name]]

    def examples(self, limit: int = MAX_EXAMPLES) -> List[UnansweredMessage]:
        """Up to ``limit`` members with distinct texts other than the label's, oldest first."""
        seen: set = {same_question_key(self.label)}
        found: List[UnansweredMessage] = []
        for message in self.messages:
            key = same_question_key(message.text)
            if key not in seen:
                seen.add(key)
                found.append(message)
            if len(found) == limit:
                break
        return found


def group_messages(messages: Sequence[UnansweredMessage], threshold: float = DEFAULT_THRESHOLD) -> List[Group]:
    """Group similar messages (all of one language), largest groups first.

    Args:
        messages: The messages, in any order (they are taken oldest first).
        threshold: The least cosine similarity to a group's centroid to join it.

    Returns:
        The groups, by size (descending), then by their first message's time.
    """
    ordered = sorted(messages, key=lambda message: (message.timestamp, message.event_id))
    vectors = tfidf_vectors([message.text for message in ordered])
    groups: List[Group] = []
    by_text: Dict[str, Group] = {}
    for message, vector in zip(ordered, vectors, strict=True):
        key = same_question_key(message.text)
        target: Optional[Group] = by_text.get(key)
        if target is None and vector:
            scored = [(cosine(vector, group.centroid), index) for index, group in enumerate(groups)]
            best = max(scored, default=(0.0, -1))
            if best[0] >= threshold:
                target = groups[best[1]]
        if target is None:
            target = Group()
            groups.append(target)
        target.messages.append(message)
        for word, value in vector.items():
            target.centroid[word] = target.centroid.get(word, 0.0) + value
        by_text.setdefault(key, target)
    return sorted(groups, key=lambda group: (-group.count, group.messages[0].timestamp))


def unanswered_messages(
    turns_by_sender: Mapping[str, Iterable[Turn]], dismissed: AbstractSet[int] = frozenset()
) -> List[UnansweredMessage]:
    """The messages of any non-answer class, oldest first (turns classified, as ``turns_between`` gives them).

    Messages a reviewer dismissed (``bot.console.dismissals``) are left out.
    """
    found = [
        UnansweredMessage(sender_id, turn.event_id, turn.text, turn.language, turn.timestamp, turn.answer_class)
        for sender_id, turns in turns_by_sender.items()
        for turn in turns
        if turn.answer_class in NON_ANSWER_CLASSES and turn.text.strip() and turn.event_id not in dismissed
    ]
    return sorted(found, key=lambda message: (message.timestamp, message.event_id))


def top_groups(
    messages: Sequence[UnansweredMessage], threshold: float = DEFAULT_THRESHOLD, limit: int = 10
) -> Dict[str, List[Group]]:
    """The ``limit`` largest groups of unanswered messages per language (languages sorted).

    Args:
        messages: Unanswered messages of any languages.
        threshold: See :func:`group_messages`.
        limit: Groups kept per language.

    Returns:
        Language code to its groups.
    """
    per_language: Dict[str, List[UnansweredMessage]] = {}
    for message in messages:
        per_language.setdefault(message.language, []).append(message)
    return {
        language: group_messages(per_language[language], threshold)[:limit] for language in sorted(per_language)
    }
