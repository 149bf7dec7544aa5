"""`timeline export`, `import`, `schema` and `completion` through `main(argv)`; `serve`'s
argument handling (the browser test is in test_serve.py)."""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
from pathlib import Path

import icalendar
import pytest

from timeline.cli import main
from timeline.interchange.schema import schema_text
from timeline.loader import load_dataset
from timeline.query import sort_by_date


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_export_applies_the_list_filters(capsys: pytest.CaptureFixture[str]) -> None:
    dataset = load_dataset().dataset
    code, out, _ = _run(capsys, "export", "--format", "csv", "--theme", "space", "--status",
                        "occurred")  # fmt: skip
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out, newline="")))
    expected = [e.id for e in sort_by_date(dataset.events)
                if "space" in e.themes and str(e.status) == "occurred"]  # fmt: skip
    assert [r["id"] for r in rows] == expected
    assert expected


def test_export_writes_a_file_with_its_own_line_ends(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    target = tmp_path / "timeline.ics"
    code, out, err = _run(capsys, "export", "--format", "ics", "-o", str(target))
    assert code == 0 and out == ""
    total = len(load_dataset().dataset.events)
    assert f"wrote {total} events to {target}" in err
    raw = target.read_bytes()
    assert raw.count(b"\r\n") == raw.count(b"\n")  # CRLF kept, never doubled
    assert len(icalendar.Calendar.from_ical(raw).walk("VEVENT")) == total


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["export", "--format", "pdf"], "invalid choice: 'pdf'"),
        (["export"], "the following arguments are required: --format"),
        (["export", "--format", "json", "--theme", "spcae"], "did you mean 'space'"),
        (["export", "--format", "json", "-o", "/nonexistent/dir/x.json"], "cannot write"),
        (["export", "--format", "json", "--raw"], "--raw applies to --format csv only"),
        (["list", "--format", "plain", "--raw"], "--raw applies to --format csv only"),
    ],
)
def test_export_usage_errors(
    capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    code, out, err = _run(capsys, *argv)
    assert code == 2
    assert message in err
    assert out == ""


FORMULA_EVENTS = """version: "1"
themes:
  alliance: {label: "Alliance", description: "Summits."}
events:
  - id: "summit"
    date: "-0044-03-15"
    title: "=HYPERLINK(\\"http://evil.example\\")"
    summary: "@SUM(1+1)"
    themes: ["alliance"]
    actors: ["+1", "Caesar"]
    status: "occurred"
    sources:
      - {source: "src", quote: "The two leaders met in Washington on Friday"}
"""


def test_list_and_export_csv_escape_formulas_alike_unless_raw(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    (tmp_path / "events.yaml").write_text(FORMULA_EVENTS)
    (tmp_path / "sources").mkdir()
    (tmp_path / "sources" / "src.txt").write_text(
        '---\nid: "src"\ntitle: "T"\noutlet: "O"\npublished: "2023-01-14"\nkind: "report"\n'
        "---\nThe two leaders met in Washington on Friday.\n"
    )
    outputs = {}
    for raw in ([], ["--raw"]):
        for command in ("list", "export"):
            code, out, err = _run(capsys, command, str(tmp_path), "--format", "csv", *raw)
            assert (code, err) == (0, ""), err
            outputs[command, bool(raw)] = out
        assert outputs["list", bool(raw)] == outputs["export", bool(raw)]  # byte for byte
    (safe,) = csv.DictReader(io.StringIO(outputs["list", False], newline=""))
    (raw_row,) = csv.DictReader(io.StringIO(outputs["list", True], newline=""))
    assert safe["title"] == "'" + raw_row["title"] == '\'=HYPERLINK("http://evil.example")'
    assert safe["summary"] == "'@SUM(1+1)"
    assert safe["actors"] == "'+1\nCaesar"  # only a cell's start counts
    assert (safe["date"], safe["earliest"]) == ("'-0044-03-15", "'-0044-03-15")
    assert (safe["id"], safe["themes"]) == ("summit", "alliance")


def test_import_round_trip_through_the_cli(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    exported = tmp_path / "timeline.json"
    assert _run(capsys, "export", "--format", "timelinejs", "-o", str(exported))[0] == 0
    folder = tmp_path / "imported"
    code, out, err = _run(capsys, "import", "timelinejs", str(exported), "-o", str(folder))
    assert (code, err) == (0, "")
    assert "imported 25 events, 11 themes" in out
    code, out, _ = _run(capsys, "check", str(folder))
    assert code == 0, out
    # The imported folder exports the same dates and themes again.
    _, again, _ = _run(capsys, "export", str(folder), "--format", "json")
    _, before, _ = _run(capsys, "export", "--format", "json")

    def pick(doc: str) -> list[tuple[str, str, list[str]]]:
        return [(e["id"], e["date"]["edtf"], e["themes"]) for e in json.loads(doc)["events"]]

    assert pick(again) == pick(before)


def test_import_errors(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"events": [{"start_date": {"year": "soon"}}]}')
    code, _, err = _run(capsys, "import", "timelinejs", str(bad), "-o", str(tmp_path / "out"))
    assert code == 1
    message = "events[0].start_date.year: 'soon' is not a number"
    assert err == f"{bad}:1:37: error [bad-date] {message}\n"
    bad.write_text('{"events": [],\n "eras": 5}')  # a TypeError once
    code, _, err = _run(capsys, "import", "timelinejs", str(bad), "-o", str(tmp_path / "out"))
    assert code == 1
    assert err == f"{bad}:2:10: error [wrong-type] eras: expected a list, got int\n"
    assert not (tmp_path / "out").exists()
    code, _, err = _run(capsys, "import", "timelinejs", str(tmp_path / "missing.json"), "-o", "x")
    assert code == 2 and "cannot read" in err
    code, _, err = _run(capsys, "import", "csv", str(bad), "-o", "x")
    assert code == 2 and "invalid choice: 'csv'" in err


def test_schema_prints_the_shipped_schema(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "schema")
    assert code == 0
    assert json.loads(out) == json.loads(schema_text())


def test_completion_scripts(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "completion", "zsh")
    assert code == 0
    assert out.startswith("#compdef timeline")
    for command in ("export", "import", "serve", "schema", "completion", "check", "list"):
        assert command in out


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_bash_completion_completes_commands_formats_and_flags(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, script, _ = _run(capsys, "completion", "bash")
    assert code == 0
    (tmp_path / "timeline.bash").write_text(script)

    def complete(*words: str) -> list[str]:
        # What bash offers after `timeline WORDS…` (the last word being typed).
        probe = (
            f"source {tmp_path / 'timeline.bash'}\n"
            f"COMP_WORDS=(timeline {' '.join(words)}); COMP_CWORD={len(words)}\n"
            f'COMP_LINE="timeline {" ".join(words)}"; COMP_POINT=${{#COMP_LINE}}\n'
            "_shtab_timeline timeline\n"
            'printf "%s\\n" "${COMPREPLY[@]}"\n'
        )
        done = subprocess.run(["bash", "-c", probe], capture_output=True, text=True,
                              timeout=30, check=False, cwd=tmp_path)  # fmt: skip
        return done.stdout.split()

    assert set(complete("ex")) == {"export"}
    assert {"export", "import", "serve", "schema", "completion"} <= set(complete(""))
    assert set(complete("export", "--format", "")) == {
        "json", "csv", "markdown", "ics", "timelinejs", "html",
    }  # fmt: skip
    assert "--match-all-themes" in complete("export", "--ma")
    # PATH, FILE and -o FILE complete names on disk; -o DIR only folders.
    (tmp_path / "tl.json").write_text("{}")
    (tmp_path / "tl-folder").mkdir()
    assert set(complete("import", "timelinejs", "tl")) == {"tl.json", "tl-folder"}
    assert set(complete("import", "timelinejs", "tl.json", "-o", "tl")) == {"tl-folder"}
    assert "tl.json" in complete("export", "--format", "json", "-o", "tl")
    assert "tl.json" in complete("check", "tl")


def test_serve_refuses_a_bad_port_and_a_broken_dataset(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, _, err = _run(capsys, "serve", "--port", "70000")
    assert code == 2 and "a port is 1–65535" in err
    (tmp_path / "events.yaml").write_text("version: '1'\nthemes: {}\nevents: [}\n")
    code, _, err = _run(capsys, "serve", str(tmp_path))
    assert code == 1 and "events.yaml:3" in err
