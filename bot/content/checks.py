"""Rules for the content's wording that the schema cannot see, run by ``python -m bot.content validate``.

- **Validity periods**: an entry with ``valid_until`` warns 30 days before the end and fails
  after it, so that a strategy or an event is never presented as current once it has ended.
- **Number separators**: a decimal number uses the language's decimal separator from CLDR
  ("3,5" in Danish, Polish and Spanish; "3.5" in English), and a thousands separator is CLDR's
  or a space, never the decimal separator.
- **One Danish term per concept**: where several Danish names circulate for one thing, the
  answers use one of them (the others stay in ``synonyms``, where they help recognise questions).
- **No bare "(?)"**: an unsure fact is said in a full sentence with a way to check.
- **The first bubble is short** (issue #13): every ``summary`` — the first thing an answer shows —
  has at most two sentences (:mod:`bot.content.sentences`) and at most
  :data:`SUMMARY_MAX_CHARS` characters, in every language.
- **No synonym is a common word** of a supported language (spaCy's stop-word lists): the
  gazetteer matches synonyms in every language, so the English "er" (emergency room) named the
  out-of-hours doctor in every Danish "hvad er …?" question.
- **The first-steps checklist is complete**: every step of ``bot.first_steps.STEPS`` is an entry
  with a ``checklist`` line for each citizenship group it is shown to (checked when the content
  holds any of those entries).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Dict, Iterable, Iterator, List, Mapping, Sequence, Tuple

from bot.content.schema import Entry
from bot.content.sentences import sentences
from bot.locale_format import decimal_symbol, group_symbol

#: The most sentences and characters a summary (an answer's first bubble) may have.
SUMMARY_MAX_SENTENCES = 2
SUMMARY_MAX_CHARS = 450

#: Days before ``valid_until`` from which the validator warns.
WARN_DAYS = 30

#: Danish term used in answers -> the other names that must not appear in answer texts. The
#: Danish Agency for International Recruitment (SIRI) calls the document EU-opholdsdokument;
#: "opholdsbevis" is an older name and "registreringsbevis" only one kind of it.
DANISH_TERMS: Mapping[str, Tuple[str, ...]] = {
    "EU-opholdsdokument": ("opholdsbevis", "registreringsbevis"),
}

_SPACES = (" ", "\u00a0", "\u202f")
_THOUSANDS = re.compile(r"(?<![\d.,:/])([1-9]\d{0,2})((?:[.,\u00a0\u202f ]\d{3})+)(?![\d])")
_DECIMAL = re.compile(r"(?<![\d.,:/])(\d+)([.,])(\d{1,2})(?![\d.,])")
_URL = re.compile(r"https?://\S+|\{[a-z]+:[\w.]+\}")


@dataclass(frozen=True)
class Finding:
    """One problem or warning, with where it is."""

    file: str
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.path}: {self.message}"


def _texts(entry: Entry) -> Iterator[Tuple[str, str, str]]:
    """(path, language, text) of every answer text of an entry (not its synonyms)."""
    for name in ("summary", "details", "uncertain"):
        for language, text in getattr(entry, name).items():
            yield f"entries[{entry.id}].{name}.{language}", language, text
    for group, texts in entry.steps.items():
        for language, text in texts.items():
            yield f"entries[{entry.id}].steps.{group}.{language}", language, text
    for key, texts in entry.checklist.items():
        for language, text in texts.items():
            yield f"entries[{entry.id}].checklist.{key}.{language}", language, text


def period_findings(entries: Iterable[Entry], today: dt.date) -> Tuple[List[Finding], List[Finding]]:
    """Warnings (ending within 30 days) and errors (ended) of the entries' validity periods."""
    warnings: List[Finding] = []
    errors: List[Finding] = []
    for entry in entries:
        if entry.valid_until is None:
            continue
        path = f"entries[{entry.id}].valid_until"
        if today > entry.valid_until:
            errors.append(Finding(entry.file, path, f"the period ended on {entry.valid_until.isoformat()}: "
                                                     "update the entry or its period"))
        elif (entry.valid_until - today).days <= WARN_DAYS:
            days = (entry.valid_until - today).days
            warnings.append(Finding(entry.file, path, f"the period ends on {entry.valid_until.isoformat()}, "
                                                       f"in {days} days"))
    return warnings, errors


def _is_time(whole: str, separator: str, fraction: str) -> bool:
    return len(fraction) == 2 and int(whole) <= 24 and int(fraction) <= 59 and separator in ".:"


