"""Faults inside phi-lint: a crashing rule, a malformed configuration, malformed SARIF given to merge.
Each is reported where people look (every output format), the rest of the results are kept, and the
exit code says what happened: 3 = the run was incomplete, 2 = tool or input error."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from phi_lint.findings import NotificationKind

from .conftest import FORMATS, MARKER_LINE, Checker, finding_lines

HEALTHY = f"public with sharing class Healthy {{\n    {MARKER_LINE}\n}}\n"
CRASHING = f"public with sharing class CrashMe {{\n    {MARKER_LINE}\n}}\n"


def _project(make_project) -> Path:  # type: ignore[no-untyped-def]
    return make_project(  # type: ignore[no-any-return]
        {
            "classes/Healthy.cls": HEALTHY,
            "classes/CrashMe.cls": CRASHING,
            "lwc/crashWidget/crashWidget.js": "export default class CrashWidget {}\n",
        }
    )


def test_a_crashing_rule_is_a_notification_and_the_rest_is_kept(make_project, checker: Checker) -> None:  # type: ignore[no-untyped-def]
    root = _project(make_project)
    result = checker.engine(root, extra_rules=["test/crash"])
    crashes = [n for n in result.notifications if n.kind is NotificationKind.RULE_ERROR]
    assert {(n.rule_id, n.path) for n in crashes} == {
        ("test/crash", "force-app/main/default/classes/CrashMe.cls"),
    }
    assert "RuntimeError: deliberate failure in a test rule" in crashes[0].message
    assert result.incomplete
    # The crashing rule's own finding before the crash, the other rules' findings on the same file and
    # all findings on other files are kept.
    assert finding_lines(result, "core/invalid-suppression", "CrashMe.cls") == [2]
    assert finding_lines(result, "core/invalid-suppression", "Healthy.cls") == [2]
    assert finding_lines(result, "test/crash", "CrashMe.cls") == [1]
    assert finding_lines(result, "test/crash", "Healthy.cls") == [1]


def test_a_crashing_rule_is_visible_in_every_output_format(
    make_project, checker: Checker, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    root = _project(make_project)
    reports = checker.all_formats(root, tmp_path, extra_rules=["test/crash"])
    assert set(reports) == set(FORMATS)
    for fmt, (code, text) in reports.items():
        assert code == 3, (fmt, text)
        assert "test/crash" in text, fmt
        assert "CrashMe.cls" in text, fmt
        assert "deliberate failure in a test rule" in text, fmt
        assert "Healthy.cls" in text, fmt  # the other findings are still reported
    sarif = json.loads(reports["sarif"][1][: reports["sarif"][1].rindex("}") + 1])
    invocation = sarif["runs"][0]["invocations"][0]
    assert invocation["executionSuccessful"] is False
    (note,) = [n for n in invocation["toolExecutionNotifications"] if n.get("associatedRule", {}).get("id")]
    assert note["associatedRule"]["id"] == "test/crash"
    assert note["level"] == "error"
    assert note["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].endswith("CrashMe.cls")
    github = reports["github"][1]
    line = next(line for line in github.splitlines() if "deliberate failure" in line)
    assert line.startswith("::error ") and "CrashMe.cls" in line and "test/crash" in line
    assert "Incomplete run" in reports["markdown"][1]
    assert "The run was incomplete" in reports["text"][1]


def test_exit_zero_does_not_hide_an_incomplete_run(make_project, checker: Checker) -> None:  # type: ignore[no-untyped-def]
    root = _project(make_project)
    code, _, _ = checker.cli("check", str(root), "--no-cache", "--exit-zero", extra_rules=["test/crash"])
    assert code == 3
    code, out, _ = checker.cli(
        "check", str(root), "--no-cache", "--quiet", "--select", "test/crash", extra_rules=["test/crash"]
    )
    assert code == 3 and "deliberate failure" in out


def test_a_crash_inside_the_engine_keeps_the_other_files(
    make_project,
    checker: Checker,  # type: ignore[no-untyped-def]
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from phi_lint import engine

    original = engine.analyze_file

    def explode(project, path, *args, **kwargs):  # type: ignore[no-untyped-def]
        if path.name == "CrashMe.cls":
            raise MemoryError("simulated")
        return original(project, path, *args, **kwargs)

    monkeypatch.setattr(engine, "analyze_file", explode)
    result = checker.engine(root := _project(make_project))
    assert finding_lines(result, "core/invalid-suppression", "Healthy.cls") == [2]
    assert any(
        n.path and n.path.endswith("CrashMe.cls") and "MemoryError" in n.message for n in result.notifications
    )
    assert result.incomplete
    code, out, _ = checker.cli("check", str(root), "--no-cache")
    assert code == 3 and "CrashMe.cls" in out


def test_a_failing_prepare_step_is_reported(
    make_project, checker: Checker, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    import phi_lint.analyzers.apex as apex

    def broken(project, files):  # type: ignore[no-untyped-def]
        raise KeyError("summaries")

    monkeypatch.setattr(apex, "prepare", broken)
    result = checker.engine(_project(make_project))
    assert any("apex project analysis failed" in n.message for n in result.notifications)
    assert result.incomplete
    assert finding_lines(result, "core/invalid-suppression", "Healthy.cls") == [2]


# ---- malformed phi-lint.toml ----------------------------------------------------------------------------
BAD_CONFIGS = {
    "syntax": ('select = ["apex/"\n', "invalid TOML"),
    "unknown-key": ('selekt = ["apex/"]\n', "selekt"),
    "wrong-type": ('select = "apex/"\n', "select"),
    "unknown-rule": ('ignore = ["apex/no-such-rule"]\n', "no-such-rule"),
    "bad-options": ('[rules."core/unused-suppression"]\nnot_an_option = 3\n', "not_an_option"),
    "binary": ("\x00\x01\x02\xff", "phi-lint.toml"),
    "jobs-negative": ('jobs = "many"\n', "jobs"),
    "deep-nesting": ("x = " + "[" * 5000 + "]" * 5000 + "\n", "phi-lint.toml"),
}


@pytest.mark.parametrize("name", sorted(BAD_CONFIGS))
def test_malformed_config_is_a_clear_error(name: str, make_project, checker: Checker) -> None:  # type: ignore[no-untyped-def]
    text, expected = BAD_CONFIGS[name]
    root = make_project({"classes/Healthy.cls": HEALTHY})
    (root / "phi-lint.toml").write_bytes(
        text.encode("utf-8", "surrogateescape") if name != "binary" else b"\x00\x01\xff"
    )
    code, out, err = checker.cli("check", str(root), "--no-cache")
    assert code == 2, (out, err)
    assert err.startswith("phi-lint: error: "), err
    assert "phi-lint.toml" in err and expected in err, err
    assert "internal error" not in err and "Traceback" not in err


def test_config_from_pyproject_is_checked_too(make_project, checker: Checker) -> None:  # type: ignore[no-untyped-def]
    root = make_project({"classes/Healthy.cls": HEALTHY})
    (root / "pyproject.toml").write_text("[tool.phi-lint]\nselect = 3\n")
    code, _, err = checker.cli("check", str(root), "--no-cache", "--config", str(root / "pyproject.toml"))
    assert code == 2 and "pyproject.toml" in err and "internal error" not in err, err


def test_malformed_sfdx_project_json_is_reported(make_project, checker: Checker) -> None:  # type: ignore[no-untyped-def]
    root = make_project({"classes/Healthy.cls": HEALTHY})
    for text in (
        "{not json",
        '{"packageDirectories": 3}',
        '{"packageDirectories": [{"path": 7}]}',
        "[]",
        '{"sourceApiVersion": "sixty"}',
        "\x00\xff",
    ):
        (root / "sfdx-project.json").write_bytes(text.encode("utf-8", "surrogateescape"))
        code, out, err = checker.cli("check", str(root), "--no-cache")
        assert code in (1, 3), (text, err)
        assert "internal error" not in err, (text, err)
        assert "Healthy.cls:2:" in out, text


# ---- malformed SARIF given to merge -------------------------------------------------------------------
def _run_with(members: str) -> str:
    return '{"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "x"}}, ' + members + "}]}"


def _driver_with(members: str) -> str:
    return '{"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "x", ' + members + "}}}]}"


MALFORMED_SARIF: dict[str, str | bytes] = {
    "not-json": "{ this is not json",
    "binary": b"\x89PNG\r\n\x1a\n\x00\x00",
    "utf16": '{"version": "2.1.0", "runs": []}'.encode("utf-16"),
    "empty": "",
    "array": "[]",
    "wrong-version": '{"version": "2.0.0", "runs": []}',
    "runs-not-array": '{"version": "2.1.0", "runs": {}}',
    "run-not-object": '{"version": "2.1.0", "runs": [3]}',
    "tool-not-object": '{"version": "2.1.0", "runs": [{"tool": "phi-lint"}]}',
    "driver-without-name": '{"version": "2.1.0", "runs": [{"tool": {"driver": {}}}]}',
    "results-not-array": _run_with('"results": 3'),
    "result-not-object": _run_with('"results": [1, "a"]'),
    "rule-without-id": _driver_with('"rules": [{"name": "r"}]'),
    "rules-not-array": _driver_with('"rules": 5'),
    "invocations-not-array": _run_with('"invocations": "no"'),
    "invocation-not-object": _run_with('"invocations": [7]'),
    "automation-not-object": _run_with('"automationDetails": 1'),
    "bad-region": (
        '{"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "x"}}, "results": [{"ruleId": "a", '
        '"message": {"text": "m"}, "locations": [{"physicalLocation": {"region": {"startLine": "one"}}}]}]}]}'
    ),
    "locations-not-array": (
        '{"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "x"}}, "results": [{"ruleId": "a", '
        '"message": {"text": "m"}, "locations": "here"}]}]}'
    ),
    "deeply-nested": '{"version": "2.1.0", "runs": ' + "[" * 100_000 + "]" * 100_000 + "}",
}


@pytest.mark.parametrize("name", sorted(MALFORMED_SARIF))
def test_malformed_sarif_is_reported_and_the_rest_merged(
    name: str,
    make_project,
    checker: Checker,  # type: ignore[no-untyped-def]
    tmp_path: Path,
    validate_sarif,
) -> None:
    root = make_project({"classes/Healthy.cls": HEALTHY})
    good = tmp_path / "good.sarif"
    assert checker.cli("check", str(root), "--no-cache", "--format", "sarif", "-o", str(good))[0] == 1
    bad = tmp_path / f"{name}.sarif"
    content = MALFORMED_SARIF[name]
    bad.write_bytes(content if isinstance(content, bytes) else content.encode())
    out = tmp_path / "merged.sarif"
    code, stdout, stderr = checker.cli("merge", str(good), str(bad), "-o", str(out))
    assert code == 2, (stdout, stderr)
    assert f"{name}.sarif" in stderr and "internal error" not in stderr and "Traceback" not in stderr, stderr
    merged = json.loads(out.read_text())
    validate_sarif(merged)
    assert len(merged["runs"][0]["results"]) == len(json.loads(good.read_text())["runs"][0]["results"])


def test_merge_of_a_missing_file(tmp_path: Path, checker: Checker) -> None:
    out = tmp_path / "merged.sarif"
    code, _, err = checker.cli("merge", str(tmp_path / "nope.sarif"), "-o", str(out))
    assert code == 2 and "nope.sarif" in err
    assert json.loads(out.read_text())["runs"] == []


# ---- outputs that cannot be written ---------------------------------------------------------------------
def test_an_unwritable_output_is_exit_2_not_a_traceback(
    make_project, checker: Checker, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    """An uncaught exception exits 1, which CI reads as "findings": every command says what it could not
    write and exits 2."""
    root = make_project({"classes/Healthy.cls": HEALTHY})
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    sarif = tmp_path / "good.sarif"
    assert checker.cli("check", str(root), "--no-cache", "--format", "sarif", "-o", str(sarif))[0] == 1
    for args in (
        ["check", str(root), "--no-cache", "--format", "sarif", "-o", str(blocker / "x.sarif")],
        ["merge", str(sarif), "-o", str(blocker / "merged.sarif")],
        ["baseline", "write", str(blocker / "baseline.json"), str(root)],
    ):
        code, _, err = checker.cli(*args)
        assert code == 2, (args, err)
        assert "cannot write" in err and "a-file" in err, err


def test_a_crashing_reporter_is_exit_2(
    make_project, checker: Checker, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    from phi_lint.reporters import jsonout

    def broken(*_args: object) -> object:
        raise TypeError("reporter bug")

    monkeypatch.setattr(jsonout, "to_json", broken)
    root = make_project({"classes/Healthy.cls": HEALTHY})
    code, _, err = checker.cli("check", str(root), "--no-cache", "--format", "json")
    assert code == 2 and "internal error: TypeError: reporter bug" in err


BAD_BASELINES: dict[str, bytes] = {
    "not-json": b"{",
    "binary": b"\x00\xff",
    "array": b"[]",
    "findings-not-array": b'{"version": 1, "findings": 3}',
    "entry-not-object": b'{"version": 1, "findings": [1, 2]}',
    "fingerprint-not-string": b'{"version": 1, "findings": [{"fingerprint": 3}]}',
    "deeply-nested": b'{"version": 1, "findings": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
}


@pytest.mark.parametrize("name", sorted(BAD_BASELINES))
def test_malformed_baseline_is_a_clear_error(
    name: str, make_project, checker: Checker, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    root = make_project({"classes/Healthy.cls": HEALTHY})
    baseline = tmp_path / f"{name}.json"
    baseline.write_bytes(BAD_BASELINES[name])
    code, _, err = checker.cli("check", str(root), "--no-cache", "--baseline", str(baseline))
    assert code == 2, err
    assert f"{name}.json" in err and "internal error" not in err, err
