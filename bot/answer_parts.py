"""Which sentences of an entry go into the answer's first bubble, and which wait for "More" (issue #13).

A phone user reads the first bubble and little else, so it holds at most two sentences: the
entry's summary (which the content validator keeps to two sentences), unless the question is
closer to sentences the details hold. "How long until my health card arrives?" about the CPR
number should show "the card is posted within 14 days", not the overview with the answer behind a
button. Then the first bubble shows the two sentences of the entry closest to the question, in
the entry's order; everything else (the other sentences, the steps per citizenship group, the
caveat) waits for "More details".

How close a sentence is: the cosine of character 4- and 5-gram TF-IDF vectors (within words,
ignoring case and diacritics; common words weigh little by their idf), over the entry's own
sentences and the question, after the
entry's own names and synonyms are taken out of the question (they say which topic was asked,
not which part of it). Character n-grams match inflected and compound words across our eight
languages ("skattekortet", "Steuerkarte", "podatkową") without a stemmer per language. A
question asking for a number, a date or a duration (``data/i18n/question_words.yml``) adds
:data:`FIGURE_BONUS` to every sentence with a digit.

Measured on 2026-12-05 with the 333 factual questions of ``tests/e2e/questions_<lang>.yml`` whose
facts an entry's summary and details hold: the summary alone holds all of a question's expected
facts for 103, the content-word overlap we tried first for 155, this for 179 (173 with stop
words left out, so they are kept). Every one of the
333 fits in two of its entry's sentences, so the rest is the picker's to win (issue #12's
question kinds). The vectors are built by hand: scikit-learn's ``TfidfVectorizer`` gives the same
ranking but takes 0.33 s and tens of MB to import into the action server, which needs nothing
else from it.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Dict, Optional, Pattern, Sequence, Tuple

from bot.content.schema import Entry
from bot.content.sentences import sentences
from bot.nlu.gazetteer import normalise as fold  # lower case, no diacritics, æ/ø/å folded

#: Added to a sentence with a digit when the question asks for a number, a date or a duration.
FIGURE_BONUS = 0.1
NGRAM_SIZES = (4, 5)
QUESTION_WORDS_FILE = Path(__file__).resolve().parents[1] / "data" / "i18n" / "question_words.yml"
_WORD = re.compile(r"\w+", re.UNICODE)
_DIGIT = re.compile(r"\d")


@dataclass(frozen=True)
class AnswerParts:
    """An entry's text, split for a phone screen.

    Attributes:
        first: The sentences of the first bubble (one or two), in the entry's order.
        rest: The summary's and details' other sentences, in order, for "More".
    """

    first: Tuple[str, ...]
    rest: Tuple[str, ...]


def _ngrams(text: str) -> Counter:
    """Character 4- and 5-grams of each word, padded with a space at both ends (as ``char_wb``)."""
    grams: Counter = Counter()
    for word in _WORD.findall(fold(text)):
        padded = f" {word} "
        for size in NGRAM_SIZES:
            grams.update(padded[start:start + size] for start in range(len(padded) - size + 1))
    return grams


@dataclass(frozen=True)
class _Prepared:
    """An entry's sentences in one language, ready to be compared with questions (cached)."""

    summary: Tuple[str, ...]
    details: Tuple[str, ...]
    #: L2-normalised TF-IDF vectors of summary + details, in order.
    vectors: Tuple[Dict[str, float], ...]
    #: Smoothed idf of each n-gram over the sentences; ``unseen`` for one none of them has.
    idf: Dict[str, float]
    unseen: float
    figures: Tuple[bool, ...]
    #: The entry's names and synonyms, folded, as one pattern (None: none long enough).
    names: Optional[Pattern[str]]


@lru_cache(maxsize=2048)
def _prepared(summary: str, details: str, language: str, names: Tuple[str, ...]) -> _Prepared:
    """Split, count and weigh the entry's sentences once per text (sublinear tf, smoothed idf)."""
    summary_sentences = tuple(sentences(summary, language))
    detail_sentences = tuple(sentences(details, language))
    every = (*summary_sentences, *detail_sentences)
    counts = [_ngrams(text) for text in every]
    frequency: Counter = Counter(gram for grams in counts for gram in grams)
    total = len(every) + 1  # the question is the one more document idf is smoothed for
    idf = {gram: math.log((1 + total) / (1 + n)) + 1 for gram, n in frequency.items()}
    vectors = []
    for grams in counts:
        weights = {gram: (1 + math.log(n)) * idf[gram] for gram, n in grams.items()}
        norm = math.sqrt(sum(weight * weight for weight in weights.values())) or 1.0
        vectors.append({gram: weight / norm for gram, weight in weights.items()})
    folded = sorted({fold(name) for name in names if len(name) >= 3}, key=len, reverse=True)
    pattern = re.compile(r"(?<!\w)(?:" + "|".join(map(re.escape, folded)) + r")(?!\w)") if folded else None
    return _Prepared(summary_sentences, detail_sentences, tuple(vectors), idf, math.log(1 + total) + 1,
                     tuple(bool(_DIGIT.search(text)) for text in every), pattern)


