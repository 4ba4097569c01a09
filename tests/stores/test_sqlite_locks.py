"""Locks and nonces shared by the workers of one machine in SQLite (bot.stores.sqlite_locks).

Real processes, as Sanic's forked workers are: tickets are never issued twice, one
conversation's turns never overlap, a nonce is accepted once.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import time
from pathlib import Path

from bot.stores.sqlite_locks import SQLiteLockStore, SQLiteNonceStore

PROCESSES = 4


def _issue(path: str, conversation: str, count: int, queue: multiprocessing.Queue) -> None:
    store = SQLiteLockStore(Path(path))
    queue.put([store.issue_ticket(conversation, 60) for _ in range(count)])


def _turns(path: str, conversation: str, name: str, count: int, log: str) -> None:
    store = SQLiteLockStore(Path(path))

    async def run() -> None:
        for _ in range(count):
            async with store.lock(conversation, wait_time_in_seconds=0.005):
                with open(log, "a") as handle:
                    handle.write(f"{name} in {time.monotonic()}\n")
                await asyncio.sleep(0.01)
                with open(log, "a") as handle:
                    handle.write(f"{name} out {time.monotonic()}\n")

    asyncio.run(run())


def _claim(path: str, nonce: str, queue: multiprocessing.Queue) -> None:
    queue.put(asyncio.run(SQLiteNonceStore(Path(path)).claim("key", nonce, 300)))


def test_workers_never_get_the_same_ticket(tmp_path):
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    path = str(tmp_path / "workers.db")
    processes = [context.Process(target=_issue, args=(path, "c1", 25, queue)) for _ in range(PROCESSES)]
    for process in processes:
        process.start()
    tickets = [ticket for _ in processes for ticket in queue.get(timeout=60)]
    for process in processes:
        process.join(timeout=60)
    assert sorted(tickets) == list(range(PROCESSES * 25))


def test_one_conversations_turns_never_overlap_across_workers(tmp_path):
    context = multiprocessing.get_context("fork")
    path, log = str(tmp_path / "workers.db"), tmp_path / "turns.log"
    processes = [context.Process(target=_turns, args=(path, "c2", f"w{index}", 5, str(log)))
                 for index in range(PROCESSES)]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=120)
        assert process.exitcode == 0
    lines = [line.split() for line in log.read_text().splitlines()]
    assert len(lines) == PROCESSES * 5 * 2
    # Strictly alternating: every "in" is followed by the same worker's "out".
    for entered, left in zip(lines[::2], lines[1::2], strict=True):
        assert entered[1] == "in" and left[1] == "out" and entered[0] == left[0]
    assert SQLiteLockStore(Path(path)).get_lock("c2") is None  # the last turn removed the lock


def test_other_conversations_do_not_wait(tmp_path):
    store = SQLiteLockStore(tmp_path / "workers.db")

    async def both() -> list:
        order = []

        async def turn(conversation: str, hold: float) -> None:
            async with store.lock(conversation, wait_time_in_seconds=0.005):
                order.append(f"{conversation} in")
                await asyncio.sleep(hold)
                order.append(f"{conversation} out")

        await asyncio.gather(turn("a", 0.2), turn("b", 0.01))
        return order

    assert asyncio.run(both()) == ["a in", "b in", "b out", "a out"]


def test_a_nonce_is_accepted_by_exactly_one_worker(tmp_path):
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    path = str(tmp_path / "workers.db")
    processes = [context.Process(target=_claim, args=(path, "n" * 16, queue)) for _ in range(PROCESSES)]
    for process in processes:
        process.start()
    results = [queue.get(timeout=60) for _ in processes]
    for process in processes:
        process.join(timeout=60)
    assert sorted(results) == [False] * (PROCESSES - 1) + [True]


def test_a_nonce_is_new_again_after_its_time_to_live(tmp_path):
    clock = [1000.0]
    store = SQLiteNonceStore(tmp_path / "workers.db", clock=lambda: clock[0])
    assert asyncio.run(store.claim("key", "abc", 300)) is True
    assert asyncio.run(store.claim("key", "abc", 300)) is False
    assert asyncio.run(store.claim("other-key", "abc", 300)) is True  # nonces are per key
    clock[0] += 301
    assert asyncio.run(store.claim("key", "abc", 300)) is True


def test_the_file_never_holds_a_sender_id(tmp_path):
    """A sender id can be a phone number: locks are keyed by its digest and deleted rows overwritten."""
    store = SQLiteLockStore(tmp_path / "workers.db")
    sender = "whatsapp:+4512345678"

    async def turn() -> None:
        async with store.lock(sender, wait_time_in_seconds=0.005):
            assert store.get_lock(sender) is not None
            assert store.get_lock(sender).conversation_id == sender
            raw = b"".join(path.read_bytes() for path in tmp_path.glob("workers.db*"))
            assert sender.encode() not in raw and b"12345678" not in raw

    asyncio.run(turn())
    assert store.get_lock(sender) is None
