"""With --project, the PHI model is the project's: a column labelled like a HIPAA field raises severity."""

from __future__ import annotations

import json
from pathlib import Path

from phi_lint.cli import main

FIELD = """<?xml version="1.0" encoding="UTF-8"?>
<CustomField xmlns="http://soap.sforce.com/2006/04/metadata">
    <fullName>Chart_Code__c</fullName>
    <label>Chart Code</label>
    <type>Text</type>
    <complianceGroup>HIPAA</complianceGroup>
</CustomField>
"""
PAGE = """<!doctype html><html lang="en"><head><title>Charts</title></head><body><main><h1>Charts</h1>
<table><tr><th scope="col">Clinic</th><th scope="col">Chart Code</th></tr>
<tr><th scope="row">North</th><td>K-22</td></tr></table></main></body></html>"""


def _level(tmp_path: Path, project: Path | None) -> str:
    out = tmp_path / f"out-{project is not None}.sarif"
    args = [
        "sweep",
        "--config",
        str(tmp_path / "sweep.toml"),
        "--format",
        "sarif",
        "-o",
        str(out),
        "-q",
        "--select",
        "a11y/phi-table-name",
    ]
    if project is not None:
        args += ["--project", str(project)]
    assert main(args) == 1
    [result] = json.loads(out.read_text())["runs"][0]["results"]
    return str(result["level"])


def test_project_field_labels_mark_columns_as_phi(tmp_path: Path) -> None:
    project = tmp_path / "proj"
    field = project / "force-app/main/default/objects/Patient__c/fields/Chart_Code__c.field-meta.xml"
    field.parent.mkdir(parents=True)
    field.write_text(FIELD)
    (project / "sfdx-project.json").write_text(
        '{"packageDirectories": [{"path": "force-app", "default": true}]}'
    )
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "charts.html").write_text(PAGE)
    (tmp_path / "sweep.toml").write_text('[sweep]\nserve = "site"\n\n[[pages]]\nurl = "/charts.html"\n')
    assert _level(tmp_path, None) == "warning"  # "Chart Code" is no catalogue name
    assert _level(tmp_path, project) == "error"  # ... but the project's HIPAA field label
