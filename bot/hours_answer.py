"""Answers about opening hours: now, on the day or days asked, or for the week.

Every statement is about the day asked: its hours, whether it is closed, the holiday's name in
the reply's language, and, where no source gives the hours (public holidays, Christmas Eve, the
days between Christmas and New Year, a weekday the official page is unclear about), a full
sentence saying so and how to check. Dates, weekdays and times come from CLDR
(``bot/locale_format.py``).
"""

from __future__ import annotations

import datetime as dt
from typing import List, Optional, Sequence

from bot.answers import Reply, topic_answer
from bot.content import special_days
from bot.content.hours import DaySchedule, day_schedule, open_status
from bot.content.loader import KnowledgeBase
from bot.content.schema import HOURS_KINDS, WEEKDAYS, Entry, TimeRange, expand_placeholders
from bot.dates_asked import DaysAsked
from bot.i18n import translate as t
from bot.locale_format import format_date, format_time, weekday_name


def format_ranges(ranges: Sequence[TimeRange], language: str) -> str:
    """Time ranges with an en dash, e.g. ``08:30–15:00``."""
    return t("hours_range_join", language).join(
        f"{format_time(start, language)}–{format_time(end, language)}" for start, end in ranges
    )


def how_to_check(entry: Entry, language: str) -> str:
    """"To check, call … or see …": the entry's phone when it has one, and its page."""
    phone = entry.contact.phone if entry.contact is not None else None
    if phone:
        return t("how_to_check_phone", language, phone=phone, url=entry.official_link(language))
    return t("how_to_check_web", language, url=entry.official_link(language))


def _special_name(schedule: DaySchedule, language: str) -> Optional[str]:
    return special_days.name(schedule.special, language) if schedule.special is not None else None


def _date_label(schedule: DaySchedule, language: str) -> str:
    """``Thursday 24 December (Christmas Eve)``: the date, and the special day's name."""
    date = format_date(schedule.date, language)
    if schedule.special is None or schedule.special.key == special_days.CHRISTMAS_WEEK:
        return date  # the days between Christmas and New Year are named once, in the heading
    name = _special_name(schedule, language)
    return t("date_with_name", language, date=date, name=name) if name else date


def _special_line(schedule: DaySchedule, language: str) -> List[str]:
    """"25 December is a public holiday in Denmark (Christmas Day)." for a named day, else nothing.

    The days between Christmas and New Year are not named on their own: the sentence about the
    day's hours says what matters.
    """
    special = schedule.special
    name = _special_name(schedule, language)
    if special is None or special.key == special_days.CHRISTMAS_WEEK or not name:
        return []
    key = "hours_holiday" if special.public else "hours_special_day"
    return [t(key, language, date=format_date(schedule.date, language), holiday=name)]


def _hours_value(schedule: DaySchedule, language: str) -> str:
    """One day's hours for a list: ``08:30–15:00``, ``closed``, ``not confirmed``."""
    if not schedule.known:
        return t("hours_not_confirmed_short", language)
    value = format_ranges(schedule.ranges, language) if schedule.ranges else t("hours_closed", language)
    if schedule.uncertain:
        return t("hours_value_unconfirmed", language, hours=value)
    return value


def _day_sentences(entry: Entry, kinds: Sequence[str], day: dt.date, language: str) -> List[str]:
    """What the entry's hours are on one day, one sentence per kind of hours."""
    assert entry.hours is not None
    name = entry.name(language)
    schedules = [day_schedule(entry.hours, kind, day) for kind in kinds]
    first = schedules[0]
    date = format_date(day, language)
    lines: List[str] = []
    lines.extend(_special_line(first, language))
    if not any(schedule.known for schedule in schedules):
        lines.append(t("hours_not_confirmed", language, name=name, date=date) + " " + how_to_check(entry, language))
        return lines
    unsure = False
    for kind, schedule in zip(kinds, schedules, strict=True):
        if not schedule.known:
            unsure = True
            lines.append(t("hours_not_confirmed", language, name=name, date=date))
        elif kind == "phone":
            if schedule.closed:
                lines.append(t("hours_phone_on_day_closed", language, date=date))
            else:
                lines.append(t("hours_phone_on_day", language, date=date,
                               hours=format_ranges(schedule.ranges, language)))
        elif schedule.uncertain:
            unsure = True
            key = "hours_on_day_probably_closed" if schedule.closed else "hours_on_day_unconfirmed"
            lines.append(t(key, language, name=name, date=date, hours=format_ranges(schedule.ranges, language),
                           weekday=weekday_name(day.weekday(), language)))
        elif schedule.closed:
            lines.append(t("hours_on_day_closed", language, name=name, date=date))
        else:
            lines.append(t("hours_on_day", language, name=name, date=date,
                           hours=format_ranges(schedule.ranges, language)))
    if unsure:
        lines.append(how_to_check(entry, language))
    return lines


