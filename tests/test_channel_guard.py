"""The checks every channel applies before a message reaches the assistant."""

from __future__ import annotations

import asyncio
import time
from types import SimpleNamespace

import pytest
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

import bot.channels.guard as guard_module
from bot.channels.guard import InvalidMessage, check_metadata, check_sender, check_text, guard
from bot.channels.ownership import OwnershipRefused
from bot.channels.rest import parse_body
from bot.i18n import translate
from bot.privacy import hash_secret
from bot.stores.owners import Owner


@pytest.fixture(autouse=True)
def owners(owner_registry):
    return owner_registry


def request(body: bytes):
    return SimpleNamespace(body=body)


def test_parse_body_accepts_a_valid_message():
    assert parse_body(request(b'{"sender": "a", "message": "hi", "metadata": {"language": "en"}}')) == {
        "sender": "a", "message": "hi", "metadata": {"language": "en"},
    }


@pytest.mark.parametrize(
    ("body", "code", "field", "status"),
    [
        (b"nope", "invalid_json", None, 400),
        (b"[]", "invalid_body", None, 400),
        (b'{"sender": "a", "message": 5}', "invalid_field", "message", 400),
        (b'{"sender": "a", "message": "' + b"x" * 1001 + b'"}', "message_too_long", "message", 413),
        (b'{"sender": "' + b"s" * 129 + b'", "message": "hi"}', "invalid_field", "sender", 400),
        (b"x" * (16 * 1024 + 1), "body_too_large", None, 413),
    ],
)
def test_parse_body_refuses(body, code, field, status):
    with pytest.raises(InvalidMessage) as error:
        parse_body(request(body))
    assert (error.value.code, error.value.field, error.value.status) == (code, field, status)


def test_small_checks():
    assert check_text("ok") == "ok"
    assert check_sender("me") == "me"
    assert check_metadata(None) == {}
    with pytest.raises(InvalidMessage):
        check_metadata([1])


def test_guard_refuses_long_text_without_calling_the_assistant():
    calls = []

    async def on_new_message(message):
        calls.append(message)

    output = CollectingOutputChannel()
    asyncio.run(guard(on_new_message)(UserMessage("x" * 5000, output, "s")))
    assert calls == []
    assert output.messages == [{"recipient_id": "s", "text": "'message' is 5000 characters long; the limit is 1000"}]


def test_guard_says_sorry_when_nothing_was_answered_and_actions_are_down(monkeypatch):
    async def on_new_message(message):
        return None  # the custom action failed: no reply

    async def down():
        return False

    monkeypatch.setattr(guard_module, "action_server_up", down)
    output = CollectingOutputChannel()
    asyncio.run(guard(on_new_message)(UserMessage("tax card?", output, "s")))
    assert output.messages[0]["text"].startswith("Sorry, I can't look that up right now")


def test_guard_stays_quiet_when_the_assistant_answered(monkeypatch):
    async def on_new_message(message):
        await message.output_channel.send_text_message(message.sender_id, "an answer")

    async def down():
        raise AssertionError("the health check must not run when there was a reply")

    monkeypatch.setattr(guard_module, "action_server_up", down)
    output = CollectingOutputChannel()
    asyncio.run(guard(on_new_message)(UserMessage("hi", output, "s")))
    assert [m["text"] for m in output.messages] == ["an answer"]


def test_guard_binds_the_first_message_and_refuses_another_owner(owners):
    calls = []

    async def on_new_message(message):
        calls.append(message.text)
        await message.output_channel.send_text_message(message.sender_id, "an answer")

    def message(text, secret, channel="rest"):
        return UserMessage(text, CollectingOutputChannel(), "s", input_channel=channel,
                           metadata=check_metadata({"session_secret": secret}))

    asyncio.run(guard(on_new_message)(message("first", "secret-a")))
    assert owners.get("s") == Owner("rest", hash_secret("secret-a"))
    with pytest.raises(OwnershipRefused) as refused:
        asyncio.run(guard(on_new_message, raise_refusals=True)(message("second", "secret-b")))
    assert (refused.value.code, refused.value.status) == ("forbidden", 403)
    silent = message("third", "secret-a", channel="telegram")
    asyncio.run(guard(on_new_message)(silent))  # a platform channel: dropped, nothing sent
    assert silent.output_channel.inner.messages == []
    asyncio.run(guard(on_new_message)(message("fourth", "secret-a")))
    assert calls == ["first", "fourth"]


def test_guard_says_sorry_when_an_action_failed_although_the_cached_health_check_says_up(monkeypatch):
    """The action server died after its last (cached) good health check: the failed call decides.

    A real ``RemoteAction`` is run against a port nobody listens on, through the Rasa server's
    wrapper of ``RemoteAction.run`` that records the failure for the guard.
    """
    import socket

    from rasa.core.actions.action import RemoteAction
    from rasa.core.nlg import TemplatedNaturalLanguageGenerator
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.trackers import DialogueStateTracker
    from rasa.shared.exceptions import RasaException
    from rasa.utils.endpoints import EndpointConfig

    from bot.rasa_server import install_operability

    install_operability()
    with socket.socket() as probe:  # a free port, closed again: connection refused
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    checks = []

    async def up():
        checks.append("asked")
        return True

    monkeypatch.setattr(guard_module, "action_server_up", up)
    monkeypatch.setitem(guard_module._health_cache, "checked_at", time.monotonic())
    domain = Domain.from_dict({"actions": ["action_answer"]})

    async def on_new_message(message):
        action = RemoteAction("action_answer", EndpointConfig(f"http://127.0.0.1:{port}/webhook"))
        with pytest.raises(RasaException, match=r"Failed to execute custom action 'action_answer'\. Couldn't connect"):
            # Rasa's processor logs this and the turn ends without a reply.
            await action.run(message.output_channel, TemplatedNaturalLanguageGenerator({}),
                             DialogueStateTracker("s", domain.slots), domain)

    output = CollectingOutputChannel()
    asyncio.run(guard(on_new_message)(UserMessage("tax card?", output, "s")))
    assert [m["text"] for m in output.messages] == [translate("service_unavailable", "en")]
    assert checks == []  # the failed call was enough; the cached health check was not trusted
    assert guard_module._health_cache["checked_at"] == 0.0  # the next check is a fresh one
