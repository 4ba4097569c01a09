"""Check that the content's URLs still answer (``python -m bot.content check-links``)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence

import requests

USER_AGENT = "aalborg-newcomer-assistant-linkcheck/0.1"


@dataclass(frozen=True)
class LinkResult:
    """The outcome of checking one URL.

    Attributes:
        url: The URL checked.
        status: The final HTTP status, or None when no answer came.
        redirected_to: The final URL when it differs from ``url``.
        error: What went wrong (timeout, connection error), if anything.
    """

    url: str
    status: Optional[int]
    redirected_to: Optional[str] = None
    error: Optional[str] = None

    @property
    def ok(self) -> bool:
        """True when the URL answered with a success status."""
        return self.status is not None and 200 <= self.status < 400


def check_link(url: str, timeout: float, session: Optional[requests.Session] = None) -> LinkResult:
    """Check one URL with HEAD, falling back to GET when HEAD is refused.

    Args:
        url: The URL.
        timeout: Seconds to wait for a response.
        session: An optional requests session.

    Returns:
        The result; never raises for network problems.
    """
    http = session or requests.Session()
    headers = {"User-Agent": USER_AGENT}
    try:
        response = http.head(url, timeout=timeout, allow_redirects=True, headers=headers)
        if response.status_code in (405, 501) or response.status_code >= 400:
            response = http.get(url, timeout=timeout, allow_redirects=True, headers=headers, stream=True)
            response.close()
    except requests.Timeout:
        return LinkResult(url, None, error=f"timeout after {timeout:g}s")
    except requests.RequestException as error:
        return LinkResult(url, None, error=type(error).__name__)
    final = response.url if response.url.rstrip("/") != url.rstrip("/") else None
    return LinkResult(url, response.status_code, redirected_to=final)


def check_links(urls: Sequence[str], timeout: float = 10.0, concurrency: int = 8) -> List[LinkResult]:
    """Check many URLs, at most ``concurrency`` at a time.

    Args:
        urls: The URLs.
        timeout: Seconds per request.
        concurrency: Requests in flight at once.

    Returns:
        One result per URL, in the order given.
    """
    with ThreadPoolExecutor(max_workers=max(1, concurrency)) as pool:
        return list(pool.map(lambda url: check_link(url, timeout), urls))


def format_link_table(results: Sequence[LinkResult], used_by: Dict[str, List[str]]) -> str:
    """Format results as a plain-text table: status, URL, redirect or error, entries using it."""
    rows = [("STATUS", "URL", "NOTE", "USED BY")]
    for result in results:
        status = str(result.status) if result.status is not None else "ERR"
        note = f"-> {result.redirected_to}" if result.redirected_to else (result.error or "")
        rows.append((status, result.url, note, ", ".join(sorted(set(used_by.get(result.url, []))))))
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    return "\n".join(
        f"{row[0]:<{widths[0]}}  {row[1]:<{widths[1]}}  {row[2]:<{widths[2]}}  {row[3]}".rstrip() for row in rows
    )
