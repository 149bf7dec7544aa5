"""Make the screenshots of docs/curation.md: select a passage, start an event from it,
see it on the timeline. `python tests/curation_screenshots.py` rewrites
docs/curation/*.svg from what the TUI draws now (on a copy of the bundled dataset)."""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from textual.widgets import Input
from tui_support import copy_bundled

from timeline.loader import load_dataset
from timeline.ui.app import TimelineApp

OUT = Path(__file__).resolve().parent.parent / "docs" / "curation"


async def main() -> None:
    """Drive the TUI through one curation and save a screenshot at each step."""
    OUT.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        os.environ["TIMELINE_CACHE_DIR"] = str(Path(folder) / "cache")
        (Path(folder) / "data").mkdir()
        root = copy_bundled(Path(folder) / "data")
        app = TimelineApp(load_dataset(root))
        async with app.run_test(size=(110, 32)) as pilot:
            await pilot.press("j", "j", "enter", "v", "s")
            await pilot.pause()
            app.save_screenshot("1-select.svg", str(OUT))
            await pilot.press("E")
            await pilot.pause()
            form = app.screen
            form.query_one("#date", Input).value = "2023-01-07/2023-01-12"
            form.query_one("#title", Input).value = "Joint security document planned"
            form.query_one("#summary", Input).value = "Japan and the U.S. arrange a paper."
            form.query_one("#themes", Input).value = "alliance, security"
            await pilot.pause()
            app.save_screenshot("2-new-event.svg", str(OUT))
            await pilot.press("ctrl+s")
            for _ in range(3):
                await app.workers.wait_for_complete()
                await pilot.pause()
            app.save_screenshot("3-on-the-timeline.svg", str(OUT))


if __name__ == "__main__":
    asyncio.run(main())
