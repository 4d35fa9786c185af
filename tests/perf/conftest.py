from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from phi_lint import engine
from phi_lint.cache import Cache
from phi_lint.config import Config
from phi_lint.engine import CheckRequest, run_check
from phi_lint.findings import RunResult
from phi_lint.project import open_project
from tests.perf import perf_rules

SFDX = '{"packageDirectories": [{"path": "force-app", "default": true}], "sourceApiVersion": "62.0"}'
FIELD = """<?xml version="1.0" encoding="UTF-8"?>
<CustomField xmlns="http://soap.sforce.com/2006/04/metadata">
    <fullName>{name}</fullName>
    <label>{name}</label>
    <type>Text</type>
    {group}
</CustomField>
"""
WRAPPER = """public with sharing class PatientWrapper {
    public static String ssn(Patient__c p) { return p.SSN__c; }
    public static String status(Patient__c p) { return p.Status__c; }
}
"""


def caller(index: int) -> str:
    # Files of different sizes, so the size-balanced chunks have something to balance.
    filler = "\n".join(f"    // padding line {n} of caller {index}" for n in range(index * 7))
    return f"""public with sharing class Caller{index} {{
{filler}
    public static void run(Patient__c p) {{
        System.debug(PatientWrapper.ssn(p));
        System.debug(PatientWrapper.status(p));
        System.debug('status ' + p.Status__c);
        System.debug('ssn ' + p.SSN__c);
    }}
}}
"""


def field_xml(name: str, phi: bool) -> str:
    return FIELD.format(name=name, group="<complianceGroup>HIPAA</complianceGroup>" if phi else "")


@pytest.fixture(autouse=True)
def _perf_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A fixed cache secret (never the user's), and the test analyzer in place of the real ones."""
    monkeypatch.setenv("PHI_LINT_CACHE_KEY", "tests-perf-secret-0123456789abcdef0123456789")
    monkeypatch.setitem(sys.modules, "phi_lint.analyzers.perftest", perf_rules)
    monkeypatch.setattr(engine, "ANALYZER_PACKAGES", {"apex": "perftest"})
    yield


def patient_project(root: Path, classes: dict[str, str]) -> Path:
    """An sfdx project with Patient__c (SSN__c PHI by metadata, Status__c not) and these classes."""
    fields = root / "force-app/main/default/objects/Patient__c/fields"
    fields.mkdir(parents=True)
    (root / "sfdx-project.json").write_text(SFDX)
    (fields / "SSN__c.field-meta.xml").write_text(field_xml("SSN__c", True))
    (fields / "Status__c.field-meta.xml").write_text(field_xml("Status__c", False))
    folder = root / "force-app/main/default/classes"
    folder.mkdir(parents=True)
    for name, text in classes.items():
        (folder / f"{name}.cls").write_text(text)
    return root


@pytest.fixture
def project_root(tmp_path: Path) -> Path:
    callers = {f"Caller{index}": caller(index) for index in range(24)}
    return patient_project(tmp_path / "proj", {"PatientWrapper": WRAPPER, **callers})


Run = Callable[..., RunResult]


@pytest.fixture
def run(tmp_path: Path) -> Run:
    """Run a check the way the CLI does; `cache=False` for the reference (uncached) result."""

    def _run(
        root: Path,
        paths: list[Path] | None = None,
        *,
        jobs: int = 1,
        cache: bool = True,
        only: set[Path] | None = None,
        config: Config | None = None,
        cache_dir: Path | None = None,
    ) -> RunResult:
        directory = (cache_dir or tmp_path / "cache") if cache else None
        # Like the CLI: the cache is opened first and the PHI model is read through it.
        opened = Cache.open(directory) if directory is not None else None
        project = open_project(root, config or Config(), opened)
        request = CheckRequest(
            paths=paths or [root],
            project=project,
            registry=perf_rules.registry(),
            jobs=jobs,
            only_files=only,
            cache_dir=directory,
            cache=opened,
        )
        return run_check(request)

    return _run


def comparable(result: RunResult) -> tuple[object, ...]:
    """Everything a reporter sees, in order."""
    return (result.findings, result.notifications, tuple(r.id for r in result.rules), result.scanned)
