"""Questions from someone who lacks what an entry needs: "no MitID without a CPR number, who do I call?".

An entry may name, in its ``without`` field, another entry it needs and the entry that answers
someone who lacks it: MitID has ``{cpr: mitid_support}``, because without a CPR number one first
needs a P-code from MitID Support (the MitID entry's own summary): "I can't get MitID without a CPR
number, who do I phone?" (issue #12, class 2) is a question for MitID Support's P-code line.

A message is read as lacking the needed entry when it names it (one of its names or synonyms, in
any language) with a word of lack (``negations`` in ``data/i18n/question_words.yml``: "no", "not
yet", "uden", "нема") within :data:`WINDOW` words before or after the name, and names the entry
that needs it too. A follow-up after the MitID answer ("and if I don't have a CPR yet?") stays
about MitID, whose answer says what to do: measured both ways on the user-voice set, whose writers
labelled such follow-ups MitID in rounds 1-4 (the first version, which counted the conversation's
topic, turned 7 of them into failures). See docs/nlu.md.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Dict, Iterable, Optional, Tuple

from bot.content.schema import Entry
from bot.nlu.gazetteer import normalise as fold

QUESTION_WORDS_FILE = Path(__file__).resolve().parents[1] / "data" / "i18n" / "question_words.yml"
#: How many words before or after a name a word of lack may stand.
WINDOW = 5
_WORD = re.compile(r"\w+", re.UNICODE)


@lru_cache(maxsize=1)
def _negations() -> Dict[str, Tuple[Tuple[str, ...], ...]]:
    """Per language, each word of lack as a tuple of folded words ("n am" -> ("n", "am"))."""
    import yaml

    raw = yaml.safe_load(QUESTION_WORDS_FILE.read_text(encoding="utf-8"))["negations"]
    return {language: tuple(tuple(_WORD.findall(fold(word))) for word in words) for language, words in raw.items()}


def _phrases(entry: Entry) -> Tuple[Tuple[str, ...], ...]:
    """The entry's names and synonyms in every language, as tuples of folded words."""
    texts = [*entry.names.values(), *(text for values in entry.synonyms.values() for text in values), entry.id]
    phrases = {tuple(_WORD.findall(fold(text))) for text in texts}
    return tuple(phrase for phrase in phrases if phrase and len("".join(phrase)) >= 3)


def _spans(words: Tuple[str, ...], phrase: Tuple[str, ...]) -> Iterable[Tuple[int, int]]:
    size = len(phrase)
    for start in range(len(words) - size + 1):
        if words[start:start + size] == phrase:
            yield start, start + size


def names(entry: Entry, text: str) -> bool:
    """Whether the text names the entry (a name or synonym, as whole words, folded)."""
    words = tuple(_WORD.findall(fold(text)))
    return any(True for phrase in _phrases(entry) for _ in _spans(words, phrase))


def lacks(entry: Entry, text: str, language: str) -> bool:
    """Whether the text names the entry with a word of lack near it ("i dont have a cpr yet")."""
    words = tuple(_WORD.findall(fold(text)))
    negations = _negations().get(language, ())
    for phrase in _phrases(entry):
        for start, end in _spans(words, phrase):
            around = words[max(0, start - WINDOW):start] + words[end:end + WINDOW]
            if any(any(around[i:i + len(neg)] == neg for i in range(len(around) - len(neg) + 1))
                   for neg in negations):
                return True
    return False


def answer_for_lack(entries: Dict[str, Entry], text: str, language: str) -> Optional[Entry]:
    """The entry that answers a message from someone lacking what an entry it names needs, if any.

    Args:
        entries: The knowledge base's entries by id.
        text: The user's message.
        language: The conversation's language (for the words of lack).

    Returns:
        The entry named by the ``without`` field of an entry the message names, or None.
    """
    if not text or text.startswith("/"):
        return None
    for entry in entries.values():
        if not entry.without or not names(entry, text):
            continue
        for needed_id, target_id in entry.without.items():
            needed, target = entries.get(needed_id), entries.get(target_id)
            if needed is not None and target is not None and lacks(needed, text, language):
                return target
    return None
