"""Simulated users for the benchmark: conversations over the REST channel, timed per message.

Every simulated user holds its own conversations (a new sender id per conversation) of
``TURNS`` messages drawn from one language of the held-out test set (``tests/nlu_holdout``),
so the messages were never seen in training. Every answer is checked to be non-empty; an empty
answer or an HTTP error counts as a failure and is reported, never silently dropped.
"""

from __future__ import annotations

import asyncio
import random
import statistics
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Sequence, Tuple

import aiohttp
import yaml

TURNS = 6
ROOT = Path(__file__).resolve().parents[1]
HOLDOUT_DIR = ROOT / "tests" / "nlu_holdout"


@dataclass(frozen=True)
class Example:
    language: str
    intent: str
    text: str


def load_examples(holdout_dir: Path = HOLDOUT_DIR) -> List[Example]:
    """Every held-out example, in a fixed order."""
    examples: List[Example] = []
    for path in sorted(holdout_dir.glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for block in data.get("nlu", []):
            for line in str(block.get("examples", "")).splitlines():
                text = line.strip()
                if text.startswith("- "):
                    examples.append(Example(path.stem, str(block["intent"]), text[2:].strip()))
    return examples


def conversations(examples: Sequence[Example], seed: int) -> ConversationSource:
    return ConversationSource(examples, random.Random(seed))


class ConversationSource:
    """Endless conversations: each picks one language and TURNS of its messages at random."""

    def __init__(self, examples: Sequence[Example], rng: random.Random) -> None:
        self.rng = rng
        self.by_language: Dict[str, List[Example]] = {}
        for example in examples:
            self.by_language.setdefault(example.language, []).append(example)
        self.languages = sorted(self.by_language)

    def next(self) -> List[str]:
        language = self.rng.choice(self.languages)
        return [example.text for example in self.rng.sample(self.by_language[language], TURNS)]


@dataclass
class Samples:
    """Latencies (seconds) of answered messages, and failures."""

    latencies: List[float] = field(default_factory=list)
    failures: List[str] = field(default_factory=list)
    #: Answers that were empty but allowed (the ``rasa init`` demo has no answer to some turns).
    empty: int = 0
    elapsed: float = 0.0
    #: (sender, text) of every answered message, in the order the answers came.
    answered: List[Tuple[str, str]] = field(default_factory=list)

    def percentile(self, q: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
        return ordered[index]

    def summary(self) -> Dict[str, float]:
        return {
            "messages": len(self.latencies),
            "failures": len(self.failures),
            "empty_answers": self.empty,
            "p50_ms": round(self.percentile(50) * 1000, 2),
            "p95_ms": round(self.percentile(95) * 1000, 2),
            "p99_ms": round(self.percentile(99) * 1000, 2),
            "mean_ms": round(statistics.fmean(self.latencies) * 1000, 2) if self.latencies else float("nan"),
            "elapsed_s": round(self.elapsed, 2),
            "throughput_per_s": round(len(self.latencies) / self.elapsed, 2) if self.elapsed else 0.0,
        }


async def send(session: aiohttp.ClientSession, url: str, sender: str, text: str, samples: Samples,
               allow_empty: bool = False) -> None:
    """Send one message; record its latency or the failure.

    ``allow_empty``: an empty answer list is timed and counted in ``samples.empty`` instead of
    failing (for the ``rasa init`` demo, whose policies sometimes predict only ``action_listen``).
    """
    started = time.perf_counter()
    try:
        async with session.post(url, json={"sender": sender, "message": text}) as response:
            body = await response.json(content_type=None)
            took = time.perf_counter() - started
            if response.status != 200:
                samples.failures.append(f"HTTP {response.status}: {str(body)[:120]}")
            elif not isinstance(body, list):
                samples.failures.append(f"not a list of messages: {str(body)[:120]}")
            elif not any((m.get("text") or m.get("buttons")) for m in body):
                if allow_empty:
                    samples.empty += 1
                    samples.latencies.append(took)
                else:
                    samples.failures.append(f"empty answer to {text!r}")
            else:
                samples.latencies.append(took)
                samples.answered.append((sender, text))
    except (aiohttp.ClientError, asyncio.TimeoutError) as error:
        samples.failures.append(f"{type(error).__name__}: {error}")


async def _user(session: aiohttp.ClientSession, url: str, source: ConversationSource, deadline: float,
                samples: Samples, allow_empty: bool) -> None:
    while time.perf_counter() < deadline:
        sender = uuid.uuid4().hex
        for text in source.next():
            if time.perf_counter() >= deadline:
                return
            await send(session, url, sender, text, samples, allow_empty)


async def run_users(url: str, examples: Sequence[Example], users: int, seconds: float, seed: int = 1,
                    keepalive: bool = True, allow_empty: bool = False) -> Samples:
    """``users`` simulated users at once, each holding conversations for ``seconds``.

    With ``keepalive=False`` every message opens its own connection, so that the server's workers
    (which share one listening socket) each get a share; kept-alive connections all went to the
    worker that accepted first (measured in tests/e2e/test_faults.py).
    """
    samples = Samples()
    timeout = aiohttp.ClientTimeout(total=120)
    connector = aiohttp.TCPConnector(limit=users + 5, force_close=not keepalive)
    async with aiohttp.ClientSession(timeout=timeout, connector=connector) as session:
        started = time.perf_counter()
        deadline = started + seconds
        await asyncio.gather(
            *(_user(session, url, conversations(examples, seed * 1000 + n), deadline, samples, allow_empty)
              for n in range(users))
        )
        samples.elapsed = time.perf_counter() - started
    return samples


async def run_sequential(url: str, messages: Sequence[Tuple[str, str]], allow_empty: bool = False,
                         keepalive: bool = True) -> Samples:
    """Send (sender, text) pairs one after another (``keepalive=False``: a connection each)."""
    samples = Samples()
    connector = aiohttp.TCPConnector(force_close=not keepalive)
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=120), connector=connector) as session:
        started = time.perf_counter()
        for sender, text in messages:
            await send(session, url, sender, text, samples, allow_empty)
        samples.elapsed = time.perf_counter() - started
    return samples


