"""Example consumer of the assistant's event stream on RabbitMQ (see docs/integrators.md, "Event stream").

Prints one line per event: its type, the conversation (sender) id and what matters for that type
(the text of a user or bot message, the rating of a feedback, the reason of a handoff request, the
name of an action, the slot and value of a slot event). Run it beside the assistant:

    pip install pika   # already in the project's dev dependencies
    EVENT_BROKER_URL=amqp://guest:guest@127.0.0.1:5672/ python docs/examples/event_consumer.py

It declares its queue (durable) and binds it to the assistant's fanout exchange, so it may start
before or after the assistant; each consuming system should use a queue of its own (every queue
bound to the exchange gets every event). A message is acknowledged only after it was handled, so
an event is never lost when the consumer stops: it is delivered again on the next start.
Ctrl-C stops it; ``--idle-seconds`` stops it after a quiet period (for scripts and tests).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any, Dict, List, Optional

import pika

DEFAULT_URL = "amqp://guest:guest@127.0.0.1:5672/"
DEFAULT_NAME = "aalborg_assistant_events"


def describe(event: Dict[str, Any]) -> str:
    """One tab-separated line: event type, sender id, and the detail that matters for the type.

    Args:
        event: An event as published by the assistant.

    Returns:
        The line.
    """
    kind = str(event.get("event"))
    if kind in ("user", "bot"):
        detail = json.dumps(event.get("text"), ensure_ascii=False)
    elif kind == "feedback":
        detail = f"rating={event.get('rating')}"
    elif kind == "handoff_requested":
        detail = f"reason={event.get('reason')}"
    elif kind == "action":
        detail = str(event.get("name"))
    elif kind == "slot":
        detail = f"{event.get('name')}={json.dumps(event.get('value'), ensure_ascii=False)}"
    else:
        detail = ""
    return f"{kind}\t{event.get('sender_id')}\t{detail}"


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    """The command line; defaults come from the assistant's own variables."""
    queues = (os.environ.get("EVENT_BROKER_QUEUE") or DEFAULT_NAME).split(",")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=os.environ.get("EVENT_BROKER_URL") or DEFAULT_URL, help="amqp:// URL")
    parser.add_argument("--queue", default=queues[0].strip(), help="queue to read (default: EVENT_BROKER_QUEUE)")
    parser.add_argument(
        "--exchange", default=os.environ.get("EVENT_BROKER_EXCHANGE") or DEFAULT_NAME, help="exchange to bind to"
    )
    parser.add_argument("--idle-seconds", type=float, default=None, help="stop after this long without an event")
    return parser.parse_args(argv)


def main(argv: Optional[List[str]] = None) -> int:
    """Consume and print events until Ctrl-C (or ``--idle-seconds`` without one).

    Args:
        argv: Command-line arguments (``sys.argv`` when omitted).

    Returns:
        The exit code.
    """
    args = parse_args(argv)
    try:
        connection = pika.BlockingConnection(pika.URLParameters(args.url))
    except pika.exceptions.AMQPError as error:
        print(f"error: cannot connect to RabbitMQ ({type(error).__name__}); check --url", file=sys.stderr)
        return 1
    channel = connection.channel()
    # The same declarations as the assistant's (Rasa's PikaEventBroker), so either may start first.
    channel.exchange_declare(args.exchange, exchange_type="fanout", durable=False)
    channel.queue_declare(args.queue, durable=True)
    channel.queue_bind(args.queue, args.exchange)
    print(f"listening on queue {args.queue!r} (exchange {args.exchange!r})", file=sys.stderr, flush=True)
    try:
        for method, _properties, body in channel.consume(args.queue, inactivity_timeout=args.idle_seconds):
            if method is None:  # --idle-seconds passed without an event
                break
            try:
                line = describe(json.loads(body))
            except ValueError:
                line = f"(not JSON)\t\t{body[:80]!r}"
            print(line, flush=True)
            channel.basic_ack(method.delivery_tag)
    except KeyboardInterrupt:
        pass
    finally:
        if connection.is_open:
            connection.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
