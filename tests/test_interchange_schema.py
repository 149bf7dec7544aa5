"""The events.yaml JSON Schema: valid draft 2020-12, accepts the bundled dataset and
imported ones, and rejects broken copies."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from timeline.interchange.export import export
from timeline.interchange.schema import schema_text
from timeline.interchange.timelinejs import import_timelinejs
from timeline.loader import bundled_dataset_path, load_dataset

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = json.loads(schema_text())


def _strings(text: str) -> Any:
    # BaseLoader: every scalar a string, as the loader reads them.
    return yaml.load(text, Loader=yaml.BaseLoader)


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft202012Validator:
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    return jsonschema.Draft202012Validator(SCHEMA)


@pytest.fixture(scope="module")
def bundled() -> Any:
    return _strings((bundled_dataset_path() / "events.yaml").read_text(encoding="utf-8"))


def test_schema_is_draft_2020_12_and_printed_as_shipped() -> None:
    assert SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema_text() == (ROOT / "timeline" / "events.schema.json").read_text("utf-8")


def test_bundled_events_file_points_editors_at_the_schema() -> None:
    first = (ROOT / "events.yaml").read_text(encoding="utf-8").splitlines()[0]
    assert first.startswith("# yaml-language-server: $schema=")
    target = first.split("=", 1)[1]
    assert json.loads((ROOT / target).read_text("utf-8")) == SCHEMA


def test_bundled_dataset_is_valid(validator: jsonschema.Draft202012Validator, bundled: Any) -> None:
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(bundled)]
    assert errors == []
    assert len(bundled["events"]) == len(load_dataset().dataset.events)


def test_an_imported_dataset_is_valid(validator: jsonschema.Draft202012Validator) -> None:
    dataset = load_dataset().dataset
    conversion = import_timelinejs(export(dataset, dataset.events, "timelinejs"))
    assert list(validator.iter_errors(_strings(conversion.events_yaml))) == []


def _set(path: tuple[Any, ...], value: Any) -> Any:
    def change(doc: Any) -> None:
        for key in path[:-1]:
            doc = doc[key]
        doc[path[-1]] = value

    return change


def _delete(path: tuple[Any, ...]) -> Any:
    def change(doc: Any) -> None:
        for key in path[:-1]:
            doc = doc[key]
        del doc[path[-1]]

    return change


BROKEN = {
    "missing id": (_delete(("events", 0, "id")), "'id' is a required property"),
    "missing sources": (_delete(("events", 1, "sources")), "'sources' is a required property"),
    "unknown key": (_set(("events", 0, "titel"), "x"), "'titel' was unexpected"),
    "bad status": (_set(("events", 0, "status"), "happened"), "is not one of"),
    "bad date": (_set(("events", 2, "date"), "13 Jan 2023"), "does not match"),
    "date as a list": (_set(("events", 2, "date"), ["2023"]), "is not of type 'string'"),
    "no citations": (_set(("events", 0, "sources"), []), "should be non-empty"),
    "blank quote": (_set(("events", 0, "sources", 0, "quote"), "  "), "does not match"),
    "bad id": (_set(("events", 0, "id"), "../x"), "does not match"),
    "themes not a list": (_set(("events", 0, "themes"), "security"), "is not of type 'array'"),
    "theme without label": (_delete(("themes", "space", "label")), "'label' is a required"),
    "bad version": (_set(("version",), "2"), "is not one of"),
    "extra top-level key": (_set(("authors",), []), "'authors' was unexpected"),
}


@pytest.mark.parametrize("case", BROKEN)
def test_broken_copies_fail(
    case: str, validator: jsonschema.Draft202012Validator, bundled: Any
) -> None:
    change, message = BROKEN[case]
    doc = copy.deepcopy(bundled)
    change(doc)
    messages = [e.message for e in validator.iter_errors(doc)]
    assert any(message in m for m in messages), messages
