"""Plain JSON: every field of every finding and notification, for scripts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from typing import Any

from phi_lint import __version__
from phi_lint.findings import Finding, Notification, RunResult


def _finding(f: Finding) -> dict[str, Any]:
    data = asdict(f)
    data["severity"] = f.severity.value
    data["properties"] = dict(f.properties)
    if f.suppression is not None:
        data["suppression"]["kind"] = f.suppression.kind.value
    return data


def _notification(n: Notification) -> dict[str, Any]:
    data = asdict(n)
    data["kind"] = n.kind.value
    data["level"] = n.level.value
    return data


def to_json(results: Sequence[RunResult]) -> dict[str, Any]:
    return {
        "tool": "phi-lint",
        "version": __version__,
        "runs": [
            {
                "category": run.category,
                "scanned": run.scanned,
                "incomplete": run.incomplete,
                "rules": [r.id for r in run.rules],
                "findings": [_finding(f) for f in run.findings],
                "notifications": [_notification(n) for n in run.notifications],
                "properties": dict(run.properties),
            }
            for run in sorted(results, key=lambda r: r.category)
        ],
    }