@lru_cache(maxsize=16)
def _question_words(kind: str) -> Dict[str, Tuple[str, ...]]:
    """Per language, the phrases of ``kind`` as " word word " (folded, one space between words, padded)."""
    from bot.yaml_files import read_yaml

    raw = read_yaml(QUESTION_WORDS_FILE)[kind]
    return {language: tuple(f" {' '.join(_WORD.findall(fold(word)))} " for word in words)
            for language, words in raw.items()}


@lru_cache(maxsize=32)
def _gapped(kind: str, language: str) -> Optional[Pattern[str]]:
    """The phrases of ``kind`` with room for one word between their words ("who actually runs")."""
    phrases = [phrase.split() for phrase in _question_words(kind).get(language, ())]
    if not phrases:
        return None
    return re.compile("|".join(" " + r"(?: \S+)? ".join(map(re.escape, words)) + " " for words in phrases))


def _readings(question: str, language: str) -> Tuple[str, ...]:
    """The question as " word word " (folded), and again without the conjunctions written onto words.

    Arabic writes "and" onto the next word: "وقديش بندفع؟" (and how much do we pay?) holds "قديش" only
    once the "و" is taken off. Both readings are kept, since "وين" (where) begins with the same letter.
    """
    words = _WORD.findall(fold(question))
    prefixes = [phrase.strip() for phrase in _question_words("attached_conjunctions").get(language, ())]
    readings = [f" {' '.join(words)} "]
    if prefixes:
        bare = [next((word[len(p):] for p in prefixes if word.startswith(p) and len(word) > len(p) + 1), word)
                for word in words]
        readings.append(f" {' '.join(bare)} ")
    return tuple(readings)


def _asks(kind: str, question: str, language: str, gap: bool = False) -> bool:
    texts = _readings(question, language)
    if gap:
        pattern = _gapped(kind, language)
        return pattern is not None and any(pattern.search(text) is not None for text in texts)
    return any(phrase in text for phrase in _question_words(kind).get(language, ()) for text in texts)


def asks_for_a_number(question: str, language: str) -> bool:
    """Whether the question asks how much, how many, how long, when or by which date."""
    return _asks("asks_for_a_number", question, language)


def asks_whom_to_call(question: str, language: str) -> bool:
    """Whether the question asks for a telephone number or whom to call ("which number do I call?")."""
    return _asks("asks_whom_to_call", question, language)


def asks_for_contact(question: str, language: str) -> bool:
    """Whether the question asks for a way to reach someone: a number, whom to call, an e-mail, contact."""
    from bot.nlu.set_aside import asks_how_to_reach

    return (asks_whom_to_call(question, language) or asks_how_to_reach(question, language)
            or _has_stem("contact_stems", question, language))


def asks_for_place(question: str, language: str) -> bool:
    """Whether the question asks where something is: a word asking where, or for an address or a floor."""
    from bot.nlu.set_aside import asks_where

    return asks_where(question, language) or _has_stem("address_stems", question, language)


def asks_when_open(question: str, language: str) -> bool:
    """Whether the question asks when something is open: a word for open, closed, hours, a time or "when"."""
    return _has_stem("hours_stems", question, language)


@lru_cache(maxsize=4)
def _stems(kind: str) -> Dict[str, Tuple[str, ...]]:
    """Per language, the parts of words of ``kind``, folded; a space kept at either end marks a word's edge."""
    from bot.yaml_files import read_yaml

    def folded(stem: str) -> str:
        core = " ".join(_WORD.findall(fold(stem)))
        return (" " if stem.startswith(" ") else "") + core + (" " if stem.endswith(" ") else "")

    return {language: tuple(folded(stem) for stem in stems)
            for language, stems in read_yaml(QUESTION_WORDS_FILE)[kind].items()}


def _has_stem(kind: str, question: str, language: str) -> bool:
    """Whether one of the parts of words of ``kind`` stands anywhere in the folded question."""
    text = f" {' '.join(_WORD.findall(fold(question)))} "
    return any(stem in text for stem in _stems(kind).get(language, ()))


