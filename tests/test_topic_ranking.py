"""One ranking from the learned topic model and the gazetteer: answer, offer close entries, or leave it."""

from __future__ import annotations

import pytest

from bot.nlu.topic_examples import CHAT_LABEL, FOLLOW_UP_LABEL, NONE_LABEL
from bot.nlu.topic_ranking import ANSWER, CLARIFY, NONE, decide


def model(**probabilities):
    ranking = {NONE_LABEL: 0.0, CHAT_LABEL: 0.0, FOLLOW_UP_LABEL: 0.0}
    ranking.update(probabilities)
    return sorted(ranking.items(), key=lambda item: -item[1])


def test_a_clear_winner_is_answered_even_when_the_message_names_nothing():
    decision = decide(model(spouse_space=0.82, culture_companions=0.1, ihnd=0.05), named=[])
    assert (decision.outcome, decision.entries) == (ANSWER, ("spouse_space",))
    assert round(decision.confidence, 3) == 0.845  # 0.82 of the 0.97 given to all labels


def test_close_entries_are_offered_and_only_those():
    decision = decide(model(mitid=0.41, mitid_support=0.36, cpr=0.12, tax_card=0.02), named=[])
    assert (decision.outcome, decision.entries) == (CLARIFY, ("mitid", "mitid_support"))


def test_at_most_three_candidates():
    decision = decide(model(a=0.24, b=0.23, c=0.22, d=0.21), named=[])
    assert (decision.outcome, decision.entries) == (CLARIFY, ("a", "b", "c"))


def test_nothing_near_leaves_the_message_to_the_intent_classifier():
    decision = decide([(NONE_LABEL, 0.7), ("cpr", 0.2), (CHAT_LABEL, 0.05), (FOLLOW_UP_LABEL, 0.05)], named=[])
    assert (decision.outcome, decision.entries) == (NONE, ())
    assert decision.other == {"none": 0.7, "chat": 0.05, "follow_up": 0.05}


def test_a_weak_guess_is_not_an_answer():
    decision = decide(model(cpr=0.09, tax_card=0.08), named=[])
    assert decision.outcome == NONE


def test_a_named_entry_wins_when_the_model_has_no_opinion():
    decision = decide(model(cpr=0.05, tax_card=0.04), named=["tax_card"])
    assert (decision.outcome, decision.entries) == (ANSWER, ("tax_card",))


def test_two_named_entries_one_answer_when_the_model_prefers_one_clearly():
    # "I can't get MitID without a CPR number - who do I phone?": both named, the model knows which.
    decision = decide(model(mitid_support=0.1, mitid=0.55, cpr=0.05), named=["mitid", "cpr"])
    assert (decision.outcome, decision.entries) == (ANSWER, ("mitid",))


def test_two_named_entries_the_model_cannot_separate_are_offered():
    decision = decide(model(mitid=0.2, cpr=0.18), named=["mitid", "cpr"])
    assert (decision.outcome, decision.entries) == (CLARIFY, ("mitid", "cpr"))


def test_the_model_can_overrule_a_named_entry():
    decision = decide(model(mitid_support=0.9, mitid=0.02), named=["mitid"])
    assert (decision.outcome, decision.entries) == (ANSWER, ("mitid_support",))


def test_the_models_none_outranking_a_named_entry_with_its_bonus_overrules_the_name():
    # "which internet subscription is best for a flat?": the flat is housing's word, nothing of ours answers.
    decision = decide(model(housing=0.01, **{NONE_LABEL: 0.95}), named=["housing"])
    assert (decision.outcome, decision.entries, decision.names_overruled) == (NONE, (), True)
    # The name's bonus (0.3) and the model's 0.2 for the entry (0.5) outrank a none of 0.45: the name stands.
    kept = decide(model(housing=0.2, **{NONE_LABEL: 0.45}), named=["housing"])
    assert (kept.outcome, kept.entries, kept.names_overruled) == (ANSWER, ("housing",), False)
    # Without a name, a "none" ahead is the plain "nothing near" (no name to overrule).
    plain = decide(model(housing=0.2, **{NONE_LABEL: 0.45}), named=[])
    assert (plain.outcome, plain.names_overruled) == (NONE, False)


