"""``make run``: check, train when needed, and run the action server, Rasa and the web app.

    python -m bot.run            # check, train if data/config changed, serve all three
    python -m bot.run train      # only train (cached)
    python -m bot.run check      # only the start-up checks
    python -m bot.run serve --no-train   # serve the existing model, fail clearly if missing

Each process's log lines are prefixed with its name; a ``READY`` line lists the URLs; Ctrl-C
(SIGINT) or SIGTERM stops all of them. A problem found before start-up (broken YAML, invalid
content, unreachable database, missing model, failed training) is reported as one line
``error: ...`` and the exit code is 1.

A server that dies after it has served is restarted with backoff while the others keep serving
(``Supervisor``); one that keeps dying (5 times in a minute) stops the run with one line.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import os
import secrets
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Sequence

from bot.settings import Settings, default_rasa_workers, get_settings

#: Project files and folders whose content decides whether the model must be retrained; the
#: source of our custom NLU components (bot/nlu) is added from the installed package.
TRAINING_INPUTS = ("config.yml", "domain.yml", "data")
CONFIG_FILES = ("config.yml", "domain.yml", "endpoints.yml", "credentials.yml")
READY_TIMEOUT_SECONDS = 300
STOP_TIMEOUT_SECONDS = 15
SUPERVISE_INTERVAL_SECONDS = 0.25
#: A child that died is restarted after 0.5 s, then 1 s, 2 s, 4 s (at most 8 s) ...
RESTART_BACKOFF_MAX_SECONDS = 8.0
#: ... unless it died this many times within the window: then the run stops with one line.
CRASH_LIMIT = 5
CRASH_WINDOW_SECONDS = 60.0


class StartupError(Exception):
    """A problem that stops the start-up; its message is one line."""


def log(prefix: str, line: str) -> None:
    """Print one prefixed log line."""
    sys.stdout.write(f"{prefix:<8}| {line}\n")
    sys.stdout.flush()


# ---------------------------------------------------------------- checks


def check_yaml_files(settings: Settings) -> None:
    """Parse the Rasa project's YAML files; report the first syntax error in one line."""
    import yaml

    for name in CONFIG_FILES:
        path = settings.project_dir / name
        if not path.exists():
            raise StartupError(f"{name}: file not found in {settings.project_dir}")
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except yaml.YAMLError as error:
            mark = getattr(error, "problem_mark", None)
            where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "unknown position"
            problem = getattr(error, "problem", None) or "invalid YAML"
            raise StartupError(f"{name}: {where}: {problem}") from None
        if name == "domain.yml" and not isinstance(data, dict):
            raise StartupError(f"{name}: must be a mapping with intents, responses and actions")


def check_domain(settings: Settings) -> None:
    """Load the domain with Rasa's own validation; report its error in one line."""
    from rasa.shared.core.domain import Domain
    from rasa.shared.exceptions import RasaException

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # Rasa warns about slot auto-fill on every load
            Domain.load(str(settings.project_dir / "domain.yml"))
    except (RasaException, ValueError, KeyError, TypeError) as error:
        message = " ".join(str(error).split())
        raise StartupError(f"domain.yml: {message}") from None


def check_content(settings: Settings) -> int:
    """Validate the content; on problems, print each and stop. Returns the number of entries."""
    from bot.content.loader import read_entries

    entries, errors = read_entries(settings.content_dir, settings.languages, settings.project_dir)
    if errors:
        for error in errors:
            log("check", str(error))
        raise StartupError(f"{len(errors)} problem(s) in the content files (listed above); not starting")
    return len(entries)


def check_database(settings: Settings) -> None:
    """Check that the tracker store's database answers."""
    from bot.stores.tracker_store import TrackerStoreUnavailable
    from bot.stores.tracker_store import check_database as check

    try:
        check(settings.tracker_db_url, timeout=5.0)
    except TrackerStoreUnavailable as error:
        raise StartupError(str(error)) from None


def check_workers(settings: Settings) -> None:
    """Check that Redis answers when the workers share their conversation locks there.

    Without ``REDIS_URL`` several workers share them in a SQLite file (``bot.stores.sqlite_locks``).
    """
    if settings.redis_url:
        from bot.stores.lock_store import LockStoreUnavailable, redis_lock_store

        try:
            redis_lock_store(settings.redis_url)
        except LockStoreUnavailable as error:
            raise StartupError(str(error)) from None