def asks_who_provides(question: str, language: str) -> bool:
    """Whether the question asks who runs or issues something, or which school or authority it is."""
    return _asks("asks_who_provides", question, language, gap=True)


def names_a_closed_time(question: str, language: str) -> bool:
    """Whether the question speaks of the evening, the night, the weekend or a public holiday (``closed_times``)."""
    return _asks("closed_times", question, language)


def names_an_open_time(question: str, language: str) -> bool:
    """Whether the question speaks of the morning or the day time (``open_times``, bot/closed_times.py)."""
    return _asks("open_times", question, language)


def names_an_emergency(question: str, language: str) -> bool:
    """Whether the question speaks of a danger to life or the emergency number (``emergency``)."""
    return _asks("emergency", question, language)


def speaks_for_employer(question: str, language: str) -> bool:
    """Whether the message is written for an employer about an employee ("we have hired an engineer")."""
    return _asks("employer", question, language)


#: How many words may stand between a verb of getting and the name it governs ("open a NemKonto").
GET_WINDOW = 2


def gets_the_name(question: str, start: int, language: str) -> bool:
    """Whether a verb of getting, opening or applying stands just before the name at ``start``.

    "how do I open a NemKonto?", "dónde saco el CPR?": the name is what the user wants to get
    (``get_verbs`` in ``data/i18n/question_words.yml``), at most :data:`GET_WINDOW` words after the verb.
    "can I get it without a CPR?" has three words between: the CPR number is a condition there, as
    in "can I do it before I get my CPR?", where a word of time before (``before_getting``) stands
    just before the verb.
    """
    verbs = {phrase.strip() for phrase in _question_words("get_verbs").get(language, ())}
    words = _WORD.findall(fold(question[:start]))
    first = max(0, len(words) - (GET_WINDOW + 1))
    # A word of time before the verb ("before I get my CPR"), or between it and the name ("załatwić
    # zanim dostanę CPR"), makes the name a condition.
    return any(words[index] in verbs and not _before_getting(words[max(0, index - BEFORE_WINDOW):index], language)
               and not _before_getting(words[index + 1:], language)
               for index in range(first, len(words)))


#: How many words before a verb of getting a word of time before may stand ("before I get").
BEFORE_WINDOW = 3


def _before_getting(words: Sequence[str], language: str) -> bool:
    """Whether a word of time before ("before", "zanim", "înainte să") stands in ``words``."""
    text = f" {' '.join(words)} "
    return any(phrase in text for phrase in _question_words("before_getting").get(language, ()))


def split_entry(entry: Entry, language: str, question: str = "") -> AnswerParts:
    """Split the entry's summary and details into the first bubble and the rest.

    Args:
        entry: The entry answered.
        language: The answer's language (falls back to English like every answer text).
        question: The user's message; empty when the answer was asked by a button.

    Returns:
        The first bubble's sentences and the rest.
    """
    names = (entry.name(language), *entry.synonyms.get(language, ()), *entry.synonyms.get("en", ()))
    ready = _prepared(entry.summary.get(language) or entry.summary.get("en", ""),
                      entry.details.get(language) or entry.details.get("en", ""), language, names)
    summary, details = ready.summary, ready.details
    if not question or not details:
        return AnswerParts(summary, details)
    folded = fold(question)
    asked = _ngrams(ready.names.sub(" ", folded) if ready.names else folded)
    weights = {gram: (1 + math.log(n)) * ready.idf.get(gram, ready.unseen) for gram, n in asked.items()}
    norm = math.sqrt(sum(weight * weight for weight in weights.values())) or 1.0
    figure = FIGURE_BONUS if asks_for_a_number(question, language) else 0.0
    scores = [sum(weight * vector.get(gram, 0.0) for gram, weight in weights.items()) / norm
              + (figure if has_figure else 0.0)
              for vector, has_figure in zip(ready.vectors, ready.figures, strict=True)]
    if max(scores[len(summary):]) <= max(scores[:len(summary)], default=0.0):
        return AnswerParts(summary, details)
    every = (*summary, *details)
    chosen = sorted(sorted(range(len(every)), key=lambda index: (-scores[index], index))[:2])
    return AnswerParts(tuple(every[index] for index in chosen),
                       tuple(text for index, text in enumerate(every) if index not in chosen))


def join(parts: Sequence[str]) -> str:
    """Sentences back into one paragraph."""
    return " ".join(parts)
