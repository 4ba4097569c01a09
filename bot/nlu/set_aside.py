"""Parts of a message that put a named topic aside: "the driving licence I'll swap later, where do I find jobs?".

People give context with their question, and sometimes say outright which topic they are not
asking about: "forget the spouse programme for now, what permit does he need?", "do a-kasse
zapiszę się później, najpierw muszę znaleźć robotę", "nicht Borgerservice, sondern die
Stadtverwaltung". The topic model, reading the whole message, found the set-aside topic's words
and answered it (issue #12, the two-topics class). :func:`set_aside_spans` finds those parts, with
the words of ``data/i18n/set_aside.yml``:

* a clause that ends with a word of *later* ("..., lo del carnet lo miro después"), unless it has
  a word of *first* too ("first the CPR and the NemKonto later?" asks about both) or ends with a
  question mark ("can I change my doctor later?" asks about later);
* a phrase of *not* ("not about", "vergiss", "nie chodzi o") up to the end of its clause;
* a bare negation right before a name (one word may stand between) when a word of *contrast*
  follows in the same sentence ("nicht Borgerservice, sondern ...");
* a clause with a word of *done* ("already", "just got", "już mam", "خلص طلع معي") and no word of
  lack (``negations`` in ``data/i18n/question_words.yml``, read by :mod:`bot.prerequisites`), not
  ending with a question mark, followed by at least :data:`DONE_REST_WORDS` words, and not by a
  clause that begins with a word of *or* (the other half of an either-or question), and not
  speaking of a place closed now (:func:`says_closed`: "der Hausarzt hat schon zu"): "just
  got my CPR number yesterday, but who do I go to when I'm ill?" asks about the doctor, "NemKonto
  już mam założone w Nordei, ale w kadrach nie widzą mojego skattekort" about the tax card.

A clause ends at punctuation (as in :func:`bot.nlu.topic_ranking.final_clause_start`) and before
a word of *contrast*. Words of lack ("I don't have a CPR yet") are not set-aside words: the topic
someone lacks is often what they ask about (:mod:`bot.prerequisites` reads those).

The topic classifier reads the message without those parts (blanked, so offsets stay) when a part
holds a named entry; see :meth:`bot.nlu.topic_classifier.TopicClassifier.process`.
"""

from __future__ import annotations

import re
from functools import cache, lru_cache
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

from bot.nlu.gazetteer import tokens
from bot.prerequisites import negation_phrases

WORDS_FILE = Path(__file__).resolve().parents[2] / "data" / "i18n" / "set_aside.yml"
KINDS = ("later", "first", "not", "bare_not", "contrast", "at", "articles", "contact", "where", "done", "or")
#: A clause saying a named topic is done ("NemKonto już mam założone, ...") is set aside only when at
#: least this many words follow it: the question is there. "Mein Mann hat schon MitID, und ich?" asks
#: about MitID (two words follow).
DONE_REST_WORDS = 4
#: Arabic prefixes meaning "at, in, to, with" ("بال" + "بورجرسيرفس"), read before an organisation's name.
ARABIC_AT_PREFIXES = ("ب", "بال", "ل", "لل", "وب", "وبال", "في", "فال")
#: How many words may stand between a bare negation and the name it sets aside ("nicht die CPR").
BARE_GAP = 1

Phrase = Tuple[str, ...]
Words = Dict[str, Tuple[Phrase, ...]]
Span = Tuple[int, int]

#: Clause punctuation (Latin and Arabic) and line breaks; a sentence ends at . ! ? and line breaks.
_CLAUSE_PUNCT = re.compile(r"[.!?;:,\u060c\u061b\u061f\u2026]+|\s[-\u2013\u2014]+\s|\n+")
_SENTENCE_PUNCT = re.compile(r"[.!?\u061f\u2026]+|\n+")
_QUESTION_MARKS = ("?", "\u061f")


@lru_cache(maxsize=1)
def set_aside_words() -> Dict[str, Words]:
    """Per kind and language, each phrase as a tuple of normalised words."""
    from bot.yaml_files import read_yaml

    raw = read_yaml(WORDS_FILE)
    return {kind: {language: tuple(tuple(word for word, _, _ in tokens(phrase)) for phrase in phrases)
                   for language, phrases in (raw.get(kind) or {}).items()}
            for kind in KINDS}


