"""The security suite's running assistant (``python -m bot.run serve``), with every guard switched on.

One stack for the whole suite: the signed webhook has a key, the action server a token, the
conversations and the console share one SQLite database that the tests read directly to prove
that a refused request stored nothing. Every case is a row of ``docs/security.md``.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Iterator

import pytest
import requests
import sqlalchemy as sa

from tests.e2e.conftest import Stack, start_stack, stop_stack

WEBHOOK_SECRET = uuid.uuid4().hex + uuid.uuid4().hex
ACTION_TOKEN = uuid.uuid4().hex + uuid.uuid4().hex
PASSWORD = "a long and secret password"


@dataclass
class Secure:
    """The running stack and direct access to its database."""

    stack: Stack
    engine: sa.engine.Engine

    @property
    def rasa(self) -> str:
        return self.stack.rasa

    @property
    def web(self) -> str:
        return self.stack.web

    @property
    def actions(self) -> str:
        return f"http://127.0.0.1:{self.stack.action_port}"

    @property
    def api_token(self) -> str:
        return self.stack.token

    def events(self, sender: str) -> int:
        """Rows stored for ``sender`` in ``events`` (0 when the table does not exist yet)."""
        with self.engine.connect() as connection:
            if not sa.inspect(connection).has_table("events"):
                return 0
            query = sa.text("SELECT count(*) FROM events WHERE sender_id = :s")
            return int(connection.execute(query, {"s": sender}).scalar_one())

    def user_texts(self, sender: str) -> list:
        with self.engine.connect() as connection:
            rows = connection.execute(
                sa.text("SELECT data FROM events WHERE sender_id = :s AND type_name = 'user' ORDER BY id"),
                {"s": sender},
            ).all()
        import json

        return [json.loads(data)["text"] for (data,) in rows]

    def owners(self, sender: str) -> int:
        with self.engine.connect() as connection:
            query = sa.text("SELECT count(*) FROM conversation_owners WHERE sender_id = :s")
            return int(connection.execute(query, {"s": sender}).scalar_one())

    def nothing_stored(self, sender: str) -> None:
        """Assert that no event and no owner was stored for ``sender``."""
        assert self.events(sender) == 0, f"events were stored for {sender!r}"
        assert self.owners(sender) == 0, f"an owner was stored for {sender!r}"

    def no_leak(self, response: requests.Response) -> None:
        """Assert that a refusal shows no trace, no SQL and no secret."""
        body = response.text
        for secret in (WEBHOOK_SECRET, ACTION_TOKEN, self.api_token, PASSWORD):
            assert secret not in body
        lowered = body.lower()
        for trace in ("traceback", "sqlalchemy", "sqlite", "psycopg", 'file "/'):
            assert trace not in lowered, body[:300]


@pytest.fixture(scope="session")
def secure(tmp_path_factory) -> Iterator[Secure]:
    var_dir = tmp_path_factory.mktemp("secure")
    stack = start_stack(var_dir, {
        "WEBHOOK_KEYS": f"sec:{WEBHOOK_SECRET}", "WEBHOOK_CALLBACK_ALLOWED_HOSTS": "127.0.0.1",
        "ACTION_SERVER_TOKEN": ACTION_TOKEN,
    })
    engine = sa.create_engine(f"sqlite:///{var_dir / 'tracker.db'}")
    yield Secure(stack, engine)
    engine.dispose()
    code = stop_stack(stack)
    assert code == 0, "\n".join(stack.lines[-20:])


def fresh_sender() -> str:
    return f"sec-{uuid.uuid4().hex}"
