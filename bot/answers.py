"""Turn knowledge-base entries into replies, in the conversation's language.

Pure functions: they take entries, a language and (for hours) a moment, and return
:class:`Reply` objects. The custom actions only pick the entry and dispatch the reply, so all
wording logic is tested here without a Rasa server.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple
from urllib.parse import quote_plus

from bot.content.hours import DaySchedule, day_schedule, open_status, resolve_day
from bot.content.loader import KnowledgeBase
from bot.content.schema import (
    CITIZEN_GROUPS,
    HOURS_KINDS,
    WEEKDAYS,
    Address,
    Contact,
    Entry,
    TimeRange,
    expand_placeholders,
)
from bot.i18n import translate as t

MAX_BUTTONS = 10
HUMAN_CONTACT_ID = "ihnd"


@dataclass(frozen=True)
class Button:
    """A quick-reply button."""

    title: str
    payload: str

    def as_dict(self) -> Dict[str, str]:
        """Return the button in Rasa's format."""
        return {"title": self.title, "payload": self.payload}


@dataclass(frozen=True)
class Reply:
    """One bot message: text and optional buttons."""

    text: str
    buttons: Tuple[Button, ...] = field(default_factory=tuple)
    #: Which part of an entry the reply shows (``topic``, ``contact``, ``address``, ``hours``); empty
    #: for replies that are not about one entry. Stored with the bot message (``metadata.kind``).
    kind: str = ""


def topic_payload(intent: str, entry_id: str) -> str:
    """Payload that asks ``intent`` about an entry, e.g. ``/ask_topic{"topic":"cpr"}``."""
    return f"/{intent}{json.dumps({'topic': entry_id}, separators=(',', ':'))}"


def entry_buttons(kb: KnowledgeBase, ids: Sequence[str], language: str) -> Tuple[Button, ...]:
    """Buttons leading to the given entries (unknown ids are skipped)."""
    buttons = []
    for entry_id in ids:
        entry = kb.get(entry_id)
        if entry is not None:
            buttons.append(Button(entry.name(language), topic_payload("ask_topic", entry.id)))
    return tuple(buttons[:MAX_BUTTONS])


def _uncertain_line(entry: Entry, language: str) -> Optional[str]:
    note = entry.uncertain.get(language) or entry.uncertain.get("en")
    if not note:
        return None
    return t("uncertain_note", language, note=note, url=entry.official_url)


def format_address(address: Address, language: str) -> str:
    """Format an address on one line: ``Rantzausgade 4, 1st floor, 9000 Aalborg``."""
    parts = [address.street]
    floor = address.floor.get(language) or address.floor.get("en")
    if floor:
        parts.append(floor)
    parts.append(f"{address.postcode} {address.city}")
    return ", ".join(parts)


def map_url(address: Address) -> str:
    """An OpenStreetMap search link for the address (no facts added, only the address)."""
    return "https://www.openstreetmap.org/search?query=" + quote_plus(
        f"{address.street}, {address.postcode} {address.city}"
    )


def topic_answer(kb: KnowledgeBase, entry: Entry, language: str) -> Reply:
    """The answer about an entry: summary, details, steps, uncertainty note and official link.

    Lists and areas offer their items as buttons; other entries offer related entries. Contact
    placeholders in the texts (``{phone:siri}``) are filled with the current values.
    """
    reply = _topic_answer(kb, entry, language)
    return Reply(expand_placeholders(reply.text, kb.entries), reply.buttons, kind="topic")


def contact_of(kb: KnowledgeBase, entry: Entry) -> Optional[Contact]:
    """The entry's contact card, or the one of the entry it takes its contact from."""
    if entry.contact is None and entry.contact_from:
        source = kb.get(entry.contact_from)
        return source.contact if source is not None else None
    return entry.contact


def _topic_answer(kb: KnowledgeBase, entry: Entry, language: str) -> Reply:
    lines = [f"**{entry.name(language)}**", entry.summary.get(language) or entry.summary["en"]]
    details = entry.details.get(language) or entry.details.get("en")
    if details:
        lines.append(details)
    if entry.steps:
        steps = [t("steps_heading", language)]
        for group in CITIZEN_GROUPS:
            if group in entry.steps:
                text = entry.steps[group].get(language) or entry.steps[group]["en"]
                steps.append(f"- {t('steps_' + group, language)}: {text}")
        lines.append("\n".join(steps))
    uncertain = _uncertain_line(entry, language)
    if uncertain:
        lines.append(uncertain)
    lines.append(t("more_info", language, url=entry.official_url))
    if entry.items:
        lines.append(t("choose_item", language))
        buttons = entry_buttons(kb, entry.items, language)
    else:
        buttons = entry_buttons(kb, entry.related, language)
        if buttons:
            lines.append(t("related_heading", language))
    return Reply("\n\n".join(lines), buttons)


