"""Dictionary matching of content synonyms and lexicon words in user messages.

The gazetteer is built from the knowledge base (entry synonyms and names, every language) and
``data/i18n/lexicon.yml`` (days, kinds of opening hours). Matching is case- and
diacritic-insensitive, prefers the longest phrase, and forgives one typo in words of six or more
letters, so "skatekort" still finds the tax card.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Set, Tuple

from bot.yaml_files import read_yaml

#: A word: a run of Arabic-script word characters (not its comma or question mark), or a run of other
#: word characters. Arabic writes "the", "and", "to", "with" onto the next word, also onto a Latin one
#: ("الـCPR", "بالborgerservice", "للvuggestue"): the script changing inside a word is where a word
#: ends, so the Latin name is found.
_ARABIC_SCRIPT = "\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff"
_WORD_RE = re.compile(rf"(?:(?=\w)[{_ARABIC_SCRIPT}])+|(?:(?![{_ARABIC_SCRIPT}])\w)+", re.UNICODE)
#: Where Arabic script meets a Latin letter inside a word, either way round.
#: Its Arabic side may be a letter or Arabic punctuation ("CPR؟" -> "CPR ؟"): measured against letters only,
#: +7 / -3 on the user-voice set (docs/nlu.md).
SCRIPT_CHANGE = re.compile(rf"(?<=[{_ARABIC_SCRIPT}])(?=[a-z])|(?<=[a-z])(?=[{_ARABIC_SCRIPT}])", re.IGNORECASE)
_FOLD = str.maketrans({"æ": "ae", "ø": "o", "å": "aa", "ß": "ss", "ł": "l", "đ": "d"})
MAX_PHRASE_TOKENS = 6
FUZZY_MIN_LENGTH = 6


def normalise(word: str) -> str:
    """Lower-case a word and remove its diacritics ("Sundhedskørt" -> "sundhedskort")."""
    folded = word.lower().translate(_FOLD)
    decomposed = unicodedata.normalize("NFKD", folded)
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def tokens(text: str) -> List[Tuple[str, int, int]]:
    """Split text into normalised words with their character offsets in the original text."""
    return [(normalise(match.group()), match.start(), match.end()) for match in _WORD_RE.finditer(text)]


#: Two words share a stem when this many first letters, and all but the word's last two, agree.
MIN_STEM = 5


def stem(word: str) -> str:
    """The word less a short ending ("kaucja" -> "kauc", kept to :data:`MIN_STEM` letters: "kaucj")."""
    return word[:max(MIN_STEM, len(word) - 2)]


def stem_within(word: str, other: str) -> bool:
    """Whether the word's stem stands inside the other word ("المكتبة" in "والمكتبات")."""
    return stem(word) in other


def _within_one_edit(a: str, b: str) -> bool:
    """True when ``a`` and ``b`` differ by at most one insertion, deletion, substitution or swap."""
    if a == b:
        return True
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diffs = [i for i in range(len(a)) if a[i] != b[i]]
        if len(diffs) == 1:
            return True
        first, second = diffs[0], diffs[-1]
        return len(diffs) == 2 and second == first + 1 and a[first] == b[second] and a[second] == b[first]
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    return any(long_[:index] + long_[index + 1 :] == short for index in range(len(long_)))


def _deletions(word: str) -> Set[str]:
    """The word and every string made by deleting one of its letters."""
    return {word, *(word[:index] + word[index + 1 :] for index in range(len(word)))}


@dataclass(frozen=True)
class Match:
    """One phrase found in a message.

    Attributes:
        entity: The entity type (``topic``, ``day``, ``hours_kind``).
        value: The normalised value (an entry id, ``fri``, ``phone``...).
        start: Character offset of the match in the message.
        end: End offset.
        text: The matched text as the user wrote it.
        false_friend_in: Languages in which the matched phrase is an everyday word with another
            meaning (``false_friends`` in the lexicon): in a message in one of them, it is no match.
    """

    entity: str
    value: str
    start: int
    end: int
    text: str
    false_friend_in: Tuple[str, ...] = ()


class Gazetteer:
    """Finds known phrases in text."""

    def __init__(
        self, phrases: Mapping[Tuple[str, ...], Tuple[str, str]],
        false_friends: Optional[Mapping[Tuple[str, ...], Sequence[str]]] = None,
    ) -> None:
        """Create a gazetteer.

        Args:
            phrases: Normalised token tuples mapped to ``(entity, value)``.
            false_friends: Normalised token tuples mapped to the languages in which they mean
                something else (:func:`read_false_friends`).
        """
        self.phrases = dict(phrases)
        self.false_friends = {key: tuple(languages) for key, languages in (false_friends or {}).items()}
        # Symmetric-delete index of the single words that may match with one typo: each word and
        # each of its one-letter deletions point to it. Two words within one edit (insertion,
        # deletion, substitution, swap) always share a key, so a lookup only checks the few words
        # behind its own keys instead of every word of similar length.
        self._fuzzy: Dict[str, List[Tuple[str, Tuple[str, str]]]] = {}
        for phrase, target in self.phrases.items():
            if len(phrase) == 1 and len(phrase[0]) >= FUZZY_MIN_LENGTH:
                for key in _deletions(phrase[0]):
                    self._fuzzy.setdefault(key, []).append((phrase[0], target))

    def to_dict(self) -> Dict[str, Any]:
        """Serialise for persistence."""
        return {"phrases": [[list(k), list(v)] for k, v in self.phrases.items()],
                "false_friends": [[list(k), list(v)] for k, v in self.false_friends.items()]}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Gazetteer:
        """Restore a gazetteer saved with :meth:`to_dict`."""
        return cls({tuple(k): (v[0], v[1]) for k, v in data["phrases"]},
                   {tuple(k): tuple(v) for k, v in data.get("false_friends") or ()})

    def _fuzzy_lookup(self, word: str) -> Optional[Tuple[str, str]]:
        if len(word) < FUZZY_MIN_LENGTH:
            return None
        found = {
            target
            for key in _deletions(word)
            for candidate, target in self._fuzzy.get(key, ())
            if _within_one_edit(word, candidate)
        }
        return found.pop() if len(found) == 1 else None

    def find(self, text: str) -> List[Match]:
        """Return the non-overlapping matches in ``text``, longest phrase first, left to right."""
        words = tokens(text)
        matches: List[Match] = []
        index = 0
        while index < len(words):
            found = None
            for size in range(min(MAX_PHRASE_TOKENS, len(words) - index), 0, -1):
                key = tuple(word for word, _, _ in words[index : index + size])
                target = self.phrases.get(key)
                if target is None and size == 1:
                    target = self._fuzzy_lookup(key[0])
                if target is not None:
                    start, end = words[index][1], words[index + size - 1][2]
                    found = (size, Match(target[0], target[1], start, end, text[start:end],
                                         self.false_friends.get(key, ())))
                    break
            if found is None:
                index += 1
                continue
            matches.append(found[1])
            index += found[0]
        return matches


