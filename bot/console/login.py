"""Signing in and out of the console.

    GET  /console          redirect to the conversation list (signed-in users)
    GET  /console/login    the form; sets a pre-session CSRF cookie (double submit)
    POST /console/login    name + password (+ csrf_token, next); throttled (``bot.console.throttle``); 303 to ``next``
    POST /console/logout   ends the session (CSRF-checked like every console POST)

The login form has its own CSRF protection: a random token in an ``HttpOnly`` cookie that the
form must repeat, so another site cannot sign a browser in to an account of its choosing.
Unknown names and wrong passwords get the same message.
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import List

from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from sqlalchemy.engine import Engine

from bot.console.accounts import authenticate
from bot.console.accounts_db import db_call
from bot.console.audit import record
from bot.console.auth import (
    DEFAULT_PAGE,
    SESSION_COOKIE,
    client_ip,
    require_role,
    safe_next,
    set_cookie,
    tokens_match,
)
from bot.console.sessions import create_session, delete_expired_sessions, delete_session
from bot.console.templating import apply_security_headers, render
from bot.console.throttle import SYSTEM, WINDOW, LockChange, begin_attempt, finish_attempt

LOGIN_CSRF_COOKIE = "console_login_csrf"
BAD_LOGIN = "Wrong user name or password."
THROTTLED = f"Too many failed sign-ins. Try again in {int(WINDOW.total_seconds() // 60)} minutes."

login_bp = Blueprint("console_login", url_prefix="/console")


def login_page(
    request: Request, status: int = 200, error: str = "", name: str = "", next_url: str = ""
) -> HTTPResponse:
    """The login form with a fresh pre-session CSRF token (in the form and in a cookie)."""
    token = secrets.token_urlsafe(32)
    request.ctx.csrf_token = token
    resp = render(request, "login.html", status=status, error=error, name=name[:64], next=safe_next(next_url))
    set_cookie(resp, request, LOGIN_CSRF_COOKIE, token, max_age=3600)
    return resp


def record_changes(engine: Engine, changes: List[LockChange], user_name: str = SYSTEM) -> None:
    """Write an audit entry for every sign-in lock that started or ended (by ``user_name``)."""
    for change in changes:
        record(engine, change.action, change.target, change.detail, user_name=user_name)


@login_bp.get("")
@require_role("viewer")
async def console_root(request: Request) -> HTTPResponse:
    """``/console`` itself: the conversation list."""
    return response.redirect(DEFAULT_PAGE, status=302)


@login_bp.get("/login")
async def login_form(request: Request) -> HTTPResponse:
    """The login form."""
    return login_page(request, next_url=request.args.get("next", ""))


@login_bp.post("/login")
async def login_submit(request: Request) -> HTTPResponse:
    """Check the form's CSRF token, the throttle and the password; start a session."""
    form = request.form
    name = str(form.get("name") or "").strip()
    password = str(form.get("password") or "")
    next_url = str(form.get("next") or "")
    if not tokens_match(form.get("csrf_token"), request.cookies.get(LOGIN_CSRF_COOKIE, "")):
        return login_page(request, 403, "The sign-in form expired. Please try again.", name, next_url)
    if not name or not password:
        return login_page(request, 400, "Enter your user name and password.", name, next_url)
    ip = client_ip(request)
    attempt = await db_call(request, begin_attempt, name, ip)  # counted as failed until verified
    await db_call(request, record_changes, attempt.changes)
    if attempt.attempt_id is None:
        return login_page(request, 429, THROTTLED, name, next_url)
    user = await db_call(request, authenticate, name[:64], password)
    changes = await db_call(request, finish_attempt, attempt.attempt_id, user is not None, name, ip)
    await db_call(request, record_changes, changes)
    if user is None:
        return login_page(request, 401, BAD_LOGIN, name, next_url)
    settings = request.app.ctx.settings
    await db_call(request, delete_expired_sessions)
    token, _csrf = await db_call(request, create_session, user, dt.timedelta(hours=settings.console_session_hours))
    await db_call(request, record, action="login", target=user.name, detail=f"ip {ip}", user_name=user.name)
    resp = response.redirect(safe_next(next_url), status=303)
    set_cookie(resp, request, SESSION_COOKIE, token, max_age=settings.console_session_hours * 3600)
    set_cookie(resp, request, LOGIN_CSRF_COOKIE, "", max_age=0)
    apply_security_headers(resp)
    return resp


@login_bp.post("/logout")
@require_role("viewer")
async def logout(request: Request) -> HTTPResponse:
    """End the session and go back to the login form."""
    token = request.cookies.get(SESSION_COOKIE, "")
    await db_call(request, delete_session, token)
    await db_call(request, record, action="logout", target=request.ctx.user.name, user_name=request.ctx.user.name)
    resp = response.redirect("/console/login", status=303)
    set_cookie(resp, request, SESSION_COOKIE, "", max_age=0)
    apply_security_headers(resp)
    return resp
