"""The Rasa server's side of a handoff: who answers a message, and delivery of staff messages.

:func:`intercept` runs in the channel guard (``bot.channels.guard``) before the assistant sees a
message; it looks up the conversation's request (:mod:`bot.handoff.store`):

* none, or ``waiting``: the assistant answers as usual (a waiting newcomer can keep asking; the
  activity keeps the request from timing out);
* ``active``: a person has the conversation. The message is written into the tracker (masked,
  streamed, visible in the console) and the assistant says nothing. "Bye" or "thanks, bye"
  (:func:`says_goodbye`) ends the handoff, and the assistant says it is back;
* ``offered``: the newcomer was asked whether to leave a question by e-mail: yes (the button, or
  the ``affirm`` intent) asks for the question and address, no (``deny``) closes the offer, and
  anything else closes it and goes to the assistant;
* ``awaiting_email``: the message should carry an address. It is kept apart
  (``handoff_contacts``); the conversation's events hold it masked like every other address.

:func:`deliver_pending` (run every second by :func:`relay_loop` in each Rasa worker) takes the
staff messages and notices of the widget sessions whose socket is in this process, writes each
into the tracker as a bot message marked ``from_person``, and emits it to the session's room;
conversations of the signed webhook get theirs POSTed to their latest callback URL (any worker,
one claim each). It also ends requests that were silent for ``HANDOFF_IDLE_MINUTES``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import time
from typing import Any, Dict, Optional, Sequence

from rasa.core.channels.channel import CollectingOutputChannel, OutputChannel, UserMessage

from bot.answers import Reply
from bot.handoff import replies, sockets
from bot.handoff.store import ACTIVE, AWAITING_EMAIL, OFFERED, WAITING, Handoff, OutboxItem, store
from bot.settings import get_settings

logger = logging.getLogger(__name__)

POLL_SECONDS = 1.0
EXPIRE_EVERY_SECONDS = 15.0
WORKER = f"{socket.gethostname()}:{os.getpid()}"


def _agent() -> Any:
    """The agent of this process's Rasa app, or None before it is loaded."""
    from sanic import Sanic

    return next(
        (app.ctx.agent for app in Sanic._app_registry.values() if getattr(app.ctx, "agent", None) is not None), None
    )


def _bot_event(reply: Reply, metadata: Dict[str, Any]) -> Any:
    from rasa.shared.core.events import BotUttered

    data: Dict[str, Any] = {}
    if reply.buttons:
        data["buttons"] = [button.as_dict() for button in reply.buttons]
    return BotUttered(reply.text, data=data, metadata=metadata)


async def _append(
    agent: Any, sender_id: str, message: Optional[UserMessage], bot: Sequence[Any], parse: Optional[Dict] = None,
) -> Optional[Dict]:
    """Write a user message (parsed, but not answered) and bot events into the tracker, under its lock.

    Returns:
        The message's parse, or None when there was no message.
    """
    from rasa.shared.core.events import ActionExecuted, UserUttered

    processor = agent.processor
    async with agent.lock_store.lock(sender_id):
        output = message.output_channel if message is not None else CollectingOutputChannel()
        metadata = message.metadata if message is not None else None
        tracker = await processor.fetch_tracker_and_update_session(sender_id, output, metadata)
        if message is not None:
            if parse is None:  # not parsed yet for the consent steps' decision
                parse = await processor.parse_message(message, tracker)
            tracker.update(UserUttered(
                message.text, parse.get("intent"), parse.get("entities"), parse,
                input_channel=message.input_channel, message_id=message.message_id, metadata=message.metadata,
            ))
            tracker.update(ActionExecuted("action_listen"))
        for event in bot:
            tracker.update(event)
        await processor.save_tracker(tracker)
    return parse


async def _say(output: OutputChannel, sender_id: str, reply: Reply) -> None:
    if reply.buttons:
        await output.send_text_with_buttons(sender_id, reply.text, [button.as_dict() for button in reply.buttons])
    else:
        await output.send_text_message(sender_id, reply.text)


async def _answer(
    agent: Any, message: UserMessage, replies_: Sequence[Reply], parse: Optional[Dict] = None, **metadata: Any,
) -> Optional[Dict]:
    """Record the message (with ``parse`` when it was parsed already) and the replies, then send the replies."""
    events = [_bot_event(reply, {"outcome": "handoff", **metadata}) for reply in replies_]
    parse = await _append(agent, message.sender_id, message, events, parse)
    for reply in replies_:
        await _say(message.output_channel, message.sender_id, reply)
    return parse


#: A message ends a handoff when its intent is one of these and ``goodbye`` has at least
#: :data:`GOODBYE_MIN` in the ranking. Measured on the model of 2026-12-06: thanks with a bye are
#: read as ``thank`` with ``goodbye`` 0.08-0.40 ("gracias, adiós" 0.08, "ok thanks, bye" 0.13,
#: "danke, tschüss" 0.12, "дякую, бувай" 0.39); thanks alone have 0.001 or less ("ok thanks",
#: "mange tak", "thank you so much"), and "thanks, and what about the tax card?" 0.000. The first
#: threshold, 0.15, missed "ok thanks, bye" once the intent model was retrained.
CLOSING_INTENTS = frozenset({"goodbye", "thank", "nlu_fallback"})
GOODBYE_MIN = 0.05


