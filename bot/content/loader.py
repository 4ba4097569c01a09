"""Load and validate the knowledge base from ``data/content/*.yml``."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Sequence, Tuple

import yaml

from bot.content.schema import ContentError, Entry, _Collector, check_references, parse_entry


class _ContentYamlLoader(yaml.SafeLoader):
    """SafeLoader that keeps dates as text, so the schema reports a bad date with its path."""


_ContentYamlLoader.add_constructor(
    "tag:yaml.org,2002:timestamp",
    lambda loader, node: loader.construct_scalar(node),  # type: ignore[arg-type]
)


class ContentValidationError(Exception):
    """The content files have problems; ``errors`` lists every one."""

    def __init__(self, errors: Sequence[ContentError]) -> None:
        self.errors = list(errors)
        lines = "\n".join(str(error) for error in self.errors)
        super().__init__(f"{len(self.errors)} problem(s) in the content files:\n{lines}")


@dataclass(frozen=True, eq=False)
class KnowledgeBase:
    """All content entries, indexed by id.

    Attributes:
        entries: Entries by id, in file order.
        languages: The languages every translated field is present in.
    """

    entries: Dict[str, Entry]
    languages: Tuple[str, ...]

    def __iter__(self) -> Iterator[Entry]:
        return iter(self.entries.values())

    def __len__(self) -> int:
        return len(self.entries)

    def get(self, entry_id: Optional[str]) -> Optional[Entry]:
        """Return the entry with this id, or None."""
        if not entry_id:
            return None
        return self.entries.get(entry_id)


def _display_path(path: Path, root: Optional[Path]) -> str:
    if root is not None:
        try:
            return str(path.resolve().relative_to(root.resolve()))
        except ValueError:
            pass
    return str(path)


def read_entries(
    content_dir: Path, languages: Sequence[str], root: Optional[Path] = None
) -> Tuple[Dict[str, Entry], List[ContentError]]:
    """Parse every ``*.yml`` file in ``content_dir`` and collect all problems.

    Args:
        content_dir: Folder with the content files.
        languages: Languages every translated field must have.
        root: Folder the file names in error messages are relative to.

    Returns:
        The entries that could be parsed, by id, and the list of problems.
    """
    entries: Dict[str, Entry] = {}
    errors: List[ContentError] = []
    files = sorted(content_dir.glob("*.yml"))
    if not files:
        errors.append(ContentError(_display_path(content_dir, root), "-", "no content files (*.yml) found"))
    for path in files:
        shown = _display_path(path, root)
        col = _Collector(shown, languages)
        try:
            raw = yaml.load(path.read_text(encoding="utf-8"), Loader=_ContentYamlLoader)
        except yaml.YAMLError as error:
            mark = getattr(error, "problem_mark", None)
            where = f"line {mark.line + 1}" if mark is not None else "-"
            problem = getattr(error, "problem", None) or str(error).splitlines()[0]
            errors.append(ContentError(shown, where, f"invalid YAML: {problem}"))
            continue
        if not isinstance(raw, dict) or not isinstance(raw.get("entries"), list):
            errors.append(ContentError(shown, "entries", "the file must have a top-level 'entries' list"))
            continue
        for index, raw_entry in enumerate(raw["entries"]):
            entry = parse_entry(col, raw_entry, index)
            if entry is None:
                continue
            if entry.id in entries:
                col.error(f"entries[{entry.id}].id", f"duplicate id (also in {entries[entry.id].file})")
                continue
            entries[entry.id] = entry
        errors.extend(col.errors)
    errors.extend(check_references(entries))
    return entries, errors


def load_knowledge_base(
    content_dir: Path, languages: Sequence[str], root: Optional[Path] = None
) -> KnowledgeBase:
    """Load the knowledge base, refusing content with any problem.

    Args:
        content_dir: Folder with the content files.
        languages: Languages every translated field must have.
        root: Folder the file names in error messages are relative to.

    Returns:
        The validated knowledge base.

    Raises:
        ContentValidationError: If any file has a problem.
    """
    entries, errors = read_entries(content_dir, languages, root)
    if errors:
        raise ContentValidationError(errors)
    return KnowledgeBase(entries=entries, languages=tuple(languages))


@lru_cache(maxsize=1)
def get_knowledge_base() -> KnowledgeBase:
    """Return the process-wide knowledge base, loaded once from the configured folder."""
    from bot.settings import get_settings

    settings = get_settings()
    return load_knowledge_base(settings.content_dir, settings.languages, settings.project_dir)
