"""Turn knowledge-base entries into replies, in the conversation's language.

Pure functions: they take entries, a language and (for hours) a moment, and return
:class:`Reply` objects. The custom actions only pick the entry and dispatch the reply, so all
wording logic is tested here without a Rasa server.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Dict, Optional, Sequence, Tuple
from urllib.parse import quote_plus

from bot.answer_parts import AnswerParts, join, split_entry
from bot.content.hours import open_status
from bot.content.loader import KnowledgeBase
from bot.content.schema import (
    CITIZEN_GROUPS,
    MAX_BUTTONS,
    Address,
    Contact,
    Entry,
    expand_placeholders,
)
from bot.i18n import translate as t
from bot.locale_format import format_long_date, format_time
from bot.rich_text import link, short_url

HUMAN_CONTACT_ID = "ihnd"
#: The intent of the "More details" button and of "tell me more" (data/nlu/*/more.yml).
MORE_INTENT = "more_details"


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


def _uncertain_line(entry: Entry, language: str, part: Optional[str] = None) -> Optional[str]:
    """The entry's caveat; for a short answer (``part``: contact, address) only when it concerns it."""
    note = entry.uncertain.get(language) or entry.uncertain.get("en")
    if not note or (part is not None and part not in entry.uncertain_about):
        return None
    return t("uncertain_note", language, note=note, url=entry.official_link(language))


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


def topic_answer(
    kb: KnowledgeBase, entry: Entry, language: str, today: Optional[dt.date] = None, question: str = "",
    extra: Sequence[str] = (),
) -> Reply:
    """The answer about an entry, short enough for a phone (issue #13).

    The first bubble holds the entry's name, at most two sentences (the summary, or the entry's two
    sentences closest to the question: :mod:`bot.answer_parts`) and the official link. A "More
    details" button leads to the rest (:func:`more_answer`). Lists and areas offer their items as
    buttons; other entries offer related entries. Contact placeholders in the texts
    (``{phone:siri}``) are filled with the current values.

    Args:
        kb: The knowledge base.
        entry: The entry answered.
        language: The answer's language.
        today: The date, for entries whose period has ended.
        question: The user's message (empty when a button asked).
        extra: Paragraphs shown right after the first bubble's sentences (an address and its map).

    Returns:
        The reply.
    """
    reply = _topic_answer(kb, entry, language, today, question, extra)
    return Reply(expand_placeholders(reply.text, kb.entries), reply.buttons, kind="topic")


def more_answer(kb: KnowledgeBase, entry: Entry, language: str, question: str = "") -> Reply:
    """What the first bubble left out: the other sentences, the steps per group and the caveat.

    Args:
        kb: The knowledge base.
        entry: The entry answered before.
        language: The answer's language.
        question: The message the first bubble answered, so that its sentences are not repeated.

    Returns:
        The reply (kind ``details``); "that is all" with the official link when nothing is left.
    """
    parts = split_entry(entry, language, question)
    lines = [f"**{entry.name(language)}**"]
    if parts.rest:
        lines.append(join(parts.rest))
    steps = _steps_block(entry, language)
    if steps:
        lines.append(steps)
    uncertain = _uncertain_line(entry, language)
    if uncertain:
        lines.append(uncertain)
    if len(lines) == 1:
        lines = [t("nothing_more", language, name=entry.name(language), url=entry.official_link(language))]
    else:
        lines.append(t("more_info", language, url=entry.official_link(language)))
    buttons = entry_buttons(kb, entry.items or entry.related, language)
    return Reply(expand_placeholders("\n\n".join(lines), kb.entries), buttons, kind="details")


def has_more(entry: Entry, language: str, parts: AnswerParts) -> bool:
    """Whether :func:`more_answer` has anything the first bubble (``parts.first``) did not show."""
    return bool(parts.rest or entry.steps or _uncertain_line(entry, language))


def _steps_block(entry: Entry, language: str) -> Optional[str]:
    if not entry.steps:
        return None
    steps = [t("steps_heading", language)]
    for group in CITIZEN_GROUPS:
        if group in entry.steps:
            text = entry.steps[group].get(language) or entry.steps[group]["en"]
            steps.append(f"- {t('steps_' + group, language)}: {text}")
    return "\n".join(steps)


def period_ended_line(entry: Entry, language: str, today: Optional[dt.date]) -> Optional[str]:
    """"This information is about the period …, which has ended", once ``valid_until`` has passed."""
    if today is None or entry.valid_until is None or today <= entry.valid_until:
        return None
    until = format_long_date(entry.valid_until, language)
    if entry.valid_from is not None:
        return t("period_ended", language, start=format_long_date(entry.valid_from, language), end=until,
                 url=entry.official_link(language))
    return t("period_ended_on", language, end=until, url=entry.official_link(language))


