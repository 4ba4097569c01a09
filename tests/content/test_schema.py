"""Validation of the content files: every problem is reported as ``file: path: problem``."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, Dict, List, Sequence

import pytest
import yaml

from bot.content.loader import ContentValidationError, KnowledgeBase, load_knowledge_base, read_entries
from bot.content.schema import Address, Contact, ContentError, Hours, Link
from bot.settings import read_languages

PROJECT = Path(__file__).resolve().parents[2]


def minimal_entry(entry_id: str, languages: Sequence[str] = ("en",), **fields: Any) -> Dict[str, Any]:
    """A minimal valid entry; ``fields`` are added or replace the defaults (None removes one)."""
    entry: Dict[str, Any] = {
        "id": entry_id,
        "kind": "topic",
        "area": "newcomers",
        "names": {lang: f"{entry_id} name {lang}" for lang in languages},
        "summary": {lang: f"{entry_id} summary {lang}" for lang in languages},
        "links": [{"url": f"https://example.com/{entry_id}", "title": {lang: "Official page" for lang in languages}}],
        "sources": [f"https://example.com/{entry_id}"],
        "verified": "2026-11-27",
    }
    for key, value in fields.items():
        if value is None:
            entry.pop(key, None)
        else:
            entry[key] = value
    return entry


def write_content(folder: Path, name: str, *entries: Dict[str, Any]) -> Path:
    """Write ``entries`` as a content file ``name`` in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(yaml.safe_dump({"entries": list(entries)}, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def problems(folder: Path, languages: Sequence[str] = ("en",)) -> List[str]:
    """The problems of the content in ``folder``, as ``file: path: problem`` lines."""
    _, errors = read_entries(folder, languages, root=folder)
    return [str(error) for error in errors]


# --- errors -------------------------------------------------------------------------------------


def test_missing_summary_is_reported_and_refused(tmp_path: Path) -> None:
    write_content(tmp_path, "a.yml", minimal_entry("alpha", summary=None))

    entries, errors = read_entries(tmp_path, ("en",), root=tmp_path)

    assert entries == {}
    assert errors == [ContentError("a.yml", "entries[alpha].summary", "missing required field")]
    with pytest.raises(ContentValidationError) as raised:
        load_knowledge_base(tmp_path, ("en",), root=tmp_path)
    assert raised.value.errors == errors
    assert str(raised.value) == (
        "1 problem(s) in the content files:\na.yml: entries[alpha].summary: missing required field"
    )


def test_phone_without_country_code(tmp_path: Path) -> None:
    contact = {"person": "Jane Doe", "phone": "99 31 15 30"}
    write_content(tmp_path, "a.yml", minimal_entry("alpha", contact=contact))

    assert problems(tmp_path) == [
        "a.yml: entries[alpha].contact.phone: phone number must be international, e.g. '+45 99 31 15 30': '99 31 15 30'"
    ]


def test_phone_only_contact_also_reports_empty_contact(tmp_path: Path) -> None:
    write_content(tmp_path, "a.yml", minimal_entry("alpha", contact={"phone": "99 31 15 30"}))

    assert problems(tmp_path) == [
        "a.yml: entries[alpha].contact.phone: phone number must be international, "
        "e.g. '+45 99 31 15 30': '99 31 15 30'",
        "a.yml: entries[alpha].contact: a contact needs at least a person, phone, e-mail, address or web address",
    ]


def test_bad_email(tmp_path: Path) -> None:
    contact = {"person": "Jane Doe", "email": "info@ihnd"}
    write_content(tmp_path, "a.yml", minimal_entry("alpha", contact=contact))

    assert problems(tmp_path) == ["a.yml: entries[alpha].contact.email: not a valid e-mail address: 'info@ihnd'"]


def test_bad_link_url(tmp_path: Path) -> None:
    links = [
        {"url": "https://example.com/ok", "title": {"en": "Fine"}},
        {"url": "www.example.com/page", "title": {"en": "No scheme"}},
    ]
    write_content(tmp_path, "a.yml", minimal_entry("alpha", links=links))

    assert problems(tmp_path) == ["a.yml: entries[alpha].links[1].url: not a valid http(s) URL: 'www.example.com/page'"]


def test_bad_source_url(tmp_path: Path) -> None:
    write_content(tmp_path, "a.yml", minimal_entry("alpha", sources=["https://example.com/x", "ftp://example.com/y"]))

    assert problems(tmp_path) == ["a.yml: entries[alpha].sources[1]: not a valid http(s) URL: 'ftp://example.com/y'"]


def test_ip_address_hosts_are_not_valid_urls(tmp_path: Path) -> None:
    # The URL pattern requires a host ending in a dot and letters, so IP addresses and bare
    # host names are refused (the check-links tests therefore use a proxy, see test_cli.py).
    links = [{"url": "http://127.0.0.1:8000/ok", "title": {"en": "Local"}}]
    write_content(tmp_path, "a.yml", minimal_entry("alpha", links=links, sources=["http://localhost/ok"]))

    assert problems(tmp_path) == [
        "a.yml: entries[alpha].links[0].url: not a valid http(s) URL: 'http://127.0.0.1:8000/ok'",
        "a.yml: entries[alpha].sources[0]: not a valid http(s) URL: 'http://localhost/ok'",
    ]


def test_unknown_related_id(tmp_path: Path) -> None:
    write_content(tmp_path, "a.yml", minimal_entry("alpha", related=["beta", "nowhere"]), minimal_entry("beta"))

    assert problems(tmp_path) == ["a.yml: entries[alpha].related: unknown id 'nowhere'"]


def test_unknown_or_own_when_closed_id(tmp_path: Path) -> None:
    write_content(tmp_path, "a.yml", minimal_entry("alpha", when_closed="nowhere"),
                  minimal_entry("beta", when_closed="beta"), minimal_entry("gamma", when_closed="alpha"))

    assert problems(tmp_path) == [
        "a.yml: entries[alpha].when_closed: unknown id or the entry itself: 'nowhere'",
        "a.yml: entries[beta].when_closed: unknown id or the entry itself: 'beta'",
    ]


def test_unknown_items_id(tmp_path: Path) -> None:
    write_content(tmp_path, "a.yml", minimal_entry("menu", kind="list", items=["beta", "ghost"]), minimal_entry("beta"))

    assert problems(tmp_path) == ["a.yml: entries[menu].items: unknown id 'ghost'"]


def test_missing_translation(tmp_path: Path) -> None:
    write_content(tmp_path, "a.yml", minimal_entry("alpha", languages=("en",)))

    assert problems(tmp_path, ("en", "da")) == [
        "a.yml: entries[alpha].names.da: missing translation",
        "a.yml: entries[alpha].summary.da: missing translation",
        "a.yml: entries[alpha].links[0].title.da: missing translation",
    ]
    assert problems(tmp_path, ("en",)) == []


def test_unknown_language(tmp_path: Path) -> None:
    write_content(tmp_path, "a.yml", minimal_entry("alpha", languages=("en", "da")))

    assert problems(tmp_path, ("en",)) == [
        "a.yml: entries[alpha].names.da: unknown language (supported: en)",
        "a.yml: entries[alpha].summary.da: unknown language (supported: en)",
        "a.yml: entries[alpha].links[0].title.da: unknown language (supported: en)",
    ]


def test_duplicate_id_across_files(tmp_path: Path) -> None:
    write_content(tmp_path, "a.yml", minimal_entry("alpha"))
    write_content(tmp_path, "b.yml", minimal_entry("alpha", summary={"en": "Another alpha"}))

    entries, errors = read_entries(tmp_path, ("en",), root=tmp_path)

    assert [str(error) for error in errors] == ["b.yml: entries[alpha].id: duplicate id (also in a.yml)"]
    assert list(entries) == ["alpha"]
    assert entries["alpha"].file == "a.yml"
    assert entries["alpha"].summary == {"en": "alpha summary en"}


def test_duplicate_synonym_across_entries(tmp_path: Path) -> None:
    write_content(tmp_path, "a.yml", minimal_entry("alpha", synonyms={"en": ["shared word", "alpha"]}))
    write_content(tmp_path, "b.yml", minimal_entry("beta", synonyms={"en": ["beta", "Shared Word"]}))

    assert problems(tmp_path) == ["b.yml: entries[beta].synonyms.en: synonym 'shared word' is also used by 'alpha'"]


def test_invalid_yaml_reports_line(tmp_path: Path) -> None:
    (tmp_path / "a.yml").write_text(
        "entries:\n  - id: alpha\n    names: {en: [unclosed\n    kind: topic\n", encoding="utf-8"
    )

    entries, errors = read_entries(tmp_path, ("en",), root=tmp_path)

    assert entries == {}
    assert [str(error) for error in errors] == ["a.yml: line 4: invalid YAML: expected ',' or ']', but got ':'"]


def test_invalid_yaml_does_not_hide_other_files(tmp_path: Path) -> None:
    (tmp_path / "a.yml").write_text("entries:\n  - id: [\n", encoding="utf-8")
    write_content(tmp_path, "b.yml", minimal_entry("beta", related=["gamma"]))

    entries, errors = read_entries(tmp_path, ("en",), root=tmp_path)

    assert list(entries) == ["beta"]
    assert [str(error) for error in errors] == [
        "a.yml: line 3: invalid YAML: expected the node content, but found '<stream end>'",
        "b.yml: entries[beta].related: unknown id 'gamma'",
    ]


def test_start_after_end_time_range(tmp_path: Path) -> None:
    hours = {"desk": {"mon": ["15:00-08:30"], "tue": ["08:30-15:00"]}}
    write_content(tmp_path, "a.yml", minimal_entry("alpha", hours=hours))

    assert problems(tmp_path) == ["a.yml: entries[alpha].hours.desk.mon[0]: start must be before end: '15:00-08:30'"]


def test_malformed_time_range(tmp_path: Path) -> None:
    hours = {"phone": {"mon": ["8:30-15:00"]}}
    write_content(tmp_path, "a.yml", minimal_entry("alpha", hours=hours))

    assert problems(tmp_path) == [
        "a.yml: entries[alpha].hours.phone.mon[0]: time range must look like '08:30-15:00': '8:30-15:00'"
    ]


def test_unknown_weekday(tmp_path: Path) -> None:
    hours = {"desk": {"mon": ["08:30-15:00"], "funday": []}}
    write_content(tmp_path, "a.yml", minimal_entry("alpha", hours=hours))

    assert problems(tmp_path) == [
        "a.yml: entries[alpha].hours.desk.funday: unknown weekday (use mon, tue, wed, thu, fri, sat, sun)"
    ]


def test_unknown_uncertain_day(tmp_path: Path) -> None:
    hours = {"desk": {"mon": []}, "uncertain_days": ["monday"]}
    write_content(tmp_path, "a.yml", minimal_entry("alpha", hours=hours))

    assert problems(tmp_path) == ["a.yml: entries[alpha].hours.uncertain_days: unknown weekday 'monday'"]


def test_list_entry_without_items(tmp_path: Path) -> None:
    write_content(tmp_path, "a.yml", minimal_entry("menu", kind="list"))

    assert problems(tmp_path) == ["a.yml: entries[menu].items: a list entry needs items"]


def test_bad_kind_area_and_id(tmp_path: Path) -> None:
    write_content(tmp_path, "a.yml", minimal_entry("Bad-Id", kind="page", area="everything"))

    assert problems(tmp_path) == [
        "a.yml: entries[Bad-Id].id: missing or not a snake_case id",
        "a.yml: entries[Bad-Id].kind: must be one of organisation, topic, programme, list, area",
        "a.yml: entries[Bad-Id].area: must be one of newcomers, business, cooperation",
    ]


def test_unknown_field_and_missing_links(tmp_path: Path) -> None:
    write_content(tmp_path, "a.yml", minimal_entry("alpha", links=None, colour="blue"))

    assert problems(tmp_path) == [
        "a.yml: entries[alpha].colour: unknown field",
        "a.yml: entries[alpha].links: needs at least one link (the official page)",
    ]


def test_bad_verified_string(tmp_path: Path) -> None:
    write_content(tmp_path, "a.yml", minimal_entry("alpha", verified="27/11/2026"))

    assert problems(tmp_path) == ["a.yml: entries[alpha].verified: missing or not a date (YYYY-MM-DD)"]


def test_file_without_entries_list(tmp_path: Path) -> None:
    (tmp_path / "a.yml").write_text("entry:\n  id: alpha\n", encoding="utf-8")

    assert problems(tmp_path) == ["a.yml: entries: the file must have a top-level 'entries' list"]


def test_empty_folder(tmp_path: Path) -> None:
    _, errors = read_entries(tmp_path, ("en",))

    assert [str(error) for error in errors] == [f"{tmp_path}: -: no content files (*.yml) found"]


def test_every_problem_is_collected(tmp_path: Path) -> None:
    write_content(
        tmp_path,
        "a.yml",
        minimal_entry("alpha", contact={"person": "Jane Doe", "email": "jane(at)example.com"}),
        minimal_entry("menu", kind="list", related=["missing_one"]),
    )

    assert problems(tmp_path) == [
        "a.yml: entries[alpha].contact.email: not a valid e-mail address: 'jane(at)example.com'",
        "a.yml: entries[menu].items: a list entry needs items",
        "a.yml: entries[menu].related: unknown id 'missing_one'",
    ]


def test_impossible_unquoted_date_is_reported_not_raised(tmp_path: Path) -> None:
    text = yaml.safe_dump({"entries": [minimal_entry("alpha")]}, sort_keys=False)
    (tmp_path / "a.yml").write_text(text.replace("verified: '2026-11-27'", "verified: 2026-02-30"), encoding="utf-8")

    assert problems(tmp_path) == ["a.yml: entries[alpha].verified: missing or not a date (YYYY-MM-DD)"]


# --- valid content ------------------------------------------------------------------------------


def test_valid_file_is_parsed(tmp_path: Path) -> None:
    full = minimal_entry(
        "ihnd_test",
        kind="organisation",
        synonyms={"en": ["IHND Test", "house"]},
        details={"en": "Longer text."},
        steps={"eu": {"en": "EU steps."}},
        contact={
            "person": "Jane Doe",
            "role": {"en": "Consultant"},
            "phone": "+45 99 31 15 30",
            "email": "info@ihnd.dk",
            "address": {
                "street": "Rantzausgade 4",
                "floor": {"en": "1st floor"},
                "postcode": "9000",
                "city": "Aalborg",
            },
            "web": "https://ihnd.dk",
        },
        hours={
            "desk": {"mon": ["12:00-15:00", "08:30-11:00"], "tue": [], "fri": ["08:30-24:00"]},
            "phone": {"wed": ["09:00-12:00"]},
            "holidays": ["10:00-14:00"],
            "uncertain_days": ["fri"],
        },
        related=["other"],
        uncertain={"en": "Not confirmed."},
    )
    write_content(tmp_path, "a.yml", full, minimal_entry("other", kind="list", area="business", items=["ihnd_test"]))

    kb = load_knowledge_base(tmp_path, ("en",), root=tmp_path)

    assert isinstance(kb, KnowledgeBase)
    assert len(kb) == 2
    assert [entry.id for entry in kb] == ["ihnd_test", "other"]
    assert kb.languages == ("en",)
    assert kb.get(None) is None
    assert kb.get("nope") is None
    entry = kb.get("ihnd_test")
    assert entry is not None
    assert entry.file == "a.yml"
    assert entry.kind == "organisation"
    assert entry.area == "newcomers"
    assert entry.name("en") == "ihnd_test name en"
    assert entry.name("da") == "ihnd_test name en"
    assert entry.synonyms == {"en": ("ihnd test", "house")}
    assert entry.summary == {"en": "ihnd_test summary en"}
    assert entry.details == {"en": "Longer text."}
    assert entry.steps == {"eu": {"en": "EU steps."}}
    assert entry.uncertain == {"en": "Not confirmed."}
    assert entry.verified == dt.date(2026, 11, 27)
    assert entry.links == (Link(url="https://example.com/ihnd_test", title={"en": "Official page"}),)
    assert entry.official_url == "https://example.com/ihnd_test"
    assert entry.sources == ("https://example.com/ihnd_test",)
    assert entry.related == ("other",)
    assert entry.items == ()
    assert entry.contact == Contact(
        person="Jane Doe",
        role={"en": "Consultant"},
        department={},
        phone="+45 99 31 15 30",
        email="info@ihnd.dk",
        address=Address(street="Rantzausgade 4", postcode="9000", city="Aalborg", floor={"en": "1st floor"}),
        web="https://ihnd.dk",
    )
    assert entry.hours == Hours(
        schedules={
            "desk": {
                "mon": ((dt.time(8, 30), dt.time(11, 0)), (dt.time(12, 0), dt.time(15, 0))),
                "tue": (),
                "fri": ((dt.time(8, 30), dt.time(23, 59, 59)),),
            },
            "phone": {"wed": ((dt.time(9, 0), dt.time(12, 0)),)},
        },
        holidays=((dt.time(10, 0), dt.time(14, 0)),),
        uncertain_days=("fri",),
    )
    other = kb.get("other")
    assert other is not None
    assert (other.kind, other.area, other.items) == ("list", "business", ("ihnd_test",))
    assert other.contact is None
    assert other.hours is None


def test_unquoted_yaml_date_and_numeric_postcode(tmp_path: Path) -> None:
    entry = minimal_entry(
        "alpha",
        verified=dt.date(2027, 1, 10),
        contact={"address": {"street": "Boulevarden 13", "postcode": 9000, "city": "Aalborg"}},
        hours={"phone": {"thu": ["09:00-12:00"]}, "holidays": "same"},
    )
    path = write_content(tmp_path, "a.yml", entry)
    assert "verified: 2027-01-10\n" in path.read_text(encoding="utf-8")

    kb = load_knowledge_base(tmp_path, ("en",), root=tmp_path)

    alpha = kb.entries["alpha"]
    assert alpha.verified == dt.date(2027, 1, 10)
    assert alpha.contact is not None
    assert alpha.contact.address == Address(street="Boulevarden 13", postcode="9000", city="Aalborg", floor={})
    assert alpha.hours is not None
    assert alpha.hours.holidays == "same"
    assert alpha.hours.uncertain_days == ()


def test_two_languages_load_when_complete(tmp_path: Path) -> None:
    write_content(tmp_path, "a.yml", minimal_entry("alpha", languages=("en", "da")))

    kb = load_knowledge_base(tmp_path, ("en", "da"), root=tmp_path)

    assert kb.languages == ("en", "da")
    assert kb.entries["alpha"].names == {"en": "alpha name en", "da": "alpha name da"}
    assert kb.entries["alpha"].name("da") == "alpha name da"


def test_real_content_loads_without_errors() -> None:
    entries, errors = read_entries(PROJECT / "data" / "content", read_languages(PROJECT))

    assert [str(error) for error in errors] == []
    for entry_id in ("ihnd", "cpr", "tax_card", "international_cooperation", "invest_in_aalborg", "twin_cities"):
        assert entry_id in entries
    assert entries["cpr"].kind == "topic"
    assert entries["cpr"].area == "newcomers"
    assert entries["tax_card"].contact_from == "tax_agency"
    assert entries["tax_agency"].contact.phone == "+45 72 22 28 92"


def test_real_content_loads_with_relative_cwd_path(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(PROJECT)

    entries, errors = read_entries(Path("data/content"), read_languages(PROJECT))

    assert errors == []
    assert {"ihnd", "cpr", "tax_card", "international_cooperation", "invest_in_aalborg", "twin_cities"} <= set(entries)
    assert entries["ihnd"].file == "data/content/ihnd.yml"


def test_validity_period_and_holiday_rules_are_checked(tmp_path: Path) -> None:
    write_content(
        tmp_path, "a.yml",
        minimal_entry("alpha", valid_from="2027-01-01", valid_until="2026-12-31"),
        minimal_entry("beta", valid_until="end of 2026"),
        minimal_entry("gamma", hours={"desk": {"mon": ["08:30-15:00"]}, "holidays": "maybe",
                                      "special_days": "open"}),
    )
    assert problems(tmp_path) == [
        "a.yml: entries[alpha].valid_until: is before valid_from",
        "a.yml: entries[beta].valid_until: not a date (YYYY-MM-DD)",
        "a.yml: entries[gamma].hours.holidays: must be 'unknown', 'closed', 'same' or a list of time ranges",
        "a.yml: entries[gamma].hours.special_days: must be 'unknown', 'closed', 'same' or a list of time ranges",
    ]


def test_a_caveat_appears_only_in_the_answers_it_concerns(real_kb):
    """Issue 13: IHND's note on its desk hours is not about its phone number; SIRI's is about its lines."""
    from bot.answers import contact_answer, more_answer, topic_answer

    ihnd, siri = real_kb.get("ihnd"), real_kb.get("siri")
    assert ihnd.uncertain_about == () and siri.uncertain_about == ("contact",)
    ihnd_note = ihnd.uncertain["en"].split(";")[0]
    assert ihnd_note not in contact_answer(ihnd, "en", real_kb).text
    # The whole entry's caveat waits for "More details", with the rest of the entry.
    assert ihnd_note not in topic_answer(real_kb, ihnd, "en").text
    assert ihnd_note in more_answer(real_kb, ihnd, "en").text
    siri_card = contact_answer(siri, "en", real_kb).text
    assert siri_card.endswith(f"Check the current information on {siri.official_link('en')}")
    assert "Please note: Sources disagree on the EU line" in siri_card


def test_uncertain_about_names_known_parts_and_needs_a_note(tmp_path: Path) -> None:
    write_content(tmp_path, "a.yml",
                  minimal_entry("alpha", uncertain={"en": "Not confirmed."}, uncertain_about=["contact", "hours"]),
                  minimal_entry("beta", uncertain_about=["address"]))
    assert problems(tmp_path) == [
        "a.yml: entries[alpha].uncertain_about: unknown part 'hours': one of contact, address",
        "a.yml: entries[beta].uncertain_about: without an uncertain note",
    ]


def test_an_entry_with_more_to_show_keeps_a_button_for_more_details(tmp_path: Path) -> None:
    """Issue 13: "More details" takes a button, so ten related entries fit only an entry without details."""
    others = [minimal_entry(f"other{n}") for n in range(10)]
    ids = [entry["id"] for entry in others]
    write_content(tmp_path, "a.yml", *others, minimal_entry("short", related=ids),
                  minimal_entry("long", related=ids, details={"en": "More to read."}))
    assert problems(tmp_path) == [
        "a.yml: entries[long].related: 10 entries: an answer shows at most 10 buttons, one of them 'More details'",
    ]
