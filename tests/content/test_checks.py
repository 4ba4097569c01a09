"""The wording rules of ``python -m bot.content validate`` (bot/content/checks.py)."""

from __future__ import annotations

import dataclasses
import datetime as dt

from bot.content.checks import (
    check,
    period_findings,
    placeholder_findings,
    separator_findings,
    stop_word_findings,
    summary_findings,
    term_findings,
)
from bot.content.sentences import sentences


def entry_with(real_kb, **changes):
    return dataclasses.replace(real_kb.get("cpr"), **changes)


def test_the_real_content_passes_every_rule(real_kb):
    findings = check(real_kb.entries, real_kb.languages, dt.date(2026, 12, 4))
    assert findings["errors"] == []


def test_validity_period_warns_thirty_days_before_and_fails_after(real_kb):
    entry = entry_with(real_kb, valid_until=dt.date(2026, 12, 31))
    assert period_findings([entry], dt.date(2026, 11, 30)) == ([], [])
    warnings, errors = period_findings([entry], dt.date(2026, 12, 1))
    assert [str(w).split(": ", 2)[-1] for w in warnings] == ["the period ends on 2026-12-31, in 30 days"]
    assert errors == []
    warnings, errors = period_findings([entry], dt.date(2027, 1, 1))
    assert warnings == []
    assert [e.message for e in errors] == ["the period ended on 2026-12-31: update the entry or its period"]


def test_separators_follow_the_language(real_kb):
    entry = entry_with(real_kb, summary={"en": "A photo of 3.5 x 4.5 cm costs 1,000 kroner.",
                                         "pl": "Zdjęcie 3.5 x 4,5 cm, 1 000 koron, 2.500 osób, godz. 08.30.",
                                         "da": "Fra kl. 09.00 til 15.00; 3,5 cm; 12.000 ansatte; 1,000 kr."})
    messages = sorted(finding.message for finding in separator_findings([entry], ["en", "pl", "da"]))
    assert messages == [
        "'1,000': thousands are separated with '.' or a space in da",
        "'2.500': thousands are separated with '\\xa0' or a space in pl",
        "'3.5': the decimal separator in pl is ','",
    ]


def test_one_danish_term_and_no_bare_question_mark(real_kb):
    entry = entry_with(real_kb, details={"de": "Ein EU-Aufenthaltsdokument (opholdsbevis).",
                                         "da": "Et EU-opholdsdokument (registreringsbevis) (?)"})
    assert sorted(f.message for f in term_findings([entry])) == [
        "says 'opholdsbevis': the answers call it 'EU-opholdsdokument'",
        "says 'registreringsbevis': the answers call it 'EU-opholdsdokument'",
    ]
    assert [f.path for f in placeholder_findings([entry])] == ["entries[cpr].details.da"]


def test_a_summary_longer_than_two_sentences_fails_in_any_language(real_kb):
    entry = entry_with(real_kb, summary={
        "en": "Apply online, e.g. on borger.dk. It takes 2 weeks.",
        "de": "Die Charta wurde am 27. Mai 1994 verabschiedet, z. B. von Aalborg. Mit ihr begann es.",
        "da": "Kontoret ligger på 2. sal. Det har åbent i dag. Ring først.",
        "ar": "قدّم عبر الإنترنت. يستغرق ذلك أسبوعين. احضر جواز سفرك.",
        "pl": "To jest " + "bardzo " * 70 + "długie.",
    })
    findings = summary_findings([entry])
    assert [(f.path, f.message) for f in findings] == [
        ("entries[cpr].summary.da", "3 sentences: the first bubble has at most 2; move the rest to details"),
        ("entries[cpr].summary.ar", "3 sentences: the first bubble has at most 2; move the rest to details"),
        ("entries[cpr].summary.pl", "505 characters: the first bubble has at most 450; move the rest to details"),
    ]
    assert set(findings) <= set(check({"cpr": entry}, ["en"], dt.date(2026, 12, 4))["errors"])


def test_sentences_are_split_at_their_ends_only():
    assert sentences("Apply online, e.g. at https://skat.dk/A.B. It takes 2 weeks! Why? [Life in DK. Tax](https://x.dk/A.B)",
                     "en") == ["Apply online, e.g. at https://skat.dk/A.B.", "It takes 2 weeks!", "Why?",
                               "[Life in DK. Tax](https://x.dk/A.B)"]
    assert sentences("Am 4. August 1987 unterschrieben. Sie sitzt im 2. Stock.", "de") == [
        "Am 4. August 1987 unterschrieben.", "Sie sitzt im 2. Stock."]
    assert sentences("It opened in 1994. Today it is big.", "en") == ["It opened in 1994.", "Today it is big."]
    # An Arabic word ending in a letter after a combining mark (tanween) is not a one-letter abbreviation.
    assert sentences("لا تحتاج إلى رقم CPR أولًا. وإذا لم يكن لديك.", "ar") == [
        "لا تحتاج إلى رقم CPR أولًا.", "وإذا لم يكن لديك."]
    assert sentences("Fragen Sie z. B. Frau J. Smith. Sie hilft.", "de") == [
        "Fragen Sie z. B. Frau J. Smith.", "Sie hilft."]


def test_a_synonym_that_is_a_common_word_somewhere_fails(real_kb):
    entry = entry_with(real_kb, synonyms={"en": ("cpr number", "er"), "de": ("und",)})
    assert [(f.path, f.message) for f in stop_word_findings([entry], ["en", "da", "de"])] == [
        ("entries[cpr].synonyms.en", "'er' is a common word in da: it would match everywhere"),
        ("entries[cpr].synonyms.de", "'und' is a common word in de: it would match everywhere"),
    ]
