"""Admin pages: staff accounts and the audit log (role ``admin``).

    GET  /console/users                      the accounts, with forms for every change
    POST /console/users                      add (name, role, password)
    POST /console/users/<id>/role            change role (role)
    POST /console/users/<id>/active          deactivate / reactivate (active=true|false)
    POST /console/users/<id>/password        reset password (password)
    POST /console/users/<id>/delete          delete (confirm=yes: the form's "I am sure" box)
    POST /console/locks/unlock               lift the sign-in locks on a name (name; bot.console.throttle)
    GET  /console/audit?page=N               the audit log, newest first, 50 a page

Every change is written to the audit log; a broken rule (last admin, short password, taken
name) shows the users page again with the reason and status 400.
"""

from __future__ import annotations

import math
from typing import Any, Callable, List, Optional

from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from sqlalchemy.engine import Engine

from bot.console import accounts, query, throttle
from bot.console.accounts import AccountError
from bot.console.accounts_db import ROLES, db_call, utcnow
from bot.console.audit import audit, list_entries
from bot.console.auth import console_error, require_role
from bot.console.login import record_changes
from bot.console.passwords import MIN_PASSWORD_LENGTH
from bot.console.templating import apply_security_headers, render

AUDIT_PAGE_SIZE = 50
NOTICES = {
    "added": "User added.",
    "role": "Role changed.",
    "active": "Account status changed.",
    "password": "Password reset; the user's sessions have ended.",
    "deleted": "User deleted.",
    "unlocked": "Sign-in unlocked.",
}

admin_bp = Blueprint("console_admin", url_prefix="/console")


async def users_page(request: Request, status: int = 200, error: str = "") -> HTTPResponse:
    """The users page (with an optional error)."""
    notice = NOTICES.get(request.args.get("done", ""), "") if not error else ""
    listing = await db_call(request, accounts.list_users)
    ended = await db_call(request, _end_passed_locks)
    await db_call(request, record_changes, ended)
    locks = await db_call(request, throttle.active_locks)
    last = await db_call(request, accounts.last_sign_ins)
    return render(
        request, "users.html", status=status, accounts=listing, roles=ROLES, error=error, notice=notice,
        min_password=MIN_PASSWORD_LENGTH, locks=locks, last_sign_in=last,
    )


def _end_passed_locks(engine: Engine) -> List[throttle.LockChange]:
    with engine.begin() as connection:
        return throttle.end_passed_locks(connection, utcnow())


def _done(code: str) -> HTTPResponse:
    resp = response.redirect(f"/console/users?done={code}", status=303)
    apply_security_headers(resp)
    return resp


def _field(request: Request, name: str) -> str:
    return str(request.form.get(name) or "")


async def _change(
    request: Request, user_id: int, action: str, code: str, change: Callable[..., Any], detail: str, *args: Any
) -> HTTPResponse:
    account = await db_call(request, accounts.get_user_by_id, user_id) if query.is_row_id(user_id) else None
    if account is None:
        return console_error(request, 404, "not_found", "no such user")
    try:
        await db_call(request, change, account.name, *args)
    except AccountError as error:
        return await users_page(request, 400, str(error))
    await audit(request, action, account.name, detail)
    return _done(code)


@admin_bp.get("/users")
@require_role("admin")
async def list_users(request: Request) -> HTTPResponse:
    """Every account."""
    return await users_page(request)


@admin_bp.post("/users")
@require_role("admin")
async def add_user(request: Request) -> HTTPResponse:
    """Add an account with the initial password the admin typed."""
    name, role = _field(request, "name").strip(), _field(request, "role")
    try:
        await db_call(request, accounts.add_user, name, role, _field(request, "password"))
    except AccountError as error:
        return await users_page(request, 400, str(error))
    await audit(request, "add_user", name, f"role {role}")
    return _done("added")


@admin_bp.post("/users/<user_id:int>/role")
@require_role("admin")
async def change_role(request: Request, user_id: int) -> HTTPResponse:
    """Give an account another role."""
    role = _field(request, "role")
    return await _change(request, user_id, "set_role", "role", accounts.set_role, f"role {role}", role)


@admin_bp.post("/users/<user_id:int>/active")
@require_role("admin")
async def change_active(request: Request, user_id: int) -> HTTPResponse:
    """Deactivate or reactivate an account."""
    value = _field(request, "active")
    if value not in ("true", "false"):
        return await users_page(request, 400, "'active' must be true or false")
    active = value == "true"
    action = "reactivate_user" if active else "deactivate_user"
    return await _change(request, user_id, action, "active", accounts.set_active, "", active)


@admin_bp.post("/users/<user_id:int>/password")
@require_role("admin")
async def reset_password(request: Request, user_id: int) -> HTTPResponse:
    """Set a new password typed by the admin."""
    password = _field(request, "password")
    return await _change(request, user_id, "reset_password", "password", accounts.set_password, "", password)


@admin_bp.post("/users/<user_id:int>/delete")
@require_role("admin")
async def delete_user(request: Request, user_id: int) -> HTTPResponse:
    """Delete an account; the form's "I am sure" box must be ticked (no script needed to confirm)."""
    if _field(request, "confirm") != "yes":
        return await users_page(request, 400, "Tick \u201cI am sure\u201d to delete an account.")
    return await _change(request, user_id, "remove_user", "deleted", accounts.remove_user, "")


@admin_bp.post("/locks/unlock")
@require_role("admin")
async def unlock(request: Request) -> HTTPResponse:
    """Lift the account and address-pair locks on a user name, and forget its recent failures."""
    name = _field(request, "name").strip()[:64]
    if not name:
        return await users_page(request, 400, "Name the account to unlock.")
    changes = await db_call(request, throttle.unlock_account, name, request.ctx.user.name)
    if not changes:
        return await users_page(request, 400, f"No sign-in lock is in force for {name}.")
    await db_call(request, record_changes, changes, request.ctx.user.name)
    return _done("unlocked")


def _page_number(raw: Optional[str]) -> int:
    try:
        return max(1, min(int(raw or "1"), 10**6))
    except ValueError:
        return 1


@admin_bp.get("/audit")
@require_role("admin")
async def audit_page(request: Request) -> HTTPResponse:
    """The audit log, newest first."""
    page = _page_number(request.args.get("page"))
    entries, total = await db_call(request, list_entries, page, AUDIT_PAGE_SIZE)
    pages = max(1, math.ceil(total / AUDIT_PAGE_SIZE))
    return render(request, "audit.html", entries=entries, total=total, page=page, pages=pages)