def contact_source(kb: KnowledgeBase, entry: Entry) -> Entry:
    """The entry whose contact card answers for ``entry``: itself, or the one it takes its contact from."""
    if entry.contact is None and entry.contact_from:
        source = kb.get(entry.contact_from)
        if source is not None:
            return source
    return entry


def contact_of(kb: KnowledgeBase, entry: Entry) -> Optional[Contact]:
    """The entry's contact card, or the one of the entry it takes its contact from."""
    return contact_source(kb, entry).contact


def link_title(url: str, entries: Sequence[Entry], language: str) -> str:
    """A readable title for ``url``: the title one of ``entries`` gives it, else the site's name.

    A contact card's web address can be 80 characters of path and query ("lifeindenmark.borger.dk/
    actionpage?selfserviceid=eb44…"), which is no title on a phone.
    """
    for entry in entries:
        for item in entry.links:
            if item.url.rstrip("/") == url.rstrip("/"):
                return item.title.get(language) or item.title["en"]
    return short_url(url).split("/", 1)[0]


def _topic_answer(
    kb: KnowledgeBase, entry: Entry, language: str, today: Optional[dt.date], question: str,
    extra: Sequence[str] = (),
) -> Reply:
    lines = [f"**{entry.name(language)}**"]
    ended = period_ended_line(entry, language, today)
    if ended:
        lines.append(ended)
    parts = split_entry(entry, language, question)
    lines.append(join(parts.first))
    lines.extend(extra)
    lines.append(t("more_info", language, url=entry.official_link(language)))
    more = [Button(t("more_button", language), topic_payload(MORE_INTENT, entry.id))] if has_more(
        entry, language, parts) else []
    if entry.items:
        lines.append(t("choose_item", language))
        buttons = entry_buttons(kb, entry.items, language)
    else:
        buttons = entry_buttons(kb, entry.related, language)
        if buttons:
            lines.append(t("related_heading", language))
    return Reply("\n\n".join(lines), (*more, *buttons)[:MAX_BUTTONS])


def has_contact(kb: KnowledgeBase, entry: Entry) -> bool:
    """Whether the entry (or the entry it takes its contact from) has a phone, e-mail or person."""
    contact = contact_of(kb, entry)
    return contact is not None and bool(contact.phone or contact.email or contact.person)


def contact_answer(entry: Entry, language: str, kb: KnowledgeBase, question: str = "") -> Reply:
    """The entry's contact card; the entry's answer when it has none (the question is about the service).

    ``question`` (the user's message) picks that answer's first bubble (:func:`topic_answer`).
    """
    if not has_contact(kb, entry):
        return topic_answer(kb, entry, language, question=question)
    source = contact_source(kb, entry)
    contact = source.contact
    assert contact is not None
    # The card of the organisation the entry sends you to is that organisation's: named as such.
    lines = [t("contact_heading", language, name=source.name(language))]
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
    web = contact.web or entry.official_url
    lines.append(t("contact_web", language, url=link(link_title(web, (source, entry), language), web)))
    # The caveat of the entry asked about, else the one of the card's owner (SIRI's two EU lines).
    uncertain = _uncertain_line(entry, language, "contact") or (
        _uncertain_line(source, language, "contact") if source is not entry else None)
    if uncertain:
        lines.append(uncertain)
    text = "\n".join(lines)
    return Reply(expand_placeholders(text, kb.entries), kind="contact")


def address_answer(entry: Entry, language: str, kb: KnowledgeBase, question: str = "") -> Reply:
    """Where the entry is, with a map link.

    An entry without a street address (a course, a programme, an online service) gets its whole
    answer instead: "where can I learn Danish?" asks about the service, not about a street. A
    topic whose entry has an office (buses and trains: NT's customer centre; daycare: the
    municipality's office) gets its answer with the address after the sentences closest to the
    question: "where do I buy a Rejsekort?" asks where the card is sold (the app, the bus, the
    station), and "where is the daycare office?" for the street; both are answered.
    """
    name = entry.name(language)
    if entry.contact is None or entry.contact.address is None:
        return topic_answer(kb, entry, language, question=question)
    address = entry.contact.address
    where = [
        t("address_heading", language, name=name, address=format_address(address, language)),
        t("address_map", language, url=link("OpenStreetMap", map_url(address))),
    ]
    if entry.kind == "topic":
        return topic_answer(kb, entry, language, question=question, extra=("\n".join(where),))
    lines = [*where, t("more_info", language, url=entry.official_link(language))]
    uncertain = _uncertain_line(entry, language, "address")
    if uncertain:
        lines.append(uncertain)
    return Reply("\n".join(lines), kind="address")


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
