"""Checks a rule against its fixture file, line by line.

Markers live in the fixture's own comment syntax (`//` or `<!-- -->`):
- `expect: <rule-id>`: the rule must report on this line (trailing marker) or on the next non-blank
  line that is not itself a marker-only line (marker alone on its line); `ok: <rule-id>`: it must not.
- `todo-expect:` / `todo-ok:`: known gaps, strict xfail: the harness fails once the gap is fixed.
- `fixture-path: <path>` (optional, first lines): where in the sfdx project the fixture is placed, e.g.
  `force-app/main/default/objects/Patient__c/fields/Notes__c.field-meta.xml`.

The fixture is analysed inside a copy of `fixtures/_project` (Patient__c / Encounter__c with HIPAA
fields) with only the rule under test enabled, and the exact set of lines is compared.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from phi_lint.config import load_config_file
from phi_lint.engine import analyze_file, load_checks, prepare_analyzers
from phi_lint.findings import Finding, Notification, NotificationKind
from phi_lint.project import file_kind, open_project
from phi_lint.rules import Registry, RuleMeta

MARKER = re.compile(r"\b(?P<kind>todo-expect|todo-ok|expect|ok)\s*:\s*(?P<id>[A-Za-z0-9_-]+/[A-Za-z0-9_-]+)")
MISSPELLED = re.compile(
    r"\b(?:expects?|ruleid|todoruleid|todook|todo_expect|todo_ok|exepct|epxect|okay|ok_)\s*:", re.IGNORECASE
)
# A path may hold spaces (Salesforce names profiles "Clinic Portal Profile.profile-meta.xml").
FIXTURE_PATH = re.compile(r"fixture-path\s*:\s*(?P<path>\S.*?)(?:\s*(?:-->|\*/))?\s*$")
_COMMENT_ONLY = re.compile(r"^\s*(?://|/\*|\*|<!--)")
_COMMENT_OPENER = re.compile(r"^\s*(?://+|/\*+|\*+|<!--)?\s*")

DEFAULT_PLACES = {
    ".cls": "force-app/main/default/classes/{stem}.cls",
    ".trigger": "force-app/main/default/triggers/{stem}.trigger",
    ".js": "force-app/main/default/lwc/{stem}/{stem}.js",
    ".html": "force-app/main/default/lwc/{stem}/{stem}.html",
    ".cmp": "force-app/main/default/aura/{stem}/{stem}.cmp",
}


class FixtureError(Exception):
    """The fixture itself is broken (unknown id, misspelled marker, no expect:, does not parse)."""


@dataclass
class Expectations:
    expect: set[int] = field(default_factory=set)
    ok: set[int] = field(default_factory=set)
    todo_expect: set[int] = field(default_factory=set)
    todo_ok: set[int] = field(default_factory=set)
    place: str | None = None


@dataclass
class FixtureOutcome:
    fixture: Path
    rule_id: str
    reported: set[int]
    missed: set[int]
    unexpected: set[int]
    fixed_todos: set[int]
    notifications: list[Notification]
    findings: list[Finding]

    @property
    def passed(self) -> bool:
        return not (self.missed or self.unexpected or self.fixed_todos)

    def explain(self) -> str:
        parts = [f"{self.fixture}: rule {self.rule_id}"]
        if self.missed:
            parts.append(f"  missed (expect: but no finding) on lines {sorted(self.missed)}")
        if self.unexpected:
            parts.append(f"  unexpected findings on lines {sorted(self.unexpected)}")
        if self.fixed_todos:
            parts.append(
                f"  todo markers now pass, turn them into expect:/ok: on lines {sorted(self.fixed_todos)}"
            )
        for f in self.findings:
            parts.append(f"    reported {f.location.start_line}:{f.location.start_column} {f.message}")
        return "\n".join(parts)


@dataclass(frozen=True)
class Marker:
    kind: str  # expect | ok | todo-expect | todo-ok
    rule_id: str
    target_line: int
    marker_line: int


def parse_markers(text: str, registry: Registry, name: str) -> tuple[list[Marker], str | None]:
    """All markers of a file (any rule) with the line each one targets, and the `fixture-path:`."""
    markers: list[Marker] = []
    place: str | None = None
    pending: list[tuple[str, str, int]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        found_place = FIXTURE_PATH.search(line)
        if found_place:
            place = found_place.group("path")
            continue
        found = list(MARKER.finditer(line))
        if MISSPELLED.search(MARKER.sub("", line)):
            raise FixtureError(f"{name}:{number}: misspelled marker: {line.strip()}")
        for m in found:
            if m.group("id") not in registry:
                raise FixtureError(f"{name}:{number}: unknown rule id {m.group('id')}")
        code_before = line[: found[0].start()] if found else line
        if found and not _COMMENT_OPENER.sub("", code_before).strip():
            pending += [(m.group("kind"), m.group("id"), number) for m in found]
            continue
        if not line.strip():
            continue
        markers += [Marker(m.group("kind"), m.group("id"), number, number) for m in found]
        markers += [Marker(kind, rule_id, number, at) for kind, rule_id, at in pending]
        pending = []
    if pending:
        raise FixtureError(f"{name}: marker on line {pending[0][2]} is followed by no code line")
    return markers, place


def read_expectations(text: str, rule: RuleMeta, registry: Registry, name: str) -> Expectations:
    markers, place = parse_markers(text, registry, name)
    exp = Expectations(place=place)
    for marker in markers:
        if marker.rule_id == rule.id:
            getattr(exp, marker.kind.replace("-", "_")).add(marker.target_line)
    if not exp.expect:
        raise FixtureError(f"{name}: fixture has no `expect: {rule.id}` marker")
    overlap = exp.expect & exp.ok
    if overlap:
        raise FixtureError(f"{name}: lines {sorted(overlap)} are marked both expect and ok")
    return exp


def fixtures_dir() -> Path:
    return Path(__file__).resolve().parents[2] / "fixtures"


def fixture_files(rule: RuleMeta, base: Path | None = None) -> list[Path]:
    directory = (base or fixtures_dir()) / rule.family
    return sorted(p for p in directory.glob(f"{rule.name}.*") if p.is_file())


def run_fixture(
    fixture: Path, rule: RuleMeta, registry: Registry, base: Path | None = None
) -> FixtureOutcome:
    text = fixture.read_text(encoding="utf-8")
    exp = read_expectations(text, rule, registry, fixture.name)
    suffix = "".join(fixture.suffixes)
    stem = fixture.name[: -len(suffix)] if suffix else fixture.name
    place = exp.place or DEFAULT_PLACES.get(fixture.suffix, "").format(stem=_camel(stem))
    if not place:
        raise FixtureError(f"{fixture.name}: add a `fixture-path:` marker (no default place for {suffix})")
    project_template = (base or fixtures_dir()) / "_project"
    with tempfile.TemporaryDirectory(prefix="phi-lint-fixture-") as tmp:
        root = Path(tmp)
        shutil.copytree(project_template, root, dirs_exist_ok=True)
        target = root / place
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(fixture, target)
        if file_kind(target) is None:
            raise FixtureError(f"{fixture.name}: {place} is not a file phi-lint reads")
        config = load_config_file(root / "phi-lint.toml", registry)
        project = open_project(root, config)
        rules = [rule]
        if rule.check != "engine":
            checks = load_checks(rules)
        else:  # engine-reported rules need the rules whose suppressions they judge
            rules = [r for r in registry.static_rules() if r.check != "engine"] + [rule]
            checks = load_checks(rules)
        # The project-wide step sees every file of the fixture project, as in a real run (a child
        # component's fixture depends on its parent's markup in fixtures/_project).
        prepare_analyzers(project, list(project.iter_files([root])), rules)
        result = analyze_file(project, target, rules, checks)
    broken = [
        n
        for n in result.notifications
        if n.kind in (NotificationKind.PARSE_ERROR, NotificationKind.RULE_ERROR)
    ]
    if broken:
        raise FixtureError(f"{fixture.name}: " + "; ".join(f"line {n.line}: {n.message}" for n in broken))
    findings = [f for f in result.findings if f.rule_id == rule.id]
    reported = {f.location.start_line for f in findings}
    return FixtureOutcome(
        fixture=fixture,
        rule_id=rule.id,
        reported=reported,
        missed=(exp.expect - reported),
        unexpected=reported - exp.expect - exp.todo_ok - exp.todo_expect,
        fixed_todos=(exp.todo_expect & reported) | (exp.todo_ok - reported),
        notifications=result.notifications,
        findings=findings,
    )


def _camel(stem: str) -> str:
    """Fixture stems are kebab-case rule names; Apex classes and LWC bundles need identifiers."""
    parts = [p for p in re.split(r"[^A-Za-z0-9]", stem) if p]
    if not parts:
        return "Fixture"
    return parts[0] + "".join(p[:1].upper() + p[1:] for p in parts[1:])
