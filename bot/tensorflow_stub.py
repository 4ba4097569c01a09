"""Keep TensorFlow out of the Rasa server when the model uses none of it.

Rasa 3.6 imports TensorFlow when it starts, whatever the model: ``rasa.core.agent`` reaches
``rasa.utils.tensorflow.callback`` through the policies' featurizers. Our pipeline has no
TensorFlow component (``config.yml``: logistic regression, count vectors, our own components
and the rule policy), yet the import alone took 470 MB of the Rasa server's 640 MB before the
model was loaded, and about 2.5 s of its start (measured in ``docs/benchmarks.md``, issue #16).

:func:`install_if_unused` reads the model archive's ``metadata.json`` *before* Rasa is imported.
When every component of its prediction graph is one known not to use TensorFlow at prediction
time (:data:`TENSORFLOW_FREE`), it puts an import hook first on ``sys.meta_path`` that answers
``import tensorflow`` (and its companion packages) with inert placeholders: any attribute is a
placeholder class (so Rasa's ``class RasaModel(tf.keras.Model)`` still defines), calling one
returns an empty tuple, and a decorator returns the function it decorates. Nothing in such a
model ever calls them at prediction time. Any other model (DIET, TED, ResponseSelector, dense
featurizers, anything unknown) gets the real TensorFlow. Only ``bot.rasa_server`` calls it;
training and ``STOCK_RASA=1`` import TensorFlow as shipped.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import json
import logging
import sys
import tarfile
import types
from pathlib import Path
from typing import Any, Iterable, Optional, Sequence

logger = logging.getLogger(__name__)

#: Packages answered by placeholders.
PACKAGES = ("tensorflow", "tensorflow_addons", "tensorflow_hub", "tensorflow_text", "tensorflow_probability", "keras")

#: TensorFlow's own namespaces that look like Python's special names (``tf.__internal__``).
NAMESPACES = frozenset({"__internal__", "__operators__", "__compat__"})

#: Prediction-graph components known not to touch TensorFlow when they predict (module prefixes).
TENSORFLOW_FREE = (
    "bot.nlu.",
    "rasa.graph_components.",
    "rasa.core.policies.ensemble.",
    "rasa.core.policies.rule_policy.",
    "rasa.core.policies.memoization.",
    "rasa.nlu.classifiers.fallback_classifier.",
    "rasa.nlu.classifiers.logistic_regression_classifier.",
    "rasa.nlu.classifiers.regex_message_handler.",
    "rasa.nlu.classifiers.keyword_intent_classifier.",
    "rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer.",
    "rasa.nlu.featurizers.sparse_featurizer.regex_featurizer.",
    "rasa.nlu.featurizers.sparse_featurizer.lexical_syntactic_featurizer.",
    "rasa.nlu.extractors.entity_synonyms.",
    "rasa.nlu.extractors.regex_entity_extractor.",
    "rasa.nlu.tokenizers.whitespace_tokenizer.",
)


class _Placeholder(type):
    """The type of every placeholder: attribute access, calls and subscripts all succeed."""

    def __getattr__(cls, name: str) -> Any:
        if _special(name):
            raise AttributeError(name)
        return placeholder(f"{cls.__qualname__}.{name}")

    def __call__(cls, *args: Any, **kwargs: Any) -> Any:
        if len(args) == 1 and callable(args[0]) and not kwargs:
            return args[0]  # used as a decorator (tf.function, tf.autograph...)
        return ()  # empty, so len() and iteration work (thinc counts TensorFlow's GPUs)

    def __getitem__(cls, item: Any) -> Any:
        return cls

    def __or__(cls, other: Any) -> Any:
        return cls

    def __ror__(cls, other: Any) -> Any:
        return cls


def _special(name: str) -> bool:
    """Python's special names (``__wrapped__``, ``__mro_entries__`` ...) are absent, as on a class."""
    return name.startswith("__") and name.endswith("__") and name not in NAMESPACES


def placeholder(name: str) -> Any:
    """A placeholder class named ``name`` (usable as a base class, a value or a callable)."""
    return _Placeholder(name.rsplit(".", 1)[-1], (), {"__qualname__": name, "__module__": name.split(".")[0]})


class _PlaceholderModule(types.ModuleType):
    def __getattr__(self, name: str) -> Any:
        if _special(name):
            raise AttributeError(name)
        return sys.modules.get(f"{self.__name__}.{name}") or placeholder(f"{self.__name__}.{name}")


class PlaceholderFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Answers imports of :data:`PACKAGES` and their submodules with placeholder modules."""

    def find_spec(self, fullname: str, path: Optional[Sequence[str]] = None, target: Any = None) -> Any:
        """A spec loaded by this finder for the placeholder packages, None for any other module."""
        if fullname.split(".", 1)[0] in PACKAGES:
            return importlib.machinery.ModuleSpec(fullname, self, is_package=True)
        return None

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType:
        """An empty package whose every attribute is a placeholder."""
        module = _PlaceholderModule(spec.name)
        module.__path__ = []
        module.__version__ = "0+placeholder"  # type: ignore[attr-defined]
        return module

    def exec_module(self, module: types.ModuleType) -> None:
        """Nothing to run: the module is all placeholders."""
        return None


def prediction_components(model: Path) -> list[str]:
    """The class paths of the model archive's prediction graph (``metadata.json``)."""
    with tarfile.open(model, "r:gz") as archive:
        member = archive.extractfile("metadata.json")
        if member is None:
            raise ValueError(f"{model} has no metadata.json")
        metadata = json.load(member)
    return sorted({str(node["uses"]) for node in metadata["predict_schema"]["nodes"].values()})


def uses_tensorflow(components: Iterable[str]) -> bool:
    """Whether any component is not known to be free of TensorFlow."""
    return any(not component.startswith(TENSORFLOW_FREE) for component in components)


def installed() -> bool:
    """Whether the placeholders answer TensorFlow's import in this process."""
    return any(isinstance(finder, PlaceholderFinder) for finder in sys.meta_path)


def install_if_unused(model: Optional[Path]) -> bool:
    """Install the placeholders if the model needs no TensorFlow and it is not imported yet.

    Args:
        model: The model archive Rasa will load; None (not known): nothing is installed.

    Returns:
        Whether the placeholders are installed.
    """
    if installed():
        return True
    if model is None or "tensorflow" in sys.modules:
        return False
    try:
        components = prediction_components(model)
    except (OSError, ValueError, KeyError, tarfile.TarError) as error:
        logger.info("loading TensorFlow: could not read the model's components (%s)", error)
        return False
    needing = [component for component in components if not component.startswith(TENSORFLOW_FREE)]
    if needing:
        logger.info("loading TensorFlow for %s", ", ".join(needing))
        return False
    sys.meta_path.insert(0, PlaceholderFinder())
    logger.info("TensorFlow not loaded: none of the model's components uses it")
    return True


def model_argument(argv: Sequence[str]) -> Optional[Path]:
    """The value of ``--model`` (or ``-m``) in a Rasa command line, if it names a file."""
    for index, argument in enumerate(argv):
        if argument in ("--model", "-m") and index + 1 < len(argv):
            path = Path(argv[index + 1])
            return path if path.is_file() else None
        if argument.startswith("--model="):
            path = Path(argument.split("=", 1)[1])
            return path if path.is_file() else None
    return None
