"""The first bubble's sentences (bot/answer_parts.py): the summary, or the detail the question asks about."""

from __future__ import annotations

import datetime as dt

from bot.answer_parts import split_entry, stems
from bot.content.schema import Entry


def entry(summary: str, details: str, synonyms=("tax card",)) -> Entry:
    return Entry(id="tax_card", kind="topic", area="newcomers", names={"en": "Tax card"},
                 synonyms={"en": tuple(synonyms)}, summary={"en": summary}, details={"en": details},
                 links=(), sources=("https://example.org",), verified=dt.date(2026, 12, 5))


TAX = entry(
    "Apply for your tax card online. Without one, 55% of your pay is withheld.",
    "The card is ready within two weeks. At the desk, bring photo ID and your employment contract. "
    "Students have their own phone line.",
)


def test_without_a_question_the_first_bubble_is_the_summary_and_the_details_wait():
    parts = split_entry(TAX, "en")
    assert parts.first == ("Apply for your tax card online.", "Without one, 55% of your pay is withheld.")
    assert parts.rest == ("The card is ready within two weeks.",
                          "At the desk, bring photo ID and your employment contract.",
                          "Students have their own phone line.")


def test_a_question_about_a_detail_shows_the_summary_opening_and_that_detail():
    parts = split_entry(TAX, "en", "what should I bring to the desk? my contract?")
    assert parts.first == ("Apply for your tax card online.",
                           "At the desk, bring photo ID and your employment contract.")
    assert parts.rest == ("Without one, 55% of your pay is withheld.", "The card is ready within two weeks.",
                          "Students have their own phone line.")


def test_the_topics_own_name_does_not_pick_a_detail():
    # "card" is part of the entry's synonym: it says which topic, not which part of it.
    assert split_entry(TAX, "en", "how do I get my tax card?").first == split_entry(TAX, "en").first


def test_a_detail_must_share_more_words_with_the_question_than_the_summary_does():
    # "withheld" is in the summary: the summary already answers.
    assert split_entry(TAX, "en", "how much is withheld from students?").first == split_entry(TAX, "en").first


def test_stems_ignore_stop_words_short_words_digits_and_diacritics():
    assert stems("Hvornår får jeg mit skattekort i 2026?", "da") == {"skatt"}  # "hvornår" is a stop word
    assert stems("Registrierung für Studenten", "de") == stems("registrierung fur studenten", "de")