def test_the_none_labels_weight_is_balanced_times_its_factor():
    from bot.nlu.topic_model import class_weights

    labels = ["cpr"] * 2 + ["housing"] * 4 + [NONE_LABEL] * 8  # 14 examples, 3 labels
    assert class_weights(labels, {}) == {"cpr": 14 / 6, "housing": 14 / 12, NONE_LABEL: 14 / 24}
    assert class_weights(labels, {NONE_LABEL: 2.0})[NONE_LABEL] == 14 / 24 * 2
    assert class_weights(labels, {NONE_LABEL: 2.0})["cpr"] == 14 / 6
    # Without factors they are scikit-learn's own "balanced" weights.
    import numpy
    from sklearn.utils.class_weight import compute_class_weight

    classes = numpy.array(sorted(set(labels)))
    balanced = compute_class_weight("balanced", classes=classes, y=numpy.array(labels))
    assert class_weights(labels, {}) == pytest.approx(dict(zip(classes.tolist(), balanced.tolist(), strict=True)))


def test_a_named_area_counts_only_when_the_model_finds_nothing():
    decision = decide(model(culture_companions=0.6, spouse_space=0.1), named=["area_newcomers"])
    assert (decision.outcome, decision.entries) == (ANSWER, ("culture_companions",))
    alone = decide(model(culture_companions=0.05), named=["area_newcomers"])
    assert (alone.outcome, alone.entries) == (ANSWER, ("area_newcomers",))


def test_the_last_clause_holds_the_question():
    from bot.nlu.topic_ranking import final_clause_start

    text = "the bank needs a CPR number for my NemKonto, so where do I get the CPR?"
    assert text[final_clause_start(text):] == "so where do I get the CPR?"
    assert final_clause_start("where do I get a CPR number?") == 0
    assert final_clause_start("CPR and tax card?!") == 0
    two = "Jeg har fået mit skattekort. Hvad med MitID?"
    assert two[final_clause_start(two):] == "Hvad med MitID?"
    dash = "Nie mam CPR – gdzie dzwonić?"
    assert dash[final_clause_start(dash):] == "gdzie dzwonić?"
    arabic = "عندي CPR، كيف أسجل في دروس اللغة؟"
    assert arabic[final_clause_start(arabic):] == "كيف أسجل في دروس اللغة؟"


def test_a_name_outside_the_last_clause_is_context_not_the_question():
    ranking = model(nemkonto=0.3, cpr=0.25)
    both = decide(ranking, named=["nemkonto", "cpr"])
    assert (both.outcome, both.entries) == (CLARIFY, ("nemkonto", "cpr"))
    focused = decide(ranking, named=["nemkonto", "cpr"], focus=["cpr"])
    assert (focused.outcome, focused.entries) == (ANSWER, ("cpr",))
    # Every name in the last clause: all keep their bonus.
    assert decide(ranking, named=["nemkonto", "cpr"], focus=["nemkonto", "cpr"]) == both


def test_names_before_a_last_clause_that_names_nothing_are_the_situation():
    """"No MitID without a CPR. Who do I call?": the question names nothing, the model's reading weighs more."""
    ranking = model(mitid_support=0.55, mitid=0.25, cpr=0.1)
    # With the full bonus, the two names outvote the entry the model understood ...
    assert decide(ranking, named=["mitid", "cpr"]).entries[0] == "mitid"
    # ... with the last clause naming nothing, they count as the situation (0.15 each).
    unfocused = decide(ranking, named=["mitid", "cpr"], focus=[])
    assert (unfocused.outcome, unfocused.entries) == (ANSWER, ("mitid_support",))
    assert dict(unfocused.ranking)["mitid"] == 0.4


