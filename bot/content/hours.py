"""Opening-hours logic: is a place open at a moment, and when does it open next.

All times are Europe/Copenhagen. Danish public holidays and the other special days come from
the maintained ``holidays`` package (``bot/content/special_days.py``), never from a hand-written
list. A special day whose hours no source states is "unknown", never assumed open or closed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Optional, Tuple
from zoneinfo import ZoneInfo

from bot.content.schema import WEEKDAYS, Hours, TimeRange
from bot.content.special_days import SpecialDay, special_day

TIMEZONE = ZoneInfo("Europe/Copenhagen")


def now() -> dt.datetime:
    """The current time in Copenhagen."""
    return dt.datetime.now(TIMEZONE)


@dataclass(frozen=True)
class DaySchedule:
    """The hours of one kind (desk or phone) on one date.

    Attributes:
        date: The date.
        ranges: Opening ranges; empty when closed or unknown.
        known: False when the sources do not give hours for that day.
        special: The public holiday or special day on that date, if any.
        uncertain: True when the sources are unclear about that weekday.
    """

    date: dt.date
    ranges: Tuple[TimeRange, ...]
    known: bool
    special: Optional[SpecialDay] = None
    uncertain: bool = False

    @property
    def closed(self) -> bool:
        """Known to be closed all day."""
        return self.known and not self.ranges


def day_schedule(hours: Hours, kind: str, day: dt.date) -> DaySchedule:
    """Return the schedule of ``kind`` hours on ``day``, holidays included.

    Args:
        hours: The entry's opening hours.
        kind: ``desk`` or ``phone``.
        day: The date.

    Returns:
        The day's schedule.
    """
    weekday = WEEKDAYS[day.weekday()]
    schedule = hours.schedules.get(kind, {})
    special = special_day(day)
    uncertain = weekday in hours.uncertain_days
    if special is not None:
        rule = hours.holidays if special.public else hours.special_days
        if rule == "unknown":
            # A holiday never opens a place that is surely closed on that weekday (a Sunday).
            if weekday in schedule and not schedule[weekday] and not uncertain:
                return DaySchedule(day, (), True, special, False)
            return DaySchedule(day, (), False, special, False)
        if rule == "closed":
            return DaySchedule(day, (), True, special, False)
        if rule != "same":
            return DaySchedule(day, tuple(rule), True, special, False)
    if weekday not in schedule:
        return DaySchedule(day, (), False, special, uncertain)
    return DaySchedule(day, tuple(schedule[weekday]), True, special, uncertain)


@dataclass(frozen=True)
class OpenStatus:
    """Whether a place is open at a moment.

    Attributes:
        moment: The moment asked about (Copenhagen time).
        is_open: True/False, or None when the sources do not tell.
        closes_at: When open: the end of the current range.
        today: The schedule of the moment's date.
        next_open: When closed: the next day and range it opens (within two weeks), if known.
    """

    moment: dt.datetime
    is_open: Optional[bool]
    closes_at: Optional[dt.time]
    today: DaySchedule
    next_open: Optional[Tuple[DaySchedule, TimeRange]] = None


def open_status(hours: Hours, kind: str, moment: dt.datetime) -> OpenStatus:
    """Tell whether ``kind`` hours are open at ``moment`` and, if not, when they next open.

    Args:
        hours: The entry's opening hours.
        kind: ``desk`` or ``phone``.
        moment: An aware datetime (converted to Copenhagen time) or a naive Copenhagen time.

    Returns:
        The status.
    """
    moment = moment.astimezone(TIMEZONE) if moment.tzinfo else moment.replace(tzinfo=TIMEZONE)
    today = day_schedule(hours, kind, moment.date())
    current = moment.time()
    if today.known:
        for start, end in today.ranges:
            if start <= current < end:
                return OpenStatus(moment, True, end, today)
    is_open: Optional[bool] = False if today.known else None
    next_open = None
    for offset in range(0, 15):
        day = moment.date() + dt.timedelta(days=offset)
        schedule = today if offset == 0 else day_schedule(hours, kind, day)
        if not schedule.known:
            if offset == 0:
                continue
            break
        upcoming = [r for r in schedule.ranges if offset > 0 or r[0] > current]
        if upcoming:
            next_open = (schedule, upcoming[0])
            break
    return OpenStatus(moment, is_open, None, today, next_open)
