"""The NLU inbox: corrected messages turned into a Rasa YAML training-data file per language.

The file has the format of ``data/nlu/<lang>/*.yml``::

    version: "3.1"
    nlu:
    - intent: ask_address
      examples: |
        - where is [International House](topic)?

Each example is one line of a YAML literal block, so quotes, colons, ``#`` and other YAML syntax
in a user's text need no escaping. What must be changed is changed minimally: line breaks and
control characters become spaces, and text that Rasa would read as an entity annotation
(``[x](y)``) gets a space after its ``]``. Corrected entities are written as ``[words](entity)``.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from typing import Dict, List, Optional, Sequence

from bot.console.review_db import Correction, EntityAnnotation

TRAINING_DATA_VERSION = "3.1"
#: Characters YAML does not allow in a document (besides C0/C1 controls): non-characters.
_NON_CHARACTERS = {"\ufffe", "\uffff"}


def _printable(text: str) -> str:
    """``text`` with line breaks, control characters and non-characters replaced by spaces."""
    return "".join(
        " " if unicodedata.category(char) in ("Cc", "Cs", "Zl", "Zp") or char in _NON_CHARACTERS else char
        for char in text.replace("\ufeff", "")
    )


def clean_text(text: str) -> str:
    """A message as one printable line: line breaks, tabs and control characters become spaces."""
    return " ".join(_printable(text).split())


def _entity_regex() -> re.Pattern[str]:
    from rasa.shared.nlu.training_data.entities_parser import ENTITY_REGEX  # Rasa's own reader

    return ENTITY_REGEX


def defuse(text: str) -> str:
    """Text with anything Rasa would parse as an entity annotation broken up by a space after ``]``."""
    pattern = _entity_regex()
    while True:
        match = pattern.search(text)
        if match is None:
            return text
        close = text.index("]", match.start())
        text = text[: close + 1] + " " + text[close + 1 :]


def annotate(text: str, entities: Sequence[EntityAnnotation]) -> str:
    """The example line: the cleaned text with each corrected entity written as ``[words](entity)``.

    Args:
        text: The message as stored.
        entities: Corrected entities (spans of ``text``).

    Returns:
        One line for the ``examples`` block.
    """
    pieces: List[str] = []
    position = 0
    for item in sorted(entities, key=lambda e: e.start):
        if item.start < position or text[item.start : item.end] != item.value:
            continue  # overlapping or stale span: leave the words unannotated
        pieces.append(defuse(_printable(text[position : item.start])))
        pieces.append(f"[{clean_text(item.value)}]({item.entity})")
        position = item.end
    pieces.append(defuse(_printable(text[position:])))
    return " ".join("".join(pieces).split())


def examples_by_intent(corrections: Sequence[Correction]) -> Dict[str, List[str]]:
    """The example lines per corrected intent (intents sorted, examples in order, no duplicates)."""
    grouped: Dict[str, List[str]] = {}
    for correction in corrections:
        line = annotate(correction.original_text, correction.corrected_entities)
        if not line:
            continue
        examples = grouped.setdefault(correction.corrected_intent, [])
        if line not in examples:
            examples.append(line)
    return {intent: grouped[intent] for intent in sorted(grouped)}


def export_yaml(corrections: Sequence[Correction], language: str, exported_at: Optional[dt.datetime] = None) -> str:
    """The corrections as a Rasa NLU training-data file.

    Args:
        corrections: The corrections to export (all of one language).
        language: Their language (named in the file's comment).
        exported_at: When (UTC; now when omitted), named in the comment.

    Returns:
        The YAML text.
    """
    moment = (exported_at or dt.datetime.utcnow()).replace(microsecond=0)
    grouped = examples_by_intent(corrections)
    lines = [
        f"# Corrected messages in language '{language}', exported from the staff console on {moment.isoformat()}Z.",
        f"# Review them, then add them to data/nlu/{language}/ and retrain.",
        f'version: "{TRAINING_DATA_VERSION}"',
        "",
        "nlu:" if grouped else "nlu: []",
    ]
    for intent, examples in grouped.items():
        lines.append(f"- intent: {intent}")
        lines.append("  examples: |")
        lines.extend(f"    - {example}" for example in examples)
    return "\n".join(lines) + "\n"


def inbox_counts(corrections: Sequence[Correction]) -> Dict[str, int]:
    """How many corrections wait in the inbox per language (languages sorted)."""
    counts: Dict[str, int] = {}
    for correction in corrections:
        counts[correction.language] = counts.get(correction.language, 0) + 1
    return dict(sorted(counts.items()))