def check_broker(settings: Settings) -> None:
    """When an event broker is configured, check that it answers (one line if not)."""
    if not settings.event_broker.url:
        return
    from bot.stores.event_broker import EventBrokerConfigError, EventBrokerUnavailable, check_event_broker

    try:
        check_event_broker(settings.event_broker)
    except (EventBrokerConfigError, EventBrokerUnavailable) as error:
        raise StartupError(str(error)) from None


def check_action_server_exposure(settings: Settings) -> None:
    """Refuse to expose the action server without a token (see ``bot.action_server``)."""
    from bot.action_server import ActionServerConfigError, check_exposure

    try:
        check_exposure(settings)
    except ActionServerConfigError as error:
        raise StartupError(str(error)) from None
    if settings.action_server_token and settings.stock_rasa:
        raise StartupError("STOCK_RASA=1 cannot send ACTION_SERVER_TOKEN to the action server; unset one of them")


def preflight(settings: Settings) -> None:
    """Run every start-up check."""
    check_action_server_exposure(settings)
    check_yaml_files(settings)
    check_domain(settings)
    count = check_content(settings)
    check_database(settings)
    check_workers(settings)
    check_broker(settings)
    log("check", f"configuration, domain, {count} content entries and the tracker database are fine")


# ---------------------------------------------------------------- training


def _input_files(settings: Settings) -> List[tuple]:
    import bot.nlu

    roots = [(settings.project_dir, settings.project_dir / name) for name in TRAINING_INPUTS]
    package_dir = Path(bot.nlu.__file__).resolve().parent
    roots.append((package_dir.parent.parent, package_dir))
    files = []
    for base, root in roots:
        paths = sorted(p for p in root.rglob("*") if p.is_file()) if root.is_dir() else [root]
        for path in paths:
            if path.exists() and path.suffix != ".pyc" and "__pycache__" not in path.parts:
                files.append((str(path.relative_to(base)), path))
    return files


