"""`timeline serve`: the pieces, then the real thing over HTTP and in headless Chromium.

One `timeline serve` runs on a free loopback port for the module. Real HTTP and WebSocket
requests (aiohttp's client, and a raw socket for what no client would send) check that
only requests with this server's Host, its own Origin (if any) and the run's token get
through, and that a malformed request is logged in one line. The browser test opens the
printed URL with every request outside that server aborted (so it proves the app needs
no internet), reads the terminal output from the WebSocket, and filters by a theme
through the command palette. Every wait is bounded; the server is always stopped. The
server tests are skipped without textual-serve, the browser test without
/usr/bin/chromium.
"""

from __future__ import annotations

import asyncio
import logging
import re
import shlex
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import Any

import pytest

from timeline.interchange.serve import (
    Gate,
    OneLineFormatter,
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


# -- who may use the server ----------------------------------------------------------

LOOPBACK = Gate.serving("127.0.0.1", 8000)
PROXIED = Gate.serving("127.0.0.1", 8000, "https://timeline.example.org/app")


@pytest.mark.parametrize(
    ("gate", "host", "origin"),
    [(LOOPBACK, "127.0.0.1:8000", None), (LOOPBACK, "localhost:8000", "http://[::1]:8000"),
     (LOOPBACK, "[::1]:8000", "http://LOCALHOST:8000"), (LOOPBACK, "127.0.0.1:8000", "http://127.0.0.1:8000"),
     (PROXIED, "127.0.0.1:8000", "https://timeline.example.org"),
     (PROXIED, "timeline.example.org", "https://timeline.example.org:443"),
     (PROXIED, "timeline.example.org:443", None)],
)  # fmt: skip
def test_the_gate_lets_this_servers_own_requests_through(
    gate: Gate, host: str, origin: str | None
) -> None:
    assert gate.refusal(host, origin, gate.token) is None


@pytest.mark.parametrize(
    ("gate", "host", "origin", "reason"),
    [(LOOPBACK, "evil.example:8000", None, "Host 'evil.example:8000'"),  # DNS rebinding
     (LOOPBACK, "evil.example", None, "Host"), (LOOPBACK, None, None, "Host None"),
     (LOOPBACK, "127.0.0.1:8001", None, "Host"), (LOOPBACK, "127.0.0.1", None, "Host"),
     (LOOPBACK, "127.0.0.1:80x", None, "Host"), (LOOPBACK, "[::1", None, "Host"),
     (LOOPBACK, "evil.example@127.0.0.1:8000", None, "Host"),
     (LOOPBACK, "127.0.0.1:8000", "http://evil.example", "Origin 'http://evil.example'"),
     (LOOPBACK, "127.0.0.1:8000", "null", "Origin"),
     (LOOPBACK, "127.0.0.1:8000", "https://127.0.0.1:8000", "Origin"),
     (LOOPBACK, "127.0.0.1:8000", "http://127.0.0.1:8000.evil.example", "Origin"),
     (PROXIED, "timeline.example.org:80", None, "Host"),
     (PROXIED, "127.0.0.1:8000", "http://timeline.example.org", "Origin")],
)  # fmt: skip
def test_the_gate_refuses_other_hosts_and_origins(
    gate: Gate, host: str | None, origin: str | None, reason: str
) -> None:
    refusal = gate.refusal(host, origin, gate.token)
    assert refusal is not None and refusal.startswith(reason)


def test_the_gate_wants_this_runs_token() -> None:
    other = Gate.serving("127.0.0.1", 8000)
    assert other.token != LOOPBACK.token and len(LOOPBACK.token) >= 20
    for token in (None, "", other.token, LOOPBACK.token[:-1]):
        assert "no valid token" in str(LOOPBACK.refusal("127.0.0.1:8000", None, token))
    assert LOOPBACK.entry_url("http://127.0.0.1:8000") == (
        f"http://127.0.0.1:8000/?token={LOOPBACK.token}"
    )


def test_a_lan_bind_takes_its_own_address_and_the_url_but_no_loopback_name() -> None:
    gate = Gate.serving("192.168.1.4", 8000, "http://timeline.lan:8000")
    for host in ("192.168.1.4:8000", "timeline.lan:8000"):
        assert gate.refusal(host, None, gate.token) is None
    assert gate.refusal("localhost:8000", None, gate.token) is not None


@pytest.mark.parametrize("url", ["ftp://x.example", "timeline.example:8000", "http://:80",
                                 "http://x.example:99999", "/app"])  # fmt: skip
def test_serve_refuses_a_url_it_could_not_check_hosts_against(
    url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from timeline.cli import main

    with pytest.raises(ValueError, match="http://HOST"):
        Gate.serving("127.0.0.1", 8000, url)
    assert main(["serve", "--url", url]) == 2
    assert "--url" in capsys.readouterr().err


def test_a_log_record_is_one_line_without_a_traceback() -> None:
    try:
        raise ValueError("bad\n\x1b[31mred")
    except ValueError:
        record = logging.LogRecord(
            "aiohttp.server", logging.ERROR, __file__, 1, "Error from %s", ("1.2.3.4",),
            sys.exc_info(),
        )  # fmt: skip
    line = OneLineFormatter().format(record)
    assert line == "error aiohttp.server: Error from 1.2.3.4 (ValueError: bad␊␛[31mred)"
    # textual-serve logs `log.exception(error)`: the message is the error's own text.
    error = KeyError("width")
    record = logging.LogRecord("x", logging.ERROR, __file__, 1, error, (), None)
    record.exc_info = (KeyError, error, None)
    assert OneLineFormatter().format(record) == "error x: 'width' (KeyError)"


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


@dataclass(frozen=True)
class Served:
    port: int
    base: str
    """`http://127.0.0.1:PORT`, no token."""
    url: str
    """The URL the command printed, token included."""
    console: Path
    """Everything the server printed (stdout and stderr)."""

    def printed(self) -> str:
        return self.console.read_text("utf-8", "replace")


def _wait_for_url(served: Path, process: subprocess.Popen[bytes], timeout: float) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if found := re.search(r"^Serving \S+ on (\S+)$", served.read_text("utf-8"), re.M):
            return found[1]
        if process.poll() is not None:
            raise AssertionError(f"timeline serve exited with {process.returncode}")
        time.sleep(0.1)
    raise AssertionError(f"timeline serve printed no URL in {timeout} s")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    pytest.importorskip("textual_serve")
    port = _free_port()
    console = tmp_path_factory.mktemp("serve") / "console.txt"
    with console.open("wb") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "timeline", "serve", "--port", str(port)],
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    try:
        url = _wait_for_url(console, process, timeout=30)
        _wait_for_port(port, process, timeout=20)
        yield Served(port, f"http://127.0.0.1:{port}", url, console)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def _until(predicate: Any, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"no {what} within {seconds} s")
        time.sleep(0.05)


def test_serve_on_a_port_in_use_says_so_once_and_never_that_it_serves() -> None:
    pytest.importorskip("textual_serve")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run(
            [sys.executable, "-m", "timeline", "serve", "--port", str(port)],
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr == (
        f"timeline serve: error: cannot listen on 127.0.0.1:{port}: Address already in use\n"
    )


def test_serve_prints_a_url_with_a_token(server: Served) -> None:
    token = re.fullmatch(rf"{server.base}/\?token=([\w-]+)", server.url)
    assert token is not None and len(token[1]) >= 20


async def test_serve_answers_only_its_own_requests(server: Served) -> None:
    aiohttp = pytest.importorskip("aiohttp")
    here, evil = f"127.0.0.1:{server.port}", f"evil.example:{server.port}"
    cases = [
        (server.url, {}, 200),
        (server.url, {"Origin": server.base}, 200),
        (server.url, {"Host": f"localhost:{server.port}", "Origin": f"http://[::1]:{server.port}"},
         200),
        (server.url, {"Host": evil}, 403),  # DNS rebinding: evil.example now points here
        (server.url, {"Host": here, "Origin": "http://evil.example"}, 403),
        (server.url, {"Origin": "null"}, 403),
        (f"{server.base}/", {}, 403),
        (f"{server.base}/?token=guess", {}, 403),
        (f"{server.base}/static/js/textual.js", {}, 403),
        (f"{server.base}/no-such-page", {"Host": evil}, 403),
    ]  # fmt: skip
    timeout = aiohttp.ClientTimeout(total=15)
    # No cookie jar: each request stands on its own.
    async with aiohttp.ClientSession(timeout=timeout, cookie_jar=aiohttp.DummyCookieJar()) as s:
        for url, headers, status in cases:
            async with s.get(url, headers=headers) as response:
                assert (url, headers, response.status) == (url, headers, status)
        for headers in ({"Origin": "http://evil.example"}, {"Host": evil}):
            with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
                await s.ws_connect(server.url.replace("/?", "/ws?"), headers=headers)
            assert refused.value.status == 403
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
            await s.ws_connect(f"{server.base}/ws", headers={"Origin": server.base})
        assert refused.value.status == 403
    assert f"refused GET / from 127.0.0.1: Host '{evil}' is not this server" in server.printed()


async def test_the_page_cookie_lets_its_websocket_in_and_bad_input_logs_one_line(
    server: Served,
) -> None:
    aiohttp = pytest.importorskip("aiohttp")
    jar = aiohttp.CookieJar(unsafe=True)  # unsafe: keep cookies for an IP address
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60), cookie_jar=jar) as s:
        async with s.get(server.url) as page:
            assert page.status == 200
            assert "httponly" in page.headers["Set-Cookie"].lower()
        async with s.get(f"{server.base}/static/js/textual.js") as script:
            assert script.status == 200
        async with s.ws_connect(f"{server.base}/ws", headers={"Origin": server.base}) as ws:
            # Wait for the app to draw its timeline, so the session is fully up when the
            # bad message ends it.
            screen = ""
            deadline = time.monotonic() + 40
            while " events" not in ANSI.sub("", screen):
                assert time.monotonic() < deadline, "the app drew no timeline in 40 s"
                message = await ws.receive(timeout=40)
                if message.type in (aiohttp.WSMsgType.TEXT, aiohttp.WSMsgType.BINARY):
                    data = message.data
                    screen += data if isinstance(data, str) else data.decode("utf-8", "replace")
            await ws.send_str("{not json")
            await asyncio.wait_for(ws.receive(), 20)  # the server ends the session
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as raw:
        raw.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nBad\x1b[2J header\r\n\r\n")
        assert raw.recv(100).startswith(b"HTTP/1.0 400 ")
    _until(lambda: "Invalid header token" in server.printed(), 10, "log of the bad header")
    _until(lambda: "JSONDecodeError" in server.printed(), 10, "log of the bad message")
    printed = server.printed()
    for word in ("JSONDecodeError", "Invalid header token"):
        (line,) = [line for line in printed.splitlines() if word in line]
        assert line.startswith("error "), line
    assert "Traceback" not in printed and "locals" not in printed
    assert "\x1b" not in printed


@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium")
def test_the_tui_runs_in_a_browser_and_filters_by_theme(server: Served) -> None:
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

            base = server.base

            def route(r: Any) -> None:
                if r.request.url.startswith((base, base.replace("http", "ws", 1))):
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
            page.goto(server.url)

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
