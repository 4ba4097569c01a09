"""The staff console's review pages in a real headless Chromium, against the running assistant.

Runs twice: with the stack's tracker store on SQLite (its own ``VAR_DIR``) and on a fresh
PostgreSQL database (``TRACKER_DB_URL``). A reviewer is created with the real CLI
(``python -m bot.console users add ... --password-stdin``), conversations are held over the REST
channel, then the browser signs in, filters the list, opens a conversation, tags it, corrects an
intent, exports the NLU inbox and views the analytics.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Callable, Dict, Iterator

import pytest
from rasa.shared.nlu.training_data.loading import load_data

from bot.content import get_knowledge_base
from tests.databases import fresh_postgres_url
from tests.e2e.conftest import ROOT, Stack, start_stack, stop_stack

pytestmark = pytest.mark.e2e

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
WAIT = 40
PASSWORD = "a long reviewer passphrase"
XSS = "<script>alert(1)</script>"

if not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()):
    if os.environ.get("CI"):
        raise RuntimeError("CI needs chromium and chromium-driver (apt-get install chromium chromium-driver)")
    pytest.skip("chromium/chromedriver not installed: run 'make browser-deps'", allow_module_level=True)

from selenium import webdriver  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import Select, WebDriverWait  # noqa: E402


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def console_stack(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Dict]:
    """The running assistant with a reviewer account and three conversations."""
    var_dir = tmp_path_factory.mktemp("console-var")
    sqlite_url = f"sqlite:///{var_dir / 'tracker.db'}"
    with fresh_postgres_url() if request.param == "postgresql" else contextlib.nullcontext(sqlite_url) as url:
        stack = start_stack(var_dir, {"TRACKER_DB_URL": url} if request.param == "postgresql" else {})
        try:
            reviewer = f"rev{uuid.uuid4().hex[:6]}"
            env = {**stack.env, "TRACKER_DB_URL": url}
            done = subprocess.run(
                [sys.executable, "-m", "bot.console", "users", "add", reviewer, "--role", "reviewer",
                 "--password-stdin"], input=PASSWORD + "\n", cwd=ROOT, env=env, capture_output=True, text=True,
                timeout=120,
            )
            assert done.returncode == 0, done.stderr
            senders = {"address": f"a{uuid.uuid4().hex[:10]}", "xss": f"x{uuid.uuid4().hex[:10]}",
                       "danish": f"d{uuid.uuid4().hex[:10]}"}
            stack.ask("Where is International House North Denmark?", sender=senders["address"])
            stack.ask(XSS, sender=senders["xss"])
            stack.ask("Hvor får jeg et CPR-nummer?", sender=senders["danish"], metadata={"language": "da"})
            yield {"stack": stack, "reviewer": reviewer, "senders": senders, "kind": request.param, "url": url}
        finally:
            assert stop_stack(stack) == 0, "\n".join(stack.lines[-20:])


@pytest.fixture(scope="module")
def driver(console_stack: Dict, tmp_path_factory: pytest.TempPathFactory) -> Iterator[webdriver.Chrome]:
    downloads = tmp_path_factory.mktemp("downloads")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--window-size=1280,1000", "--lang=en-US"):
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium')}")
    options.add_experimental_option("prefs", {"download.default_directory": str(downloads),
                                              "download.prompt_for_download": False})
    browser = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    browser.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)})
    browser.set_page_load_timeout(60)
    browser.downloads = downloads  # type: ignore[attr-defined]
    yield browser
    browser.quit()


def wait_for(driver: webdriver.Chrome, condition: Callable[[webdriver.Chrome], object], what: str) -> object:
    return WebDriverWait(driver, WAIT, poll_frequency=0.2).until(condition, message=f"timed out waiting for {what}")


def listed(driver: webdriver.Chrome) -> list:
    rows = driver.find_elements(By.CSS_SELECTOR, "#conversations tr[data-sender]")
    return [row.get_attribute("data-sender") for row in rows]


def test_review_workflow_in_a_browser(driver: webdriver.Chrome, console_stack: Dict) -> None:
    stack: Stack = console_stack["stack"]
    senders = console_stack["senders"]

    # Sign in (the list page sends us to the login form and back).
    driver.get(f"{stack.web}/console/conversations")
    wait_for(driver, lambda d: d.find_elements(By.ID, "password"), "the login form")
    driver.find_element(By.ID, "name").send_keys(console_stack["reviewer"])
    driver.find_element(By.ID, "password").send_keys(PASSWORD)
    driver.find_element(By.CSS_SELECTOR, "form[action='/console/login'] button[type=submit]").click()
    wait_for(driver, lambda d: d.find_elements(By.ID, "conversations"), "the conversation list")
    assert listed(driver) == [senders["danish"], senders["xss"], senders["address"]]

    # Filter by language; the filter state is in the URL.
    Select(driver.find_element(By.ID, "f-language")).select_by_value("da")
    driver.find_element(By.ID, "apply-filters").click()
    wait_for(driver, lambda d: "language=da" in d.current_url, "the filtered URL")
    assert listed(driver) == [senders["danish"]]

    # A message with a script tag is shown as text and runs nothing.
    driver.get(f"{stack.web}/console/conversations/{senders['xss']}")
    said = wait_for(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "#transcript .said"), "the transcript")
    assert said[0].get_attribute("textContent") == "User: " + XSS  # "User: " is for screen readers
    with pytest.raises(Exception):  # no alert() ever opened  # noqa: B017
        driver.switch_to.alert.text  # noqa: B018

    # Open a conversation from the list, tag it.
    driver.get(f"{stack.web}/console/conversations")
    driver.find_element(By.LINK_TEXT, senders["address"]).click()
    wait_for(driver, lambda d: d.find_elements(By.ID, "tag-form"), "the conversation page")
    driver.find_element(By.ID, "new-tag").send_keys("Needs Review")
    driver.find_element(By.CSS_SELECTOR, "#tag-form button[type=submit]").click()
    wait_for(driver, lambda d: d.find_elements(By.ID, "notice"), "the tag notice")
    assert driver.find_element(By.ID, "notice").text == "Tag added."
    assert [tag.text for tag in driver.find_elements(By.CSS_SELECTOR, "#tags .tag")] == ["needs review"]

    # Correct the first message's intent.
    driver.find_element(By.CSS_SELECTOR, "details.correct summary").click()
    form = driver.find_element(By.CSS_SELECTOR, "form.correction-form")
    Select(form.find_element(By.CSS_SELECTOR, "select[name=intent]")).select_by_value("ask_contact")
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait_for(driver, lambda d: d.find_elements(By.CSS_SELECTOR, ".corrected"), "the correction")
    assert driver.find_element(By.ID, "notice").text == "Correction saved; it is in the NLU inbox."
    assert driver.find_element(By.CSS_SELECTOR, ".corrected strong").text == "ask_contact"

    # Filter by tag: only this conversation.
    driver.get(f"{stack.web}/console/conversations?tag=needs+review")
    wait_for(driver, lambda d: d.find_elements(By.ID, "conversations"), "the list")
    assert listed(driver) == [senders["address"]]

    # Export the inbox: the browser downloads a file Rasa's reader accepts; the inbox is then empty.
    driver.get(f"{stack.web}/console/inbox")
    section = wait_for(driver, lambda d: d.find_elements(By.ID, "inbox-en"), "the English inbox")[0]
    assert "en: 1 corrected message" in section.text
    driver.find_element(By.CSS_SELECTOR, "#export-en button[type=submit]").click()
    deadline = time.monotonic() + WAIT
    found: list = []
    while not found and time.monotonic() < deadline:
        found = sorted(driver.downloads.glob("nlu_corrections_en_*Z.yml"))  # type: ignore[attr-defined]
        time.sleep(0.2)
    assert found, list(driver.downloads.iterdir())  # type: ignore[attr-defined]
    target = found[0]
    example = load_data(str(target)).training_examples[0]
    assert (example.get("text"), example.get("intent")) == ("Where is International House North Denmark?",
                                                              "ask_contact")
    driver.get(f"{stack.web}/console/inbox")
    wait_for(driver, lambda d: d.find_elements(By.ID, "inbox-empty"), "the empty inbox")
    history = driver.find_elements(By.CSS_SELECTOR, "#export-history tbody tr")
    assert len(history) == 1 and target.name in history[0].text  # the export can be fetched again

    # Analytics: three conversations, three messages, six charts.
    driver.get(f"{stack.web}/console/analytics")
    wait_for(driver, lambda d: d.find_elements(By.ID, "total-conversations"), "the analytics page")
    assert driver.find_element(By.ID, "total-conversations").text == "3"
    assert driver.find_element(By.ID, "total-messages").text == "3"
    assert len(driver.find_elements(By.CSS_SELECTOR, "figure svg")) == 6
    languages = {row.find_elements(By.TAG_NAME, "td")[0].text: row.find_elements(By.TAG_NAME, "td")[1].text
                 for row in driver.find_elements(By.CSS_SELECTOR, "#languages tbody tr")}
    assert languages["da"] == "1"


AXE = ROOT / "tests" / "vendor" / "axe-4.10.2.min.js"
AXE_RUN = (
    "const done = arguments[arguments.length - 1];"
    "axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})"
    ".then(r => done(r.violations.map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.length}))))"
    ".catch(e => done([{id: 'axe-error', impact: 'critical', nodes: String(e)}]));"
)


def test_every_console_page_is_axe_clean_for_an_admin(driver: webdriver.Chrome, console_stack: Dict) -> None:
    """Issue 21: no serious or critical axe violation on any console page (the Users page had 16)."""
    stack: Stack = console_stack["stack"]
    admin = f"adm{uuid.uuid4().hex[:6]}"
    done = subprocess.run(
        [sys.executable, "-m", "bot.console", "users", "add", admin, "--role", "admin", "--password-stdin"],
        input=PASSWORD + "\n", cwd=ROOT, env={**stack.env, "TRACKER_DB_URL": console_stack["url"]},
        capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 0, done.stderr
    driver.delete_all_cookies()
    driver.get(f"{stack.web}/console/login")
    wait_for(driver, lambda d: d.find_elements(By.ID, "password"), "the login form")
    driver.find_element(By.ID, "name").send_keys(admin)
    driver.find_element(By.ID, "password").send_keys(PASSWORD)
    driver.find_element(By.CSS_SELECTOR, "form[action='/console/login'] button[type=submit]").click()
    wait_for(driver, lambda d: d.find_elements(By.ID, "conversations"), "the conversation list")
    pages = ["/console/conversations", f"/console/conversations/{console_stack['senders']['address']}",
             "/console/inbox", "/console/unanswered", "/console/suspects", "/console/analytics",
             "/console/undelivered", "/console/users", "/console/audit",
             "/console/conversations/nobody-at-all", "/console/analytics?from=2024-01-01&to=2026-01-01",
             "/console/conversations?from=2026-02-01&to=2026-01-01"]
    found = {}
    for page in pages:
        driver.get(f"{stack.web}{page}")
        wait_for(driver, lambda d: d.find_elements(By.TAG_NAME, "main"), page)
        # Every page, error pages too, has the console's navigation (a way on, not a bare JSON line).
        assert driver.find_elements(By.CSS_SELECTOR, 'nav[aria-label="Console"] a'), page
        driver.execute_script(AXE.read_text(encoding="utf-8"))
        serious = [v for v in driver.execute_async_script(AXE_RUN) if v["impact"] in ("serious", "critical")]
        if serious:
            found[page] = serious
    assert found == {}
    driver.get(f"{stack.web}/console/conversations/nobody-at-all")
    assert driver.find_element(By.ID, "error-message").text == "no conversation with this id"
    assert driver.find_element(By.ID, "error-back").get_attribute("href").endswith("/console/conversations")


def test_a_transcript_shows_buttons_markdown_and_mixed_direction(driver: webdriver.Chrome,
                                                                  console_stack: Dict) -> None:
    """Issue 21: the transcript shows what the newcomer saw: buttons, bold, Arabic with Latin names."""
    stack: Stack = console_stack["stack"]
    sender = f"t{uuid.uuid4().hex[:10]}"
    stack.ask("what can you do?", sender=sender)
    stack.ask("How do I get a tax card?", sender=sender)
    stack.ask("أين يقع International House North Denmark؟", sender=sender, metadata={"language": "ar"})
    driver.delete_all_cookies()
    driver.get(f"{stack.web}/console/login")
    wait_for(driver, lambda d: d.find_elements(By.ID, "password"), "the login form")
    driver.find_element(By.ID, "name").send_keys(console_stack["reviewer"])
    driver.find_element(By.ID, "password").send_keys(PASSWORD)
    driver.find_element(By.CSS_SELECTOR, "form[action='/console/login'] button[type=submit]").click()
    wait_for(driver, lambda d: d.find_elements(By.ID, "conversations"), "the conversation list")
    driver.get(f"{stack.web}/console/conversations/{sender}")
    turns = wait_for(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "#transcript .turn"), "the transcript")
    assert len(turns) == 3

    offered = turns[0].find_elements(By.CSS_SELECTOR, ".offered-button")
    assert "Aalborg's international cooperation" in [button.text for button in offered]
    titles = [button.get_attribute("title") for button in offered]
    assert 'sends /ask_topic{"topic":"area_newcomers"}' in titles

    bold = [element.text for element in turns[1].find_elements(By.CSS_SELECTOR, ".bot-msg strong")]
    assert bold and bold[0] == "Tax card"
    assert all("**" not in element.text for element in driver.find_elements(By.CSS_SELECTOR, ".bot-msg"))
    links = turns[1].find_elements(By.CSS_SELECTOR, ".bot-msg a")
    assert all(link.get_attribute("href").startswith("https://") for link in links)
    # The official page shows under its readable title, as in the widget (#13).
    tax_card = get_knowledge_base().get("tax_card").links[0]
    assert (tax_card.title["en"], tax_card.url) in [(link.text, link.get_attribute("href")) for link in links]

    for element in driver.find_elements(By.CSS_SELECTOR, "#transcript .said, #transcript .bot-msg"):
        assert element.get_attribute("dir") == "auto"
    arabic = turns[2].find_element(By.CSS_SELECTOR, ".said")
    assert driver.execute_script("return getComputedStyle(arguments[0]).direction;", arabic) == "rtl"
    english = turns[1].find_element(By.CSS_SELECTOR, ".said")
    assert driver.execute_script("return getComputedStyle(arguments[0]).direction;", english) == "ltr"


def test_suspect_answers_are_visible_to_a_reviewer(driver: webdriver.Chrome, console_stack: Dict) -> None:
    """Issue 21: a confidently wrong answer, a small-talk reply to a need, a thumbs-down and a rephrase."""
    import requests

    stack: Stack = console_stack["stack"]
    run = uuid.uuid4().hex[:6]
    senders = {name: f"s{name}{run}" for name in ("hospital", "apartment", "rated", "again")}
    stack.ask("Where is the nearest hospital?", sender=senders["hospital"])
    stack.ask("Can you help me find an apartment?", sender=senders["apartment"])
    secret = uuid.uuid4().hex
    rated = stack.ask("How do I get MitID?", sender=senders["rated"], metadata={"session_secret": secret})
    feedback = requests.post(f"{stack.web}/api/feedback", json={
        "session_id": senders["rated"], "rating": "down", "text": rated[0]["text"]},
        headers={"X-Session-Secret": secret}, timeout=30)
    assert feedback.status_code == 201
    stack.ask("how do I get a tax card?", sender=senders["again"])
    stack.ask("how can I get my tax card", sender=senders["again"])
    # A known set in a language no other test of this module uses: 2 questions answered (one of them
    # a suspect: the hospital), 1 not answered (the weather).
    # "Gdzie jest szpital w Aalborgu?" is answered with the life-science sector (no address) from the
    # topic model alone: no such fact. ("Gdzie jest najbliższy szpital?", the nearest hospital, is no
    # longer answered at all since the near-topic examples of 2026-12-07: none of ours, rightly.)
    for number, question in enumerate(["Gdzie jest szpital w Aalborgu?", "Jak zdobyć kartę podatkową?",
                                       "Jaka będzie jutro pogoda?"]):
        stack.ask(question, sender=f"spl{number}{run}", metadata={"language": "pl"})

    driver.delete_all_cookies()
    driver.get(f"{stack.web}/console/login")
    wait_for(driver, lambda d: d.find_elements(By.ID, "password"), "the login form")
    driver.find_element(By.ID, "name").send_keys(console_stack["reviewer"])
    driver.find_element(By.ID, "password").send_keys(PASSWORD)
    driver.find_element(By.CSS_SELECTOR, "form[action='/console/login'] button[type=submit]").click()
    wait_for(driver, lambda d: d.find_elements(By.ID, "conversations"), "the conversation list")
    driver.find_element(By.LINK_TEXT, "Suspect answers").click()
    wait_for(driver, lambda d: d.find_elements(By.ID, "suspect-rates"), "the suspect page")

    def signals_of(text: str) -> list:
        items = [item for item in driver.find_elements(By.CSS_SELECTOR, "#suspects-en li.suspect")
                 if item.find_element(By.CSS_SELECTOR, ".said").text == text]
        return sorted({signal.get_attribute("data-signal") for item in items
                       for signal in item.find_elements(By.CSS_SELECTOR, "[data-signal]")})

    assert signals_of("Where is the nearest hospital?") == ["no_such_fact"]
    assert signals_of("Can you help me find an apartment?") == ["ignored_words"]
    assert signals_of("How do I get MitID?") == ["thumbs_down"]
    assert signals_of("how do I get a tax card?") == ["rephrased"]
    polish = driver.find_element(By.CSS_SELECTOR, '#suspect-rates tr[data-language="pl"]')
    assert [cell.text for cell in polish.find_elements(By.TAG_NAME, "td")] == [
        "3", "2 (67%)", "1 (33%)", "1 (33%)"]

    # Mark the rated-down answer fine: it leaves the queue.
    item = next(item for item in driver.find_elements(By.CSS_SELECTOR, "#suspects-en li.suspect")
                if item.find_element(By.CSS_SELECTOR, ".said").text == "How do I get MitID?")
    item.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait_for(driver, lambda d: d.find_elements(By.ID, "notice"), "the notice")
    assert signals_of("How do I get MitID?") == []