def _phrase(text: str) -> Tuple[str, ...]:
    return tuple(word for word, _, _ in tokens(text))


def build_gazetteer(
    entries: Iterable[Any], lexicon: Mapping[str, Mapping[str, Mapping[str, Sequence[str]]]],
    false_friends: Optional[Mapping[str, Sequence[str]]] = None,
) -> Gazetteer:
    """Build a gazetteer from content entries and the lexicon.

    Args:
        entries: Knowledge-base entries (with ``id``, ``names`` and ``synonyms``).
        lexicon: Entity type -> value -> language -> phrases (``data/i18n/lexicon.yml``).
        false_friends: Language -> phrases that are no match in a message in that language
            (:func:`read_false_friends`).

    Returns:
        The gazetteer. Entry synonyms win over names; the lexicon never overrides a topic.
    """
    phrases: Dict[Tuple[str, ...], Tuple[str, str]] = {}
    for entity, values in lexicon.items():
        for value, by_language in values.items():
            for words in by_language.values():
                for word in words:
                    if _phrase(word):
                        phrases[_phrase(word)] = (entity, value)
    for entry in entries:
        for name in entry.names.values():
            if _phrase(name):
                phrases[_phrase(name)] = ("topic", entry.id)
    for entry in entries:
        for words in entry.synonyms.values():
            for word in words:
                if _phrase(word):
                    phrases[_phrase(word)] = ("topic", entry.id)
    friends: Dict[Tuple[str, ...], List[str]] = {}
    for language, words in (false_friends or {}).items():
        for word in words:
            friends.setdefault(_phrase(word), []).append(language)
    return Gazetteer(phrases, friends)


#: The lexicon's section of words that one language's list holds and another language uses otherwise.
FALSE_FRIENDS_KEY = "false_friends"


def read_false_friends(path: Path) -> Dict[str, List[str]]:
    """Language -> phrases that, in a message in that language, are not the entity they name elsewhere.

    English "sun" is Sunday, Romanian "sun" is "I call" ("la ce număr sun?"): the lexicon's
    ``false_friends`` section lists it under ``ro``. The gazetteer still matches the phrase and
    marks the match (:attr:`Match.false_friend_in`); once the message's language is known,
    :func:`without_false_friends` drops it.
    """
    data = read_yaml(path) or {}
    section = (data.get(FALSE_FRIENDS_KEY) if isinstance(data, dict) else None) or {}
    if not isinstance(section, dict) or not all(isinstance(words, list) for words in section.values()):
        raise ValueError(f"{path}: {FALSE_FRIENDS_KEY} must map language codes to lists of words")
    return {str(language): [str(word) for word in words] for language, words in section.items()}


#: The key of an entity found by the gazetteer that lists the languages it is a false friend in.
FALSE_FRIEND_ENTITY_KEY = "false_friend_in"


def without_false_friends(entities: List[Dict[str, Any]], language: str) -> List[Dict[str, Any]]:
    """The entities less those that are false friends in the message's ``language``."""
    return [entity for entity in entities if language not in (entity.get(FALSE_FRIEND_ENTITY_KEY) or ())]


def read_lexicon(path: Path) -> Dict[str, Any]:
    """Read ``data/i18n/lexicon.yml`` and add the weekday names of CLDR (through Babel).

    The file lists only what CLDR does not have: inflected forms ("środę", "п'ятницю"), short
    forms, typos, dialect and transliterated words. Names under ``cldr_exclude`` are not added,
    because they mean something else too (Romanian "luni" is also "months").
    """
    data = read_yaml(path) or {}
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a mapping of entity types")
    from bot.locale_format import LOCALES, WEEKDAY_KEYS, locale

    excluded = {language: {normalise(word) for word in words}
                for language, words in (data.pop("cldr_exclude", None) or {}).items()}
    data.pop(FALSE_FRIENDS_KEY, None)
    days = data.setdefault("day", {})
    for index, key in enumerate(WEEKDAY_KEYS):
        by_language = days.setdefault(key, {})
        for language in LOCALES:
            names = {str(locale(language).days[context]["wide"][index]) for context in ("format", "stand-alone")}
            listed = by_language.get(language) or []
            known = {normalise(word) for word in listed} | excluded.get(language, set())
            by_language[language] = sorted(name for name in names if normalise(name) not in known) + list(listed)
    return data
