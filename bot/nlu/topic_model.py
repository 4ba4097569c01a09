"""A learned model of which content entry a message is about, from example questions.

Character n-grams (2 to 5 letters within words) and word unigrams and bigrams, both TF-IDF
weighted over the lower-cased, diacritic-free text, feed a linear SVM with class weights balanced
against how many examples each label has (the "none" and chat labels have many more than an entry);
a softmax with a temperature fitted on a held-out split turns its scores into probabilities. The
character n-grams make it work across eight languages and survive typos and inflection
("skatekort", "skattekortet"); the words carry the situations ("my wife", "hire"). Measured
choices: ``docs/nlu.md``.
"""

from __future__ import annotations

import pickle
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

from bot.nlu.gazetteer import SCRIPT_CHANGE, normalise

MODEL_FILE = "topic_model.pkl"
#: The name of the word features in the pipeline's feature union (:func:`_pipeline`).
WORDS_PART = "words"


def normalise_text(text: str) -> str:
    """Lower-case the text and remove diacritics, as the gazetteer does for single words.

    A Latin word with an Arabic article or preposition written onto it ("الـCPR", "بالborgerservice")
    is split from it, as the gazetteer's words are (:data:`bot.nlu.gazetteer.SCRIPT_CHANGE`): the
    model learns "cpr" from "رقم الـCPR" as from "CPR".
    """
    return SCRIPT_CHANGE.sub(" ", normalise(text))


class TopicModel:
    """Ranks labels (entry ids and the "none" label) for a message."""

    def __init__(self, pipeline: object, labels: Sequence[str], temperature: float = 0.2) -> None:
        """Wrap a fitted scikit-learn pipeline (use :meth:`train` or :meth:`load`)."""
        self._pipeline = pipeline
        self.labels = tuple(labels)
        self.temperature = temperature
        self._scorer: SparseScorer | None = None

    @classmethod
    def train(
        cls, texts: Sequence[str], labels: Sequence[str], c: float = 1.0, seed: int = 0,
        weights: Optional[Mapping[str, float]] = None,
    ) -> TopicModel:
        """Fit the model and its temperature.

        Args:
            texts: Example messages.
            labels: The label of each message.
            c: Regularisation parameter of the linear SVM.
            seed: Seed of the held-out split used to fit the temperature.
            weights: Factors on the balanced class weight of some labels (see :func:`class_weights`).

        Returns:
            The trained model.
        """
        import numpy
        from sklearn.model_selection import train_test_split

        counts: Dict[str, int] = {}
        for label in labels:
            counts[label] = counts.get(label, 0) + 1
        splittable = [index for index, label in enumerate(labels) if counts[label] >= 4]
        _, held_idx = train_test_split(
            splittable, test_size=0.15, random_state=seed, stratify=[labels[i] for i in splittable]
        )
        rest = sorted(set(range(len(labels))) - set(held_idx))
        # The probe (for the temperature) and the final model are independent fits of 25-30 s each
        # on these machines' two cores: fitted side by side, training takes the longer of the two
        # instead of their sum (docs/benchmarks.md). The fits are the same as one after the other.
        probe, pipeline = _fit_side_by_side(
            [([texts[i] for i in rest], [labels[i] for i in rest]), (list(texts), list(labels))], c, weights or {}
        )
        scores = probe.decision_function([texts[i] for i in held_idx])
        classes = list(probe.classes_)
        truth = numpy.array([classes.index(labels[i]) for i in held_idx])
        temperature = min(TEMPERATURES, key=lambda value: _log_loss(scores, truth, value))
        return cls(pipeline, [str(label) for label in pipeline.classes_], temperature)

    def rank(self, text: str) -> List[Tuple[str, float]]:
        """Every label with its probability for ``text``, best first."""
        return self.rank_many([text])[0]

    def known_words(self, text: str) -> int:
        """How many of the text's words occur in the example questions ("xqzv plorm": none)."""
        if self._scorer is None:
            self._scorer = SparseScorer(self._pipeline)
        return self._scorer.known_words(text)

    def rank_many(self, texts: Sequence[str]) -> List[List[Tuple[str, float]]]:
        """:meth:`rank` for several texts at once."""
        if self._scorer is None:
            self._scorer = SparseScorer(self._pipeline)
        scores = self._scorer.decision_function(texts)
        return [
            sorted(zip(self.labels, (float(value) for value in row), strict=True), key=lambda item: -item[1])
            for row in _softmax(scores, self.temperature)
        ]

    def save(self, directory: Path) -> None:
        """Write the model into ``directory`` (a model-storage folder)."""
        with open(directory / MODEL_FILE, "wb") as handle:
            pickle.dump({"pipeline": self._pipeline, "labels": self.labels, "temperature": self.temperature}, handle)

    @classmethod
    def load(cls, directory: Path) -> TopicModel:
        """Read a model written by :meth:`save` (only from our own trained model archives)."""
        with open(directory / MODEL_FILE, "rb") as handle:
            # Our own model file, written by save() at training time (as Rasa's sklearn components do).
            data = pickle.load(handle)
        return cls(data["pipeline"], data["labels"], float(data["temperature"]))


