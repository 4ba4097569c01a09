"""Parallel requests: the login throttle holds, and a double submit of a review form is no error.

Through the real web app on SQLite and PostgreSQL; the review writes are also raced directly,
with many threads released at the same moment, which makes a check-then-insert race likely.
"""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, Dict, List

import requests
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bot.console import review_db
from bot.console.accounts_db import login_attempts
from bot.console.login import THROTTLED
from bot.console.throttle import PAIR_FAILURES as MAX_FAILURES
from tests.console.conftest import Console, csrf_from, unique
from tests.console.review_data import write_dataset

PARALLEL = 20


def at_once(count: int, task: Callable[[int], Any]) -> List[Any]:
    """Run ``task(0..count-1)`` in ``count`` threads released together; their results in order."""
    barrier = threading.Barrier(count)

    def run(index: int) -> Any:
        barrier.wait()
        return task(index)

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(run, range(count)))


def ensure_dataset(console: Console) -> None:
    with console.engine.connect() as connection:
        if console.engine.dialect.has_table(connection, "events"):
            return
    write_dataset(console.db_url)


def test_parallel_wrong_passwords_cannot_pass_the_throttle(fresh_attempts: Console) -> None:
    console = fresh_attempts
    name = console.add_user("viewer")
    forms = []
    for _ in range(PARALLEL):  # every browser opens the form first (its own login CSRF cookie)
        session = requests.Session()
        console.sessions.append(session)
        page = session.get(console.url("/console/login"), timeout=10)
        forms.append((session, csrf_from(page.text)))

    def attempt(index: int) -> requests.Response:
        session, token = forms[index]
        data = {"csrf_token": token, "name": name, "password": "wrong password here"}
        return session.post(console.url("/console/login"), data=data, allow_redirects=False, timeout=60)

    responses = at_once(PARALLEL, attempt)
    statuses = Counter(response.status_code for response in responses)
    assert set(statuses) <= {401, 429}, statuses
    assert 1 <= statuses[401] <= MAX_FAILURES, statuses  # past the throttle: at most 5
    assert statuses[429] == PARALLEL - statuses[401]
    assert all(THROTTLED in response.text for response in responses if response.status_code == 429)
    with console.engine.connect() as connection:
        failures = connection.execute(
            sa.select(sa.func.count()).select_from(login_attempts).where(
                login_attempts.c.name == name, login_attempts.c.success.is_(False)
            )
        ).scalar_one()
    assert failures == statuses[401]  # refused attempts do not extend the lock
    assert console.login(name)[1].status_code == (429 if statuses[401] == MAX_FAILURES else 303)


def test_a_successful_login_is_not_counted_as_a_failure(fresh_attempts: Console) -> None:
    console = fresh_attempts
    name = console.add_user("viewer")
    for _ in range(MAX_FAILURES + 2):
        assert console.login(name)[1].status_code == 303
    with console.engine.connect() as connection:
        rows = connection.execute(sa.select(login_attempts.c.success).where(login_attempts.c.name == name)).all()
    assert [row.success for row in rows] == [True] * (MAX_FAILURES + 2)


def test_double_submitted_tag_and_review_forms_both_succeed(console: Console) -> None:
    ensure_dataset(console)
    session, _, token = console.signed_in("reviewer")

    def post(path: str, data: Dict[str, str]) -> List[int]:
        """The statuses of the same form posted twice at the same moment."""
        def send(_: int) -> requests.Response:
            return session.post(console.url(path), data={"csrf_token": token, **data}, allow_redirects=False,
                                timeout=30)

        return [response.status_code for response in at_once(2, send)]

    for round_number in range(5):
        tag = unique(f"double-{round_number}-")
        assert post("/console/conversations/alice/tags", {"tag": tag}) == [303, 303]
        assert review_db.tags_for(console.engine, ["alice"])["alice"].count(tag) == 1
        assert post("/console/conversations/alice/review", {"reviewed": "yes"}) == [303, 303]
        assert review_db.review_of(console.engine, "alice") is not None
        review_db.set_reviewed(console.engine, "alice", False, "rita")


def race_review_writes(engine: Engine, sender: str, tag: str) -> None:
    """Eight reviewers tag and mark the same conversation at the same moment, then unmark it."""
    at_once(8, lambda index: review_db.add_tag(engine, sender, tag, f"user{index}"))
    assert review_db.tags_for(engine, [sender]) == {sender: [tag]}
    at_once(8, lambda index: review_db.set_reviewed(engine, sender, True, f"user{index}"))
    review = review_db.review_of(engine, sender)
    assert review is not None and review.reviewed_by.startswith("user")
    with engine.connect() as connection:
        count = connection.execute(
            sa.select(sa.func.count()).select_from(review_db.reviews).where(review_db.reviews.c.sender_id == sender)
        ).scalar_one()
    assert count == 1
    at_once(4, lambda index: review_db.set_reviewed(engine, sender, index % 2 == 0, f"user{index}"))
    at_once(4, lambda _: review_db.set_reviewed(engine, sender, False, "rita"))
    assert review_db.review_of(engine, sender) is None


def test_racing_review_writes_never_fail(console: Console) -> None:
    for round_number in range(10):
        race_review_writes(console.engine, unique("race-"), f"tag {round_number}")