def has_contact(kb: KnowledgeBase, entry: Entry) -> bool:
    """Whether the entry (or the entry it takes its contact from) has a phone, e-mail or person."""
    contact = contact_of(kb, entry)
    return contact is not None and bool(contact.phone or contact.email or contact.person)


def contact_answer(entry: Entry, language: str, kb: KnowledgeBase) -> Reply:
    """The entry's contact card; the whole entry when it has none (the question is about the service)."""
    if not has_contact(kb, entry):
        return topic_answer(kb, entry, language)
    contact = contact_of(kb, entry)
    assert contact is not None
    name = entry.name(language)
    lines = [t("contact_heading", language, name=name)]
    if contact.person:
        role = contact.role.get(language) or contact.role.get("en")
        if role:
            lines.append(t("contact_person_role", language, person=contact.person, role=role))
        else:
            lines.append(t("contact_person", language, person=contact.person))
    department = contact.department.get(language) or contact.department.get("en")
    if department:
        lines.append(t("contact_department", language, department=department))
    if contact.phone:
        lines.append(t("contact_phone", language, phone=contact.phone))
    if contact.email:
        lines.append(t("contact_email", language, email=contact.email))
    if contact.address:
        lines.append(t("contact_address", language, address=format_address(contact.address, language)))
    lines.append(t("contact_web", language, url=contact.web or entry.official_url))
    uncertain = _uncertain_line(entry, language)
    if uncertain:
        lines.append(uncertain)
    text = "\n".join(lines)
    return Reply(expand_placeholders(text, kb.entries), kind="contact")


def address_answer(entry: Entry, language: str, kb: KnowledgeBase) -> Reply:
    """Where the entry is, with a map link.

    An entry without a street address (a course, a programme, an online service) gets its whole
    answer instead: "where can I learn Danish?" asks about the service, not about a street.
    """
    name = entry.name(language)
    if entry.contact is None or entry.contact.address is None:
        return topic_answer(kb, entry, language)
    address = entry.contact.address
    lines = [
        t("address_heading", language, name=name, address=format_address(address, language)),
        t("address_map", language, url=map_url(address)),
        t("more_info", language, url=entry.official_url),
    ]
    return Reply("\n".join(lines), kind="address")


def format_date(day: dt.date, language: str) -> str:
    """Format a date for the language, e.g. ``Friday 4 December``."""
    return t(
        "date_format",
        language,
        weekday=t("weekday_" + WEEKDAYS[day.weekday()], language),
        day=day.day,
        month=t(f"month_{day.month}", language),
    )


def format_time(moment: dt.time, language: str) -> str:
    """Format a time for the language, e.g. ``08:30`` (English) or ``08.30`` (Danish)."""
    if moment == dt.time(23, 59, 59):
        return t("time_format", language, hour="24", minute="00")
    return t("time_format", language, hour=f"{moment:%H}", minute=f"{moment:%M}")


def format_ranges(ranges: Sequence[TimeRange], language: str) -> str:
    """Format time ranges with an en dash, e.g. ``08:30–15:00``."""
    return t("hours_range_join", language).join(
        f"{format_time(start, language)}–{format_time(end, language)}" for start, end in ranges
    )


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
            hours += " (?)"
        lines.append("- " + t("hours_line", language, day=t("weekday_" + day, language), hours=hours))
    return lines


def _day_sentence(entry: Entry, schedule: DaySchedule, kind: str, language: str) -> str:
    name = entry.name(language)
    date = format_date(schedule.date, language)
    if kind == "phone":
        if not schedule.known:
            return t("hours_on_day_unknown", language, name=name, date=date)
        if schedule.closed:
            return t("hours_phone_on_day_closed", language, date=date)
        return t("hours_phone_on_day", language, date=date, hours=format_ranges(schedule.ranges, language))
    if not schedule.known:
        return t("hours_on_day_unknown", language, name=name, date=date)
    if schedule.closed:
        return t("hours_on_day_closed", language, name=name, date=date)
    return t("hours_on_day", language, name=name, date=date, hours=format_ranges(schedule.ranges, language))


