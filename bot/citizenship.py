"""The citizenship group a message states: "sunt român", "jestem z Polski", "I'm from India".

Three groups matter for a newcomer's right to stay (content-facts §1.5): Nordic citizens need no
permit, EU/EEA/Swiss citizens an EU residence document for a stay over three months, everyone
else a residence permit. A message states a group by

* a country's name ("from Poland", "z Polski", "з Польщі"), in the message's language or in
  English: CLDR's names through Babel, so there is no country table of our own; or
* the name of a language of an EU/EEA or Nordic country, which in the languages we serve is also
  the word for its citizens or their passport ("roman", "polsk", "польський паспорт", "francesa"):
  CLDR's language names, each mapped to the country CLDR's likely-subtags data gives it.

Names are matched as words, with the word endings these languages inflect them with ("Polski" is
the genitive of "Polska", "tysker" a German, "sueca" a Swedish woman): a word matches a name when
they share at least five letters from the start and differ only in a short ending.
English, Spanish, Portuguese and Arabic, which many countries outside the EU speak, are not used
as names: "is it in Spanish?" from a Venezuelan says nothing about a passport. Denmark is left
out: a Danish citizen is not a newcomer in this sense. Names that are the language's stop words
are skipped ("того", "of that", is Togo in Ukrainian); a few short names that are also common
words remain (Polish "katar" is a cold and Qatar), which is why only the right-to-stay answers
use what this module finds (``actions/topics.py``).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Dict, FrozenSet, List, Mapping, Optional, Tuple

from bot.nlu.gazetteer import normalise, tokens
from bot.stop_words import stop_words

#: Citizens of these countries may live and work in Denmark without a permit (content-facts §1.5).
NORDIC_COUNTRIES = frozenset({"FI", "IS", "NO", "SE"})
#: The other EU, EEA and Swiss countries: an EU residence document instead of a permit (§1.5).
#: Denmark itself is left out: a Danish citizen is not a newcomer in this sense.
EU_EEA_CH_COUNTRIES = frozenset({
    "AT", "BE", "BG", "HR", "CY", "CZ", "EE", "FR", "DE", "GR", "HU", "IE", "IT", "LV", "LT", "LU",
    "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "LI", "CH",
})
#: Two-letter CLDR territory codes that are not countries.
_NOT_COUNTRIES = frozenset({"EU", "EZ", "UN", "QO", "XA", "XB", "ZZ"})
#: Languages spoken as a first language in many countries, or named for reasons other than a
#: passport ("is the form in English?"): their names state no citizenship.
_MANY_COUNTRIES: FrozenSet[str] = frozenset({"en", "es", "pt", "ar"})
#: The shortest name matched with an inflected ending, and the longest ending allowed.
MIN_STEM = 5
MAX_NAME_ENDING = 2
MAX_WORD_ENDING = 3
#: Names shorter than this keep their own ending ("tysk" -> "tysker"); shorter than SHORTEST, none.
SHORT_NAME = 6
SHORTEST = 4
_VOWELS = frozenset("aeiouy")
#: How many words before a country a word of having lived there ("moved from") is looked for.
LIVED_WINDOW = 4
#: How many words before and after a country a word of not holding it ("no ... passport") is looked for.
NOT_HELD_BEFORE = 3
NOT_HELD_AFTER = 2
#: Which group wins when a message states two (dual citizens): the one with more rights.
_PRIORITY = ("nordic", "eu", "non_eu")
WORDS_FILE = Path(__file__).resolve().parents[1] / "data" / "i18n" / "citizenship.yml"


def group_of_country(code: str) -> str:
    """The citizenship group of a country's citizens (ISO 3166 alpha-2 code)."""
    if code in NORDIC_COUNTRIES:
        return "nordic"
    return "eu" if code in EU_EEA_CH_COUNTRIES else "non_eu"


def _strip_article(word: str) -> str:
    """An Arabic word without its article ("السويدية" and "سويدية" are the same word)."""
    return word[2:] if word.startswith("ال") and len(word) > 4 else word


def _cldr_names(language: str, kind: str) -> List[Mapping[str, str]]:
    """CLDR's names of ``kind`` (``territories`` or ``languages``) in ``language``, then in English."""
    from babel import Locale

    found: List[Mapping[str, str]] = []
    for locale in (language, "en"):
        try:
            found.append(getattr(Locale.parse(locale), kind))
        except (ValueError, LookupError):
            continue
    return found


@lru_cache(maxsize=16)
def country_names(language: str) -> Tuple[Tuple[str, str], ...]:
    """(normalised country name, ISO code) in ``language`` and English, longest names first (CLDR)."""
    names: Dict[str, str] = {}
    for territories in _cldr_names(language, "territories"):
        for code, name in territories.items():
            # Countries only: not regions ("150", Europe) nor groupings and placeholders ("EU", "UN").
            if len(code) == 2 and code.isalpha() and code not in _NOT_COUNTRIES:
                names.setdefault(normalise(name), code)
    return tuple(sorted(names.items(), key=lambda item: -len(item[0])))


@lru_cache(maxsize=16)
def _not_names(language: str) -> FrozenSet[str]:
    """Words that never state a citizenship.

    The language's stop words ("того", "of that", is Togo in Ukrainian) and the names of languages
    many countries speak ("español" is close to "España").
    """
    words = {normalise(word) for word in stop_words(language)}
    for names in _cldr_names(language, "languages"):
        words |= {_strip_article(normalise(names[code])) for code in _MANY_COUNTRIES if code in names}
    return frozenset(words)


