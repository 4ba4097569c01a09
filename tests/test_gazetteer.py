"""Dictionary matching of topics, days and kinds of hours."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.nlu.gazetteer import Gazetteer, build_gazetteer, normalise, read_lexicon

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def gazetteer(real_kb):
    return build_gazetteer(real_kb, read_lexicon(ROOT / "data" / "i18n" / "lexicon.yml"))


def found(gazetteer, text):
    return [(m.entity, m.value, m.text) for m in gazetteer.find(text)]


def test_normalise_folds_case_and_diacritics():
    assert normalise("Sundhedskørt") == "sundhedskort"
    assert normalise("ÆBLE") == "aeble"
    assert normalise("Gøteborg") == "goteborg"


def test_topic_day_and_kind_are_found_with_offsets(gazetteer):
    text = "When can I call International House on Friday?"
    matches = gazetteer.find(text)
    assert [(m.entity, m.value) for m in matches] == [("hours_kind", "phone"), ("topic", "ihnd"), ("day", "fri")]
    assert [text[m.start:m.end] for m in matches] == ["call", "International House", "Friday"]


def test_longest_phrase_wins(gazetteer):
    assert found(gazetteer, "what is the eu residence document")[0][:2] == ("topic", "eu_residence")


def test_danish_words_and_one_typo(gazetteer):
    assert found(gazetteer, "skattekort?") == [("topic", "tax_card", "skattekort")]
    assert found(gazetteer, "skatekort?") == [("topic", "tax_card", "skatekort")]
    assert found(gazetteer, "SUNDHEDSKORT") == [("topic", "cpr", "SUNDHEDSKORT")]


def test_short_words_are_not_fuzzy(gazetteer):
    assert found(gazetteer, "hello there") == []


def test_round_trip_through_dict(gazetteer):
    again = Gazetteer.from_dict(gazetteer.to_dict())
    assert again.find("mitid help") == gazetteer.find("mitid help")


def test_the_typo_index_finds_exactly_what_comparing_every_word_finds(gazetteer):
    import random

    from bot.nlu.gazetteer import FUZZY_MIN_LENGTH, _within_one_edit

    singles = [(p[0], t) for p, t in gazetteer.phrases.items() if len(p) == 1 and len(p[0]) >= FUZZY_MIN_LENGTH]
    assert len(singles) > 20
    rng = random.Random(4)
    letters = "abcdefghijklmnopqrstuvwxyzæøå"
    probes = []
    for word, _ in singles:
        i = rng.randrange(len(word))
        probes += [
            word,
            word[:i] + word[i + 1 :],  # deletion
            word[:i] + rng.choice(letters) + word[i:],  # insertion
            word[:i] + rng.choice(letters) + word[i + 1 :],  # substitution
            word[:i] + word[i + 1 : i + 2] + word[i : i + 1] + word[i + 2 :],  # swap
            word[::-1],  # usually no match at all
        ]
    for probe in probes:
        brute = {t for w, t in singles if _within_one_edit(probe, w)}
        expected = brute.pop() if len(brute) == 1 else None
        if len(probe) < FUZZY_MIN_LENGTH:
            expected = None
        assert gazetteer._fuzzy_lookup(probe) == expected, probe


def test_a_false_friend_is_found_and_marked_with_the_languages_it_is_no_match_in(real_kb):
    """"la ce număr sun?" (which number do I call?) got the phone hours of Sunday, 2026-12-07."""
    from bot.nlu.gazetteer import read_false_friends

    lexicon_file = ROOT / "data" / "i18n" / "lexicon.yml"
    friends = read_false_friends(lexicon_file)
    assert "sun" in friends["ro"] and "fri" in friends["da"]
    marked = build_gazetteer(real_kb, read_lexicon(lexicon_file), friends)
    [day] = marked.find("la ce număr sun?")
    assert (day.entity, day.value, day.text, day.false_friend_in) == ("day", "sun", "sun", ("ro",))
    # The weekday names of every language are no false friends, and the section is no entity type.
    [sunday] = marked.find("pot suna duminică?")[-1:]
    assert (sunday.value, sunday.false_friend_in) == ("sun", ())
    assert "false_friends" not in read_lexicon(lexicon_file)
    again = Gazetteer.from_dict(marked.to_dict())
    assert again.find("la ce număr sun?") == marked.find("la ce număr sun?")


def test_the_language_detector_drops_the_false_friends_of_the_message_language():
    from rasa.shared.nlu.training_data.message import Message

    from bot.nlu.language_detector import LanguageDetector

    component = LanguageDetector({}, None, None, ("en", "ro", "da", "de", "es", "pl", "uk", "ar"))  # type: ignore[arg-type]
    sun = {"entity": "day", "value": "sun", "start": 13, "end": 16, "false_friend_in": ["ro"]}
    phone = {"entity": "hours_kind", "value": "phone", "start": 0, "end": 2}
    romanian = Message(data={"text": "pe cine sun? vreau numărul de telefon al lor", "entities": [sun, phone]})
    component.process([romanian])
    assert [(e["entity"], e["value"]) for e in romanian.get("entities")] == [
        ("hours_kind", "phone"), ("detected_language", "ro")]
    # In English the same word is Sunday.
    sunday = dict(sun, start=20, end=23)
    english = Message(data={"text": "are you open on the sun afternoon this week?", "entities": [sunday]})
    component.process([english])
    assert [(e["entity"], e["value"]) for e in english.get("entities")] == [("day", "sun"), ("detected_language", "en")]


def test_a_malformed_false_friends_section_is_a_clear_error(tmp_path):
    from bot.nlu.gazetteer import read_false_friends

    lexicon_file = tmp_path / "lexicon.yml"
    lexicon_file.write_text("false_friends:\n  ro: sun\n", encoding="utf-8")
    with pytest.raises(ValueError, match="false_friends must map language codes to lists of words"):
        read_false_friends(lexicon_file)
    lexicon_file.write_text("day: {}\n", encoding="utf-8")
    assert read_false_friends(lexicon_file) == {}


@pytest.mark.parametrize("text", [
    "hvad koster en dagsbillet til aalborg zoo?",
    "cuánto cuesta entrar al zoo de aalborg con niños",
    "ile kosztuje bilet do zoo w aalborgu",
    "скільки коштує квиток в ольборзький зоопарк",
    "كم سعر تذكرة حديقة حيوان ألبورغ",
])
def test_the_zoos_own_name_is_not_the_diversity_evening(gazetteer, text):
    """A ticket for an ordinary day at the zoo was answered with the evening held there (round 25, 2026-12-07)."""
    assert "diversity_evening" not in [value for entity, value, _ in found(gazetteer, text) if entity == "topic"]


def test_the_evening_at_the_zoo_is_still_the_diversity_evening(gazetteer):
    topics = [value for entity, value, _ in found(gazetteer, "hvornår er der aften i aalborg zoo for udlændinge?")
              if entity == "topic"]
    assert topics == ["diversity_evening"]


def test_arabic_in_latin_letters_names_the_danish_lessons_and_the_yellow_card(gazetteer):
    """"3ayza at3allem danish, a3mel eh?" (I want to learn Danish, what do I do?) was read as a request
    to answer in Danish, and "el kart el asfar" (the yellow card) named nothing (2026-12-07)."""
    topics = [(m.value, m.text) for m in gazetteer.find("3ayza at3allem danish, a3mel eh?") if m.entity == "topic"]
    assert topics == [("danish_lessons", "at3allem danish")]
    topics = [(m.value, m.text) for m in gazetteer.find("el kart el asfar mawsalsh lessa") if m.entity == "topic"]
    assert topics == [("cpr", "el kart el asfar")]


@pytest.mark.parametrize(("text", "expected"), [
    ("خلص طلعنا رقم الـCPR لي ولمرتي", [("cpr", "CPR")]),
    ("شو بيعملو بالborgerservice بالزبط؟", [("borgerservice", "borgerservice")]),
    ("بدي سجل بنتي للvuggestue", [("daycare", "vuggestue")]),
])
def test_a_latin_name_with_an_arabic_article_or_preposition_written_onto_it_is_found(gazetteer, text, expected):
    """Arabic writes "the", "with", "to" onto the next word, a Latin one too: "رقم الـCPR" named nothing."""
    assert [(m.value, m.text) for m in gazetteer.find(text) if m.entity == "topic"] == expected


def test_the_arabic_family_doctor_of_everyday_speech_is_found(gazetteer):
    """"كيف منختار دكتور عيلة قريب من البيت؟" (how do we choose a family doctor near home?)."""
    topics = [m.value for m in gazetteer.find("كيف منختار دكتور عيلة قريب من البيت؟") if m.entity == "topic"]
    assert topics == ["family_doctor"]


def test_the_topic_model_reads_a_latin_word_apart_from_the_arabic_written_onto_it():
    from bot.nlu.topic_model import normalise_text

    assert normalise_text("رقم الـCPR وبالborgerservice") == "رقم الـ cpr وبال borgerservice"
    assert normalise_text("Sundhedskørt 3ayza") == "sundhedskort 3ayza"
