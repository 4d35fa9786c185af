"""The axe JSON -> PageIssue/Finding mapping, from recorded axe-core 4.12 results (no browser)."""

from __future__ import annotations

import copy
import json
from pathlib import Path

from phi_lint.findings import NotificationKind, Severity
from phi_lint.sweep.axe import axe_options, axe_rule_meta, map_axe_results, wcag_criteria
from phi_lint.sweep.issues import ComponentLocator, PageContext, normalize_target, to_findings

DATA = Path(__file__).parent / "data"


def load(name: str) -> dict:
    return json.loads((DATA / name).read_text(encoding="utf-8"))


def test_crashed_rule_is_a_notification_never_a_pass_or_finding() -> None:
    outcome = map_axe_results(load("axe-synthetic-unpatched.json"), "Patients (/p)", "sweep.toml", 7)
    assert [n.kind for n in outcome.notifications] == [NotificationKind.RULE_NOT_EVALUATED]
    note = outcome.notifications[0]
    assert note.rule_id == "axe/color-contrast"
    assert note.makes_run_incomplete and note.level is Severity.ERROR
    assert (note.path, note.line) == ("sweep.toml", 7)
    assert "not a pass" in note.message and "getElementById" in note.message
    # The crashed rule's "error-occurred" nodes are not reported as findings or as needs-review.
    assert "axe/color-contrast" not in {i.rule_id for i in outcome.issues}
    assert sorted(i.rule_id for i in outcome.issues) == ["axe/button-name", "axe/image-alt"]


def test_patched_results_report_the_contrast_failure_and_needs_review() -> None:
    outcome = map_axe_results(load("axe-synthetic-patched.json"), "Patients")
    assert outcome.notifications == []
    by_rule = {(i.rule_id, i.severity, i.selector) for i in outcome.issues}
    assert by_rule == {
        ("axe/button-name", Severity.ERROR, "c-patient-card >>> button"),
        ("axe/color-contrast", Severity.ERROR, "c-patient-card >>> label"),
        ("axe/image-alt", Severity.ERROR, "img"),
        ("axe/color-contrast", Severity.NOTE, "#bg"),
    }
    review = next(i for i in outcome.issues if i.severity is Severity.NOTE)
    assert review.message.startswith("needs review: ")
    contrast = next(
        i for i in outcome.issues if i.rule_id == "axe/color-contrast" and i.severity is Severity.ERROR
    )
    assert "insufficient color contrast" in contrast.message
    assert contrast.properties["wcag"] == "1.4.3"


def test_rule_meta_is_built_from_axe_result() -> None:
    outcome = map_axe_results(load("axe-synthetic-patched.json"))
    metas = {m.id: m for m in outcome.rules}
    contrast = metas["axe/color-contrast"]
    assert contrast.wcag == ("1.4.3",)
    assert contrast.references[0].startswith("https://dequeuniversity.com/rules/axe/")
    assert contrast.languages == ("page",) and contrast.family == "axe"
    assert "WCAG-1.4.3" in contrast.all_tags
    assert contrast.message == "Elements must meet minimum color contrast ratio thresholds"


def test_wcag_tags_to_success_criteria() -> None:
    assert wcag_criteria(["wcag2aa", "wcag143", "wcag2411", "wcag258", "wcag1410", "best-practice"]) == (
        "1.4.3",
        "2.4.11",
        "2.5.8",
        "1.4.10",
    )


def test_axe_options_request_wcag22_so_target_size_runs() -> None:
    options = axe_options(["region"])
    assert options["runOnly"]["values"] == ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
    assert options["rules"] == {"region": {"enabled": False}}


def test_impact_sets_severity() -> None:
    data = load("axe-synthetic-patched.json")
    data = copy.deepcopy(data)
    data["violations"][0]["nodes"][0]["impact"] = "minor"
    outcome = map_axe_results(data)
    assert any(i.severity is Severity.WARNING for i in outcome.issues)


def test_lwc_build_hashes_are_stripped_from_selectors_and_fingerprints() -> None:
    target = [['c-app[lwc-ssv0jn7orr-host=""]', "c-patient-table[lwc-2k3j4abc-host]", "table[lwc-2k3j4abc]"]]
    assert normalize_target(target) == "c-app >>> c-patient-table >>> table"
    data = copy.deepcopy(load("axe-synthetic-patched.json"))
    rule = next(r for r in data["violations"] if r["id"] == "button-name")
    page = PageContext(
        url="http://127.0.0.1:1/p.html", key="/p.html", config_path="sweep.toml", config_line=3
    )
    first = to_findings(map_axe_results(data).issues, page, ComponentLocator(None))
    rule["nodes"][0]["target"] = [['c-patient-card[lwc-9zz9-host=""]', "button[lwc-9zz9]"]]
    second = to_findings(map_axe_results(data).issues, page, ComponentLocator(None))
    from phi_lint.findings import assign_fingerprints

    fp1 = {f.rule_id + f.property("selector"): f.fingerprint for f in assign_fingerprints(first)}
    fp2 = {f.rule_id + f.property("selector"): f.fingerprint for f in assign_fingerprints(second)}
    assert fp1 == fp2


def test_findings_mask_patient_text_and_locate_the_page_entry() -> None:
    page = PageContext(
        url="http://127.0.0.1:1/p.html",
        key="/p.html",
        config_path="sweep.toml",
        config_line=3,
        name="Patients",
    )
    findings = to_findings(
        map_axe_results(load("axe-synthetic-patched.json")).issues, page, ComponentLocator(None)
    )
    contrast = next(f for f in findings if f.rule_id == "axe/color-contrast" and f.severity is Severity.ERROR)
    assert "123-45-6789" not in contrast.location.snippet and "Patient" not in contrast.location.snippet
    assert contrast.location.snippet.startswith('<label for="i1"')
    assert (contrast.location.path, contrast.location.start_line) == ("sweep.toml", 3)
    assert [ll.kind for ll in contrast.logical_locations] == ["page", "element"]
    assert contrast.logical_locations[1].name == "c-patient-card >>> label"
    assert contrast.category == "sweep"


def test_component_locator_maps_custom_elements_to_lwc_source(tmp_path: Path) -> None:
    bundle = tmp_path / "force-app/main/default/lwc/patientCard"
    bundle.mkdir(parents=True)
    (bundle / "patientCard.html").write_text(
        '<template>\n  <p>x</p>\n  <label for="i">Name</label>\n</template>\n'
    )
    locator = ComponentLocator(tmp_path)
    assert locator.source_for("c-app >>> c-patient-card >>> label") == (
        "force-app/main/default/lwc/patientCard/patientCard.html",
        3,
    )
    # Not a project component (lightning-*), or no source in the project: no component location.
    assert locator.source_for("lightning-datatable >>> table") is None
    assert locator.source_for("c-missing >>> table") is None
    page = PageContext(url="u", key="/p", config_path="sweep.toml", config_line=9)
    findings = to_findings(map_axe_results(load("axe-synthetic-patched.json")).issues, page, locator)
    contrast = next(f for f in findings if f.rule_id == "axe/color-contrast" and f.severity is Severity.ERROR)
    assert contrast.location.path == "force-app/main/default/lwc/patientCard/patientCard.html"
    img = next(f for f in findings if f.rule_id == "axe/image-alt")
    assert (img.location.path, img.location.start_line) == ("sweep.toml", 9)


def test_axe_rule_meta_handles_sparse_input() -> None:
    meta = axe_rule_meta({"id": "x"})
    assert meta.id == "axe/x" and meta.wcag == () and meta.references == ()
