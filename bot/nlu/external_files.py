"""Fingerprints of the files an NLU component reads itself, for Rasa's training cache.

Rasa caches each component's training under a fingerprint of its configuration, its source code
and its graph inputs (``rasa/engine/training/fingerprinting.py``). Our gazetteer, topic model and
language detector also read files that are not graph inputs (``data/content``, the example
questions, the lexicon, the language list), so without this a changed synonym or a new entry was
trained from the cache: the model file was new, its gazetteer the old one. A component returns
:func:`files_fingerprint` of those files from ``fingerprint_addon``.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any, Dict, Iterable


def files_fingerprint(config: Dict[str, Any], keys: Iterable[str]) -> str:
    """A hash of the names and bytes of the files the config's ``keys`` point to.

    Args:
        config: The component's configuration (defaults included), paths relative to the working
            directory as in training.
        keys: Which entries of ``config`` are paths; a folder counts with every file below it.

    Returns:
        A hex digest; missing paths count as missing, so creating one changes it.
    """
    digest = hashlib.sha256()
    for key in keys:
        root = Path(str(config[key]))
        paths = sorted(p for p in root.rglob("*") if p.is_file()) if root.is_dir() else [root]
        for path in paths:
            digest.update(str(path).encode())
            digest.update(path.read_bytes() if path.is_file() else b"<missing>")
    return digest.hexdigest()
