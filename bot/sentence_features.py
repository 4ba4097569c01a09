"""The intent classifier's input built from the sentence features alone.

Rasa 3.6's ``LogisticRegressionClassifier._create_X`` asks each message for its combined sparse
and dense features, which copies (``deepcopy``) and joins the per-token *sequence* features as
well, only to throw them away: it uses the sentence features. That was about 4% of the Rasa
server's time per turn in issue #16's profile. :func:`install` replaces it by a version that
joins only the sentence features, in the same order, into one CSR matrix built in one step
(scipy's ``hstack``/``vstack`` of one-row matrices cost 0.6 ms per message); the matrix has the
same shape, dtype and values as Rasa's (tested, and on the trained model, in
``tests/test_sentence_features.py``). Only the Rasa server installs it; training runs Rasa's own.

It also stores the loaded classifier's weights column-major. scikit-learn multiplies the sparse
features with the transpose of the weights, and scipy needs that transpose C-contiguous, so
with Rasa's row-major weights it copied all of them (14 intents x 50,000 features) on every
message: 0.87 ms of the 1.0 ms prediction, against 0.12 ms without the copy, with the same
probabilities (tested in ``tests/test_sentence_features.py``).
"""

from __future__ import annotations

from typing import Any, List

_ORIGINAL: Any = None
_ORIGINAL_LOAD: Any = None


def create_x(self: Any, messages: List[Any]) -> Any:
    """``LogisticRegressionClassifier._create_X`` without the sequence features.

    The matrix is built in one step from each message's sentence features: the sparse ones in
    order, then the dense ones, as Rasa's ``hstack`` and ``vstack`` join them (float64, the
    dtype Rasa's empty dense part gives the join). Features of another shape go the long way.
    """
    import numpy as np
    from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, TEXT
    from scipy.sparse import csr_matrix

    data: List[Any] = []
    indices: List[Any] = []
    indptr = [0]
    width: Any = None
    for message in messages:
        sparse: List[Any] = []
        dense: List[Any] = []
        for feature in message.features:
            if feature.attribute != TEXT or feature.type != FEATURE_TYPE_SENTENCE:
                continue
            (sparse if feature.is_sparse() else dense).append(feature.features)
        offset = 0
        count = 0
        for matrix in sparse:
            if matrix.shape[0] != 1:
                return _joined(messages)
            coo = matrix.tocoo()
            order = np.argsort(coo.col, kind="stable")
            data.append(coo.data[order])
            indices.append(coo.col[order].astype(np.int64) + offset)
            offset += matrix.shape[1]
            count += coo.nnz
        for array in dense:
            row = np.asarray(array)
            if row.ndim != 2 or row.shape[0] != 1:
                return _joined(messages)
            columns = np.flatnonzero(row[0])
            data.append(row[0][columns])
            indices.append(columns.astype(np.int64) + offset)
            offset += row.shape[1]
            count += len(columns)
        if width is None:
            width = offset
        elif width != offset:
            return _joined(messages)  # Rasa's vstack raises its own error
        indptr.append(indptr[-1] + count)
    if not messages:
        return _joined(messages)
    values = np.concatenate(data).astype(np.float64) if data else np.zeros(0, dtype=np.float64)
    columns_all = np.concatenate(indices) if indices else np.zeros(0, dtype=np.int64)
    return csr_matrix((values, columns_all, np.array(indptr, dtype=np.int64)), shape=(len(messages), width))


def _joined(messages: List[Any]) -> Any:
    """The matrix joined with scipy's ``hstack`` and ``vstack``, as Rasa builds it."""
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


def column_major_weights(classifier: Any) -> Any:
    """Store a loaded ``LogisticRegressionClassifier``'s weights column-major; return it."""
    import numpy as np

    model = getattr(classifier, "clf", None)
    if model is not None and hasattr(model, "coef_"):
        model.coef_ = np.asfortranarray(model.coef_)
    return classifier


def _load(cls: Any, *args: Any, **kwargs: Any) -> Any:
    return column_major_weights(_ORIGINAL_LOAD.__func__(cls, *args, **kwargs))


def install() -> None:
    """Replace ``_create_X`` by :func:`create_x` and make loaded weights column-major, in this process."""
    global _ORIGINAL, _ORIGINAL_LOAD
    from rasa.nlu.classifiers.logistic_regression_classifier import LogisticRegressionClassifier

    if _ORIGINAL is None:
        _ORIGINAL = LogisticRegressionClassifier._create_X
        LogisticRegressionClassifier._create_X = create_x  # type: ignore[method-assign]
    if _ORIGINAL_LOAD is None:
        _ORIGINAL_LOAD = LogisticRegressionClassifier.__dict__["load"]
        LogisticRegressionClassifier.load = classmethod(_load)  # type: ignore[method-assign,assignment]
