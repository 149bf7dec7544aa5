"""The JSON Schema (draft 2020-12) for `events.yaml`, shipped inside the package.

Editors that speak the YAML language server validate and autocomplete an events file
whose first line is `# yaml-language-server: $schema=<path or URL of the schema>`;
`timeline schema` prints it so it can be saved next to any dataset. The schema checks
shape only; `timeline check` also proves the quotes and resolves every id.
"""

from __future__ import annotations

from importlib.resources import files

__all__ = ["schema_text"]


def schema_text() -> str:
    """The schema exactly as shipped (JSON text ending in a newline)."""
    return files("timeline").joinpath("events.schema.json").read_text(encoding="utf-8")
