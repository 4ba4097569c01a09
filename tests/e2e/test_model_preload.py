"""With several workers, each one takes the model loaded before the fork, and each one answers."""

from __future__ import annotations

import os

import requests

from bot.settings import default_rasa_workers
from tests.e2e.conftest import reply_text


def test_every_worker_uses_the_preloaded_model_and_answers(stack):
    workers = int(stack.env.get("RASA_WORKERS") or default_rasa_workers(os.cpu_count() or 1))
    for _ in range(12):  # a new connection each time: the workers take turns accepting them
        with requests.Session() as session:
            response = session.post(f"{stack.rasa}/webhooks/rest/webhook",
                                    json={"sender": os.urandom(8).hex(), "message": "Where is International House?"},
                                    timeout=60)
        assert response.status_code == 200
        assert "Rantzausgade 4" in reply_text(response.json())
    preloaded = [line for line in stack.lines if "using the model loaded before the workers started" in line]
    assert len(preloaded) == (workers if workers > 1 else 0)
