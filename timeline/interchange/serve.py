"""`timeline serve`: the TUI in a web browser, through `textual-serve`.

textual-serve runs one `python -m timeline PATH` per browser tab and relays the terminal
over a WebSocket; its page, scripts and fonts are served from the package itself. Its
page template also links a Google Fonts stylesheet, which fails with no internet (the
page still works, in a fallback font) and tells Google about every page view. So the
server is given a copy of that template in which the link is replaced by `@font-face`
rules for the Roboto Mono files textual-serve already ships: nothing is fetched from
outside.

Anyone whose requests reach the port could drive the app and read the data, including
any web page the user visits: a page can open a WebSocket to 127.0.0.1, and through DNS
rebinding its own name can point there. So every request must pass a `Gate`: name this
server as `Host` (and as `Origin`, if it sends one), and carry the run's token, which
only the printed URL holds.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import re
import secrets
import shlex
import sys
import tempfile
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from urllib.parse import urlsplit

from timeline.text import sanitize

__all__ = [
    "DEFAULT_HOST",
    "TOKEN_PARAMETER",
    "Gate",
    "OneLineFormatter",
    "ServeUnavailableError",
    "is_loopback",
    "offline_template",
    "public_url",
    "run_server",
    "serve_command",
]

DEFAULT_HOST = "127.0.0.1"
"""Loopback only, so other machines cannot even try."""

TOKEN_PARAMETER = "token"
"""The query parameter of the printed URL that carries the run's token."""

_LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})
_DEFAULT_PORTS = {"http": 80, "https": 443}

log = logging.getLogger(__name__)

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
    try:
        return host.casefold() == "localhost" or ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def public_url(host: str, port: int) -> str:
    """The URL a browser opens, with an IPv6 address in brackets."""
    bare = host.strip("[]")
    shown = f"[{bare}]" if ":" in bare else bare
    return f"http://{shown}:{port}"


