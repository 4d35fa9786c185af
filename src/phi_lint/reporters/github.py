"""GitHub Actions workflow commands: findings appear as annotations on the pull request."""

from __future__ import annotations

from collections.abc import Sequence

from phi_lint.findings import RunResult, Severity

_COMMAND = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.NOTE: "notice"}


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def render_github(results: Sequence[RunResult], path_prefix: str = "") -> str:
    lines: list[str] = []
    for run in results:
        for f in run.findings:
            if f.is_suppressed:
                continue
            loc = f.location
            props = [
                f"file={_escape_property(path_prefix + loc.path)}",
                f"line={loc.start_line}",
                f"col={loc.start_column}",
            ]
            if loc.end_line:
                props.append(f"endLine={loc.end_line}")
            if loc.end_line == loc.start_line and loc.end_column:
                props.append(f"endColumn={loc.end_column}")
            props.append(f"title={_escape_property(f.rule_id)}")
            lines.append(f"::{_COMMAND[f.severity]} {','.join(props)}::{_escape_data(f.message)}")
        for n in run.notifications:
            props = [f"file={_escape_property(path_prefix + n.path)}"] if n.path else []
            if n.path and n.line:
                props.append(f"line={n.line}")
            props.append(f"title={_escape_property('phi-lint ' + n.kind.value)}")
            # A crashed rule or an unreadable file is an error annotation (the run was incomplete),
            # and names the rule that did not run.
            command = "error" if n.makes_run_incomplete else "warning"
            rule = f"[{n.rule_id}] " if n.rule_id else ""
            text = _escape_data(f"phi-lint could not check: {rule}{n.message}")
            lines.append(f"::{command} {','.join(props)}::{text}")
    return "\n".join(lines) + ("\n" if lines else "")
