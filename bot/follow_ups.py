"""Whether a message that names no topic continues the conversation's topic or turns to another.

The topic model reads every message alone. After "What is Digital Post?", the follow-up "is it
mandatory to read it?" names nothing; read alone it is closest to the unemployment-insurance entry
("is it mandatory to join?"), and the answer would jump there. A person would not: a short question
that names nothing is about what we were talking about, unless it clearly turns elsewhere
("and is there something to meet Danes?" after Spouse Space).

So in a conversation that has a topic, an entry that only the topic model inferred (no name of the
message found it) replaces the topic only when the model is sure of it: its share of the ranking
(the entity's confidence) at least :data:`SWITCH_MIN`. A name in the message always wins, as before.

The threshold: the model's confidence on the later turns of the user-voice conversations (rounds 1
and 2) separates the two cases well; turns that switch topic without naming it are mostly above 0.8,
turns that continue it and were read as another entry mostly below 0.5. 0.6 was set from that and
then checked on round 3, written after it (docs/nlu.md, "Follow-ups keep the topic").

A question inside a conversation that the intent classifier reads as out of scope, or is unsure of
(the fallback), while the topic model does not place it outside our content ("do we pay anything for
it?" after the school answer; "cuantos meses dura"), is a follow-up too: :func:`asks_about_topic`.
The topic model's "none of ours" probability decides, as it does in the NLU (``OUT_OF_SCOPE_AGREE``):
"what's the weather like in winter?" after the first-steps answer has none 0.94 and stays out of scope.

A follow-up may also name another entry as a condition of the topic: "and if I don't have a CPR
yet?" after MitID, "do I need my yellow card for it?" after the library. The name alone would switch
the topic to the CPR number; the question is still about MitID. The topic model learned this shape
from follow-up examples that name a prerequisite (``follow_up`` in ``data/content/questions/``), so
when the message names exactly one entry other than the topic and the model's follow-up probability
is at least :data:`CONDITION_FOLLOW_UP`, the topic stays: :func:`names_a_condition`. "where do I get
a CPR number?" after MitID reads as a CPR question and switches.
"""

from __future__ import annotations

from typing import Any, Iterable, Mapping, Optional

#: The component that adds topic entities inferred by the learned model (no span in the message).
INFERRING_EXTRACTOR = "TopicClassifier"
TOPIC_ENTITY = "topic"
#: An inferred entry at least this sure replaces the conversation's topic.
SWITCH_MIN = 0.6
#: Below this "none of ours" probability the topic model disagrees with an out-of-scope reading. On
#: the user-voice set's messages that the intent classifier read as out of scope, the really
#: out-of-scope ones have none >= 0.53 but two of 48; the follow-ups it read so, none <= 0.54, nearly
#: all below 0.35 (docs/nlu.md, "Follow-ups keep the topic").
OUT_OF_SCOPE_AGREE = 0.5
#: A short question asking for a figure ("ile kosztuje?", "how long?": ``data/i18n/question_words.yml``)
#: of at most FIGURE_WORDS words is a follow-up unless the topic model is this sure none of our
#: entries is meant: "ile kosztuje?" after the EU residence document had none 0.58, and was told
#: "I can't help with that".
FIGURE_WORDS = 4
FIGURE_NONE_MAX = 0.9
#: A message naming one other entry stays on the topic when the topic model reads it as a follow-up
#: at least this much (:func:`names_a_condition`).
CONDITION_FOLLOW_UP = 0.3


def names_a_topic(entities: Iterable[Mapping[str, Any]]) -> bool:
    """Whether the message names an entry: a topic entity found from a name, not inferred by the topic model."""
    return any(entity.get("entity") == TOPIC_ENTITY and entity.get("extractor") != INFERRING_EXTRACTOR
               for entity in entities)


def keeps_topic(entities: Iterable[Mapping[str, Any]], previous: Optional[str]) -> bool:
    """Whether the message's topic entities should give way to the conversation's topic.

    Args:
        entities: The latest message's entities (Rasa's parse data).
        previous: The conversation's topic before the message, if any.

    Returns:
        True when there is a previous topic, every topic entity was inferred by the topic model
        (none came from a name in the message), and the model is not sure of any of them, or one
        of them is the previous topic.
    """
    if previous is None:
        return False
    topics = [entity for entity in entities if entity.get("entity") == TOPIC_ENTITY]
    if not topics or any(entity.get("extractor") != INFERRING_EXTRACTOR for entity in topics):
        return False
    if any(entity.get("value") == previous for entity in topics):
        return True
    return max(float(entity.get("confidence") or 0.0) for entity in topics) < SWITCH_MIN


