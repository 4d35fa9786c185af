"""Audit evidence: a Markdown summary grouped by HIPAA Security Rule safeguard and WCAG criterion.

For each safeguard: which rules checked it, what failed, and what is suppressed and why. Meant to be
attached to a compliance review, so it names files and rules, never values.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from phi_lint import __version__
from phi_lint.findings import Finding, RunResult
from phi_lint.rules import RuleMeta

SAFEGUARD_NAMES = {
    "164.308(a)(1)(ii)(D)": "Information system activity review",
    "164.308(a)(4)": "Information access management",
    "164.308(a)(5)(ii)(D)": "Password management",
    "164.308(b)(1)": "Business associate contracts",
    "164.310(d)(1)": "Device and media controls",
    "164.312(a)(1)": "Access control",
    "164.312(a)(2)(iv)": "Encryption and decryption",
    "164.312(b)": "Audit controls",
    "164.312(c)(1)": "Integrity",
    "164.312(d)": "Person or entity authentication",
    "164.312(e)(1)": "Transmission security",
    "164.312(e)(2)(ii)": "Encryption in transit",
    "164.502(a)": "Permitted uses and disclosures",
    "164.502(b)": "Minimum necessary",
    "164.502(e)(1)": "Disclosures to business associates",
    "164.514(b)": "De-identification",
    "164.524": "Individuals' access to their PHI",
}


def _escape(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _finding_row(f: Finding) -> str:
    loc = f.location
    where = f"`{loc.path}:{loc.start_line}`"
    if f.logical_locations:
        where += " " + ", ".join(f"`{ll.fully_qualified_name or ll.name}`" for ll in f.logical_locations[:1])
    return f"| {where} | `{f.rule_id}` | {f.severity.value} | {_escape(f.message)} |"


def _group(title: str, rules: list[RuleMeta], findings: list[Finding]) -> list[str]:
    failing = [f for f in findings if not f.is_suppressed]
    suppressed = [f for f in findings if f.is_suppressed]
    status = "FAIL" if failing else "PASS"
    out = [f"### {title}: {status}", "", "Checked by: " + ", ".join(f"`{r.id}`" for r in rules), ""]
    if failing:
        out += [
            f"**{len(failing)} open finding(s)**",
            "",
            "| Where | Rule | Severity | Finding |",
            "|---|---|---|---|",
        ]
        out += [_finding_row(f) for f in failing]
        out.append("")
    if suppressed:
        out += [
            f"**{len(suppressed)} accepted exception(s)**",
            "",
            "| Where | Rule | Kind | Justification |",
            "|---|---|---|---|",
        ]
        for f in suppressed:
            assert f.suppression is not None
            out.append(
                f"| `{f.location.path}:{f.location.start_line}` | `{f.rule_id}` | "
                f"{f.suppression.kind.value} | {_escape(f.suppression.justification)} |"
            )
        out.append("")
    return out


def render_markdown(results: Sequence[RunResult]) -> str:
    rules: dict[str, RuleMeta] = {}
    findings: list[Finding] = []
    for run in results:
        rules.update({r.id: r for r in run.rules})
        findings += run.findings
    by_rule: dict[str, list[Finding]] = defaultdict(list)
    for f in findings:
        by_rule[f.rule_id].append(f)
    open_count = sum(1 for f in findings if not f.is_suppressed)
    lines = [
        "# phi-lint audit evidence",
        "",
        f"phi-lint {__version__}. Scanned {sum(r.scanned for r in results)} file(s)/page(s); "
        f"{len(rules)} rule(s) enabled; {open_count} open finding(s); "
        f"{len(findings) - open_count} accepted exception(s).",
        "",
    ]
    incomplete = [n for run in results for n in run.notifications if n.makes_run_incomplete]
    if incomplete:
        lines += ["> **Incomplete run**: some files or rules could not be checked:", ">"]
        lines += [f"> - `{n.path or '-'}` {n.rule_id or ''} {_escape(n.message)}" for n in incomplete[:50]]
        lines.append("")
    safeguards: dict[str, list[RuleMeta]] = defaultdict(list)
    criteria: dict[str, list[RuleMeta]] = defaultdict(list)
    for rule in rules.values():
        for safeguard in rule.hipaa:
            safeguards[safeguard].append(rule)
        for criterion in rule.wcag:
            criteria[criterion].append(rule)
    if safeguards:
        lines += ["## HIPAA Security Rule safeguards (45 CFR)", ""]
        for safeguard in sorted(safeguards):
            name = SAFEGUARD_NAMES.get(safeguard, "")
            group_rules = sorted(safeguards[safeguard], key=lambda r: r.id)
            group_findings = [f for r in group_rules for f in by_rule.get(r.id, [])]
            lines += _group(f"{safeguard} {name}".strip(), group_rules, group_findings)
    if criteria:
        lines += ["## WCAG 2.2 success criteria", ""]
        for criterion in sorted(criteria, key=lambda c: [int(x) if x.isdigit() else 0 for x in c.split(".")]):
            group_rules = sorted(criteria[criterion], key=lambda r: r.id)
            group_findings = [f for r in group_rules for f in by_rule.get(r.id, [])]
            lines += _group(f"SC {criterion}", group_rules, group_findings)
    untagged = sorted((r for r in rules.values() if not r.hipaa and not r.wcag), key=lambda r: r.id)
    if untagged:
        lines += _group("Other checks", untagged, [f for r in untagged for f in by_rule.get(r.id, [])])
    return "\n".join(lines).rstrip() + "\n"
