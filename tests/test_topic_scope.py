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


def test_a_weak_switch_language_guess_gives_way_when_the_topic_is_understood():
    before = ranking(switch_language=0.6, ask_address=0.3, greet=0.1)
    after = adjust(before[0], before, has_topic=True, understood=True)
    assert after[0]["name"] == "ask_address" and round(after[0]["confidence"], 2) == 0.9


def test_a_sure_chitchat_intent_keeps_the_turn():
    before = ranking(thank=0.9, ask_topic=0.1)
    assert adjust(before[0], before, has_topic=True, understood=True) is before


def test_a_follow_up_is_a_question_about_the_current_topic():
    from bot.nlu.topic_scope import adjust_without_topic

    before = ranking(out_of_scope=0.5, deny=0.3, ask_topic=0.15, ask_hours=0.05)
    after = adjust_without_topic(before, follow_up=0.7, none=0.1)
    assert after[0]["name"] == "ask_topic" and round(after[0]["confidence"], 2) == 0.65


def test_a_question_the_topic_model_places_outside_our_content_is_out_of_scope():
    from bot.nlu.topic_scope import adjust_without_topic

    before = ranking(ask_address=0.7, out_of_scope=0.2, greet=0.1)
    after = adjust_without_topic(before, follow_up=0.1, none=0.8)
    assert after[0]["name"] == "out_of_scope" and round(after[0]["confidence"], 2) == 0.9
    unsure = adjust_without_topic(before, follow_up=0.1, none=0.4)
    assert unsure is before
