"""`phi-lint sweep` end to end on the bundled demo site (examples/sweep-site): SARIF, HTML, exit codes."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from phi_lint.cli import main

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "examples" / "sweep-site"
LWC = "force-app/main/default/lwc/patientTable/patientTable.html"

# Every deliberate problem of the demo, with where GitHub will show it.
EXPECTED = {
    ("a11y/phi-table-name", "error", LWC, 4),
    ("a11y/phi-table-row-header", "error", LWC, 4),
    ("a11y/phi-table-sort-state", "error", LWC, 7),
    ("a11y/phi-truncated-cell", "error", LWC, 17),
    ("axe/color-contrast", "error", LWC, 3),
    ("axe/image-alt", "error", "sweep.toml", 15),
    ("a11y/accessible-authentication", "error", "sweep.toml", 20),
    ("a11y/accessible-authentication", "warning", "sweep.toml", 20),
    ("a11y/focus-not-obscured", "error", "sweep.toml", 24),
    ("a11y/phi-div-table", "error", "sweep.toml", 24),
    ("a11y/phi-in-title", "error", "sweep.toml", 24),
    ("axe/aria-prohibited-attr", "note", "sweep.toml", 24),
}


@pytest.fixture(scope="module")
def demo_sarif(tmp_path_factory: pytest.TempPathFactory) -> tuple[int, dict]:
    out = tmp_path_factory.mktemp("demo") / "sweep.sarif"
    code = main(
        [
            "sweep",
            "--config",
            str(DEMO / "sweep.toml"),
            "--project",
            str(DEMO),
            "--format",
            "sarif",
            "--output",
            str(out),
            "--workers",
            "2",
            "--quiet",
        ]
    )
    return code, json.loads(out.read_text(encoding="utf-8"))


def test_demo_sarif_is_valid_and_exact(
    demo_sarif: tuple[int, dict], validate_sarif: Callable[[dict], None]
) -> None:
    code, log = demo_sarif
    assert code == 1  # violations
    validate_sarif(log)
    [run] = log["runs"]
    assert run["automationDetails"]["id"] == "phi-lint/sweep/"
    found = {
        (
            r["ruleId"],
            r["level"],
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            r["locations"][0]["physicalLocation"]["region"]["startLine"],
        )
        for r in run["results"]
    }
    assert found == EXPECTED
    suppressed = [r for r in run["results"] if r.get("suppressions")]
    assert [r["ruleId"] for r in suppressed] == ["axe/aria-prohibited-attr"]
    assert run["invocations"][0]["executionSuccessful"] is True


def test_demo_sarif_results_carry_page_selector_wcag_and_fingerprints(demo_sarif: tuple[int, dict]) -> None:
    run = demo_sarif[1]["runs"][0]
    rules = {r["id"]: r for r in run["tool"]["driver"]["rules"]}
    # Descriptors for every enabled rule, not only those that fired (target-size runs under wcag22aa).
    assert "axe/target-size" in rules and "a11y/phi-grid-rowindex" in rules
    assert "WCAG-1.4.3" in rules["axe/color-contrast"]["properties"]["tags"]
    assert "WCAG-2.4.11" in rules["a11y/focus-not-obscured"]["properties"]["tags"]
    contrast = next(r for r in run["results"] if r["ruleId"] == "axe/color-contrast")
    logical = contrast["locations"][0]["logicalLocations"]
    assert logical[0]["kind"] == "page" and logical[0]["name"].endswith("/patients.html")
    assert logical[1] == {
        "kind": "element",
        "name": "c-patient-table >>> p",
        "fullyQualifiedName": logical[0]["name"] + " c-patient-table >>> p",
    }
    fingerprints = [next(iter(r["partialFingerprints"].values())) for r in run["results"]]
    assert len(set(fingerprints)) == len(fingerprints)


def test_fingerprints_are_stable_across_runs_and_ports(demo_sarif: tuple[int, dict], tmp_path: Path) -> None:
    out = tmp_path / "again.sarif"
    assert (
        main(
            [
                "sweep",
                "--config",
                str(DEMO / "sweep.toml"),
                "--project",
                str(DEMO),
                "--format",
                "sarif",
                "--output",
                str(out),
                "--quiet",
                "--select",
                "axe/color-contrast,a11y/phi-table-name",
            ]
        )
        == 1
    )
    again = json.loads(out.read_text())["runs"][0]["results"]
    first = {r["ruleId"]: r["partialFingerprints"] for r in demo_sarif[1]["runs"][0]["results"]}
    assert {r["ruleId"] for r in again} == {"axe/color-contrast", "a11y/phi-table-name"}
    for result in again:
        assert result["partialFingerprints"] == first[result["ruleId"]]


def test_demo_html_report(tmp_path: Path) -> None:
    out = tmp_path / "sweep.html"
    shots = tmp_path / "shots"
    code = main(
        [
            "sweep",
            "--config",
            str(DEMO / "sweep.toml"),
            "--format",
            "html",
            "--output",
            str(out),
            "--screenshots",
            str(shots),
            "--quiet",
            "--select",
            "a11y/phi-table-name,axe/color-contrast",
        ]
    )
    assert code == 1
    html = out.read_text(encoding="utf-8")
    assert html.startswith("<!doctype html>") and "<script" not in html
    assert "WCAG 1.3.1" in html and "WCAG 1.4.3" in html
    assert "a11y/phi-table-name" in html and "https://dequeuniversity.com/rules/axe/" in html
    assert html.count('src="data:image/png;base64,') == 2 == len(list(shots.glob("*.png")))
    assert "123-45-6789" not in html and "Lovelace" not in html


def test_clean_page_exits_zero_and_usage_errors_exit_two(tmp_path: Path) -> None:
    out = tmp_path / "index.sarif"
    config = tmp_path / "sweep.toml"
    config.write_text(f'[sweep]\nserve = "{(DEMO / "site").as_posix()}"\n\n[[pages]]\nurl = "/index.html"\n')
    assert main(["sweep", "--config", str(config), "--format", "json", "-o", str(out), "--quiet"]) == 0
    assert main(["sweep", "--quiet"]) == 2  # no pages
    bad = tmp_path / "bad.toml"
    bad.write_text("[sweep]\ntimeot = 3\n")
    assert main(["sweep", "--config", str(bad)]) == 2


def test_a_page_that_could_not_be_checked_exits_three(tmp_path: Path) -> None:
    """Like `phi-lint check`: an incomplete sweep never passes, and says so with its own exit code."""
    out = tmp_path / "partial.json"
    config = tmp_path / "sweep.toml"
    config.write_text(
        f'[sweep]\nserve = "{(DEMO / "site").as_posix()}"\n\n'
        '[[pages]]\nurl = "/index.html"\n\n[[pages]]\nurl = "/no-such-page.html"\n'
    )
    assert main(["sweep", "--config", str(config), "--format", "json", "-o", str(out), "--quiet"]) == 3
    (run,) = json.loads(out.read_text())["runs"]
    assert run["incomplete"]
    assert any("no-such-page" in n["message"] or "404" in n["message"] for n in run["notifications"])
