"""Reading the project's YAML files with libyaml's parser when PyYAML was built with it.

PyYAML's pure-Python ``safe_load`` takes 0.46 s for one language's example questions
(``data/content/questions/<lang>.yml``, 1.1 MB); its C-accelerated ``CSafeLoader`` reads the same
file in 0.02 s and gives the same Python objects (``tests/test_yaml_files.py`` compares both on
every file under ``data/``). Training read the eight files three times (the romanised reader, the
language detector, the topic classifier): 11 s of a 175 s training (docs/benchmarks.md).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

#: libyaml's safe loader when PyYAML has it (the PyPI wheels do), else the pure-Python one.
SAFE_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def parse_yaml(text: str) -> Any:
    """Parse YAML text as ``yaml.safe_load`` does (only plain data types), with libyaml when available."""
    return yaml.load(text, Loader=SAFE_LOADER)


def read_yaml(path: Path) -> Any:
    """Read and parse one UTF-8 YAML file (see :func:`parse_yaml`)."""
    return parse_yaml(path.read_text(encoding="utf-8"))