@lru_cache(maxsize=16)
def _stems(language: str) -> Tuple[Tuple[str, str], ...]:
    """(one-word name, ISO code): country names and the names of EU/EEA and Nordic languages."""
    from babel.core import get_global

    likely: Mapping[str, str] = get_global("likely_subtags")
    not_names = _not_names(language)
    stems: Dict[str, str] = {}
    for name, code in country_names(language):
        name = _strip_article(name)
        if " " not in name and "-" not in name and len(name) >= SHORTEST and code != "DK" and name not in not_names:
            stems.setdefault(name, code)
    for languages in _cldr_names(language, "languages"):
        for spoken, name in languages.items():
            territory = str(likely.get(spoken, "")).rsplit("_", 1)[-1]
            if spoken in _MANY_COUNTRIES or territory == "DK" or territory not in (
                    NORDIC_COUNTRIES | EU_EEA_CH_COUNTRIES):
                continue
            folded = _strip_article(normalise(name))
            if " " not in folded and len(folded) >= SHORTEST and folded not in not_names:
                stems.setdefault(folded, territory)
    return tuple(stems.items())


@lru_cache(maxsize=16)
def _long_names(language: str) -> Dict[str, Tuple[Tuple[Tuple[str, ...], str], ...]]:
    """The country names of several words ("south africa"), by their first word."""
    index: Dict[str, List[Tuple[Tuple[str, ...], str]]] = {}
    for name, code in country_names(language):
        if " " in name and code != "DK":
            parts = tuple(name.split(" "))
            index.setdefault(parts[0], []).append((parts, code))
    return {key: tuple(names) for key, names in index.items()}


@lru_cache(maxsize=16)
def _stem_index(language: str) -> Dict[str, Tuple[Tuple[str, str], ...]]:
    """The names of :func:`_stems` by their first three letters, which a matching word shares."""
    index: Dict[str, List[Tuple[str, str]]] = {}
    for name, code in _stems(language):
        index.setdefault(name[:3], []).append((name, code))
    return {key: tuple(names) for key, names in index.items()}


def _same_word(word: str, name: str) -> bool:
    """Whether ``word`` is ``name`` with another short ending ("polski" for "polska")."""
    if len(name) < SHORT_NAME:
        # "Mali", "Iran", "tysk": only the word with an ending added ("tysker"); a name of five
        # letters may also change its last vowel for another ("sueco" -> "sueca", not "greek" -> "green").
        return (word.startswith(name) and len(word) - len(name) <= MAX_WORD_ENDING) or (
            len(name) >= SHORT_NAME - 1 and len(word) == len(name) and word[:-1] == name[:-1]
            and word[-1] in _VOWELS and name[-1] in _VOWELS)
    common = 0
    for a, b in zip(word, name, strict=False):
        if a != b:
            break
        common += 1
    return (common >= MIN_STEM and len(name) - common <= MAX_NAME_ENDING
            and len(word) - common <= MAX_WORD_ENDING)


@lru_cache(maxsize=2)
def _words(kind: str) -> Dict[str, FrozenSet[str]]:
    """Per language, the words of ``kind`` in ``data/i18n/citizenship.yml`` (folded)."""
    from bot.yaml_files import read_yaml

    raw = read_yaml(WORDS_FILE)[kind]
    return {language: frozenset(normalise(word) for word in words) for language, words in raw.items()}


def _near(words: List[str], index: int, kind: str, language: str, before: int, after: int) -> bool:
    """Whether a word of ``kind`` (in the language or English) is within the window around ``index``."""
    vocabulary = _words(kind).get(language, frozenset()) | _words(kind).get("en", frozenset())
    return bool(vocabulary.intersection(words[max(0, index - before):index + 1 + after]) - {words[index]})


def stated_countries(text: str, language: str) -> List[str]:
    """The countries a message names as a citizenship, in order of appearance.

    A country named a few words after a word that says where someone lived ("we moved here from
    Spain") is left out: it says where they lived, not what passport they hold; so is one named
    next to a word saying it is not held ("no Romanian passport").
    """
    words = [_strip_article(word) for word, _, _ in tokens(text)]
    found: List[Tuple[int, str]] = []
    long_names = _long_names(language)
    for index, word in enumerate(words):
        for parts, code in long_names.get(word, ()):
            if words[index:index + len(parts)] == list(parts):
                found.append((index, code))
    stems, not_names = _stem_index(language), _not_names(language)
    for index, word in enumerate(words):
        if len(word) >= SHORTEST and word not in not_names:
            match = next((code for name, code in stems.get(word[:3], ()) if _same_word(word, name)), None)
            if match is not None:
                found.append((index, match))
    return [code for index, code in sorted(found)
            if not _near(words, index, "lived_in", language, LIVED_WINDOW, 0)
            and not _near(words, index, "not_held", language, NOT_HELD_BEFORE, NOT_HELD_AFTER)]


def stated_group(text: str, language: str) -> Optional[str]:
    """The citizenship group the message states, if any; of two, the one with more rights.

    Someone with two passports uses the one with more rights ("dual Turkish and German" is an EU
    citizen here). A citizenship the message says is not held ("я з Молдови, румунського паспорта
    не маю") does not count (:func:`stated_countries`).
    """
    groups = {group_of_country(code) for code in stated_countries(text, language)}
    return next((group for group in _PRIORITY if group in groups), None)
