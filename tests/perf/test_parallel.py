"""Parallel analysis: same results, in the same order, whatever the number of workers."""

from __future__ import annotations

from pathlib import Path

import pytest

from phi_lint import engine
from phi_lint.config import Config
from phi_lint.engine import CheckRequest, balanced_chunks, run_check
from phi_lint.project import open_project
from tests.perf import perf_rules
from tests.perf.conftest import Run, comparable


@pytest.fixture
def always_parallel(monkeypatch: pytest.MonkeyPatch) -> None:
    # The test project is small: lower the thresholds so the worker pool really runs.
    monkeypatch.setattr(engine, "PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr(engine, "PARALLEL_MIN_FILES", 1)


@pytest.mark.parametrize("start_method", ["fork", "spawn"])
def test_workers_give_identical_results(
    project_root: Path, run: Run, always_parallel: None, start_method: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PHI_LINT_START_METHOD", start_method)
    serial = run(project_root, cache=False, jobs=1)
    assert engine.last_run_stats.workers == 1
    parallel = run(project_root, cache=False, jobs=2)
    assert engine.last_run_stats.workers == 2
    assert comparable(parallel) == comparable(serial)
    assert [f.fingerprint for f in parallel.findings] == [f.fingerprint for f in serial.findings]
    three = run(project_root, cache=False, jobs=3)
    assert comparable(three) == comparable(serial)


def test_parallel_cold_fills_the_cache_for_a_serial_warm_run(
    project_root: Path, run: Run, always_parallel: None
) -> None:
    cold = run(project_root, jobs=2)
    warm = run(project_root, jobs=1)
    assert engine.last_run_stats.analysed == 0
    assert comparable(warm) == comparable(cold)


def test_small_runs_stay_in_process(project_root: Path, run: Run) -> None:
    run(project_root, cache=False, jobs=2)
    assert engine.last_run_stats.workers == 1  # 25 small classes: not worth starting workers


def test_a_worker_that_dies_costs_only_its_file(
    project_root: Path, always_parallel: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PHI_LINT_START_METHOD", "fork")
    poison = project_root / "force-app/main/default/classes/Caller7.cls"
    poison.write_text(poison.read_text() + "\n// CRASH_WORKER\n")

    def check(registry_: object) -> object:
        project = open_project(project_root, Config())
        return run_check(CheckRequest([project_root], project, registry_, jobs=2))  # type: ignore[arg-type]

    crashed = check(perf_rules.crash_registry())
    died = [n for n in crashed.notifications if "worker process" in n.message]  # type: ignore[attr-defined]
    assert [n.path for n in died] == ["force-app/main/default/classes/Caller7.cls"]
    assert crashed.incomplete  # type: ignore[attr-defined]
    healthy = check(perf_rules.registry())
    expected = [f for f in healthy.findings if not f.location.path.endswith("Caller7.cls")]  # type: ignore[attr-defined]
    assert list(crashed.findings) == expected  # type: ignore[attr-defined]


def test_balanced_chunks_cover_every_file_once_and_balance_sizes() -> None:
    sizes = [1000, 10, 500, 500, 400, 300, 200, 100, 90, 80, 70, 60, 50, 5, 5, 5]
    items = [(i, Path(f"F{i}.cls")) for i in range(len(sizes))]
    chunks = balanced_chunks(items, sizes, 4)
    assert sorted(item for chunk in chunks for item in chunk) == items
    totals = [sum(sizes[i] for i, _ in chunk) for chunk in chunks]
    assert max(totals) == 1000  # the largest file alone; nothing added to its chunk
    assert max(totals[1:]) - min(totals[1:]) <= 100
    assert chunks == balanced_chunks(items, sizes, 4)  # deterministic
    assert balanced_chunks(items[:2], sizes[:2], 8) == [[items[0]], [items[1]]]


def test_jobs_zero_means_all_available_cores() -> None:
    assert engine.resolve_jobs(0) >= 1
    assert engine.resolve_jobs(3) == 3
