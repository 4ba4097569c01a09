"""Live handoff end to end: a newcomer's widget and a staff member's console, in two real Chromiums.

Issue #15. The assistant runs with ``HANDOFF_AVAILABILITY=always`` (so the test does not depend on
the hour CI runs at; the phone-hours rule itself is tested in ``tests/handoff/test_replies.py``):

* once with one Rasa worker on SQLite (the default ``make run`` store), once with two Rasa workers,
  Redis locks and PostgreSQL: the "a person has this conversation" state lives in the database,
  and the worker that holds the widget's socket delivers the staff messages;
* then with ``HANDOFF_AVAILABILITY=never`` (outside phone hours): the newcomer consents, leaves a
  question with an e-mail address, and staff see the address until they mark it answered.

Set ``DOCS_SCREENSHOTS=1`` to also write the console screenshots of ``docs/console.md``.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Callable, Dict, Iterator, List

import pytest
import requests
import sqlalchemy as sa

from bot.handoff.replies import language_name
from bot.i18n import translate
from tests.databases import fresh_postgres_url
from tests.e2e.conftest import ROOT, Stack, error_lines, start_stack, stop_stack

pytestmark = pytest.mark.e2e

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
ARTIFACTS = ROOT / "tests" / "artifacts"
DOCS_IMAGES = ROOT / "docs" / "img"
WAIT = 40
PASSWORD = "a long handoff passphrase"
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")

if not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()):
    if os.environ.get("CI"):
        raise RuntimeError("CI needs chromium and chromium-driver (apt-get install chromium chromium-driver)")
    pytest.skip("chromium/chromedriver not installed: run 'make browser-deps'", allow_module_level=True)

from selenium import webdriver  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.support.ui import Select, WebDriverWait  # noqa: E402


def check_redis() -> None:
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3).ping()
    except redis.RedisError as error:
        pytest.fail(f"This test needs Redis at {REDIS_URL} (set TEST_REDIS_URL); it is not reachable: {error}")


@contextlib.contextmanager
def assistant(tmp: Path, availability: str, workers: int) -> Iterator[Dict]:
    """The running assistant with a reviewer account (PostgreSQL and Redis when ``workers`` > 1)."""
    env = {"HANDOFF_AVAILABILITY": availability, "RASA_WORKERS": str(workers)}
    if workers > 1:
        check_redis()
    with fresh_postgres_url() if workers > 1 else contextlib.nullcontext(f"sqlite:///{tmp / 'tracker.db'}") as url:
        if workers > 1:
            env.update(TRACKER_DB_URL=url, REDIS_URL=REDIS_URL)
        stack = start_stack(tmp, env)
        try:
            reviewer = f"anna{uuid.uuid4().hex[:4]}"
            done = subprocess.run(
                [sys.executable, "-m", "bot.console", "users", "add", reviewer, "--role", "reviewer",
                 "--password-stdin"], input=PASSWORD + "\n", cwd=ROOT, env={**stack.env, "TRACKER_DB_URL": url},
                capture_output=True, text=True, timeout=120,
            )
            assert done.returncode == 0, done.stderr
            yield {"stack": stack, "reviewer": reviewer, "url": url}
        finally:
            assert stop_stack(stack) == 0, "\n".join(stack.lines[-20:])
            assert error_lines(stack.lines) == [], "\n".join(stack.lines[-60:])


def chromium(tmp: Path) -> webdriver.Chrome:
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
                 "--no-first-run", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--window-size=1100,900", "--lang=en-US"):
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp}")
    browser = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    browser.set_page_load_timeout(60)
    return browser


@pytest.fixture()
def browsers(tmp_path: Path) -> Iterator[Dict[str, webdriver.Chrome]]:
    newcomer, staff = chromium(tmp_path / "newcomer"), chromium(tmp_path / "staff")
    try:
        yield {"newcomer": newcomer, "staff": staff}
    finally:
        newcomer.quit()
        staff.quit()


def wait_for(driver: webdriver.Chrome, condition: Callable[[webdriver.Chrome], object], what: str) -> object:
    return WebDriverWait(driver, WAIT, poll_frequency=0.2).until(condition, message=f"timed out waiting for {what}")


def bot_texts(driver: webdriver.Chrome) -> List[str]:
    return [element.text for element in driver.find_elements(By.CSS_SELECTOR, "#aa-messages .aa-msg.aa-bot")]


def wait_for_bot_text(driver: webdriver.Chrome, needle: str, before: int = 0) -> str:
    def found(d: webdriver.Chrome) -> object:
        return next((text for text in bot_texts(d)[before:] if needle in text), False)

    return str(wait_for(driver, found, f"a bot message containing {needle!r}"))


def open_widget(driver: webdriver.Chrome, stack: Stack) -> str:
    driver.get(f"http://localhost:{stack.web_port}/")
    driver.execute_script("window.localStorage.clear();")
    driver.get(f"http://localhost:{stack.web_port}/")
    wait_for(driver, lambda d: d.find_element(By.ID, "aa-launcher"), "the launcher").click()
    wait_for(driver, lambda d: d.find_element(By.ID, "aa-accept"), "the privacy notice").click()
    wait_for(driver, lambda d: d.find_element(By.ID, "aa-input").is_enabled(), "the input")
    wait_for_bot_text(driver, "Hello!")
    return str(driver.execute_script("return window.localStorage.getItem('aalborgAssistant.session');"))


def say(driver: webdriver.Chrome, text: str) -> None:
    driver.find_element(By.ID, "aa-input").send_keys(text, Keys.ENTER)


def sign_in(driver: webdriver.Chrome, stack: Stack, reviewer: str) -> None:
    driver.get(f"{stack.web}/console/handoffs")
    wait_for(driver, lambda d: d.find_elements(By.ID, "password"), "the login form")
    driver.find_element(By.ID, "name").send_keys(reviewer)
    driver.find_element(By.ID, "password").send_keys(PASSWORD)
    driver.find_element(By.CSS_SELECTOR, "form[action='/console/login'] button[type=submit]").click()
    wait_for(driver, lambda d: d.find_elements(By.ID, "handoffs"), "the handoff queue")


def queue_row(driver: webdriver.Chrome, status: str) -> object:
    rows = driver.find_elements(By.CSS_SELECTOR, f"#handoffs tr[data-status='{status}']")
    return rows[0] if rows else False


def stored_events(url: str, sender: str) -> List[Dict]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                sa.text("SELECT data FROM events WHERE sender_id = :s ORDER BY id"), {"s": sender}
            ).fetchall()
    finally:
        engine.dispose()
    return [json.loads(row[0]) for row in rows]


def axe_serious(driver: webdriver.Chrome) -> List[Dict]:
    """Serious and critical axe-core violations on the current page (WCAG 2.1 A and AA)."""
    from tests.e2e.test_console_browser import AXE, AXE_RUN

    driver.execute_script(AXE.read_text(encoding="utf-8"))
    return [v for v in driver.execute_async_script(AXE_RUN) if v["impact"] in ("serious", "critical")]


def screenshot(driver: webdriver.Chrome, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    driver.save_screenshot(str(ARTIFACTS / name))
    if os.environ.get("DOCS_SCREENSHOTS") == "1":
        DOCS_IMAGES.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(ARTIFACTS / name, DOCS_IMAGES / name)


@pytest.mark.parametrize("workers", [1, 2], ids=["one-worker-sqlite", "two-workers-redis-postgresql"])
def test_a_person_takes_over_in_polish_and_hands_back(
    workers: int, browsers: Dict[str, webdriver.Chrome], tmp_path: Path
) -> None:
    newcomer, staff = browsers["newcomer"], browsers["staff"]
    with assistant(tmp_path / "var", "always", workers) as running:
        stack, reviewer = running["stack"], running["reviewer"]
        sign_in(staff, stack, reviewer)
        staff.execute_script("window.__sameDocument = true;")  # gone if the page reloads
        sender = open_widget(newcomer, stack)

        # The newcomer asks for a person in Polish, and is queued.
        say(newcomer, "Chcę porozmawiać z prawdziwym człowiekiem, nie z botem")
        waiting = translate("handoff_waiting", "pl", queue=translate("handoff_queue_next", "pl"))
        wait_for_bot_text(newcomer, waiting)

        # Staff see it appear without reloading, with the newcomer's language.
        row = wait_for(staff, lambda d: queue_row(d, "waiting"), "the request in the queue")
        assert "Polish" in row.text  # type: ignore[attr-defined]
        assert staff.execute_script("return window.__sameDocument === true;")
        screenshot(staff, "console-handoff-queue.png")
        assert axe_serious(staff) == []
        row.find_element(By.LINK_TEXT, "Open").click()  # type: ignore[attr-defined]
        wait_for(staff, lambda d: "Chcę porozmawiać" in d.find_element(By.ID, "chat").text, "the conversation so far")
        Select(staff.find_element(By.ID, "staff-language")).select_by_value("en")
        staff.find_element(By.ID, "take").click()
        wait_for(staff, lambda d: d.find_elements(By.ID, "reply-text"), "the reply box")

        joined = translate("handoff_joined", "pl", name=reviewer, staff_language=language_name("en", "pl"))
        wait_for_bot_text(newcomer, joined)

        # While a person has it, a question the assistant could answer goes to staff only.
        replies_before = len(bot_texts(newcomer))
        say(newcomer, "Gdzie jest International House North Denmark?")
        wait_for(staff, lambda d: "Gdzie jest International House" in d.find_element(By.ID, "chat").text,
                 "the newcomer's message in the console")
        staff.find_element(By.ID, "reply-text").send_keys("Hello! We are at Rantzausgade 4. How can I help?")
        staff.find_element(By.ID, "send").click()
        reply = wait_for(newcomer, lambda d: d.find_elements(By.CSS_SELECTOR, "#aa-messages .aa-msg.aa-person"),
                         "the staff message in the widget")
        person = reply[-1]  # type: ignore[index]
        assert "Hello! We are at Rantzausgade 4. How can I help?" in person.text
        label = person.find_element(By.CSS_SELECTOR, ".aa-person-label").text
        assert label == translate("handoff_person_label", "pl", name=reviewer)
        assert len(bot_texts(newcomer)) == replies_before + 1, bot_texts(newcomer)[replies_before:]
        # Handoff messages are not the assistant's answers: no thumbs to rate them.
        handoff_bubbles = [element for element in newcomer.find_elements(By.CSS_SELECTOR, "#aa-messages .aa-msg.aa-bot")
                           if joined in element.text or element in reply]  # type: ignore[operator]
        assert len(handoff_bubbles) == 2
        assert all(not element.find_elements(By.CSS_SELECTOR, ".aa-feedback") for element in handoff_bubbles)
        screenshot(newcomer, "widget-handoff.png")
        assert axe_serious(newcomer) == []  # the widget with a staff member's message on screen
        wait_for(staff, lambda d: d.find_elements(By.CSS_SELECTOR, "#chat .line.person"), "the sent message")
        screenshot(staff, "console-handoff-conversation.png")
        assert axe_serious(staff) == []

        # Stored: the newcomer's message without an assistant reply, the staff message marked.
        events = stored_events(running["url"], sender)
        asked = max(i for i, e in enumerate(events) if e["event"] == "user" and "Gdzie jest" in e.get("text", ""))
        after = [e for e in events[asked + 1:] if e["event"] == "bot"]
        assert after and all(e["metadata"].get("outcome") == "handoff" for e in after)
        assert any(e["metadata"].get("from_person") and e["metadata"].get("staff") == reviewer for e in after)

        # Staff hand back; the assistant says it is back and answers in Polish again.
        staff.find_element(By.ID, "hand-back").click()
        wait_for(staff, lambda d: d.find_elements(By.ID, "handoffs"), "the queue after handing back")
        wait_for_bot_text(newcomer, translate("handoff_ended_staff", "pl", name=reviewer))
        count = len(bot_texts(newcomer))
        say(newcomer, "Gdzie jest International House North Denmark?")
        wait_for_bot_text(newcomer, "Rantzausgade 4", before=count)
        wait_for(staff, lambda d: d.find_elements(By.CSS_SELECTOR, "#handoffs tr.empty"), "an empty queue")


def test_outside_phone_hours_a_consented_question_and_address_are_left(
    browsers: Dict[str, webdriver.Chrome], tmp_path: Path
) -> None:
    newcomer, staff = browsers["newcomer"], browsers["staff"]
    with assistant(tmp_path / "var", "never", 1) as running:
        stack, reviewer = running["stack"], running["reviewer"]
        sender = open_widget(newcomer, stack)
        say(newcomer, "Chcę porozmawiać z prawdziwym człowiekiem, nie z botem")
        wait_for_bot_text(newcomer, translate("handoff_closed", "pl"))
        leave = translate("handoff_button_leave", "pl")
        wait_for(newcomer, lambda d: [b for b in d.find_elements(By.CSS_SELECTOR, "button.aa-quick")
                                      if b.text == leave], "the consent button")[0].click()  # type: ignore[index]
        wait_for_bot_text(newcomer, translate("handoff_ask_email", "pl"))
        say(newcomer, "Kiedy dostanę kartę podatkową? Mój e-mail: jan.kowalski@example.pl")
        wait_for_bot_text(newcomer, translate("handoff_message_left", "pl", email="jan.kowalski@example.pl"))

        # The address is not in the conversation's stored events; it is kept apart.
        stored = json.dumps(stored_events(running["url"], sender), ensure_ascii=False)
        assert "jan.kowalski@example.pl" not in stored and "Kiedy dostanę kartę podatkową" in stored

        sign_in(staff, stack, reviewer)
        row = wait_for(staff, lambda d: queue_row(d, "message_left"), "the left message in the queue")
        row.find_element(By.LINK_TEXT, "Open").click()  # type: ignore[attr-defined]
        assert not staff.find_elements(By.ID, "handoff-email")  # only the one who takes it sees it
        staff.find_element(By.ID, "take").click()
        email = wait_for(staff, lambda d: d.find_elements(By.ID, "handoff-email"), "the address")
        assert email[0].text == "jan.kowalski@example.pl"  # type: ignore[index]
        staff.find_element(By.ID, "answered").click()
        wait_for(staff, lambda d: d.find_elements(By.CSS_SELECTOR, "#handoffs tr.empty"), "an empty queue")
        engine = sa.create_engine(running["url"])
        try:
            with engine.connect() as connection:
                left = connection.execute(sa.text("SELECT count(*) FROM handoff_contacts")).scalar()
        finally:
            engine.dispose()
        assert left == 0
        # The newcomer keeps talking to the assistant meanwhile.
        count = len(bot_texts(newcomer))
        say(newcomer, "Gdzie jest International House North Denmark?")
        wait_for_bot_text(newcomer, "Rantzausgade 4", before=count)
        assert requests.get(f"{stack.web}/health", timeout=10).status_code == 200
