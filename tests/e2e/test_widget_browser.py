"""The chat widget in a real headless Chromium, against the running servers.

Needs Debian's ``chromium`` and ``chromium-driver`` (``make browser-deps``; ``.ci/run`` installs
them). Outside CI the tests are skipped with that hint when they are missing; under CI
(``CI=true``) a missing browser fails the run.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import time
import uuid
from pathlib import Path
from typing import Callable, List

import pytest
import requests

from bot.answer_parts import split_entry
from bot.content import get_knowledge_base
from bot.content.schema import expand_placeholders
from bot.i18n import translate
from tests.e2e.conftest import ROOT

pytestmark = pytest.mark.e2e

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
AXE = ROOT / "tests" / "vendor" / "axe-4.10.2.min.js"
ARTIFACTS = ROOT / "tests" / "artifacts"
WAIT = 40


def browser_available() -> bool:
    return Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()


if not browser_available():
    if os.environ.get("CI"):
        raise RuntimeError("CI needs chromium and chromium-driver (apt-get install chromium chromium-driver)")
    pytest.skip("chromium/chromedriver not installed: run 'make browser-deps'", allow_module_level=True)

from selenium import webdriver  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.support.ui import Select, WebDriverWait  # noqa: E402


@pytest.fixture(scope="module")
def driver(stack):
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
                 "--no-first-run", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--window-size=1280,900", "--lang=en-US"):
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={ROOT / 'var' / f'chromium-{uuid.uuid4().hex}'}")
    browser = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    browser.set_page_load_timeout(60)
    yield browser
    browser.quit()


def wait_for(driver, condition: Callable[[object], object], what: str):
    return WebDriverWait(driver, WAIT, poll_frequency=0.2).until(condition, message=f"timed out waiting for {what}")


def bot_texts(driver) -> List[str]:
    return [element.text for element in driver.find_elements(By.CSS_SELECTOR, "#aa-messages .aa-msg.aa-bot")]


def assert_titled_link(driver, title: str, url: str) -> None:
    """A bot message links ``url`` under ``title``, opening in a new tab."""
    links = [(a.get_attribute("href").rstrip("/"), a.text, a.get_attribute("target"))
             for a in driver.find_elements(By.CSS_SELECTOR, "#aa-messages .aa-msg.aa-bot a")]
    assert (url.rstrip("/"), title, "_blank") in links, links


def wait_for_bot_text(driver, needle: str, before: int = 0) -> str:
    def found(d):
        texts = bot_texts(d)[before:]
        return next((text for text in texts if needle in text), False)

    return wait_for(driver, found, f"a bot message containing {needle!r}")


def session_id(driver) -> str:
    return driver.execute_script("return window.localStorage.getItem('aalborgAssistant.session');")


def tracker(stack, sender: str) -> dict:
    return requests.get(
        f"{stack.rasa}/conversations/{sender}/tracker", params={"token": stack.token}, timeout=30
    ).json()


def press_tab_until(driver, element_id: str, limit: int = 40) -> None:
    body = driver.find_element(By.TAG_NAME, "body")
    for _ in range(limit):
        if driver.switch_to.active_element.get_attribute("id") == element_id:
            return
        body.send_keys(Keys.TAB)
        body = driver.switch_to.active_element
    raise AssertionError(f"#{element_id} never received keyboard focus")


def test_widget_end_to_end(stack, driver):
    driver.get(f"http://localhost:{stack.web_port}/")
    driver.execute_script("window.localStorage.clear();")
    driver.get(f"http://localhost:{stack.web_port}/")

    # Keyboard only: Tab to the launcher, open it, accept the privacy notice, type, press Enter.
    press_tab_until(driver, "aa-launcher")
    driver.switch_to.active_element.send_keys(Keys.ENTER)
    wait_for(driver, lambda d: d.find_element(By.ID, "aa-panel").is_displayed(), "the panel")
    press_tab_until(driver, "aa-accept")
    driver.switch_to.active_element.send_keys(Keys.ENTER)
    wait_for(driver, lambda d: d.find_element(By.ID, "aa-input").is_enabled(), "the input after accepting")
    wait_for_bot_text(driver, "Hello!")
    press_tab_until(driver, "aa-input")
    driver.switch_to.active_element.send_keys("Where is International House North Denmark?", Keys.ENTER)
    wait_for_bot_text(driver, "Rantzausgade 4, 1st floor, 9000 Aalborg")

    # A button (quick reply) leads to the next answer.
    count = len(bot_texts(driver))
    driver.find_element(By.ID, "aa-input").send_keys("what can you help me with?", Keys.ENTER)
    button = wait_for(
        driver,
        lambda d: next((b for b in d.find_elements(By.CSS_SELECTOR, ".aa-quick button, button.aa-quick")
                        if "Aalborg's international cooperation" in b.text), False),
        "the menu buttons",
    )
    button.click()
    wait_for_bot_text(driver, "Aalborg", before=count + 1)

    # Screenshot of the demo page with an open conversation, kept as a test artifact.
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    driver.save_screenshot(str(ARTIFACTS / "widget-conversation.png"))

    # History survives a reload.
    before_reload = [element.text for element in driver.find_elements(By.CSS_SELECTOR, "#aa-messages .aa-msg")]
    driver.refresh()
    wait_for(driver, lambda d: d.find_element(By.ID, "aa-launcher"), "the launcher after reload")
    if not driver.find_element(By.ID, "aa-panel").is_displayed():
        driver.find_element(By.ID, "aa-launcher").click()
    def restored(d):
        # Selenium reads an element's text as '' until it is displayed (the panel is still opening).
        texts = [e.text for e in d.find_elements(By.CSS_SELECTOR, "#aa-messages .aa-msg")]
        return texts if len(texts) >= len(before_reload) and all(texts[: len(before_reload)]) else False

    after_reload = wait_for(driver, restored, "the restored history")
    assert after_reload[: len(before_reload)] == before_reload

    # HTML in a message is shown as text, never run.
    payload = "<img src=x onerror=alert(1)>"
    driver.find_element(By.ID, "aa-input").send_keys(payload, Keys.ENTER)
    user_texts = wait_for(
        driver,
        lambda d: [e.text for e in d.find_elements(By.CSS_SELECTOR, "#aa-messages .aa-msg.aa-user")
                   if payload in e.text] or False,
        "the HTML message shown as text",
    )
    assert user_texts
    assert driver.find_elements(By.CSS_SELECTOR, "#aa-messages img") == []
    time.sleep(1)
    with pytest.raises(Exception):  # no alert() ever opened  # noqa: B017
        driver.switch_to.alert.text  # noqa: B018

    # Danish: the picker switches the reply language at once.
    sender = session_id(driver)
    Select(driver.find_element(By.ID, "aa-language")).select_by_value("da")
    wait_for(lambda_d := driver, lambda d: tracker(stack, sender)["slots"]["language"] == "da", "the Danish slot")
    count = len(bot_texts(lambda_d))
    driver.find_element(By.ID, "aa-input").send_keys("Hvor ligger International House North Denmark?", Keys.ENTER)
    ihnd = get_knowledge_base().get("ihnd")
    wait_for_bot_text(driver, translate("more_info", "da", url=ihnd.links[0].title["da"]), before=count)
    # The official page is a link with its readable title, not an 80-character address (#13).
    assert_titled_link(driver, ihnd.links[0].title["da"], ihnd.official_url)

    # A short first bubble, then "Flere detaljer" (More details) brings the rest of the entry (#13).
    count = len(bot_texts(driver))
    question = "Hvordan får jeg et skattekort?"
    driver.find_element(By.ID, "aa-input").send_keys(question, Keys.ENTER)
    kb = get_knowledge_base()
    parts = split_entry(kb.get("tax_card"), "da", question)
    first, rest = (expand_placeholders(text, kb.entries).replace("**", "") for text in (parts.first[0], parts.rest[0]))
    wait_for_bot_text(driver, first, before=count)
    assert not any(rest in text for text in bot_texts(driver)[count:])

    def more_button(d):
        buttons = d.find_elements(By.CSS_SELECTOR, ".aa-quick button, button.aa-quick")
        return next((b for b in buttons if b.text == translate("more_button", "da")), False)

    count = len(bot_texts(driver))
    wait_for(driver, more_button, "the More button").click()
    wait_for_bot_text(driver, rest, before=count)

    # Arabic turns the whole widget right-to-left.
    Select(driver.find_element(By.ID, "aa-language")).select_by_value("ar")
    wait_for(driver, lambda d: d.find_element(By.ID, "aa-root").get_attribute("dir") == "rtl", "dir=rtl")
    assert driver.find_element(By.ID, "aa-root").get_attribute("lang") == "ar"

    # Accessibility: no serious or critical violations with the widget open.
    driver.execute_script(AXE.read_text(encoding="utf-8"))
    result = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})"
        ".then(r => done(r.violations.map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.length}))))"
        ".catch(e => done([{id: 'axe-error', impact: 'critical', nodes: String(e)}]));"
    )
    serious = [v for v in result if v["impact"] in ("serious", "critical")]
    assert serious == [], serious

    # Delete the conversation: the server removes every stored event of the session.
    assert tracker(stack, sender)["events"], "the conversation should be stored before deletion"
    driver.find_element(By.ID, "aa-delete").click()
    wait_for(driver, lambda d: d.switch_to.alert, "the confirmation").accept()
    wait_for(driver, lambda d: session_id(d) != sender, "a new session after deletion")
    with sqlite3.connect(stack.var_dir / "tracker.db") as db:
        remaining = db.execute("select count(*) from events where sender_id = ?", (sender,)).fetchone()[0]
    assert remaining == 0


def test_a_browser_holding_someone_elses_session_id_starts_its_own(stack, driver):
    """Issue 19: a copied session id without its secret gives the widget a new session, not the old one."""
    from tests.e2e.test_socketio import WidgetClient

    owner = WidgetClient(stack.rasa)
    try:
        victim = owner.start_session(uuid.uuid4().hex)
        owner.say(victim, "Where is International House North Denmark?")
    finally:
        owner.close()
    driver.get(f"http://localhost:{stack.web_port}/")
    driver.execute_script(
        "window.localStorage.clear();"
        "window.localStorage.setItem('aalborgAssistant.session', arguments[0]);"
        "window.localStorage.setItem('aalborgAssistant.secret', arguments[1]);"
        "window.localStorage.setItem('aalborgAssistant.privacyAccepted', '1');",
        victim, uuid.uuid4().hex + uuid.uuid4().hex,
    )
    driver.get(f"http://localhost:{stack.web_port}/")
    driver.find_element(By.ID, "aa-launcher").click()
    if driver.find_elements(By.ID, "aa-accept") and driver.find_element(By.ID, "aa-accept").is_displayed():
        driver.find_element(By.ID, "aa-accept").click()
    wait_for(driver, lambda d: session_id(d) != victim, "a session of its own")
    wait_for(driver, lambda d: d.find_element(By.ID, "aa-input").is_enabled(), "the input")
    mine = session_id(driver)
    assert len(mine) == 32
    driver.find_element(By.ID, "aa-input").send_keys("What are your opening hours?", Keys.ENTER)
    wait_for(driver, lambda d: any(e["event"] == "user" and e.get("text") == "What are your opening hours?"
                                   for e in tracker(stack, mine)["events"]), "the message in its own session")
    victim_texts = [e.get("text") for e in tracker(stack, victim)["events"] if e["event"] == "user"]
    assert victim_texts == ["Where is International House North Denmark?"]
    assert "Rantzausgade" not in " ".join(bot_texts(driver))  # none of the victim's replies shown


def test_the_first_steps_checklist_clicked_through_in_the_widget(stack, driver):
    """Issue 13: "what do I do first?", two taps on answer buttons, the checklist, "What's next?"."""

    driver.get(f"http://localhost:{stack.web_port}/")
    driver.execute_script("window.localStorage.clear();")
    driver.get(f"http://localhost:{stack.web_port}/")
    driver.find_element(By.ID, "aa-launcher").click()
    wait_for(driver, lambda d: d.find_element(By.ID, "aa-accept").is_displayed(), "the privacy notice")
    driver.find_element(By.ID, "aa-accept").click()
    wait_for_bot_text(driver, "Hello!")

    def tap(title: str) -> None:
        button = wait_for(
            driver,
            lambda d: next((b for b in d.find_elements(By.CSS_SELECTOR, ".aa-quick button, button.aa-quick")
                            if b.text == title and b.is_displayed() and b.is_enabled()), False),
            f"the button {title!r}",
        )
        button.click()

    driver.find_element(By.ID, "aa-input").send_keys("I just arrived in Aalborg, what do I do first?", Keys.ENTER)
    wait_for_bot_text(driver, translate("first_steps_ask_group", "en"))
    tap(translate("first_steps_group_eu", "en"))
    wait_for_bot_text(driver, translate("first_steps_ask_reason", "en"))
    tap(translate("first_steps_reason_work", "en"))
    kb = get_knowledge_base()
    first = wait_for_bot_text(driver, translate("first_steps_heading", "en", first=1, last=3, total=8))
    assert "1. " + kb.get("eu_residence").checklist["eu"]["en"] in first
    tap(translate("first_steps_next_button", "en"))
    second = wait_for_bot_text(driver, translate("first_steps_heading", "en", first=4, last=6, total=8))
    assert "4. " + kb.get("mitid").checklist["all"]["en"] in second
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    driver.save_screenshot(str(ARTIFACTS / "widget-first-steps.png"))
    # A step's button leads to the entry's whole answer, with its official link.
    tap(kb.get("mitid").name("en"))
    mitid = kb.get("mitid")
    wait_for_bot_text(driver, mitid.links[0].title["en"])
    assert_titled_link(driver, mitid.links[0].title["en"], mitid.official_url)
