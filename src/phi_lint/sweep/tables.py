"""phi-lint's own page checks (beyond axe): PHI tables, PHI in title/URL, WCAG 2.2 checks.

checks.js collects facts in the browser; the functions here decide, in plain Python, what is a finding
and whether a table shows PHI (the PHI model is asked, never re-implemented). They are pure, so they
are tested from recorded facts as well as through the browser fixtures.

Severity: each rule's default comes from its TOML; a table that shows PHI (a column header the PHI
model recognises, a configured label, or PHI-looking values in its cells) raises it to `error`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from phi_lint.findings import Severity
from phi_lint.phi import PhiModel, PhiSettings
from phi_lint.rules import Registry, RuleMeta, default_registry
from phi_lint.sweep.issues import PageIssue

TABLE_RULES = (
    "a11y/phi-table-name",
    "a11y/phi-table-sort-state",
    "a11y/phi-table-row-header",
    "a11y/phi-div-table",
    "a11y/phi-grid-rowindex",
    "a11y/phi-truncated-cell",
)
PAGE_RULES = ("a11y/phi-in-title", "a11y/phi-in-url")
WCAG22_RULES = ("a11y/focus-not-obscured", "a11y/accessible-authentication")
CUSTOM_RULES = TABLE_RULES + PAGE_RULES + WCAG22_RULES

_SORTED = {"ascending", "descending"}


@dataclass(frozen=True)
class TablePhi:
    """Whether a table shows PHI, and why (never the value itself)."""

    reason: str = ""
    phi_columns: frozenset[int] = frozenset()

    @property
    def shows_phi(self) -> bool:
        return bool(self.reason)


def phi_model_with_labels(model: PhiModel | None, labels: Sequence[str]) -> PhiModel:
    """The project's PHI model (or the built-in catalogue) plus the sweep config's `phi_labels`."""
    if model is None:
        model = PhiModel(settings=PhiSettings())
    if not labels:
        return model
    settings = model.settings
    merged = PhiSettings(
        fields=settings.fields,
        objects=settings.objects,
        not_phi=settings.not_phi,
        labels=tuple(settings.labels) + tuple(labels),
        compliance_groups=settings.compliance_groups,
        security_classifications=settings.security_classifications,
        builtin_catalogue=settings.builtin_catalogue,
    )
    return PhiModel(
        settings=merged,
        metadata=model.metadata,
        autonumber_names=model.autonumber_names,
        object_spelling=model.object_spelling,
    )


def _header_label(text: str) -> str:
    # lightning-datatable headers read "Sort by: SSN Sorted Ascending"; the label is still recognised
    # token by token, but strip the assistive prefixes for messages.
    for noise in (
        "Sort by:",
        "Sorted Ascending",
        "Sorted Descending",
        "Sorted None",
        "Show actions",
        "\u25b2",
        "\u25bc",
        "\u2191",
        "\u2193",
        "\u25b4",
        "\u25be",
    ):
        text = text.replace(noise, " ")
    return " ".join(text.split())


def table_phi(facts: Mapping[str, Any], model: PhiModel) -> TablePhi:
    columns: set[int] = set()
    reasons: list[str] = []
    for index, header in enumerate(facts.get("headers", [])):
        label = _header_label(str(header.get("text", "")))
        if not label:
            continue
        reason = model.label_reason(label)
        if reason is not None:
            columns.add(index)
            if not reasons:
                reasons.append(f"column '{label}' ({reason.detail})")
    kinds = sorted(
        {kind for value in facts.get("values", []) for kind, _ in PhiModel.find_phi_values(str(value))}
    )
    if kinds:
        reasons.append(f"cells hold {', '.join(kinds)} values")
    return TablePhi(reason="; ".join(reasons), phi_columns=frozenset(columns))


def _target(chain: Sequence[str]) -> tuple[tuple[str, ...], ...]:
    return (tuple(str(s) for s in chain),)


def _severity(rule: RuleMeta, phi: bool) -> Severity:
    return Severity.ERROR if phi else rule.severity


def _describe(facts: Mapping[str, Any]) -> str:
    return {"grid": "grid", "div-table": "table built of divs"}.get(str(facts.get("kind")), "table")


def check_tables(
    tables: Iterable[Mapping[str, Any]],
    model: PhiModel,
    enabled: Iterable[str],
    registry: Registry | None = None,
) -> list[PageIssue]:
    registry = registry or default_registry()
    on = set(enabled)
    issues: list[PageIssue] = []
    for facts in tables:
        phi = table_phi(facts, model)
        what = _describe(facts)
        base_props = {"phi": phi.reason} if phi.shows_phi else {}
        suffix = f"; it shows PHI: {phi.reason}" if phi.shows_phi else ""
        target = _target(facts.get("selector", []))
        snippet = str(facts.get("snippet", ""))

        def add(
            rule_id: str,
            message: str,
            tgt: tuple[tuple[str, ...], ...] = target,
            html: str = snippet,
            extra: Mapping[str, str] | None = None,
            suffix: str = suffix,
            shows_phi: bool = phi.shows_phi,
            base: Mapping[str, str] = base_props,
        ) -> None:
            if rule_id not in on:
                return
            rule = registry.get(rule_id)
            issues.append(
                PageIssue(
                    rule_id=rule_id,
                    message=message + suffix,
                    severity=_severity(rule, shows_phi),
                    target=tgt,
                    snippet=html,
                    properties={**base, **(extra or {})},
                )
            )

        if facts.get("kind") == "div-table":
            add(
                "a11y/phi-div-table",
                "SLDS table built of divs has no table or grid role: "
                "screen readers read its cells as loose text",
            )
        if not str(facts.get("name", "")).strip():
            add(
                "a11y/phi-table-name",
                f"{what} has no accessible name (aria-label, aria-labelledby or <caption>)",
            )
        headers = list(facts.get("headers", []))
        declared = [h for h in headers if str(h.get("ariaSort", "")) in _SORTED]
        for header in headers:
            if header.get("visuallySorted") and str(header.get("ariaSort", "")) not in _SORTED:
                label = _header_label(str(header.get("text", ""))) or "column"
                add(
                    "a11y/phi-table-sort-state",
                    f"column '{label}' looks sorted but has no aria-sort=ascending/descending"
                    f" (aria-sort={header.get('ariaSort') or 'absent'})",
                    _target(header.get("selector", [])),
                    str(header.get("snippet", "")),
                )
        if len(declared) > 1:
            add(
                "a11y/phi-table-sort-state",
                f"{len(declared)} columns declare aria-sort ascending/descending; "
                "a table is sorted by one column",
            )
        if (
            facts.get("kind") != "div-table"
            and int(facts.get("columns", 0)) >= 2
            and int(facts.get("rowsWithoutHeader", 0)) > 0
        ):
            add(
                "a11y/phi-table-row-header",
                f"{facts['rowsWithoutHeader']} of {facts.get('dataRows', 0)} data rows have no row header"
                " (th scope=row or role=rowheader) naming the record",
            )
        if facts.get("virtualised") and int(facts.get("missingRowIndex", 0)) > 0:
            total = "an unknown number of" if facts.get("rowcount") == -1 else str(facts.get("rowcount"))
            add(
                "a11y/phi-grid-rowindex",
                f"virtualised {what} renders {facts.get('renderedRows')} of {total} rows but "
                f"{facts['missingRowIndex']} rows have no aria-rowindex",
            )
        by_column: dict[int, list[Mapping[str, Any]]] = {}
        for cell in facts.get("truncated", []):
            by_column.setdefault(int(cell.get("column", 0)), []).append(cell)
        for column, cells in sorted(by_column.items()):
            label = _header_label(str(headers[column].get("text", ""))) if column < len(headers) else ""
            cell_phi = column in phi.phi_columns or any(
                True for c in cells for _ in PhiModel.find_phi_values(str(c.get("text", "")))
            )
            if "a11y/phi-truncated-cell" not in on:
                continue
            rule = registry.get("a11y/phi-truncated-cell")
            issues.append(
                PageIssue(
                    rule_id="a11y/phi-truncated-cell",
                    message=f"{len(cells)} truncated cell(s) in column {column + 1}"
                    + (f" '{label}'" if label else "")
                    + " have no full-text alternative (title, aria-label or tooltip)"
                    + ("; the truncated text is PHI" if cell_phi else suffix),
                    severity=_severity(rule, cell_phi or phi.shows_phi),
                    target=_target(cells[0].get("selector", [])),
                    snippet=str(cells[0].get("snippet", "")),
                    properties={**base_props, "column": str(column + 1), "cells": str(len(cells))},
                )
            )
    return issues


def _phi_kinds(text: str) -> list[str]:
    return sorted({kind for kind, _ in PhiModel.find_phi_values(text)})


def check_title_and_url(title: str, url: str, model: PhiModel, enabled: Iterable[str]) -> list[PageIssue]:
    """PHI-looking values in document.title or the URL: browser history, bookmarks, proxy and server
    logs, Referer headers and analytics all keep them. Messages name the kind, never the value."""
    on = set(enabled)
    issues: list[PageIssue] = []
    root_target = (("html",),)
    kinds = _phi_kinds(title)
    if kinds and "a11y/phi-in-title" in on:
        issues.append(
            PageIssue(
                rule_id="a11y/phi-in-title",
                message=f"page title contains a PHI-looking value ({', '.join(kinds)})",
                severity=Severity.ERROR,
                target=(("title",),),
                properties={"phi": ", ".join(kinds)},
            )
        )
    if "a11y/phi-in-url" in on and url:
        parts = urlsplit(url)
        found = set(_phi_kinds(unquote(parts.path)) + _phi_kinds(unquote(parts.fragment)))
        for name, value in parse_qsl(parts.query, keep_blank_values=False):
            found.update(_phi_kinds(f"{name}={value}"))
            if value and model.label_reason(name.replace("_", " ")) is not None:
                found.add(f"parameter '{name}'")
        if found:
            issues.append(
                PageIssue(
                    rule_id="a11y/phi-in-url",
                    message=f"page URL contains PHI ({', '.join(sorted(found))})",
                    severity=Severity.ERROR,
                    target=root_target,
                    properties={"phi": ", ".join(sorted(found))},
                )
            )
    return issues


def check_auth_fields(
    fields: Iterable[Mapping[str, Any]], enabled: Iterable[str], registry: Registry | None = None
) -> list[PageIssue]:
    """3.3.8 Accessible Authentication (partial): a password or one-time-code field must accept paste
    (password managers, copy from an authenticator) and say what it is through `autocomplete`."""
    if "a11y/accessible-authentication" not in set(enabled):
        return []
    rule = (registry or default_registry()).get("a11y/accessible-authentication")
    issues: list[PageIssue] = []
    for field in fields:
        problems = []
        if field.get("pasteBlocked"):
            problems.append("blocks paste")
        autocomplete = str(field.get("autocomplete", ""))
        if not autocomplete or autocomplete == "off":
            wanted = (
                "current-password/new-password" if field.get("purpose") == "password" else "one-time-code"
            )
            problems.append(f"has {'autocomplete=off' if autocomplete else 'no autocomplete'} (use {wanted})")
        if problems:
            issues.append(
                PageIssue(
                    rule_id=rule.id,
                    message=f"{field.get('purpose', 'authentication')} field {' and '.join(problems)}",
                    severity=Severity.ERROR if field.get("pasteBlocked") else rule.severity,
                    target=_target(field.get("selector", [])),
                    snippet=str(field.get("snippet", "")),
                )
            )
    return issues


def check_focus_stops(
    stops: Iterable[Mapping[str, Any]], enabled: Iterable[str], registry: Registry | None = None
) -> list[PageIssue]:
    """2.4.11 Focus Not Obscured (Minimum): a focused element entirely hidden by author content."""
    if "a11y/focus-not-obscured" not in set(enabled):
        return []
    rule = (registry or default_registry()).get("a11y/focus-not-obscured")
    issues: list[PageIssue] = []
    seen: set[tuple[str, ...]] = set()
    for stop in stops:
        if not stop.get("obscured"):
            continue
        chain = tuple(stop.get("selector", []))
        if chain in seen:
            continue
        seen.add(chain)
        by = " >>> ".join(stop.get("obscuredBy", []))
        issues.append(
            PageIssue(
                rule_id=rule.id,
                message=f"focused element is entirely hidden by {by or 'other content'} when reached by Tab",
                severity=rule.severity,
                target=(chain,),
                snippet=str(stop.get("snippet", "")),
                properties={"obscured_by": by},
            )
        )
    return issues
