"""The undelivered webhook replies page: what the signed webhook could not POST to its callback URL.

    GET  /console/undelivered                  newest first (reviewer): time, conversation, callback
                                               host, attempts, last error
    POST /console/undelivered/<id>/delete      delete one entry (reviewer; CSRF; audited)

Only the callback URL's host is shown, and URLs inside errors are cut to their host: the full URL
may hold the integrator's token (:mod:`bot.console.undelivered`).
"""

from __future__ import annotations

from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.console import query, undelivered
from bot.console.accounts_db import db_call
from bot.console.audit import audit
from bot.console.auth import console_error, require_role
from bot.console.review_views import conversation_url
from bot.console.templating import apply_security_headers, render

undelivered_bp = Blueprint("console_undelivered", url_prefix="/console")

PAGE_URL = "/console/undelivered"
#: Entries shown; older ones are counted, and go by retention (``RETENTION_DAYS``).
LIMIT = 200


@undelivered_bp.get("/undelivered")
@require_role("reviewer")
async def undelivered_page(request: Request) -> HTTPResponse:
    """The newest undelivered replies, newest first."""
    entries, total = await db_call(request, undelivered.list_entries, LIMIT)
    links = {entry.id: conversation_url(entry.sender_id) for entry in entries}
    return render(
        request, "undelivered.html", entries=entries, total=total, links=links, limit=LIMIT,
        notice="Entry deleted." if request.args.get("done") == "deleted" else "",
    )


@undelivered_bp.post("/undelivered/<entry_id:int>/delete")
@require_role("reviewer")
async def delete_entry(request: Request, entry_id: int) -> HTTPResponse:
    """Delete one entry; the deletion is written to the audit log."""
    deleted = await db_call(request, undelivered.delete_entry, entry_id) if query.is_row_id(entry_id) else None
    if deleted is None:
        return console_error(request, 404, "not_found", "no undelivered reply with this id")
    sender_id, host = deleted
    await audit(request, "delete_undelivered", sender_id, f"entry {entry_id} to {host}")
    resp = response.redirect(f"{PAGE_URL}?done=deleted", status=303)
    apply_security_headers(resp)
    return resp
