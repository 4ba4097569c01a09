"""Ukrainian typed in Latin letters is recognised and written back in Cyrillic; nothing else is."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.nlu.romanised import Romaniser, content_names, is_latin, skeleton
from bot.nlu.training_texts import example_questions, nlu_examples
from bot.settings import read_languages

ROOT = Path(__file__).resolve().parent.parent


def test_the_usual_romanisations_share_the_skeleton_of_the_cyrillic_word():
    assert skeleton("який") == skeleton("yakyi") == skeleton("jakyj") == skeleton("iakyi") == "iaki"
    assert skeleton("хочу") == skeleton("khochu") == skeleton("hochu") == skeleton("xochu") == skeleton("hoczu")
    assert skeleton("що") == skeleton("shcho") == skeleton("scho") == skeleton("szczo")
    assert skeleton("скільки") == skeleton("skil'ky") == skeleton("skilky")
    # Sounds that people keep apart stay apart: ч and ц, ш and с, ж and з.
    assert skeleton("чого") != skeleton("цього")
    assert skeleton("шість") != skeleton("сість")
    assert skeleton("жити") != skeleton("зити")


def test_only_latin_letters_count_as_latin():
    assert is_latin("de otrymaty cpr, 2 rocky?")
    assert not is_latin("де otrymaty")
    assert not is_latin("رقم cpr")
    assert not is_latin("123 ?")


def small() -> Romaniser:
    return Romaniser.learn(
        own=["де отримати податкову картку", "як отримати номер CPR", "де податкова картка"],
        others={"ro": ["de la primărie CPR"], "pl": ["jak dostać numer CPR"], "en": ["where do I get a tax card"]},
    )


def test_a_romanised_message_is_recognised_and_rewritten_word_by_word():
    romaniser = small()
    assert romaniser.recognises("de otrymaty novu kartku?")
    # "novu" has no Ukrainian word with its skeleton in this small vocabulary: kept as typed.
    assert romaniser.rewrite("de otrymaty novu kartku?") == "де отримати novu картку?"
    # "CPR", which the Ukrainian examples borrow like the other languages, is kept as typed.
    assert romaniser.rewrite("yak otrymaty nomer CPR") == "як отримати номер CPR"


def test_words_other_languages_have_do_not_make_a_message_ukrainian():
    romaniser = small()
    # "de", "numer", "jak" have Ukrainian skeletons, but Romanian and Polish have them too.
    assert not romaniser.recognises("jak numer de")
    assert not romaniser.recognises("otrymaty kartku")  # two words: too short to tell
    assert not romaniser.recognises("де отримати картку")  # already Cyrillic


def test_names_and_words_no_language_knows_are_left_out_of_the_shares():
    romaniser = Romaniser.learn(
        own=["як отримати номер", "де отримати картку"],
        others={"en": ["where is international house", "how do i get a number"]},
        names=["International House"],
    )
    # "international house" is a name; "zaraz" is no language's word: 3 of 3 telling words are Ukrainian.
    assert romaniser.recognises("yak otrymaty nomer international house zaraz")
    # "how", "get", "where" are English words: 2 Ukrainian of 5 telling words.
    assert not romaniser.recognises("how get where otrymaty nomer")


def training_texts() -> dict:
    languages = read_languages(ROOT)
    questions = example_questions(ROOT / "data" / "content" / "questions", languages)
    return {code: nlu_examples(ROOT / "data" / "nlu", code) + questions[code] for code in languages}


def holdout(code: str) -> list:
    data = yaml.safe_load((ROOT / "tests" / "nlu_holdout" / f"{code}.yml").read_text(encoding="utf-8"))
    return [line.strip()[2:] for block in data["nlu"] for line in str(block.get("examples", "")).splitlines()
            if line.strip().startswith("- ")]


@pytest.fixture(scope="module")
def learned():
    texts = training_texts()
    others = {code: lines for code, lines in texts.items() if code != "uk"}
    names = content_names(ROOT / "data" / "content", list(texts))
    return Romaniser.learn(texts["uk"], others, names), texts


def test_no_message_of_another_language_is_taken_for_romanised_ukrainian(learned):
    romaniser, texts = learned
    for code, lines in texts.items():
        if code == "uk":
            continue
        taken = [text for text in [*lines, *holdout(code)] if romaniser.recognises(text)]
        assert taken == [], code


def test_romanised_ukrainian_of_the_training_data_is_read_back(learned):
    romaniser, _ = learned
    text = "Dobryi den, de meni otrymaty podatkovu kartku?"
    assert romaniser.recognises(text)
    assert romaniser.rewrite(text) == "Добрий день, де мені отримати податкову картку?"


def test_read_is_the_rewrite_of_a_recognised_message_and_none_otherwise():
    romaniser = small()
    assert romaniser.read("yak otrymaty nomer CPR") == "як отримати номер CPR"
    assert romaniser.read("jak numer de") is None  # other languages' words
    assert romaniser.read("де отримати картку") is None  # already Cyrillic
