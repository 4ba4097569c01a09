"""Denmark's public holidays and the other days whose opening hours are never taken for granted.

The calendar is the maintained ``holidays`` package: its ``public`` category holds the public
holidays (helligdage); its ``optional`` category holds Christmas Eve, New Year's Eve, Constitution
Day and Workers' Day, which are not public holidays but days on which many offices change their
hours. The days between Christmas and New Year (27-30 December) are added here under the key
``christmas_week``: no calendar names them, and no source gives International House's hours for
them. None of our sources states hours for any of these days, so the hours answer says "not
confirmed" for them unless an entry's content says otherwise (``docs/decisions.md``).

Names come from the package where it translates them (Danish, English, Ukrainian) and from
``data/i18n/holidays.yml`` otherwise.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Dict, Optional

import holidays

from bot.yaml_files import read_yaml

NAMES_FILE = Path(__file__).resolve().parents[2] / "data" / "i18n" / "holidays.yml"

#: Our languages the ``holidays`` package translates, and the package's code for each.
PACKAGE_LANGUAGES = {"da": "da", "en": "en_US", "uk": "uk"}

CHRISTMAS_WEEK = "christmas_week"


def _christmas_week(year: int) -> list[dt.date]:
    """27-30 December: the days between Christmas and New Year."""
    return [dt.date(year, 12, day) for day in range(27, 31)]


@dataclass(frozen=True)
class SpecialDay:
    """A day whose hours differ from the weekday's, or may.

    Attributes:
        date: The date.
        key: A stable key: the package's English name in lower case with underscores
            (``christmas_eve``), or ``christmas_week``.
        public: True for a public holiday (helligdag).
    """

    date: dt.date
    key: str
    public: bool


def key_of(english_name: str) -> str:
    """``"New Year's Eve"`` -> ``new_years_eve``."""
    return re.sub(r"[^a-z0-9]+", "_", english_name.lower().replace("'", "")).strip("_")


@lru_cache(maxsize=32)
def _calendar(year: int, category: str, language: str = "en_US") -> Dict[dt.date, str]:
    calendar = holidays.country_holidays("DK", years=year, language=language, categories=(category,))
    return {day: str(name) for day, name in calendar.items()}


def special_day(day: dt.date) -> Optional[SpecialDay]:
    """The public holiday or special day on ``day``, or None for an ordinary day."""
    name = _calendar(day.year, "public").get(day)
    if name is not None:
        return SpecialDay(day, key_of(name), True)
    name = _calendar(day.year, "optional").get(day)
    if name is not None:
        return SpecialDay(day, key_of(name), False)
    if day in _christmas_week(day.year):
        return SpecialDay(day, CHRISTMAS_WEEK, False)
    return None


def special_days_in(year: int) -> list[SpecialDay]:
    """Every public holiday and special day of ``year``, in date order."""
    days = [*_calendar(year, "public"), *_calendar(year, "optional"), *_christmas_week(year)]
    return [special for day in sorted(days) if (special := special_day(day)) is not None]


def dates_of(key: str, year: int) -> list[dt.date]:
    """The dates in ``year`` that carry ``key`` (one for a holiday, four for ``christmas_week``)."""
    if key == CHRISTMAS_WEEK:
        return _christmas_week(year)
    found = []
    for category in ("public", "optional"):
        found += [day for day, name in _calendar(year, category).items() if key_of(name) == key]
    return sorted(found)


@lru_cache(maxsize=1)
def _own_names() -> Dict[str, Dict[str, str]]:
    data = read_yaml(NAMES_FILE) or {}
    return {str(key): {str(lang): str(text) for lang, text in names.items()} for key, names in data["names"].items()}


def name(special: SpecialDay, language: str) -> Optional[str]:
    """The day's name in ``language``: the package's translation, else the project's own text."""
    package_language = PACKAGE_LANGUAGES.get(language)
    if package_language is not None and special.key != CHRISTMAS_WEEK:
        category = "public" if special.public else "optional"
        translated = _calendar(special.date.year, category, package_language).get(special.date)
        if translated:
            return translated
    return _own_names().get(special.key, {}).get(language)
