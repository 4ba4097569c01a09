"""spaCy's stop-word lists, loaded without importing spaCy.

Importing the ``spacy`` package loads its whole machinery (and, through thinc, TensorFlow when it is
installed); the lists are plain Python sets in ``spacy/lang/<code>/stop_words.py``, so each file is
loaded on its own. Used by the content validator (a synonym must not be a stop word) and by the
first bubble's sentence choice (bot/answer_parts.py).
"""

from __future__ import annotations

import importlib.util
from functools import cache, lru_cache
from pathlib import Path
from typing import FrozenSet, Optional


@lru_cache(maxsize=1)
def _spacy_dir() -> Optional[Path]:
    spec = importlib.util.find_spec("spacy")
    return Path(str(spec.origin)).parent if spec and spec.origin else None


@cache
def stop_words(language: str) -> FrozenSet[str]:
    """The lower-cased stop words of ``language`` (empty when spaCy has no list for it).

    Args:
        language: An ISO 639-1 code such as ``da``.

    Returns:
        The words.
    """
    spacy_dir = _spacy_dir()
    path = spacy_dir / "lang" / language / "stop_words.py" if spacy_dir else None
    if path is None or not path.is_file():
        return frozenset()
    spec = importlib.util.spec_from_file_location(f"_stop_words_{language}", path)
    if spec is None or spec.loader is None:
        return frozenset()
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return frozenset(word.lower() for word in module.STOP_WORDS)
