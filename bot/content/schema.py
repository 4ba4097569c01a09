"""Typed model of the structured content, and its validation.

The YAML files under ``data/content/`` are parsed into the frozen dataclasses below. Parsing
collects every problem as a :class:`ContentError` (``file: path: problem``) instead of stopping
at the first, so that ``python -m bot.content validate`` can list them all at once.
The format is documented in ``docs/content.md``.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

from bot.rich_text import link

KINDS = ("organisation", "topic", "programme", "list", "area")
#: The most buttons an answer offers (a phone screen); an entry's items and related are at most this.
MAX_BUTTONS = 10
#: Answers besides the whole entry that an ``uncertain`` note can concern (``uncertain_about``).
UNCERTAIN_PARTS = ("contact", "address")
AREAS = ("newcomers", "business", "cooperation")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
HOURS_KINDS = ("desk", "phone")
CITIZEN_GROUPS = ("nordic", "eu", "non_eu")
#: Keys of an entry's ``checklist`` texts: one of the groups, or ``all`` (bot/first_steps.py).
CHECKLIST_KEYS = ("all", *CITIZEN_GROUPS)
#: A checklist text is one line of a phone-sized list (issue #13).
CHECKLIST_MAX_CHARS = 200

_ID_RE = re.compile(r"^[a-z][a-z0-9_]*$")
_PHONE_RE = re.compile(r"^\+\d{1,3}( \d{1,4}){2,6}$")
_EMAIL_RE = re.compile(r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$")
_URL_RE = re.compile(r"^https?://[A-Za-z0-9.-]+\.[A-Za-z]{2,}(:\d+)?(/[^\s]*)?$")
_RANGE_RE = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-(?:([01]\d|2[0-3]):([0-5]\d)|(24):(00))$")

Translated = Mapping[str, str]
TimeRange = Tuple[dt.time, dt.time]


@dataclass(frozen=True)
class ContentError:
    """One problem found in a content file.

    Attributes:
        file: The file, relative to the project when possible.
        path: Where in the file, e.g. ``entries[ihnd].contact.phone``.
        problem: What is wrong, in one line.
    """

    file: str
    path: str
    problem: str

    def __str__(self) -> str:
        """Format as ``file: path: problem``."""
        return f"{self.file}: {self.path}: {self.problem}"


@dataclass(frozen=True)
class Address:
    """A postal address."""

    street: str
    postcode: str
    city: str
    floor: Translated = field(default_factory=dict)


@dataclass(frozen=True)
class Contact:
    """A contact card; every field is optional."""

    person: Optional[str] = None
    role: Translated = field(default_factory=dict)
    department: Translated = field(default_factory=dict)
    phone: Optional[str] = None
    email: Optional[str] = None
    address: Optional[Address] = None
    web: Optional[str] = None
    lines: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Hours:
    """Opening hours in Europe/Copenhagen time.

    Attributes:
        schedules: ``desk``/``phone`` to weekday to time ranges; a missing weekday is unknown,
            an empty tuple is closed.
        holidays: Public holidays: ``"unknown"`` (no source states them: the answer says "not
            confirmed"), ``"closed"``, ``"same"`` (as on a normal day) or time ranges.
        special_days: Christmas Eve, New Year's Eve, Constitution Day, Workers' Day and 27-30
            December (``bot/content/special_days.py``): ``"unknown"``, ``"closed"``, ``"same"`` or
            time ranges, as for holidays.
        uncertain_days: Weekdays whose hours the sources do not state clearly.
    """

    schedules: Mapping[str, Mapping[str, Tuple[TimeRange, ...]]]
    holidays: Any = "unknown"
    special_days: Any = "unknown"
    uncertain_days: Tuple[str, ...] = ()


@dataclass(frozen=True)
class Link:
    """A link shown with an answer."""

    url: str
    title: Translated


@dataclass(frozen=True)
class Entry:
    """One entry of the knowledge base."""

    id: str
    kind: str
    area: str
    names: Translated
    synonyms: Mapping[str, Tuple[str, ...]]
    summary: Translated
    links: Tuple[Link, ...]
    sources: Tuple[str, ...]
    verified: dt.date
    details: Translated = field(default_factory=dict)
    steps: Mapping[str, Translated] = field(default_factory=dict)
    #: One line for the first-steps checklist, per group (or ``all``), per language.
    checklist: Mapping[str, Translated] = field(default_factory=dict)
    contact: Optional[Contact] = None
    hours: Optional[Hours] = None
    items: Tuple[str, ...] = ()
    related: Tuple[str, ...] = ()
    uncertain: Translated = field(default_factory=dict)
    #: Which answers the ``uncertain`` note concerns (:data:`UNCERTAIN_PARTS`): a caveat appears
    #: only where it is about what was asked (issue #13). The whole answer about the entry always
    #: shows it; a contact card only when ``contact`` is listed, an address only with ``address``.
    uncertain_about: Tuple[str, ...] = ()
    contact_from: Optional[str] = None
    #: The organisation that runs the service or issues the document (Sprogcenter Aalborg for Danish
    #: lessons, SIRI for the EU residence document): "which school is it?", "who runs the classes?",
    #: "which authority handles it?" are answered by it (``actions/topics.py``).
    provided_by: Optional[str] = None
    #: Asked about by someone who lacks another entry's thing, the answer is a third entry:
    #: ``{cpr: mitid_support}`` on MitID ("no MitID without a CPR number, who do I call?" asks for
    #: MitID Support's P-code line). Read by :mod:`bot.prerequisites`.
    without: Mapping[str, str] = field(default_factory=dict)
    #: The entry that answers when this one is closed: asked about the evening, the night, a weekend
    #: or a public holiday, the family doctor's question is the out-of-hours doctor's ("and if it is at
    #: night?"). Read by :mod:`bot.closed_times`.
    when_closed: Optional[str] = None
    #: The ages of the children the entry is for, first and last year included: daycare ``[0, 5]``,
    #: school ``[6, 16]``. A follow-up naming a child's age outside them asks about the entry whose
    #: ages hold it ("and when he turns 6?" after daycare). Read by :mod:`bot.child_ages`.
    ages: Optional[Tuple[int, int]] = None
    #: The period the entry's information is about (a strategy's years, an event's dates): after
    #: ``valid_until`` the answer says the period has ended, and the validator fails.
    valid_from: Optional[dt.date] = None
    valid_until: Optional[dt.date] = None
    file: str = ""

    def name(self, language: str, fallback: str = "en") -> str:
        """Return the display name in ``language`` (or the fallback language)."""
        return self.names.get(language) or self.names[fallback]

    @property
    def official_url(self) -> str:
        """The first link: the official page answers point to."""
        return self.links[0].url

    def official_link(self, language: str) -> str:
        """The official page as a link with its title in ``language`` (``[title](url)``)."""
        first = self.links[0]
        return link(first.title.get(language) or first.title["en"], first.url)


class _Collector:
    """Reads raw YAML values and records problems with their path."""

    def __init__(self, file: str, languages: Sequence[str]) -> None:
        self.file = file
        self.languages = tuple(languages)
        self.errors: List[ContentError] = []

    def error(self, path: str, problem: str) -> None:
        self.errors.append(ContentError(self.file, path, problem))

    def text(self, raw: Any, path: str, required: bool = True) -> Optional[str]:
        if raw is None:
            if required:
                self.error(path, "missing required field")
            return None
        if isinstance(raw, (int, float)) and not isinstance(raw, bool):
            raw = str(raw)
        if not isinstance(raw, str) or not raw.strip():
            self.error(path, "must be a non-empty string")
            return None
        return raw.strip()

    def translated(self, raw: Any, path: str, required: bool = True) -> Dict[str, str]:
        if raw is None:
            if required:
                self.error(path, "missing required field")
            return {}
        if not isinstance(raw, dict):
            self.error(path, "must map language codes to text")
            return {}
        result: Dict[str, str] = {}
        for language, value in raw.items():
            if language not in self.languages:
                self.error(f"{path}.{language}", f"unknown language (supported: {', '.join(self.languages)})")
                continue
            text = self.text(value, f"{path}.{language}")
            if text is not None:
                result[language] = text
        for language in self.languages:
            if language not in raw:
                self.error(f"{path}.{language}", "missing translation")
        return result

    def string_list(self, raw: Any, path: str) -> Tuple[str, ...]:
        if raw is None:
            return ()
        if not isinstance(raw, list):
            self.error(path, "must be a list")
            return ()
        values = []
        for index, value in enumerate(raw):
            text = self.text(value, f"{path}[{index}]")
            if text is not None:
                values.append(text)
        return tuple(values)

    def url(self, raw: Any, path: str, required: bool = True) -> Optional[str]:
        value = self.text(raw, path, required)
        if value is not None and not _URL_RE.match(value):
            self.error(path, f"not a valid http(s) URL: {value!r}")
            return None
        return value

    def phone(self, raw: Any, path: str) -> Optional[str]:
        value = self.text(raw, path, required=False)
        if value is not None and not _PHONE_RE.match(value):
            self.error(path, f"phone number must be international, e.g. '+45 99 31 15 30': {value!r}")
            return None
        return value

    def email(self, raw: Any, path: str) -> Optional[str]:
        value = self.text(raw, path, required=False)
        if value is not None and not _EMAIL_RE.match(value):
            self.error(path, f"not a valid e-mail address: {value!r}")
            return None
        return value


def _parse_ranges(col: _Collector, raw: Any, path: str) -> Tuple[TimeRange, ...]:
    if not isinstance(raw, list):
        col.error(path, "must be a list of 'HH:MM-HH:MM' ranges ([] means closed)")
        return ()
    ranges = []
    for index, value in enumerate(raw):
        match = _RANGE_RE.match(str(value))
        if not match:
            col.error(f"{path}[{index}]", f"time range must look like '08:30-15:00': {value!r}")
            continue
        start_h, start_m = int(match.group(1)), int(match.group(2))
        end_h, end_m = (24, 0) if match.group(5) else (int(match.group(3)), int(match.group(4)))
        start = dt.time(start_h, start_m)
        end = dt.time(23, 59, 59) if end_h == 24 else dt.time(end_h, end_m)
        if start >= end:
            col.error(f"{path}[{index}]", f"start must be before end: {value!r}")
            continue
        ranges.append((start, end))
    return tuple(sorted(ranges))


def _parse_hours(col: _Collector, raw: Any, path: str) -> Optional[Hours]:
    if raw is None:
        return None
    if not isinstance(raw, dict):
        col.error(path, "must be a mapping")
        return None
    schedules: Dict[str, Dict[str, Tuple[TimeRange, ...]]] = {}
    for kind in HOURS_KINDS:
        days = raw.get(kind)
        if days is None:
            continue
        if not isinstance(days, dict):
            col.error(f"{path}.{kind}", "must map weekdays (mon..sun) to time ranges")
            continue
        schedule = {}
        for day, ranges in days.items():
            if day not in WEEKDAYS:
                col.error(f"{path}.{kind}.{day}", f"unknown weekday (use {', '.join(WEEKDAYS)})")
                continue
            schedule[day] = _parse_ranges(col, ranges, f"{path}.{kind}.{day}")
        schedules[kind] = schedule
    for key in raw:
        if key not in (*HOURS_KINDS, "holidays", "special_days", "uncertain_days"):
            col.error(f"{path}.{key}", "unknown field")
    if not schedules:
        col.error(path, "needs 'desk' or 'phone' hours")
    rules: Dict[str, Any] = {}
    for rule_name in ("holidays", "special_days"):
        rule: Any = raw.get(rule_name, "unknown")
        if isinstance(rule, list):
            rule = _parse_ranges(col, rule, f"{path}.{rule_name}")
        elif rule not in ("unknown", "closed", "same"):
            col.error(f"{path}.{rule_name}", "must be 'unknown', 'closed', 'same' or a list of time ranges")
        rules[rule_name] = rule
    uncertain_days = col.string_list(raw.get("uncertain_days"), f"{path}.uncertain_days")
    for day in uncertain_days:
        if day not in WEEKDAYS:
            col.error(f"{path}.uncertain_days", f"unknown weekday {day!r}")
    return Hours(schedules=schedules, holidays=rules["holidays"], special_days=rules["special_days"],
                 uncertain_days=uncertain_days)


def _parse_contact(col: _Collector, raw: Any, path: str) -> Optional[Contact]:
    if raw is None:
        return None
    if not isinstance(raw, dict):
        col.error(path, "must be a mapping")
        return None
    known = {"person", "role", "department", "phone", "email", "address", "web", "lines"}
    for key in raw:
        if key not in known:
            col.error(f"{path}.{key}", "unknown field")
    address = None
    raw_address = raw.get("address")
    if raw_address is not None:
        if not isinstance(raw_address, dict):
            col.error(f"{path}.address", "must be a mapping with street, postcode, city")
        else:
            street = col.text(raw_address.get("street"), f"{path}.address.street")
            postcode = col.text(raw_address.get("postcode"), f"{path}.address.postcode")
            city = col.text(raw_address.get("city"), f"{path}.address.city")
            floor = col.translated(raw_address.get("floor"), f"{path}.address.floor", required=False)
            if street and postcode and city:
                address = Address(street=street, postcode=postcode, city=city, floor=floor)
    lines: Dict[str, str] = {}
    raw_lines = raw.get("lines") or {}
    if not isinstance(raw_lines, dict):
        col.error(f"{path}.lines", "must map line names to phone numbers")
    else:
        for line, number in raw_lines.items():
            checked = col.phone(number, f"{path}.lines.{line}")
            if checked:
                lines[str(line)] = checked
    contact = Contact(
        lines=lines,
        person=col.text(raw.get("person"), f"{path}.person", required=False),
        role=col.translated(raw.get("role"), f"{path}.role", required=False),
        department=col.translated(raw.get("department"), f"{path}.department", required=False),
        phone=col.phone(raw.get("phone"), f"{path}.phone"),
        email=col.email(raw.get("email"), f"{path}.email"),
        address=address,
        web=col.url(raw.get("web"), f"{path}.web", required=False),
    )
    if not any((contact.person, contact.phone, contact.email, contact.address, contact.web)):
        col.error(path, "a contact needs at least a person, phone, e-mail, address or web address")
    return contact


def _parse_date(col: _Collector, raw: Any, path: str) -> Optional[dt.date]:
    """An optional YYYY-MM-DD date (YAML reads it as a date already)."""
    if raw is None or isinstance(raw, dt.date):
        return raw
    try:
        return dt.date.fromisoformat(str(raw))
    except ValueError:
        col.error(path, "not a date (YYYY-MM-DD)")
        return None


_ENTRY_FIELDS = {
    "id", "kind", "area", "names", "synonyms", "summary", "details", "steps", "contact",
    "hours", "items", "links", "related", "sources", "verified", "uncertain", "contact_from", "provided_by",
    "valid_from", "valid_until", "checklist", "uncertain_about", "without", "when_closed", "ages",
}


def _parse_ages(col: _Collector, raw: Any, path: str) -> Optional[Tuple[int, int]]:
    """An entry's ages of children: two whole numbers of years, the first no greater than the second."""
    if raw is None:
        return None
    if not (isinstance(raw, list) and len(raw) == 2 and all(type(age) is int for age in raw)
            and 0 <= raw[0] <= raw[1] < 30):
        col.error(path, "must be [first, last], two ages in years from 0 to 29, the first no greater")
        return None
    return raw[0], raw[1]


def _parse_checklist(col: _Collector, raw: Any, path: str) -> Dict[str, Dict[str, str]]:
    """An entry's checklist lines: group (or ``all``) -> language -> one line without line breaks."""
    checklist: Dict[str, Dict[str, str]] = {}
    if raw is None:
        return checklist
    if not isinstance(raw, dict):
        col.error(path, f"must map {', '.join(CHECKLIST_KEYS)} to text")
        return checklist
    for key, text in raw.items():
        if key not in CHECKLIST_KEYS:
            col.error(f"{path}.{key}", f"unknown key (use {', '.join(CHECKLIST_KEYS)})")
            continue
        checklist[key] = col.translated(text, f"{path}.{key}")
        for language, line in checklist[key].items():
            if "\n" in line.strip() or len(line) > CHECKLIST_MAX_CHARS:
                col.error(f"{path}.{key}.{language}", f"must be one line of at most {CHECKLIST_MAX_CHARS} characters")
    return checklist


def parse_entry(col: _Collector, raw: Any, index: int) -> Optional[Entry]:
    """Parse one raw entry, recording problems in ``col``.

    Args:
        col: The collector of the file being read.
        raw: The entry as read from YAML.
        index: Its position in the file's ``entries`` list.

    Returns:
        The entry, or None when a required field is unusable.
    """
    if not isinstance(raw, dict):
        col.error(f"entries[{index}]", "must be a mapping")
        return None
    entry_id = raw.get("id")
    path = f"entries[{entry_id}]" if isinstance(entry_id, str) else f"entries[{index}]"
    before = len(col.errors)
    if not isinstance(entry_id, str) or not _ID_RE.match(entry_id):
        col.error(f"{path}.id", "missing or not a snake_case id")
    for key in raw:
        if key not in _ENTRY_FIELDS:
            col.error(f"{path}.{key}", "unknown field")
    kind = raw.get("kind")
    if kind not in KINDS:
        col.error(f"{path}.kind", f"must be one of {', '.join(KINDS)}")
    area = raw.get("area")
    if area not in AREAS:
        col.error(f"{path}.area", f"must be one of {', '.join(AREAS)}")
    names = col.translated(raw.get("names"), f"{path}.names")
    summary = col.translated(raw.get("summary"), f"{path}.summary")
    details = col.translated(raw.get("details"), f"{path}.details", required=False)
    uncertain = col.translated(raw.get("uncertain"), f"{path}.uncertain", required=False)
    uncertain_about = col.string_list(raw.get("uncertain_about"), f"{path}.uncertain_about")
    for part in uncertain_about:
        if part not in UNCERTAIN_PARTS:
            col.error(f"{path}.uncertain_about", f"unknown part {part!r}: one of {', '.join(UNCERTAIN_PARTS)}")
    if uncertain_about and not uncertain:
        col.error(f"{path}.uncertain_about", "without an uncertain note")

    synonyms: Dict[str, Tuple[str, ...]] = {}
    raw_synonyms = raw.get("synonyms") or {}
    if not isinstance(raw_synonyms, dict):
        col.error(f"{path}.synonyms", "must map language codes to lists")
    else:
        for language, values in raw_synonyms.items():
            if language not in col.languages:
                col.error(f"{path}.synonyms.{language}", "unknown language")
                continue
            synonyms[language] = tuple(v.lower() for v in col.string_list(values, f"{path}.synonyms.{language}"))

    steps: Dict[str, Dict[str, str]] = {}
    raw_steps = raw.get("steps")
    if raw_steps is not None:
        if not isinstance(raw_steps, dict):
            col.error(f"{path}.steps", "must map citizen groups to text")
        else:
            for group, text in raw_steps.items():
                if group not in CITIZEN_GROUPS:
                    col.error(f"{path}.steps.{group}", f"unknown group (use {', '.join(CITIZEN_GROUPS)})")
                    continue
                steps[group] = col.translated(text, f"{path}.steps.{group}")

    checklist = _parse_checklist(col, raw.get("checklist"), f"{path}.checklist")

    links: List[Link] = []
    raw_links = raw.get("links")
    if not isinstance(raw_links, list) or not raw_links:
        col.error(f"{path}.links", "needs at least one link (the official page)")
    else:
        for link_index, raw_link in enumerate(raw_links):
            link_path = f"{path}.links[{link_index}]"
            if not isinstance(raw_link, dict):
                col.error(link_path, "must be a mapping with url and title")
                continue
            url = col.url(raw_link.get("url"), f"{link_path}.url")
            title = col.translated(raw_link.get("title"), f"{link_path}.title")
            if url:
                links.append(Link(url=url, title=title))

    sources = col.string_list(raw.get("sources"), f"{path}.sources")
    if not sources:
        col.error(f"{path}.sources", "needs at least one source URL")
    for source_index, source in enumerate(sources):
        if not _URL_RE.match(source):
            col.error(f"{path}.sources[{source_index}]", f"not a valid http(s) URL: {source!r}")

    verified = raw.get("verified")
    if isinstance(verified, str):
        try:
            verified = dt.date.fromisoformat(verified)
        except ValueError:
            verified = None
    if not isinstance(verified, dt.date):
        col.error(f"{path}.verified", "missing or not a date (YYYY-MM-DD)")

    period = {name: _parse_date(col, raw.get(name), f"{path}.{name}") for name in ("valid_from", "valid_until")}
    if period["valid_from"] and period["valid_until"] and period["valid_from"] > period["valid_until"]:
        col.error(f"{path}.valid_until", "is before valid_from")

    contact = _parse_contact(col, raw.get("contact"), f"{path}.contact")
    contact_from = col.text(raw.get("contact_from"), f"{path}.contact_from", required=False)
    if contact is not None and contact_from:
        col.error(f"{path}.contact_from", "an entry has either its own contact or contact_from, not both")
    provided_by = col.text(raw.get("provided_by"), f"{path}.provided_by", required=False)
    when_closed = col.text(raw.get("when_closed"), f"{path}.when_closed", required=False)
    without: Dict[str, str] = {}
    raw_without = raw.get("without") or {}
    if not isinstance(raw_without, dict) or not all(
            isinstance(key, str) and isinstance(value, str) for key, value in raw_without.items()):
        col.error(f"{path}.without", "must map an entry id to an entry id")
    else:
        without = dict(raw_without)
    ages = _parse_ages(col, raw.get("ages"), f"{path}.ages")
    hours = _parse_hours(col, raw.get("hours"), f"{path}.hours")
    items = col.string_list(raw.get("items"), f"{path}.items")
    related = col.string_list(raw.get("related"), f"{path}.related")
    if kind in ("list", "area") and not items:
        col.error(f"{path}.items", f"a {kind} entry needs items")
    # An entry with details, steps or a caveat also shows "More details" (bot/answers.py), which
    # takes one of the buttons: a longer list would lose its last button without a word.
    room = MAX_BUTTONS - 1 if (details or steps or uncertain) else MAX_BUTTONS
    for name, ids in (("items", items), ("related", related)):
        if len(ids) > room:
            col.error(f"{path}.{name}", f"{len(ids)} entries: an answer shows at most {MAX_BUTTONS} buttons"
                      + (", one of them 'More details'" if room < MAX_BUTTONS else ""))

    if len(col.errors) > before and (
        not isinstance(entry_id, str) or not names or not summary or not links or not isinstance(verified, dt.date)
    ):
        return None
    return Entry(
        id=str(entry_id),
        kind=str(kind),
        area=str(area),
        names=names,
        synonyms=synonyms,
        summary=summary,
        details=details,
        steps=steps,
        checklist=checklist,
        contact=contact,
        hours=hours,
        items=items,
        links=tuple(links),
        related=related,
        sources=sources,
        verified=verified,  # type: ignore[arg-type]
        uncertain=uncertain,
        uncertain_about=tuple(uncertain_about),
        contact_from=contact_from,
        provided_by=provided_by,
        without=without,
        when_closed=when_closed,
        ages=ages,
        valid_from=period["valid_from"],
        valid_until=period["valid_until"],
        file=col.file,
    )


#: ``{phone:siri}``, ``{phone:tax_agency.students}``, ``{email:ihnd}``: a contact detail of another
#: entry, written into running text, so that every phone number and e-mail exists only once.
PLACEHOLDER_RE = re.compile(r"\{(phone|email):([a-z][a-z0-9_]*)(?:\.([a-z][a-z0-9_]*))?\}")


def translated_texts(entry: Entry) -> List[Tuple[str, str]]:
    """Every running text of an entry, as ``(path, text)`` pairs."""
    texts = []
    for name in ("summary", "details", "uncertain"):
        for language, text in getattr(entry, name).items():
            texts.append((f"{name}.{language}", text))
    for group, by_language in entry.steps.items():
        for language, text in by_language.items():
            texts.append((f"steps.{group}.{language}", text))
    for key, by_language in entry.checklist.items():
        for language, text in by_language.items():
            texts.append((f"checklist.{key}.{language}", text))
    return texts


def resolve_placeholder(entries: Mapping[str, Entry], kind: str, ref: str, line: Optional[str]) -> Optional[str]:
    """The phone number or e-mail a placeholder stands for, or None."""
    entry = entries.get(ref)
    if entry is None or entry.contact is None:
        return None
    if kind == "email":
        return entry.contact.email if not line else None
    return entry.contact.lines.get(line) if line else entry.contact.phone


def expand_placeholders(text: str, entries: Mapping[str, Entry]) -> str:
    """Replace contact placeholders in a text by the current values."""
    return PLACEHOLDER_RE.sub(
        lambda m: resolve_placeholder(entries, m.group(1), m.group(2), m.group(3)) or m.group(0), text
    )


def check_references(entries: Mapping[str, Entry]) -> List[ContentError]:
    """Check that ``related`` and ``items`` name existing entries, and synonyms are unique.

    Args:
        entries: All entries, by id.

    Returns:
        The problems found.
    """
    errors = []
    owner: Dict[Tuple[str, str], str] = {}
    for entry in entries.values():
        if entry.contact_from:
            target = entries.get(entry.contact_from)
            if target is None or target.contact is None:
                errors.append(ContentError(entry.file, f"entries[{entry.id}].contact_from",
                                           f"unknown id or entry without contact: {entry.contact_from!r}"))
        if entry.provided_by:
            provider = entries.get(entry.provided_by)
            if provider is None or provider.kind != "organisation" or provider.id == entry.id:
                errors.append(ContentError(entry.file, f"entries[{entry.id}].provided_by",
                                           f"unknown id or not another organisation: {entry.provided_by!r}"))
        if entry.when_closed and (entry.when_closed not in entries or entry.when_closed == entry.id):
            errors.append(ContentError(entry.file, f"entries[{entry.id}].when_closed",
                                       f"unknown id or the entry itself: {entry.when_closed!r}"))
        for needed_id, answer_id in entry.without.items():
            unknown = next((ref for ref in (needed_id, answer_id) if ref not in entries), None)
            if unknown is not None:
                errors.append(ContentError(entry.file, f"entries[{entry.id}].without", f"unknown id: {unknown!r}"))
        for field_name, text in translated_texts(entry):
            for kind, ref, line in PLACEHOLDER_RE.findall(text):
                if resolve_placeholder(entries, kind, ref, line) is None:
                    errors.append(ContentError(entry.file, f"entries[{entry.id}].{field_name}",
                                               f"placeholder {{{kind}:{ref}{'.' + line if line else ''}}} "
                                               "names no entry with that contact detail"))
        for field_name in ("related", "items"):
            for ref in getattr(entry, field_name):
                if ref not in entries:
                    errors.append(ContentError(entry.file, f"entries[{entry.id}].{field_name}", f"unknown id {ref!r}"))
        for language, values in entry.synonyms.items():
            for value in values:
                key = (language, value)
                if key in owner and owner[key] != entry.id:
                    errors.append(
                        ContentError(
                            entry.file,
                            f"entries[{entry.id}].synonyms.{language}",
                            f"synonym {value!r} is also used by {owner[key]!r}",
                        )
                    )
                owner.setdefault(key, entry.id)
    return errors