@cache
def _phrases(kind: str, language: Optional[str]) -> Tuple[Phrase, ...]:
    """The phrases of a kind for a language; every language's when it is not known."""
    by_language = set_aside_words()[kind]
    if language in by_language:
        return by_language[language]
    return tuple(dict.fromkeys(phrase for phrases in by_language.values() for phrase in phrases))


@cache
def _by_first_word(phrases: Tuple[Phrase, ...]) -> Dict[str, Tuple[Phrase, ...]]:
    index: Dict[str, List[Phrase]] = {}
    for phrase in phrases:
        if phrase:
            index.setdefault(phrase[0], []).append(phrase)
    return {word: tuple(found) for word, found in index.items()}


def _matches(words: Sequence[str], phrases: Tuple[Phrase, ...]) -> List[Tuple[int, int]]:
    """Where each phrase occurs in the words, as ``(first, last + 1)`` word indices."""
    index = _by_first_word(phrases)
    found = []
    for start, word in enumerate(words):
        for phrase in index.get(word, ()):
            if tuple(words[start:start + len(phrase)]) == phrase:
                found.append((start, start + len(phrase)))
    return found


def asks_how_to_reach(text: str, language: str) -> bool:
    """Whether the message has a word that asks for a phone number, an e-mail or a way to reach someone.

    The ``contact`` words of ``data/i18n/set_aside.yml``, as whole words ("phone", "ringe", "anrufen").
    """
    return _has_words("contact", text, language)


def asks_where(text: str, language: str) -> bool:
    """Whether the message has a word that asks where (the ``where`` words of ``data/i18n/set_aside.yml``)."""
    return _has_words("where", text, language)


def _has_words(kind: str, text: str, language: str) -> bool:
    """Whether one of the phrases of ``kind`` stands in the message, as whole words."""
    return bool(_matches([word for word, _, _ in tokens(text)], _phrases(kind, language)))


def _breaks(text: str, pattern: re.Pattern) -> List[int]:
    return [match.start() for match in pattern.finditer(text)]


def says_closed(clause: str, language: Optional[str]) -> bool:
    """Whether a clause speaks of a closed time or a place closed now (``closed_times``: "hat schon zu")."""
    from bot.answer_parts import names_a_closed_time  # the answer side's word lists; imported when used

    return bool(language) and names_a_closed_time(clause, str(language))


