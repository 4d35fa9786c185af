from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SCHEMA_CANDIDATES = [
    REPO.parent / "shared" / "schemas" / "sarif-schema-2.1.0.json",
    REPO / "tests" / "data" / "sarif-schema-2.1.0.json",
]

SFDX = json.dumps(
    {"packageDirectories": [{"path": "force-app", "default": True}], "sourceApiVersion": "62.0"}
)
PATIENT_SSN = """<?xml version="1.0" encoding="UTF-8"?>
<CustomField xmlns="http://soap.sforce.com/2006/04/metadata">
    <fullName>SSN__c</fullName>
    <label>SSN</label>
    <type>Text</type>
    <complianceGroup>HIPAA</complianceGroup>
    <encryptionScheme>ProbabilisticEncryption</encryptionScheme>
    <trackHistory>true</trackHistory>
</CustomField>
"""

MakeProject = Callable[..., Path]


@pytest.fixture
def make_project(tmp_path: Path) -> MakeProject:
    """Write a small sfdx project from {path: content}; paths are under force-app/main/default
    unless they start with force-app/ or ./"""

    def make(files: dict[str, str | bytes], config: str | None = None, with_phi_field: bool = True) -> Path:
        root = tmp_path / "proj"
        root.mkdir(exist_ok=True)
        (root / "sfdx-project.json").write_text(SFDX)
        if with_phi_field:
            field = root / "force-app/main/default/objects/Patient__c/fields/SSN__c.field-meta.xml"
            field.parent.mkdir(parents=True, exist_ok=True)
            field.write_text(PATIENT_SSN)
        if config is not None:
            (root / "phi-lint.toml").write_text(config)
        for rel, content in files.items():
            path = (
                root / rel if rel.startswith(("force-app/", "./")) else root / "force-app/main/default" / rel
            )
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(content, encoding="utf-8")
        return root

    return make


@pytest.fixture(scope="session")
def sarif_schema() -> dict[str, object]:
    for candidate in SCHEMA_CANDIDATES:
        if candidate.is_file():
            data: dict[str, object] = json.loads(candidate.read_text(encoding="utf-8"))
            return data
    raise AssertionError("SARIF schema not found in ../shared/schemas or tests/data")


@pytest.fixture(scope="session")
def validate_sarif(sarif_schema: dict[str, object]) -> Callable[[dict[str, object]], None]:
    import jsonschema

    validator = jsonschema.Draft4Validator(sarif_schema)

    def validate(document: dict[str, object]) -> None:
        errors = sorted(validator.iter_errors(document), key=lambda e: list(e.path))
        assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:10])

    return validate
