"""Which channels of ``credentials.yml`` are active, decided from the environment.

``credentials.yml`` lists every channel the assistant can serve, with ``${VAR}`` placeholders for
each secret or platform setting. Rasa 3.6 expands the placeholders itself but stops on an unset
variable, so before Rasa starts the runner decides, per channel:

* no placeholders (REST, socket.io, the signed webhook): always active;
* every variable set (non-empty): active;
* none set: left out;
* only some set: start-up stops with one line naming the missing variables.

The effective file is written with the placeholders KEPT (``credentials.active.yml`` under
``VAR_DIR``), so no secret is ever written to disk: Rasa expands them from its environment.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Mapping, Tuple

import yaml

PLACEHOLDER = re.compile(r"\$\{([^}]+)\}")
ACTIVE_FILE_NAME = "credentials.active.yml"
HEADER = (
    "# Written by bot.run from credentials.yml: the channels whose variables are set.\n"
    "# Placeholders are kept on purpose; Rasa expands them from the environment. Do not edit.\n"
)


class ChannelConfigError(ValueError):
    """A channel is only partly configured, or ``credentials.yml`` is malformed (one line)."""


@dataclass(frozen=True)
class ChannelState:
    """One entry of ``credentials.yml`` and what the environment says about it.

    Attributes:
        key: The entry's key (a Rasa channel name or a dotted class path).
        variables: The environment variables its placeholders name, in order of appearance.
        missing: Those of ``variables`` that are unset or empty.
    """

    key: str
    variables: Tuple[str, ...]
    missing: Tuple[str, ...]

    @property
    def label(self) -> str:
        """A short name for logs: the module of a dotted class path, else the key."""
        parts = self.key.split(".")
        return parts[-2] if len(parts) >= 2 else self.key

    @property
    def active(self) -> bool:
        """Whether the channel is served: every variable set (or none needed)."""
        return not self.missing

    @property
    def partial(self) -> bool:
        """Whether some, but not all, of its variables are set."""
        return bool(self.missing) and len(self.missing) < len(self.variables)


def placeholders(value: Any) -> List[str]:
    """The variable names of every ``${VAR}`` in a YAML value, in order, without repeats.

    Args:
        value: A parsed YAML value (mapping, list or scalar).

    Returns:
        The variable names.
    """
    found: List[str] = []
    if isinstance(value, dict):
        items: List[Any] = [*value.keys(), *value.values()]
    elif isinstance(value, list):
        items = value
    else:
        items = []
        if isinstance(value, str):
            found.extend(match.strip() for match in PLACEHOLDER.findall(value))
    for item in items:
        found.extend(placeholders(item))
    return list(dict.fromkeys(found))


def channel_states(credentials: Mapping[str, Any], env: Mapping[str, str]) -> List[ChannelState]:
    """What the environment says about each channel.

    Args:
        credentials: ``credentials.yml`` as parsed, placeholders unexpanded.
        env: The environment Rasa will run with.

    Returns:
        One state per entry, in the file's order.
    """
    states = []
    for key, config in credentials.items():
        variables = tuple(placeholders(config))
        missing = tuple(name for name in variables if not env.get(name))
        states.append(ChannelState(str(key), variables, missing))
    return states


def decide(credentials: Mapping[str, Any], env: Mapping[str, str]) -> Tuple[Dict[str, Any], List[ChannelState]]:
    """The credentials of the active channels.

    Args:
        credentials: ``credentials.yml`` as parsed, placeholders unexpanded.
        env: The environment Rasa will run with.

    Returns:
        The active entries (placeholders kept) and the state of every entry.

    Raises:
        ChannelConfigError: If a channel has some of its variables set but not all.
    """
    states = channel_states(credentials, env)
    partial = [state for state in states if state.partial]
    if partial:
        problems = "; ".join(
            f"channel {state.label} is partly configured: set {', '.join(state.missing)} "
            f"(or unset {', '.join(name for name in state.variables if name not in state.missing)})"
            for state in partial
        )
        raise ChannelConfigError(problems)
    active = {state.key: credentials[state.key] for state in states if state.active}
    return active, states


def read_credentials(path: Path) -> Dict[str, Any]:
    """Parse ``credentials.yml`` without expanding placeholders.

    Args:
        path: The file.

    Returns:
        Its entries (an empty file has none).

    Raises:
        ChannelConfigError: If the file is not a YAML mapping.
    """
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise ChannelConfigError(f"{path.name}: {' '.join(str(error).split())}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ChannelConfigError(f"{path.name}: must be a mapping of channel names to their settings")
    return data


def write_active_credentials(source: Path, target: Path, env: Mapping[str, str]) -> List[str]:
    """Write the active channels' credentials, placeholders kept, and return their labels.

    Args:
        source: ``credentials.yml``.
        target: Where to write the effective file (its folder is created).
        env: The environment Rasa will run with.

    Returns:
        The labels of the active channels, in the file's order.

    Raises:
        ChannelConfigError: If a channel is partly configured or the file is malformed.
    """
    active, states = decide(read_credentials(source), env)
    target.parent.mkdir(parents=True, exist_ok=True)
    body = yaml.safe_dump(active, sort_keys=False, default_flow_style=False, allow_unicode=True) if active else ""
    target.write_text(HEADER + body, encoding="utf-8")
    return [state.label for state in states if state.active]
