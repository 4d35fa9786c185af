"""Baselines: record today's findings so that only new ones fail.

Keys are fingerprints (rule, path, normalized matched text, occurrence), which carry no line numbers,
so a baseline survives edits elsewhere in the file. Matched findings stay in every report, marked as
externally suppressed.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import replace
from pathlib import Path

from phi_lint.findings import Finding, RunResult, Suppression, SuppressionKind

BASELINE_VERSION = 1


class BaselineError(Exception):
    """An unreadable or malformed baseline file (exit code 2)."""


def baseline_document(results: Sequence[RunResult]) -> dict[str, object]:
    entries = sorted(
        (
            {"fingerprint": f.fingerprint, "rule": f.rule_id, "path": f.location.path}
            for run in results
            for f in run.findings
            if f.suppression is None or f.suppression.kind is not SuppressionKind.IN_SOURCE
        ),
        key=lambda e: (e["path"], e["rule"], e["fingerprint"]),
    )
    return {"tool": "phi-lint", "version": BASELINE_VERSION, "findings": entries}


def load_baseline(path: Path) -> set[str]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise BaselineError(f"{path}: cannot read baseline: {exc.strerror or exc}") from exc
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BaselineError(f"{path}: baseline is not valid JSON: {exc}") from exc
    except RecursionError as exc:  # json recurses per nested array
        raise BaselineError(f"{path}: baseline is not valid JSON: nested too deeply") from exc
    if (
        not isinstance(data, dict)
        or data.get("version") != BASELINE_VERSION
        or not isinstance(data.get("findings"), list)
    ):
        raise BaselineError(f"{path}: not a phi-lint baseline (version {BASELINE_VERSION})")
    fingerprints: set[str] = set()
    for entry in data["findings"]:
        if not isinstance(entry, dict) or not isinstance(entry.get("fingerprint"), str):
            raise BaselineError(f"{path}: every entry needs a string `fingerprint`")
        fingerprints.add(entry["fingerprint"])
    return fingerprints


def apply_baseline(findings: Iterable[Finding], fingerprints: set[str], source: str) -> list[Finding]:
    justification = f"in baseline {source}"
    return [
        replace(f, suppression=Suppression(SuppressionKind.EXTERNAL, justification))
        if f.suppression is None and f.fingerprint in fingerprints
        else f
        for f in findings
    ]
