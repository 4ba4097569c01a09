"""Which entry answers a question about the right to stay, given the asker's citizenship group.

Three entries are about the right to stay (content-facts §1.5): the residence permit (for citizens
of countries outside the Nordic countries, the EU/EEA and Switzerland), the EU residence document
(for EU/EEA and Swiss citizens) and getting started (whose first step depends on the group).
Asked about by someone of another group, the first step for their group answers instead: an
EU/EEA/Swiss or Nordic citizen is never told to apply for a permit, nor anyone else for the EU
residence document, and "I'm Polish, what do I do first?" gets the EU residence document.

Pure: ``actions/topics.py`` reads the message and the slots and sends what this decides.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, FrozenSet, Iterable, Optional, Tuple

from bot.first_steps import CHECKLIST_ENTRY

#: The first step of each citizenship group: Nordic citizens need no permit but a CPR number.
FIRST_STEP: Dict[str, str] = {"nordic": "cpr", "eu": "eu_residence", "non_eu": "residence_permit"}
#: The entries about the right to stay.
ENTRIES: Tuple[str, ...] = ("residence_permit", "eu_residence", CHECKLIST_ENTRY)
#: (entry asked about, group) -> the entry that applies instead. Each pair has its lead-in text
#: ``right_to_stay_<asked>_<group>`` (data/i18n/messages.yml).
INSTEAD: Dict[Tuple[str, str], str] = {
    (asked, group): step for asked in ENTRIES for group, step in FIRST_STEP.items() if step != asked
}
#: (entry asked about, group) -> the entry that comes before it for that group, when the message itself
#: states the group and does not name that entry: an EU/EEA/Swiss citizen needs the EU residence
#: document to get a CPR number (content-facts §1.5), so "I'm Romanian, what do I need to get my CPR
#: number?" is answered with the document first. A message naming the document ("I got my EU
#: residence document, where do I get the CPR?") is about the CPR number; a group known only from an
#: earlier answer does not count (the checklist may have been followed since). Each pair has its
#: lead-in ``right_to_stay_<asked>_<group>``.
COMES_FIRST: Dict[Tuple[str, str], str] = {("cpr", "eu"): "eu_residence"}
#: Groups for whom "what do I do first?" starts the personal checklist rather than naming the first
#: step: a Nordic citizen's first step, the CPR number, is the first line of everyone's checklist. On
#: the user-voice set, its writers expected the checklist for a Nordic citizen's "what first?" (4 turns,
#: none expected the CPR number), and the EU residence document for an EU citizen's (docs/nlu.md).
CHECKLIST_FIRST: FrozenSet[str] = frozenset({"nordic"})
#: A "which one do you mean?" among these, from someone whose message states a citizenship, is about
#: the right to stay: "soy rumana, tengo cita con SIRI el lunes, ¿qué papeles llevo?" between the EU
#: residence document and SIRI.
SETTLED_BY_CITIZENSHIP: FrozenSet[str] = frozenset({*ENTRIES, "siri"})


@dataclass(frozen=True)
class Redirect:
    """The entry that answers instead of the one asked about.

    Attributes:
        asked: The entry asked about (``getting_started`` for a settled "which one?").
        group: The asker's citizenship group.
        instead: The entry that answers.
    """

    asked: str
    group: str
    instead: str

    @property
    def lead_in(self) -> str:
        """The key of the text said before the answer."""
        return f"right_to_stay_{self.asked}_{self.group}"


def redirect(
    asked: Optional[str], candidates: Iterable[str], stated: Optional[str], remembered: Optional[str],
    named: Iterable[str] = (), for_employer: bool = False,
) -> Optional[Redirect]:
    """The entry for the asker's group, when the question is about another group's right to stay.

    Args:
        asked: The entry the message is about, if one.
        candidates: The close entries offered otherwise ("which one do you mean?").
        stated: The group the message states (:func:`bot.citizenship.stated_group`).
        remembered: The group known from earlier in the conversation (the checklist's answer).
        named: The entries the message names (:func:`bot.prerequisites.named_entries`).
        for_employer: Whether the message is written for an employer about an employee
            (:func:`bot.answer_parts.speaks_for_employer`).

    Returns:
        The redirect, or None when the entry asked about applies. "What do I do first?" follows
        only what the message says, since the checklist itself asks for the group; so does a
        step that needs another one first (:data:`COMES_FIRST`).
    """
    if asked == CHECKLIST_ENTRY and (for_employer or stated in CHECKLIST_FIRST):
        # "we have hired an engineer from Ghana, what should he sort out first?": the whole checklist
        # (its form reads the citizenship from the message). So for a Nordic citizen, whose first step
        # is the CPR number that begins every checklist.
        return None
    if asked is None and stated and SETTLED_BY_CITIZENSHIP.intersection(candidates):
        asked = CHECKLIST_ENTRY
    if asked is None:
        return None
    first = COMES_FIRST.get((asked, str(stated)))
    if first is not None:
        return Redirect(asked, str(stated), first) if first not in set(named) else None
    group = stated if asked == CHECKLIST_ENTRY else stated or remembered
    instead = INSTEAD.get((asked, str(group)))
    return Redirect(asked, str(group), instead) if instead is not None else None
