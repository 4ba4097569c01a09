"""``action_request_human`` and the fallback's offer of a person: exact messages and stored requests."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any, Dict, Iterator, List

import pytest
import sqlalchemy as sa
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

import actions.base
from actions.fallback import ActionSearchContent
from actions.handoff import ActionRequestHuman
from bot.handoff import replies
from bot.handoff.store import HandoffStore, use_store
from bot.i18n import translate
from tests.conftest import cph


@pytest.fixture()
def handoffs(tmp_path: Path) -> Iterator[HandoffStore]:
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'tracker.db'}")
    store = HandoffStore(engine)
    store.create_tables()
    use_store(store)
    try:
        yield store
    finally:
        use_store(None)
        engine.dispose()


def user_event(text: str, channel: str) -> Dict[str, Any]:
    return {"event": "user", "text": text, "input_channel": channel, "parse_data": {}}


def tracker(channel: str, language: str = "pl", events: List[Dict[str, Any]] = ()) -> Tracker:
    history = list(events) or [user_event("chcę rozmawiać z człowiekiem", channel)]
    return Tracker("s1", {"language": language, "topic": None}, {"text": "x", "intent": {"name": "request_human"},
                   "entities": []}, history, False, None, {}, "action_listen")


def run(action: Any, track: Tracker) -> List[Dict[str, Any]]:
    dispatcher = CollectingDispatcher()
    asyncio.run(action.run(dispatcher, track, {}))
    return dispatcher.messages


def test_in_phone_hours_the_widget_is_queued(handoffs: HandoffStore, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(actions.base, "clock", lambda: cph(2026, 12, 7, 10, 0))  # Monday 10:00
    handoffs.request("earlier", "socketio", "en", "person_requested", live=True)
    messages = run(ActionRequestHuman(), tracker("socketio"))
    queue = translate("handoff_queue_behind", "pl", count=1)
    assert [m["text"] for m in messages] == [translate("handoff_waiting", "pl", queue=queue)]
    assert messages[0]["outcome"] == "handoff" and messages[0]["handoff"] == "waiting"
    request = handoffs.current("s1")
    assert request is not None and (request.status, request.language, request.channel) == ("waiting", "pl", "socketio")


def test_outside_phone_hours_the_email_path_is_offered(handoffs: HandoffStore, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(actions.base, "clock", lambda: cph(2026, 12, 12, 10, 0))  # Saturday
    messages = run(ActionRequestHuman(), tracker("socketio"))
    status, offer = replies.closed_replies("pl", cph(2026, 12, 12, 10, 0), actions.base.get_knowledge_base())
    assert [m["text"] for m in messages] == [status.text, offer.text]
    assert messages[1]["buttons"] == [button.as_dict() for button in offer.buttons]
    assert handoffs.current("s1").status == "offered"  # type: ignore[union-attr]


def test_rest_is_never_queued_live(handoffs: HandoffStore, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(actions.base, "clock", lambda: cph(2026, 12, 7, 10, 0))  # Monday 10:00
    run(ActionRequestHuman(), tracker("rest"))
    assert handoffs.current("s1").status == "offered"  # type: ignore[union-attr]


def test_a_second_fallback_in_a_row_offers_a_person(fixture_kb: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(actions.base, "get_knowledge_base", lambda: fixture_kb)
    first = [user_event("qwzx plorf", "rest"), {"event": "action", "name": "action_search_content"},
             {"event": "action", "name": "action_listen"}, user_event("blorf again", "rest")]
    messages = run(ActionSearchContent(), Tracker("s1", {"language": "en"}, {"text": "blorf again", "entities": []},
                                                  first, False, None, {}, "action_listen"))
    offer = replies.offer_person_reply("en")
    assert messages[-1]["text"] == offer.text
    assert messages[-1]["buttons"] == [{"title": translate("handoff_button_person", "en"), "payload": "/request_human"}]
    once = run(ActionSearchContent(), Tracker("s1", {"language": "en"}, {"text": "qwzx", "entities": []},
                                              first[:1], False, None, {}, "action_listen"))
    assert offer.text not in [m["text"] for m in once]
