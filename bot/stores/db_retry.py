"""Database operations that survive a dropped connection: retried on a fresh one, then failed loudly.

A PostgreSQL connection can die at any moment: a failover or restart, an idle-connection cut by
a proxy, ``pg_terminate_backend``. SQLAlchemy's ``pool_pre_ping`` replaces a dead connection when
it is taken from the pool, but not one that dies while in use (measured in issue #20: a turn
whose connection was cut between checkout and commit). So every database operation of the
tracker store and of the web app runs through :func:`retry_async` or :func:`retry_sync`:

* an error that means "the connection or the server is not usable now" (SQLAlchemy's
  ``OperationalError``, ``InterfaceError`` or any ``DBAPIError`` that invalidated its connection)
  is retried on a fresh connection, after 0.1 s, doubling up to 2 s between attempts, for at most
  ``DB_RETRY_SECONDS`` (default 10) in all;
* any other error (a bug, a constraint) is raised at once: retrying would not change it;
* when the time is up, :class:`StoreUnavailable` is raised and counted in
  ``assistant_store_errors_total``; the caller fails the turn or request visibly. Nothing falls
  back to memory (Rasa's ``FailSafeTrackerStore`` would, and lose the turn silently).

An operation must be safe to run twice: the tracker store's write is one transaction that
computes what is missing from what is stored, so a commit that reached the database before the
connection died is not written again.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Awaitable, Callable, TypeVar

import sqlalchemy as sa

logger = logging.getLogger(__name__)

T = TypeVar("T")
FIRST_PAUSE = 0.1
MAX_PAUSE = 2.0


class StoreUnavailable(RuntimeError):
    """The database could not be used within ``DB_RETRY_SECONDS``."""


def is_transient(error: BaseException) -> bool:
    """Whether ``error`` means the connection or the server was not usable (worth a new attempt)."""
    if isinstance(error, (sa.exc.OperationalError, sa.exc.InterfaceError)):
        return True
    return isinstance(error, sa.exc.DBAPIError) and bool(error.connection_invalidated)


def _describe(error: BaseException) -> str:
    original = getattr(error, "orig", None) or error
    lines = str(original).strip().splitlines()
    return f"{type(original).__name__}: {lines[0] if lines else 'no detail'}"


def _retry_or_raise(store: str, operation: str, error: Exception, last_start: float, seconds: float) -> None:
    """Decide after a failed attempt: return to retry (counted, logged), or raise.

    Args:
        store: Metrics label.
        operation: Metrics label and log text.
        error: What the attempt raised.
        last_start: The latest monotonic time at which another attempt may start.
        seconds: The time limit, for the message.

    Raises:
        Exception: ``error`` itself when it is not about the connection.
        StoreUnavailable: When no time is left for another attempt (counted, logged at ERROR).
    """
    from bot import metrics

    if not is_transient(error):
        raise error
    if time.monotonic() > last_start:
        metrics.STORE_ERRORS.labels(store=store, operation=operation).inc()
        message = f"{store} store: {operation} failed for {seconds:g}s (DB_RETRY_SECONDS): {_describe(error)}"
        logger.error(message)
        raise StoreUnavailable(message) from error
    metrics.STORE_RETRIES.labels(store=store).inc()
    logger.warning("%s store: %s failed (%s); retrying on a new connection", store, operation, _describe(error))


async def retry_async(store: str, operation: str, work: Callable[[], Awaitable[T]], seconds: float) -> T:
    """Run ``work`` until it succeeds, retrying transient database errors for ``seconds``.

    Args:
        store: ``tracker`` or ``web`` (metrics label).
        operation: What is being done, e.g. ``save`` (metrics label, log line).
        work: A fresh coroutine per attempt.
        seconds: Time limit for all attempts.

    Returns:
        What ``work`` returned.

    Raises:
        StoreUnavailable: If the database stayed unusable.
    """
    deadline = time.monotonic() + seconds
    pause = FIRST_PAUSE
    while True:
        try:
            return await work()
        except Exception as error:
            _retry_or_raise(store, operation, error, deadline - pause, seconds)
        await asyncio.sleep(pause)
        pause = min(pause * 2, MAX_PAUSE)


def retry_sync(store: str, operation: str, work: Callable[[], T], seconds: float) -> T:
    """:func:`retry_async` for blocking code (the web app's database calls run in threads).

    Args:
        store: ``tracker`` or ``web`` (metrics label).
        operation: What is being done (metrics label, log line).
        work: The operation; called again for every attempt.
        seconds: Time limit for all attempts.

    Returns:
        What ``work`` returned.

    Raises:
        StoreUnavailable: If the database stayed unusable.
    """
    deadline = time.monotonic() + seconds
    pause = FIRST_PAUSE
    while True:
        try:
            return work()
        except Exception as error:
            _retry_or_raise(store, operation, error, deadline - pause, seconds)
        time.sleep(pause)
        pause = min(pause * 2, MAX_PAUSE)


async def in_thread(store: str, operation: str, work: Callable[[], T], seconds: float) -> T:
    """Run blocking ``work`` in a worker thread with :func:`retry_sync` (the web app's database calls).

    Args:
        store: Metrics label (``web``).
        operation: What is being done (metrics label, log line).
        work: The blocking operation, one transaction, safe to run again.
        seconds: Time limit for all attempts.

    Returns:
        What ``work`` returned.

    Raises:
        StoreUnavailable: If the database stayed unusable.
    """
    return await asyncio.get_running_loop().run_in_executor(
        None, lambda: retry_sync(store, operation, work, seconds)
    )
