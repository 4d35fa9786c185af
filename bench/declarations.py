#!/usr/bin/env python3
"""The declarations prepare() reads from a class parsed without its method bodies, against those read
from the whole text, for every Apex file under the given directories; and what each costs.

    PYTHONPATH=src python3 bench/declarations.py /tmp/rw /tmp/rw2 /tmp/rw3 /tmp/phi-lint-bench/org-1000

Prints each file whose declarations differ (with both), then how many files were compared, how many
the body scan was unsure of (parsed whole), and the CPU time of both ways over all files. Exit 1 when
any file differs.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from phi_lint import parsing
from phi_lint.analyzers.apex import _collect_names, _declarations_tree
from phi_lint.analyzers.apex.bodies import body_interiors
from phi_lint.context import FileContext
from phi_lint.engine import decode_source


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("roots", nargs="+", type=Path)
    args = parser.parse_args()
    paths = sorted(p for root in args.roots for p in root.rglob("*") if p.suffix in (".cls", ".trigger"))
    contexts: list[FileContext] = []
    for path in paths:
        if not path.is_file():
            continue
        text, _ = decode_source(path.read_bytes(), str(path))
        if text is None:
            continue
        project = None  # _collect_names reads nothing of the project
        contexts.append(FileContext(project, path, str(path), "apex", text.encode("utf-8"), text))  # type: ignore[arg-type]
    differ = unsure = 0
    for ctx in contexts:
        whole = _collect_names(ctx)
        ctx.release()
        cheap = _collect_names(ctx, _declarations_tree(ctx))
        if ctx.path.suffix == ".cls" and body_interiors(ctx.source) is None:
            unsure += 1
        if whole != cheap:
            differ += 1
            print(f"DIFFERENT {ctx.path}\n  whole: {whole}\n  cheap: {cheap}")
    start = time.process_time()
    for ctx in contexts:
        _collect_names(ctx, parsing.parse("apex", ctx.source))
    whole_cpu = time.process_time() - start
    start = time.process_time()
    for ctx in contexts:
        _collect_names(ctx, _declarations_tree(ctx))
    cheap_cpu = time.process_time() - start
    size = sum(len(ctx.source) for ctx in contexts)
    print(
        f"{len(contexts)} files ({size / 1e6:.1f} MB) compared, {differ} differ, {unsure} classes parsed"
        f" whole (scan unsure); declarations CPU: whole text {whole_cpu:.3f} s, without bodies"
        f" {cheap_cpu:.3f} s"
    )
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
