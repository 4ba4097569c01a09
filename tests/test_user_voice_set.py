"""The user-voice evaluation set: written apart from the training data, never trained on, scored exactly.

The set itself is scored end to end by ``make eval`` (bench/user_voice.py); these tests keep it
honest (no sentence of it in any training data) and check the scoring rules.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from bot.content.loader import load_knowledge_base
from bot.nlu.topic_examples import read_question_files
from bot.settings import read_languages
from bot.user_voice_eval import Case, Turn, all_texts, format_report, load_set, normalised, score_turn

ROOT = Path(__file__).resolve().parent.parent
SET_DIR = ROOT / "tests" / "user_voice"
FAILURE_CLASSES = ("need", "two_topics", "kind", "language")
COST_LIKE = ("cost", "duration", "eligibility", "documents")
#: Classes whose questions tell a situation rather than name a topic: round 26's questions at the border
#: of what we cover (``near_in`` answered by an entry, ``near_out`` by none) were written as situations,
#: with entry names in at most a third of them.
SITUATION_CLASSES = ("need", "near_in", "near_out")


def training_sentences() -> set:
    """Every sentence the models learn from, normalised: NLU examples, example questions, names, synonyms."""
    sentences = set()
    for path in (ROOT / "data" / "nlu").glob("*/*.yml"):
        for block in yaml.safe_load(path.read_text(encoding="utf-8")).get("nlu") or []:
            for line in str(block.get("examples", "")).splitlines():
                if line.strip().startswith("- "):
                    sentences.add(normalised(line.strip()[2:]))
    languages = read_languages(ROOT)
    kb = load_knowledge_base(ROOT / "data" / "content", languages)
    files, _ = read_question_files(ROOT / "data" / "content" / "questions", [entry.id for entry in kb], languages)
    for question_file in files.values():
        for questions in question_file.entries.values():
            sentences.update(normalised(text) for text in questions)
        sentences.update(normalised(text) for text in (*question_file.none, *question_file.follow_up))
    for entry in kb:
        sentences.update(normalised(name) for name in entry.names.values())
        sentences.update(normalised(text) for synonyms in entry.synonyms.values() for text in synonyms)
    return sentences


def test_no_sentence_of_the_set_is_in_any_training_data():
    training = training_sentences()
    leaks = [text for text in all_texts(load_set(SET_DIR)) if normalised(text) in training]
    assert leaks == []


def test_every_language_has_enough_questions_conversations_and_every_failure_class():
    languages = read_languages(ROOT)
    kb = load_knowledge_base(ROOT / "data" / "content", languages)
    known = {entry.id for entry in kb} | {"out_of_scope"}
    cases = load_set(SET_DIR)
    for language in languages:
        questions = [case.turns[0] for case in cases if case.language == language and not case.conversation]
        conversations = [case for case in cases if case.language == language and case.conversation]
        assert len(questions) >= 120, language
        assert len(conversations) >= 20, language
        assert sum(turn.cls in SITUATION_CLASSES for turn in questions) * 2 >= len(questions), language
        classes = {turn.cls for turn in questions}
        assert set(FAILURE_CLASSES) <= classes, (language, classes)
        assert classes & set(COST_LIKE), language
        unknown = [entry for case in cases if case.language == language for turn in case.turns
                   for entry in turn.accepted if entry not in known]
        assert unknown == [], language


def events(*bot_metadata, actions=(), slot=None):
    turn = [{"event": "user", "text": "q"}]
    turn += [{"event": "action", "name": name} for name in actions]
    turn += [{"event": "bot", "text": "a", "metadata": meta} for meta in bot_metadata]
    return turn


CASE = Case("da", (Turn("min kone keder sig", "spouse_space", "need"),))


def test_a_turn_passes_only_with_the_expected_entry_in_the_expected_language():
    ok = score_turn(CASE, CASE.turns[0], events({"outcome": "answer", "entry": "spouse_space"}), "da")
    assert (ok.ok, ok.reason) == (True, "ok")
    wrong_language = score_turn(CASE, CASE.turns[0], events({"outcome": "answer", "entry": "spouse_space"}), "en")
    assert (wrong_language.ok, wrong_language.reason) == (False, "wrong_language")
    wrong = score_turn(CASE, CASE.turns[0], events({"outcome": "answer", "entry": "culture_companions"}), "da")
    assert (wrong.ok, wrong.reason, wrong.answered) == (False, "wrong_entry", "culture_companions")


def test_an_alternative_the_writer_named_passes_and_is_counted_apart():
    case = Case("da", (Turn("mit sundhedskort viser den forkerte læge", "family_doctor", "need", also=("cpr",)),))
    turn = case.turns[0]
    alternative = score_turn(case, turn, events({"outcome": "answer", "entry": "cpr"}), "da")
    first = score_turn(case, turn, events({"outcome": "answer", "entry": "family_doctor"}), "da")
    other = score_turn(case, turn, events({"outcome": "answer", "entry": "housing"}), "da")
    assert [(r.ok, r.reason) for r in (alternative, first, other)] == [(True, "ok"), (True, "ok"),
                                                                      (False, "wrong_entry")]
    assert "Passed with an entry the writer named under `also`: 1 turns." in format_report([alternative, first, other])


def test_each_kind_of_non_answer_is_named():
    turn = CASE.turns[0]
    assert score_turn(CASE, turn, events({"outcome": "clarify", "candidates": ["a", "b"]}), "da").reason == "clarify"
    assert score_turn(CASE, turn, events({"outcome": "menu"}), "da").reason == "menu"
    assert score_turn(CASE, turn, events({"outcome": "search"}), "da").reason == "fallback"
    assert score_turn(CASE, turn, events({}, actions=["utter_out_of_scope"]), "da").reason == "out_of_scope"
    # The custom action sends the response: its message carries utter_action and the outcome.
    oos = {"utter_action": "utter_out_of_scope", "outcome": "out_of_scope"}
    assert score_turn(CASE, turn, events(oos, actions=["action_out_of_scope"]), "da").reason == "out_of_scope"
    assert score_turn(CASE, turn, events({}, actions=["utter_greet"]), "da").reason == "no_answer"


def test_out_of_scope_questions_pass_when_nothing_is_answered():
    case = Case("en", (Turn("cheap flat?", "out_of_scope", "need"),))
    passed = score_turn(case, case.turns[0], events({}, actions=["utter_out_of_scope"]), "en")
    failed = score_turn(case, case.turns[0], events({"outcome": "answer", "entry": "ihnd"}), "en")
    assert (passed.ok, failed.ok, failed.reason) == (True, False, "answered_out_of_scope")


def test_the_report_has_a_row_per_language_and_class():
    results = [score_turn(CASE, CASE.turns[0], events({"outcome": "answer", "entry": "spouse_space"}), "da"),
               score_turn(CASE, CASE.turns[0], events({"outcome": "menu"}), "da")]
    report = format_report(results)
    assert "| da | 2 | 0.500 |" in report
    assert "| need | 0.50 (2) | 0.500 (2) |" in report
    assert "| menu | 1 |" in report


def test_a_later_writing_round_is_read_from_its_own_file_and_reported_apart(tmp_path):
    (tmp_path / "da.yml").write_text('language: da\nquestions:\n  - {text: "min kone keder sig", expect: '
                                     'spouse_space, class: need}\n', encoding="utf-8")
    (tmp_path / "da-2.yml").write_text('language: da\nquestions:\n  - {text: "vi vil ansætte udefra", expect: '
                                       'business_services, class: need}\nconversations:\n  - turns:\n'
                                       '      - {text: "hvad er cpr", expect: cpr}\n'
                                       '      - {text: "koster det noget", expect: cpr}\n', encoding="utf-8")
    cases = load_set(tmp_path)
    assert [(case.language, case.round, case.conversation) for case in cases] == [
        ("da", 2, False), ("da", 2, True), ("da", 1, False)]
    first, hire, conversation = cases[2], cases[0], cases[1]
    results = [score_turn(first, first.turns[0], events({"outcome": "answer", "entry": "spouse_space"}), "da"),
               score_turn(hire, hire.turns[0], events({"outcome": "menu"}), "da"),
               score_turn(conversation, conversation.turns[0], events({"outcome": "answer", "entry": "cpr"}), "da"),
               score_turn(conversation, conversation.turns[1], events({"outcome": "answer", "entry": "cpr"}), "da")]
    report = format_report(results)
    assert "| language | turns | right fact, right language | round 1 | round 2 |" in report
    assert "| da | 4 | 0.750 | 1.000 (1) | 0.667 (3) |" in report
    assert "| **overall** | 4 | 0.750 | 1.000 (1) | 0.667 (3) |" in report
