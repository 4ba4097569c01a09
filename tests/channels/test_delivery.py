"""A reply the platform does not accept is logged without its details, and does not raise."""

from __future__ import annotations

import asyncio
import logging

from rasa.core.channels.channel import CollectingOutputChannel, OutputChannel

from bot.channels.delivery import BestEffortDelivery
from bot.channels.facebook import MessengerReplies
from bot.channels.telegram import TelegramReplies, VerifiedTelegramInput
from bot.channels.twilio import TwilioReplies, VerifiedTwilioInput


class Failing(OutputChannel):
    @classmethod
    def name(cls) -> str:
        return "failing"

    async def send_text_message(self, recipient_id: str, text: str, **kwargs) -> None:
        raise ConnectionError("https://graph.example/me/messages?access_token=SECRET-TOKEN unreachable")


class BestEffortFailing(BestEffortDelivery, Failing):
    pass


def test_a_failed_delivery_is_logged_by_type_only(caplog):
    caplog.set_level(logging.ERROR)
    asyncio.run(BestEffortFailing().send_response("42", {"text": "hello"}))
    assert [r.getMessage() for r in caplog.records] == ["failing: a reply could not be delivered (ConnectionError)"]
    assert "SECRET-TOKEN" not in caplog.text


def test_without_the_mixin_the_failure_would_lose_the_turn():
    try:
        asyncio.run(Failing().send_response("42", {"text": "hello"}))
    except ConnectionError:
        pass
    else:
        raise AssertionError("expected the plain channel to raise")


def test_the_verified_channels_reply_through_best_effort_channels():
    telegram = VerifiedTelegramInput("123:abc", "secret")
    assert isinstance(telegram.get_output_channel(), TelegramReplies)
    twilio = VerifiedTwilioInput("AC1", "token", "+4578790000", "https://bot.example.org/webhooks/twilio/webhook")
    replies = twilio.output_channel_for("+4520304050")
    assert isinstance(replies, TwilioReplies) and isinstance(replies, BestEffortDelivery)
    # outside a request there is no number to send to (the conversation id is a hash): collected only
    assert isinstance(twilio.get_output_channel(), CollectingOutputChannel)
    assert issubclass(MessengerReplies, BestEffortDelivery)
