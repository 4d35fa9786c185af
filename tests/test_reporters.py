"""Reporters on a real run: SARIF valid against the official schema and shaped for GitHub code
scanning; text, json, github and markdown carry the same findings."""

from __future__ import annotations

import json
from pathlib import Path

from phi_lint.cli import main

# Two invalid directives (findings), one valid suppression of one of them, one unused suppression,
# one syntax error (a notification, not a finding).
APEX = """public with sharing class Notes {
    public static void a() {
        Integer x = 1; // phi-lint: ignore[] no rule named
        // phi-lint: ignore[core/invalid-suppression] the directive below is kept for a migration script
        Integer y = 2; // phi-lint: disable[core/unused-suppression] old syntax
        // phi-lint: ignore[core/invalid-suppression] nothing to silence here
        Integer z = 3;
    }
}
"""
BROKEN = "public class Broken { void m() { Integer x = ; } }\n"


def _run(root: Path, *args: str) -> int:
    return main(["check", str(root), *args])


def test_sarif_is_schema_valid_and_complete(make_project, validate_sarif, tmp_path) -> None:  # type: ignore[no-untyped-def]
    root = make_project({"classes/Notes.cls": APEX, "classes/Broken.cls": BROKEN})
    out = tmp_path / "out.sarif"
    assert _run(root, "--format", "sarif", "-o", str(out)) == 1
    doc = json.loads(out.read_text())
    validate_sarif(doc)
    (run,) = doc["runs"]
    assert run["automationDetails"]["id"] == "phi-lint/static/"
    rules = run["tool"]["driver"]["rules"]
    rule_ids = [r["id"] for r in rules]
    assert "core/unused-suppression" in rule_ids and "core/invalid-suppression" in rule_ids
    for rule in rules:
        assert rule["help"]["text"] and rule["help"]["markdown"] and rule["helpUri"]
        assert float(rule["properties"]["security-severity"]) >= 0
        assert rule["defaultConfiguration"]["level"] in {"error", "warning", "note"}
    results = run["results"]
    by_line = {
        (r["ruleId"], r["locations"][0]["physicalLocation"]["region"]["startLine"]): r for r in results
    }
    assert set(by_line) == {
        ("core/invalid-suppression", 3),
        ("core/invalid-suppression", 5),
        ("core/unused-suppression", 6),
    }
    for result in results:
        assert rule_ids[result["ruleIndex"]] == result["ruleId"]
        location = result["locations"][0]["physicalLocation"]["artifactLocation"]
        assert location == {"uri": "force-app/main/default/classes/Notes.cls", "uriBaseId": "%SRCROOT%"}
        assert len(result["partialFingerprints"]["phiLint/v1"]) == 32
    suppressed = by_line[("core/invalid-suppression", 5)]
    assert suppressed["suppressions"][0]["kind"] == "inSource"
    assert "migration script" in suppressed["suppressions"][0]["justification"]
    assert "suppressions" not in by_line[("core/invalid-suppression", 3)]
    notes = run["invocations"][0]["toolExecutionNotifications"]
    assert any(
        n["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].endswith("Broken.cls") for n in notes
    )
    assert run["invocations"][0]["executionSuccessful"] is True  # a parse error is reported, not a failure


def test_fingerprints_survive_unrelated_edits(make_project, tmp_path) -> None:  # type: ignore[no-untyped-def]
    root = make_project({"classes/Notes.cls": APEX})
    first, second = tmp_path / "1.json", tmp_path / "2.json"
    _run(root, "--format", "json", "-o", str(first))
    cls = root / "force-app/main/default/classes/Notes.cls"
    cls.write_text("// a new header comment\n\n" + APEX.replace("Integer z = 3;", "Integer z = 4;"))
    _run(root, "--format", "json", "-o", str(second))

    def prints(path: Path) -> dict[str, int]:
        findings = json.loads(path.read_text())["runs"][0]["findings"]
        return {f["fingerprint"]: f["location"]["start_line"] for f in findings}

    before, after = prints(first), prints(second)
    assert set(before) == set(after)
    assert all(after[k] == before[k] + 2 for k in before)


def test_output_is_byte_identical_across_runs(make_project, tmp_path) -> None:  # type: ignore[no-untyped-def]
    root = make_project({"classes/Notes.cls": APEX, "classes/Broken.cls": BROKEN})
    outputs = []
    for i in range(2):
        out = tmp_path / f"{i}.sarif"
        _run(root, "--format", "sarif", "-o", str(out), "--no-cache")
        outputs.append(out.read_bytes())
    assert outputs[0] == outputs[1]


def test_text_github_and_markdown(make_project, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    root = make_project({"classes/Notes.cls": APEX})
    monkeypatch.chdir(root.parent)
    assert _run(Path("proj"), "--color", "never") == 1
    text = capsys.readouterr().out
    assert "force-app/main/default/classes/Notes.cls:3:" in text
    assert "core/invalid-suppression invalid suppression: names no rule" in text
    assert "Found 2 findings in 2 files (1 suppressed, not shown)." in text
    assert _run(Path("proj"), "--format", "github") == 1
    gh = capsys.readouterr().out.splitlines()
    assert gh[0].startswith("::warning file=proj/force-app/main/default/classes/Notes.cls,line=3,col=")
    assert (
        ",title=core/invalid-suppression::invalid suppression%3A" not in gh[0]
    )  # message part is not escaped for :
    assert "::invalid suppression: names no rule" in gh[0]
    assert _run(Path("proj"), "--format", "markdown") == 1
    md = capsys.readouterr().out
    assert md.startswith("# phi-lint audit evidence")
    assert "the directive below is kept for a migration script" in md  # suppressions and why


def test_exit_codes(make_project, capsys) -> None:  # type: ignore[no-untyped-def]
    clean = make_project({"classes/Ok.cls": "public with sharing class Ok {}\n"})
    assert _run(clean) == 0
    assert _run(clean, "--quiet") == 0
    assert capsys.readouterr().out.startswith("Found 0 findings")  # first run printed the summary
    dirty = make_project({"classes/Notes.cls": APEX})
    assert _run(dirty) == 1
    assert _run(dirty, "--exit-zero") == 0
    assert main(["check", str(dirty / "nope")]) == 2
    assert main(["explain", "core/unused-suppresion"]) == 2
    assert "did you mean core/unused-suppression" in capsys.readouterr().err


def test_baseline_hides_known_findings_only(make_project, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    root = make_project({"classes/Notes.cls": APEX})
    baseline = tmp_path / "baseline.json"
    assert main(["baseline", "write", str(baseline), str(root)]) == 0
    assert _run(root, "--baseline", str(baseline)) == 0
    cls = root / "force-app/main/default/classes/Notes.cls"
    cls.write_text(
        cls.read_text().replace("void a() {", "void a() {\n        Integer w = 0; // phi-lint: ignore[] new")
    )
    capsys.readouterr()
    assert _run(root, "--baseline", str(baseline)) == 1
    out = capsys.readouterr().out
    # Only the new finding fails; the recorded one (now on line 4) stays hidden although it moved.
    assert "Notes.cls:3:" in out and "Notes.cls:4:" not in out
    assert "Found 1 finding in" in out
    baseline.write_text("{not json")
    assert _run(root, "--baseline", str(baseline)) == 2


def test_rules_and_explain(capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["rules"]) == 0
    assert "core/unused-suppression" in capsys.readouterr().out
    assert main(["explain", "core/unused-suppression"]) == 0
    page = capsys.readouterr().out
    for heading in ("## What it does", "## Why is this bad?", "## Example", "## Use instead"):
        assert heading in page


def test_every_hipaa_tag_of_a_rule_has_a_safeguard_name() -> None:
    """The markdown audit report titles each group by its safeguard: a rule tagged with a section the
    table does not know would give a heading with a bare number."""
    from phi_lint.reporters.markdown import SAFEGUARD_NAMES
    from phi_lint.rules import default_registry

    unnamed = sorted({tag for rule in default_registry() for tag in rule.hipaa if tag not in SAFEGUARD_NAMES})
    assert unnamed == []
