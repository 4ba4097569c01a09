"""The intent classifier's input built from the sentence features alone.

Rasa 3.6's ``LogisticRegressionClassifier._create_X`` asks each message for its combined sparse
and dense features, which copies (``deepcopy``) and joins the per-token *sequence* features as
well, only to throw them away: it uses the sentence features. That was about 4% of the Rasa
server's time per turn in issue #16's profile. :func:`install` replaces it by a version that
joins only the sentence features, in the same order and with the same scipy and numpy calls, so
the matrix is the same (tested on the trained model in ``tests/test_sentence_features.py``).
Only the Rasa server installs it; training runs Rasa's own.
"""

from __future__ import annotations

from typing import Any, List

_ORIGINAL: Any = None


def create_x(self: Any, messages: List[Any]) -> Any:
    """``LogisticRegressionClassifier._create_X`` without the sequence features."""
    import numpy as np
    from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, TEXT
    from scipy.sparse import csr_matrix, hstack, vstack

    rows = []
    for message in messages:
        sparse = None
        dense = None
        for feature in message.features:
            if feature.attribute != TEXT or feature.type != FEATURE_TYPE_SENTENCE:
                continue
            if feature.is_sparse():
                sparse = feature.features if sparse is None else hstack([sparse, feature.features])
            else:
                dense = feature.features if dense is None else np.concatenate((dense, feature.features), axis=-1)
        rows.append(hstack([csr_matrix(sparse if sparse is not None else []),
                            csr_matrix(dense if dense is not None else [])]))
    return vstack(rows)


def install() -> None:
    """Replace ``LogisticRegressionClassifier._create_X`` by :func:`create_x` in this process."""
    global _ORIGINAL
    from rasa.nlu.classifiers.logistic_regression_classifier import LogisticRegressionClassifier

    if _ORIGINAL is None:
        _ORIGINAL = LogisticRegressionClassifier._create_X
        LogisticRegressionClassifier._create_X = create_x  # type: ignore[method-assign]
