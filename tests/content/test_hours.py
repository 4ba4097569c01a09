"""Opening-hours logic on fixed dates (Europe/Copenhagen, Danish public holidays)."""

from __future__ import annotations

import datetime as dt

from bot.content.hours import day_schedule, open_status
from bot.content.special_days import special_day
from tests.conftest import cph


def test_open_on_a_weekday_until_the_end_of_the_range(fixture_kb):
    hours = fixture_kb.get("house").hours
    status = open_status(hours, "desk", cph(2026, 11, 30, 10, 0))  # Monday
    assert status.is_open is True
    assert status.closes_at == dt.time(15, 0)


def test_closed_after_hours_opens_next_working_day(fixture_kb):
    hours = fixture_kb.get("house").hours
    status = open_status(hours, "desk", cph(2026, 11, 30, 15, 0))  # Monday, at closing time
    assert status.is_open is False
    day, (start, end) = status.next_open
    assert day.date == dt.date(2026, 12, 2)  # Tuesday is closed, so Wednesday
    assert (start, end) == (dt.time(8, 30), dt.time(15, 0))


def test_before_opening_same_day(fixture_kb):
    hours = fixture_kb.get("house").hours
    status = open_status(hours, "desk", cph(2026, 12, 3, 7, 59))  # Thursday
    assert status.is_open is False
    day, (start, _) = status.next_open
    assert (day.date, start) == (dt.date(2026, 12, 3), dt.time(8, 30))


def test_closed_on_saturday_opens_monday(fixture_kb):
    hours = fixture_kb.get("house").hours
    status = open_status(hours, "desk", cph(2026, 12, 5, 11, 0))
    assert status.is_open is False
    assert status.today.closed
    assert status.next_open[0].date == dt.date(2026, 12, 7)


def test_public_holiday_is_closed_even_on_a_working_day(fixture_kb):
    hours = fixture_kb.get("house").hours
    christmas = cph(2026, 12, 25, 10, 0)  # Friday, Christmas Day
    status = open_status(hours, "desk", christmas)
    assert status.is_open is False
    assert status.today.special.key == "christmas_day" and status.today.special.public
    # 26 Dec (holiday) and 27 Dec (Sunday) are closed; no source gives the hours of Monday 28 Dec
    # (between Christmas and New Year), so no "opens again" day is claimed.
    assert status.next_open is None
    assert day_schedule(hours, "desk", dt.date(2026, 12, 28)).known is False


def test_special_days_are_unknown_unless_the_weekday_is_surely_closed(fixture_kb):
    hours = fixture_kb.get("house").hours
    christmas_eve = day_schedule(hours, "desk", dt.date(2026, 12, 24))  # Thursday, not a public holiday
    assert (christmas_eve.known, christmas_eve.special.key, christmas_eve.special.public) == (
        False, "christmas_eve", False)
    sunday = day_schedule(hours, "desk", dt.date(2026, 12, 27))  # a Sunday between Christmas and New Year
    assert sunday.closed and sunday.special.key == "christmas_week"
    ordinary = day_schedule(hours, "desk", dt.date(2026, 12, 21))
    assert ordinary.special is None and ordinary.ranges == ((dt.time(8, 30), dt.time(15, 0)),)


def test_ascension_day_from_the_holiday_calendar():
    assert special_day(dt.date(2026, 5, 14)).key == "ascension_day"
    assert special_day(dt.date(2026, 5, 13)) is None


def test_uncertain_day_is_flagged(fixture_kb):
    schedule = day_schedule(fixture_kb.get("house").hours, "desk", dt.date(2026, 12, 1))
    assert schedule.closed and schedule.uncertain


def test_unknown_day_is_not_reported_as_closed(fixture_kb):
    hours = fixture_kb.get("house").hours
    status = open_status(hours, "phone", cph(2026, 12, 5, 10, 0))  # Saturday: phone hours not stated
    assert status.is_open is None
    assert status.today.known is False


def test_naive_and_utc_moments_are_read_as_copenhagen_time(fixture_kb):
    hours = fixture_kb.get("house").hours
    utc = dt.datetime(2026, 11, 30, 14, 30, tzinfo=dt.timezone.utc)  # 15:30 in Copenhagen
    assert open_status(hours, "desk", utc).is_open is False
    assert open_status(hours, "desk", dt.datetime(2026, 11, 30, 14, 30)).is_open is True
