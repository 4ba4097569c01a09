"""Who may see a console page: sessions, roles and CSRF checks for sanic handlers.

Decorate every console handler::

    @bp.get("/conversations")
    @require_role("viewer")
    async def conversations(request): ...

Without a valid session a GET/HEAD page redirects to ``/console/login?next=<path>``; other
methods and JSON/CSV requests get a 401 JSON error. A too-weak role gets 403. Every request that
is not GET/HEAD must carry the session's CSRF token (form field ``csrf_token`` or header
``X-CSRF-Token``), else 403. The handler finds the user in ``request.ctx.user``
(:class:`StaffUser`) and the token in ``request.ctx.csrf_token``.
"""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any, Awaitable, Callable, Optional, TypeVar
from urllib.parse import quote, urlsplit

from sanic import response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.console.accounts_db import ROLES, StaffUser
from bot.console.sessions import Session, load_session
from bot.console.templating import apply_security_headers
from bot.privacy import constant_time_equal as tokens_match
from bot.stores.db_retry import in_thread

__all__ = ["SESSION_COOKIE", "StaffUser", "json_error", "require_role", "safe_next"]

SESSION_COOKIE = "console_session"
COOKIE_PATH = "/console"
DEFAULT_PAGE = "/console/conversations"
LOCAL_HOSTS = {"localhost", "127.0.0.1", "[::1]", "::1"}
SAFE_METHODS = {"GET", "HEAD"}

Handler = TypeVar("Handler", bound=Callable[..., Awaitable[HTTPResponse]])


def json_error(status: int, code: str, message: str) -> HTTPResponse:
    """A JSON error ``{"error": {"code", "message"}}`` with the console's security headers."""
    resp = response.json({"error": {"code": code, "message": message}}, status=status)
    apply_security_headers(resp)
    return resp


ERROR_TITLES = {
    400: "This request cannot be shown",
    401: "Please sign in",
    403: "Not allowed",
    404: "Not found",
    503: "The console cannot reach its database",
}


def console_error(request: Request, status: int, code: str, message: str) -> HTTPResponse:
    """An error: JSON for clients that ask for it (``wants_json``), else a console page.

    The page has the console's layout and navigation, the message, and a way back (the page the
    browser came from when it is a console page, else the conversation list; the sign-in form
    for 401), so a reviewer never lands on a bare JSON line (issue #21).
    """
    if wants_json(request):
        return json_error(status, code, message)
    from bot.console.templating import render

    referer = urlsplit(request.headers.get("referer", ""))
    back = safe_next(referer.path + (f"?{referer.query}" if referer.query else "")) if referer.path else DEFAULT_PAGE
    if status == 401:
        back = "/console/login"
    title = ERROR_TITLES.get(status, "Something went wrong")
    return render(request, "error.html", status=status, code=code, message=message, back=back, status_title=title)


def wants_json(request: Request) -> bool:
    """Whether the client expects JSON (or a file) rather than a page."""
    accept = request.headers.get("accept", "")
    return "application/json" in accept or request.path.endswith((".json", ".csv"))


def client_ip(request: Request) -> str:
    """The client's address (proxy headers count only when sanic is told to trust them)."""
    return str(request.remote_addr or request.ip or "unknown")


def cookie_secure(request: Request) -> bool:
    """Whether console cookies get the ``Secure`` flag (``CONSOLE_SECURE_COOKIE``; auto: not on http://localhost)."""
    configured = request.app.ctx.settings.console_secure_cookie
    if configured is not None:
        return bool(configured)
    host = request.host.rsplit(":", 1)[0] if not request.host.endswith("]") else request.host
    return not (request.scheme == "http" and host.lower() in LOCAL_HOSTS)


def set_cookie(resp: HTTPResponse, request: Request, name: str, value: str, max_age: Optional[int]) -> None:
    """Set an ``HttpOnly``, ``SameSite=Strict`` cookie on ``/console`` (``max_age`` 0 deletes it)."""
    resp.cookies[name] = value
    cookie = resp.cookies[name]
    cookie["path"] = COOKIE_PATH
    cookie["httponly"] = True
    cookie["samesite"] = "Strict"
    if cookie_secure(request):
        cookie["secure"] = True
    if max_age is not None:
        cookie["max-age"] = max_age


def submitted_csrf(request: Request) -> Optional[str]:
    """The CSRF token sent with a request: header ``X-CSRF-Token`` or form field ``csrf_token``."""
    header = request.headers.get("x-csrf-token")
    if header:
        return str(header)
    content_type = request.headers.get("content-type", "")
    if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        try:
            value = request.form.get("csrf_token")
        except Exception:  # a malformed form body carries no token
            return None
        return str(value) if value else None
    return None


def safe_next(value: Optional[str]) -> str:
    """``value`` when it is a local ``/console`` path, else the default page (no open redirects)."""
    if not value or len(value) > 2000 or "\\" in value or any(ord(ch) < 32 for ch in value):
        return DEFAULT_PAGE
    parts = urlsplit(value)
    path = parts.path
    if parts.scheme or parts.netloc or not (path == "/console" or path.startswith("/console/")):
        return DEFAULT_PAGE
    if "//" in path or any(segment in (".", "..") for segment in path.split("/")):
        return DEFAULT_PAGE
    if path.startswith(("/console/login", "/console/logout")):
        return DEFAULT_PAGE
    return value


def login_redirect(request: Request) -> HTTPResponse:
    """Redirect to the login page, remembering where the user wanted to go."""
    target = request.path + (f"?{request.query_string}" if request.query_string else "")
    resp = response.redirect(f"/console/login?next={quote(safe_next(target), safe='')}", status=302)
    apply_security_headers(resp)
    return resp


async def current_session(request: Request) -> Optional[Session]:
    """The request's valid session, or None."""
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    settings = request.app.ctx.settings
    idle = dt.timedelta(minutes=settings.console_idle_minutes)
    engine = request.app.ctx.console_engine
    return await in_thread("web", "session", lambda: load_session(engine, token, idle), settings.db_retry_seconds)


def require_role(role: str) -> Callable[[Handler], Handler]:
    """Decorator: only users with ``role`` (or a higher one) reach the handler.

    Args:
        role: ``viewer``, ``reviewer`` or ``admin``.

    Returns:
        The decorator.

    Raises:
        ValueError: If ``role`` is unknown (at import time of the handler's module).
    """
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; roles: {', '.join(ROLES)}")

    def decorate(handler: Handler) -> Handler:
        @functools.wraps(handler)
        async def guarded(request: Request, *args: Any, **kwargs: Any) -> HTTPResponse:
            session = await current_session(request)
            if session is None:
                if request.method in SAFE_METHODS and not wants_json(request):
                    return login_redirect(request)
                return console_error(request, 401, "not_signed_in", "sign in to the console first")
            request.ctx.user = session.user  # the error pages below show the navigation
            request.ctx.csrf_token = session.csrf_token
            if not session.user.has_role(role):
                return console_error(request, 403, "forbidden", f"this needs the {role} role")
            if request.method not in SAFE_METHODS and not tokens_match(submitted_csrf(request), session.csrf_token):
                return console_error(request, 403, "csrf", "missing or wrong CSRF token; reload the page and try again")
            return await handler(request, *args, **kwargs)

        return guarded  # type: ignore[return-value]

    return decorate
