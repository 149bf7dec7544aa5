"""`timeline serve`: the pieces, then the real thing in headless Chromium.

The browser test starts `timeline serve` on a free loopback port, opens the page with
every request outside that server aborted (so it proves the app needs no internet),
reads the terminal output from the WebSocket, and filters by a theme through the command
palette. Every wait is bounded; the server is always stopped. It is skipped, with the
reason, without /usr/bin/chromium or textual-serve.
"""

from __future__ import annotations

import re
import shlex
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from importlib.resources import files
from pathlib import Path
from typing import Any

import pytest

from timeline.interchange.serve import (
    is_loopback,
    offline_template,
    public_url,
    serve_command,
)
from timeline.loader import load_dataset

CHROMIUM = Path("/usr/bin/chromium")


def test_serve_command_quotes_the_path(tmp_path: Path) -> None:
    folder = tmp_path / "my data; rm -rf ~ $(x)"
    folder.mkdir()
    command = serve_command(folder)
    assert shlex.split(command) == [sys.executable, "-m", "timeline", str(folder.resolve())]
    assert shlex.split(serve_command(None)) == [sys.executable, "-m", "timeline"]


def test_the_served_page_loads_nothing_from_outside() -> None:
    textual_serve = pytest.importorskip("textual_serve")
    original = files(textual_serve).joinpath("templates", "app_index.html").read_text("utf-8")
    # The reason for the rewrite is still there (if textual-serve drops the link one
    # day, this says so and the rewrite can go).
    assert "fonts.googleapis.com" in original
    page = offline_template(original)
    assert "googleapis" not in page
    assert "fonts/RobotoMono-VariableFont_wght.ttf" in page
    external = [u for u in re.findall(r"https?://[^\s\"')]+", page) if "w3.org/2000/svg" not in u]
    assert external == []
    fonts = files(textual_serve).joinpath("static", "fonts")
    assert fonts.joinpath("RobotoMono-VariableFont_wght.ttf").is_file()
    assert fonts.joinpath("RobotoMono-Italic-VariableFont_wght.ttf").is_file()


@pytest.mark.parametrize(
    ("host", "loopback"),
    [("127.0.0.1", True), ("127.0.0.2", True), ("::1", True), ("[::1]", True),
     ("localhost", True), ("0.0.0.0", False), ("::", False), ("192.168.1.4", False),
     ("example.org", False)],
)  # fmt: skip
def test_is_loopback(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


def test_public_url_brackets_ipv6() -> None:
    assert public_url("127.0.0.1", 8000) == "http://127.0.0.1:8000"
    assert public_url("::1", 8123) == "http://[::1]:8123"


def test_serve_with_textual_serve_missing_says_how_to_install_it(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from timeline.cli import main

    # None in sys.modules makes `import textual_serve` raise ImportError.
    monkeypatch.setitem(sys.modules, "textual_serve", None)
    monkeypatch.setitem(sys.modules, "textual_serve.server", None)
    assert main(["serve", "--port", "8999"]) == 1
    assert "pip install textual-serve" in capsys.readouterr().err


# -- in a browser --------------------------------------------------------------------

ANSI = re.compile(
    r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)|[P^_][^\x1b]*\x1b\\|.)"
)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _wait_for_port(port: int, process: subprocess.Popen[bytes], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"timeline serve exited with {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"timeline serve did not listen on port {port} in {timeout} s")


@pytest.fixture
def server() -> Iterator[str]:
    pytest.importorskip("textual_serve")
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "timeline", "serve", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_for_port(port, process, timeout=20)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium")
def test_the_tui_runs_in_a_browser_and_filters_by_theme(server: str) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    dataset = load_dataset().dataset
    total = len(dataset.events)
    space = dataset.theme("space")
    in_theme = sum("space" in e.themes for e in dataset.events)
    frames: list[str] = []
    outside: list[str] = []

    def screen_text(since: int = 0) -> str:
        return ANSI.sub("", "".join(frames[since:]))

    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox"]
        )
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            page.set_default_timeout(10_000)

            def route(r: Any) -> None:
                if r.request.url.startswith((server, server.replace("http", "ws", 1))):
                    r.continue_()
                else:
                    outside.append(r.request.url)
                    r.abort()

            page.route("**/*", route)

            def on_websocket(ws: Any) -> None:
                ws.on(
                    "framereceived",
                    lambda f: frames.append(
                        f if isinstance(f, str) else f.decode("utf-8", "replace")
                    ),
                )

            page.on("websocket", on_websocket)
            page.goto(server)

            def wait_for(predicate: Any, seconds: float, what: str) -> None:
                # Playwright delivers events only while it waits, so poll with its timer.
                deadline = time.monotonic() + seconds
                while not predicate():
                    if time.monotonic() > deadline:
                        tail = screen_text()[-600:]
                        raise AssertionError(f"no {what} within {seconds} s; screen: {tail!r}")
                    page.wait_for_timeout(100)

            first = sort_key_first_title(dataset)
            wait_for(lambda: f"{total} of {total} events" in screen_text(), 30, "timeline")
            wait_for(lambda: first in screen_text(), 10, "first event title")

            mark = len(frames)
            page.locator(".xterm-screen").click()
            page.keyboard.press("Control+p")
            wait_for(lambda: "Search for commands" in screen_text(mark) or
                     "Filter by theme" in screen_text(mark), 10, "command palette")  # fmt: skip
            page.keyboard.type(f"theme: {space.label}")
            wait_for(lambda: f"Filter by theme: {space.label}" in screen_text(mark)
                     or "theme:" in screen_text(mark), 10, "palette hit")  # fmt: skip
            page.wait_for_timeout(300)
            page.keyboard.press("Enter")
            wait_for(lambda: f"{in_theme} of {total} events" in screen_text(mark), 15,
                     "theme filter")  # fmt: skip
        finally:
            browser.close()
    assert outside == []


def sort_key_first_title(dataset: Any) -> str:
    """The first few words of the earliest event's title (a long title is cut on screen)."""
    first = min(dataset.events, key=lambda e: e.date.sort_key)
    return " ".join(first.title.split()[:3])
