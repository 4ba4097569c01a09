"""The per-message cost of reading days in questions (``bot/dates_asked.py``), for ``make bench``.

Measured in the benchmark's own process, on every held-out message (in its language) and on the
hours questions of the held-out set, after one warm-up pass (the first call loads dateparser and
its language data; that load is reported on its own). The hours action is the only caller, so on
the running assistant the cost falls on hours questions only.
"""

from __future__ import annotations

import datetime as dt
import statistics
import time
from typing import Dict, List, Sequence

import load

#: Questions that carry a date, a named day or a stretch: the parser's most expensive path.
DATE_QUESTIONS = [
    load.Example("en", "ask_hours", "can I come by on the 2nd of January?"),
    load.Example("en", "ask_hours", "what are your hours over Easter?"),
    load.Example("da", "ask_hours", "har I åbent den 27/12?"),
    load.Example("da", "ask_hours", "åbningstider i næste uge"),
    load.Example("de", "ask_hours", "seid ihr am 5. Juni erreichbar?"),
    load.Example("de", "ask_hours", "habt ihr zwischen den Jahren offen"),
    load.Example("es", "ask_hours", "¿atienden el 31 de diciembre?"),
    load.Example("es", "ask_hours", "¿abren en Semana Santa?"),
    load.Example("pl", "ask_hours", "czy 2 stycznia jest otwarte?"),
    load.Example("pl", "ask_hours", "czy pracujecie w sylwestra?"),
    load.Example("ro", "ask_hours", "e deschis pe 2 ianuarie?"),
    load.Example("ro", "ask_hours", "lucrați de Revelion?"),
    load.Example("uk", "ask_hours", "ви працюєте 2 січня?"),
    load.Example("uk", "ask_hours", "чи працюєте наступного тижня?"),
    load.Example("ar", "ask_hours", "هل تعملون يوم 2 يناير؟"),
    load.Example("ar", "ask_hours", "هل تفتحون في عيد الفصح؟"),
]


def _timings(examples: Sequence[load.Example], today: dt.date) -> List[float]:
    from bot.dates_asked import days_asked

    timings = []
    for example in examples:
        start = time.perf_counter()
        days_asked(example.text, example.language, today)
        timings.append((time.perf_counter() - start) * 1000)
    return timings


def _summary(timings: List[float]) -> Dict[str, float]:
    ordered = sorted(timings)
    return {
        "messages": len(ordered),
        "mean_ms": round(statistics.fmean(ordered), 4),
        "p50_ms": round(ordered[len(ordered) // 2], 4),
        "p95_ms": round(ordered[int(len(ordered) * 0.95)], 4),
        "max_ms": round(ordered[-1], 4),
    }


def measure(examples: Sequence[load.Example]) -> Dict[str, object]:
    """First-call load time, then the cost per message on all and on hours messages."""
    today = dt.date.today()
    start = time.perf_counter()
    _timings([load.Example("en", "ask_hours", "are you open on 24 December?")], today)
    first_call_ms = (time.perf_counter() - start) * 1000
    _timings([*examples, *DATE_QUESTIONS], today)  # warm-up: each language's data loads once
    hours = [example for example in examples if example.intent == "ask_hours"]
    return {
        "first_call_ms": round(first_call_ms, 1),
        "all_messages": _summary(_timings(examples, today)),
        "hours_messages": _summary(_timings(hours, today)),
        "date_questions": _summary(_timings(DATE_QUESTIONS * 10, today)),
    }
