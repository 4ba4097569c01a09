"""The catalogue of reply texts the code writes (``data/i18n/messages.yml``).

Each message has every supported language side by side. ``python -m pytest tests/test_i18n.py``
fails on a missing or empty translation, and on placeholders that differ between languages.
Domain responses (``domain.yml``) hold the remaining texts.
"""

from __future__ import annotations

import string
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, Mapping, Optional

from bot.settings import get_settings
from bot.yaml_files import read_yaml


class MissingTranslationError(KeyError):
    """A message key does not exist in the catalogue."""


@lru_cache(maxsize=4)
def load_catalogue(path: Optional[Path] = None) -> Dict[str, Dict[str, str]]:
    """Load the message catalogue.

    Args:
        path: The catalogue file; ``data/i18n/messages.yml`` of the project when omitted.

    Returns:
        Message key -> language -> text.
    """
    path = path or get_settings().project_dir / "data" / "i18n" / "messages.yml"
    data = read_yaml(path) or {}
    messages = data.get("messages", {})
    if not isinstance(messages, dict):
        raise ValueError(f"{path}: 'messages' must be a mapping")
    return {str(key): {str(lang): str(text) for lang, text in value.items()} for key, value in messages.items()}


def placeholders(text: str) -> set[str]:
    """Return the ``{name}`` placeholders of a text."""
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def translate(key: str, language: str, **values: Any) -> str:
    """Return message ``key`` in ``language`` (or the default language), filled with ``values``.

    Args:
        key: The message key.
        language: The wanted language code.
        **values: Values for the message's placeholders.

    Returns:
        The text.

    Raises:
        MissingTranslationError: If the key is unknown.
    """
    catalogue = load_catalogue()
    if key not in catalogue:
        raise MissingTranslationError(key)
    texts: Mapping[str, str] = catalogue[key]
    text = texts.get(language) or texts[get_settings().default_language]
    return text.format(**values) if values else text
