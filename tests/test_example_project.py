"""The bundled example project: the whole check (all rules, the project's own phi-lint.toml) must find
exactly the deliberate problems marked with `expect:` comments in its files, and nothing else."""

from __future__ import annotations

import json
from pathlib import Path

from phi_lint.cli import main
from phi_lint.fixture_harness import parse_markers
from phi_lint.project import file_kind
from phi_lint.rules import default_registry

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "clinic"


def _expected() -> set[tuple[str, str, int]]:
    registry = default_registry()
    expected: set[tuple[str, str, int]] = set()
    for path in sorted(EXAMPLE.rglob("*")):
        if path.is_file() and file_kind(path):
            rel = path.relative_to(EXAMPLE).as_posix()
            markers, _ = parse_markers(path.read_text(encoding="utf-8"), registry, rel)
            expected |= {(m.rule_id, rel, m.target_line) for m in markers if m.kind in ("expect", "todo-ok")}
    return expected


def test_example_finds_every_planted_problem_and_nothing_else(tmp_path: Path) -> None:
    out = tmp_path / "report.json"
    rc = main(["check", str(EXAMPLE), "--format", "json", "-o", str(out), "--no-cache"])
    report = json.loads(out.read_text())
    (run,) = report["runs"]
    found = {
        (f["rule_id"], f["location"]["path"], f["location"]["start_line"])
        for f in run["findings"]
        if f["suppression"] is None
    }
    expected = _expected()
    assert found == expected, f"missed: {sorted(expected - found)}\nunexpected: {sorted(found - expected)}"
    assert run["notifications"] == []
    assert rc == (1 if expected else 0)


def test_example_sarif_is_valid(tmp_path: Path, validate_sarif) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "report.sarif"
    main(["check", str(EXAMPLE), "--format", "sarif", "-o", str(out), "--no-cache"])
    validate_sarif(json.loads(out.read_text()))
