"""API 67.0 (Summer '26) defaults for apex/soql-without-sharing and apex/soql-without-fls.

From 67.0 database operations run in user mode unless they opt out (`WITH SYSTEM_MODE`,
`AccessLevel.SYSTEM_MODE`, `insert as system`) and classes without a sharing keyword run with sharing;
triggers always run in system mode; below 67.0 the old defaults hold. The version comes from the
class's `-meta.xml`, else `sourceApiVersion` (62.0 in the fixture project)."""

from __future__ import annotations

import shutil
from pathlib import Path

from phi_lint.analyzers.apex import classes, structure_rules
from phi_lint.config import load_config_file
from phi_lint.context import FileContext
from phi_lint.findings import Severity
from phi_lint.fixture_harness import fixtures_dir
from phi_lint.project import Project, open_project
from phi_lint.rules import default_registry

CLASSES = "force-app/main/default/classes"
TRIGGERS = "force-app/main/default/triggers"


def meta(version: str, kind: str = "ApexClass") -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<{kind} xmlns="http://soap.sforce.com/2006/04/metadata">\n'
        f"    <apiVersion>{version}</apiVersion>\n    <status>Active</status>\n</{kind}>\n"
    )


def project_with(tmp_path: Path, files: dict[str, str]) -> tuple[Project, Path]:
    root = tmp_path / "project"
    shutil.copytree(fixtures_dir() / "_project", root)
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    config = load_config_file(root / "phi-lint.toml", default_registry())
    return open_project(root, config), root


def context(project: Project, root: Path, rel: str) -> FileContext:
    path = root / rel
    text = path.read_text(encoding="utf-8")
    return FileContext(project, path, rel, "apex", text.encode("utf-8"), text)


def marked_lines(text: str, marker: str) -> set[int]:
    return {i for i, line in enumerate(text.splitlines(), 1) if marker in line}


CLASS_BODY = """\
public {sharing}class Clinic{suffix} {{
    public static List<Patient__c> defaultMode() {{
        return [SELECT Id, SSN__c FROM Patient__c]; // default
    }}
    public static List<Patient__c> systemMode() {{
        return [SELECT Id, SSN__c FROM Patient__c WITH SYSTEM_MODE]; // system-query
    }}
    public static List<Patient__c> dynamicSystem() {{
        return Database.query('SELECT Id, MRN__c FROM Patient__c', AccessLevel.SYSTEM_MODE); // system-dynamic
    }}
    public static void writeSystem(Patient__c p) {{
        insert as system p; // system-dml
        update p; // default-dml
        Database.update(p, AccessLevel.SYSTEM_MODE); // system-database
    }}
    public static List<Account> systemNonPhi() {{
        return [SELECT Id, Name FROM Account WITH SYSTEM_MODE]; // system-nonphi
    }}
}}
"""


def build(tmp_path: Path, version: str | None, sharing: str = "") -> tuple[FileContext, str]:
    text = CLASS_BODY.format(sharing=sharing, suffix="")
    files = {f"{CLASSES}/Clinic.cls": text}
    if version is not None:
        files[f"{CLASSES}/Clinic.cls-meta.xml"] = meta(version)
    project, root = project_with(tmp_path, files)
    return context(project, root, f"{CLASSES}/Clinic.cls"), text


def lines(hits: list, text: str) -> set[str]:  # type: ignore[type-arg]
    """The `// tag` comments of the lines hit."""
    rows = text.splitlines()
    return {rows[h.span.start_line - 1].rsplit("// ", 1)[-1] for h in hits}


def test_version_is_read_from_the_class_meta_xml(tmp_path: Path) -> None:
    ctx, _ = build(tmp_path, "67.0")
    assert classes.file_classes(ctx).api_version == 67.0
    assert classes.file_classes(ctx).classes[0].runs_in_user_mode_by_default


def test_without_meta_xml_the_source_api_version_holds(tmp_path: Path) -> None:
    ctx, _ = build(tmp_path, None)
    assert classes.file_classes(ctx).api_version == 62.0
    assert not classes.file_classes(ctx).classes[0].runs_in_user_mode_by_default


