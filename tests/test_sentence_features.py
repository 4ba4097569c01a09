"""The intent classifier gets the same matrix from bot.sentence_features as from Rasa's own code."""

from __future__ import annotations

import asyncio
from typing import Any

import numpy as np
import pytest
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, FEATURE_TYPE_SEQUENCE, TEXT
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message
from scipy.sparse import coo_matrix

from bot import sentence_features
from tests.conftest import trained_agent


def rasa_create_x(messages):
    from rasa.nlu.classifiers.logistic_regression_classifier import LogisticRegressionClassifier

    original = sentence_features._ORIGINAL or LogisticRegressionClassifier._create_X
    return original(None, messages)


def message_with_features() -> Message:
    message = Message(data={TEXT: "a b c"})
    rng = np.random.default_rng(1)
    for origin, width in (("words", 5), ("chars", 7)):
        message.add_features(Features(coo_matrix(rng.random((3, width))), FEATURE_TYPE_SEQUENCE, TEXT, origin))
        message.add_features(Features(coo_matrix(rng.random((1, width))), FEATURE_TYPE_SENTENCE, TEXT, origin))
    message.add_features(Features(rng.random((1, 4)), FEATURE_TYPE_SENTENCE, TEXT, "dense"))
    return message


def test_the_sentence_features_are_joined_as_rasa_joins_them():
    messages = [message_with_features(), message_with_features()]
    ours = sentence_features.create_x(None, messages)
    assert ours.shape == (2, 5 + 7 + 4)
    theirs = rasa_create_x(messages)
    assert ours.dtype == theirs.dtype and (ours.toarray() == theirs.toarray()).all()


def test_unsorted_entries_explicit_zeros_and_count_features_join_the_same():
    message = Message(data={TEXT: "a b"})
    unsorted = coo_matrix((np.array([3, 0, 1]), (np.array([0, 0, 0]), np.array([4, 2, 0]))), shape=(1, 6))
    message.add_features(Features(unsorted, FEATURE_TYPE_SENTENCE, TEXT, "words"))
    message.add_features(Features(coo_matrix(np.array([[0, 2, 0]])), FEATURE_TYPE_SENTENCE, TEXT, "chars"))
    message.add_features(Features(np.array([[0.0, 1.5]]), FEATURE_TYPE_SENTENCE, TEXT, "dense"))
    without_dense = Message(data={TEXT: "c"})
    without_dense.add_features(Features(coo_matrix(np.zeros((1, 9))), FEATURE_TYPE_SENTENCE, TEXT, "words"))
    for messages in ([message], [without_dense]):
        ours, theirs = sentence_features.create_x(None, messages), rasa_create_x(messages)
        assert ours.shape == theirs.shape and ours.dtype == theirs.dtype == np.float64
        assert (ours.toarray() == theirs.toarray()).all()


def test_features_of_another_shape_are_joined_the_long_way():
    message = Message(data={TEXT: "a b"})
    message.add_features(Features(coo_matrix(np.ones((2, 3))), FEATURE_TYPE_SENTENCE, TEXT, "words"))
    for create in (rasa_create_x, lambda messages: sentence_features.create_x(None, messages)):
        with pytest.raises(ValueError, match="Mismatching dimensions"):
            create([message])
    short = Message(data={TEXT: "c"})
    short.add_features(Features(coo_matrix(np.ones((1, 2))), FEATURE_TYPE_SENTENCE, TEXT, "words"))
    with pytest.raises(ValueError):
        rasa_create_x([message_with_features(), short])
    with pytest.raises(ValueError):
        sentence_features.create_x(None, [message_with_features(), short])


@pytest.mark.slow
def test_the_trained_model_predicts_the_same_intents_and_confidences():
    from rasa.nlu.classifiers.logistic_regression_classifier import LogisticRegressionClassifier

    agent: Any = trained_agent()
    texts = ["When are you open on Friday?", "hvordan får jeg et skattekort", "Moja żona przyjechała ze mną", "hi"]
    installed = LogisticRegressionClassifier._create_X  # another test may have installed the fixes
    try:
        LogisticRegressionClassifier._create_X = sentence_features._ORIGINAL or installed  # type: ignore[method-assign]
        assert LogisticRegressionClassifier._create_X is not sentence_features.create_x
        expected = [asyncio.run(agent.parse_message(text)) for text in texts]
        LogisticRegressionClassifier._create_X = sentence_features.create_x  # type: ignore[method-assign]
        assert [asyncio.run(agent.parse_message(text)) for text in texts] == expected
    finally:
        LogisticRegressionClassifier._create_X = installed  # type: ignore[method-assign]


def test_column_major_weights_give_the_same_probabilities():
    from scipy.sparse import random as sparse_random
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(3)
    features = sparse_random(60, 400, density=0.05, format="csr", random_state=3)
    model = LogisticRegression(max_iter=200).fit(features, rng.integers(0, 4, 60))
    assert not model.coef_.flags["F_CONTIGUOUS"]
    expected = model.predict_proba(features)

    class Component:
        clf = model

    assert sentence_features.column_major_weights(Component) is Component
    assert model.coef_.flags["F_CONTIGUOUS"]
    np.testing.assert_allclose(model.predict_proba(features), expected, rtol=1e-12, atol=0)


@pytest.mark.slow
def test_the_loaded_classifier_keeps_its_weights_column_major():
    from rasa.nlu.classifiers.logistic_regression_classifier import LogisticRegressionClassifier

    sentence_features.install()
    agent: Any = trained_agent()
    nodes = agent.processor.graph_runner._instantiated_nodes  # type: ignore[attr-defined]
    classifiers = [node for node in nodes.values() if isinstance(getattr(node, "_component", None),
                                                                   LogisticRegressionClassifier)]
    assert len(classifiers) == 1
    assert classifiers[0]._component.clf.coef_.flags["F_CONTIGUOUS"]
