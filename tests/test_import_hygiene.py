"""The core imports neither Textual nor Rich: only `timeline.ui` (and the CLI that starts
it) may. Each module is imported in a fresh interpreter, so what other tests imported
cannot hide a leak, and the modules are found on disk, so a new core module is covered
without editing this file."""

from __future__ import annotations

import importlib.util
import json
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "timeline"

EXCLUDED = ("timeline.ui", "timeline.cli", "timeline.__main__")
"""The modules (with their submodules) that may import Textual or Rich."""

KNOWN_CORE = (
    "timeline",
    "timeline.dates",
    "timeline.model",
    "timeline.text",
    "timeline.diagnostics",
    "timeline.query",
)
"""Core modules that exist now; discovery must find them (it can find more)."""

PLANNED_CORE = ("timeline.loader", "timeline.provenance")
"""Core modules that may not exist yet; discovery must find each one that does."""

FORBIDDEN = ("textual", "rich")


def _excluded(name: str) -> bool:
    return any(name == e or name.startswith(f"{e}.") for e in EXCLUDED)


def _core_modules() -> list[str]:
    """Every module in the `timeline` package on disk, outside `EXCLUDED`, found without
    importing anything (pkgutil.walk_packages would import `timeline.ui` to look in it)."""
    found = ["timeline"]
    pending = [(PACKAGE, "timeline")]
    while pending:
        folder, prefix = pending.pop()
        for info in pkgutil.iter_modules([str(folder)]):
            name = f"{prefix}.{info.name}"
            if _excluded(name):
                continue
            found.append(name)
            if info.ispkg:
                pending.append((folder / info.name, name))
    return sorted(found)


CORE = _core_modules()

_PROBE = """
import importlib, json, sys
module = importlib.import_module(sys.argv[1])
print(json.dumps({
    "file": getattr(module, "__file__", None),
    "loaded": sorted(sys.modules),
}))
"""


def _import_in_fresh_interpreter(*modules: str) -> list[dict[str, object]]:
    results = []
    for module in modules:
        done = subprocess.run(
            [sys.executable, "-c", _PROBE, module],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert done.returncode == 0, f"importing {module} failed:\n{done.stderr}"
        results.append(json.loads(done.stdout))
    return results


def _forbidden(loaded: object) -> list[str]:
    assert isinstance(loaded, list)
    return [
        name for name in loaded if any(name == f or name.startswith(f"{f}.") for f in FORBIDDEN)
    ]


def test_discovery_finds_the_core_and_skips_the_ui() -> None:
    assert set(KNOWN_CORE) <= set(CORE)
    for name in PLANNED_CORE:
        if importlib.util.find_spec(name) is not None:
            assert name in CORE
    assert not [name for name in CORE if _excluded(name)]
    # The exclusion names a real package, and nothing under it is checked.
    assert (PACKAGE / "ui" / "__init__.py").is_file()
    assert "timeline.ui" in EXCLUDED
    assert not [name for name in CORE if name.startswith("timeline.ui")]


def test_exclusion_matches_whole_module_names_only() -> None:
    assert _excluded("timeline.ui")
    assert _excluded("timeline.ui.widgets.sidebar")
    assert _excluded("timeline.cli")
    assert not _excluded("timeline.uiutils")
    assert not _excluded("timeline.client")


@pytest.mark.parametrize("module", CORE)
def test_core_module_imports_neither_textual_nor_rich(module: str) -> None:
    (result,) = _import_in_fresh_interpreter(module)
    # The module came from this checkout, not from some other installed copy.
    assert result["file"] is not None
    assert Path(str(result["file"])).resolve().is_relative_to(PACKAGE)
    assert module in result["loaded"]  # type: ignore[operator]
    assert _forbidden(result["loaded"]) == []


def test_the_probe_would_see_a_leak() -> None:
    # The check above is only worth something if importing Textual shows up.
    (result,) = _import_in_fresh_interpreter("textual.app")
    assert "textual" in _forbidden(result["loaded"])
    assert "rich" in _forbidden(result["loaded"])
