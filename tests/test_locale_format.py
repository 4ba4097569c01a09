"""Dates, times and numbers in replies come from CLDR (bot/locale_format.py)."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.locale_format import format_date, format_long_date, format_number, format_time, weekday_name

CHRISTMAS_EVE = dt.date(2026, 12, 24)


@pytest.mark.parametrize(("language", "date", "time", "number"), [
    ("en", "Thursday 24 December", "08:30", "1,234.5"),
    ("da", "torsdag 24. december", "08.30", "1.234,5"),
    ("de", "Donnerstag, 24. Dezember", "08:30", "1.234,5"),
    ("es", "jueves, 24 de diciembre", "08:30", "1.234,5"),
    ("pl", "czwartek, 24 grudnia", "08:30", "1 234,5"),
    ("ro", "joi, 24 decembrie", "08:30", "1.234,5"),
    ("uk", "четвер, 24 грудня", "08:30", "1 234,5"),
    ("ar", "الخميس، 24 ديسمبر", "08:30", "1,234.5"),
])
def test_formats_per_language(language, date, time, number):
    assert format_date(CHRISTMAS_EVE, language) == date
    assert format_time(dt.time(8, 30), language) == time
    assert format_number(1234.5, language).replace("\u00a0", " ") == number


def test_end_of_day_is_24_00_in_the_language_form():
    assert [format_time(dt.time(23, 59, 59), language) for language in ("en", "da", "es")] == [
        "24:00", "24.00", "24:00"]


def test_weekday_names_and_long_dates():
    assert weekday_name("tue", "da") == "tirsdag"
    assert weekday_name(4, "uk") == "пʼятниця"
    assert format_long_date(dt.date(2026, 12, 31), "de") == "31. Dezember 2026"
