"""axe-core: injecting it (with the synthetic-shadow fix) and mapping its JSON to PageIssues.

The mapping (`map_axe_results`) is pure: it is tested from recorded axe results without a browser.

Version: axe-core is read from axe-playwright-python's bundled `axe.min.js` (4.12.1 with 0.1.8, pinned in
pyproject.toml), so the rules that run change only when that pin changes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from phi_lint.findings import Notification, NotificationKind, Severity
from phi_lint.rules import RuleMeta
from phi_lint.sweep.issues import PageIssue, target_from_axe
from phi_lint.sweep.redact import sanitize_text

WCAG_TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa")
IMPACT_SEVERITY = {
    "critical": Severity.ERROR,
    "serious": Severity.ERROR,
    "moderate": Severity.WARNING,
    "minor": Severity.WARNING,
}
_SC_TAG = re.compile(r"^wcag(\d)(\d)(\d{1,2})$")

# Under LWC synthetic shadow, `ShadowRoot.getElementById` throws; axe's color-contrast rule calls it and
# crashes, and axe then drops the rule silently (a real 1.73:1 failure went unreported). Before every
# axe run, find each shadow root whose getElementById throws and make it delegate to querySelector.
SYNTHETIC_SHADOW_FIX = (Path(__file__).parent / "synthetic_shadow_fix.js").read_text(encoding="utf-8")

# Under LWC synthetic shadow the real DOM is flat: Chromium resolves `aria-controls="tab-1"` or
# `aria-labelledby` from one component's tree to an id in another's (lightning-tabset's tab and panel,
# lightning-modal's header), and a screen reader gets the name. axe sees the synthetic boundaries and
# reports such references as broken (aria-valid-attr-value). A node is dropped only when every ARIA id
# reference its messages name resolves to exactly one element of the same flat tree, that is, with no
# native shadow root between the two elements and the document; a reference into or out of a native
# shadow root, a missing id or a duplicated one is still reported.
RUN_AXE = r"""
async ([context, options]) => {
  const IDREFS = ["aria-activedescendant", "aria-controls", "aria-describedby", "aria-details",
    "aria-errormessage", "aria-flowto", "aria-labelledby", "aria-owns"];
  // XPath walks the real DOM: synthetic shadow patches parentNode, getRootNode and getElementById,
  // and even replaces window.ShadowRoot, but not document.evaluate.
  const xpath = (expr, node) =>
    document.evaluate(expr, node, null, XPathResult.ORDERED_NODE_SNAPSHOT_TYPE, null);
  const inRealDocument = (el) => {
    const top = xpath("ancestor::*[last()]", el);
    return top.snapshotLength === 1 && top.snapshotItem(0) === document.documentElement;
  };
  const realCount = (id) => (/['"]/.test(id) ? 0 : xpath(`//*[@id="${id}"]`, document).snapshotLength);
  const resolvesFlat = (node) => {
    const el = node.element;
    if (!el || !el.getAttribute || el.ownerDocument !== document || !inRealDocument(el)) return false;
    const checks = [...(node.any || []), ...(node.all || []), ...(node.none || [])];
    const text = checks.map((c) => c.message).join(" ");
    const named = [...new Set(text.match(/aria-[a-z]+(?==)/g) || [])];
    if (!named.length || !named.every((a) => IDREFS.includes(a))) return false;
    return named.every((a) => {
      const ids = (el.getAttribute(a) || "").trim().split(/\s+/).filter(Boolean);
      return ids.length > 0 && ids.every((id) => realCount(id) === 1);
    });
  };
  const result = await window.axe.run(context, { ...options, elementRef: true });
  for (const r of [...result.violations, ...result.incomplete]) {
    if (r.id === "aria-valid-attr-value") r.nodes = r.nodes.filter((n) => !resolvesFlat(n));
  }
  const empty = (items) => items.filter((r) => r.nodes.length || r.error);
  result.violations = empty(result.violations);
  result.incomplete = empty(result.incomplete);
  const clean = (items) => items.map((r) => ({
    id: r.id, impact: r.impact, tags: r.tags, description: r.description, help: r.help,
    helpUrl: r.helpUrl,
    error: r.error ? { message: String(r.error.message || r.error) } : undefined,
    nodes: r.nodes.map((n) => ({
      html: n.html, target: n.target, impact: n.impact, failureSummary: n.failureSummary,
      any: (n.any || []).map((c) => ({ id: c.id, message: c.message })),
      all: (n.all || []).map((c) => ({ id: c.id, message: c.message })),
      none: (n.none || []).map((c) => ({ id: c.id, message: c.message })),
    })),
  }));
  return {
    testEngine: result.testEngine,
    violations: clean(result.violations),
    incomplete: clean(result.incomplete),
    passes: result.passes.map((r) => ({ id: r.id })),
    inapplicable: result.inapplicable.map((r) => ({ id: r.id })),
  };
}
"""


@cache
def axe_source() -> str:
    """axe.min.js as shipped by axe-playwright-python (the pinned axe-core)."""
    return resources.files("axe_playwright_python").joinpath("axe.min.js").read_text(encoding="utf-8")


def axe_options(ignored_rules: Iterable[str] = ()) -> dict[str, Any]:
    options: dict[str, Any] = {
        "runOnly": {"type": "tag", "values": list(WCAG_TAGS)},
        "resultTypes": ["violations", "incomplete"],
    }
    disabled = sorted(set(ignored_rules))
    if disabled:
        options["rules"] = {rule: {"enabled": False} for rule in disabled}
    return options


def axe_context(include: Sequence[str], exclude: Sequence[str]) -> dict[str, Any]:
    context: dict[str, Any] = {}
    if include:
        context["include"] = [[s] for s in include]
    if exclude:
        context["exclude"] = [[s] for s in exclude]
    return context or {"exclude": []}


def wcag_criteria(tags: Iterable[str]) -> tuple[str, ...]:
    """axe tags -> WCAG success criteria: `wcag143` -> 1.4.3, `wcag2411` -> 2.4.11, `wcag258` -> 2.5.8."""
    out = []
    for tag in tags:
        match = _SC_TAG.match(tag)
        if match:
            out.append(f"{match.group(1)}.{match.group(2)}.{match.group(3)}")
    return tuple(dict.fromkeys(out))


def axe_rule_meta(rule: Mapping[str, Any], version: str = "") -> RuleMeta:
    """Rule metadata for `axe/<id>`, built from what axe says about the rule at run time."""
    axe_id = str(rule.get("id", "unknown"))
    help_text = str(rule.get("help", axe_id))
    description = str(rule.get("description", help_text))
    help_url = str(rule.get("helpUrl", ""))
    tags = [str(t) for t in rule.get("tags", [])]
    level_tags = [t for t in tags if not _SC_TAG.match(t)]
    return RuleMeta(
        id=f"axe/{axe_id}",
        name=axe_id,
        family="axe",
        severity=Severity.ERROR,
        security_severity="0.0",
        category="accessibility",
        message=help_text,
        languages=("page",),
        tags=("accessibility", *[f"axe:{t}" for t in level_tags]),
        wcag=wcag_criteria(tags),
        references=(help_url,) if help_url else (),
        docs={
            "what": f"{description} (axe-core{' ' + version if version else ''} rule `{axe_id}`).",
            "why": f"{help_text}. See {help_url}" if help_url else help_text,
            "example": "See the axe-core rule documentation.",
            "use_instead": "See the axe-core rule documentation.",
        },
    )


def _node_detail(node: Mapping[str, Any]) -> str:
    """The most specific check message of a node (axe's `any` lists alternatives, `all`/`none` musts)."""
    for key in ("all", "none", "any"):
        for check in node.get(key, []) or []:
            message = str(check.get("message", "")).strip()
            if message:
                return message
    summary = str(node.get("failureSummary", "")).strip()
    lines = [line.strip() for line in summary.splitlines() if line.strip() and not line.strip().endswith(":")]
    return lines[0] if lines else ""


@dataclass
class AxeOutcome:
    issues: list[PageIssue] = field(default_factory=list)
    notifications: list[Notification] = field(default_factory=list)
    rules: list[RuleMeta] = field(default_factory=list)


def map_axe_results(
    results: Mapping[str, Any],
    page_label: str = "",
    config_path: str | None = None,
    config_line: int | None = None,
) -> AxeOutcome:
    """axe's JSON for one page -> issues (violations and needs-review), rule-not-evaluated notifications,
    and the RuleMeta of every axe rule that appeared.

    - a violation node -> its rule at a severity from axe's impact (critical/serious: error);
    - an incomplete node -> the same rule at `note`, "needs review";
    - a rule that errored (incomplete with `error`) -> a RULE_NOT_EVALUATED notification: it was not
      evaluated, which is never a pass.
    """
    outcome = AxeOutcome()
    version = str((results.get("testEngine") or {}).get("version", ""))
    seen_rules: dict[str, RuleMeta] = {}

    def meta_for(rule: Mapping[str, Any]) -> RuleMeta:
        meta = axe_rule_meta(rule, version)
        seen_rules.setdefault(meta.id, meta)
        return meta

    for rule in results.get("violations", []) or []:
        meta = meta_for(rule)
        for node in rule.get("nodes", []) or []:
            impact = str(node.get("impact") or rule.get("impact") or "serious")
            detail = _node_detail(node)
            message = f"{rule.get('help', meta.name)}" + (f": {detail}" if detail else "")
            outcome.issues.append(
                PageIssue(
                    rule_id=meta.id,
                    message=message,
                    severity=IMPACT_SEVERITY.get(impact, Severity.ERROR),
                    target=target_from_axe(node.get("target", [])),
                    snippet=str(node.get("html", "")),
                    properties={
                        "impact": impact,
                        "axe_result": "violation",
                        "wcag": " ".join(meta.wcag),
                        "help_url": str(rule.get("helpUrl", "")),
                    },
                )
            )
    for rule in results.get("incomplete", []) or []:
        meta = meta_for(rule)
        error = rule.get("error")
        if error:
            reason = error.get("message", "") if isinstance(error, Mapping) else str(error)
            outcome.notifications.append(
                Notification(
                    kind=NotificationKind.RULE_NOT_EVALUATED,
                    message=f"{meta.id} was not evaluated on {page_label}: axe rule crashed "
                    f"({sanitize_text(str(reason))}); this is not a pass",
                    level=Severity.ERROR,
                    path=config_path,
                    line=config_line,
                    rule_id=meta.id,
                )
            )
            continue
        for node in rule.get("nodes", []) or []:
            detail = _node_detail(node)
            outcome.issues.append(
                PageIssue(
                    rule_id=meta.id,
                    message=f"needs review: {rule.get('help', meta.name)}"
                    + (f": {detail}" if detail else ""),
                    severity=Severity.NOTE,
                    target=target_from_axe(node.get("target", [])),
                    snippet=str(node.get("html", "")),
                    properties={
                        "axe_result": "needs-review",
                        "wcag": " ".join(meta.wcag),
                        "help_url": str(rule.get("helpUrl", "")),
                    },
                )
            )
    outcome.rules = list(seen_rules.values())
    return outcome