def says_goodbye(parse: Optional[Dict[str, Any]]) -> bool:
    """Whether the newcomer is closing the conversation with the person ("thanks, bye", "bye")."""
    if _intent(parse) not in CLOSING_INTENTS:
        return False
    ranking = (parse or {}).get("intent_ranking") or []
    goodbye = max((float(item.get("confidence") or 0.0) for item in ranking if item.get("name") == "goodbye"),
                  default=0.0)
    return _intent(parse) == "goodbye" or goodbye >= GOODBYE_MIN


def _intent(parse: Optional[Dict[str, Any]]) -> Optional[str]:
    return ((parse or {}).get("intent") or {}).get("name")


async def _parse_only(agent: Any, message: UserMessage) -> Dict[str, Any]:
    """The parse of a message, without storing anything (button payloads parse as their intent)."""
    return dict(await agent.processor.parse_message(message))


async def intercept(message: UserMessage) -> bool:
    """Handle the message here when a handoff shapes the conversation.

    Args:
        message: The incoming message (already checked by the guard).

    Returns:
        True when the message was handled here and must not reach the assistant.
    """
    try:
        handoffs = store()
        request = await asyncio.to_thread(handoffs.current, message.sender_id)
    except Exception:  # the database is away: the assistant's own turn will report it
        logger.exception("could not read the handoff state of %s", message.sender_id)
        return False
    if request is None:
        return False
    agent = _agent()
    if agent is None or agent.processor is None:
        return False
    if request.status == WAITING:
        await asyncio.to_thread(handoffs.touch, request.id)
        return False
    if request.status == ACTIVE:
        return await _with_person(agent, message, request)
    if request.status == OFFERED:
        return await _offered(agent, message, request)
    if request.status == AWAITING_EMAIL:
        return await _awaiting_email(agent, message, request)
    return False


async def _with_person(agent: Any, message: UserMessage, request: Handoff) -> bool:
    handoffs = store()
    parse = await _append(agent, message.sender_id, message, [])
    await asyncio.to_thread(handoffs.touch, request.id)
    if says_goodbye(parse) and await asyncio.to_thread(handoffs.end, request.id, "user", (ACTIVE,)):
        reply = Reply(replies.ended_text(request.language, "user", request.taken_by, 0), kind="handoff")
        metadata = {"outcome": "handoff", "handoff": "ended", "reason": "user", "staff": request.taken_by}
        await _append(agent, message.sender_id, None, [_bot_event(reply, metadata)])
        await _say(message.output_channel, message.sender_id, reply)
    return True


async def _offered(agent: Any, message: UserMessage, request: Handoff) -> bool:
    handoffs = store()
    parse = await _parse_only(agent, message)
    intent = _intent(parse)
    language = request.language
    if intent == "affirm" and await asyncio.to_thread(handoffs.set_status, request.id, OFFERED, AWAITING_EMAIL):
        await _answer(agent, message, [replies.ask_email_reply(language)], parse, handoff=AWAITING_EMAIL)
        return True
    if intent == "deny" and await asyncio.to_thread(handoffs.end, request.id, "declined", (OFFERED,)):
        await _answer(agent, message, [replies.declined_reply(language)], parse, handoff="declined")
        return True
    await asyncio.to_thread(handoffs.end, request.id, "ignored", (OFFERED,))
    return False  # another question: the assistant answers it


async def _awaiting_email(agent: Any, message: UserMessage, request: Handoff) -> bool:
    handoffs = store()
    language = request.language
    email = replies.find_email(message.text or "")
    if email is None:
        parse = await _parse_only(agent, message)
        if _intent(parse) == "deny":
            await asyncio.to_thread(handoffs.end, request.id, "cancelled", (AWAITING_EMAIL,))
            await _answer(agent, message, [replies.declined_reply(language)], parse, handoff="cancelled")
        else:
            await asyncio.to_thread(handoffs.touch, request.id)
            await _answer(agent, message, [replies.email_missing_reply(language)], parse, handoff=AWAITING_EMAIL)
        return True
    if await asyncio.to_thread(handoffs.leave_message, request.id, message.sender_id, email):
        await _answer(agent, message, [replies.message_left_reply(language, email)], handoff="message_left")
        return True
    return False


def _outbox_text(item: OutboxItem, request: Handoff, idle_minutes: float) -> str:
    if item.kind == "message":
        return item.text or ""
    if item.kind == "joined":
        return replies.joined_text(request.language, item.staff_name or "", request.staff_language or "en")
    return replies.ended_text(request.language, item.text or "handed_back", item.staff_name, idle_minutes)


