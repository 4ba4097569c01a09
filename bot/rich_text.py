"""The small markup of the assistant's answers, and how each kind of channel shows it.

Answers are written once, in the markdown subset the widget renders (``renderMarkdown`` in
``bot/web/static/widget/widget.js``; the console's transcripts use ``bot/console/markdown_lite.py``):
``**bold**``, ``- `` lists, bare ``http(s)`` URLs and links with a readable title,
``[Life in Denmark: apply for a tax card](https://lifeindenmark.borger.dk/actionpage?…)``
(issue #13: an 80-character URL as link text is unreadable on a phone).

Channels that show text only get it without markup (:func:`plain`): bold markers dropped and each
link as its URL without ``https://`` and ``www.`` — the official address, shortened but never
replaced, so a newcomer still sees which authority's site a link leads to (a redirect through
our own server would hide that; see docs/decisions.md). Slack gets its own markup (:func:`slack`).
The widget, the REST channel, the signed webhook and Microsoft Teams (which renders markdown)
get the text as written: an integrator renders it or calls :func:`plain` itself.
"""

from __future__ import annotations

import re
from typing import Callable, Dict

LINK = re.compile(r"\[([^\[\]\n]+)\]\((https?://[^\s()]+)\)")
BOLD = re.compile(r"\*\*(?=\S)(.+?)\*\*")

#: How each channel (``UserMessage.input_channel``) shows the markup; channels not listed get it
#: as written.
CHANNEL_STYLES: Dict[str, str] = {
    "telegram": "plain",
    "facebook": "plain",
    "twilio": "plain",
    "slack": "slack",
}


def link(title: str, url: str) -> str:
    """A link with a readable title, in the answers' markup.

    Args:
        title: What the reader sees; square brackets in it become parentheses.
        url: The http(s) address; parentheses in it are percent-encoded so the link stays whole.

    Returns:
        ``[title](url)``.
    """
    clean_title = " ".join(title.replace("[", "(").replace("]", ")").split())
    safe_url = url.replace("(", "%28").replace(")", "%29")
    return f"[{clean_title}]({safe_url})"


def short_url(url: str) -> str:
    """The address without its scheme, ``www.`` and a trailing slash: ``https://www.skat.dk/`` → ``skat.dk``."""
    short = re.sub(r"^https?://", "", url, flags=re.IGNORECASE)
    short = re.sub(r"^www\.", "", short, flags=re.IGNORECASE)
    return short[:-1] if short.endswith("/") and short.count("/") == 1 else short


def plain(text: str) -> str:
    """The text for a channel that shows no markup: no bold markers, links as short URLs."""
    text = LINK.sub(lambda match: short_url(match.group(2)), text)
    return BOLD.sub(r"\1", text)


def slack(text: str) -> str:
    """The text in Slack's markup: ``*bold*`` and ``<url|title>``."""
    text = LINK.sub(lambda match: f"<{match.group(2)}|{match.group(1)}>", text)
    return BOLD.sub(r"*\1*", text)


_RENDERERS: Dict[str, Callable[[str], str]] = {"plain": plain, "slack": slack}


def for_channel(channel: str, text: str) -> str:
    """The text as ``channel`` should show it (see :data:`CHANNEL_STYLES`)."""
    style = CHANNEL_STYLES.get(channel)
    return _RENDERERS[style](text) if style else text
