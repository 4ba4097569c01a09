"""Twilio: only form posts signed with the account's auth token, for the public URL, get through."""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
from typing import Any, Dict, List, Optional

import pytest
import requests
from rasa.core.channels.channel import UserMessage
from twilio.base.exceptions import TwilioRestException
from twilio.rest.api.v2010.account.message import MessageList

from bot.channels.twilio import TwilioConfigError, VerifiedTwilioInput, sender_id_for, signature_valid

AUTH_TOKEN = "12345678901234567890123456789012"
PUBLIC_URL = "https://bot.example.org/webhooks/twilio/webhook"
FORM = {
    "ToCountry": "DK", "ToState": "", "SmsMessageSid": "SM1f0e8ae6ade43cb3c0ce4525424e404f",
    "NumMedia": "0", "ToCity": "", "FromZip": "", "SmsSid": "SM1f0e8ae6ade43cb3c0ce4525424e404f",
    "FromState": "", "SmsStatus": "received", "FromCity": "", "Body": "Hvor får jeg et skattekort?",
    "FromCountry": "DK", "To": "+4578790000", "ToZip": "", "NumSegments": "1",
    "MessageSid": "SM1f0e8ae6ade43cb3c0ce4525424e404f", "AccountSid": "AC0123456789abcdef0123456789abcdef",
    "From": "+4520304050", "ApiVersion": "2010-04-01",
}


def twilio_signature(url: str, form: Dict[str, str], token: str = AUTH_TOKEN) -> str:
    """Twilio's documented scheme, written out: HMAC-SHA1 over URL + sorted name/value pairs."""
    data = url + "".join(name + form[name] for name in sorted(form))
    return base64.b64encode(hmac.new(token.encode(), data.encode(), hashlib.sha1).digest()).decode()


@pytest.fixture
def twilio(serve):
    return serve(VerifiedTwilioInput.from_credentials({
        "account_sid": "AC0123456789abcdef0123456789abcdef", "auth_token": AUTH_TOKEN,
        "twilio_number": "+4578790000", "webhook_url": PUBLIC_URL,
    }))


def post(served, form: Dict[str, str], signature: Optional[str]) -> requests.Response:
    headers = {} if signature is None else {"X-Twilio-Signature": signature}
    return requests.post(served.webhook("twilio"), data=form, headers=headers, timeout=10)


def hashed(number: str, token: str = AUTH_TOKEN) -> str:
    """The documented conversation id, written out: ``twilio-`` + HMAC-SHA256(token, number)[:32]."""
    return "twilio-" + hmac.new(token.encode(), number.encode(), hashlib.sha256).hexdigest()[:32]


@pytest.fixture
def sent(monkeypatch) -> List[Dict[str, Any]]:
    """Twilio's HTTP client is the only thing mocked: every message create is recorded."""
    created: List[Dict[str, Any]] = []

    def create(self, **kwargs: Any) -> str:
        created.append(kwargs)
        return "SM-created"

    monkeypatch.setattr(MessageList, "create", create)
    return created


def answering(served) -> None:
    """Make the stand-in assistant answer every message, as Rasa does, through the message's channel."""

    async def answer(message: UserMessage) -> None:
        served.collector.messages.append(message)
        await message.output_channel.send_response(message.sender_id, {"text": f"echo: {message.text}"})
        await message.output_channel.send_response(message.sender_id, {"image": "https://example.org/map.png"})
        await message.output_channel.send_response(message.sender_id, {"custom": {"body": "c", "to": "+1555"}})

    served.collector.handle_message = answer


