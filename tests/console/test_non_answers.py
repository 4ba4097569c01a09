"""Answer classes: the rules on hand-made turns, then every class from a store, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from typing import Any, Dict, Iterator, List, Optional, Sequence

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bot.console.analytics import compute, to_csv
from bot.console.non_answers import CHITCHAT_INTENTS, NON_ANSWER_CLASSES, classify, tally
from bot.console.transcripts import Entity, Turn, load_transcript, turns_between
from bot.console.unanswered import top_groups, unanswered_messages
from tests.console.review_data import DAY1, DAY2, DAY3, DAY4, at, write_dataset, write_outcomes_dataset
from tests.databases import database_url


def turn(
    text: str = "How do I get a CPR number?",
    intent: str = "ask_topic",
    actions: Sequence[str] = ("action_answer_topic",),
    metadata: Sequence[Dict[str, Any]] = ({"outcome": "answer"},),
    at_second: float = 0.0,
    topics: Sequence[str] = (),
    rating: Optional[str] = None,
) -> Turn:
    """A turn as ``build_turns`` makes it: one reply per metadata."""
    return Turn(
        event_id=1, timestamp=1_000_000.0 + at_second, text=text, intent=intent, confidence=0.9,
        entities=[Entity("topic", value, None, None) for value in topics], detected_language=None, language="en",
        channel="rest", actions=list(actions), replies=["…"] * len(metadata), reply_metadata=list(metadata),
        rating=rating,
    )


def one(item: Turn) -> Optional[str]:
    return classify([item])[0]


SEARCH = ("action_search_content",)
OOS = {"utter_action": "utter_out_of_scope"}


@pytest.mark.parametrize(
    ("item", "expected"),
    [
        (turn(), "answered"),
        (turn(metadata=({"outcome": "clarify", "candidates": ["a", "b"]},)), "clarification"),
        (turn(metadata=({"outcome": "menu"},)), "menu"),
        (turn(intent="nlu_fallback", actions=SEARCH, metadata=({"outcome": "search"},)), "fallback"),
        (turn(intent="nlu_fallback", actions=SEARCH, metadata=({"outcome": "nothing"},)), "fallback"),
        (turn(metadata=({"outcome": "nothing"},)), "fallback"),  # the outcome alone is enough
        (turn(intent="nlu_fallback", actions=(), metadata=()), "fallback"),  # the intent alone too
        (turn(intent="out_of_scope", actions=("utter_out_of_scope",), metadata=(OOS,)), "out_of_scope"),
        (turn(intent="out_of_scope", actions=(), metadata=(OOS,)), "out_of_scope"),
        (turn(intent="ask_topic", actions=("utter_out_of_scope",), metadata=({},)), "out_of_scope"),
        # stored before the actions sent an outcome: today's rule
        (turn(metadata=({},)), "answered"),
        (turn(intent="ask_topic", actions=SEARCH, metadata=({},)), "fallback"),
        # rasa-sdk's utter_message(metadata={...}) nests the metadata one level deeper
        (turn(metadata=({"metadata": {"outcome": "menu"}},)), "menu"),
        # several replies: fallback > out of scope > answer > clarify > menu
        (turn(metadata=({"outcome": "menu"}, {"outcome": "answer"})), "answered"),
        (turn(metadata=({"outcome": "menu"}, {"outcome": "clarify"})), "clarification"),
        (turn(actions=("action_answer_topic", "utter_out_of_scope"), metadata=({"outcome": "answer"}, {})),
         "out_of_scope"),
        (turn(actions=SEARCH, metadata=({"outcome": "answer"},)), "fallback"),
        (turn(metadata=({"outcome": "something new"},)), "answered"),  # unknown outcomes are no failure
        # not questions
        (turn(text="", intent="nlu_fallback", actions=SEARCH, metadata=({"outcome": "nothing"},)), None),
        (turn(text="   "), None),
        (turn(text="hi", intent="greet", actions=("utter_greet",), metadata=({"utter_action": "utter_greet"},)), None),
        (turn(text="ok", intent="affirm", actions=SEARCH, metadata=({"outcome": "search"},)), None),
    ],
)
def test_one_turn(item: Turn, expected: Optional[str]) -> None:
    assert one(item) == expected


@pytest.mark.parametrize("intent", sorted(CHITCHAT_INTENTS))
def test_chitchat_is_neither(intent: str) -> None:
    assert one(turn(text="some words", intent=intent)) is None


def test_a_rating_down_only_counts_on_an_answer() -> None:
    assert one(turn(rating="down")) == "thumbs_down"
    assert one(turn(rating="up")) == "answered"
    assert one(turn(metadata=({},), rating="down")) == "thumbs_down"  # an old answer
    assert one(turn(metadata=({"outcome": "clarify"},), rating="down")) == "clarification"
    assert one(turn(intent="nlu_fallback", actions=SEARCH, metadata=({"outcome": "search"},), rating="down")) == (
        "fallback"
    )


def test_rephrasing_within_three_minutes() -> None:
    first = turn("How do I get a CPR number?")
    assert classify([first, turn("how can I get my CPR number", at_second=180)]) == ["rephrased", "answered"]
    assert classify([first, turn("how can I get my CPR number", at_second=181)]) == ["answered", "answered"]
    assert classify([first, turn("Where is the library?", at_second=30)]) == ["answered", "answered"]
    # the next message decides, not a later one
    assert classify([first, turn("thanks", intent="thank", at_second=20),
                     turn("how can I get my CPR number", at_second=40)]) == ["answered", None, "answered"]
    # chit-chat after an answer is no rephrasing, even with the same words
    assert classify([first, turn("How do I get a CPR number?", intent="affirm", at_second=20)]) == ["answered", None]
    # a rating down wins over rephrasing
    rated = turn("How do I get a CPR number?", rating="down")
    assert classify([rated, turn("how can I get my CPR number", at_second=60)]) == ["thumbs_down", "answered"]
    # only answers can be rephrased
    menu = turn("How do I get a CPR number?", metadata=({"outcome": "menu"},))
    assert classify([menu, turn("how can I get my CPR number", at_second=60)]) == ["menu", "answered"]


def test_rephrasing_by_topic_and_intent() -> None:
    first = turn("When is International House open?", intent="ask_hours", topics=("ihnd",))
    other_words = "What are the opening hours of International House?"
    assert classify([first, turn(other_words, intent="ask_hours", topics=("ihnd",), at_second=60)])[0] == "rephrased"
    assert classify([first, turn(other_words, intent="ask_address", topics=("ihnd",), at_second=60)])[0] == "answered"
    assert classify([first, turn(other_words, intent="ask_hours", topics=("cpr",), at_second=60)])[0] == "answered"
    assert classify([first, turn(other_words, intent="ask_hours", topics=("ihnd",), at_second=200)])[0] == "answered"
    no_topic = turn("When is it open?", intent="ask_hours")
    assert classify([no_topic, turn("opening hours", intent="ask_hours", at_second=60)])[0] == "answered"


def test_tally() -> None:
    counts = tally(["answered", None, "fallback", "fallback", "rephrased", None])
    assert (counts.questions, counts.non_answers) == (4, 3)
    assert (counts.count("fallback"), counts.count("menu"), counts.rate("fallback")) == (2, 0, 0.5)
    assert counts.non_answer_rate == 0.75
    empty = tally([None])
    assert (empty.questions, empty.non_answer_rate, empty.rate("menu")) == (0, None, None)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """A fresh database of each kind with ``write_dataset`` (DAY1-2) and ``write_outcomes_dataset`` (DAY3-4)."""
    with database_url(request.param, tmp_path_factory.mktemp("db")) as url:
        write_dataset(url)
        write_outcomes_dataset(url)
        engine = sa.create_engine(url, future=True)
        yield engine
        engine.dispose()


EXPECTED_CLASSES = {
    # write_dataset: no outcome metadata (today's rule), utter_out_of_scope recognised by its action
    "alice": [("en", "answered"), ("en", "answered")],
    "bjorn": [("da", "thumbs_down"), ("da", "fallback")],
    "carla": [("en", "fallback"), ("en", "out_of_scope")],
    "dmytro": [("uk", "answered")],
    # write_outcomes_dataset
    "ans": [("en", "answered"), ("en", None)],
    "oos": [("en", "out_of_scope")],
    "menu": [("en", "menu")],
    "clar": [("da", "clarification"), ("da", "answered")],
    "search": [("da", "fallback")],
    "nothing": [("uk", "fallback")],
    "old": [("en", "answered"), ("en", "fallback")],
    "thumbs": [("en", "thumbs_down")],
    "rephrase": [("en", "rephrased"), ("en", "answered")],
    "retopic": [("en", "rephrased"), ("en", "answered")],
    "late": [("en", "answered"), ("en", "answered")],
    "chat": [("en", None)] * 4,
}


def test_every_stored_turn_gets_its_class(engine: Engine) -> None:
    found = {sender: [(t.language, t.answer_class) for t in turns]
             for sender, turns in turns_between(engine, None, None, "en").items()}
    assert found == EXPECTED_CLASSES
    for sender, expected in EXPECTED_CLASSES.items():
        transcript = load_transcript(engine, sender, "en")
        assert transcript is not None
        assert [(t.language, t.answer_class) for t in transcript.turns] == expected, sender


def test_the_next_message_counts_even_after_the_range(engine: Engine) -> None:
    first_only = turns_between(engine, at(DAY4, 9, 10), at(DAY4, 9, 11), "en")
    assert [(t.text, t.answer_class) for t in first_only["rephrase"]] == [("How do I get a CPR number?", "rephrased")]


def test_reply_metadata_is_kept_per_reply(engine: Engine) -> None:
    transcript = load_transcript(engine, "clar", "en")
    assert transcript is not None
    assert transcript.turns[0].reply_metadata == [{"outcome": "clarify", "candidates": ["health-card", "tax-card"]}]
    oos = load_transcript(engine, "oos", "en")
    assert oos is not None and oos.turns[0].reply_metadata == [{"utter_action": "utter_out_of_scope"}]


def test_unanswered_lists_every_class(engine: Engine) -> None:
    found = unanswered_messages(turns_between(engine, at(DAY3, 0), at(DAY4, 23, 59), "en"))
    assert [(m.sender_id, m.language, m.answer_class) for m in found] == [
        ("oos", "en", "out_of_scope"),
        ("menu", "en", "menu"),
        ("clar", "da", "clarification"),
        ("search", "da", "fallback"),
        ("nothing", "uk", "fallback"),
        ("old", "en", "fallback"),
        ("thumbs", "en", "thumbs_down"),
        ("rephrase", "en", "rephrased"),
        ("retopic", "en", "rephrased"),
    ]
    groups = top_groups(found)
    assert list(groups) == ["da", "en", "uk"]
    assert [(g.count, g.classes()) for g in groups["da"]] == [(1, [("clarification", 1)]), (1, [("fallback", 1)])]
    assert sum(g.count for g in groups["en"]) == 6
    everything = unanswered_messages(turns_between(engine, None, None, "en"))
    assert len(everything) == 9 + 4  # write_dataset: bjorn 2, carla 2


def test_analytics_count_every_class(engine: Engine) -> None:
    numbers = compute(engine, DAY3, DAY4, "en")
    assert (numbers.conversations, numbers.messages, numbers.fallbacks) == (12, 21, 3)
    assert numbers.fallback_rate == pytest.approx(3 / 21)
    outcomes = numbers.outcomes
    assert outcomes.counts == {"answered": 7, "out_of_scope": 1, "menu": 1, "clarification": 1, "fallback": 3,
                               "thumbs_down": 1, "rephrased": 2}
    assert (outcomes.questions, outcomes.non_answers) == (16, 9)
    assert outcomes.non_answer_rate == pytest.approx(9 / 16)
    assert outcomes.rate("fallback") == pytest.approx(3 / 16)
    by_language = {code: counts.counts for code, counts in numbers.outcomes_by_language}
    assert by_language == {
        "da": {"answered": 1, "out_of_scope": 0, "menu": 0, "clarification": 1, "fallback": 1, "thumbs_down": 0,
               "rephrased": 0},
        "en": {"answered": 6, "out_of_scope": 1, "menu": 1, "clarification": 0, "fallback": 1, "thumbs_down": 1,
               "rephrased": 2},
        "uk": {"answered": 0, "out_of_scope": 0, "menu": 0, "clarification": 0, "fallback": 1, "thumbs_down": 0,
               "rephrased": 0},
    }
    by_day = {day: (counts.questions, counts.non_answers) for day, counts in numbers.outcomes_by_day}
    assert by_day == {DAY3: (9, 6), DAY4: (7, 3)}
    day4 = dict(numbers.outcomes_by_day)[DAY4]
    assert (day4.count("answered"), day4.count("thumbs_down"), day4.count("rephrased")) == (4, 1, 2)
    assert (numbers.thumbs_up, numbers.thumbs_down) == (0, 2)


def test_analytics_of_one_language(engine: Engine) -> None:
    danish = compute(engine, DAY3, DAY4, "en", language="da")
    assert (danish.language, danish.conversations, danish.messages, danish.fallbacks) == ("da", 2, 3, 1)
    assert danish.languages == (("da", 2),)
    assert (danish.outcomes.questions, danish.outcomes.non_answers) == (3, 2)
    assert [code for code, _ in danish.outcomes_by_language] == ["da"]
    assert (danish.thumbs_up, danish.thumbs_down) == (0, 1)  # the rating of "search"; not that of "thumbs"
    ukrainian = compute(engine, DAY1, DAY4, "en", language="uk")
    assert (ukrainian.conversations, ukrainian.messages, ukrainian.thumbs_up) == (2, 2, 1)
    assert ukrainian.outcomes.counts["answered"] == 1 and ukrainian.outcomes.counts["fallback"] == 1
    assert ukrainian.channels == (("socketio", 2),)
    nobody = compute(engine, DAY3, DAY4, "en", language="pl")
    assert (nobody.conversations, nobody.messages, nobody.outcomes.questions) == (0, 0, 0)
    assert (nobody.outcomes.non_answer_rate, nobody.thumbs_down) == (None, 0)


def test_csv_has_every_class(engine: Engine) -> None:
    lines = to_csv(compute(engine, DAY3, DAY4, "en", language="da")).splitlines()
    start = lines.index("questions,,3")
    assert lines[start:start + 17] == [
        "questions,,3", "non_answers,,2", "non_answer_rate,,0.6667",
        "outcome,answered,1", "outcome,out_of_scope,0", "outcome,menu,0", "outcome,clarification,1",
        "outcome,fallback,1", "outcome,thumbs_down,0", "outcome,rephrased,0",
        "outcome_rate,answered,0.3333", "outcome_rate,out_of_scope,0.0000", "outcome_rate,menu,0.0000",
        "outcome_rate,clarification,0.3333", "outcome_rate,fallback,0.3333", "outcome_rate,thumbs_down,0.0000",
        "outcome_rate,rephrased,0.0000",
    ]
    assert lines[start + 17:start + 34] == [
        "questions_per_language,da,3", "non_answers_per_language,da,2", "non_answer_rate_per_language,da,0.6667",
        "answered_per_language,da,1", "answered_rate_per_language,da,0.3333",
        "out_of_scope_per_language,da,0", "out_of_scope_rate_per_language,da,0.0000",
        "menu_per_language,da,0", "menu_rate_per_language,da,0.0000",
        "clarification_per_language,da,1", "clarification_rate_per_language,da,0.3333",
        "fallback_per_language,da,1", "fallback_rate_per_language,da,0.3333",
        "thumbs_down_per_language,da,0", "thumbs_down_rate_per_language,da,0.0000",
        "rephrased_per_language,da,0", "rephrased_rate_per_language,da,0.0000",
    ]
    per_day: List[str] = [line for line in lines if "_per_day," in line
                          and not line.startswith(("conv", "mess", "suspect", "handoff_"))]
    assert len(per_day) == 17 * 2
    assert "questions_per_day,2026-11-22,3" in per_day and "questions_per_day,2026-11-23,0" in per_day
    assert "non_answer_rate_per_day,2026-11-23," in per_day  # no questions that day: no rate
    assert "clarification_per_day,2026-11-22,1" in per_day
    # then the suspects (in all, da, 2 days), then six handoff metrics for each of the 2 days
    assert len(lines) == start + 34 + 34 + 2 + 2 * 1 + 2 * 2 + 6 * 2


def test_an_empty_range_has_no_classes(engine: Engine) -> None:
    numbers = compute(engine, dt.date(2020, 1, 1), dt.date(2020, 1, 2), "en")
    assert numbers.outcomes.questions == 0 and numbers.outcomes_by_language == ()
    assert [(day, counts.questions) for day, counts in numbers.outcomes_by_day] == [
        (dt.date(2020, 1, 1), 0), (dt.date(2020, 1, 2), 0)
    ]
    assert set(NON_ANSWER_CLASSES) < set(numbers.outcomes.counts)


def test_the_first_dataset_keeps_its_old_numbers(engine: Engine) -> None:
    numbers = compute(engine, DAY1, DAY2, "en")
    assert (numbers.messages, numbers.fallbacks) == (7, 2)
    assert numbers.outcomes.counts == {"answered": 3, "out_of_scope": 1, "menu": 0, "clarification": 0,
                                       "fallback": 2, "thumbs_down": 1, "rephrased": 0}