def set_aside_spans(text: str, language: Optional[str], names: Sequence[Span]) -> List[Span]:
    """The character spans of the message that set a named topic aside.

    Args:
        text: The message.
        language: Its language code, or ``None`` to use every language's words.
        names: Where the gazetteer found entry names, as ``(start, end)`` offsets.

    Returns:
        The spans, in order; only those that hold a name.
    """
    words = tokens(text)
    if len(words) < 3 or not names:
        return []
    folded = [word for word, _, _ in words]
    contrast_at = {start for start, _ in _matches(folded, _phrases("contrast", language))}
    punct = _breaks(text, _CLAUSE_PUNCT)
    # Clauses as word-index ranges: a new clause starts after punctuation and at a contrast word.
    clauses: List[Tuple[int, int]] = []
    first = 0
    for index in range(1, len(words)):
        previous_end, start = words[index - 1][2], words[index][1]
        if index in contrast_at or any(previous_end <= offset < start for offset in punct):
            clauses.append((first, index))
            first = index
    clauses.append((first, len(words)))
    sentence_breaks = _breaks(text, _SENTENCE_PUNCT)

    def clause_of(index: int) -> Tuple[int, int]:
        return next(clause for clause in clauses if clause[0] <= index < clause[1])

    def span(first_word: int, last_word: int) -> Span:
        return words[first_word][1], words[last_word - 1][2]

    spans: List[Span] = []
    later = _phrases("later", language)
    firsts = _phrases("first", language)
    done, lack = _phrases("done", language), negation_phrases(language)
    alternatives = {start for start, _ in _matches(folded, _phrases("or", language))}
    for start, end in clauses:
        clause = folded[start:end]
        # "can I change my doctor later?" asks about later; "the licence I'll swap later," sets it aside.
        asks = text[words[end - 1][2]:].lstrip()[:1] in _QUESTION_MARKS
        if asks:
            continue
        put_off = any(match[1] == len(clause) for match in _matches(clause, later)) and not _matches(clause, firsts)
        # "just got my CPR number yesterday, but who do I go to when I'm ill?": the CPR number is had.
        # "Kann sie mit 14 schon MitID bekommen, oder erst ab 18?": the next clause's "or" makes
        # this one half of the question.
        # "der hausarzt hat schon zu" (the GP has already closed): "schon" says closed, not had.
        had = _matches(clause, done) and not _matches(clause, lack) and len(words) - end >= DONE_REST_WORDS \
            and end not in alternatives and not says_closed(text[words[start][1]:words[end - 1][2]], language)
        if put_off or had:
            spans.append(span(start, end))
    for first_word, _ in _matches(folded, _phrases("not", language)):
        spans.append(span(first_word, clause_of(first_word)[1]))
    for first_word, last_word in _matches(folded, _phrases("bare_not", language)):
        clause_end = clause_of(first_word)[1]
        sentence_end = next((offset for offset in sentence_breaks if offset >= words[first_word][2]), len(text))
        contrast_follows = any(first_word < index and words[index][1] < sentence_end for index in contrast_at)
        name_next = any(words[last_word][1] <= name_start <= words[min(last_word + BARE_GAP, len(words) - 1)][1]
                        for name_start, _ in names) if last_word < len(words) else False
        if contrast_follows and name_next:
            spans.append(span(first_word, clause_end))
    holding = sorted((start, end) for start, end in spans if any(start <= name < end for name, _ in names))
    merged: List[Span] = []
    for start, end in holding:  # "سؤالي مش عن" and "مش عن" both match: one span
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def without_spans(text: str, spans: Sequence[Span]) -> str:
    """The text with the spans blanked (spaces of the same length, so offsets stay)."""
    chars = list(text)
    for start, end in spans:
        chars[start:end] = " " * (end - start)
    return "".join(chars)


def place_spans(text: str, language: Optional[str], places: Sequence[Span], services: Sequence[Span]) -> List[Span]:
    """The names of organisations named as the place where a service named beside them is done.

    "what do I bring to Borgerservice to get MitID?", "el cambio del carnet se hace en
    borgerservice?", "що взяти з собою в borgerservice щоб зробити MitID": the question is about
    the service; the organisation is where it happens. An organisation's name counts when a word
    of *at* stands right before it (an article may stand between), the message names a service
    outside it, and no word of *contact* ("phone", "number", "ring") or *where* stands outside the
    names.
    Questions the intent classifier reads as asking for a contact, hours or an address are not
    passed here (:meth:`bot.nlu.topic_classifier.TopicClassifier.without_set_aside`).

    Args:
        text: The message.
        language: Its language code, or ``None`` for every language's words.
        places: Where the gazetteer found organisations' names.
        services: Where it found the names of other entries.

    Returns:
        The spans of those organisation names.
    """
    if not places or not services:
        return []
    words = tokens(text)
    folded = [word for word, _, _ in words]
    # "what's the phone number of Borgerservice? I need MitID", "where in the kommune can I do it?":
    # the organisation is asked about.
    named = [*places, *services]
    outside = [word for word, start, _ in words if not any(a <= start < b for a, b in named)]
    if _matches(outside, _phrases("contact", language)) or _matches(outside, _phrases("where", language)):
        return []
    at = set(_phrases("at", language))
    articles = {phrase[0] for phrase in _phrases("articles", language) if len(phrase) == 1}
    found: List[Span] = []
    for start, end in places:
        index = next((i for i, (_, word_start, word_end) in enumerate(words) if word_end > start), None)
        if index is None:
            continue
        # Arabic writes "at, in, to" as a prefix of the word: "بالبورجرسيرفس".
        clitic = text[words[index][1]:start] in ARABIC_AT_PREFIXES and language in (None, "ar")
        before = folded[:index]
        if before and before[-1] in articles:
            before = before[:-1]
        located = any(tuple(before[-len(phrase):]) == phrase for phrase in at if len(before) >= len(phrase))
        beside = any(not (start <= service < end) for service, _ in services)
        if (located or clitic) and beside:
            found.append((start, end))
    return found

