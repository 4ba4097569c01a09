"""Reading the review pages' URL query parameters, and writing them back into links.

All filter state lives in the URL so that a view can be bookmarked and shared. Bad values are
refused with :class:`QueryError` (the pages answer 400 with a JSON error naming the parameter).

Conversation list parameters::

    from, to        YYYY-MM-DD (UTC days, both included; years 2000-2100)
    language        a language code            channel   an input channel name
    intent          an intent name             below     low confidence: a number in (0, 1]
    fallback=1      a fallback happened        thumbs_down=1   a thumbs down was given
    tag             a tag                      reviewed  yes | no
    q               free text                  page      1, 2, ... (ASCII digits)
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, Dict, List, Mapping, Optional, Tuple
from urllib.parse import urlencode

from bot.console.transcripts import ConversationFilter

MAX_PARAM_CHARS = 200
MAX_PAGE = 100_000
#: Dates outside these years are refused: they are typing mistakes, and day arithmetic near
#: ``date.min``/``date.max`` would overflow.
MIN_YEAR = 2000
MAX_YEAR = 2100
#: A whole number as the console accepts it: ASCII digits only (``str.isdigit`` also accepts ``²``
#: and other Unicode digits that ``int()`` refuses or reads differently).
WHOLE_NUMBER = re.compile(r"[0-9]{1,9}")
#: The largest id of an integer column (PostgreSQL ``integer``).
MAX_ROW_ID = 2**31 - 1
FLAG_TRUE = ("1", "true", "yes", "on")
FLAG_FALSE = ("", "0", "false", "no", "off")


class QueryError(ValueError):
    """A query parameter with a value the page cannot use."""

    def __init__(self, name: str, message: str) -> None:
        """Remember the parameter.

        Args:
            name: The parameter's name.
            message: What is wrong.
        """
        super().__init__(message)
        self.name = name


def _one(args: Mapping[str, Any], name: str) -> str:
    """A parameter's single value ('' when absent); refuses repeats and over-long values."""
    getlist = getattr(args, "getlist", None)
    raw = getlist(name) if callable(getlist) else args.get(name)
    values: List[str] = list(raw) if isinstance(raw, (list, tuple)) else ([] if raw is None else [raw])
    if len(values) > 1:
        raise QueryError(name, f"'{name}' is given more than once")
    value = str(values[0]).strip() if values else ""
    if len(value) > MAX_PARAM_CHARS:
        raise QueryError(name, f"'{name}' is longer than {MAX_PARAM_CHARS} characters")
    if any(ord(char) < 32 for char in value):
        raise QueryError(name, f"'{name}' contains control characters")
    return value


def text(args: Mapping[str, Any], name: str) -> Optional[str]:
    """A free-text parameter, None when empty."""
    return _one(args, name) or None


def date(args: Mapping[str, Any], name: str) -> Optional[dt.date]:
    """A ``YYYY-MM-DD`` parameter, None when empty."""
    value = _one(args, name)
    if not value:
        return None
    try:
        parsed = dt.date.fromisoformat(value)
    except ValueError:
        raise QueryError(name, f"'{name}' must be a date written YYYY-MM-DD") from None
    if not MIN_YEAR <= parsed.year <= MAX_YEAR:
        raise QueryError(name, f"'{name}' must be a date between {MIN_YEAR} and {MAX_YEAR}")
    return parsed


def is_row_id(value: int) -> bool:
    """Whether ``value`` (from a route's ``<id:int>``) can be a row id: 1 to 2**31 - 1.

    Larger numbers cannot even be compared with an integer column on SQLite (OverflowError).
    """
    return 1 <= value <= MAX_ROW_ID


def whole_number(value: str) -> Optional[int]:
    """``value`` as an int when it is 1-9 ASCII digits, else None.

    Args:
        value: A query parameter or form field.

    Returns:
        The number, or None.
    """
    return int(value) if WHOLE_NUMBER.fullmatch(value) else None


