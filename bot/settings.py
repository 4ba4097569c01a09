"""Settings read from the environment, in one place.

Every tunable of the project is read here, once, into a frozen dataclass. Modules ask
:func:`get_settings` instead of reading ``os.environ`` themselves, so the full list of
variables is in one file (and documented in ``.env.example``).

Secrets (API tokens, database passwords) have no defaults: they are either set in the
environment or generated at run time by ``bot.run`` for local use.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Mapping, Optional, Tuple

PROJECT_DIR = Path(__file__).resolve().parent.parent

#: Fallback when ``data/i18n/languages.yml`` cannot be read.
DEFAULT_LANGUAGES = ("en",)


def read_languages(project_dir: Path) -> Tuple[str, ...]:
    """The supported language codes from ``data/i18n/languages.yml`` (the first is the fallback).

    Args:
        project_dir: The project root.

    Returns:
        The language codes, in the file's order.
    """
    from bot.languages import parse_languages  # imported here: bot.languages reads the settings

    return tuple(language.code for language in parse_languages(project_dir / "data" / "i18n" / "languages.yml"))


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as error:
        raise ValueError(f"environment variable {name} must be an integer, got {raw!r}") from error


@dataclass(frozen=True)
class Settings:
    """The project's settings.

    Attributes:
        project_dir: Root of the Rasa project (``config.yml``, ``domain.yml``, ``data/``).
        content_dir: Folder with the structured content files.
        var_dir: Folder for local state (SQLite database, generated token); git-ignored.
        languages: Supported language codes; the first is the fallback language.
        rasa_port: Port of the Rasa server (REST, socket.io, HTTP API).
        action_port: Port of the action server.
        web_port: Port of the project's web app (widget demo page, staff console).
        host: Interface the servers listen on.
        tracker_db_url: SQLAlchemy URL of the tracker store; SQLite under ``var/`` by default.
        max_message_chars: Longest user message accepted by any channel.
        max_body_bytes: Largest request body accepted by the REST channel.
        rasa_api_token: Token protecting Rasa's HTTP API (None: ``bot.run`` generates one).
        action_timeout_seconds: How long the health probe waits for the action server.
        retention_days: Conversations older than this are deleted (``bot.retention``).
    """

    project_dir: Path = PROJECT_DIR
    content_dir: Path = PROJECT_DIR / "data" / "content"
    var_dir: Path = PROJECT_DIR / "var"
    languages: Tuple[str, ...] = DEFAULT_LANGUAGES
    rasa_port: int = 5005
    action_port: int = 5055
    web_port: int = 8080
    host: str = "127.0.0.1"
    tracker_db_url: str = field(default="")
    max_message_chars: int = 1000
    max_body_bytes: int = 16 * 1024
    rasa_api_token: Optional[str] = None
    action_timeout_seconds: float = 2.0
    retention_days: int = 30

    @property
    def default_language(self) -> str:
        """The language used when nothing else tells which one to use."""
        return self.languages[0]

    @property
    def action_endpoint_url(self) -> str:
        """URL Rasa calls to run custom actions."""
        return f"http://{self.host}:{self.action_port}/webhook"

    @property
    def models_dir(self) -> Path:
        """Folder of trained models."""
        return self.project_dir / "models"

    @classmethod
    def from_env(cls, env: Optional[Mapping[str, str]] = None) -> Settings:
        """Build settings from environment variables.

        Args:
            env: The environment to read; ``os.environ`` when omitted.

        Returns:
            The settings.

        Raises:
            ValueError: If a variable has a value of the wrong type.
        """
        env = os.environ if env is None else env
        project_dir = Path(env.get("PROJECT_DIR") or PROJECT_DIR).resolve()
        var_dir = Path(env.get("VAR_DIR") or project_dir / "var").resolve()
        languages = read_languages(project_dir)
        tracker_db_url = env.get("TRACKER_DB_URL") or f"sqlite:///{var_dir / 'tracker.db'}"
        return cls(
            project_dir=project_dir,
            content_dir=Path(env.get("CONTENT_DIR") or project_dir / "data" / "content").resolve(),
            var_dir=var_dir,
            languages=languages,
            rasa_port=_int(env, "RASA_PORT", 5005),
            action_port=_int(env, "ACTION_PORT", 5055),
            web_port=_int(env, "WEB_PORT", 8080),
            host=env.get("BIND_HOST") or "127.0.0.1",
            tracker_db_url=tracker_db_url,
            max_message_chars=_int(env, "MAX_MESSAGE_CHARS", 1000),
            max_body_bytes=_int(env, "MAX_BODY_BYTES", 16 * 1024),
            rasa_api_token=env.get("RASA_API_TOKEN") or None,
            action_timeout_seconds=float(env.get("ACTION_HEALTH_TIMEOUT") or 2.0),
            retention_days=_int(env, "RETENTION_DAYS", 30),
        )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Return the process-wide settings, read from the environment once."""
    return Settings.from_env()
