#!/usr/bin/env python3
"""Edits on a synthetic org: what a re-run costs after each kind of edit, and proof that it equals a run
without cache.

    python bench/incremental.py /tmp/phi-lint-bench/org-1000 [--edits 12] [--seed 3] [--jobs 2] [--server]

The project is copied to a scratch directory and checked once with a cache (cold). Then, for each
edit (picked at random, deterministically by seed, among the kinds below), the script times
- `phi-lint check FILE` from the project directory: the pre-commit hook's command on the edited file;
- `phi-lint check .`: a whole-project re-run after the edit (a developer's or CI's next run);
and compares the output of both with a run with `--no-cache` (byte for byte, JSON). With `--server`,
a warm server (`phi-lint server start`) runs for the cache from the cold run on, so every cached
check after an edit is served by it (the `--no-cache` references are not).

Kinds of edit:
- comment: a comment appended to a class (content changes, no summary does);
- body: a statement added inside a method that reads no PHI (summaries unchanged);
- unlog: the `System.debug` calls of a logging class removed (its summary changes: every caller's
  findings change);
- relog: those calls put back.
Figures are printed as a table (median wall seconds per kind, and the share of cold).
"""

from __future__ import annotations

import argparse
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PHI = [sys.executable, "-m", "phi_lint", "check", "--format", "json"]


def run(args: list[str], cwd: Path) -> tuple[float, bytes]:
    started = time.perf_counter()
    done = subprocess.run(args, cwd=cwd, capture_output=True, check=False)
    wall = time.perf_counter() - started
    if done.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(args)} exited {done.returncode}: {done.stderr.decode()[-2000:]}")
    return wall, done.stdout


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("project", type=Path)
    parser.add_argument("--edits", type=int, default=12)
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--server", action="store_true", help="serve the cached checks by a warm server")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    scratch = Path(tempfile.mkdtemp(prefix="phi-lint-incremental-"))
    project = scratch / "project"
    shutil.copytree(args.project, project, ignore=shutil.ignore_patterns(".phi-lint-cache"))
    cache = scratch / "cache"
    jobs = ["--jobs", str(args.jobs)]
    classes = sorted(project.rglob("*.cls"))
    cold, _ = run([*PHI, ".", "--cache-dir", str(cache), *jobs], project)
    print(f"cold whole run: {cold:.2f} s ({len(classes)} classes)")
    server = [sys.executable, "-m", "phi_lint", "server"]
    if args.server:
        subprocess.run([*server, "start", "--cache-dir", str(cache)], cwd=project, check=True)
    try:
        timings = edit_and_check(args, rng, project, cache, classes, jobs)
        if args.server:
            status = subprocess.run(
                [*server, "status", "--cache-dir", str(cache)], cwd=project, capture_output=True, text=True
            )
            print(status.stdout, end="")
    finally:
        if args.server:
            subprocess.run([*server, "stop", "--cache-dir", str(cache)], cwd=project, capture_output=True)
    print()
    print("| edit | n | one changed file (median) | whole project (median) | whole / cold |")
    print("|---|---:|---:|---:|---:|")
    for kind, pairs in sorted(timings.items()):
        one = statistics.median(p[0] for p in pairs)
        whole = statistics.median(p[1] for p in pairs)
        print(f"| {kind} | {len(pairs)} | {one:.2f} s | {whole:.2f} s | {100 * whole / cold:.0f}% |")
    shutil.rmtree(scratch, ignore_errors=True)


def edit_and_check(
    args: argparse.Namespace,
    rng: random.Random,
    project: Path,
    cache: Path,
    classes: list[Path],
    jobs: list[str],
) -> dict[str, list[tuple[float, float]]]:
    """The edits, each followed by the one-file and whole-project checks, both compared with runs
    without cache; the wall times by kind of edit."""
    loggers = [p for p in classes if "System.debug(" in p.read_text() and "Log" in p.stem]
    plain = [p for p in classes if not p.stem.endswith("Test")]
    timings: dict[str, list[tuple[float, float]]] = {}
    removed: dict[Path, str] = {}
    for number in range(args.edits):
        kinds = ["comment", "body"] + (["relog"] if removed else ["unlog"] if loggers else [])
        kind = rng.choice(kinds)
        if kind == "relog":
            target, original = removed.popitem()
            target.write_text(original)
        elif kind == "unlog":
            target = rng.choice(loggers)
            removed[target] = target.read_text()
            target.write_text(re.sub(r"System\.debug\(", "String.valueOf(", removed[target]))
        else:
            target = rng.choice(plain)
            text = target.read_text()
            if kind == "comment":
                target.write_text(text + f"\n// reviewed {number}\n")
            else:
                # A statement at the start of the first method body (after its first `{`).
                head = text.index("{", text.index("(")) + 1
                target.write_text(text[:head] + f" Integer unused{number} = {number};" + text[head:])
        rel = str(target.relative_to(project))
        one, one_output = run([*PHI, rel, "--cache-dir", str(cache)], project)
        whole, output = run([*PHI, ".", "--cache-dir", str(cache), *jobs], project)
        _, one_reference = run([*PHI, rel, "--no-cache"], project)
        _, reference = run([*PHI, ".", "--no-cache", *jobs], project)
        if one_output != one_reference:
            raise SystemExit(
                f"edit {number} ({kind} {rel}): one-file output differs from a run without cache"
            )
        if output != reference:
            raise SystemExit(f"edit {number} ({kind} {rel}): cached output differs from a run without cache")
        timings.setdefault(kind, []).append((one, whole))
        print(
            f"edit {number:2} {kind:8} {target.name:36} one file {one:.2f} s, "
            f"whole {whole:.2f} s, same output"
        )
    return timings


if __name__ == "__main__":
    main()