def flag(args: Mapping[str, Any], name: str) -> bool:
    """A checkbox parameter (``1``/``true``/``yes``/``on``; absent or ``0``/``false``/``no``/``off``)."""
    value = _one(args, name).lower()
    if value in FLAG_TRUE:
        return True
    if value in FLAG_FALSE:
        return False
    raise QueryError(name, f"'{name}' must be 1 or 0")


def number(args: Mapping[str, Any], name: str, low: float, high: float) -> Optional[float]:
    """A number in ``(low, high]``, None when empty."""
    value = _one(args, name)
    if not value:
        return None
    try:
        parsed = float(value)
    except ValueError:
        raise QueryError(name, f"'{name}' must be a number") from None
    if not low < parsed <= high:
        raise QueryError(name, f"'{name}' must be greater than {low:g} and at most {high:g}")
    return parsed


def page(args: Mapping[str, Any]) -> int:
    """The ``page`` parameter (1 when absent)."""
    value = _one(args, "page")
    if not value:
        return 1
    number = whole_number(value)
    if number is None or not 1 <= number <= MAX_PAGE:
        raise QueryError("page", f"'page' must be a whole number from 1 to {MAX_PAGE}")
    return number


def date_range(args: Mapping[str, Any], today: dt.date, default_days: int = 30) -> Tuple[dt.date, dt.date]:
    """``from``/``to`` with defaults: the ``default_days`` days up to ``today``.

    Raises:
        QueryError: If a date is malformed or ``to`` is before ``from``.
    """
    date_to = date(args, "to") or today
    try:
        date_from = date(args, "from") or date_to - dt.timedelta(days=default_days - 1)
    except OverflowError:
        raise QueryError("to", f"'to' must be a date between {MIN_YEAR} and {MAX_YEAR}") from None
    if date_to < date_from:
        raise QueryError("to", "'to' is before 'from'")
    return date_from, date_to


def conversation_filter(args: Mapping[str, Any]) -> ConversationFilter:
    """The conversation list's filters from the query string.

    Raises:
        QueryError: On any malformed parameter.
    """
    date_from, date_to = date(args, "from"), date(args, "to")
    if date_from and date_to and date_to < date_from:
        raise QueryError("to", "'to' is before 'from'")
    reviewed_raw = _one(args, "reviewed").lower()
    if reviewed_raw not in ("", "yes", "no"):
        raise QueryError("reviewed", "'reviewed' must be yes or no")
    return ConversationFilter(
        date_from=date_from,
        date_to=date_to,
        language=text(args, "language"),
        channel=text(args, "channel"),
        intent=text(args, "intent"),
        max_confidence=number(args, "below", 0.0, 1.0),
        fallback=flag(args, "fallback"),
        thumbs_down=flag(args, "thumbs_down"),
        tag=text(args, "tag"),
        reviewed=None if not reviewed_raw else reviewed_raw == "yes",
        search=text(args, "q"),
    )


def filter_params(filters: ConversationFilter) -> Dict[str, str]:
    """The query parameters that reproduce ``filters`` (empty ones left out)."""
    params = {
        "from": filters.date_from.isoformat() if filters.date_from else "",
        "to": filters.date_to.isoformat() if filters.date_to else "",
        "language": filters.language or "",
        "channel": filters.channel or "",
        "intent": filters.intent or "",
        "below": f"{filters.max_confidence:g}" if filters.max_confidence is not None else "",
        "fallback": "1" if filters.fallback else "",
        "thumbs_down": "1" if filters.thumbs_down else "",
        "tag": filters.tag or "",
        "reviewed": "" if filters.reviewed is None else ("yes" if filters.reviewed else "no"),
        "q": filters.search or "",
    }
    return {key: value for key, value in params.items() if value}


def list_url(filters: ConversationFilter, page_number: int = 1) -> str:
    """The conversation list's URL for ``filters`` and a page."""
    params = filter_params(filters)
    if page_number > 1:
        params["page"] = str(page_number)
    return "/console/conversations" + (f"?{urlencode(params)}" if params else "")
