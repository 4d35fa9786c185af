"""SARIF 2.1.0 for GitHub code scanning, built with the sarif-om object model.

One run per category (`automationDetails.id` = "phi-lint/<category>/"), descriptors for every enabled
rule, relative URIs under `%SRCROOT%`, `partialFingerprints`, related locations, suppressions (suppressed
results stay, marked) and tool notifications. sarif-om has no serializer: `to_dict` walks its attrs
classes using each field's `schema_property_name` metadata.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import quote

import attr
import sarif_om as om

from phi_lint import __version__
from phi_lint.findings import Finding, Location, Notification, RunResult, Severity
from phi_lint.rules import RuleMeta

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/phi-lint/phi-lint"
FINGERPRINT_KEY = "phiLint/v1"
# GitHub code scanning rejects runs with more results than this.
MAX_RESULTS_PER_RUN = 25_000


def to_dict(value: Any) -> Any:
    """Serialize sarif-om objects: attrs fields -> schema property names, defaults omitted."""
    if attr.has(type(value)):
        out: dict[str, Any] = {}
        for f in attr.fields(type(value)):
            item = getattr(value, f.name)
            default = f.default
            if isinstance(default, attr.Factory):  # type: ignore[arg-type]
                default = default.factory()  # type: ignore[attr-defined]
            if item is None or (item == default and f.name not in {"version", "level", "kind"}):
                continue
            out[f.metadata.get("schema_property_name", f.name)] = to_dict(item)
        return out
    if isinstance(value, dict):
        return {k: to_dict(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_dict(v) for v in value]
    return value


def _uri(path: str) -> str:
    return quote(path, safe="/:@-._~!$&'()*+,;=")


def _region(loc: Location) -> om.Region:
    region = om.Region(start_line=max(loc.start_line, 1), start_column=max(loc.start_column, 1))
    if loc.end_line and loc.end_line >= loc.start_line:
        region.end_line = loc.end_line
    if loc.end_column and (loc.end_line > loc.start_line or loc.end_column > loc.start_column):
        region.end_column = loc.end_column
    if loc.snippet:
        region.snippet = om.ArtifactContent(text=loc.snippet)
    return region


def _physical(loc: Location) -> om.PhysicalLocation:
    return om.PhysicalLocation(
        artifact_location=om.ArtifactLocation(uri=_uri(loc.path), uri_base_id="%SRCROOT%"),
        region=_region(loc),
    )


def _help_markdown(rule: RuleMeta) -> str:
    from phi_lint.docs_gen import render_rule_doc

    return render_rule_doc(rule)


def _help_text(rule: RuleMeta) -> str:
    parts = [rule.docs.get("what", "").strip(), rule.docs.get("why", "").strip()]
    if rule.docs.get("use_instead"):
        parts.append("Use instead:\n" + rule.docs["use_instead"].strip())
    return "\n\n".join(p for p in parts if p)


def descriptor(rule: RuleMeta) -> om.ReportingDescriptor:
    full = " ".join(rule.docs.get("why", "").split()) or rule.short_description
    return om.ReportingDescriptor(
        id=rule.id,
        name=rule.name,
        short_description=om.MultiformatMessageString(text=rule.short_description),
        full_description=om.MultiformatMessageString(text=full),
        help=om.MultiformatMessageString(text=_help_text(rule), markdown=_help_markdown(rule)),
        help_uri=rule.help_uri,
        default_configuration=om.ReportingConfiguration(level=rule.severity.value),
        # sarif-om's PropertyBag knows only `tags`; a plain dict carries GitHub's extra keys.
        properties={
            "tags": list(rule.all_tags),
            "security-severity": rule.security_severity,
            "precision": "high",
            "problem.severity": rule.severity.value,
        },
    )


def _result(finding: Finding, rule_index: dict[str, int]) -> om.Result:
    result = om.Result(
        message=om.Message(text=finding.message),
        rule_id=finding.rule_id,
        level=finding.severity.value,
        locations=[om.Location(physical_location=_physical(finding.location))],
        partial_fingerprints={FINGERPRINT_KEY: finding.fingerprint},
    )
    if finding.rule_id in rule_index:
        result.rule_index = rule_index[finding.rule_id]
    if finding.logical_locations:
        # SARIF requires unique items here (two identical selectors on a page would otherwise make the
        # whole file invalid for code scanning).
        result.locations[0].logical_locations = [
            om.LogicalLocation(
                name=ll.name, kind=ll.kind, fully_qualified_name=ll.fully_qualified_name or None
            )
            for ll in dict.fromkeys(finding.logical_locations)
        ]
    if finding.related:
        result.related_locations = [
            om.Location(
                id=i, physical_location=_physical(loc), message=om.Message(text=loc.message or "related")
            )
            for i, loc in enumerate(finding.related)
        ]
    if finding.suppression is not None:
        result.suppressions = [
            # sarif-om names SARIF's `status` "state" (a pre-release spelling the schema rejects): omit it.
            om.Suppression(
                kind=finding.suppression.kind.value, justification=finding.suppression.justification
            )
        ]
    if finding.properties:
        result.properties = {"phi-lint": dict(finding.properties)}
    return result


def _notification(note: Notification) -> om.Notification:
    level = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.NOTE: "note"}[note.level]
    n = om.Notification(
        message=om.Message(text=note.message),
        level=level,
        descriptor=om.ReportingDescriptorReference(id=note.kind.value),
    )
    if note.path:
        region = om.Region(start_line=note.line) if note.line else None
        if region is not None and note.column:
            region.start_column = note.column
        n.locations = [
            om.Location(
                physical_location=om.PhysicalLocation(
                    artifact_location=om.ArtifactLocation(uri=_uri(note.path), uri_base_id="%SRCROOT%"),
                    region=region,
                )
            )
        ]
    if note.rule_id:
        n.associated_rule = om.ReportingDescriptorReference(id=note.rule_id)
    return n


def build_run(run: RunResult) -> om.Run:
    rules = sorted(run.rules, key=lambda r: r.id)
    rule_index = {r.id: i for i, r in enumerate(rules)}
    results = [_result(f, rule_index) for f in run.findings[:MAX_RESULTS_PER_RUN]]
    notifications = [_notification(n) for n in run.notifications]
    if len(run.findings) > MAX_RESULTS_PER_RUN:
        notifications.append(
            om.Notification(
                message=om.Message(
                    text=f"{len(run.findings)} results, truncated to GitHub's limit of "
                    f"{MAX_RESULTS_PER_RUN} per run"
                ),
                level="warning",
            )
        )
    invocation = om.Invocation(execution_successful=not run.incomplete)
    if notifications:
        invocation.tool_execution_notifications = notifications
    driver = om.ToolComponent(
        name="phi-lint",
        version=__version__,
        semantic_version=__version__,
        information_uri=INFORMATION_URI,
        rules=[descriptor(r) for r in rules],
    )
    sarif_run = om.Run(
        tool=om.Tool(driver=driver),
        automation_details=om.RunAutomationDetails(id=f"phi-lint/{run.category}/"),
        invocations=[invocation],
        results=results,
        column_kind="unicodeCodePoints",
        original_uri_base_ids={
            "%SRCROOT%": om.ArtifactLocation(
                description=om.Message(
                    text="The root of the analysed project (sfdx-project.json) or of the sweep configuration."
                )
            )
        },
    )
    if run.properties:
        sarif_run.properties = {"phi-lint": dict(run.properties)}
    return sarif_run


def build_sarif(runs: Sequence[RunResult]) -> dict[str, Any]:
    log = om.SarifLog(
        version="2.1.0",
        schema_uri=SCHEMA_URI,
        runs=[build_run(r) for r in sorted(runs, key=lambda r: r.category)],
    )
    data: dict[str, Any] = to_dict(log)
    return data
