"""Questions from someone who lacks what an entry needs: "no MitID without a CPR number, who do I call?".

An entry may name, in its ``without`` field, another entry it needs and the entry that answers
someone who lacks it: MitID has ``{cpr: mitid_support}``, because without a CPR number one first
needs a P-code from MitID Support (the MitID entry's own summary): "I can't get MitID without a CPR
number, who do I phone?" (issue #12, class 2) is a question for MitID Support's P-code line.

A message is read as lacking the needed entry when it names it (the NLU's gazetteer over the
content's names and synonyms, built once per knowledge base) with a word of lack (``negations``
in ``data/i18n/question_words.yml``: "no", "not yet", "uden", "нема") within :data:`WINDOW`
words before or after the name, and names the entry that needs it too. A follow-up after the
MitID answer ("and if I don't have a CPR yet?") stays about MitID, whose answer says what to do:
measured both ways on the user-voice set, whose writers labelled such follow-ups MitID in rounds
1-4 (the first version, which counted the conversation's topic, turned 7 of them into failures).
See docs/nlu.md.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Dict, List, Mapping, Optional, Tuple

from bot.answer_parts import QUESTION_WORDS_FILE
from bot.content.schema import Entry
from bot.nlu.gazetteer import Gazetteer, build_gazetteer, tokens

#: How many words before or after a name a word of lack may stand.
WINDOW = 5
TOPIC = "topic"
#: The gazetteer of the entries it was built for (one knowledge base per process).
_built: Dict[str, Tuple[Mapping[str, Entry], Gazetteer]] = {}


@lru_cache(maxsize=16)
def _phrases_by_language(kind: str) -> Dict[str, Tuple[Tuple[str, ...], ...]]:
    """Per language, each phrase of ``kind`` in ``data/i18n/question_words.yml``, as folded words.

    "n-am" is ("n", "am"): the phrases are matched against a message's folded words.
    """
    from bot.yaml_files import read_yaml

    raw = read_yaml(QUESTION_WORDS_FILE)[kind]
    return {language: tuple(tuple(word for word, _, _ in tokens(phrase)) for phrase in phrases)
            for language, phrases in raw.items()}


@lru_cache(maxsize=128)  # a few kinds, times the supported and detected-unsupported codes and None
def phrases_of(kind: str, language: Optional[str]) -> Tuple[Tuple[str, ...], ...]:
    """The phrases of ``kind`` of a language, each a tuple of folded words.

    Every language's phrases when the language is not known (``None`` or an unknown code, as for a
    message too short to detect); cached, since they are read on every message.
    """
    by_language = _phrases_by_language(kind)
    if language in by_language:
        return by_language[language]
    return tuple(dict.fromkeys(phrase for phrases in by_language.values() for phrase in phrases))


def _negations() -> Dict[str, Tuple[Tuple[str, ...], ...]]:
    """Per language, each word of lack (``negations``)."""
    return _phrases_by_language("negations")


def negation_phrases(language: Optional[str]) -> Tuple[Tuple[str, ...], ...]:
    """The words of lack of a language (``negations``), each a tuple of folded words."""
    return phrases_of("negations", language)


def _gazetteer(entries: Mapping[str, Entry]) -> Gazetteer:
    """The topic gazetteer of these entries (the one the NLU uses, without the lexicon), built once."""
    cached = _built.get(TOPIC)
    if cached is None or cached[0] is not entries:
        cached = (entries, build_gazetteer(entries.values(), {}))
        _built[TOPIC] = cached
    return cached[1]


def named_entries(entries: Mapping[str, Entry], text: str) -> List[str]:
    """The ids of the entries whose names or synonyms the text holds, in order, each once."""
    return list(dict.fromkeys(match.value for match in _gazetteer(entries).find(text) if match.entity == TOPIC))


def answer_for_lack(entries: Mapping[str, Entry], text: str, language: str) -> Optional[Entry]:
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
    matches = [match for match in _gazetteer(entries).find(text) if match.entity == TOPIC]
    named = {match.value for match in matches}
    found = tokens(text)
    words = [word for word, _, _ in found]
    starts = [start for _, start, _ in found]
    negations = negation_phrases(language)
    for entry_id in named:
        entry = entries.get(entry_id)
        for needed_id, target_id in (entry.without.items() if entry is not None else ()):
            target = entries.get(target_id)
            for match in (match for match in matches if match.value == needed_id):
                first = starts.index(match.start)
                last = max(index for index, start in enumerate(starts) if start < match.end)
                around = words[max(0, first - WINDOW):first] + words[last + 1:last + 1 + WINDOW]
                if target is not None and _has_phrase(around, negations):
                    return target
    return None


def phrase_at(words: List[str], start: int, phrase: Tuple[str, ...]) -> bool:
    """Whether the phrase (a tuple of folded words) stands in ``words`` from index ``start`` on."""
    return 0 <= start <= len(words) - len(phrase) and tuple(words[start:start + len(phrase)]) == phrase


def _has_phrase(words: List[str], phrases: Tuple[Tuple[str, ...], ...]) -> bool:
    """Whether one of the phrases (each a tuple of folded words) stands in ``words``."""
    return any(phrase_at(words, i, phrase) for phrase in phrases for i in range(len(words) - len(phrase) + 1))


#: How many words before a language's name a word of lack may stand ("i don't speak danish").
LANGUAGE_WINDOW = 3
_CLAUSE_END = re.compile(r"[,.;:!?،؟]")


def negated_before(text: str, start: int, language: str, window: int = LANGUAGE_WINDOW) -> bool:
    """Whether a word of lack stands within ``window`` words before ``start``, in the same clause.

    "what if I don't speak Danish?", "ich spreche kein Dänisch", "nie mówię po duńsku" name Danish
    to say they lack it: no request to answer in it. "no, in Danish please" has a comma between.
    """
    before = text[:start]
    clause_start = max((match.end() for match in _CLAUSE_END.finditer(before)), default=0)
    words = [word for word, _, _ in tokens(before[clause_start:])][-window:]
    return _has_phrase(words, negation_phrases(language))


def _requirements() -> Dict[str, Tuple[Tuple[str, ...], ...]]:
    """Per language, each word of need (``requirements``)."""
    return _phrases_by_language("requirements")


#: The entries each topic's own text names, per (topic, language, text): the text is in the key so that
#: content reloaded with new wording is read afresh.
_spoken_of: Dict[Tuple[str, str, str], frozenset] = {}


def mentioned_entries(entries: Mapping[str, Entry], entry: Entry) -> List[str]:
    """The ids of the other entries that the entry's own text names, in any of its languages."""
    return sorted({entry_id for language in entry.summary for entry_id in _named_in_topic(entries, entry, language)})