def fingerprint(settings: Settings) -> str:
    """A hash of everything training depends on: data, config, domain, NLU code, Rasa's version."""
    import rasa

    digest = hashlib.sha256(f"rasa {rasa.__version__}".encode())
    for name, path in _input_files(settings):
        digest.update(name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def model_path(settings: Settings) -> Path:
    """Where the model for the current training inputs is (or will be)."""
    return settings.models_dir / f"model-{fingerprint(settings)}.tar.gz"


def child_env(settings: Settings, extra: Optional[Dict[str, str]] = None) -> Dict[str, str]:
    """The environment of the child processes."""
    env = dict(os.environ)
    env.setdefault("ACTION_ENDPOINT_URL", settings.action_endpoint_url)
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    env.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")
    env.setdefault("PYTHONUNBUFFERED", "1")
    env.setdefault("TQDM_DISABLE", "1")
    # Rasa reports usage and crashes to its servers unless told not to; conversations are private.
    env["RASA_TELEMETRY_ENABLED"] = "false"
    # Bounds every HTTP body Rasa accepts (its HTTP API included), not only the channels'.
    env.setdefault("SANIC_REQUEST_MAX_SIZE", str(1024 * 1024))
    env["PROJECT_DIR"] = str(settings.project_dir)
    env.update(extra or {})
    return env


def train(settings: Settings) -> Path:
    """Train a model unless one for the current inputs exists; return its path."""
    target = model_path(settings)
    if target.exists():
        log("train", f"model is up to date: {target.relative_to(settings.project_dir)}")
        return target
    settings.models_dir.mkdir(parents=True, exist_ok=True)
    log("train", f"training data or configuration changed; training {target.name}")
    command = [
        # Rasa's own command, with the model archive gzipped at level 6 instead of 9 (bot/rasa_train.py).
        sys.executable, "-m", "bot.rasa_train", "train",
        "--config", "config.yml", "--domain", "domain.yml", "--data", "data",
        "--out", str(settings.models_dir), "--fixed-model-name", target.name[: -len(".tar.gz")],
    ]
    process = subprocess.Popen(
        command, cwd=settings.project_dir, env=child_env(settings), stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True, bufsize=1,
    )
    tail: List[str] = []
    assert process.stdout is not None
    for line in process.stdout:
        line = line.rstrip()
        log("train", line)
        if line.strip():
            tail = [*tail, line][-20:]
    if process.wait() != 0 or not target.exists():
        reason = next((line for line in reversed(tail) if "Error" in line or "error" in line), tail[-1] if tail else "")
        raise StartupError(f"training failed: {reason.strip()}")
    log("train", f"trained {target.relative_to(settings.project_dir)}")
    return target


# ---------------------------------------------------------------- serving


@dataclass
class Child:
    """A supervised server process.

    Attributes:
        name: Short name used as the log prefix (``actions``, ``rasa``, ``web``).
        command: The command line.
        health_url: A URL that answers 200 once the server serves.
        env: Variables of this child only, over the environment all children share.
        process: The running process (None before the first start).
        ready: Whether the current process has answered on ``health_url``.
        was_ready: Whether any process of this child ever did (a child that dies before that is a
            start-up failure, not a crash).
        exits: Monotonic times of the unexpected exits within the crash window.
        restart_at: When a restart is due (None: no restart pending).
        started_at: Monotonic time of the latest start.
        tail: The last lines of output, for error messages.
    """

    name: str
    command: List[str]
    health_url: str
    env: Dict[str, str] = field(default_factory=dict)
    process: Optional[subprocess.Popen] = None
    ready: bool = False
    was_ready: bool = False
    exits: List[float] = field(default_factory=list)
    restart_at: Optional[float] = None
    started_at: float = 0.0
    tail: List[str] = field(default_factory=list)

    def start(self, settings: Settings, env: Dict[str, str]) -> None:
        """Start the process in its own session, streaming its output with a prefix."""
        self.ready = False
        self.restart_at = None
        self.started_at = time.monotonic()
        metrics_dir = self.env.get("PROMETHEUS_MULTIPROC_DIR")
        if metrics_dir:  # counters start again with the process, as Prometheus expects
            shutil.rmtree(metrics_dir, ignore_errors=True)
            Path(metrics_dir).mkdir(parents=True)
        self.process = subprocess.Popen(
            self.command, cwd=settings.project_dir, env={**env, **self.env}, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True, bufsize=1, start_new_session=True,
        )
        threading.Thread(target=self._pump, args=(self.process,), daemon=True).start()

    def _pump(self, process: subprocess.Popen) -> None:
        assert process.stdout is not None
        for line in process.stdout:
            line = line.rstrip()
            self.tail = [*self.tail, line][-30:]
            log(self.name, line)

    def alive(self) -> bool:
        """Whether the process is still running."""
        return self.process is not None and self.process.poll() is None

    def healthy(self) -> bool:
        """Whether the health URL answers 200."""
        try:
            with urllib.request.urlopen(self.health_url, timeout=2) as response:
                return bool(response.status == 200)
        except (urllib.error.URLError, OSError, ValueError):
            return False

    def last_line(self) -> str:
        """The last non-empty output line (for one-line error messages)."""
        return next((line.strip() for line in reversed(self.tail) if line.strip()), "no output")

    def stop(self) -> None:
        """Ask the process to stop (SIGTERM to its process group)."""
        if self.alive():
            assert self.process is not None
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)

    def kill(self) -> None:
        """Kill the process group, including workers left behind by a leader that died."""
        if self.process is not None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.process.pid, signal.SIGKILL)


def api_token(settings: Settings) -> str:
    """The HTTP API token: from RASA_API_TOKEN, or generated once into ``var/rasa-api-token``."""
    if settings.rasa_api_token:
        return settings.rasa_api_token
    path = settings.var_dir / "rasa-api-token"
    if path.exists() and path.read_text().strip():
        return path.read_text().strip()
    settings.var_dir.mkdir(parents=True, exist_ok=True)
    token = secrets.token_urlsafe(32)
    path.write_text(token + "\n")
    path.chmod(0o600)
    return token


def activate_channels(settings: Settings, env: Dict[str, str]) -> Path:
    """Write ``<VAR_DIR>/credentials.active.yml`` and log one line naming the active channels.

    The file holds the channels whose variables are set (``bot.channels.active``), placeholders
    kept. Returns its path; a partly configured channel raises ``StartupError``.
    """
    from bot.channels.active import ACTIVE_FILE_NAME, ChannelConfigError, write_active_credentials

    target = settings.var_dir / ACTIVE_FILE_NAME
    try:
        labels = write_active_credentials(settings.project_dir / "credentials.yml", target, env)
    except ChannelConfigError as error:
        raise StartupError(str(error)) from None
    log("run", f"channels: {', '.join(labels) or 'none'}")
    return target


