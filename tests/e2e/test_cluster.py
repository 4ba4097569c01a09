"""``make cluster`` for real: nginx in front of two Rasa servers and two action servers (issue 14).

The cluster runs on this machine's PostgreSQL (a fresh database), Redis and RabbitMQ, started by
the real runner (``python -m bot.cluster``) on free ports. The tests prove that any replica can
serve any turn (turns of one conversation sent alternately to both replicas directly, not through
nginx), that killing a Rasa replica under load loses no answered message and keeps the order of
each conversation, that the survivor keeps answering and the killed replica comes back, and that
PostgreSQL connections dropped by the server are survived without a restart.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterator, List, Optional

import pytest
import requests
import sqlalchemy as sa
import yaml

from tests.databases import fresh_postgres_url
from tests.e2e.conftest import ROOT, START_TIMEOUT, reply_text
from tests.e2e.test_socketio import WidgetClient
from tests.rabbitmq import RABBITMQ_URL, delete, unique_name

sys.path.insert(0, str(ROOT / "bench"))
from cluster import free_block

pytestmark = pytest.mark.e2e

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
QUESTIONS = yaml.safe_load((Path(__file__).parent / "questions_en.yml").read_text(encoding="utf-8"))["questions"]
CONVERSATIONS = 20
TURNS = 8


@dataclass
class Cluster:
    process: subprocess.Popen
    ports: Dict[str, int]
    var_dir: Path
    database_url: str
    lines: List[str] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.ports['CLUSTER_PORT']}"

    def replica(self, n: int) -> str:
        return f"http://127.0.0.1:{self.ports['RASA_PORT'] + n}"

    @property
    def token(self) -> str:
        return (self.var_dir / "rasa-api-token").read_text().strip()

    def ask(self, base: str, message: str, sender: str, timeout: float = 60) -> List[Dict]:
        response = requests.post(
            f"{base}/webhooks/rest/webhook", json={"sender": sender, "message": message}, timeout=timeout
        )
        assert response.status_code == 200, response.text
        return response.json()

    def tracker(self, sender: str) -> Dict:
        response = requests.get(f"{self.url}/conversations/{sender}/tracker", params={"token": self.token}, timeout=30)
        assert response.status_code == 200, response.text
        return response.json()

    def pid(self, name: str) -> int:
        """The pid of the runner's child whose command line holds ``--port <port>`` of replica ``name``."""
        n = int(name.split("-")[1])
        port = str(self.ports["RASA_PORT"] + n)
        kids: List[int] = []
        for task in Path(f"/proc/{self.process.pid}/task").iterdir():
            kids += [int(pid) for pid in (task / "children").read_text().split()]
        for pid in kids:
            args = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
            if b"bot.rasa_server" in args and b"--port" in args and args[args.index(b"--port") + 1].decode() == port:
                return pid
        raise AssertionError(f"no process for {name} among {kids}")

    def wait_for_line(self, text: str, after: int, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if any(text in line for line in self.lines[after:]):
                return
            time.sleep(0.2)
        raise AssertionError(f"no line with {text!r} within {timeout}s:\n" + "\n".join(self.lines[after:][-30:]))


@pytest.fixture(scope="module")
def cluster(tmp_path_factory) -> Iterator[Cluster]:
    var_dir = tmp_path_factory.mktemp("cluster")
    queue = unique_name("cluster_events")
    with fresh_postgres_url() as database_url:
        ports = {
            "RASA_PORT": free_block(3), "ACTION_PORT": free_block(3), "WEB_PORT": free_block(1),
            "CLUSTER_PORT": free_block(1),
        }
        env = {k: v for k, v in os.environ.items() if k not in ("RASA_API_TOKEN", "ACTION_ENDPOINT_URL")}
        env.update({name: str(port) for name, port in ports.items()})
        env.update({
            "VAR_DIR": str(var_dir), "PYTHONUNBUFFERED": "1", "TRACKER_DB_URL": database_url,
            "REDIS_URL": REDIS_URL, "EVENT_BROKER_URL": RABBITMQ_URL, "EVENT_BROKER_QUEUE": queue,
        })
        process = subprocess.Popen(
            [sys.executable, "-m", "bot.cluster", "--no-train"], cwd=ROOT, env=env, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, text=True, bufsize=1,
        )
        running = Cluster(process, ports, var_dir, database_url)
        ready = threading.Event()

        def pump() -> None:
            assert process.stdout is not None
            for line in process.stdout:
                running.lines.append(line.rstrip())
                if "| READY" in line:
                    ready.set()

        threading.Thread(target=pump, daemon=True).start()
        deadline = time.monotonic() + START_TIMEOUT
        while not ready.wait(0.5):
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                pytest.fail("the cluster did not start:\n" + "\n".join(running.lines[-40:]))
        try:
            yield running
        finally:
            process.send_signal(signal.SIGINT)
            try:
                code = process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
                code = -9
            delete(queue, "rasa")
        assert code == 0, "\n".join(running.lines[-20:])
        assert any("all servers stopped" in line for line in running.lines[-10:])


def user_texts(tracker: Dict) -> List[str]:
    return [event["text"] for event in tracker["events"] if event["event"] == "user"]


def test_nginx_serves_the_widget_page_and_the_rest_channel(cluster):
    page = requests.get(f"{cluster.url}/", timeout=10)
    assert page.status_code == 200 and f"http://localhost:{cluster.ports['CLUSTER_PORT']}" in page.text
    assert requests.get(f"{cluster.url}/health", timeout=10).json() == {"status": "ok"}
    text = reply_text(cluster.ask(cluster.url, QUESTIONS[1]["q"], uuid.uuid4().hex))
    assert all(fact in text for fact in QUESTIONS[1]["expect"]), "\n".join(cluster.lines[-60:])
    # Metrics and readiness are not served on the public entry point.
    assert requests.get(f"{cluster.url}/metrics", timeout=10).status_code == 404
    assert requests.get(f"{cluster.url}/ready", timeout=10).status_code == 404


def test_turns_sent_alternately_to_both_replicas_keep_language_and_topic(cluster):
    sender = uuid.uuid4().hex
    first = reply_text(cluster.ask(cluster.replica(1), "how do I get a tax card?", sender))
    assert "Contact details for International House North Denmark" not in first
    follow_up = reply_text(cluster.ask(cluster.replica(2), "and what's their phone number?", sender))
    assert "+45 72 22 28 92" in follow_up  # the tax agency's number: the topic came from replica 1
    danish = uuid.uuid4().hex
    cluster.ask(cluster.replica(2), "Hvad er telefonnummeret til International House North Denmark?", danish)
    # A message with no language of its own keeps the conversation's: Danish, set on the other replica.
    reply = reply_text(cluster.ask(cluster.replica(1), "IHND?", danish))
    tracker = cluster.tracker(danish)
    assert tracker["slots"]["language"] == "da", reply
    # The follow-up asked for "their" number after the tax card: the tax agency, whose card answers
    # for it, is now the topic (actions/contacts.py), found from the topic replica 1 set.
    assert cluster.tracker(sender)["slots"]["topic"] == "tax_agency"


@dataclass
class Sent:
    conversation: str
    text: str
    at: float
    answered: bool
    error: Optional[str] = None


def test_a_conversation_belongs_to_its_owner_on_both_replicas(cluster):
    """Issue 19: the owner's secret decides, whichever replica a socket or a REST call reaches."""
    visitor = WidgetClient(cluster.url)  # through nginx (pinned to one replica by address)
    intruders = []
    try:
        session = visitor.start_session(uuid.uuid4().hex)
        visitor.say(session, "Where is International House North Denmark?")
        for n in (1, 2):
            for secret in (None, "wrong-secret-0123456789"):
                intruder = WidgetClient(cluster.replica(n), secret=secret or "")
                intruders.append(intruder)
                assert intruder.start_session(session, secret=secret is not None) != session
            response = requests.post(
                f"{cluster.replica(n)}/webhooks/rest/webhook",
                json={"sender": session, "message": "injected", "metadata": {"session_secret": "wrong"}}, timeout=60,
            )
            assert response.status_code == 403
            assert response.json()["error"]["code"] == "forbidden"
        visitor.replies.clear()
        visitor.say(session, "What are your opening hours?")
        time.sleep(1.0)
        assert visitor.replies
        assert all(intruder.replies == [] for intruder in intruders)
        visitor.close()
        for n in (1, 2):  # the owner comes back on either replica with the secret
            again = WidgetClient(cluster.replica(n), secret=visitor.secret)
            intruders.append(again)
            assert again.start_session(session) == session
            again.say(session, "thanks")
            assert again.replies
        assert "injected" not in user_texts(cluster.tracker(session))
        assert user_texts(cluster.tracker(session))[-2:] == ["thanks", "thanks"]
    finally:
        for client in intruders:
            client.close()
        visitor.close()


def converse(cluster: Cluster, sender: str, offset: int, log: List[Sent], lock: threading.Lock) -> None:
    for turn in range(TURNS):
        text = QUESTIONS[(offset + turn) % len(QUESTIONS)]["q"]
        started = time.monotonic()
        try:
            response = requests.post(
                f"{cluster.url}/webhooks/rest/webhook", json={"sender": sender, "message": text}, timeout=90
            )
            answered = response.status_code == 200 and bool(reply_text(response.json()).strip())
            error = None if answered else f"HTTP {response.status_code}"
        except requests.RequestException as exc:
            answered, error = False, type(exc).__name__
        with lock:
            log.append(Sent(sender, text, started, answered, error))


def test_killing_a_rasa_replica_under_load_loses_no_answered_message(cluster):
    senders = [uuid.uuid4().hex for _ in range(CONVERSATIONS)]
    log: List[Sent] = []
    lock = threading.Lock()
    mark = len(cluster.lines)
    with ThreadPoolExecutor(CONVERSATIONS) as pool:
        futures = [pool.submit(converse, cluster, sender, i * 3, log, lock) for i, sender in enumerate(senders)]
        while len(log) < CONVERSATIONS * 2:  # every conversation is under way
            time.sleep(0.05)
        killed_at = time.monotonic()
        os.kill(cluster.pid("rasa-1"), signal.SIGKILL)
        for future in futures:
            future.result()
    cluster.wait_for_line("rasa-1 exited unexpectedly (code -9)", mark, timeout=5)
    cluster.wait_for_line("rasa-1 is up again", mark, timeout=60)
    answered = [sent for sent in log if sent.answered]
    failed = [sent for sent in log if not sent.answered]
    # Only the turns that were inside the killed replica at that moment may fail (at most one per
    # conversation); everything sent a second after the kill is answered by the survivor.
    timeline = [(round(sent.at - killed_at, 2), sent.error) for sent in failed]
    nginx_log = (cluster.var_dir / "cluster" / "nginx" / "error.log").read_text()[-3000:]
    assert len(failed) <= CONVERSATIONS, (timeline, nginx_log)
    assert len({sent.conversation for sent in failed}) == len(failed), timeline  # at most one each
    assert [sent for sent in failed if sent.at > killed_at + 1.0] == []
    assert len(log) == CONVERSATIONS * TURNS
    for sender in senders:
        stored = user_texts(cluster.tracker(sender))
        sent = [item.text for item in sorted(log, key=lambda item: item.at) if item.conversation == sender]
        kept = [item.text for item in sorted(log, key=lambda item: item.at)
                if item.conversation == sender and item.answered]
        # No answered message is lost, and the stored order is the order of sending.
        assert [text for text in stored if text in kept] == kept, (sender, stored, kept)
        iterator = iter(sent)
        assert all(text in iterator for text in stored), (sender, stored, sent)
    # The killed replica serves again.
    text = reply_text(cluster.ask(cluster.replica(1), QUESTIONS[1]["q"], uuid.uuid4().hex))
    assert all(fact in text for fact in QUESTIONS[1]["expect"])
    print(f"failover: {len(log)} messages, {len(answered)} answered, {len(failed)} failed in flight, 0 lost")


def test_postgres_connections_dropped_by_the_server_are_survived(cluster):
    sender = uuid.uuid4().hex
    cluster.ask(cluster.url, QUESTIONS[1]["q"], sender)
    database = sa.engine.make_url(cluster.database_url).database
    admin = sa.create_engine(sa.engine.make_url(cluster.database_url).set(database="postgres"),
                             isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        killed = connection.execute(
            sa.text("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE datname = :db AND pid <> pg_backend_pid()"),
            {"db": database},
        ).scalar()
    admin.dispose()
    assert killed >= 2  # both Rasa replicas (and the web app) held connections
    mark = len(cluster.lines)
    for replica in (1, 2, 1, 2):
        text = reply_text(cluster.ask(cluster.replica(replica), QUESTIONS[0]["q"], sender))
        assert all(fact in text for fact in QUESTIONS[0]["expect"]), text
    assert requests.get(f"{cluster.url}/health", timeout=10).status_code == 200
    assert user_texts(cluster.tracker(sender)) == [QUESTIONS[1]["q"]] + [QUESTIONS[0]["q"]] * 4
    assert not any("exited" in line for line in cluster.lines[mark:])
