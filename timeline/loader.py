"""Load a dataset folder: strict YAML, schema validation, and quote verification.

(Contract stub: being implemented.)
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from timeline.diagnostics import Diagnostic
from timeline.model import Dataset

__all__ = ["Loaded", "bundled_dataset_path", "load_dataset"]


@dataclass(frozen=True, slots=True)
class Loaded:
    """A dataset that loaded, with the warnings found on the way."""

    dataset: Dataset
    warnings: tuple[Diagnostic, ...]


def bundled_dataset_path() -> Path:
    """The folder of the bundled Japan–U.S. dataset, inside the installed package."""
    return Path(__file__).resolve().parent / "data"


def load_dataset(path: str | Path | None = None) -> Loaded:
    """Load and verify a dataset folder (or an `events.yaml` file inside one).

    Raises:
        DatasetError: with every diagnostic found, when any of them is an error.
    """
    raise NotImplementedError
