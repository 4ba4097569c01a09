"""``make eval``: the user-voice set, end to end through the running assistant.

Starts the assistant with the current model (``python -m bot.run serve --no-train`` on free ports
with a throw-away ``var/``), sends every question and conversation of ``tests/user_voice`` over
the REST channel, reads each conversation back from Rasa's HTTP API, and scores every turn with
:mod:`bot.user_voice_eval`: the right entry answered in the right language. Questions carry no
language metadata (the language comes from the text, as for an integrator's REST client), except
the ``language`` class, which is sent as the widget does with its picker left untouched.

Prints the tables for ``docs/nlu.md`` and writes ``bench/results/user-voice-<timestamp>.json``.
Options: ``--languages en,da``, ``--rounds 1,2,3`` (only those writing rounds), ``--errors`` (print
every failed turn), ``--min 0.95`` (exit 1 when the overall rate is below it).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import tempfile
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Dict, List, Optional

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.procs import Stack, start  # noqa: E402
from bot.settings import get_settings  # noqa: E402
from bot.user_voice_eval import (  # noqa: E402
    Case,
    TurnResult,
    format_report,
    language_after,
    load_set,
    score_turn,
    split_turns,
)

WORKERS = 4


def metadata_for(turn_picker: Optional[str]) -> Optional[Dict[str, Any]]:
    """The message metadata: the widget's untouched picker for the ``language`` class, else none."""
    if turn_picker:
        return {"language": turn_picker, "language_chosen": False}
    return None


def run_case(stack: Stack, case: Case) -> List[TurnResult]:
    """Send one case's turns and score them from the stored conversation."""
    sender = "eval-" + uuid.uuid4().hex
    for turn in case.turns:
        body: Dict[str, Any] = {"sender": sender, "message": turn.text}
        metadata = metadata_for(turn.picker)
        if metadata is not None:
            body["metadata"] = metadata
        response = requests.post(stack.webhook, json=body, timeout=60)
        response.raise_for_status()
    tracker = requests.get(
        f"{stack.rasa_url}/conversations/{sender}/tracker", params={"token": stack.token}, timeout=60
    )
    tracker.raise_for_status()
    turns = split_turns(tracker.json().get("events") or [])
    results = []
    # The language slot's initial value (domain.yml): a conversation that never sets it is in it.
    language: Optional[str] = get_settings().default_language
    for index, turn in enumerate(case.turns):
        events = turns[index] if index < len(turns) else []
        language = language_after(events, language)
        results.append(score_turn(case, turn, events, language))
    return results


def main(argv: Optional[List[str]] = None) -> int:
    """Run the evaluation; returns the exit code."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--languages", default="", help="comma-separated codes (default: all)")
    parser.add_argument("--rounds", default="", help="comma-separated writing rounds (default: all)")
    parser.add_argument("--errors", action="store_true", help="print every failed turn")
    parser.add_argument("--min", type=float, default=0.0, help="fail when the overall rate is below this")
    args = parser.parse_args(argv)
    languages = [code for code in args.languages.split(",") if code]
    cases = load_set(ROOT / "tests" / "user_voice", languages or None)
    rounds = {int(number) for number in args.rounds.split(",") if number}
    if rounds:
        cases = [case for case in cases if case.round in rounds]
    with tempfile.TemporaryDirectory(prefix="user-voice-") as tmp:
        stack = start("ours", ROOT, Path(tmp), dict(os.environ))
        try:
            with ThreadPoolExecutor(WORKERS) as pool:
                results = [result for batch in pool.map(lambda case: run_case(stack, case), cases)
                           for result in batch]
        finally:
            stack.stop()
    report = format_report(results)
    print(report)
    if args.errors:
        print("\nFailed turns:")
        for item in results:
            if not item.ok:
                print(f"- [{item.case.language}/{item.turn.cls}] {item.turn.text!r}: expected {item.turn.expect}, "
                      f"{item.reason} (answered {item.answered}, language {item.language})")
    overall = sum(item.ok for item in results) / len(results) if results else 0.0
    out_dir = ROOT / "bench" / "results"
    out_dir.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    (out_dir / f"user-voice-{stamp}.json").write_text(json.dumps({
        "overall": overall,
        "turns": [{"language": r.case.language, "class": r.turn.cls, "text": r.turn.text, "expect": r.turn.expect,
                   "also": list(r.turn.also),
                   "ok": r.ok, "reason": r.reason, "answered": r.answered, "reply_language": r.language}
                  for r in results],
    }, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0 if overall >= args.min else 1


if __name__ == "__main__":
    sys.exit(main())