def _named_in_topic(entries: Mapping[str, Entry], topic: Entry, language: str) -> frozenset:
    """The ids of the other entries that the topic's own text (summary, details, steps) names."""
    text = " ".join([topic.summary.get(language, ""), topic.details.get(language, ""),
                     *(step.get(language, "") for step in topic.steps.values())])
    key = (topic.id, language, text)
    if key not in _spoken_of:
        _spoken_of[key] = frozenset(named_entries(entries, text)) - {topic.id}
    return _spoken_of[key]


def condition_of_topic(entries: Mapping[str, Entry], topic: Entry, text: str, language: str) -> bool:
    """Whether a follow-up names one other entry as a condition of the conversation's topic.

    "og skal jeg have cpr nummer først?" and "he won't have a cpr number right away tho" after the
    answer about Danish lessons, "pot s-o fac fără CPR?" after the tax card: the message names the CPR
    number, and the name alone would take the conversation there; the question is still about the
    topic, whose own text says it needs a CPR number. The topic model's follow-up probability
    (:func:`bot.follow_ups.names_a_condition`) misses most of these short messages.

    Args:
        entries: The knowledge base's entries by id.
        topic: The conversation's topic before the message.
        text: The user's message.
        language: The conversation's language.

    Returns:
        True when the message names exactly one entry other than the topic, the topic's own text
        in that language names it too, and the message names it as lacked or needed
        (:func:`named_as_condition`; "ok and where do I get the CPR then?" asks for the CPR number).
    """
    if not text or text.startswith("/"):
        return False
    matches = [match for match in _gazetteer(entries).find(text) if match.entity == TOPIC]
    named = {match.value for match in matches}
    if len(named) != 1 or topic.id in named or not named <= _named_in_topic(entries, topic, language):
        return False
    return any(named_as_condition(text, match.start, language) for match in matches)


def named_as_condition(text: str, start: int, language: Optional[str], own_clause: bool = True) -> bool:
    """Whether the name at ``start`` is named as something lacked or needed, not asked about.

    Args:
        text: The message.
        start: Where the name begins.
        language: The message's language (every language's words when None).
        own_clause: Whether a last clause of its own (at least :data:`QUESTION_CLAUSE_WORDS` words)
            after the name's clause makes the name context of that clause's question, not a condition
            ("انا لسا ما عندي cpr، مين بيعطيني الكود؟" asks who gives the code). A message naming
            another entry has its question there anyway.

    Returns:
        True when a word of lack stands at most :data:`LACK_BEFORE` words before the name ("fără
        CPR", whatever the verb), or a word of lack, need (``requirements``) or time before
        (``before_getting``) at most :data:`CONDITION_BEFORE` typed words before it and no verb of
        getting governs it (:func:`bot.answer_parts.gets_the_name`: "where do I get the CPR?").
    """
    from bot.answer_parts import gets_the_name
    from bot.nlu.topic_ranking import final_clause_start

    if own_clause:
        clause = final_clause_start(text)
        if len(tokens(text[clause:])) >= QUESTION_CLAUSE_WORDS and start < clause:
            return False
    found = tokens(text)
    starts = [offset for _, offset, _ in found]
    if start not in starts:
        return False
    words = [word for word, _, _ in found]
    first = starts.index(start)
    # The window counts words as typed: "won't" is one word, two tokens.
    typed = len(tokens(" ".join(text[:start].split()[-CONDITION_BEFORE:])))
    before = words[max(0, first - typed):first]
    negations = negation_phrases(language)
    if _has_phrase(before[-LACK_BEFORE:], negations):
        return True
    phrases = negations + phrases_of("requirements", language) + phrases_of("before_getting", language)
    return _has_phrase(before, phrases) and not gets_the_name(text, start, language or "")


#: How many words before a name a word of lack, need or time before may stand for the name to be a
#: condition ("he won't have a cpr", "skal hun have cpr", "what do they need for the cpr part"). Only
#: before it: after it, such a word is about something else ("hvis mit.dk ikke virker", "welche
#: Partnerstädte hat Aalborg sonst noch?").
CONDITION_BEFORE = 3
#: A last clause of fewer words than this ("hvad så?", "and then?") asks nothing of its own.
QUESTION_CLAUSE_WORDS = 3
#: A word of lack this close before a name makes it a condition even after a verb of getting
#: ("fac fără CPR", "open it without a CPR").
LACK_BEFORE = 2
