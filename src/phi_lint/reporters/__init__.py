"""Reporters turn RunResults into text for people and files for machines. They never change findings
and never re-parse messages: everything they print comes from the Finding fields."""

from __future__ import annotations

import json
import os
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from phi_lint.findings import RunResult

FORMATS = ("text", "json", "sarif", "github", "markdown")


def render(
    results: Sequence[RunResult], fmt: str, root: Path, *, color: bool = False, show_suppressed: bool = False
) -> str:
    # Each reporter is imported only when used, so `phi-lint check` loads just the one it needs.
    if fmt == "text":
        from phi_lint.reporters.text import render_text

        return render_text(results, color=color, show_suppressed=show_suppressed)
    if fmt == "json":
        from phi_lint.reporters.jsonout import to_json

        return _json_dump(to_json(results))
    if fmt == "sarif":
        from phi_lint.reporters.sarif import build_sarif

        return _json_dump(build_sarif(results))
    if fmt == "github":
        from phi_lint.reporters.github import render_github

        return render_github(results, path_prefix=_prefix(root))
    if fmt == "markdown":
        from phi_lint.reporters.markdown import render_markdown

        return render_markdown(results)
    raise ValueError(f"unknown format {fmt!r}; choose from {', '.join(FORMATS)}")


def write_report(
    results: Sequence[RunResult],
    fmt: str,
    output: Path | None,
    root: Path,
    *,
    color: bool = False,
    show_suppressed: bool = False,
) -> None:
    """Render and write to `output` (atomically: temp file + rename) or to stdout."""
    text = render(results, fmt, root, color=color and output is None, show_suppressed=show_suppressed)
    if output is None:
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    atomic_write(output, text)


def atomic_write(path: Path, text: str) -> None:
    """An interrupted run never leaves a half-written report: write a sibling temp file, then rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _json_dump(data: object) -> str:
    # sort_keys + fixed separators: the same input gives byte-identical output (stable diffs, baselines).
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _prefix(root: Path) -> str:
    try:
        rel = os.path.relpath(root.resolve(), Path.cwd().resolve())
    except ValueError:
        return ""
    return "" if rel == "." else Path(rel).as_posix() + "/"
