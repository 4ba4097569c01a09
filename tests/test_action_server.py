"""Who may call the action server (``bot.action_server``)."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from bot.action_server import ActionServerConfigError, check_exposure, is_loopback, token_accepted
from bot.run import StartupError, check_action_server_exposure
from bot.settings import Settings

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.2", "::1", "localhost"])
def test_loopback_addresses(host):
    assert is_loopback(host)


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "10.0.0.5", "assistant.example.org"])
def test_other_addresses_are_not_loopback(host):
    assert not is_loopback(host)


def test_a_public_bind_needs_a_token():
    with pytest.raises(ActionServerConfigError, match=r"BIND_HOST=0\.0\.0\.0 would expose the action server"):
        check_exposure(replace(Settings(), host="0.0.0.0"))
    check_exposure(replace(Settings(), host="0.0.0.0", action_server_token="t" * 32))
    check_exposure(Settings())


def test_the_runner_refuses_the_same_before_starting_anything():
    with pytest.raises(StartupError, match="set ACTION_SERVER_TOKEN"):
        check_action_server_exposure(replace(Settings(), host="0.0.0.0"))
    with pytest.raises(StartupError, match="STOCK_RASA=1 cannot send ACTION_SERVER_TOKEN"):
        check_action_server_exposure(replace(Settings(), action_server_token="t" * 32, stock_rasa=True))


def test_token_comparison():
    assert token_accepted("secret", "secret")
    assert not token_accepted("secret", "Secret")
    assert not token_accepted("secret", "")
    assert not token_accepted("secret", None)


def test_the_action_server_process_refuses_a_public_bind_without_token():
    env = {k: v for k, v in os.environ.items() if k != "ACTION_SERVER_TOKEN"}
    env["BIND_HOST"] = "0.0.0.0"
    done = subprocess.run(
        [sys.executable, "-m", "bot.action_server"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 1
    assert done.stderr.strip().splitlines()[-1] == (
        "error: BIND_HOST=0.0.0.0 would expose the action server to the network without a token; "
        "set ACTION_SERVER_TOKEN (Rasa sends it in the X-Action-Token header) or bind 127.0.0.1"
    )
