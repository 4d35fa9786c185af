"""One-file check with and without the warm server (`phi-lint server`), process start included.

    python3 bench/server.py /tmp/phi-lint-bench/org-1000 force-app/main/default/classes/PatientService.cls
    python3 bench/server.py examples/clinic force-app/main/default/classes/VisitSummaryService.cls

Copies the project to a scratch folder, checks it once (the cache is filled), starts a server for its
cache, then alternates: edit the class (a comment appended), `phi-lint check FILE` (served), edit
again, the same check with PHI_LINT_NO_SERVER=1. Each pair's output and exit code must be the same.
Prints the median wall time of each, and the server's request count (every served run counted).
Run it with the interpreter itself (not a pyenv shim) and with bytecode compiled, so that neither
side pays for compiling.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def run(args: list[str], cwd: Path, alone: bool) -> tuple[float, int, bytes]:
    env = dict(os.environ)
    env.pop("PHI_LINT_NO_SERVER", None)
    if alone:
        env["PHI_LINT_NO_SERVER"] = "1"
    started = time.perf_counter()
    done = subprocess.run(args, cwd=cwd, capture_output=True, check=False, env=env)
    return time.perf_counter() - started, done.returncode, done.stdout + done.stderr


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("project", type=Path)
    parser.add_argument("file", help="the class to edit, relative to the project")
    parser.add_argument("--runs", type=int, default=11)
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="phi-lint-server-bench-"))
    project = scratch / "project"
    shutil.copytree(args.project, project, ignore=shutil.ignore_patterns(".phi-lint-cache"))
    phi = [sys.executable, "-m", "phi_lint"]
    target = project / args.file
    try:
        run([*phi, "check", "-q"], project, alone=True)
        subprocess.run([*phi, "server", "start"], cwd=project, check=True)
        # A first served run: the server keeps the entries it used (and the first fork warms up).
        with target.open("a") as out:
            out.write("// warm-up\n")
        run([*phi, "check", args.file], project, alone=False)
        served: list[float] = []
        alone: list[float] = []
        for number in range(args.runs):
            results = []
            for side, times in ((False, served), (True, alone)):
                with target.open("a") as out:
                    out.write(f"// edit {number} {side}\n")
                wall, code, output = run([*phi, "check", args.file], project, alone=side)
                times.append(wall)
                results.append((code, output))
            if results[0] != results[1]:
                raise SystemExit(f"run {number}: the served check differs from the check without the server")
        status = subprocess.run(
            [*phi, "server", "status"], cwd=project, capture_output=True, text=True, check=False
        )
        for name, times in (("with the server:   ", served), ("without the server:", alone)):
            print(f"{name} median {statistics.median(times):.3f} s  {[round(t, 3) for t in times]}")
        print(f"same output and exit code in all {args.runs} pairs")
        print(status.stdout, end="")
    finally:
        subprocess.run([*phi, "server", "stop"], cwd=project, capture_output=True, check=False)
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
