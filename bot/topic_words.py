"""Whether a follow-up's word for another entry is a thing the conversation's topic speaks of.

After the answer about Danish lessons, "is there a deposit?" names the housing entry: "deposit"
is one of its synonyms (a landlord's deposit). But the Danish-lessons entry speaks of a deposit
too (Sprogcenter Aalborg's refundable DKK 2,000), and a person asking right after that answer
means that one. The name-always-wins rule of :meth:`actions.base.ContentAction.resolve` took the
conversation to housing (issue #12: "er der noget depositum?", "ile wynosi ta kaucja?").

So a follow-up that names exactly one other entry stays on the topic when

* it names that entry only by synonyms that share no word with any of its names ("and the tax
  card?" after the first steps asks about the tax card; "mit.dk", "SIRI", "library" are words of
  the names "mit.dk (Digital Post)", "SIRI (...)", "Clubs, associations and libraries", also
  inside a longer word: Arabic "المكتبة" in "والمكتبات");
* the content does not link the two entries (``related`` or ``items``): after the job-search
  seminar, "can someone check my CV?" is a question for the CV drop-in, which the seminar's text
  mentions and links;
* every word of those synonyms occurs in the topic's own text in the conversation's language (its
  summary, details, steps and caveat).

Words are compared folded, allowing a different ending ("kaucja" / "kaucję", "depositum" /
"deposit"): :data:`MIN_STEM` letters and all but the last two must agree. Measured on the
user-voice set (docs/nlu.md): without the first two conditions the rule kept 30 real switches.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, FrozenSet, Iterable, List, Mapping, Optional, Tuple

from bot.content.schema import Entry
from bot.follow_ups import INFERRING_EXTRACTOR, TOPIC_ENTITY
from bot.nlu.gazetteer import MIN_STEM, stem, stem_within, tokens


def entry_words(entry: Entry, language: str) -> FrozenSet[str]:
    """The folded words of the entry's own text in a language."""
    texts: List[str] = [entry.summary.get(language, ""), entry.details.get(language, ""),
                        entry.uncertain.get(language, "")]
    texts += [step.get(language, "") for step in entry.steps.values()]
    return _words_of(tuple(texts))


@lru_cache(maxsize=256)
def _words_of(texts: Tuple[str, ...]) -> FrozenSet[str]:
    """The folded words of the texts, cached.

    Keyed by the texts themselves, not the entry's id, so that content reloaded with new wording
    is read afresh; a follow-up that names another entry by a synonym no longer tokenises the
    topic's whole text each time.
    """
    return frozenset(word for text in texts for word, _, _ in tokens(text))


def _agree(word: str, words: Iterable[str]) -> bool:
    if word in words:
        return True
    if len(word) < MIN_STEM:
        return False
    start = stem(word)
    return any(other.startswith(start) for other in words)


def _within(word: str, words: Iterable[str]) -> bool:
    """Whether the word, less its ending, stands inside one of the words ("المكتبة" in "والمكتبات")."""
    return any(stem_within(word, other) for other in words)


def speaks_of(
    topic: Entry, named: Entry, text: str, entities: Iterable[Mapping[str, Any]], language: str
) -> bool:
    """Whether the message's words for ``named`` are words of the topic's own text.

    Args:
        topic: The conversation's topic before the message.
        named: The one other entry the message names.
        text: The message.
        entities: Its entities; the topic entities must all come from names in the message and
            all be ``named``.
        language: The conversation's language.

    Returns:
        True when every match is a synonym of ``named`` (not one of its names, in any language)
        and each of its words occurs in the topic's text.
    """
    found = [entity for entity in entities if entity.get("entity") == TOPIC_ENTITY]
    if not found or any(entity.get("extractor") == INFERRING_EXTRACTOR or entity.get("value") != named.id
                        for entity in found):
        return False
    if related(topic, named):
        return False
    name_words = {word for name in named.names.values() for word, _, _ in tokens(name) if len(word) >= 3}
    own = entry_words(topic, language)
    for entity in found:
        start, end = int(entity.get("start") or 0), int(entity.get("end") or 0)
        words = [word for word, _, _ in tokens(text[start:end])]
        if not words or any(_within(word, name_words) for word in words):
            return False
        if not all(_agree(word, own) for word in words):
            return False
    return True


def related(first: Entry, second: Entry) -> bool:
    """Whether the content links the two entries (``related`` or ``items``, either way)."""
    return second.id in (*first.related, *first.items) or first.id in (*second.related, *second.items)


def follow_up_speaks_of_topic(
    topic: Optional[Entry], entries: Mapping[str, Entry], text: str, entities: Iterable[Mapping[str, Any]],
    language: str,
) -> bool:
    """Whether a follow-up naming one other entry by a synonym is about the topic (:func:`speaks_of`)."""
    if topic is None:
        return False
    values = {str(entity.get("value")) for entity in entities if entity.get("entity") == TOPIC_ENTITY}
    if len(values) != 1:
        return False
    named = entries.get(next(iter(values)))
    if named is None or named.id == topic.id:
        return False
    return speaks_of(topic, named, text, entities, language)
