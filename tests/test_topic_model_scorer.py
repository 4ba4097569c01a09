"""The topic model's direct scorer gives scikit-learn's scores, on a small model and the trained one."""

from __future__ import annotations

import tarfile
from pathlib import Path

import numpy
import pytest
import yaml

from bot.nlu.topic_model import MODEL_FILE, SparseScorer, TopicModel
from tests.conftest import ROOT, trained_model

EXAMPLES = {
    "tax_card": ["tax card please", "how do i get a tax card", "my tax card online", "tax card for my salary",
                 "preliminary tax card", "tax card from skat", "change my tax card", "is my tax card ready"],
    "cpr": ["cpr number please", "where do i get a cpr number", "get the cpr", "my cpr registration",
            "yellow card cpr", "cpr for my wife", "register for a cpr", "lost my cpr card"],
    "danish": ["danish lessons", "learn danish", "language school danish", "danish course for me",
               "free danish classes", "danish for my husband", "evening danish course", "study danish"],
}

#: Texts the vocabularies know in part, not at all, or only as characters.
ODD_TEXTS = ["", " ", "?!", "😀😀", "zzzzqqq xxyyw", "CPR CPR CPR cpr", "Skattekortet – hvordan?",
             "a" * 2000, "tax\ncard\tnow", "ŻÓŁĆ", "كيف أحصل على رقم CPR"]


def small_model() -> TopicModel:
    texts = [text for texts in EXAMPLES.values() for text in texts]
    labels = [label for label, texts in EXAMPLES.items() for _ in texts]
    return TopicModel.train(texts, labels)


def assert_same_scores(model: TopicModel, texts: list) -> None:
    pipeline = model._pipeline
    expected = pipeline.decision_function(texts)  # type: ignore[attr-defined]
    got = SparseScorer(pipeline).decision_function(texts)
    assert got.shape == expected.shape and got.dtype == expected.dtype
    numpy.testing.assert_allclose(got, expected, rtol=0, atol=2e-5)


def test_the_scorer_gives_the_pipelines_scores_on_a_small_model():
    model = small_model()
    assert_same_scores(model, [text for texts in EXAMPLES.values() for text in texts] + ODD_TEXTS)


def test_a_text_without_a_known_feature_scores_the_intercepts():
    model = small_model()
    svm = model._pipeline.steps[-1][1]  # type: ignore[attr-defined]
    scores = SparseScorer(model._pipeline).decision_function(["😀"])
    assert (scores[0] == svm.intercept_).all()


def test_rank_uses_the_scorer_and_keeps_the_ranking():
    model = small_model()
    ranking = model.rank("how do I get the cpr number")
    assert next(label for label, _ in ranking) == "cpr"
    assert abs(sum(probability for _, probability in ranking) - 1) < 1e-9
    assert model._scorer is not None


def test_an_unsupported_pipeline_is_refused():
    model = small_model()
    vectorizer = model._pipeline.steps[0][1].transformer_list[0][1]  # type: ignore[attr-defined]
    vectorizer.sublinear_tf = False
    with pytest.raises(ValueError, match="sublinear"):
        SparseScorer(model._pipeline)


@pytest.mark.slow
def test_the_trained_models_scores_and_rankings_are_unchanged(tmp_path: Path):
    with tarfile.open(trained_model()) as archive:
        member = next(item for item in archive.getmembers() if item.name.endswith("/" + MODEL_FILE))
        (tmp_path / MODEL_FILE).write_bytes(archive.extractfile(member).read())  # type: ignore[union-attr]
    model = TopicModel.load(tmp_path)
    texts = list(ODD_TEXTS)
    for path in sorted((ROOT / "tests" / "nlu_holdout").glob("*.yml")):
        for block in yaml.safe_load(path.read_text(encoding="utf-8"))["nlu"]:
            texts.extend(line[2:].strip() for line in block["examples"].splitlines() if line.startswith("- "))
    assert len(texts) > 800
    assert_same_scores(model, texts)
    expected = model._pipeline.decision_function(texts)  # type: ignore[attr-defined]
    labels = numpy.array(model.labels)
    assert [ranked[0][0] for ranked in model.rank_many(texts)] == list(labels[expected.argmax(axis=1)])


def test_known_words_counts_the_words_the_examples_had():
    model = small_model()
    assert model.known_words("xqzv plorm grublet") == 0
    assert model.known_words("👍") == 0
    assert model.known_words("xqzv danish lessons") == 2
    assert model.known_words("Danish, DANISH!") == 2  # lower-cased as the model reads it
