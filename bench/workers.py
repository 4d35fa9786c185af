#!/usr/bin/env python3
"""How should worker processes get the project-wide state (PHI model, prepare() facts)?

Compares, on one project, the per-worker cost of:
- fork: children inherit the parent's memory (the engine's default on Linux): cost = starting the pool;
- spawn + pickle: the parent pickles (Project, rules) once; each worker unpickles it;
- spawn + rebuild: each worker opens the project and runs prepare() itself (with and without the
  facts cache).

    python bench/workers.py /tmp/phi-lint-bench/org-1000
"""

from __future__ import annotations

import json
import multiprocessing
import pickle
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from phi_lint import engine
from phi_lint.config import Config, find_config, load_config_file
from phi_lint.project import open_project
from phi_lint.rules import default_registry


def _noop(_: int) -> int:
    return 0


def _pool_start(method: str, workers: int = 2) -> float:
    started = time.perf_counter()
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context(method)) as pool:
        list(pool.map(_noop, range(workers)))
    return time.perf_counter() - started


def main() -> None:
    root = Path(sys.argv[1]).resolve()
    registry = default_registry()
    found = find_config(root)
    config = load_config_file(found, registry) if found else Config()
    rules = engine.enabled_rules(registry, config)

    started = time.perf_counter()
    project = open_project(root, config)
    opened = time.perf_counter() - started
    files = list(project.iter_files([root]))
    started = time.perf_counter()
    engine.prepare_analyzers(project, files, rules)
    prepared = time.perf_counter() - started

    started = time.perf_counter()
    payload = pickle.dumps((project, rules), protocol=pickle.HIGHEST_PROTOCOL)
    pickled = time.perf_counter() - started
    started = time.perf_counter()
    pickle.loads(payload)
    unpickled = time.perf_counter() - started

    # Rebuild with the facts cache warm: open the project, then read the facts from the cache.
    with tempfile.TemporaryDirectory() as cache_dir:
        request = engine.CheckRequest([root], open_project(root, config), registry, cache_dir=Path(cache_dir))
        engine.run_check(request)  # fills the cache
        started = time.perf_counter()
        fresh = open_project(root, config)
        from phi_lint.cache import Cache

        cache = Cache.open(Path(cache_dir))
        engine._prepare_with_cache(
            fresh, files, engine._analyzer_prepares(rules), cache, "bench", engine.RunStats()
        )
        # The salt differs from run_check's, so measure a second call that hits the entries it wrote.
        again = open_project(root, config)
        started = time.perf_counter()
        engine._prepare_with_cache(
            again, files, engine._analyzer_prepares(rules), cache, "bench", engine.RunStats()
        )
        rebuilt_cached = time.perf_counter() - started + opened

    print(
        json.dumps(
            {
                "project": str(root),
                "files": len(files),
                "open_project_s": round(opened, 3),
                "prepare_s": round(prepared, 3),
                "pickle_bytes": len(payload),
                "pickle_s": round(pickled, 3),
                "unpickle_s_per_worker": round(unpickled, 3),
                "rebuild_uncached_s_per_worker": round(opened + prepared, 3),
                "rebuild_from_facts_cache_s_per_worker": round(rebuilt_cached, 3),
                "pool_start_fork_2_workers_s": round(_pool_start("fork"), 3),
                "pool_start_spawn_2_workers_s": round(_pool_start("spawn"), 3),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
