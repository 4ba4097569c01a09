"""Rasa's count-vector features for a message, counted directly from the fitted vocabulary.

``CountVectorsFeaturizer._create_features`` calls scikit-learn's ``CountVectorizer.transform``
twice per message and attribute (one row per token, then the whole sentence), sorts each
result and converts it to COO. For one short message most of that time is scipy's and
scikit-learn's checks around four tiny matrices (issue #16's profile, ``docs/benchmarks.md``).
:func:`create_features` counts the same n-grams with the vectorizer's own analyser and
vocabulary and builds each COO matrix once: same shape, dtype, entries and entry order
(compared with Rasa's on the trained model in ``tests/test_count_features.py``). Only the Rasa
server installs it; training runs Rasa's own.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Sequence, Text, Tuple

_ORIGINAL: Any = None
_COUNTERS: Dict[int, Tuple[Any, NgramCounter]] = {}


class NgramCounter:
    """``CountVectorizer.transform`` followed by ``sort_indices()`` and ``tocoo()``, for a fitted vectorizer."""

    def __init__(self, vectorizer: Any) -> None:
        """Take the fitted vectorizer's analyser, vocabulary and output dtype."""
        if not hasattr(vectorizer, "vocabulary_"):
            # Rasa loads vectorizers with a given vocabulary; transform() would validate it first.
            vectorizer._validate_vocabulary()
        self._analyze = vectorizer.build_analyzer()
        self._vocabulary: Dict[str, int] = vectorizer.vocabulary_
        self._dtype = vectorizer.dtype
        self._binary = bool(vectorizer.binary)
        self.width = len(self._vocabulary)

    def matrix(self, documents: Sequence[str]) -> Any:
        """A COO matrix with a row of n-gram counts per document, entries in row then column order."""
        import numpy as np
        from scipy.sparse import coo_matrix

        rows: List[int] = []
        columns: List[int] = []
        values: List[int] = []
        vocabulary = self._vocabulary
        for row, document in enumerate(documents):
            counts: Dict[int, int] = {}
            for gram in self._analyze(document):
                index = vocabulary.get(gram)
                if index is not None:
                    counts[index] = counts.get(index, 0) + 1
            for index in sorted(counts):
                rows.append(row)
                columns.append(index)
                values.append(1 if self._binary else counts[index])
        return coo_matrix(
            (np.array(values, dtype=self._dtype), (np.array(rows, dtype=np.int32), np.array(columns, dtype=np.int32))),
            shape=(len(documents), self.width),
        )


def counter_for(vectorizer: Any) -> NgramCounter:
    """The counter of a vectorizer, built once per vectorizer object."""
    cached = _COUNTERS.get(id(vectorizer))
    if cached is None or cached[0] is not vectorizer:
        cached = (vectorizer, NgramCounter(vectorizer))
        _COUNTERS[id(vectorizer)] = cached
    return cached[1]


def create_features(
    self: Any, attribute: Text, all_tokens: List[List[Text]]
) -> Tuple[List[Optional[Any]], List[Optional[Any]]]:
    """``CountVectorsFeaturizer._create_features``, counted directly (see the module docstring)."""
    from rasa.nlu.constants import DENSE_FEATURIZABLE_ATTRIBUTES

    vectorizer = (self.vectorizers or {}).get(attribute)
    if not vectorizer:
        return [None], [None]
    sequence_features: List[Optional[Any]] = []
    sentence_features: List[Optional[Any]] = []
    for tokens in all_tokens:
        if not tokens:
            sequence_features.append(None)
            sentence_features.append(None)
            continue
        counter = counter_for(vectorizer)  # only now: an attribute without tokens may have no vocabulary
        sequence_features.append(counter.matrix(tokens))
        if attribute in DENSE_FEATURIZABLE_ATTRIBUTES:
            sentence_features.append(counter.matrix([" ".join(tokens)]))
        else:
            sentence_features.append(None)
    return sequence_features, sentence_features


def install() -> None:
    """Replace ``CountVectorsFeaturizer._create_features`` by :func:`create_features` in this process."""
    global _ORIGINAL
    from rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer import CountVectorsFeaturizer

    if _ORIGINAL is None:
        _ORIGINAL = CountVectorsFeaturizer._create_features
        CountVectorsFeaturizer._create_features = create_features  # type: ignore[method-assign]
