"""Processes starting together on a new SQLite file all get their tables (two Rasa workers, issue #15)."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

import sqlalchemy as sa

from bot.stores.tracker_store import create_tables

PROCESSES = 6


def _create(url: str, barrier: multiprocessing.synchronize.Barrier, failures: multiprocessing.Queue) -> None:
    barrier.wait()
    try:
        create_tables(url)
    except Exception as error:  # reported to the parent, which fails the test
        failures.put(repr(error))


def test_workers_creating_the_tables_at_once_all_succeed(tmp_path: Path) -> None:
    context = multiprocessing.get_context("fork")
    for round_ in range(5):
        url = f"sqlite:///{tmp_path / f'tracker-{round_}.db'}"
        barrier, failures = context.Barrier(PROCESSES), context.Queue()
        processes = [context.Process(target=_create, args=(url, barrier, failures)) for _ in range(PROCESSES)]
        for process in processes:
            process.start()
        for process in processes:
            process.join(60)
        errors = []
        while not failures.empty():
            errors.append(failures.get())
        assert errors == [], errors
        engine = sa.create_engine(url)
        assert {"events", "conversation_owners"} <= set(sa.inspect(engine).get_table_names())
        engine.dispose()