def _split(url: str) -> tuple[str, str, int | None] | None:
    """`(scheme, host, port)` of a URL, the host in lower case without brackets and the
    port None if not given; None if it names no host, a port that is not one, or a user
    (`evil@127.0.0.1` must not pass for `127.0.0.1`)."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    if not parts.hostname or "@" in parts.netloc:
        return None
    return parts.scheme, parts.hostname, port


@dataclass(frozen=True)
class Gate:
    """Who may use a running server.

    A request passes if its `Host` header is in `hosts` (`(name, port)`, port None for a
    scheme's default port, which browsers leave out), its `Origin` header, if it has one,
    is in `origins` (`(scheme, name, port)`), and it carries `token`: in the URL's
    `?token=`, or in the cookie `cookie` that the server sets on the first page that
    carried it (the page's scripts, styles and WebSocket are then fetched without the
    query). The cookie's name holds the port: cookies ignore ports, and two servers on one
    machine must not overwrite each other's.
    """

    hosts: frozenset[tuple[str, int | None]]
    origins: frozenset[tuple[str, str, int]]
    token: str
    cookie: str

    @classmethod
    def serving(cls, host: str, port: int, url: str | None = None) -> Gate:
        """The gate of a server bound to `host:port` and, if given, reached at `url`,
        with a new random token. The loopback names are one another's equivalents.

        Raises:
            ValueError: `url` is not `http(s)://HOST[:PORT][/PATH]`.
        """
        addresses = [("http", host.strip("[]").casefold(), port)]
        if url is not None:
            split = _split(url)
            if split is None or split[0] not in _DEFAULT_PORTS:
                raise ValueError("give the address as http://HOST[:PORT] or https://HOST[:PORT]")
            scheme, name, number = split
            addresses.append((scheme, name, number or _DEFAULT_PORTS[scheme]))
        hosts: set[tuple[str, int | None]] = set()
        origins: set[tuple[str, str, int]] = set()
        for scheme, name, number in addresses:
            for alias in (_LOOPBACK_NAMES | {name}) if is_loopback(name) else {name}:
                hosts.add((alias, number))
                if number == _DEFAULT_PORTS[scheme]:
                    hosts.add((alias, None))
                origins.add((scheme, alias, number))
        return cls(
            frozenset(hosts), frozenset(origins), secrets.token_urlsafe(16), f"timeline-{port}"
        )

    def entry_url(self, address: str) -> str:
        """The URL to open: the server's `address` with the token."""
        return f"{address.rstrip('/')}/?{TOKEN_PARAMETER}={self.token}"

    def refusal(self, host: str | None, origin: str | None, token: str | None) -> str | None:
        """Why a request with these `Host` and `Origin` headers and this token must be
        refused (a sentence for the log and the 403 page), or None if it may pass."""
        split_host = _split(f"//{host}") if host is not None else None
        if split_host is None or split_host[1:] not in self.hosts:
            return f"Host {host!r} is not this server"
        if origin is not None:
            split = _split(origin)
            scheme, name, number = split or ("", "", None)
            if (scheme, name, number or _DEFAULT_PORTS.get(scheme)) not in self.origins:
                return f"Origin {origin!r} is not this server's page"
        if token is None or not secrets.compare_digest(token, self.token):
            return "no valid token: open the URL `timeline serve` printed"
        return None


class OneLineFormatter(logging.Formatter):
    """A log record as one line of safe text: the message, and the name and text of its
    exception, if any, instead of a traceback.

    textual-serve logs with Rich tracebacks that show every local variable, so a single
    malformed request filled the console with the server's internals and the request's
    data. Requests choose much of what is logged, so control characters are shown as
    symbols, never obeyed, and a newline cannot forge a second log line.
    """

    def format(self, record: logging.LogRecord) -> str:
        """`level name: message (ExceptionType: its text)` on one line."""
        text = record.getMessage()
        error = record.exc_info[1] if record.exc_info else None
        if error is not None:
            detail, name = str(error), type(error).__name__
            text += f" ({name})" if detail in text else f" ({name}: {detail})"
        return sanitize(f"{record.levelname.lower()} {record.name}: {text}")


def run_server(
    path: str | Path | None,
    gate: Gate,
    *,
    host: str = DEFAULT_HOST,
    port: int = 8000,
    url: str | None = None,
) -> None:
    """Serve the TUI on `host:port`, to requests `gate` lets through, until interrupted
    (Ctrl+C or SIGTERM). Prints the URL to open, token included.

    `url` is the address browsers use, when it differs from `host:port` (behind a proxy,
    or when binding 0.0.0.0); the page's WebSocket address is derived from it.

    Raises:
        ServeUnavailableError: textual-serve is not installed or has changed its layout.
        OSError: `host:port` cannot be listened on (a port in use), before the URL is
            printed.
    """
    try:
        import textual_serve
        from aiohttp import web
        from aiohttp.typedefs import Handler
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
    address = url or public_url(host, port)

    @web.middleware
    async def guard(request: web.Request, handler: Handler) -> web.StreamResponse:
        offered = request.query.get(TOKEN_PARAMETER)
        token = offered if offered is not None else request.cookies.get(gate.cookie)
        reason = gate.refusal(request.headers.get("Host"), request.headers.get("Origin"), token)
        if reason is not None:
            log.warning("refused %s %s from %s: %s", request.method, request.path,
                        request.remote, reason)  # fmt: skip
            raise web.HTTPForbidden(text=f"403 Forbidden: {reason}\n")
        response = await handler(request)
        if offered is not None and not response.prepared:
            # Strict: no other site's page or link makes the browser send it.
            response.set_cookie(gate.cookie, gate.token, httponly=True, samesite="Strict")
        return response

    class GuardedServer(Server):
        def initialize_logging(self) -> None:
            handler = logging.StreamHandler()
            handler.setFormatter(OneLineFormatter())
            logging.basicConfig(level=logging.INFO, handlers=[handler], force=True)

        async def on_startup(self, app: web.Application) -> None:
            # textual-serve builds the aiohttp app itself; this documented hook receives it
            # before aiohttp freezes it, so middlewares can still be added. Were they ever
            # frozen sooner, `append` would raise and the server stop: it never runs open.
            app.middlewares.append(guard)
            # aiohttp binds the port only after this hook, and textual-serve silences its
            # "Running on" line: bind it as aiohttp will, once, so that a port in use is
            # an error before anything says the server is up.
            probe = await asyncio.get_running_loop().create_server(asyncio.Protocol, host, port)
            probe.close()
            await probe.wait_closed()
            print(f"Serving timeline on {gate.entry_url(address)}", flush=True)
            print("Press Ctrl+C to quit", flush=True)

    with tempfile.TemporaryDirectory(prefix="timeline-serve-") as folder:
        (Path(folder) / "app_index.html").write_text(offline_template(original), "utf-8")
        server = GuardedServer(
            serve_command(path),
            host=host,
            port=port,
            title="timeline",
            public_url=address,
            templates_path=folder,  # absolute, so textual-serve uses it as it is
        )
        server.serve()
