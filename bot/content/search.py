"""Lexical search over the knowledge base, used when the assistant is not confident.

BM25 over each entry's names and synonyms (weighted three times) and its summary and details,
per language, plus a bonus when the query contains one of an entry's names or synonyms whole.
Words are normalised (case, diacritics) and reduced to a crude stem by stripping a common suffix;
query stems also match index stems with a long common start (:func:`similar`), so that
"registering" finds "registration". The index is built once per knowledge base and language.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from typing import Dict, List, Sequence, Tuple

from bot.content.loader import KnowledgeBase
from bot.nlu.gazetteer import tokens

# Suffixes stripped per language, longest first. A language without a list is matched unstemmed.
SUFFIXES: Dict[str, Tuple[str, ...]] = {
    "en": ("ations", "ation", "ings", "ing", "ies", "ed", "es", "s"),
}
STOP_WORDS: Dict[str, frozenset[str]] = {
    "en": frozenset(
        (
            "a an and are as at be can do does for from get got have how i if in is it its me my of on or so "
            "the there this to what when where which who why will with you your please hi hello about"
        ).split()
    ),
}
NAME_WEIGHT = 3
#: Added per word when the query contains one of an entry's names or synonyms as a whole phrase.
PHRASE_BONUS = 4.0
MIN_COMMON_PREFIX = 6
SIMILAR_SHARE = 0.8
K1 = 1.2
B = 0.75


def stem(word: str, language: str) -> str:
    """Strip one common suffix from a normalised word (never below four letters)."""
    for suffix in SUFFIXES.get(language, ()):
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return word


def similar(a: str, b: str) -> bool:
    """Whether two stems are close enough to match: equal, or sharing a long common start.

    "registr" (registration) and "register" (registering) share six letters, most of the
    shorter one; "skattekort" and "skattestyrelsen" share six of ten and do not match.
    """
    if a == b:
        return True
    shorter = min(len(a), len(b))
    common = 0
    while common < shorter and a[common] == b[common]:
        common += 1
    return common >= MIN_COMMON_PREFIX and common >= SIMILAR_SHARE * shorter


def terms(text: str, language: str) -> List[str]:
    """The search terms of a text: normalised, stop words removed, stemmed."""
    stop = STOP_WORDS.get(language, frozenset())
    return [stem(word, language) for word, _, _ in tokens(text) if word not in stop and len(word) > 1]


@dataclass(frozen=True)
class Hit:
    """A search result."""

    entry_id: str
    score: float


def _contains(words: Tuple[str, ...], phrase: Tuple[str, ...]) -> bool:
    size = len(phrase)
    return any(words[index : index + size] == phrase for index in range(len(words) - size + 1))


class ContentIndex:
    """A BM25 index of the knowledge base for one language."""

    def __init__(self, kb: KnowledgeBase, language: str) -> None:
        """Build the index.

        Args:
            kb: The knowledge base.
            language: The language whose texts are indexed (English texts fill gaps).
        """
        self.language = language
        self.documents: Dict[str, Counter[str]] = {}
        self.phrases: Dict[str, List[Tuple[str, ...]]] = {}
        for entry in kb:
            names = [entry.names.get(language) or entry.names.get("en", "")]
            for synonym_language in dict.fromkeys((language, "en")):
                names += list(entry.synonyms.get(synonym_language, ()))
            body = [entry.summary.get(language) or entry.summary.get("en", "")]
            body.append(entry.details.get(language) or entry.details.get("en", ""))
            self.phrases[entry.id] = [tuple(w for w, _, _ in tokens(name)) for name in names if tokens(name)]
            counts: Counter[str] = Counter()
            for name in names:
                for term in terms(name, language):
                    counts[term] += NAME_WEIGHT
            for text in body:
                counts.update(terms(text, language))
            self.documents[entry.id] = counts
        self.lengths = {doc_id: sum(counts.values()) for doc_id, counts in self.documents.items()}
        self.average_length = sum(self.lengths.values()) / max(1, len(self.lengths))
        frequency: Counter[str] = Counter()
        for counts in self.documents.values():
            frequency.update(counts.keys())
        total = len(self.documents)
        self.idf = {term: math.log(1 + (total - n + 0.5) / (n + 0.5)) for term, n in frequency.items()}
        self._expansions: Dict[str, List[str]] = {}

    def _expand(self, term: str) -> List[str]:
        """The indexed stems a query stem matches (itself included when indexed)."""
        if term not in self._expansions:
            self._expansions[term] = [known for known in self.idf if similar(term, known)]
        return self._expansions[term]

    def search(self, query: str, limit: int = 3, exclude: Sequence[str] = ()) -> List[Hit]:
        """Return the best-matching entries for ``query``, best first.

        Args:
            query: The user's words.
            limit: How many hits at most.
            exclude: Entry ids never returned (e.g. the area entries).

        Returns:
            Hits with a positive score.
        """
        query_terms = {match for term in set(terms(query, self.language)) for match in self._expand(term)}
        query_words = tuple(word for word, _, _ in tokens(query))
        hits = []
        for doc_id, counts in self.documents.items():
            if doc_id in exclude:
                continue
            score = 0.0
            length = self.lengths[doc_id]
            for term in query_terms:
                frequency = counts.get(term, 0)
                if frequency:
                    norm = frequency * (K1 + 1) / (frequency + K1 * (1 - B + B * length / self.average_length))
                    score += self.idf.get(term, 0.0) * norm
            score += PHRASE_BONUS * max(
                (len(phrase) for phrase in self.phrases.get(doc_id, []) if _contains(query_words, phrase)), default=0
            )
            if score > 0:
                hits.append(Hit(doc_id, score))
        hits.sort(key=lambda hit: (-hit.score, hit.entry_id))
        return hits[:limit]
