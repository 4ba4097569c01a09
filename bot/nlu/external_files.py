"""Fingerprints of the files an NLU component reads itself, for Rasa's training cache.

Rasa caches each component's training under a fingerprint of its configuration, its source code
and its graph inputs (``rasa/engine/training/fingerprinting.py``). Our gazetteer, topic model and
language detector also read files that are not graph inputs (``data/content``, the example
questions, the lexicon, the language list), so without this a changed synonym or a new entry was
trained from the cache: the model file was new, its gazetteer the old one. A component returns
:func:`files_fingerprint` of those files from ``fingerprint_addon``.

Rasa's "source code" is only the component class's own source (``inspect.getsource``), not the
modules it calls: a change to ``bot/nlu/topic_model.py`` (the topic model's features) was trained
from the cache too, so ``make eval`` measured the old model under a new model name. The fingerprint
therefore also covers the source of the code that training runs (:data:`TRAINING_CODE`).
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any, Dict, Iterable, Optional

#: The packages whose code the NLU components run at training time (theirs, the content loader's).
TRAINING_CODE = (Path(__file__).resolve().parent, Path(__file__).resolve().parents[1] / "content")


def files_fingerprint(config: Dict[str, Any], keys: Iterable[str]) -> str:
    """A hash of the names and bytes of the files the config's ``keys`` point to.

    Args:
        config: The component's configuration (defaults included), paths relative to the working
            directory as in training.
        keys: Which entries of ``config`` are paths; a folder counts with every file below it.

    Returns:
        A hex digest of those files and of :func:`code_fingerprint`; missing paths count as missing,
        so creating one changes it.
    """
    digest = hashlib.sha256(code_fingerprint().encode())
    for key in keys:
        root = Path(str(config[key]))
        paths = sorted(p for p in root.rglob("*") if p.is_file()) if root.is_dir() else [root]
        for path in paths:
            digest.update(str(path).encode())
            digest.update(path.read_bytes() if path.is_file() else b"<missing>")
    return digest.hexdigest()


def code_fingerprint(folders: Optional[Iterable[Path]] = None) -> str:
    """A hash of the names and bytes of every Python file in ``folders`` (:data:`TRAINING_CODE`)."""
    digest = hashlib.sha256()
    for folder in TRAINING_CODE if folders is None else folders:
        for path in sorted(folder.rglob("*.py")):
            digest.update(path.name.encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()
