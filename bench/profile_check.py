#!/usr/bin/env python3
"""Profile one cold `phi-lint check` of a project in this process (cProfile), without the cache.

    python bench/profile_check.py /tmp/phi-lint-bench/org-100 [--sort tottime] [--jobs 1]

Prints the open/prepare/analysis split and the top functions.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import time
from pathlib import Path

from phi_lint import engine
from phi_lint.config import Config, find_config, load_config_file
from phi_lint.project import open_project
from phi_lint.rules import default_registry


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("project", type=Path)
    parser.add_argument("--sort", default="cumulative", choices=["cumulative", "tottime", "ncalls"])
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--top", type=int, default=45)
    args = parser.parse_args()
    root = args.project.resolve()
    registry = default_registry()
    found = find_config(root)
    config = load_config_file(found, registry) if found else Config()
    profile = cProfile.Profile()
    started = time.perf_counter()
    profile.enable()
    project = open_project(root, config)
    opened = time.perf_counter() - started
    result = engine.run_check(engine.CheckRequest([root], project, registry, jobs=args.jobs))
    profile.disable()
    stats = engine.last_run_stats
    print(
        f"open_project {opened:.2f} s, prepare {stats.prepare_seconds:.2f} s, "
        f"per-file {stats.analyse_seconds:.2f} s, total {time.perf_counter() - started:.2f} s "
        f"(profiler overhead included); {len(result.findings)} findings"
    )
    pstats.Stats(profile).sort_stats(args.sort).print_stats(args.top)


if __name__ == "__main__":
    main()
