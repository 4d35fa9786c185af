"""Reporters turn RunResults into text for people and files for machines. They never change findings
and never re-parse messages: everything they print comes from the Finding fields."""

from __future__ import annotations

import json
import os
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

from phi_lint.findings import RunResult

FORMATS = ("text", "json", "sarif", "github", "markdown")


def render(results: Sequence[RunResult], fmt: str, root: Path, *, color: bool = False,
           show_suppressed: bool = False) -> str:
    renderers: dict[str, Callable[[], str]] = {
        "text": lambda: _text().render_text(results, color=color, show_suppressed=show_suppressed),
        "json": lambda: _json_dump(_json().to_json(results)),
        "sarif": lambda: _json_dump(_sarif().build_sarif(results)),
        "github": lambda: _github().render_github(results, path_prefix=_prefix(root)),
        "markdown": lambda: _markdown().render_markdown(results),
    }
    if fmt not in renderers:
        raise ValueError(f"unknown format {fmt!r}; choose from {', '.join(FORMATS)}")
    return renderers[fmt]()


def write_report(results: Sequence[RunResult], fmt: str, output: Path | None, root: Path, *,
                 color: bool = False, show_suppressed: bool = False) -> None:
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


# Imported lazily so `phi-lint check` loads only the reporter it uses.
def _text():  # type: ignore[no-untyped-def]
    from phi_lint.reporters import text

    return text


def _json():  # type: ignore[no-untyped-def]
    from phi_lint.reporters import jsonout

    return jsonout


def _sarif():  # type: ignore[no-untyped-def]
    from phi_lint.reporters import sarif

    return sarif


def _github():  # type: ignore[no-untyped-def]
    from phi_lint.reporters import github

    return github


def _markdown():  # type: ignore[no-untyped-def]
    from phi_lint.reporters import markdown

    return markdown
