"""Rasa's training cache sees the files our NLU components read themselves (bot/nlu/external_files.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.nlu.content_entities import ContentEntityExtractor
from bot.nlu.language_detector import LanguageDetector
from bot.nlu.topic_classifier import TopicClassifier


def test_a_changed_synonym_or_question_changes_the_components_fingerprints(tmp_path: Path) -> None:
    content, questions, lexicon = tmp_path / "content", tmp_path / "content" / "questions", tmp_path / "lexicon.yml"
    questions.mkdir(parents=True)
    (content / "a.yml").write_text("entries: []\n")
    (questions / "en.yml").write_text("entries: {}\n")
    lexicon.write_text("day: {}\n")
    config = {"content_dir": str(content), "questions_dir": str(questions), "lexicon_file": str(lexicon)}
    before = (ContentEntityExtractor.fingerprint_addon(config), TopicClassifier.fingerprint_addon(config))
    assert before == (ContentEntityExtractor.fingerprint_addon(config), TopicClassifier.fingerprint_addon(config))

    (content / "a.yml").write_text("entries: [{id: gp}]\n")
    after_content = (ContentEntityExtractor.fingerprint_addon(config), TopicClassifier.fingerprint_addon(config))
    assert after_content[0] != before[0] and after_content[1] != before[1]

    (questions / "en.yml").write_text("entries: {gp: [who is my doctor]}\n")
    assert TopicClassifier.fingerprint_addon(config) != after_content[1]
    assert ContentEntityExtractor.fingerprint_addon(config) != after_content[0]  # the questions live under content


def test_the_language_detector_sees_its_language_list_and_training_folders(tmp_path: Path) -> None:
    languages, nlu = tmp_path / "languages.yml", tmp_path / "nlu"
    (nlu / "en").mkdir(parents=True)
    languages.write_text("languages: []\n")
    config = {"languages_file": str(languages), "nlu_dir": str(nlu)}
    before = LanguageDetector.fingerprint_addon(config)
    (nlu / "en" / "chitchat.yml").write_text("nlu: []\n")
    assert LanguageDetector.fingerprint_addon(config) != before


def test_the_real_configuration_is_fingerprinted_with_its_defaults() -> None:
    assert len(ContentEntityExtractor.fingerprint_addon({}) or "") == 64


def test_the_romanised_reader_sees_the_training_folders_and_example_questions(tmp_path: Path) -> None:
    from bot.nlu.romanised import RomanisedReader

    languages, nlu, questions = tmp_path / "languages.yml", tmp_path / "nlu", tmp_path / "questions"
    (nlu / "uk").mkdir(parents=True)
    questions.mkdir()
    languages.write_text("languages: []\n")
    config = {"languages_file": str(languages), "nlu_dir": str(nlu), "questions_dir": str(questions),
              "content_dir": str(tmp_path / "content")}
    before = RomanisedReader.fingerprint_addon(config)
    (nlu / "uk" / "chitchat.yml").write_text("nlu: []\n")
    after_nlu = RomanisedReader.fingerprint_addon(config)
    (questions / "uk.yml").write_text("language: uk\nentries: {}\n")
    assert len({before, after_nlu, RomanisedReader.fingerprint_addon(config)}) == 3


def test_a_change_to_the_code_training_runs_changes_every_components_fingerprint(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Rasa hashes only the component class's own source; the topic model's features live in
    # bot/nlu/topic_model.py, and a change there was trained from the cache.
    from bot.nlu import external_files

    code = tmp_path / "nlu"
    code.mkdir()
    (code / "topic_model.py").write_text("MIN_DF = 1\n")
    monkeypatch.setattr(external_files, "TRAINING_CODE", (code,))
    before = (TopicClassifier.fingerprint_addon({}), LanguageDetector.fingerprint_addon({}))
    assert before == (TopicClassifier.fingerprint_addon({}), LanguageDetector.fingerprint_addon({}))
    (code / "topic_model.py").write_text("MIN_DF = 2\n")
    after = (TopicClassifier.fingerprint_addon({}), LanguageDetector.fingerprint_addon({}))
    assert after[0] != before[0] and after[1] != before[1]


def test_the_training_code_covers_the_topic_model_and_the_content_loader() -> None:
    from bot.nlu.external_files import TRAINING_CODE

    files = {path.relative_to(TRAINING_CODE[0].parents[1]).as_posix() for folder in TRAINING_CODE
             for path in folder.rglob("*.py")}
    assert {"bot/nlu/topic_model.py", "bot/nlu/topic_ranking.py", "bot/content/loader.py"} <= files
