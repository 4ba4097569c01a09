"""``LOG_FORMAT=json``: every log line of our servers as one JSON object (docs/observability.md).

With the default ``LOG_FORMAT=text`` nothing changes: each server keeps its usual lines. With
``json``, every handler of every logger gets :class:`JsonFormatter` (``time``, ``level``,
``logger``, ``message``, and ``exception`` when there is one), a record is written once even
when a library's logger has its own handler, Python's warnings and uncaught exceptions go through
logging, and TensorFlow's native INFO and WARNING lines are turned off
(``TF_CPP_MIN_LOG_LEVEL=2``, unless set). Rasa's structlog events, already JSON, are merged into
the object rather than nested in ``message``. The Rasa server also sends its command line's
coloured messages through logging (``bot.rasa_server``).
"""

from __future__ import annotations

import json
import logging
import os
import sys
from datetime import datetime, timezone
from types import TracebackType
from typing import TYPE_CHECKING, Any, Dict, Optional, Type

if TYPE_CHECKING:
    from bot.settings import Settings

FORMATS = ("text", "json")


def structlog_event(message: str) -> Optional[Dict[str, Any]]:
    """The fields of a structlog event rendered as JSON (Rasa's ``configure_structlog``), else None."""
    if not message.startswith("{"):
        return None
    try:
        data = json.loads(message)
    except ValueError:
        return None
    if isinstance(data, dict) and "event" in data and "level" in data:
        return data
    return None


class JsonFormatter(logging.Formatter):
    """One JSON object per record."""

    def format(self, record: logging.LogRecord) -> str:
        """Render ``record`` as a JSON object on one line."""
        message = record.getMessage()
        entry: Dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, tz=timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": message,
        }
        event = structlog_event(message)
        if event is not None:
            entry["message"] = str(event.pop("event"))
            event.pop("level", None)
            for key, value in event.items():
                entry.setdefault(key, value)  # never replaces time, level, logger or message
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def settings_or_exit() -> Settings:
    """The settings; on an invalid variable (``LOG_FORMAT=xml``), exit with one line naming it."""
    from bot.settings import get_settings

    try:
        return get_settings()
    except ValueError as error:
        raise SystemExit(f"error: {error}") from None


def _log_uncaught(kind: Type[BaseException], value: BaseException, traceback: Optional[TracebackType]) -> None:
    if issubclass(kind, KeyboardInterrupt):
        sys.__excepthook__(kind, value, traceback)
        return
    logging.getLogger("uncaught").critical("uncaught exception", exc_info=(kind, value, traceback))


class _Demote(logging.Filter):
    """Logs a library's record at WARNING instead of ERROR when it is not an error of ours.

    ERROR is kept for what an operator must look at (issue #20: normal operation logged ERROR
    lines that hid real ones). Two records of libraries are routine, not failures:

    * Rasa's "User is not authenticated." for a request to its HTTP API without the token: a
      refused request (answered 401), like every other refused input, is a warning;
    * asyncio's "Task was destroyed but it is pending!" for python-engineio's socket tasks when
      the server stops while a widget is still connected.
    """

    def __init__(self, starts: str, contains: str = "") -> None:
        super().__init__()
        self.starts = starts
        self.contains = contains

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno == logging.ERROR:
            message = record.getMessage()
            if message.startswith(self.starts) and self.contains in message:
                record.levelno, record.levelname = logging.WARNING, "WARNING"
        return True


_DEMOTIONS = {
    "rasa.server": _Demote("User is not authenticated."),
    "asyncio": _Demote("Task was destroyed but it is pending!", "engineio"),
}


def demote_routine_errors() -> None:
    """Install the :class:`_Demote` filters (idempotent)."""
    for name, demotion in _DEMOTIONS.items():
        target = logging.getLogger(name)
        if demotion not in target.filters:
            target.addFilter(demotion)


def configure_logging(log_format: Optional[str] = None) -> None:
    """Apply ``LOG_FORMAT`` to every logger that exists now (call again after a library set its own).

    Args:
        log_format: ``text`` or ``json``; read from the settings when omitted.
    """
    demote_routine_errors()
    if log_format is None:
        log_format = settings_or_exit().log_format
    if log_format != "json":
        return
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # read when TensorFlow is imported
    os.environ.setdefault("FORCE_JSON_LOGGING", "1")  # Rasa's structlog renders JSON even on a terminal
    formatter = JsonFormatter()
    logging.captureWarnings(True)
    sys.excepthook = _log_uncaught
    root = logging.getLogger()
    if not root.handlers:
        root.addHandler(logging.StreamHandler(sys.stdout))
    if root.level == logging.NOTSET or root.level > logging.INFO:
        root.setLevel(logging.INFO)
    for handler in root.handlers:
        handler.setFormatter(formatter)
    for item in list(logging.Logger.manager.loggerDict.values()):
        if not isinstance(item, logging.Logger):
            continue
        for handler in item.handlers:
            handler.setFormatter(formatter)
        if any(not isinstance(handler, logging.NullHandler) for handler in item.handlers):
            item.propagate = False  # its own handler writes the record; the root's would repeat it
