"""A child's age in a follow-up about daycare or school: "and when he turns 6?" asks about school.

Daycare is for children from 26 weeks until they start school, and school is compulsory from 6 to 16
(the two entries' own texts in ``data/content/everyday.yml``, which give each the ``ages`` it is
for). After the daycare answer, "og hendes storebror på 6?" or "y para el mayor q tiene 7?" asks
about school, and "und die kleine mit 4?" after the school answer about daycare: a follow-up naming
a child's age outside the ages of the conversation's topic is about the one entry whose ages hold it.

A number is read as an age with the words around it (``age_before``, ``age_after`` and ``age_not``
in ``data/i18n/question_words.yml``): "turns 6", "mit 4", "عمره 7", "6 years old"; not "på 2
uger" (two weeks) or "mit 2 kindern" (two children).
"""

from __future__ import annotations

from typing import Mapping, Optional

from bot.content.schema import Entry

#: The oldest a child is counted: 17 (youth education and Danish lessons begin at 16-18).
OLDEST = 17
#: How many words may stand between a word of ``age_before`` and the number ("turns almost 6").
GAP = 1


def child_age(text: str, language: Optional[str]) -> Optional[int]:
    """The age of a child the message names, if it names exactly one (in years, 0 to :data:`OLDEST`)."""
    from bot.dates_asked import ARABIC_DIGITS
    from bot.nlu.gazetteer import tokens
    from bot.prerequisites import phrase_at, phrases_of

    words = [word for word, _, _ in tokens(text.translate(ARABIC_DIGITS))]
    before, after, units = (phrases_of(kind, language) for kind in ("age_before", "age_after", "age_not"))
    ages = set()
    for index, word in enumerate(words):
        if not word.isdigit() or int(word) > OLDEST:
            continue
        if any(phrase_at(words, index + 1, phrase) for phrase in units):
            continue
        led = any(phrase_at(words, index - gap - len(phrase), phrase) for phrase in before for gap in range(GAP + 1))
        if led or any(phrase_at(words, index + 1, phrase) for phrase in after):
            ages.add(int(word))
    return ages.pop() if len(ages) == 1 else None


def entry_for_age(entries: Mapping[str, Entry], topic: Optional[Entry], text: str,
                  language: Optional[str]) -> Optional[Entry]:
    """The entry a follow-up about ``topic`` asks about when it names a child's age outside the topic's.

    Returns:
        The one entry whose ``ages`` hold the age the message names, when ``topic`` has ages and
        they do not hold it; else None.
    """
    if topic is None or topic.ages is None or not text:
        return None
    age = child_age(text, language)
    if age is None or topic.ages[0] <= age <= topic.ages[1]:
        return None
    holding = [entry for entry in entries.values() if entry.ages is not None and entry.ages[0] <= age <= entry.ages[1]]
    return holding[0] if len(holding) == 1 else None
