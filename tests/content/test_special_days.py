"""Holiday names in every language, and no "(?)" in any hours answer (issue #18)."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.content import special_days
from bot.content.hours import TIMEZONE
from bot.dates_asked import DaysAsked
from bot.hours_answer import hours_answer
from bot.settings import read_languages
from tests.conftest import ROOT

LANGUAGES = read_languages(ROOT)


def test_every_special_day_has_a_name_in_every_language():
    missing = []
    for year in range(2024, 2031):
        day = dt.date(year, 1, 1)
        while day.year == year:
            special = special_days.special_day(day)
            if special is not None:
                missing += [(day, special.key, language) for language in LANGUAGES
                            if not special_days.name(special, language)]
            day += dt.timedelta(days=1)
    assert missing == []


def test_names_come_from_the_package_where_it_translates_them():
    christmas_eve = special_days.special_day(dt.date(2026, 12, 24))
    assert [special_days.name(christmas_eve, language) for language in ("da", "en", "uk", "pl", "de")] == [
        "Juleaftensdag", "Christmas Eve", "Святий вечір", "Wigilia", "Heiligabend"]


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_hours_answer_has_a_bare_question_mark(real_kb, language):
    """Every entry with hours, every day of a year (as a single day, and as weeks), now and the week."""
    entries = [entry for entry in real_kb.entries.values() if entry.hours is not None]
    assert entries
    start = dt.date(2026, 12, 1)
    for entry in entries:
        for offset in range(0, 366):
            day = start + dt.timedelta(days=offset)
            moment = dt.datetime.combine(day, dt.time(10, 0), tzinfo=TIMEZONE)
            for kind in (None, "desk", "phone"):
                for asked in (DaysAsked((day,)), None):
                    text = hours_answer(entry, language, moment, asked, kind=kind, kb=real_kb).text
                    assert "(?)" not in text, (entry.id, day, kind, text)
            if offset % 7 == 0:
                week = DaysAsked(tuple(day + dt.timedelta(days=n) for n in range(7)), stretch=True)
                assert "(?)" not in hours_answer(entry, language, moment, week, kb=real_kb).text
