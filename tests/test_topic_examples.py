"""The example questions beside the content: every entry has them in every language."""

from __future__ import annotations

from pathlib import Path

from bot.content.loader import load_knowledge_base
from bot.nlu.topic_examples import FOLLOW_UP_LABEL, NONE_LABEL, labelled_questions, read_question_files
from bot.settings import read_languages

ROOT = Path(__file__).resolve().parent.parent
QUESTIONS = ROOT / "data" / "content" / "questions"


def test_every_entry_has_example_questions_in_every_language():
    languages = read_languages(ROOT)
    kb = load_knowledge_base(ROOT / "data" / "content", languages)
    entries = [entry.id for entry in kb if entry.kind != "area"]
    files, problems = read_question_files(QUESTIONS, [entry.id for entry in kb], languages)
    assert problems == []
    assert sorted(files) == sorted(languages)
    for language, question_file in files.items():
        missing = [entry_id for entry_id in entries if len(question_file.entries.get(entry_id, ())) < 6]
        assert missing == [], (language, missing)
        assert len(question_file.none) >= 20, language
        assert len(question_file.follow_up) >= 20, language


def test_unknown_entries_and_languages_are_reported(tmp_path):
    (tmp_path / "en.yml").write_text("entries:\n  cpr: [how do i get a cpr]\n  nope: [x]\nnone: ['weather?']\n")
    (tmp_path / "xx.yml").write_text("entries: {}\n")
    (tmp_path / "de.yml").write_text("entries:\n  cpr: not a list\nfollow_up: ['und morgen?']\n")
    files, problems = read_question_files(tmp_path, ["cpr"], ["en", "de"])
    assert problems == [
        "de.yml: entries.cpr: must be a list of questions",
        "en.yml: entries.nope: no such entry in data/content",
        "xx.yml: not a supported language",
    ]
    assert labelled_questions(files) == [
        ("und morgen?", FOLLOW_UP_LABEL),
        ("how do i get a cpr", "cpr"),
        ("weather?", NONE_LABEL),
    ]


def test_a_reader_of_the_texts_only_takes_every_entry_id(tmp_path):
    """The language detector reads the questions' texts without the knowledge base (entry_ids None)."""
    (tmp_path / "en.yml").write_text("entries:\n  cpr: [how do i get a cpr]\n  nope: [x]\n")
    files, problems = read_question_files(tmp_path, None, ["en"])
    assert problems == []
    assert labelled_questions(files) == [("how do i get a cpr", "cpr"), ("x", "nope")]
