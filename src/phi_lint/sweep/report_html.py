"""The sweep's HTML report for people: one self-contained file (inline CSS, screenshots as data URIs).

Findings are grouped by WCAG success criterion, then by rule, each with its page, selector, masked
snippet, highlighted element screenshot (cells, inputs and record values masked) and a link to the
rule's help.
Everything shown comes from Finding fields, which are already free of patient data (see redact.py).
"""

from __future__ import annotations

import base64
import html
from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from phi_lint.findings import Finding, Severity
from phi_lint.rules import RuleMeta

_CSS = (Path(__file__).parent / "report.css").read_text(encoding="utf-8")


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _primary_sc(rule: RuleMeta | None) -> str:
    return rule.wcag[0] if rule is not None and rule.wcag else ""


def _sc_key(sc: str) -> tuple[int, ...]:
    try:
        return tuple(int(p) for p in sc.split("."))
    except ValueError:
        return (99,)


def _help_link(finding: Finding, rule: RuleMeta | None) -> str:
    url = finding.property("help_url") or (rule.references[0] if rule is not None and rule.references else "")
    if not url and rule is not None:
        url = rule.help_uri
    return url


def render_html(result: Any, title: str = "phi-lint accessibility sweep") -> str:
    """`result` is a runner.SweepResult (run, pages, screenshots)."""
    run = result.run
    rules = {r.id: r for r in run.rules}
    findings: list[Finding] = list(run.findings)
    active = [f for f in findings if not f.is_suppressed]
    sev = Counter(f.severity for f in active)
    page_errors = [n for n in run.notifications if n.kind.value == "page-error"]
    others = [n for n in run.notifications if n.kind.value != "page-error"]

    by_sc: dict[str, dict[str, list[Finding]]] = defaultdict(lambda: defaultdict(list))
    for finding in findings:
        by_sc[_primary_sc(rules.get(finding.rule_id))][finding.rule_id].append(finding)

    out: list[str] = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_e(title)}</title><style>{_CSS}</style></head><body>",
        f"<header><h1>{_e(title)}</h1><p>{_e(run.scanned)} page(s) scanned · generated "
        f"{_e(datetime.now(timezone.utc).strftime('%Y-%m-%d %H:%M UTC'))} · patient data masked in snippets, "
        "URLs and screenshots</p></header><main>",
        '<h2 id="summary">Summary</h2><ul class="counts">',
        f"<li><strong>{sev[Severity.ERROR]}</strong>errors</li>",
        f"<li><strong>{sev[Severity.WARNING]}</strong>warnings</li>",
        f"<li><strong>{sev[Severity.NOTE]}</strong>need review</li>",
        f"<li><strong>{len(findings) - len(active)}</strong>suppressed</li>",
        f"<li><strong>{len(page_errors)}</strong>page errors</li>",
        "</ul>",
    ]
    if page_errors or others:
        out.append('<h2 id="problems">Pages and rules that could not be checked</h2><ul class="notes">')
        for note in [*page_errors, *others]:
            out.append(
                f'<li><span class="sev sev-{_e(note.level.value)}">{_e(note.kind.value)}</span> '
                f"{_e(note.message)}</li>"
            )
        out.append("</ul>")

    out.append('<h2 id="findings">Findings by WCAG success criterion</h2>')
    if not findings:
        out.append("<p>No accessibility problems found on the scanned pages.</p>")
    for sc in sorted(by_sc, key=lambda s: (s == "", _sc_key(s))):
        group = by_sc[sc]
        total = sum(len(v) for v in group.values())
        heading = f"WCAG {sc}" if sc else "Other checks (no WCAG criterion)"
        out.append(f'<h3>{_e(heading)} <span class="meta">({total})</span></h3>')
        for rule_id in sorted(group, key=lambda r: (min(f.severity.rank for f in group[r]), r)):
            out.append(_rule_block(rule_id, rules.get(rule_id), group[rule_id], result.screenshots))

    out.append(
        '<h2 id="pages">Pages</h2><table class="pages"><thead><tr><th scope="col">Page</th>'
        '<th scope="col">URL</th><th scope="col">Findings</th><th scope="col">Status</th>'
        '<th scope="col">Time</th></tr></thead><tbody>'
    )
    counts = Counter(f.property("page") for f in active)
    for page in result.pages:
        status = "scanned" if page.scanned else "not scanned (see above)"
        total = page.timings.get("total", 0.0)
        out.append(
            f'<tr><th scope="row">{_e(page.page.name or page.url)}</th><td>{_e(page.url)}</td>'
            f"<td>{counts.get(page.url, 0)}</td><td>{_e(status)}</td><td>{total:.1f}s</td></tr>"
        )
    out.append("</tbody></table></main></body></html>")
    return "\n".join(out)


def _rule_block(
    rule_id: str, rule: RuleMeta | None, findings: Iterable[Finding], shots: dict[str, bytes]
) -> str:
    items = sorted(findings, key=lambda f: (f.severity.rank, f.property("page"), f.property("selector")))
    worst = items[0].severity.value
    name = rule.message if rule is not None and "{" not in rule.message else rule_id
    criteria = ", ".join(rule.wcag) if rule is not None and rule.wcag else ""
    link = _help_link(items[0], rule)
    parts = [
        '<details class="rule" open>',
        f'<summary><span class="sev sev-{_e(worst)}">{_e(worst)}</span> <code>{_e(rule_id)}</code> '
        f'— {_e(name)} <span class="meta">({len(items)})</span></summary>',
        f'<p class="meta">{("WCAG " + _e(criteria) + " · ") if criteria else ""}'
        + (f'<a href="{_e(link)}">rule help</a>' if link else "")
        + "</p>",
    ]
    for finding in items:
        png = shots.get(finding.fingerprint)
        shot = (
            '<img alt="Screenshot of the element, highlighted; table cells, inputs and record values '
            f'masked" '
            f'src="data:image/png;base64,{base64.b64encode(png).decode()}">'
            if png
            else '<p class="noshot">no screenshot</p>'
        )
        suppressed = ""
        if finding.suppression is not None:
            suppressed = f"<p><strong>Suppressed:</strong> {_e(finding.suppression.justification)}</p>"
        source = f"{finding.location.path}:{finding.location.start_line}"
        parts.append(
            f'<div class="finding{" suppressed" if finding.is_suppressed else ""}"><div>'
            f'<p><span class="sev sev-{_e(finding.severity.value)}">{_e(finding.severity.value)}</span> '
            f"{_e(finding.message)}</p>"
            f'<p class="meta">Page: {_e(finding.property("page_name") or "")} '
            f"<code>{_e(finding.property('page'))}</code>"
            f"<br>Element: <code>{_e(finding.property('selector') or 'html')}</code>"
            f"<br>Source: <code>{_e(source)}</code></p>"
            + (f"<pre>{_e(finding.location.snippet)}</pre>" if finding.location.snippet else "")
            + suppressed
            + f"</div><div>{shot}</div></div>"
        )
    parts.append("</details>")
    return "\n".join(parts)
