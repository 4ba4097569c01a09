"""``LOG_FORMAT=json``: every log line of our servers as one JSON object (docs/deploy.md).

With the default ``LOG_FORMAT=text`` nothing changes: each server keeps its usual lines. With
``json``, every handler of every logger gets :class:`JsonFormatter` (``time``, ``level``,
``logger``, ``message``, and ``exception`` when there is one), and Python's warnings are sent
through logging, so a log collector reads one object per line. Rasa's structlog events are
already JSON when the output is not a terminal, which is how the servers run.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import datetime, timezone
from typing import Optional

FORMATS = ("text", "json")


class JsonFormatter(logging.Formatter):
    """One JSON object per record."""

    def format(self, record: logging.LogRecord) -> str:
        """Render ``record`` as a JSON object on one line."""
        entry = {
            "time": datetime.fromtimestamp(record.created, tz=timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(log_format: Optional[str] = None) -> None:
    """Apply ``LOG_FORMAT`` to every logger that exists now (call again after a library set its own).

    Args:
        log_format: ``text`` or ``json``; read from the settings when omitted.
    """
    if log_format is None:
        from bot.settings import get_settings

        log_format = get_settings().log_format
    if log_format != "json":
        return
    formatter = JsonFormatter()
    logging.captureWarnings(True)
    root = logging.getLogger()
    if not root.handlers:
        root.addHandler(logging.StreamHandler(sys.stdout))
    if root.level == logging.NOTSET or root.level > logging.INFO:
        root.setLevel(logging.INFO)
    loggers = [root] + [item for item in logging.Logger.manager.loggerDict.values() if isinstance(item, logging.Logger)]
    for logger in loggers:
        for handler in logger.handlers:
            handler.setFormatter(formatter)
