"""The questions the assistant could not answer, grouped by similarity per language.

A message counts as unanswered when the assistant fell back to the content search for it
(``action_search_content`` ran after it: intent ``nlu_fallback``), whether or not the search then
offered related topics: in both cases the user got no answer to the question itself.

Grouping: each message becomes a TF-IDF vector of its words (lower case, Unicode words of two or
more letters; the IDF is computed over the messages of that language, so words every question
has, like "where" or "how", weigh little). Messages are taken oldest first; each joins the group
whose centroid is most similar (cosine) if that similarity reaches the threshold, else it starts a
new group. Texts with the same words (or, without words, the same text) always share a group.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from typing import Dict, Iterable, List, Mapping, Optional, Sequence

from bot.console.transcripts import FALLBACK_ACTION, Turn

DEFAULT_THRESHOLD = 0.35
MAX_EXAMPLES = 5
_WORD = re.compile(r"\w{2,}")


@dataclass(frozen=True)
class UnansweredMessage:
    """A message the assistant could not answer."""

    sender_id: str
    event_id: int
    text: str
    language: str
    timestamp: float


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

    def examples(self, limit: int = MAX_EXAMPLES) -> List[UnansweredMessage]:
        """Up to ``limit`` members with distinct texts, oldest first."""
        seen: set = set()
        found: List[UnansweredMessage] = []
        for message in self.messages:
            key = same_question_key(message.text)
            if key not in seen:
                seen.add(key)
                found.append(message)
            if len(found) == limit:
                break
        return found


def normalise(text: str) -> str:
    """Text compared for identity: NFKC, case-folded, whitespace collapsed."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def tokens(text: str) -> List[str]:
    """The words of a message (case-folded, at least two letters)."""
    return _WORD.findall(normalise(text))


def same_question_key(text: str) -> str:
    """Texts with the same key count as the same question: same words (or, without words, same text)."""
    return " ".join(tokens(text)) or normalise(text)


def tfidf_vectors(texts: Sequence[str]) -> List[Dict[str, float]]:
    """Unit-length TF-IDF vectors of ``texts`` (smoothed IDF over ``texts`` themselves)."""
    documents = [Counter(tokens(text)) for text in texts]
    frequency: Counter = Counter()
    for document in documents:
        frequency.update(document.keys())
    total = len(documents)
    vectors: List[Dict[str, float]] = []
    for document in documents:
        weights = {
            word: count * (math.log((1 + total) / (1 + frequency[word])) + 1.0) for word, count in document.items()
        }
        norm = math.sqrt(sum(value * value for value in weights.values()))
        vectors.append({word: value / norm for word, value in weights.items()} if norm else {})
    return vectors


def cosine(a: Mapping[str, float], b: Mapping[str, float]) -> float:
    """Cosine similarity of two sparse vectors (0 when either is empty)."""
    if len(a) > len(b):
        a, b = b, a
    dot = sum(value * b.get(word, 0.0) for word, value in a.items())
    norm_a = math.sqrt(sum(value * value for value in a.values()))
    norm_b = math.sqrt(sum(value * value for value in b.values()))
    return dot / (norm_a * norm_b) if norm_a and norm_b else 0.0


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


def unanswered_messages(turns_by_sender: Mapping[str, Iterable[Turn]]) -> List[UnansweredMessage]:
    """The messages after which the assistant fell back to the content search."""
    found = [
        UnansweredMessage(sender_id, turn.event_id, turn.text, turn.language, turn.timestamp)
        for sender_id, turns in turns_by_sender.items()
        for turn in turns
        if FALLBACK_ACTION in turn.actions and turn.text.strip()
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
