"""The widget's markdown-lite, rendered to safe HTML for the console's transcripts (issue #21).

The same rules as ``renderMarkdown`` in ``bot/web/static/widget/widget.js``, so a reviewer reads
an answer as the newcomer saw it: ``**bold**``, line breaks, ``- `` / ``• `` lists, blank lines
between paragraphs, links with a readable title (``[title](url)``, :mod:`bot.rich_text`) and
autolinked ``http(s)`` URLs (trailing punctuation left out). Every piece
of text is HTML-escaped; only the tags written here are produced.
"""

from __future__ import annotations

import re
from typing import List
from urllib.parse import urlsplit

from markupsafe import Markup, escape

from bot.rich_text import LINK

URL = re.compile(r"\bhttps?://[^\s<>\"']+", re.IGNORECASE)
BOLD = re.compile(r"\*\*(?=\S)(.+?)\*\*")
ITEM = re.compile(r"^\s*[-•]\s+(.*)$")
TRAILING = ".,;:!?'\"*]}"


def _trim_url(url: str) -> str:
    """The URL without trailing punctuation (a closing parenthesis only when unbalanced)."""
    while url:
        last = url[-1]
        if last in TRAILING or (last == ")" and url.count("(") < url.count(")")):
            url = url[:-1]
        else:
            break
    return url


def _linked(text: str) -> str:
    out: List[str] = []
    last = 0
    for match in URL.finditer(text):
        if match.start() < last:
            continue
        url = _trim_url(match.group(0))
        if urlsplit(url).scheme.lower() not in ("http", "https"):
            continue
        out.append(str(escape(text[last:match.start()])))
        href = escape(url)
        out.append(f'<a href="{href}" target="_blank" rel="noopener noreferrer">{href}</a>')
        last = match.start() + len(url)
    out.append(str(escape(text[last:])))
    return "".join(out)


def _inline(line: str) -> str:
    out: List[str] = []
    last = 0
    for match in LINK.finditer(line):
        out.append(_bold(line[last:match.start()]))
        href = escape(match.group(2))
        out.append(f'<a href="{href}" title="{href}" target="_blank" rel="noopener noreferrer">'
                   f"{escape(match.group(1))}</a>")
        last = match.end()
    out.append(_bold(line[last:]))
    return "".join(out)


def _bold(line: str) -> str:
    out: List[str] = []
    last = 0
    for match in BOLD.finditer(line):
        out.append(_linked(line[last:match.start()]))
        out.append(f"<strong>{_linked(match.group(1))}</strong>")
        last = match.end()
    out.append(_linked(line[last:]))
    return "".join(out)


def render(text: str) -> Markup:
    """The text as safe HTML: paragraphs, lists, bold and links.

    Args:
        text: A bot message as stored (masked).

    Returns:
        HTML that Jinja will not escape again.
    """
    html: List[str] = []
    paragraph: List[str] = []
    items: List[str] = []

    def close_paragraph() -> None:
        if paragraph:
            html.append("<p>" + "<br>".join(paragraph) + "</p>")
            paragraph.clear()

    def close_list() -> None:
        if items:
            html.append("<ul>" + "".join(f"<li>{item}</li>" for item in items) + "</ul>")
            items.clear()

    for line in str(text).replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        item = ITEM.match(line)
        if item:
            close_paragraph()
            items.append(_inline(item.group(1)))
            continue
        close_list()
        if not line.strip():
            close_paragraph()
            continue
        paragraph.append(_inline(line))
    close_paragraph()
    close_list()
    return Markup("".join(html))
