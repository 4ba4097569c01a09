"""The first bubble's sentences (bot/answer_parts.py): the summary, or the detail the question asks about."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.answer_parts import asks_for_a_number, split_entry
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


def test_a_question_about_details_shows_the_two_closest_sentences_in_the_entrys_order():
    parts = split_entry(TAX, "en", "what should I bring to the desk? my contract?")
    assert len(parts.first) == 2 and "At the desk, bring photo ID and your employment contract." in parts.first
    every = split_entry(TAX, "en").first + split_entry(TAX, "en").rest
    assert sorted(parts.first + parts.rest) == sorted(every)
    assert [every.index(text) for text in parts.first] == sorted(every.index(text) for text in parts.first)
    assert [every.index(text) for text in parts.rest] == sorted(every.index(text) for text in parts.rest)


def test_the_topics_own_name_does_not_pick_a_detail():
    # "tax card" is the entry's synonym: it says which topic, not which part of it.
    assert split_entry(TAX, "en", "tax card?").first == split_entry(TAX, "en").first


def test_a_detail_must_be_closer_to_the_question_than_the_summary():
    # "withheld" is in the summary: the summary already answers.
    assert split_entry(TAX, "en", "how much is withheld?").first == split_entry(TAX, "en").first


def test_a_question_for_a_number_prefers_a_sentence_with_a_figure():
    parts = split_entry(TAX, "en", "when is the card ready?")
    assert "The card is ready within two weeks." in parts.first


@pytest.mark.parametrize(("question", "language", "expected"), [
    ("How long does it take?", "en", True),
    ("hvor lang tid tager det", "da", True),
    ("Cât costă?", "ro", True),
    ("cat costa", "ro", True),
    ("Скільки це коштує?", "uk", True),
    ("متى يفتح؟", "ar", True),
    ("Who can help me?", "en", False),
    ("Wer hilft mir?", "de", False),
])
def test_questions_that_ask_for_a_number(question, language, expected):
    assert asks_for_a_number(question, language) is expected


@pytest.mark.parametrize("kind", ["asks_for_a_number", "asks_who_provides", "employer"])
def test_every_language_has_words_for_each_question_kind(kind):
    from bot.answer_parts import _question_words
    from bot.settings import get_settings

    assert set(get_settings().languages) <= {language for language, words in _question_words(kind).items() if words}


@pytest.mark.parametrize(("question", "language", "expected"), [
    ("who actually runs the free danish classes in aalborg", "en", True),
    ("hvem står for de gratis danskkurser i aalborg", "da", True),
    ("welche Behörde ist dafür zuständig?", "de", True),
    ("a que escuela tengo que ir para aprender danes?", "es", True),
    ("Która szkoła w Aalborgu prowadzi kursy?", "pl", True),
    ("а як сама школа називається?", "uk", True),
    ("وشو اسم المدرسة نفسها؟", "ar", True),
    ("ce scoala e asta in aalborg?", "ro", True),
    ("how much does the Danish course cost?", "en", False),
    ("which school will my daughter go to?", "en", True),  # the kind; the entry decides (school has no provider)
    ("where can I learn Danish for free?", "en", False),
])
def test_questions_that_ask_who_provides(question, language, expected):
    from bot.answer_parts import asks_who_provides

    assert asks_who_provides(question, language) is expected


def test_arabic_question_words_are_found_with_the_conjunction_written_onto_them():
    """"وقديش بندفع تقريبا؟" (and how much do we pay?) after the daycare answer fell to the fallback."""
    from bot.answer_parts import asks_for_a_number

    assert asks_for_a_number("وقديش بندفع تقريبا؟", "ar")
    assert asks_for_a_number("وبكم؟", "ar")
    assert not asks_for_a_number("وين المكتب؟", "ar")  # "where": its "و" is no conjunction, nor a number


@pytest.mark.parametrize(("question", "language", "expected"), [
    ("our HR team asks: a new colleague from Kenya arrives next week", "en", True),
    ("I'm from Ghana and start a new job on Monday", "en", False),
    ("vi har lige ansat en tekniker fra Kenya", "da", True),
    ("Jeg er fra Ghana og har fået et job", "da", False),
    ("od marca zatrudniamy spawacza z Kenii, co musi zrobić?", "pl", True),
    ("Jestem z Indii i od lutego pracuję w Aalborgu", "pl", False),
    ("عندنا موظف جديد من كينيا يبدأ الشهر الجاي", "ar", True),
    ("انا مهندسة من البرازيل وببدا شغل الاثنين", "ar", False),
])
def test_messages_written_for_an_employer_about_an_employee(question, language, expected):
    from bot.answer_parts import speaks_for_employer

    assert speaks_for_employer(question, language) is expected


@pytest.mark.parametrize("kind", ["contact_stems", "address_stems"])
def test_every_language_has_parts_of_words_for_contact_and_place(kind):
    from bot.answer_parts import _stems
    from bot.settings import get_settings

    assert set(get_settings().languages) <= {language for language, stems in _stems(kind).items() if stems}


@pytest.mark.parametrize(("question", "language"), [
    ("How do I get in touch with their customer service?", "en"),
    ("Hvad er e-mailadressen til dem?", "da"),
    ("Jak skontaktować się z nimi?", "pl"),
    ("Як зв'язатися з ними?", "uk"),
    ("Cum iau legătura cu ei?", "ro"),
    ("من هو الشخص المسؤول عن هذا؟", "ar"),
])
def test_compounds_and_inflections_ask_for_contact(question, language):
    from bot.answer_parts import asks_for_contact

    assert asks_for_contact(question, language)


def test_a_compound_naming_an_address_asks_for_a_place():
    from bot.answer_parts import asks_for_place

    assert asks_for_place("Wie lautet die Straßenadresse?", "de")
    assert not asks_for_place("Helfen die bei Bewerbungen?", "de")
