"""Split an answer text into sentences, for the length rule of the first bubble (issue #13).

A sentence ends at ``.``, ``!``, ``?``, ``؟`` or ``…`` followed by a space and a capital letter
(or an Arabic letter, which has no case). Two things look like an end and are not, and are kept
inside the sentence: a common abbreviation or a single letter with a dot (``z. B.``, ``f.eks.``,
``ds.``, ``e.g.``) and, in languages that write ordinals with a dot (Danish, German, Polish), a
day or floor number such as "am 11. Juni" or "2. sal". Links are not split at their dots.

No library was used: spaCy's rule-based sentencizer splits at every full stop (it would cut
"am 11. Juni" in two) and its statistical parsers exist for only some of the eight languages.
"""

from __future__ import annotations

import re
from typing import List

_END = re.compile(r"(?<=[.!?؟…])[\"'”»)]*\s+(?=[\"'“«(*[]*[A-ZÀ-ÖØ-ÞĀ-ſА-ЯЄІЇҐ\u0600-\u06FF])")
_URL = re.compile(r"\[[^\]\n]*\]\([^)\s]*\)|https?://\S*[^\s.,;:!?)]")
_ABBREVIATION = re.compile(
    r"\b(?:ds|np|tzw|bzw|ca|evt|mv|dvs|nr|pkt|ul|tj|bl|jf|inkl|ekskl|approx|ggf|vgl|usw|etc|St|Dr|Mr|Mrs|"
    r"e\.g|i\.e|z\.\s?B|u\.a|d\.h|m\.in|f\.eks|bl\.a)\.$"
    # A single letter with a dot ("z. B.", "J. Smith"), but not the last letter of a word whose
    # previous letter carries a combining mark: Arabic "أولًا." ends with a letter after a
    # tanween, which Python's \w does not match, so \b saw a one-letter word there.
    r"|(?<![\w\u0300-\u036f\u064b-\u065f\u0670])\w\.$",
    re.IGNORECASE,
)
_ORDINAL = re.compile(r"(?<![\d.,])\d{1,2}\.$")
#: Languages that write an ordinal number with a full stop ("11. Juni", "2. sal", "5. września").
ORDINAL_DOT_LANGUAGES = frozenset({"da", "de", "pl"})


def sentences(text: str, language: str) -> List[str]:
    """The sentences of ``text`` (stripped, in order).

    Args:
        text: An answer text (markup allowed).
        language: Its language code.

    Returns:
        The sentences; an empty text has none.
    """
    masked = _URL.sub(lambda match: "X" + "x" * (len(match.group(0)) - 1), text.strip())
    parts: List[str] = []
    start = 0
    for match in _END.finditer(masked):
        before = masked[start:match.start()]
        if _ABBREVIATION.search(before) or (language in ORDINAL_DOT_LANGUAGES and _ORDINAL.search(before)):
            continue
        parts.append(text.strip()[start:match.start()])
        start = match.end()
    parts.append(text.strip()[start:])
    return [part.strip() for part in parts if part.strip()]
