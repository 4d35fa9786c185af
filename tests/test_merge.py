"""`phi-lint merge`: static + sweep SARIF into one valid file, one run per category."""

from __future__ import annotations

import json
from pathlib import Path

from phi_lint.cli import main

APEX = """public with sharing class Notes {
    Integer x = 1; // phi-lint: ignore[] no rule named
    Integer y = 2; // phi-lint: ignore[nope/nope] unknown rule
}
"""


def test_merge_static_runs_and_a_foreign_category(make_project, tmp_path: Path, validate_sarif) -> None:  # type: ignore[no-untyped-def]
    root = make_project({"classes/Notes.cls": APEX})
    static = tmp_path / "static.sarif"
    main(["check", str(root), "--format", "sarif", "-o", str(static)])
    other = json.loads(static.read_text())
    other["runs"][0]["automationDetails"]["id"] = "phi-lint/sweep/"
    other["runs"][0]["results"] = other["runs"][0]["results"][:1]
    sweep = tmp_path / "sweep.sarif"
    sweep.write_text(json.dumps(other))
    out = tmp_path / "all.sarif"
    assert main(["merge", str(static), str(static), str(sweep), "-o", str(out)]) == 0
    merged = json.loads(out.read_text())
    validate_sarif(merged)
    assert [r["automationDetails"]["id"] for r in merged["runs"]] == ["phi-lint/static/", "phi-lint/sweep/"]
    static_run = merged["runs"][0]
    assert len(static_run["results"]) == len(
        json.loads(static.read_text())["runs"][0]["results"]
    )  # deduplicated
    ids = [r["id"] for r in static_run["tool"]["driver"]["rules"]]
    assert all(ids[r["ruleIndex"]] == r["ruleId"] for r in static_run["results"])


def test_malformed_input_is_reported_and_the_rest_merged(make_project, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    root = make_project({"classes/Notes.cls": APEX})
    static = tmp_path / "static.sarif"
    main(["check", str(root), "--format", "sarif", "-o", str(static)])
    broken = tmp_path / "broken.sarif"
    broken.write_text('{"version": "2.0.0", "runs": []}')
    garbage = tmp_path / "garbage.sarif"
    garbage.write_bytes(b"\xff\xfe\x00not json")
    out = tmp_path / "all.sarif"
    assert (
        main(
            ["merge", str(broken), str(static), str(garbage), str(tmp_path / "missing.sarif"), "-o", str(out)]
        )
        == 2
    )
    err = capsys.readouterr().err
    assert "broken.sarif: not a SARIF 2.1.0 log" in err
    assert "garbage.sarif: not valid JSON" in err
    assert "missing.sarif: cannot read" in err
    assert len(json.loads(out.read_text())["runs"][0]["results"]) > 0
