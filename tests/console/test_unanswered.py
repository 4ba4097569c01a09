"""Grouping the questions the assistant could not answer."""

from __future__ import annotations

from typing import Iterator, List

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bot.console.similarity import cosine, text_similarity, tfidf_vectors, tokens
from bot.console.transcripts import turns_between
from bot.console.unanswered import UnansweredMessage, group_messages, top_groups, unanswered_messages
from tests.console.review_data import DAY1, Msg, at, write_conversation
from tests.databases import database_url


def messages(texts: List[str], language: str = "en") -> List[UnansweredMessage]:
    return [UnansweredMessage(f"s{index}", index, text, language, float(index), "fallback")
            for index, text in enumerate(texts)]


def test_tokens_and_similarity() -> None:
    assert tokens("Where can I PARK my car?!") == ["where", "can", "park", "my", "car"]
    assert tokens("Hvor får jeg et CPR-nummer") == ["hvor", "får", "jeg", "et", "cpr", "nummer"]
    a, b, c = tfidf_vectors(["park my car", "Park my car!", "dog licence"])
    assert cosine(a, b) == pytest.approx(1.0)
    assert cosine(a, c) == 0.0
    assert cosine({}, a) == 0.0
    assert text_similarity("park my car", "Park my car!") == pytest.approx(1.0)
    assert text_similarity("park my car", "dog licence") == 0.0
    assert text_similarity("😀", "😀") == 0.0  # no words: nothing to compare


def test_similar_questions_are_grouped_largest_first() -> None:
    groups = group_messages(messages([
        "when is the library open",
        "where can I park my car",
        "how do I get a dog licence",
        "Where can i park my car?",
        "dog licence fee",
        "where to park a car in Aalborg",
        "can I bring my dog to the library",
    ]))
    assert [(g.count, [m.text for m in g.messages]) for g in groups] == [
        (3, ["where can I park my car", "Where can i park my car?", "where to park a car in Aalborg"]),
        (2, ["how do I get a dog licence", "dog licence fee"]),
        (1, ["when is the library open"]),
        (1, ["can I bring my dog to the library"]),
    ]
    assert groups[0].label == "where can I park my car"
    # The other wordings leave out the label's (shown in its own column; issue 21).
    assert [m.text for m in groups[0].examples(2)] == ["where to park a car in Aalborg"]
    assert groups[1].examples() == [groups[1].messages[1]]


def test_threshold_controls_grouping() -> None:
    texts = ["where can I park my car", "where to park a car in Aalborg"]
    assert [g.count for g in group_messages(messages(texts), threshold=0.9)] == [1, 1]
    assert [g.count for g in group_messages(messages(texts), threshold=0.3)] == [2]


def test_identical_texts_share_a_group_even_without_words() -> None:
    groups = group_messages(messages(["???", "?", "???", "😀"]))
    assert [(g.count, g.label) for g in groups] == [(2, "???"), (1, "?"), (1, "😀")]


def test_top_groups_per_language_with_limit() -> None:
    found = top_groups(messages(["parkering", "parkering", "bil"], "da") + messages(["park", "x1", "x2"], "en"),
                       limit=2)
    assert list(found) == ["da", "en"]
    assert [(g.count, g.label) for g in found["da"]] == [(2, "parkering"), (1, "bil")]
    assert [g.label for g in found["en"]] == ["park", "x1"]


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path) -> Iterator[Engine]:
    with database_url(request.param, tmp_path) as url:
        fallback = ["action_search_content"]
        write_conversation(url, "u1", at(DAY1, 9), [
            Msg("hvor kan jeg parkere min bil", "nlu_fallback", 0.2, fallback, ["…"], detected="da",
                language_set="da"),
            Msg("Hvor får jeg et CPR-nummer?", "ask_topic", 0.9, ["action_answer_topic"], ["…"]),
            Msg("kan jeg parkere min bil i Aalborg", "nlu_fallback", 0.1, fallback, ["…"]),
        ])
        write_conversation(url, "u2", at(DAY1, 10), [
            Msg("where can I park my car", "nlu_fallback", 0.3, fallback, ["…"]),
            Msg("", "nlu_fallback", 0.3, fallback, ["…"]),  # an empty message is not a question
        ])
        engine = sa.create_engine(url, future=True)
        yield engine
        engine.dispose()


def test_unanswered_messages_from_the_store(engine: Engine) -> None:
    found = unanswered_messages(turns_between(engine, None, None, "en"))
    assert [(m.sender_id, m.text, m.language) for m in found] == [
        ("u1", "hvor kan jeg parkere min bil", "da"),
        ("u1", "kan jeg parkere min bil i Aalborg", "da"),  # the conversation is still in Danish
        ("u2", "where can I park my car", "en"),
    ]
    groups = top_groups(found)
    assert [(g.count, g.label) for g in groups["da"]] == [(2, "hvor kan jeg parkere min bil")]
    assert [(g.count, g.label) for g in groups["en"]] == [(1, "where can I park my car")]