def test_the_model_reads_the_last_clause_when_it_holds_the_question():
    """Words of the context ("bank", "open my nemkonto") do not outvote the question's ("the CPR")."""
    from bot.nlu.topic_classifier import TopicClassifier
    from bot.nlu.topic_model import TopicModel
    from bot.nlu.topic_ranking import find_focus

    examples = {
        "nemkonto": ["open a bank account for my salary", "my bank wants a nemkonto", "which bank account",
                     "salary account at the bank", "nemkonto at my bank", "register my bank account"],
        "cpr": ["where do i get a cpr number", "cpr number registration", "get the cpr", "yellow card cpr",
                "how do i get my cpr", "cpr number please"],
        "tax_card": ["tax card", "how do i get a tax card", "my salary tax", "tax card online",
                     "preliminary income tax", "tax card please"],
    }
    texts = [text for texts in examples.values() for text in texts]
    labels = [label for label, texts in examples.items() for _ in texts]
    classifier = TopicClassifier({}, None, None, TopicModel.train(texts, labels))  # type: ignore[arg-type]
    text = "the bank says I need it to open my bank account for the salary, so where do I get the CPR?"
    found = [("nemkonto", text.index("bank account")), ("cpr", text.index("CPR"))]
    assert classifier.rank(text, ["nemkonto", "cpr"], None)[0][0] == "nemkonto"
    assert classifier.rank(text, ["nemkonto", "cpr"], find_focus(text, found))[0][0] == "cpr"
    # All named entries in the last clause: the whole message is ranked as it is.
    everything = find_focus(text, [("nemkonto", text.index("CPR")), ("cpr", text.index("CPR"))])
    assert classifier.rank(text, ["nemkonto", "cpr"], everything) == classifier.rank(text, [], None)
    # The question first, the context after: the question's sentence is read on its own too.
    first = "where do I get the CPR? the bank says I need it to open my bank account for the salary"
    found = [("cpr", first.index("CPR")), ("nemkonto", first.index("bank account"))]
    assert classifier.rank(first, ["cpr", "nemkonto"], None)[0][0] == "nemkonto"
    assert classifier.rank(first, ["cpr", "nemkonto"], find_focus(first, found))[0][0] == "cpr"


def test_a_trained_topic_model_keeps_only_what_prediction_uses():
    """float32 weights in the SVM's own column-major layout (row-major was 8x slower), no stop_words_."""
    import numpy

    from bot.nlu.topic_model import TopicModel
    from tests.test_topic_model_scorer import EXAMPLES  # three labels, enough for the held-out split

    texts = [text for texts in EXAMPLES.values() for text in texts]
    labels = [label for label, texts in EXAMPLES.items() for _ in texts]
    model = TopicModel.train(texts, labels)
    pipeline = model._pipeline
    svm = pipeline.steps[-1][1]
    assert svm.coef_.dtype == numpy.float32 and svm.coef_.flags["F_CONTIGUOUS"]
    assert all(not hasattr(vectorizer, "stop_words_") for _, vectorizer in pipeline.steps[0][1].transformer_list)
    assert model.rank("how do I get the cpr number")[0][0] == "cpr"


def test_the_question_sentence_holds_the_question_wherever_it_stands():
    from bot.nlu.topic_ranking import question_span

    first = "Hvor får jeg mit gule kort? Banken vil se det før de opretter en konto til mig"
    start, end = question_span(first)
    assert first[start:end] == "Hvor får jeg mit gule kort?"
    last = "The bank won't open a NemKonto without a CPR. Where do I get that number?"
    start, end = question_span(last)
    assert last[start:end].strip() == "Where do I get that number?"
    arabic = "أين مكتب International House بالضبط؟ عندي موعد مع SIRI هناك."
    start, end = question_span(arabic)
    assert arabic[start:end] == "أين مكتب International House بالضبط؟"
    # One sentence, no question mark, or only questions: the whole message.
    for whole in ("she has 39.5 fever, who do we call?", "no question here. really", "CPR? And MitID?"):
        assert question_span(whole) == (0, len(whole))


def test_the_focus_is_the_question_sentence_when_its_last_clause_names_nothing():
    from bot.nlu.topic_ranking import find_focus

    text = "What are the opening hours of International House? I need to ask about my EU residence document"
    focus = find_focus(text, [("ihnd", text.index("International")), ("eu_residence", text.index("EU"))])
    assert (focus.entries, text[focus.start:focus.end]) == (
        ("ihnd",), "What are the opening hours of International House?")
    clause = "the bank needs a CPR number for my NemKonto, so where do I get the CPR?"
    focus = find_focus(clause, [("cpr", 17), ("nemkonto", clause.index("NemKonto")), ("cpr", clause.rindex("CPR"))])
    assert (focus.entries, clause[focus.start:focus.end]) == (("cpr",), "so where do I get the CPR?")
    # The question sentence names nothing: no focus (the names are the situation).
    nothing = "No MitID without a CPR. Who do I call?"
    assert find_focus(nothing, [("mitid", 3), ("cpr", 20)]).entries == ()