def hours_answer(
    entry: Entry,
    language: str,
    moment: dt.datetime,
    day: Optional[str] = None,
    kind: Optional[str] = None,
    *,
    kb: KnowledgeBase,
) -> Reply:
    """Opening hours of an entry: now, on a given day, or the whole week.

    Args:
        entry: The entry.
        language: Reply language.
        moment: The current Copenhagen time.
        day: ``now``, ``today``, ``tomorrow`` or a weekday key; None for the whole week plus now.
        kind: ``desk`` or ``phone``; None for the desk (and phone hours when the entry has them).
        kb: The knowledge base, to fill contact placeholders (and for the whole entry).

    Returns:
        The reply; the whole entry when it has no opening hours ("when is the job seminar?" asks
        about the programme).
    """
    name = entry.name(language)
    hours = entry.hours
    if hours is None:
        return topic_answer(kb, entry, language)
    kinds: List[str] = (
        [kind] if kind is not None and kind in hours.schedules else [k for k in HOURS_KINDS if k in hours.schedules]
    )
    lines: List[str] = []
    target = resolve_day(day, moment)
    if day in ("today", "tomorrow") or (day in WEEKDAYS and target is not None):
        assert target is not None
        first = day_schedule(hours, kinds[0], target)
        if first.holiday:
            lines.append(t("hours_holiday", language, date=format_date(target, language), holiday=first.holiday))
        for each in kinds:
            lines.append(_day_sentence(entry, day_schedule(hours, each, target), each, language))
        if first.uncertain:
            lines.append(t("hours_uncertain_day", language, day=t("weekday_" + WEEKDAYS[target.weekday()], language),
                           url=entry.official_url))
    else:
        status = open_status(hours, kinds[0], moment)
        if status.today.holiday:
            lines.append(
                t(
                    "hours_holiday",
                    language,
                    date=format_date(status.today.date, language),
                    holiday=status.today.holiday,
                )
            )
        if status.is_open:
            assert status.closes_at is not None
            key = "hours_phone_open_now" if kinds[0] == "phone" else "hours_open_now"
            lines.append(t(key, language, name=name, time=format_time(status.closes_at, language)))
        elif status.is_open is None:
            lines.append(
                t("hours_unknown_now", language, name=name, day=t("weekday_" + WEEKDAYS[moment.weekday()], language))
            )
        else:
            key = "hours_phone_closed_now" if kinds[0] == "phone" else "hours_closed_now"
            lines.append(t(key, language, name=name))
            if status.next_open is not None:
                next_day, (start, _) = status.next_open
                lines.append(
                    t("hours_opens_next", language, day=format_date(next_day.date, language),
                      time=format_time(start, language))
                )
        if status.today.uncertain:
            lines.append(t("hours_uncertain_day", language, day=t("weekday_" + WEEKDAYS[moment.weekday()], language),
                           url=entry.official_url))
        if day != "now":
            for each in kinds:
                heading = "hours_heading_phone" if each == "phone" else "hours_heading_desk"
                lines.append("")
                lines.append(t(heading, language, name=name))
                lines.extend(_week_lines(entry, each, language))
    uncertain = _uncertain_line(entry, language)
    if uncertain:
        lines.append("")
        lines.append(uncertain)
    text = "\n".join(lines).strip()
    return Reply(expand_placeholders(text, kb.entries), kind="hours")


def human_contact(kb: KnowledgeBase, language: str, moment: dt.datetime) -> Optional[Reply]:
    """IHND's phone and e-mail, and whether its desk is open now: the way to a person."""
    entry = kb.get(HUMAN_CONTACT_ID)
    if entry is None or entry.contact is None or not entry.contact.phone or not entry.contact.email:
        return None
    lines = [t("human_contact", language, name=entry.name(language), phone=entry.contact.phone,
               email=entry.contact.email)]
    if entry.hours is not None and "desk" in entry.hours.schedules:
        status = open_status(entry.hours, "desk", moment)
        if status.is_open and status.closes_at is not None:
            lines.append(t("human_open_now", language, time=format_time(status.closes_at, language)))
        elif status.is_open is False:
            lines.append(t("human_closed_now", language))
    return Reply(" ".join(lines))
