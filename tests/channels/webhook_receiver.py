"""A real local HTTP server that plays the integrator's callback endpoint (in a thread)."""

from __future__ import annotations

import contextlib
import ssl
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Dict, Iterator, List, Optional, Sequence


@dataclass
class Received:
    path: str
    headers: Dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """Answers each POST with the next status of ``statuses`` (the last one repeats)."""

    statuses: Sequence[int]
    requests: List[Received] = field(default_factory=list)
    url: str = ""
    headers_for_status: Dict[int, Dict[str, str]] = field(default_factory=dict)

    def wait(self, count: int, timeout: float = 30.0) -> List[Received]:
        deadline = time.monotonic() + timeout
        while len(self.requests) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return self.requests


@contextlib.contextmanager
def receiver(
    statuses: Sequence[int], host: str = "127.0.0.1", tls: Optional[ssl.SSLContext] = None
) -> Iterator[Receiver]:
    """Run a receiver on a free port; ``receiver.url`` is its ``/callback`` URL (HTTPS with ``tls``)."""
    state = Receiver(list(statuses))
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            with lock:
                index = len(state.requests)
                state.requests.append(Received(self.path, {k: v for k, v in self.headers.items()}, body))
            status = state.statuses[min(index, len(state.statuses) - 1)]
            self.send_response(status)
            for name, value in state.headers_for_status.get(status, {}).items():
                self.send_header(name, value)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer((host, 0), Handler)
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    state.url = f"{'https' if tls else 'http'}://{host}:{server.server_address[1]}/callback"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def header(received: Received, name: str) -> Optional[str]:
    """A header of a received request, case-insensitively."""
    for key, value in received.headers.items():
        if key.lower() == name.lower():
            return value
    return None