def one_user_messages(examples: Sequence[Example], conversations_count: int, seed: int) -> List[Tuple[str, str]]:
    """Messages of ``conversations_count`` consecutive 6-turn conversations of one user."""
    source = conversations(examples, seed)
    pairs: List[Tuple[str, str]] = []
    for _ in range(conversations_count):
        sender = uuid.uuid4().hex
        pairs.extend((sender, text) for text in source.next())
    return pairs


def long_conversation(examples: Sequence[Example], turns: int, seed: int, edge: int = 20) -> List[Tuple[str, str]]:
    """One conversation of ``turns`` messages (one sender), languages mixed as they come.

    Its last ``edge`` messages repeat its first ``edge``, in the same order, so that the ratio of
    their latencies measures what the conversation's length costs, not which questions happened to
    come last: a topic answer costs more than a "thanks" (until 2026-12-05 the two ends were
    different random messages, and the ratio moved with the answers' mix: docs/benchmarks.md).
    """
    rng = random.Random(seed)
    sender = uuid.uuid4().hex
    texts = [rng.choice(examples).text for _ in range(turns - edge)]
    return [(sender, text) for text in (*texts, *texts[:edge])]


async def parse_accuracy(base_url: str, token: str, examples: Sequence[Example], concurrency: int = 4) -> Dict:
    """Intent accuracy of the running model on the held-out set (``POST /model/parse``)."""
    correct: Dict[str, List[int]] = {}
    semaphore = asyncio.Semaphore(concurrency)
    errors: List[str] = []

    async def one(session: aiohttp.ClientSession, example: Example) -> None:
        url = f"{base_url}/model/parse?token={token}"
        async with semaphore, session.post(url, json={"text": example.text}) as response:
            body = await response.json(content_type=None)
            if response.status != 200:
                errors.append(f"HTTP {response.status}")
                return
            predicted = (body.get("intent") or {}).get("name")
            correct.setdefault(example.language, []).append(int(predicted == example.intent))

    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=120)) as session:
        await asyncio.gather(*(one(session, example) for example in examples))
    hits = [hit for values in correct.values() for hit in values]
    return {
        "examples": len(hits),
        "errors": len(errors),
        "accuracy": round(sum(hits) / len(hits), 4) if hits else 0.0,
        "per_language": {lang: round(sum(v) / len(v), 4) for lang, v in sorted(correct.items())},
    }
