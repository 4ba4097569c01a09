"""A message that names a content topic is not out of scope."""

from __future__ import annotations

from bot.nlu.topic_scope import adjust


def ranking(**confidences):
    return sorted(({"name": k, "confidence": v} for k, v in confidences.items()), key=lambda i: -i["confidence"])


def test_out_of_scope_moves_to_the_best_question_intent_when_a_topic_is_named():
    before = ranking(out_of_scope=0.61, ask_topic=0.30, ask_hours=0.09)
    after = adjust(before[0], before, has_topic=True)
    assert after[0]["name"] == "ask_topic" and round(after[0]["confidence"], 2) == 0.91
    assert {"name": "out_of_scope", "confidence": 0.0} in after


def test_a_close_call_is_resolved_for_the_question():
    before = ranking(ask_topic=0.52, out_of_scope=0.48)
    after = adjust(before[0], before, has_topic=True)
    assert after[0] == {"name": "ask_topic", "confidence": 1.0}


def test_nothing_changes_without_a_topic_or_without_out_of_scope():
    before = ranking(out_of_scope=0.61, ask_topic=0.39)
    assert adjust(before[0], before, has_topic=False) is before
    other = ranking(ask_topic=0.7, greet=0.3)
    assert adjust(other[0], other, has_topic=True) is other
