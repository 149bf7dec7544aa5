"""The HTML export in a real browser (headless Chromium through Playwright): theme and
text filters change what is shown, a quote opens its article at the passage, hostile
text stays text, nothing is fetched and the console stays clean.

Playwright drives Debian's Chromium at /usr/bin/chromium and never downloads a browser;
without it these tests are skipped with the reason.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from interchange_support import HOSTILE, hostile_dataset

from timeline.interchange.export import export
from timeline.loader import load_dataset
from timeline.model import Dataset

CHROMIUM = Path("/usr/bin/chromium")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip("needs Debian's chromium at /usr/bin/chromium")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox"]
        )
        try:
            yield browser
        finally:
            browser.close()


class Page:
    """A page on an exported file, recording console messages, page errors and every
    request that is not the file itself."""

    def __init__(self, browser: Any, path: Path) -> None:
        self.context = browser.new_context()
        self.page = self.context.new_page()
        self.page.set_default_timeout(10_000)
        self.messages: list[str] = []
        self.requests: list[str] = []
        self.page.on("console", lambda m: self.messages.append(f"{m.type}: {m.text}"))
        self.page.on("pageerror", lambda e: self.messages.append(f"pageerror: {e}"))
        url = path.as_uri()

        def route(r: Any) -> None:
            if r.request.url.split("#")[0] != url:
                self.requests.append(r.request.url)
                r.abort()
            else:
                r.continue_()

        self.context.route("**/*", route)
        self.page.goto(url)

    def visible_titles(self) -> list[str]:
        return [t.strip() for t in self.page.locator(".event:not([hidden]) h3").all_inner_texts()]

    def close(self) -> None:
        self.context.close()


def _open(browser: Any, tmp_path: Path, dataset: Dataset) -> Page:
    path = tmp_path / "timeline.html"
    path.write_text(export(dataset, dataset.events, "html"), encoding="utf-8")
    return Page(browser, path)


def test_theme_filter_text_filter_and_quotes(browser: Any, tmp_path: Path) -> None:
    dataset = load_dataset().dataset
    view = _open(browser, tmp_path, dataset)
    page = view.page
    try:
        everything = view.visible_titles()
        assert len(everything) == len(dataset.events)
        assert (
            page.locator("#count").inner_text() == f"{len(everything)} of {len(everything)} events"
        )

        space = dataset.theme("space")
        in_theme = [e for e in sorted(dataset.events, key=lambda e: e.date.sort_key)
                    if "space" in e.themes]  # fmt: skip
        expected = [e.title for e in in_theme]
        page.get_by_role("button", name=re.compile(f"^{re.escape(space.label)} ")).click()
        assert view.visible_titles() == expected
        assert 0 < len(expected) < len(everything)
        assert page.locator("#count").inner_text() == f"{len(expected)} of {len(everything)} events"

        # Text narrows within the theme; clearing brings every event back.
        page.locator("#search").fill("BLINKEN")
        narrowed = view.visible_titles()
        assert narrowed == [e.title for e in in_theme if "Antony Blinken" in e.actors]
        assert 0 < len(narrowed) < len(expected)
        page.get_by_role("button", name="Clear filters").click()
        assert view.visible_titles() == everything

        # A quote opens its article with the passage marked and scrolled into view.
        event = dataset.event("space-pact-signing-2023-01-13")
        quote = event.quotes[0]
        source = dataset.source(quote.source_id)
        assert not page.locator("#reader").is_visible()
        page.locator(".event", has_text=event.title).locator("a.quote").first.click()
        reader = page.locator("#reader")
        reader.wait_for(state="visible", timeout=5000)  # the page's own click handler runs
        assert reader.is_visible()
        article = page.locator(".source.open")
        assert article.count() == 1
        assert article.locator("h2").inner_text() == source.title
        current = " ".join(article.locator("mark.current").all_inner_texts())
        assert current == source.text[quote.span.start : quote.span.end]
        assert article.locator("mark.current").first.is_visible()
        assert article.locator(".text").inner_text() == source.text
        page.locator("#back").click()
        reader.wait_for(state="hidden", timeout=5000)  # not at once: it closes on the event
        assert not reader.is_visible()

        assert view.messages == []
        assert view.requests == []
    finally:
        view.close()


def test_hostile_text_is_shown_and_never_run(browser: Any, tmp_path: Path) -> None:
    dataset = hostile_dataset()
    view = _open(browser, tmp_path, dataset)
    page = view.page
    try:
        page.on("dialog", lambda d: view.messages.append(f"dialog: {d.message}"))
        (title,) = view.visible_titles()
        assert HOSTILE in title
        assert "␛[2J" in title  # escape sequences are visible symbols
        assert page.locator("img").count() == 0
        assert page.locator("script").count() == 1  # only the page's own
        assert page.locator("a:not(.quote):not(#back)").count() == 0
        page.locator("a.quote").click()
        assert HOSTILE in page.locator(".source.open .text").inner_text()
        assert view.messages == []
        assert view.requests == []
    finally:
        view.close()


def test_the_page_fetches_nothing_even_with_scripts_blocked_from_outside() -> None:
    # Static check backing the browser one: no URL to anywhere in the file, and a
    # Content-Security-Policy that allows no fetch at all.
    dataset = load_dataset().dataset
    page = export(dataset, dataset.events, "html")
    assert not re.search(r"(src|href)=\"(?!#)", page)
    assert "default-src 'none'" in page
    assert "http://" not in page and "https://" not in page
