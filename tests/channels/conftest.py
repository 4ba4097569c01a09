"""Run a channel's real blueprint on a small Sanic server, with Rasa's own wiring.

``rasa.core.channels.channel.register`` mounts the blueprint under ``/webhooks/<name>/`` and
hands every message to ``app.ctx.agent.handle_message``; here that agent is a collector, so a
test sees exactly what would have reached the assistant. Requests go over real HTTP.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, List

import pytest
import requests
from rasa.core.channels.channel import InputChannel, UserMessage, register
from sanic import Sanic

import bot.channels.guard as guard_module


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Collector:
    """Stands in for Rasa's agent: records every message that reaches the assistant."""

    messages: List[UserMessage] = field(default_factory=list)

    async def handle_message(self, message: UserMessage) -> None:
        self.messages.append(message)

    def received(self, count: int = 1, timeout: float = 5.0) -> List[UserMessage]:
        """Wait (for channels that hand messages to a background task) until ``count`` arrived."""
        deadline = time.monotonic() + timeout
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return self.messages


@dataclass
class Served:
    url: str
    collector: Collector
    stop: Callable[[], None] = lambda: None

    def webhook(self, name: str) -> str:
        return f"{self.url}/webhooks/{name}/webhook"


@pytest.fixture
def serve(monkeypatch) -> Iterator[Callable[[InputChannel], Served]]:
    """Start a Sanic server with the given channel; stopped after the test (``served.stop()`` stops it
    earlier), with Sanic's ``before_server_stop`` and ``after_server_stop`` listeners, as a real stop."""

    async def up() -> bool:  # the assistant "answered"; no action server to probe here
        return True

    monkeypatch.setattr(guard_module, "action_server_up", up)
    # Test mode: sanic keeps its original protocol code, so several apps can start in one process.
    monkeypatch.setattr(Sanic, "test_mode", True)
    started: List[Any] = []

    def start(channel: InputChannel) -> Served:
        app = Sanic(f"channel_test_{uuid.uuid4().hex[:12]}")
        collector = Collector()
        app.ctx.agent = collector
        register([channel], app, route="/webhooks/")
        port = free_port()
        loop = asyncio.new_event_loop()
        server = loop.run_until_complete(
            app.create_server(host="127.0.0.1", port=port, return_asyncio_server=True, access_log=False)
        )
        loop.run_until_complete(server.startup())
        thread = threading.Thread(target=loop.run_forever, daemon=True)
        thread.start()
        stopped = threading.Event()

        def stop() -> None:
            if stopped.is_set():
                return
            stopped.set()

            async def close() -> None:
                await server.before_stop()
                await server.close()
                await server.after_stop()

            asyncio.run_coroutine_threadsafe(close(), loop).result(timeout=60)
            loop.call_soon_threadsafe(loop.stop)
            thread.join(timeout=10)

        started.append(stop)
        url = f"http://127.0.0.1:{port}"
        for _ in range(50):
            try:
                requests.get(f"{url}/webhooks/{channel.name()}/", timeout=1)
                break
            except requests.ConnectionError:
                time.sleep(0.05)
        return Served(url, collector, stop)

    yield start
    for stop in started:
        stop()


@pytest.fixture(autouse=True)
def _owners(owner_registry):
    """Every message passes the owner check (bot.channels.ownership) on a fresh database."""
    return owner_registry
