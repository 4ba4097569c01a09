"""Which widget sessions have an open socket in this process, so staff messages can reach them.

The socket.io channel (``bot/channels/socketio.py``) attaches a session when a socket is granted
it and detaches the socket when it disconnects. A socket lives in one process (the cluster's
balancer pins socket.io clients to a replica), so each Rasa worker delivers the staff messages of
the sessions it holds (:mod:`bot.handoff.relay`), and only those.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, List, Optional


@dataclass(frozen=True)
class SocketRoute:
    """How to emit to a session's room."""

    sio: Any
    namespace: str
    event: str


_sockets: Dict[str, str] = {}  # socket id -> session id
_routes: Dict[str, SocketRoute] = {}  # session id -> route


def attach(socket_id: str, session_id: str, sio: Any, namespace: str, event: str) -> None:
    """A socket now holds ``session_id``."""
    _sockets[socket_id] = session_id
    _routes[session_id] = SocketRoute(sio, namespace, event)


def detach(socket_id: str) -> None:
    """A socket left; its session is forgotten when no other socket of this process holds it."""
    session = _sockets.pop(socket_id, None)
    if session is not None and session not in _sockets.values():
        _routes.pop(session, None)


def sessions() -> List[str]:
    """The sessions with an open socket in this process."""
    return list(_routes)


def route(session_id: str) -> Optional[SocketRoute]:
    """Where to emit a session's messages, if it has a socket here."""
    return _routes.get(session_id)
