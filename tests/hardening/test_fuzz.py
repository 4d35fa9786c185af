"""Property-based fuzzing of the front ends (Apex, JS, templates, Aura markup, XML metadata) and of the
SARIF writer.

- Mutated real inputs: every analyzable file under examples/ and fixtures/ is a seed; hypothesis flips
  bytes, truncates, duplicates and deletes slices and inserts tokens that stress parsers (unbalanced
  brackets, comment and CDATA openers, DOCTYPEs, NULs, odd line separators, suppression comments).
  Each mutant is analysed by every rule (preview ones too) through `engine.analyze_file` after the
  analyzers' project-wide `prepare()`: nothing may raise and no rule may crash (a rule-error
  notification is a bug in that rule).
- Random findings (odd Unicode, huge numbers, empty strings) always give SARIF that validates against
  the 2.1.0 schema, and JSON that round-trips.

A short run is part of the normal test suite (bounded by max_examples). A long run:
    PHI_LINT_FUZZ_EXAMPLES=5000 python -m pytest tests/hardening/test_fuzz.py -p no:cacheprovider
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

from phi_lint import engine
from phi_lint.config import Config
from phi_lint.findings import (
    Finding,
    Location,
    LogicalLocation,
    Notification,
    NotificationKind,
    RunResult,
    Severity,
    Suppression,
    SuppressionKind,
    assign_fingerprints,
)
from phi_lint.project import METADATA_SUFFIXES, Project, file_kind, open_project
from phi_lint.rules import default_registry

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = int(os.environ.get("PHI_LINT_FUZZ_EXAMPLES", "0"))
LONG = EXAMPLES > 0
# Short run: a few examples per front end keeps the whole file well under a minute on 2 cores.
SOURCE_EXAMPLES = EXAMPLES or 25
SARIF_EXAMPLES = EXAMPLES or 40
FUZZ_SETTINGS = settings(
    max_examples=SOURCE_EXAMPLES,
    deadline=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.function_scoped_fixture,
    ],
    derandomize=not LONG,  # CI runs are reproducible; a long run explores new inputs each time
    database=None,
)


@dataclass(frozen=True)
class Seed:
    source: Path
    kind: str
    # Where the mutant is written inside the fuzz project (decides the file kind and bundle).
    target: str
    # Read once: hypothesis replays examples, so a seed must not change during a run.
    content: bytes = b""


def _target(path: Path, kind: str) -> str:
    base = "force-app/main/default/"
    if kind == "apex":
        return base + ("triggers/Fuzz.trigger" if path.suffix == ".trigger" else "classes/Fuzz.cls")
    if kind == "js":
        return base + ("aura/fuzzCmp/fuzzCmpController.js" if "aura" in path.parts else "lwc/fuzz/fuzz.js")
    if kind == "template":
        return base + "lwc/fuzz/fuzz.html"
    if kind == "aura":
        return base + "aura/fuzzCmp/fuzzCmp.cmp"
    if kind == "email":
        return base + "email/Fuzz_Folder/Fuzz.email"
    suffix = next(s for s in METADATA_SUFFIXES if path.name.endswith(s))
    if suffix.startswith(".field"):
        return base + "objects/Patient__c/fields/Fuzz__c" + suffix
    if suffix.startswith(".object"):
        return base + "objects/Fuzz__c/Fuzz__c" + suffix
    return base + "fuzz/Fuzz" + suffix


def _seeds() -> list[Seed]:
    found: list[Seed] = []
    for top in ("examples", "fixtures"):
        for path in sorted((REPO / top).rglob("*")):
            if not path.is_file() or ".phi-lint-cache" in path.parts:
                continue
            kind = file_kind(path)
            # Fixtures are placed by extension: an .html fixture is an LWC template, a .js one LWC code.
            if kind is None and top == "fixtures":
                kind = {
                    ".cls": "apex",
                    ".trigger": "apex",
                    ".js": "js",
                    ".html": "template",
                    ".cmp": "aura",
                    ".email": "email",
                }.get(path.suffix)
            if kind is not None:
                found.append(Seed(path, kind, _target(path, kind), path.read_bytes()))
    return found


SEEDS = _seeds()
SEEDS_BY_KIND = {
    kind: [s for s in SEEDS if s.kind == kind] for kind in ("apex", "js", "template", "aura", "xml", "email")
}

TOKENS = [
    b"(",
    b")",
    b"{",
    b"}",
    b"[",
    b"]",
    b"'",
    b'"',
    b"`",
    b";",
    b",",
    b".",
    b"=",
    b"+",
    b"?.",
    b"=>",
    b"/*",
    b"*/",
    b"//",
    b"<!--",
    b"-->",
    b"<![CDATA[",
    b"]]>",
    b"<",
    b">",
    b"</",
    b"/>",
    b"&",
    b"&amp;",
    b"&lol;",
    b'<!DOCTYPE x [<!ENTITY a "b">]>',
    b"<?xml version='1.0'?>",
    b"\x00",
    b"\xff",
    b"\xc3",
    b"\r",
    b"\r\n",
    b"\n",
    b"\t",
    "\u2028".encode(),
    "\u00e9".encode(),
    "\U0001f600".encode(),
    b"{!v.x}",
    b"{value}",
    b"${x}",
    b"lwc:if={x}",
    b"for:each={items}",
    b"@AuraEnabled",
    b"@api",
    b"[SELECT Id, SSN__c FROM Patient__c]",
    b"System.debug(",
    b"Database.query(",
    b"new Http().send(",
    b"Patient__c.SSN__c",
    b"this.patient.ssn",
    b"localStorage.setItem(",
    b"window.location.href = ",
    b"// phi-lint: ignore[",
    b"// phi-lint: ignore[apex/phi-in-log] r",
    b"<!-- phi-lint: ignore[] -->",
    b"class",
    b"public",
    b"static",
    b"with sharing",
    b"without sharing",
    b"trigger",
    b"on",
    b"import",
    b"export default class",
    b"function",
    b"async",
    b"await",
    b"return",
    b"if (",
    b"else",
    b"for (",
    b"<template>",
    b"</template>",
    b"<aura:component>",
    b"<lightning-datatable",
    b"<img",
    b"<input",
    b"<CustomField>",
    b"</CustomField>",
    b"<complianceGroup>HIPAA</complianceGroup>",
    b"<fullName>",
    b"</fullName>",
    b"<type>Text</type>",
    b"0" * 64,
    b"-----BEGIN RSA PRIVATE KEY-----",
    b"sk_live_" + b"a" * 24,
    b"123-45-6789",
]


@st.composite
def mutants(draw: st.DrawFn, kind: str) -> tuple[Seed, bytes]:
    seeds = SEEDS_BY_KIND[kind]
    chosen = draw(st.sampled_from(seeds))
    data = bytearray(chosen.content)
    for _ in range(draw(st.integers(1, 6))):
        op = draw(st.sampled_from(["flip", "truncate", "duplicate", "delete", "insert", "insert", "splice"]))
        size = len(data)
        at = draw(st.integers(0, size)) if size else 0
        if op == "flip" and size:
            index = min(at, size - 1)
            data[index] ^= 1 << draw(st.integers(0, 7))
        elif op == "truncate":
            del data[at:]
        elif op == "duplicate" and size:
            end = min(size, at + draw(st.integers(1, 400)))
            data[at:at] = data[at:end] * draw(st.integers(1, 3))
        elif op == "delete" and size:
            del data[at : at + draw(st.integers(1, 200))]
        elif op == "insert":
            data[at:at] = draw(st.sampled_from(TOKENS)) * draw(st.integers(1, 4))
        elif op == "splice":
            other = draw(st.sampled_from(SEEDS)).content
            start = draw(st.integers(0, len(other)))
            data[at:at] = other[start : start + draw(st.integers(1, 500))]
    return chosen, bytes(data)


@dataclass
class FuzzProject:
    root: Path
    project: Project
    rules: list[Any]
    checks: dict[str, Callable[..., Any]]

    def analyse(self, seed_: Seed, content: bytes) -> engine.FileResult:
        path = self.root / seed_.target
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
        try:
            notes = engine.prepare_analyzers(self.project, [path], self.rules)
            result = engine.analyze_file(self.project, path, self.rules, self.checks, raw=content)
        finally:
            path.unlink()
        result.notifications = notes + result.notifications
        return result


@pytest.fixture(scope="module")
def fuzz_project(tmp_path_factory: pytest.TempPathFactory) -> FuzzProject:
    root = tmp_path_factory.mktemp("fuzz") / "project"
    shutil.copytree(REPO / "fixtures" / "_project", root)
    registry = default_registry()
    config = Config(extend_select=tuple(r.id for r in registry))
    project = open_project(root, config)
    rules = engine.enabled_rules(registry, config)
    return FuzzProject(root, project, rules, engine.load_checks(rules))


def _crashes(result: engine.FileResult) -> list[str]:
    return [
        f"{n.rule_id or '(prepare)'}: {n.message}"
        for n in result.notifications
        if n.kind is NotificationKind.RULE_ERROR
    ]


def _check_front_end(fuzz_project: FuzzProject, sample: tuple[Seed, bytes]) -> None:
    seed_, content = sample
    result = fuzz_project.analyse(seed_, content)  # must not raise
    assert _crashes(result) == [], (seed_.source.relative_to(REPO).as_posix(), content[:2000])
    for finding in result.findings:
        loc = finding.location
        assert loc.start_line >= 1 and loc.start_column >= 1 and loc.end_line >= loc.start_line


def test_there_are_seeds_for_every_front_end() -> None:
    assert {kind: bool(seeds) for kind, seeds in SEEDS_BY_KIND.items()} == dict.fromkeys(SEEDS_BY_KIND, True)


@seed(20261124)
@FUZZ_SETTINGS
@given(sample=mutants("apex"))
def test_fuzz_apex(fuzz_project: FuzzProject, sample: tuple[Seed, bytes]) -> None:
    _check_front_end(fuzz_project, sample)


@seed(20261124)
@FUZZ_SETTINGS
@given(sample=mutants("js"))
def test_fuzz_js(fuzz_project: FuzzProject, sample: tuple[Seed, bytes]) -> None:
    _check_front_end(fuzz_project, sample)


@seed(20261124)
@FUZZ_SETTINGS
@given(sample=mutants("template"))
def test_fuzz_templates(fuzz_project: FuzzProject, sample: tuple[Seed, bytes]) -> None:
    _check_front_end(fuzz_project, sample)


@seed(20261124)
@FUZZ_SETTINGS
@given(sample=mutants("aura"))
def test_fuzz_aura(fuzz_project: FuzzProject, sample: tuple[Seed, bytes]) -> None:
    _check_front_end(fuzz_project, sample)


@seed(20261124)
@FUZZ_SETTINGS
@given(sample=mutants("xml"))
def test_fuzz_xml_metadata(fuzz_project: FuzzProject, sample: tuple[Seed, bytes]) -> None:
    _check_front_end(fuzz_project, sample)


@seed(20261124)
@FUZZ_SETTINGS
@given(sample=mutants("email"))
def test_fuzz_email_templates(fuzz_project: FuzzProject, sample: tuple[Seed, bytes]) -> None:
    _check_front_end(fuzz_project, sample)


@seed(20261124)
@FUZZ_SETTINGS
@given(kind=st.sampled_from(sorted(SEEDS_BY_KIND)), content=st.binary(max_size=3000))
def test_fuzz_random_bytes(fuzz_project: FuzzProject, kind: str, content: bytes) -> None:
    _check_front_end(fuzz_project, (SEEDS_BY_KIND[kind][0], content))


# ---- the SARIF writer ----------------------------------------------------------------------------------
# Text as reports may meet it: any code point but lone surrogates (scanned files are decoded with
# errors="replace" and paths are checked separately), including controls, NUL, RTL marks and emoji.
odd_text = st.text(st.characters(exclude_categories=("Cs",)), max_size=80)
big = st.integers(min_value=0, max_value=2**63)
rule_ids = st.sampled_from([r.id for r in default_registry()] + ["", "x/unknown", "ünïcödé/rülé"])


@st.composite
def locations(draw: st.DrawFn) -> Location:
    return Location(
        path=draw(odd_text),
        start_line=draw(big),
        start_column=draw(big),
        end_line=draw(big),
        end_column=draw(big),
        snippet=draw(odd_text),
        message=draw(odd_text),
    )


@st.composite
def findings(draw: st.DrawFn) -> Finding:
    suppression = None
    if draw(st.booleans()):
        suppression = Suppression(
            draw(st.sampled_from(list(SuppressionKind))),
            draw(odd_text),
            draw(st.none() | locations()),
        )
    return Finding(
        rule_id=draw(rule_ids),
        message=draw(odd_text),
        severity=draw(st.sampled_from(list(Severity))),
        location=draw(locations()),
        matched_text=draw(odd_text),
        related=tuple(draw(st.lists(locations(), max_size=3))),
        logical_locations=tuple(
            LogicalLocation(draw(odd_text), draw(odd_text), draw(odd_text))
            for _ in range(draw(st.integers(0, 2)))
        ),
        suppression=suppression,
        properties=tuple(sorted(draw(st.dictionaries(odd_text, odd_text, max_size=3)).items())),
        category=draw(st.sampled_from(["static", "sweep", "", "odd category é"])),
    )


@st.composite
def notifications(draw: st.DrawFn) -> Notification:
    return Notification(
        kind=draw(st.sampled_from(list(NotificationKind))),
        message=draw(odd_text),
        level=draw(st.sampled_from(list(Severity))),
        path=draw(st.none() | odd_text),
        line=draw(st.none() | big),
        column=draw(st.none() | big),
        rule_id=draw(st.none() | rule_ids),
    )


@st.composite
def run_results(draw: st.DrawFn) -> list[RunResult]:
    registry = list(default_registry())
    runs = []
    for category in draw(
        st.lists(st.sampled_from(["static", "sweep", "x"]), min_size=1, max_size=2, unique=True)
    ):
        runs.append(
            RunResult(
                category=category,
                findings=tuple(assign_fingerprints(draw(st.lists(findings(), max_size=6)))),
                notifications=tuple(draw(st.lists(notifications(), max_size=4))),
                rules=tuple(draw(st.lists(st.sampled_from(registry), max_size=4, unique_by=lambda r: r.id))),
                scanned=draw(big),
                properties=tuple(sorted(draw(st.dictionaries(odd_text, odd_text, max_size=2)).items())),
            )
        )
    return runs


@settings(
    max_examples=SARIF_EXAMPLES,
    deadline=None,
    derandomize=not LONG,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(results=run_results())
def test_fuzz_sarif_always_validates(results: list[RunResult], validate_sarif, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from phi_lint.reporters import FORMATS, render
    from phi_lint.reporters.sarif import build_sarif

    document = build_sarif(results)
    validate_sarif(document)
    text = render(results, "sarif", tmp_path)
    assert json.loads(text) == json.loads(json.dumps(document))
    # Every other format renders too (and the same input renders byte-identically twice).
    for fmt in FORMATS:
        once = render(results, fmt, tmp_path)
        assert once == render(results, fmt, tmp_path)
        once.encode("utf-8")  # writable as UTF-8


def test_duplicate_logical_locations_keep_the_sarif_valid(validate_sarif) -> None:  # type: ignore[no-untyped-def]
    """Found by the long fuzz run: SARIF requires a location's logicalLocations to be unique, and two
    identical ones (the same selector twice) made the whole file invalid for code scanning."""
    from phi_lint.reporters.sarif import build_sarif

    twice = (LogicalLocation("td", "element", "table > td"),) * 2
    finding = Finding(
        "a11y/phi-table-name",
        "m",
        Severity.ERROR,
        Location("sweep.toml", 1),
        logical_locations=twice,
        fingerprint="f" * 32,
        category="sweep",
    )
    document = build_sarif([RunResult("sweep", (finding,))])
    validate_sarif(document)
    assert len(document["runs"][0]["results"][0]["locations"][0]["logicalLocations"]) == 1
