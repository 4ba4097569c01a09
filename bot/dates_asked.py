"""Which day or days a question asks about: "on 24 December", "juleaften", "next week".

Three sources, in this order:

1. **Named days and stretches** ("Christmas Eve", "Wigilia", "mellem jul og nytår", "next week"):
   the holiday calendar's own names in every language (``bot/content/special_days.py``) and the
   everyday words of ``data/i18n/named_days.yml``. "between X and Y" gives the days in between.
2. **Calendar dates and relative days** ("24 December", "24/12", "5. juni", "tomorrow") from the
   maintained multilingual parser ``dateparser``, restricted to the message's language and
   required to name a day and a month, so that a bare "May" or a number is not taken for a date.
3. **Weekdays and relative words** from the NLU's ``day`` entities (the lexicon, whose weekday
   names come from CLDR plus the inflections, typos and dialect words CLDR does not have).

Nothing here is loaded at import time: ``dateparser`` and the word lists load on first use.
The choice of dateparser over Duckling and its measured cost are in ``docs/decisions.md``.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

from bot.content import special_days
from bot.nlu.gazetteer import normalise
from bot.yaml_files import read_yaml

NAMED_DAYS_FILE = Path(__file__).resolve().parents[1] / "data" / "i18n" / "named_days.yml"

WEEK_KEYS = ("next_week", "this_week")
WEEKDAY_KEYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

_NON_WORD = re.compile(r"[^\w']+", re.UNICODE)
ARABIC_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")


@dataclass(frozen=True)
class DaysAsked:
    """The days a question is about.

    Attributes:
        days: The dates, in order, without repeats.
        stretch: True for a stretch ("next week", "between Christmas and New Year"): the answer
            lists each day; False for one or a few named dates.
    """

    days: Tuple[dt.date, ...]
    stretch: bool = False


def _clean(text: str) -> str:
    """Normalised text with single spaces around every word, for phrase matching."""
    folded = normalise(text.translate(ARABIC_DIGITS)).replace("ʼ", "'").replace("’", "'")
    return " " + " ".join(part for part in _NON_WORD.split(folded) if part) + " "


@lru_cache(maxsize=1)
def _word_lists() -> Dict[str, Any]:
    return read_yaml(NAMED_DAYS_FILE)  # type: ignore[no-any-return]


@lru_cache(maxsize=16)
def _phrases(language: str) -> Tuple[Tuple[str, str], ...]:
    """(cleaned phrase, key) for a language, longest phrase first."""
    found: Dict[str, str] = {}
    years = range(dt.date.today().year - 1, dt.date.today().year + 3)
    for year in years:
        for special in special_days.special_days_in(year):
            name = special_days.name(special, language)
            if name:
                found.setdefault(_clean(name).strip(), special.key)
    lists = _word_lists()
    for key, per_language in lists["named"].items():
        for phrase in per_language.get(language, []):
            found[_clean(phrase).strip()] = key
    for key in (*WEEK_KEYS, "between"):
        for phrase in lists[key].get(language, []):
            found[_clean(phrase).strip()] = key
    if language == "ar":  # the conjunction "و" (and) is written onto the next word: "ورأس السنة"
        for phrase, key in list(found.items()):
            found.setdefault("و" + phrase, key)
    found.pop("", None)
    return tuple(sorted(found.items(), key=lambda item: (-len(item[0]), item[0])))


def _find_phrases(cleaned: str, language: str) -> List[Tuple[int, str]]:
    """(position, key) of every named day, week word and "between" word, without overlaps."""
    taken = [False] * len(cleaned)
    hits: List[Tuple[int, str]] = []
    for phrase, key in _phrases(language):
        needle = f" {phrase} "
        start = cleaned.find(needle)
        while start != -1:
            span = range(start + 1, start + len(needle) - 1)
            if not any(taken[i] for i in span):
                for i in span:
                    taken[i] = True
                hits.append((start, key))
            start = cleaned.find(needle, start + 1)
    return sorted(hits)


def _span(key: str, year: int) -> Tuple[dt.date, dt.date]:
    """First and last day of a named day or stretch in ``year``."""
    if key == "christmas":
        return dt.date(year, 12, 24), dt.date(year, 12, 26)
    if key == "new_year":
        return dt.date(year, 12, 31), dt.date(year + 1, 1, 1)
    if key == "easter":
        return special_days.dates_of("maundy_thursday", year)[0], special_days.dates_of("easter_monday", year)[0]
    if key == "whitsun":
        return special_days.dates_of("whit_sunday", year)[0], special_days.dates_of("whit_monday", year)[0]
    days = special_days.dates_of(key, year)
    if not days:
        raise KeyError(key)
    return days[0], days[-1]


def _next_span(key: str, today: dt.date, grace: int = 0) -> Optional[Tuple[dt.date, dt.date]]:
    """The next occurrence of a named day that has not ended ``grace`` days before today."""
    for year in (today.year - 1, today.year, today.year + 1):
        try:
            first, last = _span(key, year)
        except (KeyError, IndexError):
            continue
        if last >= today - dt.timedelta(days=grace):
            return first, last
    return None


def _each_day(first: dt.date, last: dt.date) -> List[dt.date]:
    return [first + dt.timedelta(days=offset) for offset in range((last - first).days + 1)]


def _named(cleaned: str, language: str, today: dt.date) -> Optional[DaysAsked]:
    hits = _find_phrases(cleaned, language)
    keys = [key for _, key in hits]
    for week in WEEK_KEYS:
        if week in keys:
            monday = today - dt.timedelta(days=today.weekday())
            if week == "next_week":
                monday += dt.timedelta(days=7)
            week_days = [day for day in _each_day(monday, monday + dt.timedelta(days=6)) if day >= today]
            return DaysAsked(tuple(week_days), stretch=True)
    named = [key for key in keys if key not in ("between", *WEEK_KEYS)]
    if not named:
        return None
    if "between" in keys and len(named) >= 2:
        first_span = _next_span(named[0], today, grace=7)
        if first_span is not None:
            second_span = _next_span(named[1], first_span[1])
            if second_span is not None and second_span[0] > first_span[1] + dt.timedelta(days=1):
                between = _each_day(first_span[1] + dt.timedelta(days=1), second_span[0] - dt.timedelta(days=1))
                upcoming = [day for day in between if day >= today] or between
                return DaysAsked(tuple(upcoming), stretch=True)
    days: List[dt.date] = []
    stretch = False
    for key in named:
        span = _next_span(key, today)
        if span is None:
            continue
        stretch = stretch or span[0] != span[1]
        days += _each_day(*span)
    if not days:
        return None
    return DaysAsked(tuple(sorted(set(days))), stretch=stretch)


@lru_cache(maxsize=1)
def _search_dates():  # type: ignore[no-untyped-def]
    from dateparser.search import search_dates  # heavy: loaded on first use

    return search_dates


@lru_cache(maxsize=1)
def _parse_date():  # type: ignore[no-untyped-def]
    import dateparser  # heavy: loaded on first use

    return dateparser.parse


def calendar_dates(text: str, language: str, today: dt.date) -> List[dt.date]:
    """Dates with a day and a month written in ``text`` ("24 December", "24/12", "5. juni").

    A date without a year is the next such date (today included). dateparser finds dates inside a
    sentence; where it misses one (an Arabic "يوم 25 ديسمبر"), the few words around each number are
    tried on their own.
    """
    if not any(char.isdigit() for char in text.translate(ARABIC_DIGITS)):
        return []
    text = text.translate(ARABIC_DIGITS)
    base = dt.datetime.combine(today, dt.time(12, 0))
    settings = {
        "PREFER_DATES_FROM": "future",
        "RELATIVE_BASE": base,
        "REQUIRE_PARTS": ["day", "month"],
        "DATE_ORDER": "DMY",
    }
    found: List[dt.date] = []
    try:
        results = _search_dates()(text, languages=[language], settings=settings) or []
    except Exception:
        results = []
    for matched, moment in results:
        if any(char.isdigit() for char in matched):
            found.append(moment.date())
    if not found:
        words = text.split()
        for index, word in enumerate(words):
            if not any(char.isdigit() for char in word):
                continue
            window = " ".join(words[index:index + 3]).strip("?!.,;:؟")
            try:
                moment = _parse_date()(window, languages=[language], settings=settings)
            except Exception:
                moment = None
            if moment is not None:
                found.append(moment.date())
    return sorted(set(found))


def resolve_entity_day(value: str, today: dt.date) -> Optional[dt.date]:
    """A ``day`` entity value (``today``, ``tomorrow``, ``mon`` ... ``sun``) as a date."""
    if value == "today":
        return today
    if value == "tomorrow":
        return today + dt.timedelta(days=1)
    if value in WEEKDAY_KEYS:
        return today + dt.timedelta(days=(WEEKDAY_KEYS.index(value) - today.weekday()) % 7)
    return None


def days_asked(text: str, language: str, today: dt.date, entity_days: Sequence[str] = ()) -> Optional[DaysAsked]:
    """The day or days ``text`` asks about, or None when it names no day (or only "now").

    Args:
        text: The user's message.
        language: The message's language.
        today: Today's date in Copenhagen.
        entity_days: The NLU's ``day`` entity values for the message.

    Returns:
        The days asked, or None.
    """
    cleaned = _clean(text)
    named = _named(cleaned, language, today)
    if named is not None:
        return named
    dates = calendar_dates(text, language, today)
    if dates:
        return DaysAsked(tuple(dates))
    resolved = [resolve_entity_day(value, today) for value in entity_days]
    days = sorted({day for day in resolved if day is not None})
    if days:
        return DaysAsked(tuple(days))
    return None


def warm_up() -> None:
    """Load dateparser and the word lists of every language (the action server calls it once)."""
    from bot.locale_format import LOCALES

    today = dt.date.today()
    for language in LOCALES:
        days_asked("1 2", language, today)  # a digit makes it load dateparser's data for the language
