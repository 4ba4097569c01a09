"""Which sentences of an entry go into the answer's first bubble, and which wait for "More" (issue #13).

A phone user reads the first bubble and little else, so it holds at most two sentences: the
entry's summary (which the content validator keeps to two sentences), unless the question asks
about something only the details say. "What does it cost?" about Danish lessons should not show
the two-sentence overview and hide the price behind a button. Then the first bubble shows the
summary's first sentence and the one detail sentence that matches the question best.

The match is lexical and deliberately simple: the question's content words (not stop words,
at least four letters, compared on their first five letters so that "costs" meets "cost" and
"registrere" meets "registration") that a sentence shares with it. Words of the entry's own name
and synonyms do not count: they say which topic was asked, not which part of it. A detail
sentence is chosen only when it shares at least :data:`MIN_SHARED` such words with the question
and more than either summary sentence does; otherwise the summary stands. Question kinds without
a shared word ("how long until ...?" against "ready within two weeks") are not recognised yet:
that is issue #12's question-kind work. Everything else (the other sentences, the
steps per citizenship group, the caveat) is shown when the user asks for more.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import FrozenSet, List, Sequence, Tuple

from bot.content.schema import Entry
from bot.content.sentences import sentences
from bot.stop_words import stop_words

#: How many content words (not the topic's own names) a detail sentence must share with the
#: question to replace the summary's second sentence.
MIN_SHARED = 1
#: Words are compared on this many leading letters (a crude stem that works across the eight
#: languages' inflections well enough for ranking a handful of sentences).
STEM_LENGTH = 5
_WORD = re.compile(r"\w+", re.UNICODE)


@dataclass(frozen=True)
class AnswerParts:
    """An entry's text, split for a phone screen.

    Attributes:
        first: The sentences of the first bubble (one or two), in the entry's order.
        rest: The summary's and details' other sentences, in order, for "More".
    """

    first: Tuple[str, ...]
    rest: Tuple[str, ...]


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def stems(text: str, language: str) -> FrozenSet[str]:
    """The content-word stems of ``text``: no stop words, no short words, no digits alone.

    Args:
        text: A question or a sentence.
        language: Its language (for the stop-word list).

    Returns:
        The stems.
    """
    stop = stop_words(language)
    result = set()
    for word in _WORD.findall(text.casefold()):
        if len(word) < 4 or word.isdigit() or word in stop:
            continue
        result.add(_fold(word)[:STEM_LENGTH])
    return frozenset(result)


def _topic_stems(entry: Entry, language: str) -> FrozenSet[str]:
    names = [entry.name(language), *entry.synonyms.get(language, ()), *entry.synonyms.get("en", ())]
    return frozenset().union(*(stems(name, language) for name in names))


def _shared(question: FrozenSet[str], sentence: str, language: str) -> int:
    return len(question & stems(sentence, language))


def split_entry(entry: Entry, language: str, question: str = "") -> AnswerParts:
    """Split the entry's summary and details into the first bubble and the rest.

    Args:
        entry: The entry answered.
        language: The answer's language (falls back to English like every answer text).
        question: The user's message; empty when the answer was asked by a button.

    Returns:
        The first bubble's sentences and the rest.
    """
    summary = sentences(entry.summary.get(language) or entry.summary.get("en", ""), language)
    details = sentences(entry.details.get(language) or entry.details.get("en", ""), language)
    asked = stems(question, language) - _topic_stems(entry, language) if question else frozenset()
    if asked and details:
        # The best-matching detail sentence; on a tie, the earliest.
        best_score, negative_index = max((_shared(asked, text, language), -index) for index, text in enumerate(details))
        summary_best = max((_shared(asked, text, language) for text in summary), default=0)
        if best_score >= MIN_SHARED and best_score > summary_best:
            chosen = -negative_index
            first = (summary[0], details[chosen]) if summary else (details[chosen],)
            rest: List[str] = [*summary[1:], *(text for index, text in enumerate(details) if index != chosen)]
            return AnswerParts(first, tuple(rest))
    return AnswerParts(tuple(summary), tuple(details))


def join(parts: Sequence[str]) -> str:
    """Sentences back into one paragraph."""
    return " ".join(parts)