@pytest.mark.parametrize("number", ["+4520304050", "whatsapp:+4520304050"])
def test_a_signed_sms_reaches_the_assistant_under_a_hash_and_the_reply_goes_to_the_number(
    twilio, sent, caplog, number
):
    answering(twilio)
    form = {**FORM, "From": number}
    with caplog.at_level(logging.DEBUG):
        response = post(twilio, form, twilio_signature(PUBLIC_URL, form))
    assert response.status_code == 204
    [message] = twilio.collector.messages
    assert (message.text, message.sender_id, message.input_channel, message.metadata) == (
        "Hvor får jeg et skattekort?", hashed(number), "twilio", None)
    assert message.sender_id == sender_id_for(number, AUTH_TOKEN)
    received = {name: value for name, value in vars(message).items() if name != "output_channel"}
    assert "20304050" not in repr(received) + repr(message.output_channel)
    assert not [record for record in caplog.records if "20304050" in record.getMessage()]
    assert sent == [
        {"to": number, "from_": "+4578790000", "body": "echo: Hvor får jeg et skattekort?"},
        {"to": number, "from_": "+4578790000", "media_url": ["https://example.org/map.png"]},
        {"to": number, "from_": "+4578790000", "body": "c"},
    ]


def test_the_hash_is_stable_per_number_and_changes_with_the_token():
    assert sender_id_for("+4520304050", AUTH_TOKEN) == sender_id_for("+4520304050", AUTH_TOKEN)
    assert sender_id_for("+4520304050", AUTH_TOKEN) != sender_id_for("+4520304051", AUTH_TOKEN)
    assert sender_id_for("+4520304050", AUTH_TOKEN) != sender_id_for("+4520304050", "another-token")
    assert len(sender_id_for("+4520304050", AUTH_TOKEN)) == len("twilio-") + 32


def test_a_reply_twilio_refuses_is_logged_without_the_number(twilio, monkeypatch, caplog):
    def refuse(self, **kwargs: Any) -> None:
        raise TwilioRestException(400, "https://api.twilio.com/x", msg=f"The 'To' number {kwargs['to']} is not valid",
                                  code=21211)

    monkeypatch.setattr(MessageList, "create", refuse)
    answering(twilio)
    with caplog.at_level(logging.DEBUG):
        response = post(twilio, FORM, twilio_signature(PUBLIC_URL, FORM))
    assert response.status_code == 204
    assert len(twilio.collector.messages) == 1
    logged = [record.getMessage() for record in caplog.records]
    assert "twilio: a reply was refused (HTTP 400, Twilio error 21211)" in logged
    assert not [line for line in logged if "20304050" in line]


@pytest.mark.parametrize(("case", "status", "code"), [
    ("missing", 401, "missing_signature"),
    ("garbage", 403, "bad_signature"),
    ("other_token", 403, "bad_signature"),
    ("local_url", 403, "bad_signature"),
    ("tampered", 403, "bad_signature"),
])
def test_unsigned_or_forged_posts_never_reach_the_assistant(twilio, case, status, code):
    form = dict(FORM)
    signature: Optional[str] = {
        "missing": None,
        "garbage": "bm90IGEgc2lnbmF0dXJl",
        "other_token": twilio_signature(PUBLIC_URL, FORM, "another-auth-token"),
        # signed for the URL the server sees, not the configured public URL
        "local_url": twilio_signature(twilio.webhook("twilio"), FORM),
        "tampered": twilio_signature(PUBLIC_URL, FORM),
    }[case]
    if case == "tampered":
        form["Body"] = "Send me every conversation"
    response = post(twilio, form, signature)
    assert (response.status_code, response.json()["error"]["code"]) == (status, code)
    assert twilio.collector.messages == []


def test_our_written_out_scheme_matches_twilios_validator():
    assert signature_valid(AUTH_TOKEN, PUBLIC_URL, {k: [v] for k, v in FORM.items()},
                           twilio_signature(PUBLIC_URL, FORM))
    assert not signature_valid(AUTH_TOKEN, PUBLIC_URL, {k: [v] for k, v in FORM.items()},
                               twilio_signature(PUBLIC_URL + "?x=1", FORM))


def test_a_signed_post_without_a_sender_is_a_400(twilio):
    form = {k: v for k, v in FORM.items() if k != "From"}
    response = post(twilio, form, twilio_signature(PUBLIC_URL, form))
    assert (response.status_code, response.json()["error"]["code"]) == (400, "invalid_field")
    assert twilio.collector.messages == []


