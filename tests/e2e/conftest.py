"""End-to-end fixtures: the real servers, started by the real runner (``python -m bot.run``).

The stack runs on free ports with its own ``var/`` folder (SQLite tracker store, API token), so
it never touches a ``make run`` that may be running. Stopping it with SIGINT is checked at the end:
the runner must exit 0 and report that all servers stopped.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT = 420


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Stack:
    """A running assistant."""

    process: subprocess.Popen
    rasa_port: int
    action_port: int
    web_port: int
    var_dir: Path
    env: Dict[str, str]
    lines: List[str] = field(default_factory=list)

    @property
    def rasa(self) -> str:
        return f"http://127.0.0.1:{self.rasa_port}"

    @property
    def web(self) -> str:
        return f"http://127.0.0.1:{self.web_port}"

    @property
    def token(self) -> str:
        return (self.var_dir / "rasa-api-token").read_text().strip()

    def ask(self, message: str, sender: Optional[str] = None, metadata: Optional[Dict[str, Any]] = None) -> List[Dict]:
        body: Dict[str, Any] = {"sender": sender or uuid.uuid4().hex, "message": message}
        if metadata is not None:
            body["metadata"] = metadata
        response = requests.post(f"{self.rasa}/webhooks/rest/webhook", json=body, timeout=60)
        assert response.status_code == 200, response.text
        return response.json()


def reply_text(messages: List[Dict]) -> str:
    """All texts of a reply, joined."""
    return "\n".join(message.get("text", "") for message in messages)


def ask_and_expand(stack: Stack, text: str, sender: Optional[str] = None, language: str = "en") -> List[Dict]:
    """Ask, and press "More details" when the answer offers it: the first bubble and the rest.

    An answer's first bubble shows at most two sentences (issue #13); the facts a question expects
    are in it or one tap away. This checks the first bubble's length and returns both replies.
    """
    from bot.content.sentences import sentences

    sender = sender or uuid.uuid4().hex
    first = stack.ask(text, sender=sender)
    more = [button["payload"] for message in first for button in message.get("buttons") or []
            if button["payload"].startswith("/more_details")]
    if not more:
        return first
    body = first[0]["text"].split("\n\n")
    assert body[0].startswith("**") and len(sentences(body[1], language)) <= 2, first[0]["text"]
    return [*first, *stack.ask(more[0], sender=sender)]


def start_stack(tmp: Path, extra_env: Optional[Dict[str, str]] = None) -> Stack:
    ports = {"RASA_PORT": free_port(), "ACTION_PORT": free_port(), "WEB_PORT": free_port()}
    env = {k: v for k, v in os.environ.items() if k not in ("RASA_API_TOKEN", "TRACKER_DB_URL", "ACTION_ENDPOINT_URL")}
    env.update({key: str(value) for key, value in ports.items()})
    env.update({"VAR_DIR": str(tmp), "PYTHONUNBUFFERED": "1"})
    env.update(extra_env or {})
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.run", "serve"], cwd=ROOT, env=env, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True, bufsize=1,
    )
    stack = Stack(process, ports["RASA_PORT"], ports["ACTION_PORT"], ports["WEB_PORT"], tmp, env)
    ready = threading.Event()

    def pump() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            stack.lines.append(line.rstrip())
            if "| READY" in line:
                ready.set()

    threading.Thread(target=pump, daemon=True).start()
    deadline = time.monotonic() + START_TIMEOUT
    while not ready.is_set():
        if process.poll() is not None:
            tail = "\n".join(stack.lines[-30:])
            pytest.fail(f"the assistant exited during start-up (code {process.returncode}):\n{tail}")
        if time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"the assistant was not READY after {START_TIMEOUT}s:\n" + "\n".join(stack.lines[-30:]))
        ready.wait(0.5)
    return stack


def stop_stack(stack: Stack) -> int:
    stack.process.send_signal(signal.SIGINT)
    try:
        return stack.process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        stack.process.kill()
        return -9


def error_lines(lines: List[str]) -> List[str]:
    """Log lines at ERROR level (text or JSON format) and tracebacks."""
    traceback = "| Traceback (most recent call last):"
    return [line for line in lines
            if " ERROR " in line or '"level": "ERROR"' in line or line.rstrip().endswith(traceback)]


@pytest.fixture(scope="session")
def stack(tmp_path_factory) -> Stack:
    running = start_stack(tmp_path_factory.mktemp("var"))
    yield running
    code = stop_stack(running)
    time.sleep(0.5)
    (running.var_dir / "stack.log").write_text("\n".join(running.lines))  # to read after the run
    assert code == 0, "\n".join(running.lines[-20:])
    assert any("all servers stopped" in line for line in running.lines[-10:])


def as_json(messages: List[Dict]) -> str:
    return json.dumps(messages, ensure_ascii=False, indent=1)


@dataclass
class FirstTurn:
    """What the assistant did with one message sent to a fresh conversation, as stored.

    Attributes:
        events: The turn's events (the user message and everything after it).
        replies: The bot messages' metadata (``outcome``, ``entry``, ``kind``, ``candidates``).
        answered: The entries answered (``outcome == "answer"``).
        offered: The entries offered to choose from (``outcome == "clarify"``).
    """

    events: List[Dict[str, Any]]
    replies: List[Dict[str, Any]]
    answered: List[str]
    offered: List[str]


def ask_fresh(stack: Stack, text: str, metadata: Optional[Dict[str, Any]] = None) -> FirstTurn:
    """Send ``text`` to a new conversation over REST and read its first turn back from Rasa's API."""
    from bot.user_voice_eval import split_turns

    sender = uuid.uuid4().hex
    stack.ask(text, sender=sender, metadata=metadata)
    tracker = requests.get(f"{stack.rasa}/conversations/{sender}/tracker", params={"token": stack.token},
                           timeout=30).json()
    events = split_turns(tracker["events"])[0]
    replies = [event.get("metadata") or {} for event in events if event["event"] == "bot"]
    return FirstTurn(
        events=events,
        replies=replies,
        answered=[meta.get("entry") for meta in replies if meta.get("outcome") == "answer"],
        offered=[entry for meta in replies if meta.get("outcome") == "clarify" for entry in meta.get("candidates", [])],
    )