class SparseScorer:
    """The fitted pipeline's ``decision_function``, computed directly from its fitted parts.

    scikit-learn's own path costs 2.9 ms per message for a few hundred non-zero features: input
    validation, a joblib dispatch per vectoriser, building, stacking and converting sparse
    matrices (profile in ``docs/benchmarks.md``). This does the same arithmetic on the same
    fitted vocabularies, IDF weights and SVM weights: each vectoriser's analyser (the same
    function scikit-learn calls), counts per known n-gram, ``1 + log(count)`` (``sublinear_tf``),
    times the IDF, L2-normalised per vectoriser as ``TfidfVectorizer`` does, and the dot product
    with the weights of those columns only. Tests compare both paths on the training questions.
    """

    def __init__(self, pipeline: Any) -> None:
        """Read the vocabularies, IDF weights and SVM weights of a fitted pipeline."""
        import numpy

        features, svm = pipeline.steps[0][1], pipeline.steps[-1][1]
        if getattr(features, "transformer_weights", None):
            raise ValueError("weighted feature unions are not supported")
        self._parts: List[Tuple[Any, Dict[str, int], Any, int]] = []
        self._words: Optional[Tuple[Any, Dict[str, int]]] = None
        offset = 0
        for name, vectorizer in features.transformer_list:
            if name == WORDS_PART:
                self._words = (vectorizer.build_analyzer(), vectorizer.vocabulary_)
            if not (vectorizer.sublinear_tf and vectorizer.use_idf and vectorizer.norm == "l2"):
                raise ValueError("only sublinear, IDF-weighted, L2-normalised TF-IDF is supported")
            idf = numpy.asarray(vectorizer.idf_, dtype=vectorizer.dtype)
            self._parts.append((vectorizer.build_analyzer(), vectorizer.vocabulary_, idf, offset))
            offset += len(vectorizer.vocabulary_)
        self._coef = svm.coef_  # labels x features, column-major (see _compact): a column per feature
        self._intercept = svm.intercept_
        self._dtype = self._coef.dtype

    def known_words(self, text: str) -> int:
        """How many of the text's words the examples had (word unigrams in the vocabulary)."""
        if self._words is None:
            return 0
        analyzer, vocabulary = self._words
        return sum(1 for gram in analyzer(text) if " " not in gram and gram in vocabulary)

    def decision_function(self, texts: Sequence[str]) -> Any:
        """The SVM's score of every label for each text (texts x labels)."""
        import numpy

        return numpy.vstack([self._scores(text) for text in texts])

    def _scores(self, text: str) -> Any:
        import numpy

        columns: List[Any] = []
        values: List[Any] = []
        for analyzer, vocabulary, idf, offset in self._parts:
            counts: Dict[int, int] = {}
            for gram in analyzer(text):
                index = vocabulary.get(gram)
                if index is not None:
                    counts[index] = counts.get(index, 0) + 1
            if not counts:
                continue
            index_array = numpy.fromiter(counts.keys(), dtype=numpy.intp, count=len(counts))
            weights = numpy.fromiter(counts.values(), dtype=self._dtype, count=len(counts))
            weights = (numpy.log(weights) + 1) * idf[index_array]
            weights /= numpy.sqrt(numpy.dot(weights, weights))
            columns.append(index_array + offset)
            values.append(weights)
        if not columns:
            return self._intercept.copy()
        column_array = numpy.concatenate(columns)
        return self._coef[:, column_array] @ numpy.concatenate(values) + self._intercept


#: Processes fitting the probe and the final model at training time (the machines have two cores).
TRAINING_JOBS = 2

#: The linear SVM's stopping tolerance (scikit-learn's default is 1e-4; see :func:`_pipeline`).
SVM_TOLERANCE = 1e-3

#: Softmax temperatures tried at training time.
TEMPERATURES = (0.05, 0.08, 0.1, 0.12, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5)


def _softmax(scores: Any, temperature: float) -> Any:
    import numpy

    scaled = numpy.asarray(scores, dtype=numpy.float64) / temperature
    scaled -= scaled.max(axis=1, keepdims=True)
    exp = numpy.exp(scaled)
    return exp / exp.sum(axis=1, keepdims=True)


