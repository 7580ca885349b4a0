"""``charge-tui serve`` in a real browser: headless Chromium, driven through Selenium.

The server runs as a user starts it, on a free loopback port, over a sample store. The page draws
the terminal on a canvas, so the test reads the screen the way the page gets it: the bytes of
every WebSocket frame the browser receives (Chromium's performance log) are replayed into a
terminal emulator (pyte) of the size the page asked for. Keys are typed into the page.

Skipped, saying why, where Chromium, its driver or the test extra is missing; ``.ci/run``
installs Debian's ``chromium`` and ``chromium-driver``.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from urllib.parse import parse_qs, urlparse

import pytest

from charge_tui.store.db import Database
from tests.sample_store import SAMPLE_NOW, build_sample_store

selenium = pytest.importorskip("selenium", reason="the test extra (selenium) is not installed")
pyte = pytest.importorskip("pyte", reason="the test extra (pyte) is not installed")
pytest.importorskip("textual_serve", reason="the web extra (textual-serve) is not installed")

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")
pytestmark = pytest.mark.skipif(
    not (CHROMIUM and DRIVER), reason="no Chromium: apt-get install chromium chromium-driver"
)
#: Where to copy the page's screenshot (set by scripts/screenshots.py).
KEEP_SCREENSHOT = "CHARGE_TUI_KEEP_SCREENSHOT"
#: Longest wait for one thing to appear on the page.
WAIT = 60.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PageScreen:
    """The terminal the page shows, rebuilt from the WebSocket frames the browser received."""

    def __init__(self, driver) -> None:
        self.driver = driver
        self.screen = None
        self.stream = None

    def _size(self, cols: int, rows: int) -> None:
        if self.screen is None:
            self.screen = pyte.Screen(cols, rows)
            self.stream = pyte.ByteStream(self.screen)
        elif (self.screen.columns, self.screen.lines) != (cols, rows):
            self.screen.resize(rows, cols)

    def pump(self) -> None:
        for entry in self.driver.get_log("performance"):
            message = json.loads(entry["message"])["message"]
            method, params = message.get("method"), message.get("params", {})
            if method == "Network.webSocketCreated":
                query = parse_qs(urlparse(params["url"]).query)
                if "width" in query:
                    self._size(int(query["width"][0]), int(query["height"][0]))
            elif method == "Network.webSocketFrameSent":
                payload = params["response"]["payloadData"]
                if payload.startswith('["resize"'):
                    size = json.loads(payload)[1]
                    self._size(size["width"], size["height"])
            elif method == "Network.webSocketFrameReceived":
                frame = params["response"]
                if frame["opcode"] == 2 and self.stream is not None:
                    self.stream.feed(base64.b64decode(frame["payloadData"]))

    def text(self) -> str:
        self.pump()
        return "\n".join(self.screen.display) if self.screen is not None else ""

    def wait_for(self, predicate, what: str) -> str:
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            text = self.text()
            if predicate(text):
                return text
            time.sleep(0.2)
        raise AssertionError(f"the page never showed {what}; it shows:\n{self.text()}")


@pytest.fixture
def served(tmp_path):
    path = tmp_path / "charge.db"
    db = Database(f"sqlite:///{path}")
    svc = build_sample_store(db)
    counts = svc.counts()
    db.dispose()
    port = free_port()
    env = {
        **os.environ,
        "CHARGE_TUI_NOW": str(SAMPLE_NOW),
        "CHARGE_TUI_CONFIG": str(tmp_path / "config.toml"),
        "TZ": "UTC",
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "charge_tui", "--db", str(path), "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + WAIT
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                out = proc.stdout.read().decode() if proc.stdout else ""
                proc.kill()
                raise AssertionError(f"charge-tui serve did not start:\n{out}") from None
            time.sleep(0.2)
    yield f"http://127.0.0.1:{port}", counts
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture
def browser(tmp_path):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--window-size=1500,1000",
        f"--user-data-dir={tmp_path / 'chromium'}",
    ):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"performance": "ALL"})
    driver = webdriver.Chrome(service=Service(DRIVER), options=options)
    yield driver
    driver.quit()


def test_the_console_in_a_browser_filters_and_opens_the_at_risk_view(served, browser, tmp_path):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By

    url, counts = served
    browser.get(url)
    page = PageScreen(browser)
    total = sum(counts.values())
    page.wait_for(lambda t: f"of {total}" in t and "rsv_" in t, "the list of reservations")
    terminal = browser.find_element(By.CSS_SELECTOR, ".xterm")
    terminal.click()

    ActionChains(browser).send_keys("2").perform()
    confirmed = counts[next(s for s in counts if s.value == "confirmed")]

    def only_confirmed(t: str) -> bool:
        listed = [line for line in t.splitlines() if "rsv_" in line]
        return (
            f"{confirmed} rows in view of {confirmed}" in t
            and len(listed) == confirmed
            and all(" confirmed " in line for line in listed)
        )

    page.wait_for(only_confirmed, "only the confirmed reservations")

    browser.save_screenshot(str(tmp_path / "browser.png"))
    assert (tmp_path / "browser.png").stat().st_size > 10_000
    if os.environ.get(KEEP_SCREENSHOT):  # scripts/screenshots.py keeps it for the README
        shutil.copy(tmp_path / "browser.png", os.environ[KEEP_SCREENSHOT])

    ActionChains(browser).send_keys("r").perform()
    page.wait_for(lambda t: "At risk:" in t, "the at-risk view")
