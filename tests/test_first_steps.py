"""The first-steps checklist's logic (bot/first_steps.py), without a Rasa server."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from bot import citizenship
from bot import first_steps as fs
from bot.content import get_knowledge_base
from bot.content.checks import checklist_findings
from bot.i18n import translate
from bot.settings import get_settings

COMMON = ["cpr", "tax_card", "mitid", "nemkonto", "digital_post", "danish_lessons"]


def test_the_order_for_every_group_and_reason():
    stay = {"nordic": "getting_started", "eu": "eu_residence", "non_eu": "residence_permit"}
    programme = {"work": "culture_companions", "study": "culture_companions", "family": "spouse_space",
                 "job_seeking": "job_search_seminar"}
    for group in fs.GROUPS:
        for reason in fs.REASONS:
            assert fs.plan(group, reason) == [stay[group], *COMMON, programme[reason]]


def test_unknown_answers_are_refused():
    with pytest.raises(ValueError, match="unknown citizenship group 'martian'"):
        fs.plan("martian", "work")
    with pytest.raises(ValueError, match="unknown reason 'holiday'"):
        fs.plan("eu", "holiday")


def test_every_step_has_its_line_in_every_language():
    kb = get_knowledge_base()
    assert checklist_findings(kb.entries) == []
    for group in fs.GROUPS:
        for entry_id in fs.plan(group, "work"):
            for language in get_settings().languages:
                line = fs.checklist_line(kb, entry_id, group, language)
                assert line and "\n" not in line and len(line) <= 200, (entry_id, language, line)


def test_the_validator_names_a_step_without_a_line():
    kb = get_knowledge_base()
    entries = dict(kb.entries)
    entries["mitid"] = dataclasses.replace(entries["mitid"], checklist={})
    findings = checklist_findings(entries)
    assert [(f.path, f.message) for f in findings] == [
        ("entries[mitid].checklist", f"needs a line for {group!r} (or 'all'): it is a step of the checklist")
        for group in fs.GROUPS
    ]


def test_pages_of_three_with_a_next_button_until_the_end():
    kb = get_knowledge_base()
    reply, nxt = fs.checklist_page(kb, "eu", "family", 0, "da")
    lines = reply.text.split("\n")
    assert lines[0] == translate("first_steps_heading", "da", first=1, last=3, total=8)
    assert lines[1] == "1. " + kb.get("eu_residence").checklist["eu"]["da"]
    assert lines[3] == "3. " + kb.get("tax_card").checklist["all"]["da"]
    assert lines[4] == translate("first_steps_more", "da")
    assert [b.payload for b in reply.buttons] == ['/ask_topic{"topic":"eu_residence"}', '/ask_topic{"topic":"cpr"}',
                                                  '/ask_topic{"topic":"tax_card"}', "/next_step"]
    assert nxt == 3
    reply, nxt = fs.checklist_page(kb, "eu", "family", 6, "da")
    assert reply.text.split("\n")[1:] == ["7. " + kb.get("danish_lessons").checklist["all"]["da"],
                                          "8. " + kb.get("spouse_space").checklist["all"]["da"],
                                          translate("first_steps_done", "da")]
    assert "/next_step" not in [b.payload for b in reply.buttons]
    assert nxt == 8
    again, _ = fs.checklist_page(kb, "eu", "family", 8, "da")  # past the end: from the top
    assert again.text.split("\n")[1].startswith("1. ")


def test_the_questions_offer_every_answer_as_a_button():
    reply = fs.group_question("pl")
    assert reply.text == translate("first_steps_ask_group", "pl")
    assert [b.payload for b in reply.buttons] == [
        '/ask_topic{"topic":"getting_started","citizenship_group":"nordic"}',
        '/ask_topic{"topic":"getting_started","citizenship_group":"eu"}',
        '/ask_topic{"topic":"getting_started","citizenship_group":"non_eu"}']
    assert [b.payload for b in fs.reason_question("ar").buttons] == [
        f'/ask_topic{{"topic":"getting_started","arrival_reason":"{reason}"}}' for reason in fs.REASONS]


@pytest.mark.parametrize(("text", "language", "group"), [
    ("I'm from Poland", "en", "eu"),
    ("i am from poland", "en", "eu"),
    ("Jeg kommer fra Sverige", "da", "nordic"),
    ("ich komme aus Österreich", "de", "eu"),
    ("we are from India", "en", "non_eu"),
    ("Ukraine", "uk", "non_eu"),  # the English name is known in every language
    ("an EU citizen, but I lived in Norway", "en", "eu"),  # the group's own words win
    ("not from the EU", "en", "non_eu"),
    ("Switzerland", "es", "eu"),
    ("what are the opening hours?", "en", None),
    ("I'm from Denmark", "en", None),  # a Danish citizen is not asked about a permit at all
])
def test_typed_citizenship(text, language, group):
    assert fs.typed_group(text, language) == group


def test_cldr_groupings_are_not_countries():
    codes = {code for _, code in citizenship.country_names("da")}
    assert {"EU", "EZ", "UN", "ZZ"}.isdisjoint(codes)
    assert {"SE", "PL", "UA", "XK"} <= codes


@pytest.mark.parametrize(("text", "language", "reason"), [
    ("I came to study at AAU", "en", "study"),
    ("my wife got a job here", "en", "family"),
    ("I'm looking for a job", "en", "job_seeking"),
    ("new job at a company in Aalborg", "en", "work"),
    ("what time is it?", "en", None),
])
def test_typed_reason(text, language, reason):
    assert fs.typed_reason(text, language) == reason


def test_every_word_list_exists_in_every_language():
    words = fs.load_words(get_settings().project_dir / "data" / "i18n" / "first_steps.yml")
    for kind, values in (("groups", fs.GROUPS), ("reasons", fs.REASONS)):
        assert sorted(words[kind]) == sorted(values)
        for value in values:
            assert sorted(words[kind][value]) == sorted(get_settings().languages), (kind, value)


def test_a_word_file_with_an_unknown_value_is_refused(tmp_path: Path):
    path = tmp_path / "words.yml"
    path.write_text("groups:\n  martian: {en: [mars]}\n", encoding="utf-8")
    with pytest.raises(ValueError, match="unknown groups: \\['martian'\\]"):
        fs.load_words(path)
