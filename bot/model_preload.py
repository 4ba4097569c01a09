"""Load the model once in Rasa's main process, so that Sanic's forked workers share its memory.

``rasa run`` with several Sanic workers (``SANIC_WORKERS``) forks them from its main process,
and each worker then loads the model on its own (Rasa's ``before_server_start`` listener): the
spaCy pipelines, lingua's language models, the vocabularies and weights of the intent and topic
models, once per worker. :func:`preload` loads the model in the main process before the fork
and makes ``MessageProcessor._load_model`` hand that same load to each worker when it asks for
the same file (same path, size and modification time). The pages are then shared between the
processes until one of them writes to them; ``gc.freeze()`` keeps the cyclic garbage collector
from writing to every preloaded object's header in each worker. Measured in
``docs/benchmarks.md`` (Rasa's memory with two workers).

A different model (``PUT /model``, a new file at the same path) is loaded as Rasa loads it.

Loading a model also has a side effect this module undoes: Rasa's intent classifier imports
``skops``, which imports every scikit-learn module, including one that imports
``numpy.distutils``; that turns Python's root logger into numpy's distutils logger
(``_global_log.__class__ = Log``), which prints INFO and above with ``print`` and drops the rest.
Rasa logs "Starting Rasa server" and "Rasa server is up and running" on the root logger, so
after a load those lines bypassed the configured handlers (plain text in JSON logs, or nothing).
:func:`_load_model` gives the root logger its own class back after every load.
Nothing here opens a connection or starts a thread: the model's components read files only,
so forking after the load is safe (``tests/test_model_preload.py`` forks and parses).
"""

from __future__ import annotations

import gc
import logging
import os
from pathlib import Path
from typing import Any, Dict, Optional, Tuple

logger = logging.getLogger(__name__)

_Key = Tuple[str, int, int]
_LOADED: Dict[_Key, Tuple[Any, ...]] = {}
_ORIGINAL_LOAD: Any = None


def _key(path: Path) -> Optional[_Key]:
    try:
        stat = path.stat()
    except OSError:
        return None
    return str(path.resolve()), stat.st_mtime_ns, stat.st_size


def restore_root_logger() -> None:
    """Give Python's root logger back its class if an import replaced it (see the module docstring)."""
    if type(logging.root) is not logging.RootLogger:
        logging.root.__class__ = logging.RootLogger


def _load_model(model_path: Any) -> Tuple[Any, ...]:
    """Rasa's ``MessageProcessor._load_model``, answered from the preloaded model when it is the same file."""
    path = Path(model_path)
    key = _key(path) if path.is_file() else None
    if key is not None and key in _LOADED:
        logger.info("using the model loaded before the workers started: %s", path.name)
        return _LOADED[key]
    try:
        return tuple(_ORIGINAL_LOAD(model_path))
    finally:
        restore_root_logger()


def install() -> None:
    """Let ``MessageProcessor`` take a preloaded model (idempotent)."""
    global _ORIGINAL_LOAD
    from rasa.core.processor import MessageProcessor

    if _ORIGINAL_LOAD is None:
        _ORIGINAL_LOAD = MessageProcessor._load_model
        MessageProcessor._load_model = staticmethod(_load_model)  # type: ignore[method-assign,assignment]


def preload(model: Path) -> None:
    """Load ``model`` now, for the workers forked later, and freeze the heap it lives in.

    Args:
        model: The model archive Rasa is started with (``--model``).
    """
    install()
    key = _key(model)
    if key is None:
        return
    try:
        _LOADED[key] = tuple(_ORIGINAL_LOAD(model))
    finally:
        restore_root_logger()
    gc.collect()
    gc.freeze()  # everything allocated so far stays out of the collector's reach (no copy-on-write)


def forked_workers() -> int:
    """How many workers Sanic will fork (``SANIC_WORKERS``; 1 means none: Rasa serves in this process)."""
    try:
        return max(1, int(os.environ.get("SANIC_WORKERS", "1")))
    except ValueError:
        return 1


def clear() -> None:
    """Forget the preloaded models (tests)."""
    _LOADED.clear()
