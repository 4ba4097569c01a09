"""Day names, dates, times and numbers in each language, from CLDR through Babel.

The replies never carry hand-written day or month names: Babel's CLDR data has them for all eight
languages, with the grammatical forms a date needs (Polish "24 grudnia", Ukrainian "24 грудня").
The house style that CLDR itself allows stays: CLDR writes Danish times as 08.30.

Arabic uses CLDR's plain ``ar`` locale, whose numbering system is Latin digits: the phone numbers,
addresses and times in the same replies are written with Latin digits too.
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from typing import Union

from babel import Locale
from babel.dates import format_date as babel_format_date
from babel.dates import format_time as babel_format_time
from babel.numbers import format_decimal

#: The CLDR locale used for each supported language (British English writes "Friday 4 December").
LOCALES = {
    "en": "en_GB",
    "da": "da_DK",
    "de": "de_DE",
    "es": "es_ES",
    "pl": "pl_PL",
    "ro": "ro_RO",
    "uk": "uk_UA",
    "ar": "ar",
}

#: Weekday keys as the content writes them, Monday first (CLDR's order in Babel).
WEEKDAY_KEYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@cache
def locale(language: str) -> Locale:
    """The Babel locale of a supported language (English for an unknown one)."""
    return Locale.parse(LOCALES.get(language, "en_GB"))


@cache
def _date_pattern(language: str) -> str:
    """CLDR's "weekday, day and month" pattern with the weekday written in full.

    CLDR has no skeleton with a full weekday for every locale (``MMMMEd`` abbreviates it), so the
    abbreviated pattern's ``E`` is widened to ``EEEE``; quoted literals (Spanish ``'de'``) stay.
    """
    pattern = str(locale(language).datetime_skeletons["MMMMEd"].pattern)
    widened, quoted = [], False
    for char in pattern:
        if char == "'":
            quoted = not quoted
        widened.append("EEEE" if char == "E" and not quoted else char)
    return "".join(widened).replace("EEEEEEEE", "EEEE")


def format_date(day: dt.date, language: str) -> str:
    """A date with its weekday, e.g. ``Thursday 24 December``, ``czwartek, 24 grudnia``."""
    return babel_format_date(day, _date_pattern(language), locale=locale(language))


def format_long_date(day: dt.date, language: str) -> str:
    """A date with its year and without a weekday: ``31 December 2026``, ``31. december 2026``."""
    return babel_format_date(day, "long", locale=locale(language))


@cache
def _time_pattern(language: str) -> str:
    """CLDR's 24-hour "hours and minutes" pattern, with the hour always in two digits.

    Two-digit hours are the house style (opening hours line up in a list); CLDR's separator stays:
    Danish ``08.30``, Spanish ``08:30`` where CLDR's own pattern would write ``8:30``.
    """
    pattern = str(locale(language).datetime_skeletons["Hm"].pattern)
    return pattern if "HH" in pattern else pattern.replace("H", "HH")


def format_time(moment: dt.time, language: str) -> str:
    """A 24-hour time in CLDR's form for the language: ``08:30``, Danish ``08.30``.

    The content writes the end of a day as 23:59:59; it is shown as 24:00 in the language's form.
    """
    if moment == dt.time(23, 59, 59):
        midnight = babel_format_time(dt.time(0, 0), _time_pattern(language), locale=locale(language))
        return "24" + midnight[-3:]  # the separator and the minutes: "24:00", "24.00"
    return babel_format_time(moment, _time_pattern(language), locale=locale(language))


def weekday_name(key_or_index: Union[str, int], language: str) -> str:
    """A weekday's name as it stands alone (``Tuesday``, ``tirsdag``, ``вівторок``).

    Args:
        key_or_index: ``mon`` ... ``sun`` or 0 (Monday) ... 6.
        language: The reply language.
    """
    index = WEEKDAY_KEYS.index(key_or_index) if isinstance(key_or_index, str) else key_or_index
    return str(locale(language).days["stand-alone"]["wide"][index])


def format_number(value: Union[int, float], language: str) -> str:
    """A number with the language's decimal and grouping separators (``1.234,5`` in Danish)."""
    return format_decimal(value, locale=locale(language))


def decimal_symbol(language: str) -> str:
    """The language's decimal separator."""
    return str(locale(language).number_symbols["latn"]["decimal"])


def group_symbol(language: str) -> str:
    """The language's thousands separator."""
    return str(locale(language).number_symbols["latn"]["group"])
