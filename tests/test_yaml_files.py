"""The libyaml-backed reader gives exactly what ``yaml.safe_load`` gives, on every project YAML file."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.yaml_files import SAFE_LOADER, parse_yaml, read_yaml

ROOT = Path(__file__).resolve().parents[1]
FILES = sorted(
    path for folder in ("data", "tests/user_voice") for path in (ROOT / folder).rglob("*.yml")
) + [ROOT / name for name in ("domain.yml", "config.yml", "endpoints.yml", "credentials.yml")]


def test_the_c_parser_is_used() -> None:
    # The PyPI wheels of PyYAML carry libyaml; without it training reads the questions 20x slower.
    assert SAFE_LOADER is yaml.CSafeLoader


@pytest.mark.parametrize("path", FILES, ids=lambda path: str(path.relative_to(ROOT)))
def test_same_objects_as_safe_load(path: Path) -> None:
    assert read_yaml(path) == yaml.safe_load(path.read_text(encoding="utf-8"))


def test_only_plain_types() -> None:
    with pytest.raises(yaml.YAMLError):
        parse_yaml("!!python/object/apply:os.system ['true']")
    assert parse_yaml("a: [1, 'no', no, 2026-12-07]") == yaml.safe_load("a: [1, 'no', no, 2026-12-07]")
