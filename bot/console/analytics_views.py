"""The analytics page and its CSV export.

    GET /console/analytics?from=YYYY-MM-DD&to=YYYY-MM-DD&language=xx       charts and tables (viewer)
    GET /console/analytics.csv?from=YYYY-MM-DD&to=YYYY-MM-DD&language=xx   the same numbers as CSV
                                                                           (reviewer; audited)

Without dates the last 30 days (UTC) up to today are shown; at most 366 days at once. Without
``language`` every language is counted; with it, only the messages in that language.
"""

from __future__ import annotations

from typing import Any, Dict, Tuple, Union
from urllib.parse import urlencode

from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.console import analytics, charts, non_answers
from bot.console.accounts_db import db_call
from bot.console.audit import audit
from bot.console.auth import console_error, require_role
from bot.console.review_views import period_and_language, prepare
from bot.console.templating import apply_security_headers, render

analytics_bp = Blueprint("console_analytics", url_prefix="/console")


async def _numbers(request: Request) -> Union[analytics.Analytics, HTTPResponse]:
    """The analytics for the request's date range, or the error response."""
    settings = request.app.ctx.settings
    period = period_and_language(request)
    if isinstance(period, HTTPResponse):
        return period
    date_from, date_to, language = period
    await prepare(request)
    try:
        from bot.console import suspects

        context = suspects.load_context(settings.project_dir)
        return await db_call(
            request, analytics.compute, date_from, date_to, settings.default_language, language, context
        )
    except OverflowError:  # a date at the end of the calendar (query.date refuses them; a safety net)
        return console_error(request, 400, "invalid_query", "a date is out of range")


def _percent(value: Any) -> str:
    return "—" if value is None else f"{value * 100:.1f} %"


def _params(numbers: analytics.Analytics) -> str:
    """The query string that shows these numbers again."""
    params: Dict[str, str] = {"from": numbers.date_from.isoformat(), "to": numbers.date_to.isoformat()}
    if numbers.language:
        params["language"] = numbers.language
    return urlencode(params)


def _charts(numbers: analytics.Analytics) -> Tuple[Any, ...]:
    days = [(day.day.isoformat(), day.conversations) for day in numbers.days]
    messages = [(day.day.isoformat(), day.messages) for day in numbers.days]
    return (
        charts.column_chart("Conversations per day", days),
        charts.column_chart("Messages per day", messages),
        charts.bar_chart("Conversations by language", numbers.languages),
        charts.bar_chart("Conversations by channel", numbers.channels),
        charts.bar_chart("Top intents (messages)", numbers.intents),
        charts.bar_chart(
            "Ratings", [("thumbs up", numbers.thumbs_up), ("thumbs down", numbers.thumbs_down)]
        ),
    )


@analytics_bp.get("/analytics")
@require_role("viewer")
async def analytics_page(request: Request) -> HTTPResponse:
    """Charts (inline SVG) with the numbers in a table beside each."""
    numbers = await _numbers(request)
    if isinstance(numbers, HTTPResponse):
        return numbers
    per_day, messages_day, languages, channels, intents, ratings = _charts(numbers)
    return render(
        request, "analytics.html", numbers=numbers, per_day_chart=per_day, messages_chart=messages_day,
        languages_chart=languages, channels_chart=channels, intents_chart=intents, ratings_chart=ratings,
        fallback_rate=_percent(numbers.fallback_rate),
        non_answer_rate=_percent(numbers.outcomes.non_answer_rate), thumbs_up_ratio=_percent(numbers.thumbs_up_ratio),
        handoff_share=_percent(numbers.handoff_share), csv_url=f"/console/analytics.csv?{_params(numbers)}",
        can_export=request.ctx.user.has_role("reviewer"), languages=request.app.ctx.settings.languages,
        classes=non_answers.CLASSES, labels=non_answers.LABELS, percent=_percent,
        suspects_by_language=dict(numbers.suspects_by_language),
        suspects_by_day={day.isoformat(): count for day, count in numbers.suspects_by_day},
        suspect_rate=_percent(numbers.suspects / numbers.outcomes.questions if numbers.outcomes.questions else None),
    )


@analytics_bp.get("/analytics.csv")
@require_role("reviewer")
async def analytics_csv(request: Request) -> HTTPResponse:
    """The analytics as ``metric,key,value`` CSV."""
    numbers = await _numbers(request)
    if isinstance(numbers, HTTPResponse):
        return numbers
    period = f"{numbers.date_from.isoformat()}..{numbers.date_to.isoformat()}"
    await audit(request, "export_analytics", period, f"language {numbers.language}" if numbers.language else "")
    suffix = f"_{numbers.language}" if numbers.language else ""
    filename = f"analytics_{numbers.date_from.isoformat()}_{numbers.date_to.isoformat()}{suffix}.csv"
    resp = response.text(
        analytics.to_csv(numbers), content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
    apply_security_headers(resp)
    return resp
