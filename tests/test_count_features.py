"""The count-vector features counted directly are exactly Rasa's, matrix for matrix."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
import yaml
from sklearn.feature_extraction.text import CountVectorizer

from bot import count_features
from tests.conftest import ROOT, trained_agent


def rasa_create_features(component: Any, attribute: str, all_tokens: list) -> tuple:
    from rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer import CountVectorsFeaturizer

    original = count_features._ORIGINAL or CountVectorsFeaturizer._create_features
    return original(component, attribute, all_tokens)


def assert_same(ours: Any, theirs: Any) -> None:
    if theirs is None:
        assert ours is None
        return
    assert ours.format == theirs.format == "coo"
    assert ours.shape == theirs.shape and ours.dtype == theirs.dtype
    assert (ours.row == theirs.row).all() and (ours.col == theirs.col).all() and (ours.data == theirs.data).all()


class Featurizer:
    """The attributes ``_create_features`` reads from a ``CountVectorsFeaturizer``."""

    def __init__(self, vectorizer: Any) -> None:
        self.vectorizers = {"text": vectorizer}


@pytest.mark.parametrize("options", [
    {"analyzer": "word", "token_pattern": r"(?u)\b\w+\b"},
    {"analyzer": "char_wb", "ngram_range": (2, 5)},
    {"analyzer": "word", "binary": True},
])
def test_the_counts_are_scikit_learns(options):
    corpus = ["how do i get a tax card", "tax card tax card", "cpr number for my wife", "danish lessons"]
    vectorizer = CountVectorizer(**options).fit(corpus)
    featurizer = Featurizer(vectorizer)
    tokens = [["tax", "card", "tax", "unknown"], [], ["zzz"], ["cpr", "wife", "cpr"]]
    ours = count_features.create_features(featurizer, "text", tokens)
    theirs = rasa_create_features(featurizer, "text", tokens)
    for mine, rasa in zip([*ours[0], *ours[1]], [*theirs[0], *theirs[1]], strict=True):
        assert_same(mine, rasa)


def test_an_attribute_without_a_vectorizer_or_tokens_has_no_features():
    assert count_features.create_features(Featurizer(None), "text", [["a"]]) == ([None], [None])
    unfitted = Featurizer(CountVectorizer())  # never fitted: no tokens means it is never asked
    assert count_features.create_features(unfitted, "text", [[]]) == ([None], [None])
    assert count_features.create_features(unfitted, "action_name", [[]]) == ([None], [None])


@pytest.mark.slow
def test_the_trained_featurizers_give_rasas_matrices():
    from rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer import CountVectorsFeaturizer

    agent: Any = trained_agent()
    nodes = agent.processor.graph_runner._instantiated_nodes
    featurizers = [node._component for node in nodes.values()
                   if isinstance(getattr(node, "_component", None), CountVectorsFeaturizer)]
    assert len(featurizers) == 2
    texts = ["", "hi", "Hvornår har I åbent på fredag?", "Моя жена приехала со мной", "كيف أحصل على رقم CPR"]
    for path in sorted((ROOT / "tests" / "nlu_holdout").glob("*.yml")):
        for block in yaml.safe_load(path.read_text(encoding="utf-8"))["nlu"]:
            texts.extend(line[2:].strip() for line in block["examples"].splitlines() if line.startswith("- "))
    tokenizer = next(node._component for node in nodes.values()
                     if type(getattr(node, "_component", None)).__name__ == "MultilingualTokenizer")
    from rasa.shared.nlu.training_data.message import Message

    messages = [Message(data={"text": text}) for text in texts]
    for featurizer in featurizers:
        for message in tokenizer.process(list(messages)):
            tokens = featurizer._get_processed_message_tokens_by_attribute(message, "text")
            ours = count_features.create_features(featurizer, "text", [tokens])
            theirs = rasa_create_features(featurizer, "text", [tokens])
            assert_same(ours[0][0], theirs[0][0])
            assert_same(ours[1][0], theirs[1][0])
    count_features.install()
    assert asyncio.run(agent.parse_message("Hvornår har I åbent på fredag?"))["intent"]["name"] == "ask_hours"
