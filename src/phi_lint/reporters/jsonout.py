"""Plain JSON: every field of every finding and notification, for scripts."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import fields, is_dataclass
from typing import Any

from phi_lint import __version__
from phi_lint.findings import Finding, Notification, RunResult


@functools.cache
def _field_names(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in fields(cls))


def _plain(value: Any) -> Any:
    """What `dataclasses.asdict` makes of a finding's parts (dicts of the frozen dataclasses, tuples
    kept), without its deep copy of every leaf: a third of a large org's report time went to it."""
    if isinstance(value, tuple):
        return tuple(_plain(item) for item in value)
    if is_dataclass(value) and not isinstance(value, type):
        return {name: _plain(getattr(value, name)) for name in _field_names(type(value))}
    return value


def _finding(f: Finding) -> dict[str, Any]:
    data: dict[str, Any] = _plain(f)
    data["severity"] = f.severity.value
    data["properties"] = dict(f.properties)
    if f.suppression is not None:
        data["suppression"]["kind"] = f.suppression.kind.value
    return data


def _notification(n: Notification) -> dict[str, Any]:
    data: dict[str, Any] = _plain(n)
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