def test_the_public_url_is_required():
    with pytest.raises(TwilioConfigError):
        VerifiedTwilioInput.from_credentials({"account_sid": "AC1", "auth_token": "t", "twilio_number": "+45"})


def test_an_sms_gets_the_answer_without_markup_and_links_as_short_official_addresses(twilio, sent):
    """Issue 13: SMS shows no markdown, so bold markers go and a titled link becomes its address."""
    url = "https://lifeindenmark.borger.dk/actionpage?selfserviceid=eb44aae3-59fd-4959-8c4a-f091d4438309"

    async def answer(message: UserMessage) -> None:
        twilio.collector.messages.append(message)
        await message.output_channel.send_response(message.sender_id, {
            "text": "**Tax card**\n\nApply online.\n\n"
                    f"More information: [Life in Denmark: apply for a tax card]({url})",
            "buttons": [{"title": "CPR number", "payload": '/ask_topic{"topic":"cpr"}'}],
        })

    twilio.collector.handle_message = answer
    assert post(twilio, FORM, twilio_signature(PUBLIC_URL, FORM)).status_code == 204
    # One answer is one SMS: the paragraphs together, the buttons as a numbered list of titles.
    assert [message["body"] for message in sent] == [
        "Tax card\n\nApply online.\n\n"
        "More information: lifeindenmark.borger.dk/actionpage?selfserviceid=eb44aae3-59fd-4959-8c4a-f091d4438309"
        "\n\n1. CPR number"
    ]


def test_a_number_answers_the_numbered_options_of_the_last_reply(twilio, sent, monkeypatch):
    buttons = [{"title": "More details", "payload": '/more_details{"topic":"tax_card"}'},
               {"title": "CPR number", "payload": '/ask_topic{"topic":"cpr"}'}]
    asked: List[str] = []

    async def last_buttons(sender_id: str) -> List[Dict[str, Any]]:
        asked.append(sender_id)
        return buttons

    monkeypatch.setattr("bot.channels.twilio.last_buttons", last_buttons)
    for body in ("2", " 1. ", "3", "22 kroner"):
        form = {**FORM, "Body": body}
        assert post(twilio, form, twilio_signature(PUBLIC_URL, form)).status_code == 204
    assert [message.text for message in twilio.collector.messages] == [
        '/ask_topic{"topic":"cpr"}', '/more_details{"topic":"tax_card"}', "3", "22 kroner"]
    assert asked == [hashed(FORM["From"])] * 3  # "22 kroner" is not a choice: no look-up


def test_a_long_text_is_cut_between_paragraphs_within_twilios_limit():
    from bot.channels.twilio import MAX_BODY, bodies

    paragraphs = ["a" * 900, "b" * 900, "c" * 100, "d" * 2000]
    parts = bodies("\n\n".join(paragraphs))
    assert all(len(part) <= MAX_BODY for part in parts)
    assert parts == ["a" * 900, "b" * 900 + "\n\n" + "c" * 100, "d" * 1600, "d" * 400]
    assert bodies("  short  ") == ["short"] and bodies("") == []


def test_last_buttons_reads_the_last_reply_from_the_tracker_store():
    import asyncio

    from rasa.core.tracker_store import InMemoryTrackerStore
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import BotUttered, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    from bot.channels.guard import last_buttons

    store = InMemoryTrackerStore(Domain.empty())
    buttons = [{"title": "More details", "payload": '/more_details{"topic":"cpr"}'}]
    tracker = DialogueStateTracker.from_events("sms-1", [
        UserUttered("cpr?"), BotUttered("**CPR**", data={"buttons": buttons}), BotUttered("A notice."),
    ])
    asyncio.run(store.save(tracker))
    assert asyncio.run(last_buttons("sms-1", store)) == buttons
    tracker.update(UserUttered("thanks"))
    asyncio.run(store.save(tracker))
    assert asyncio.run(last_buttons("sms-1", store)) == []  # the last turn had no reply with buttons
    assert asyncio.run(last_buttons("unknown", store)) == []
