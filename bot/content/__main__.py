"""Content tools: ``python -m bot.content validate | stale --days N | check-links``.

Exit codes: 0 when all is well, 1 when problems were found, 2 on bad usage.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from typing import Dict, List, Optional, Sequence

from bot.content.checks import check
from bot.content.links import check_links, format_link_table
from bot.content.loader import read_entries
from bot.settings import get_settings


def _validate(args: argparse.Namespace) -> int:
    settings = get_settings()
    entries, errors = read_entries(settings.content_dir, settings.languages, settings.project_dir)
    today = dt.date.fromisoformat(args.today) if args.today else dt.date.today()
    findings = check(entries, settings.languages, today)
    for warning in findings["warnings"]:
        print(f"warning: {warning}")
    problems = [*errors, *(str(finding) for finding in findings["errors"])]
    for problem in problems:
        print(problem)
    if problems:
        print(f"{len(problems)} problem(s) in {settings.content_dir}", file=sys.stderr)
        return 1
    print(f"ok: {len(entries)} entries, languages: {', '.join(settings.languages)}")
    return 0


def _stale(args: argparse.Namespace) -> int:
    settings = get_settings()
    entries, errors = read_entries(settings.content_dir, settings.languages, settings.project_dir)
    if errors:
        for error in errors:
            print(error)
        return 1
    today = dt.date.fromisoformat(args.today) if args.today else dt.date.today()
    limit = today - dt.timedelta(days=args.days)
    stale = sorted((e for e in entries.values() if e.verified < limit), key=lambda e: (e.verified, e.id))
    for entry in stale:
        age = (today - entry.verified).days
        print(f"{entry.file}: entries[{entry.id}]: last verified {entry.verified.isoformat()} ({age} days ago)")
    print(f"{len(stale)} of {len(entries)} entries not verified in the last {args.days} days")
    return 1 if stale else 0


def _check_links(args: argparse.Namespace) -> int:
    settings = get_settings()
    entries, errors = read_entries(settings.content_dir, settings.languages, settings.project_dir)
    if errors:
        for error in errors:
            print(error)
        return 1
    urls: Dict[str, List[str]] = {}
    for entry in entries.values():
        for url in [link.url for link in entry.links] + list(entry.sources):
            urls.setdefault(url, []).append(entry.id)
        if entry.contact and entry.contact.web:
            urls.setdefault(entry.contact.web, []).append(entry.id)
    results = check_links(sorted(urls), timeout=args.timeout, concurrency=args.concurrency)
    print(format_link_table(results, urls))
    broken = [r for r in results if not r.ok]
    redirected = sum(1 for r in results if r.redirected_to)
    print(f"{len(results)} links checked, {len(broken)} broken, {redirected} redirected")
    return 1 if broken else 0


def build_parser() -> argparse.ArgumentParser:
    """Build the command-line parser."""
    parser = argparse.ArgumentParser(prog="python -m bot.content", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    validate = commands.add_parser("validate", help="check every content file; print 'file: path: problem' lines")
    validate.add_argument("--today", help="pretend today is this date (YYYY-MM-DD), for validity periods")
    stale = commands.add_parser("stale", help="list entries not verified for N days")
    stale.add_argument("--days", type=int, required=True)
    stale.add_argument("--today", help="pretend today is this date (YYYY-MM-DD)")
    links = commands.add_parser("check-links", help="check every URL in the content over HTTP")
    links.add_argument("--timeout", type=float, default=10.0, help="seconds per request (default 10)")
    links.add_argument("--concurrency", type=int, default=8, help="requests at once (default 8)")
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run the content tools."""
    args = build_parser().parse_args(argv)
    handlers = {"validate": _validate, "stale": _stale, "check-links": _check_links}
    return handlers[args.command](args)


if __name__ == "__main__":
    argv: List[str] = sys.argv[1:]
    sys.exit(main(argv))
