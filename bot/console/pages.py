"""The console's review pages, for ``bot.console.register`` to mount under ``/console``.

* ``review_views``: the conversation list and the transcript with tags, notes, review marks and
  corrections;
* ``inbox_views``: the NLU inbox and its YAML export, the unanswered questions;
* ``analytics_views``: the analytics page and its CSV export;
* ``undelivered_views``: the signed webhook's undelivered replies.
* ``suspect_views``: answers that may have been wrong (the suspect queue).
* ``handoff_views``: the live handoff queue and the conversations staff answer in.
"""

from __future__ import annotations

from typing import List

from sanic import Blueprint

from bot.console.analytics_views import analytics_bp
from bot.console.handoff_views import handoffs_bp
from bot.console.inbox_views import inbox_bp
from bot.console.review_views import review_bp
from bot.console.suspect_views import suspects_bp
from bot.console.undelivered_views import undelivered_bp

CONSOLE_PAGE_BLUEPRINTS: List[Blueprint] = [handoffs_bp, review_bp, inbox_bp, suspects_bp, analytics_bp, undelivered_bp]