async def _record(agent: Any, item: OutboxItem) -> Optional[Dict[str, Any]]:
    """Write an outbox row into the tracker; returns the message as the channel gets it (None: gone)."""
    request = await asyncio.to_thread(store().get, item.handoff_id)
    if request is None:  # deleted with its conversation meanwhile
        return None
    text = _outbox_text(item, request, get_settings().handoff_idle_minutes)
    metadata: Dict[str, Any] = {"outcome": "handoff", "handoff": item.kind, "staff": item.staff_name}
    if item.kind == "ended":
        metadata["reason"] = item.text or "handed_back"
    payload: Dict[str, Any] = {"text": text, "handoff": True}
    if item.kind == "message":
        metadata["from_person"] = True
        payload["from_person"] = {"label": replies.person_label(request.language, item.staff_name or "")}
    await _append(agent, item.sender_id, None, [_bot_event(Reply(text), metadata)])
    return payload


async def deliver_pending(agent: Any) -> int:
    """Deliver the staff messages and notices of the sessions held by this process, and by callback.

    Returns:
        How many were delivered.
    """
    handoffs = store()
    delivered = 0
    held = sockets.sessions()
    for item in await asyncio.to_thread(handoffs.pending, held) if held else []:
        route = sockets.route(item.sender_id)
        if route is None or not await asyncio.to_thread(handoffs.claim, item.id, WORKER):
            continue
        try:
            payload = await _record(agent, item)
            if payload is not None:
                await route.sio.emit(route.event, payload, room=item.sender_id, namespace=route.namespace)
            await asyncio.to_thread(handoffs.delivered, item.id)
            delivered += 1
        except Exception:  # the next round tries again; the staff message is not lost
            logger.exception("could not deliver handoff message %s to %s", item.id, item.sender_id)
            await asyncio.to_thread(handoffs.release, item.id)
    for item, url, key_id in await asyncio.to_thread(handoffs.pending_callbacks):
        if await asyncio.to_thread(handoffs.claim, item.id, WORKER):
            delivered += await _deliver_by_callback(agent, item, url, key_id)
    return delivered


async def _deliver_by_callback(agent: Any, item: OutboxItem, url: str, key_id: str) -> int:
    """POST a staff message or notice to the signed webhook's callback, signed with the same key.

    A delivery that fails after every retry is recorded in ``undelivered_replies`` (the console's
    Undelivered page), as the webhook's own replies are: it is never lost silently.
    """
    from bot.channels.callbacks import CallbackJob, deliver, give_up

    settings = get_settings()
    handoffs = store()
    secret = dict(settings.webhook_keys).get(key_id)
    try:
        payload = await _record(agent, item)
        if payload is not None and secret is not None:
            job = CallbackJob(url=url, key_id=key_id, secret=secret, sender=item.sender_id, messages=[payload],
                              in_reply_to="")
            result = await asyncio.to_thread(deliver, job, settings)
            if not result.delivered:
                await asyncio.to_thread(give_up, job, settings, result.attempts, result.last_error or "failed")
        elif payload is not None:
            logger.warning("handoff message %s for %s not sent: webhook key %r is no longer configured",
                           item.id, item.sender_id, key_id)
        await asyncio.to_thread(handoffs.delivered, item.id)
        return 1
    except Exception:
        logger.exception("could not deliver handoff message %s to %s by callback", item.id, item.sender_id)
        await asyncio.to_thread(handoffs.release, item.id)
        return 0


async def relay_loop(app: Any) -> None:
    """Deliver staff messages every second and end silent requests (one task per Rasa worker)."""
    last_expiry = 0.0
    settings = get_settings()
    while True:
        await asyncio.sleep(POLL_SECONDS)
        agent = getattr(app.ctx, "agent", None)
        if agent is None or agent.processor is None:
            continue
        try:
            every = min(EXPIRE_EVERY_SECONDS, settings.handoff_idle_minutes * 60 / 3)
            if time.monotonic() - last_expiry >= every:
                last_expiry = time.monotonic()
                ended = await asyncio.to_thread(store().expire_silent, settings.handoff_idle_minutes)
                for request in ended:
                    logger.info("handoff %s of %s ended after %g idle minutes", request.id, request.sender_id,
                                settings.handoff_idle_minutes)
            await deliver_pending(agent)
        except asyncio.CancelledError:
            raise
        except Exception:  # a database hiccup must not end the loop
            logger.exception("handoff relay round failed")


def attach(app: Any) -> None:
    """Run :func:`relay_loop` in every worker of Rasa's app once it serves."""

    async def start(app: Any, _: Any) -> None:
        app.ctx.handoff_relay = asyncio.get_running_loop().create_task(relay_loop(app))

    async def stop(app: Any, _: Any) -> None:  # cancelled and awaited, so nothing is left pending
        task = getattr(app.ctx, "handoff_relay", None)
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    app.register_listener(start, "after_server_start")
    app.register_listener(stop, "before_server_stop")

