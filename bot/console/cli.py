"""``python -m bot.console users ...``: manage staff accounts from the shell.

    users add NAME --role ROLE [--password-stdin]
    users list
    users set-role NAME ROLE
    users deactivate NAME
    users activate NAME
    users remove NAME
    users set-password NAME [--password-stdin]

Passwords come from a prompt (typed twice, not echoed) or, with ``--password-stdin``, from the
first line of standard input. The database is the app's (``TRACKER_DB_URL``). Errors are one
line on stderr with exit code 1; every change is written to the audit log as ``(cli)``.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import List, NoReturn, Optional, Sequence

from sqlalchemy.exc import OperationalError

from bot.console.accounts_db import ROLES


class CliError(Exception):
    """A one-line error for the person at the shell."""


def read_password(from_stdin: bool) -> str:
    """The new password from stdin's first line or from two matching prompts."""
    if from_stdin:
        line = sys.stdin.readline()
        password = line[:-1] if line.endswith("\n") else line
        if not password:
            raise CliError("no password on standard input")
        return password
    first = getpass.getpass("Password: ")
    if getpass.getpass("Password again: ") != first:
        raise CliError("the passwords do not match")
    return first


class Parser(argparse.ArgumentParser):
    """An argument parser whose usage errors are one line and exit code 1."""

    def error(self, message: str) -> NoReturn:  # noqa: D102
        self.exit(1, f"error: {message} (see {self.prog} --help)\n")


def build_parser() -> Parser:
    """The command-line parser."""
    parser = Parser(prog="python -m bot.console", description="Manage staff console accounts.")
    groups = parser.add_subparsers(dest="group", required=True)
    users = groups.add_parser("users", help="staff accounts").add_subparsers(dest="command", required=True)
    add = users.add_parser("add", help="create an account")
    add.add_argument("name")
    add.add_argument("--role", required=True, choices=ROLES)
    add.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    users.add_parser("list", help="list accounts")
    set_role = users.add_parser("set-role", help="change an account's role")
    set_role.add_argument("name")
    set_role.add_argument("role", choices=ROLES)
    for name, text in (("deactivate", "stop an account from signing in"), ("activate", "allow it again"),
                       ("remove", "delete an account")):
        users.add_parser(name, help=text).add_argument("name")
    set_password = users.add_parser("set-password", help="set a new password (ends the account's sessions)")
    set_password.add_argument("name")
    set_password.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    return parser


def run(args: argparse.Namespace) -> List[str]:
    """Carry out a parsed command; returns the lines to print."""
    from bot.console import accounts
    from bot.console.accounts_db import open_engine
    from bot.console.audit import record
    from bot.settings import get_settings

    engine = open_engine(get_settings().tracker_db_url)
    try:
        if args.command == "list":
            listing = accounts.list_users(engine)
            if not listing:
                return ["no users (add one with: python -m bot.console users add NAME --role admin)"]
            return [
                f"{a.name}\t{a.role}\t{'active' if a.active else 'deactivated'}\t{a.created_at:%Y-%m-%d %H:%M}"
                for a in listing
            ]
        if args.command == "add":
            accounts.check_name(args.name)
            account = accounts.add_user(engine, args.name, args.role, read_password(args.password_stdin))
            record(engine, "add_user", account.name, f"role {account.role}")
            return [f"added {account.name} ({account.role})"]
        if args.command == "set-role":
            account = accounts.set_role(engine, args.name, args.role)
            record(engine, "set_role", account.name, f"role {account.role}")
            return [f"{account.name} is now {account.role}"]
        if args.command in ("deactivate", "activate"):
            account = accounts.set_active(engine, args.name, args.command == "activate")
            record(engine, "deactivate_user" if args.command == "deactivate" else "reactivate_user", account.name)
            return [f"{account.name} {args.command}d"]
        if args.command == "remove":
            accounts.remove_user(engine, args.name)
            record(engine, "remove_user", args.name)
            return [f"removed {args.name}"]
        if args.command == "set-password":
            if accounts.get_user(engine, args.name) is None:
                raise CliError(f"no user named {args.name!r}")
            account = accounts.set_password(engine, args.name, read_password(args.password_stdin))
            record(engine, "reset_password", account.name)
            return [f"password of {account.name} changed"]
        raise CliError(f"unknown command {args.command!r}")
    except accounts.AccountError as error:
        raise CliError(str(error)) from error
    finally:
        engine.dispose()


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Entry point; returns the exit code."""
    args = build_parser().parse_args(argv)
    try:
        lines = run(args)
    except CliError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except OperationalError as error:
        reason = str(error.orig).strip().splitlines()[0] if error.orig else str(error)
        print(f"error: cannot use the database (TRACKER_DB_URL): {reason}", file=sys.stderr)
        return 1
    except (KeyboardInterrupt, EOFError):
        print("error: cancelled", file=sys.stderr)
        return 1
    for line in lines:
        print(line)
    return 0
