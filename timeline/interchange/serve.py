"""`timeline serve`: the TUI in a web browser, through `textual-serve`.

textual-serve runs one `python -m timeline PATH` per browser tab and relays the terminal
over a WebSocket; its page, scripts and fonts are served from the package itself. Its
page template also links a Google Fonts stylesheet, which fails with no internet (the
page still works, in a fallback font) and tells Google about every page view. So the
server is given a copy of that template in which the link is replaced by `@font-face`
rules for the Roboto Mono files textual-serve already ships: nothing is fetched from
outside.

textual-serve (and the aiohttp and Rich it brings) is imported only inside `run_server`,
so this module stays a core module that imports neither Textual nor Rich.
"""

from __future__ import annotations

import ipaddress
import re
import shlex
import sys
import tempfile
from importlib.resources import files
from pathlib import Path

__all__ = [
    "DEFAULT_HOST",
    "ServeUnavailableError",
    "is_loopback",
    "offline_template",
    "public_url",
    "run_server",
    "serve_command",
]

DEFAULT_HOST = "127.0.0.1"
"""Loopback only: anyone who can reach the port can drive the app."""

_GOOGLE_FONTS = re.compile(r"<link\b[^>]*fonts\.googleapis\.com[^>]*>", re.IGNORECASE | re.DOTALL)
_LOCAL_FONTS = """<style>
      @font-face {
        font-family: "Roboto Mono";
        font-style: normal;
        font-weight: 100 700;
        src: url("{{ config.static.url }}fonts/RobotoMono-VariableFont_wght.ttf");
      }
      @font-face {
        font-family: "Roboto Mono";
        font-style: italic;
        font-weight: 100 700;
        src: url("{{ config.static.url }}fonts/RobotoMono-Italic-VariableFont_wght.ttf");
      }
    </style>"""


class ServeUnavailableError(RuntimeError):
    """textual-serve is not installed, or its page template is not where expected."""


def serve_command(path: str | Path | None) -> str:
    """The shell command textual-serve runs for each browser session: this Python
    running `timeline` on the dataset (absolute, so the server's working folder does not
    matter), every part shell-quoted."""
    parts = [sys.executable, "-m", "timeline"]
    if path is not None:
        parts.append(str(Path(path).resolve()))
    return shlex.join(parts)


def offline_template(original: str) -> str:
    """textual-serve's page template with the Google Fonts link swapped for the fonts
    it ships. A template without the link is returned as it is."""
    return _GOOGLE_FONTS.sub(lambda _: _LOCAL_FONTS, original)


def is_loopback(host: str) -> bool:
    """Whether `host` names this machine only (`127.0.0.1`, `::1`, `localhost`)."""
    if host.casefold() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def public_url(host: str, port: int) -> str:
    """The URL a browser opens, with an IPv6 address in brackets."""
    bare = host.strip("[]")
    shown = f"[{bare}]" if ":" in bare else bare
    return f"http://{shown}:{port}"


def run_server(
    path: str | Path | None,
    *,
    host: str = DEFAULT_HOST,
    port: int = 8000,
    url: str | None = None,
    title: str = "timeline",
) -> None:
    """Serve the TUI on `host:port` until interrupted (Ctrl+C or SIGTERM).

    `url` is the address browsers use, when it differs from `host:port` (behind a proxy,
    or when binding 0.0.0.0); the page's WebSocket address is derived from it.

    Raises:
        ServeUnavailableError: textual-serve is not installed or has changed its layout.
    """
    try:
        import textual_serve
        from textual_serve.server import Server
    except ImportError:
        raise ServeUnavailableError(
            "`timeline serve` needs textual-serve, a dependency of timeline: "
            "pip install textual-serve"
        ) from None
    template = files(textual_serve).joinpath("templates", "app_index.html")
    try:
        original = template.read_text(encoding="utf-8")
    except OSError:
        raise ServeUnavailableError(
            "textual-serve's page template was not found; this textual-serve version is "
            "not supported"
        ) from None
    with tempfile.TemporaryDirectory(prefix="timeline-serve-") as folder:
        (Path(folder) / "app_index.html").write_text(offline_template(original), "utf-8")
        server = Server(
            serve_command(path),
            host=host,
            port=port,
            title=title,
            public_url=url or public_url(host, port),
            templates_path=folder,  # absolute, so textual-serve uses it as it is
        )
        server.serve()