def separator_findings(entries: Iterable[Entry], languages: Sequence[str]) -> List[Finding]:
    """Numbers whose decimal or thousands separator is not the language's (CLDR)."""
    findings: List[Finding] = []
    for entry in entries:
        for path, language, text in _texts(entry):
            if language not in languages:
                continue
            plain = _URL.sub(" ", text)
            decimal, group = decimal_symbol(language), group_symbol(language)
            for match in _THOUSANDS.finditer(plain):
                separators = {char for char in match.group(2) if not char.isdigit()}
                allowed = {group, *_SPACES} - {decimal}
                if not separators <= allowed:
                    findings.append(Finding(entry.file, path, f"{match.group()!r}: thousands are separated with "
                                                              f"{group!r} or a space in {language}"))
            for match in _DECIMAL.finditer(plain):
                whole, separator, fraction = match.groups()
                if len(fraction) == 3 or _is_time(whole, separator, fraction):
                    continue
                if separator != decimal:
                    findings.append(Finding(entry.file, path, f"{match.group()!r}: the decimal separator in "
                                                              f"{language} is {decimal!r}"))
    return findings


def term_findings(entries: Iterable[Entry]) -> List[Finding]:
    """Answer texts that use another Danish name than the one chosen for a concept."""
    findings: List[Finding] = []
    for entry in entries:
        for path, _, text in _texts(entry):
            lowered = text.lower()
            for term, others in DANISH_TERMS.items():
                for other in others:
                    if re.search(rf"(?<!\w){re.escape(other)}", lowered):
                        findings.append(Finding(entry.file, path, f"says {other!r}: the answers call it {term!r}"))
    return findings


def placeholder_findings(entries: Iterable[Entry]) -> List[Finding]:
    """Texts with a bare "(?)" instead of a sentence saying what is not confirmed."""
    return [
        Finding(entry.file, path, 'a bare "(?)": say in a sentence what is not confirmed and how to check')
        for entry in entries
        for path, _, text in _texts(entry)
        if "(?)" in text
    ]


def summary_findings(entries: Iterable[Entry]) -> List[Finding]:
    """Summaries longer than two sentences or :data:`SUMMARY_MAX_CHARS` characters (issue #13)."""
    findings: List[Finding] = []
    for entry in entries:
        for language, text in entry.summary.items():
            path = f"entries[{entry.id}].summary.{language}"
            count = len(sentences(text, language))
            if count > SUMMARY_MAX_SENTENCES:
                findings.append(Finding(entry.file, path, f"{count} sentences: the first bubble has at most "
                                        f"{SUMMARY_MAX_SENTENCES}; move the rest to details"))
            if len(text) > SUMMARY_MAX_CHARS:
                findings.append(Finding(entry.file, path, f"{len(text)} characters: the first bubble has at most "
                                        f"{SUMMARY_MAX_CHARS}; move the rest to details"))
    return findings


def stop_word_findings(entries: Iterable[Entry], languages: Sequence[str]) -> List[Finding]:
    """Synonyms that are a common word (a stop word) in any supported language."""
    from bot.stop_words import stop_words as stop_words_of

    stop_words: Dict[str, str] = {}
    for language in languages:
        for word in stop_words_of(language):
            stop_words.setdefault(word, language)
    findings: List[Finding] = []
    for entry in entries:
        for language, synonyms in entry.synonyms.items():
            for synonym in synonyms:
                other = stop_words.get(synonym.lower())
                if other is not None:
                    findings.append(Finding(entry.file, f"entries[{entry.id}].synonyms.{language}",
                                            f"{synonym!r} is a common word in {other}: it would match everywhere"))
    return findings


def checklist_findings(entries: Mapping[str, Entry]) -> List[Finding]:
    """Steps of the first-steps checklist without an entry or without a line for a group they serve."""
    from bot.first_steps import GROUPS, STEPS  # the checklist's order lives with its logic

    findings: List[Finding] = []
    if not any(step.entry_id in entries for step in STEPS):
        return findings  # a content set without the newcomer topics (a test fixture, another house)
    for step in STEPS:
        entry = entries.get(step.entry_id)
        if entry is None:
            findings.append(Finding("bot/first_steps.py", f"STEPS[{step.entry_id}]", "no such entry"))
            continue
        for group in step.groups or GROUPS:
            if group not in entry.checklist and "all" not in entry.checklist:
                findings.append(Finding(entry.file, f"entries[{entry.id}].checklist",
                                        f"needs a line for {group!r} (or 'all'): it is a step of the checklist"))
    return findings


def check(entries: Mapping[str, Entry], languages: Sequence[str], today: dt.date) -> Dict[str, List[Finding]]:
    """All wording rules: ``{"warnings": [...], "errors": [...]}``."""
    values = list(entries.values())
    warnings, errors = period_findings(values, today)
    errors += separator_findings(values, languages) + term_findings(values) + placeholder_findings(values)
    errors += checklist_findings(entries) + summary_findings(values) + stop_word_findings(values, languages)
    return {"warnings": warnings, "errors": errors}