def rasa_command(settings: Settings, model: Path, token: str, credentials: Optional[Path] = None) -> List[str]:
    """The command line of a Rasa server on ``settings.host:settings.rasa_port``."""
    return [
        # bot.rasa_server is Rasa's command line plus measured fixes (docs/benchmarks.md).
        sys.executable, "-m", "rasa" if settings.stock_rasa else "bot.rasa_server",
        "run", "--model", str(model), "--enable-api", f"--auth-token={token}",
        "--interface", settings.host, "--port", str(settings.rasa_port),
        "--credentials", str(credentials or "credentials.yml"),
        "--endpoints", "endpoints.yml", "--cors", "*",
    ]


def build_children(settings: Settings, model: Path, token: str, credentials: Optional[Path] = None) -> List[Child]:
    """The three servers of the main job (Rasa reads ``credentials``, by default ``credentials.yml``)."""
    base = f"http://{settings.host}"
    return [
        Child("actions", [sys.executable, "-m", "bot.action_server"], f"{base}:{settings.action_port}/health"),
        # /status answers 200 only once the model is loaded (409 before).
        Child(
            "rasa", rasa_command(settings, model, token, credentials),
            f"{base}:{settings.rasa_port}/status?token={token}", env=metrics_env(settings, "rasa"),
        ),
        Child("web", [sys.executable, "-m", "bot.web"], f"{base}:{settings.web_port}/health",
              env=metrics_env(settings, "web")),
    ]


def metrics_env(settings: Settings, name: str) -> Dict[str, str]:
    """The child's own metrics folder (prometheus-client's multiprocess mode, ``bot/metrics.py``)."""
    return {"PROMETHEUS_MULTIPROC_DIR": str(settings.var_dir / "metrics" / name)}


def restart_delay(crashes: int, first: float = 0.5) -> float:
    """Seconds to wait before restarting after the ``crashes``-th exit in the crash window.

    ``first`` is the first delay (``RESTART_BACKOFF_SECONDS``); it doubles up to
    ``RESTART_BACKOFF_MAX_SECONDS`` (or ``first``, when that is longer).
    """
    return float(min(max(RESTART_BACKOFF_MAX_SECONDS, first), first * 2 ** max(0, crashes - 1)))