def asks_about_topic(
    parse: Mapping[str, Any], previous: Optional[str], language: Optional[str] = None, closed_time: bool = False,
) -> bool:
    """Whether a message the NLU did not take for a question is a follow-up about the topic.

    Args:
        parse: The latest message's parse data (``text``, ``entities`` and the topic model's
            ``topic_ranking``).
        previous: The conversation's topic before the message, if any.
        language: The conversation's language (for the words that ask for a figure).
        closed_time: Whether the message asks about a time the topic is closed, which another entry
            covers (:func:`bot.closed_times.answer_when_closed`): "¿y si mi hijo se pone malo de
            noche?" after the family doctor had none 0.72 once the examples of night pharmacies and
            night vets taught the model that "de noche" is often not ours.

    Returns:
        True when there is a previous topic, the message names no topic, and the topic model's
        "none of ours" probability is below :data:`OUT_OF_SCOPE_AGREE`, or below
        :data:`FIGURE_NONE_MAX` for a short question asking for a figure (:func:`asks_for_a_figure`)
        or for a question about the topic's closed time.
    """
    if previous is None:
        return False
    none = none_of_ours(parse)
    if none is None:
        return False  # a topic named, or no topic model: nothing says it is a follow-up about ours
    if none < OUT_OF_SCOPE_AGREE:
        return True
    if closed_time:
        return none < FIGURE_NONE_MAX
    return none < FIGURE_NONE_MAX and language is not None and asks_for_a_figure(str(parse.get("text") or ""), language)


def placed_outside(parse: Mapping[str, Any]) -> bool:
    """Whether the topic model places a message that names no topic outside our content.

    A question about hours, a phone number or an address with no topic, at the start of a
    conversation, is answered for the default entry (International House): "what are your opening
    hours?" (none 0.00). "ma doare o masea, unde gasesc un dentist care ma primeste azi?" (a dentist
    today: none 0.58, just under the NLU's own line) is not a question about the house's hours.

    Returns:
        True when the message names no topic and the topic model's "none of ours" probability is
        at least :data:`OUT_OF_SCOPE_AGREE`.
    """
    none = none_of_ours(parse)
    return none is not None and none >= OUT_OF_SCOPE_AGREE


def none_of_ours(parse: Mapping[str, Any]) -> Optional[float]:
    """The topic model's "none of ours" probability for a message that names no topic.

    Returns:
        None when the message names a topic or no topic model ran (no ``none`` in the parse data).
    """
    if any(entity.get("entity") == TOPIC_ENTITY for entity in parse.get("entities") or []):
        return None
    ranking = parse.get("topic_ranking")
    if not isinstance(ranking, Mapping) or "none" not in ranking:
        return None
    return float(ranking.get("none") or 0.0)


def asks_for_a_figure(text: str, language: str) -> bool:
    """Whether ``text`` is a short question (at most :data:`FIGURE_WORDS` words) for a figure."""
    from bot.answer_parts import asks_for_a_number

    return 0 < len(text.split()) <= FIGURE_WORDS and asks_for_a_number(text, language)


def names_a_condition(parse: Mapping[str, Any], previous: Optional[str], language: Optional[str] = None) -> bool:
    """Whether a message naming another entry is a follow-up with that entry as a condition.

    Args:
        parse: The latest message's parse data (``entities`` and the topic model's ``topic_ranking``).
        previous: The conversation's topic before the message, if any.
        language: The conversation's language (for the verbs of getting).

    Returns:
        True when there is a previous topic, the message's topic entities all come from names in it
        and name exactly one entry, not the previous topic, no verb of getting governs the name
        ("ok and after that, how do I open a NemKonto?" after the tax card asks for NemKonto:
        :func:`bot.answer_parts.gets_the_name`), and the topic model's follow-up probability is at
        least :data:`CONDITION_FOLLOW_UP`.
    """
    if previous is None:
        return False
    topics = [entity for entity in parse.get("entities") or [] if entity.get("entity") == TOPIC_ENTITY]
    if not topics or any(entity.get("extractor") == INFERRING_EXTRACTOR for entity in topics):
        return False
    values = {entity.get("value") for entity in topics}
    if len(values) != 1 or previous in values:
        return False
    if language is not None:
        from bot.answer_parts import gets_the_name

        text = str(parse.get("text") or "")
        if any(gets_the_name(text, int(entity.get("start") or 0), language) for entity in topics):
            return False
    ranking = parse.get("topic_ranking")
    if not isinstance(ranking, Mapping):
        return False
    return float(ranking.get("follow_up") or 0.0) >= CONDITION_FOLLOW_UP