def _log_loss(scores: Any, truth: Any, temperature: float) -> float:
    import numpy

    probabilities = _softmax(scores, temperature)
    return float(-numpy.mean(numpy.log(probabilities[numpy.arange(len(truth)), truth] + 1e-12)))


def class_weights(labels: Sequence[str], factors: Mapping[str, float]) -> Dict[str, float]:
    """Balanced class weights (scikit-learn's ``n / (k * count)``), times a factor for some labels.

    Balanced weights give every label the same total weight, whatever its number of examples. The
    "none" label is not one topic but everything we do not cover, so its examples are spread far
    wider than an entry's; with the same total weight, a message about something we do not cover
    that uses our situational words (moving, wife, papers) was pulled to an entry. A factor of 2 on
    it, chosen on a development split of the example questions (docs/nlu.md, "Saying no to what
    we do not cover"), raised held-out "none" recall from 0.574 to 0.657 for 0.0012 of entry accuracy.
    """
    counts: Dict[str, int] = {}
    for label in labels:
        counts[label] = counts.get(label, 0) + 1
    total, kinds = len(labels), len(counts)
    return {label: total / (kinds * count) * factors.get(label, 1.0) for label, count in counts.items()}


def _pipeline(c: float, labels: Sequence[str], factors: Mapping[str, float]) -> Any:
    """The untrained feature extraction and classifier, its labels weighted by :func:`class_weights`."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import FeatureUnion, make_pipeline
    from sklearn.svm import LinearSVC

    features = FeatureUnion(
        [
            ("chars", TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=2,
                                      preprocessor=normalise_text, dtype=_float32())),
            (WORDS_PART, TfidfVectorizer(analyzer="word", ngram_range=(1, 2), sublinear_tf=True, min_df=1,
                                      preprocessor=normalise_text, token_pattern=r"(?u)\b\w+\b",
                                      dtype=_float32())),
        ]
    )
    # Balanced class weights: +0.8 points on a dev split of the example questions (docs/nlu.md).
    # A fixed seed for liblinear's order of coordinates: the same data gives the same model.
    # Stopping tolerance 1e-3 instead of scikit-learn's 1e-4: the same entry for every one of the
    # user-voice set's 10,190 sentences, and the SVM's fit 33.1 -> 23.7 s (docs/benchmarks.md).
    svm = LinearSVC(C=c, class_weight=class_weights(labels, factors), random_state=0, tol=SVM_TOLERANCE)
    return make_pipeline(features, svm)


def _fit(texts: Sequence[str], labels: Sequence[str], c: float, factors: Mapping[str, float]) -> Any:
    """One pipeline fitted on the texts and compacted (a function, so that joblib can send it to a worker).

    Compacted in the worker: what comes back to the main process is half the size (float32 weights,
    no ``stop_words_``), which saves its pickling and unpickling.
    """
    return _compact(_pipeline(c, labels, factors).fit(list(texts), list(labels)))


def _fit_side_by_side(
    datasets: Sequence[Tuple[Sequence[str], Sequence[str]]], c: float, factors: Mapping[str, float]
) -> List[Any]:
    """Fit one pipeline per (texts, labels) pair, in parallel processes, in the pairs' order."""
    from joblib import Parallel, delayed

    jobs = min(len(datasets), TRAINING_JOBS)
    return list(Parallel(n_jobs=jobs)(delayed(_fit)(texts, labels, c, factors) for texts, labels in datasets))


def _compact(pipeline: Any) -> Any:
    """The fitted pipeline without what prediction does not use, and its weights in float32.

    The vectorisers' ``stop_words_`` only lists the n-grams ``min_df`` dropped (37,000 strings);
    the SVM's weights (54 labels x 132,000 features) take 57 MB in float64 and 29 MB in float32,
    which the float32 features are multiplied with anyway. Measured in ``docs/benchmarks.md``.
    """
    import numpy

    features, svm = pipeline.steps[0][1], pipeline.steps[-1][1]
    for _, vectorizer in features.transformer_list:
        if hasattr(vectorizer, "stop_words_"):
            del vectorizer.stop_words_
    # Column-major like LinearSVC's own weights: the product with the sparse features reads the
    # transpose row by row (row-major float32 weights made it 8 times slower, 10.4 ms against 1.3).
    svm.coef_ = numpy.asfortranarray(svm.coef_, dtype=numpy.float32)
    svm.intercept_ = svm.intercept_.astype(numpy.float32)
    return pipeline


def _float32() -> type:
    import numpy

    return numpy.float32
