"""How alike two messages are: the console's one word-similarity measure.

Used to group unanswered questions (``bot.console.unanswered``) and to notice a user rephrasing
a question that got an answer (``bot.console.non_answers``).

Each message becomes a TF-IDF vector of its words (lower case, Unicode words of two or more
letters; the IDF is computed over the texts compared, so words every text has weigh little);
two vectors are compared by their cosine.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from typing import Dict, List, Mapping, Sequence

_WORD = re.compile(r"\w{2,}")


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


def text_similarity(first: str, second: str) -> float:
    """The cosine of two texts' TF-IDF vectors, the IDF taken over the two texts alone.

    With two texts, a word both share weighs 1 and a word only one has weighs 1 + ln(3/2), so this
    is a word overlap that counts the differing words a little more; it depends on nothing but
    the two texts.
    """
    first_vector, second_vector = tfidf_vectors([first, second])
    return cosine(first_vector, second_vector)
