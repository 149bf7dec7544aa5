"""The dependency policy (docs/development.md): every lower bound is tested in CI, and
an upper bound needs a known break. These tests keep the files that say so in step."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
_REQUIREMENT = re.compile(r"^([A-Za-z0-9._-]+)\s*(.*)$")


def _runtime_requirements() -> dict[str, str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    found = {}
    for requirement in project["dependencies"]:
        match = _REQUIREMENT.match(requirement)
        assert match is not None, requirement
        found[match[1].lower()] = match[2]
    return found


def test_every_runtime_dependency_has_a_lower_bound_pinned_in_the_oldest_constraints() -> None:
    pins = {}
    for line in (ROOT / ".ci" / "oldest.txt").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, version = line.partition("==")
            pins[name.strip().lower()] = version.strip()
    requirements = _runtime_requirements()
    assert set(pins) == set(requirements)
    for name, spec in requirements.items():
        lower = re.search(r">=\s*([0-9][0-9.]*)", spec)
        assert lower is not None, f"{name} has no lower bound"
        assert pins[name].split(".")[: len(lower[1].split("."))] == lower[1].split("."), (
            f"{name}: pyproject says {spec}, .ci/oldest.txt tests {pins[name]}"
        )


def test_upper_bounds_are_only_those_the_docs_explain() -> None:
    readme = (ROOT / "docs" / "development.md").read_text(encoding="utf-8")
    for name, spec in _runtime_requirements().items():
        if "<" in spec:
            assert f"`{name}{spec}`" in readme, f"{name}{spec}: say in docs/development.md why"
