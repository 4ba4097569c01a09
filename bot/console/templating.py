"""Server-rendered console pages: one Jinja2 environment over ``bot/console/templates/``.

``render(request, "page.html", **context)`` gives every template ``user`` (the signed-in
:class:`~bot.console.accounts_db.StaffUser` or None), ``csrf_token``, ``request`` and ``nav``
(the navigation items the user's role may see), and returns the page with the console's
security headers. Autoescaping is on for ``.html`` templates and undefined names are errors.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, List, Optional

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from sanic import response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.console.accounts_db import StaffUser

TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"

#: No inline script or style, nothing from other origins, no framing, forms post only here.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
    "Referrer-Policy": "same-origin",
}


@dataclass(frozen=True)
class NavItem:
    """A link in the console's navigation."""

    label: str
    url: str
    role: str
    current: bool = False


#: The navigation, with the least role that sees each item.
NAV = (
    NavItem("Handoffs", "/console/handoffs", "reviewer"),
    NavItem("Conversations", "/console/conversations", "viewer"),
    NavItem("Unanswered", "/console/unanswered", "viewer"),
    NavItem("Suspect answers", "/console/suspects", "viewer"),
    NavItem("NLU inbox", "/console/inbox", "viewer"),
    NavItem("Analytics", "/console/analytics", "viewer"),
    NavItem("Undelivered", "/console/undelivered", "reviewer"),
    NavItem("Users", "/console/users", "admin"),
    NavItem("Audit log", "/console/audit", "admin"),
)


@lru_cache(maxsize=1)
def environment() -> Environment:
    """The console's Jinja2 environment (created on first use)."""
    from bot.console.markdown_lite import render as markdown_lite

    env = Environment(
        loader=FileSystemLoader(str(TEMPLATE_DIR)),
        autoescape=select_autoescape(["html", "htm", "xml", "svg"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["markdown_lite"] = markdown_lite  # bot messages as the widget shows them
    return env


def nav_items(user: Optional[StaffUser], path: str) -> List[NavItem]:
    """The navigation items ``user`` may see, the one for ``path`` marked current."""
    if user is None:
        return []
    return [
        NavItem(item.label, item.url, item.role, path == item.url or path.startswith(item.url + "/"))
        for item in NAV
        if user.has_role(item.role)
    ]


def apply_security_headers(resp: HTTPResponse) -> None:
    """Give a console response its security headers (kept when a handler set its own)."""
    for name, value in SECURITY_HEADERS.items():
        if name not in resp.headers:
            resp.headers[name] = value


def render(request: Request, template: str, status: int = 200, **context: Any) -> HTTPResponse:
    """Render a console template into an HTML response with the security headers.

    Args:
        request: The current request (``request.ctx.user`` / ``csrf_token`` when signed in).
        template: Template file name under ``bot/console/templates/``.
        status: HTTP status.
        **context: The template's own variables.

    Returns:
        The response.
    """
    user = getattr(request.ctx, "user", None)
    base = {
        "user": user,
        "csrf_token": getattr(request.ctx, "csrf_token", ""),
        "request": request,
        "nav": nav_items(user, request.path),
    }
    base.update(context)
    body = environment().get_template(template).render(**base)
    resp = response.html(body, status=status)
    apply_security_headers(resp)
    return resp
