"""Diagnostics: every problem found in a dataset, located at `file:line:col`.

The loader collects all of them instead of stopping at the first, and raises one
`DatasetError` carrying the list when any is an error. Nothing else ever escapes it.
"""

from __future__ import annotations

from enum import StrEnum

import msgspec

from timeline.text import sanitize

__all__ = ["DatasetError", "Diagnostic", "Severity", "file_error", "format_diagnostic"]


class Severity(StrEnum):
    """An error stops the dataset from loading; a warning is reported and loading goes on."""

    ERROR = "error"
    WARNING = "warning"


class Diagnostic(msgspec.Struct, frozen=True, gc=False):
    """One problem: where it is (1-based line and column), its stable code, and what to do.

    `hint` is an optional second line, such as the closest passage for a quote that is
    not in its article.
    """

    file: str
    line: int
    column: int
    severity: Severity
    code: str
    message: str
    hint: str | None = None

    def as_dict(self) -> dict[str, object]:
        """A JSON-ready form, for `timeline check --format json` (the severity as text)."""
        return msgspec.structs.asdict(self) | {"severity": str(self.severity)}


def file_error(file: str, code: str, message: str) -> Diagnostic:
    """An error about a file as a whole (it vanished, cannot be read, changed while in
    use), reported at its first line."""
    return Diagnostic(file, 1, 1, Severity.ERROR, code, message)


def format_diagnostic(diagnostic: Diagnostic) -> str:
    """`file:line:col: error [CODE] message`, then an indented hint line if there is one.

    Data quoted in messages is sanitised, so a hostile file cannot drive the terminal.
    """
    head = (
        f"{diagnostic.file}:{diagnostic.line}:{diagnostic.column}: "
        f"{diagnostic.severity} [{diagnostic.code}] {diagnostic.message}"
    )
    text = sanitize(head)
    if diagnostic.hint:
        text += "\n    " + sanitize(diagnostic.hint, keep_newlines=True).replace("\n", "\n    ")
    return text


class DatasetError(Exception):
    """A dataset that could not be loaded, with every diagnostic found (warnings too)."""

    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        self.diagnostics = tuple(diagnostics)
        errors = sum(d.severity is Severity.ERROR for d in self.diagnostics)
        super().__init__(f"{errors} error(s) in dataset")