def test_fls_at_67_reports_only_explicit_system_mode_on_phi(tmp_path: Path) -> None:
    ctx, text = build(tmp_path, "67.0", "with sharing ")
    found = lines(list(structure_rules.check_fls(ctx)), text)
    # Default-mode query and DML: user mode, nothing to report. Explicit system mode on PHI (reads and
    # writes of a PHI object) is reported; system mode on a non-PHI object is not.
    assert found == {"system-query", "system-dynamic", "system-dml", "system-database"}


def test_fls_below_67_reports_default_and_system_mode_reads(tmp_path: Path) -> None:
    ctx, text = build(tmp_path, "66.0", "with sharing ")
    found = lines(list(structure_rules.check_fls(ctx)), text)
    # Below 67.0 every query runs in system mode; writes are PMD's ApexCRUDViolation territory.
    assert found == {"default", "system-query", "system-dynamic"}


def test_sharing_at_67_class_without_keyword_runs_with_sharing(tmp_path: Path) -> None:
    ctx, _text = build(tmp_path, "67.0", "")
    assert list(structure_rules.check_sharing(ctx)) == []


def test_sharing_at_67_without_sharing_class_reports_only_system_mode(tmp_path: Path) -> None:
    ctx, text = build(tmp_path, "67.0", "without sharing ")
    hits = list(structure_rules.check_sharing(ctx))
    assert lines(hits, text) == {
        "system-query",
        "system-dynamic",
        "system-dml",
        "system-database",
        "system-nonphi",
    }
    by_tag = {text.splitlines()[h.span.start_line - 1].rsplit("// ", 1)[-1]: h for h in hits}
    assert by_tag["system-query"].severity is Severity.ERROR  # PHI object
    assert by_tag["system-nonphi"].severity is None  # the rule's default (warning)


def test_sharing_below_67_class_without_keyword_reports_every_operation(tmp_path: Path) -> None:
    ctx, text = build(tmp_path, "62.0", "")
    found = lines(list(structure_rules.check_sharing(ctx)), text)
    assert found == {
        "default",
        "system-query",
        "system-dynamic",
        "system-dml",
        "default-dml",
        "system-database",
        "system-nonphi",
    }


def test_security_enforced_still_counts_as_enforcement_at_67(tmp_path: Path) -> None:
    text = """public with sharing class Legacy {
    public static List<Patient__c> load() {
        return [SELECT Id, SSN__c FROM Patient__c WITH SECURITY_ENFORCED];
    }
}
"""
    project, root = project_with(
        tmp_path, {f"{CLASSES}/Legacy.cls": text, f"{CLASSES}/Legacy.cls-meta.xml": meta("67.0")}
    )
    assert list(structure_rules.check_fls(context(project, root, f"{CLASSES}/Legacy.cls"))) == []


def test_triggers_run_in_system_mode_at_every_version(tmp_path: Path) -> None:
    text = """trigger EncounterTrigger on Encounter__c (before insert) {
    List<Patient__c> ps = [SELECT Id, Diagnosis__c FROM Patient__c LIMIT 10];
}
"""
    rel = f"{TRIGGERS}/EncounterTrigger.trigger"
    project, root = project_with(tmp_path, {rel: text, rel + "-meta.xml": meta("67.0", "ApexTrigger")})
    ctx = context(project, root, rel)
    assert classes.file_classes(ctx).api_version == 67.0
    assert [h.span.start_line for h in structure_rules.check_fls(ctx)] == [2]
    assert [h.span.start_line for h in structure_rules.check_sharing(ctx)] == [2]


def test_versions_are_per_class_in_one_project(tmp_path: Path) -> None:
    new = CLASS_BODY.format(sharing="", suffix="New")
    old = CLASS_BODY.format(sharing="", suffix="Old")
    project, root = project_with(
        tmp_path,
        {
            f"{CLASSES}/ClinicNew.cls": new,
            f"{CLASSES}/ClinicNew.cls-meta.xml": meta("67.0"),
            f"{CLASSES}/ClinicOld.cls": old,
            f"{CLASSES}/ClinicOld.cls-meta.xml": meta("61.0"),
        },
    )
    assert list(structure_rules.check_sharing(context(project, root, f"{CLASSES}/ClinicNew.cls"))) == []
    assert len(list(structure_rules.check_sharing(context(project, root, f"{CLASSES}/ClinicOld.cls")))) == 7