class Supervisor:
    """Runs the children until a signal arrives; restarts a child that dies, within limits.

    A child that exits after it once served is restarted with backoff (0.5 s, 1 s, 2 s, 4 s ...)
    while the others keep serving; one that exits ``CRASH_LIMIT`` times within
    ``CRASH_WINDOW_SECONDS`` stops the run with one line, and so does one that dies before it ever
    served (a start-up failure that a restart would only repeat). Ctrl-C or SIGTERM stops all.
    """

    def __init__(self, settings: Settings, children: Sequence[Child]) -> None:
        self.settings = settings
        self.children = list(children)
        self.stopping = threading.Event()
        self._announced = False

    def _on_signal(self, signum: int, _frame: object) -> None:
        log("run", f"received {signal.Signals(signum).name}; stopping all servers")
        self.stopping.set()

    def stop_all(self) -> None:
        """Stop every child, killing those that do not stop in time."""
        for child in self.children:
            child.stop()
        deadline = time.monotonic() + STOP_TIMEOUT_SECONDS
        while time.monotonic() < deadline and any(child.alive() for child in self.children):
            time.sleep(0.2)
        for child in self.children:
            if child.alive():
                log("run", f"{child.name} did not stop in {STOP_TIMEOUT_SECONDS}s; killing it")
            child.kill()

    def _on_exit(self, child: Child, now: float) -> Optional[str]:
        """Handle a child's unexpected exit; return an error line when the run must stop."""
        assert child.process is not None
        code = child.process.returncode
        child.kill()  # its workers, if the leader died alone
        child.ready = False
        if not child.was_ready:
            return f"{child.name} exited (code {code}): {child.last_line()}"
        child.exits = [t for t in child.exits if now - t < CRASH_WINDOW_SECONDS] + [now]
        if len(child.exits) >= CRASH_LIMIT:
            return (
                f"{child.name} exited {len(child.exits)} times within {CRASH_WINDOW_SECONDS:.0f}s; "
                f"not restarting it again; stopping all servers (last: code {code}: {child.last_line()})"
            )
        delay = restart_delay(len(child.exits), self.settings.restart_backoff_seconds)
        child.restart_at = now + delay
        log(
            "run",
            f"{child.name} exited unexpectedly (code {code}); restarting it in {delay:.1f}s; the others keep serving",
        )
        return None

    def _step(self, env: Dict[str, str]) -> Optional[str]:
        """One round of supervision; returns an error line when the run must stop."""
        now = time.monotonic()
        for child in self.children:
            if child.restart_at is not None:
                if now >= child.restart_at:
                    count, window = len(child.exits), f"{CRASH_WINDOW_SECONDS:.0f}s"
                    log("run", f"restarting {child.name} ({count} exit(s) in {window}; {CRASH_LIMIT} stop the run)")
                    child.start(self.settings, env)
                continue
            if not child.alive():
                error = self._on_exit(child, now)
                if error:
                    return error
                continue
            if not child.ready and child.healthy():
                child.ready = True
                log("run", f"{child.name} is up" + (" again" if child.was_ready else ""))
                child.was_ready = True
            if not child.ready and now - child.started_at > READY_TIMEOUT_SECONDS:
                return f"{child.name} not ready after {READY_TIMEOUT_SECONDS}s"
        if not self._announced and all(child.ready for child in self.children):
            self._announced = True
            self.announce()
        return None

    def run(self, env: Dict[str, str]) -> int:
        """Start everything, print READY, supervise until stopped. Returns the exit code."""
        signal.signal(signal.SIGINT, self._on_signal)
        signal.signal(signal.SIGTERM, self._on_signal)
        for child in self.children:
            child.start(self.settings, env)
        try:
            while not self.stopping.is_set():
                error = self._step(env)
                if error:
                    log("run", f"error: {error}")
                    return 1
                self.stopping.wait(SUPERVISE_INTERVAL_SECONDS)
            return 0
        finally:
            self.stop_all()
            log("run", "all servers stopped")

    def announce(self) -> None:
        """Print the READY line with every URL."""
        s = self.settings
        host = "localhost" if s.host in ("127.0.0.1", "0.0.0.0") else s.host
        log(
            "run",
            f"READY  chat: http://{host}:{s.web_port}/  rest: http://{host}:{s.rasa_port}/webhooks/rest/webhook  "
            f"socket.io: http://{host}:{s.rasa_port}/socket.io  actions: http://{host}:{s.action_port}/webhook  "
            f"(HTTP API token: {'RASA_API_TOKEN' if s.rasa_api_token else s.var_dir / 'rasa-api-token'}; "
            "Ctrl-C stops all)",
        )


def serve(settings: Settings, no_train: bool = False) -> int:
    """Check, train if needed and allowed, then run all servers."""
    preflight(settings)
    credentials = activate_channels(settings, child_env(settings))
    if no_train:
        model = model_path(settings)
        if not model.exists():
            raise StartupError(
                f"no trained model for the current data at {model.relative_to(settings.project_dir)}; "
                "run 'make train' (or 'make run', which trains)"
            )
    else:
        model = train(settings)
    token = api_token(settings)
    workers = str(settings.rasa_workers or default_rasa_workers())
    env = child_env(settings, {"RASA_API_TOKEN": token, "SANIC_WORKERS": workers, "RASA_WORKERS": workers})
    return Supervisor(settings, build_children(settings, model, token, credentials)).run(env)


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Entry point of ``python -m bot.run``."""
    parser = argparse.ArgumentParser(prog="python -m bot.run", description=__doc__.split("\n\n")[0])
    parser.add_argument("command", nargs="?", default="serve", choices=("serve", "train", "check"))
    parser.add_argument("--no-train", action="store_true", help="serve the existing model; never train")
    args = parser.parse_args(argv)
    try:
        settings = get_settings()
    except ValueError as error:
        log("run", f"error: {error}")
        return 1
    os.environ.setdefault("ACTION_ENDPOINT_URL", settings.action_endpoint_url)
    try:
        if args.command == "check":
            preflight(settings)
            return 0
        if args.command == "train":
            check_yaml_files(settings)
            check_content(settings)
            train(settings)
            return 0
        return serve(settings, no_train=args.no_train)
    except StartupError as error:
        log("run", f"error: {error}")
        return 1


if __name__ == "__main__":
    sys.exit(main())