def _days_lines(entry: Entry, kinds: Sequence[str], days: Sequence[dt.date], language: str) -> List[str]:
    """A list of the days asked, one line per day and kind, and one note for what is unconfirmed."""
    assert entry.hours is not None
    name = entry.name(language)
    lines = [t("hours_days_heading", language, name=name, first=format_date(days[0], language),
               last=format_date(days[-1], language))]
    schedules = {kind: [day_schedule(entry.hours, kind, day) for day in days] for kind in kinds}
    values = {kind: [_hours_value(schedule, language) for schedule in each] for kind, each in schedules.items()}
    if len({tuple(each) for each in values.values()}) == 1:
        kinds = kinds[:1]  # desk and phone hours are the same on each of these days: one list
    unsure = any(not s.known or s.uncertain for kind in kinds for s in schedules[kind])
    for kind in kinds:
        if len(kinds) > 1:
            heading = "hours_heading_phone" if kind == "phone" else "hours_heading_desk"
            lines.append("")
            lines.append(t(heading, language, name=name))
        for schedule, value in zip(schedules[kind], values[kind], strict=True):
            lines.append("- " + t("hours_line", language, day=_date_label(schedule, language), hours=value))
    if unsure:
        lines.append("")
        lines.append(t("hours_days_not_confirmed", language) + " " + how_to_check(entry, language))
    return lines


def _week_lines(entry: Entry, kind: str, language: str) -> List[str]:
    assert entry.hours is not None
    schedule = entry.hours.schedules.get(kind, {})
    lines = []
    for day in WEEKDAYS:
        if day not in schedule:
            hours = t("hours_unknown", language)
        elif not schedule[day]:
            hours = t("hours_closed", language)
        else:
            hours = format_ranges(schedule[day], language)
        if day in entry.hours.uncertain_days:
            hours = t("hours_value_unconfirmed", language, hours=hours)
        lines.append("- " + t("hours_line", language, day=weekday_name(day, language), hours=hours))
    return lines


def _now_lines(entry: Entry, kinds: Sequence[str], moment: dt.datetime, language: str) -> List[str]:
    assert entry.hours is not None
    name = entry.name(language)
    status = open_status(entry.hours, kinds[0], moment)
    lines: List[str] = []
    lines.extend(_special_line(status.today, language))
    if status.is_open:
        assert status.closes_at is not None
        key = "hours_phone_open_now" if kinds[0] == "phone" else "hours_open_now"
        lines.append(t(key, language, name=name, time=format_time(status.closes_at, language)))
    elif status.is_open is None:
        lines.append(t("hours_unknown_now", language, name=name, day=format_date(moment.date(), language)) + " "
                     + how_to_check(entry, language))
    else:
        key = "hours_phone_closed_now" if kinds[0] == "phone" else "hours_closed_now"
        lines.append(t(key, language, name=name))
        if status.next_open is not None:
            next_day, (start, _) = status.next_open
            lines.append(t("hours_opens_next", language, day=format_date(next_day.date, language),
                           time=format_time(start, language)))
    return lines


def hours_answer(
    entry: Entry,
    language: str,
    moment: dt.datetime,
    asked: Optional[DaysAsked] = None,
    kind: Optional[str] = None,
    *,
    now_only: bool = False,
    kb: KnowledgeBase,
    question: str = "",
) -> Reply:
    """Opening hours of an entry: on the days asked, or now and for the week.

    Args:
        entry: The entry.
        language: Reply language.
        moment: The current Copenhagen time.
        asked: The days the question is about (``bot/dates_asked.py``); None for "now" and the week.
        kind: ``desk`` or ``phone``; None for the desk (and phone hours when the entry has them).
        now_only: Answer only whether it is open now ("are you open right now?"), without the week.
        kb: The knowledge base, to fill contact placeholders (and for the whole entry).
        question: The user's message, which picks the entry answer's first bubble when there are no hours.

    Returns:
        The reply; the whole entry when it has no opening hours ("when is the job seminar?" asks
        about the programme).
    """
    name = entry.name(language)
    hours = entry.hours
    if hours is None:
        return topic_answer(kb, entry, language, question=question)
    kinds: List[str] = (
        [kind] if kind is not None and kind in hours.schedules else [k for k in HOURS_KINDS if k in hours.schedules]
    )
    lines: List[str]
    if asked is not None and len(asked.days) == 1 and not asked.stretch:
        lines = _day_sentences(entry, kinds, asked.days[0], language)
    elif asked is not None and asked.days:
        lines = _days_lines(entry, kinds, asked.days, language)
    else:
        lines = _now_lines(entry, kinds, moment, language)
        if not now_only:
            unsure_days = [day for day in WEEKDAYS if day in hours.uncertain_days]
            for each in kinds:
                heading = "hours_heading_phone" if each == "phone" else "hours_heading_desk"
                lines.append("")
                lines.append(t(heading, language, name=name))
                lines.extend(_week_lines(entry, each, language))
            if unsure_days:
                lines.append("")
                lines.append(t("hours_uncertain_day", language, day=weekday_name(unsure_days[0], language))
                             + " " + how_to_check(entry, language))
    text = "\n".join(lines).strip()
    return Reply(expand_placeholders(text, kb.entries), kind="hours")
