"""The walkthrough in docs/curation.md is real: its commands run in order, in a fresh
folder, and print what the page shows (`…` in a shown line stands for any text)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from timeline.loader import load_dataset

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "curation.md"


def _walkthrough_blocks() -> list[tuple[str, str]]:
    text = DOC.read_text("utf-8")
    start = text.index("## Walkthrough")
    section = text[start : text.index("\n## ", start + 1)]
    blocks = re.findall(r"^ *```(sh|text)\n(.*?)^ *```", section, re.MULTILINE | re.DOTALL)
    return [(kind, "\n".join(line.strip() for line in body.splitlines())) for kind, body in blocks]


def _matches(expected: str, output_lines: list[str]) -> bool:
    pattern = ".*".join(re.escape(part) for part in expected.split("…"))
    return any(re.fullmatch(pattern, line) for line in output_lines)


def test_the_walkthrough_runs_as_written(tmp_path: Path) -> None:
    for name in ("tests", "docs"):
        (tmp_path / name).symlink_to(ROOT / name)
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "PYTHONIOENCODING": "utf-8",
    }
    blocks = _walkthrough_blocks()
    assert [kind for kind, _ in blocks].count("sh") >= 6
    output: list[str] = []
    for kind, body in blocks:
        if kind == "text":
            for line in body.splitlines():
                assert _matches(line, output), f"{line!r} not in the output:\n" + "\n".join(output)
            continue
        output = []
        for command in body.splitlines():
            result = subprocess.run(
                ["bash", "-c", command],
                cwd=tmp_path,
                env=env,
                capture_output=True,
                text=True,
                timeout=120,
                check=False,
            )
            assert result.returncode == 0, f"{command}\n{result.stderr}"
            output += result.stdout.splitlines()
    dataset = load_dataset(tmp_path / "my-timeline").dataset
    assert len(dataset.events) == 3 and len(dataset.sources) == 2
