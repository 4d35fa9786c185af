"""Interrupting a run (Ctrl-C, SIGTERM from CI or `timeout`) leaves no half-written report and no
corrupt cache: reports and cache entries are written to a temp file and renamed."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from phi_lint.reporters import atomic_write

from .conftest import MARKER_LINE

REPO = Path(__file__).resolve().parents[2]
OLD_REPORT = '{"old": "report"}\n'

# Runs the CLI with analyze_file slowed down (and a marker file touched once analysis started), so the
# test can interrupt it in the middle of a run.
SLOW_RUNNER = textwrap.dedent(
    """
    import pathlib, sys, time
    import phi_lint.engine as engine
    original = engine.analyze_file
    marker = pathlib.Path(sys.argv[1])

    def slow(*args, **kwargs):
        marker.touch()
        time.sleep(float(sys.argv[2]))
        return original(*args, **kwargs)

    engine.analyze_file = slow
    from phi_lint.cli import main
    sys.exit(main(sys.argv[3:]))
    """
)


def _project(make_project, files: int = 12) -> Path:  # type: ignore[no-untyped-def]
    body = "\n".join(f"    Integer v{i} = {i};" for i in range(2000))  # ~50 KB: parallel runs kick in
    return make_project(  # type: ignore[no-any-return]
        {f"classes/C{n}.cls": f"public class C{n} {{\n    {MARKER_LINE}\n{body}\n}}\n" for n in range(files)}
    )


def _start(root: Path, tmp: Path, *args: str, delay: float = 0.3) -> tuple[subprocess.Popen[str], Path]:
    marker = tmp / "started"
    marker.unlink(missing_ok=True)
    env = {**os.environ, "PHI_LINT_CACHE_KEY": "interrupt-tests", "PYTHONPATH": str(REPO / "src")}
    proc = subprocess.Popen(
        [sys.executable, "-c", SLOW_RUNNER, str(marker), str(delay), "check", str(root), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=tmp,
    )
    deadline = time.monotonic() + 60
    while not marker.exists():
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "the run never started analysing"
        time.sleep(0.02)
    time.sleep(0.1)
    return proc, marker


def _no_temp_files(directory: Path) -> list[Path]:
    return [p for p in directory.rglob("*") if p.name.endswith(".tmp") or p.name.startswith(".tmp-")]


def _assert_cache_entries_valid(cache_dir: Path) -> int:
    """Every entry on disk is complete and signed: loading it gives a value, never garbage."""
    from phi_lint.cache import Cache

    cache = Cache.open(cache_dir)
    assert cache is not None
    entries = cache_dir / "v1"
    count = 0
    for path in entries.rglob("*"):
        if not path.is_file():
            continue
        rel = path.relative_to(entries).parts
        if len(rel) == 3:  # namespace/ab/cdef...
            namespace, head, tail = rel
            assert cache.get(namespace, head + tail) is not None, f"corrupt cache entry {path}"
            count += 1
    return count


@pytest.mark.parametrize(
    ("sig", "expected", "jobs"),
    [(signal.SIGTERM, 143, "1"), (signal.SIGINT, 130, "1"), (signal.SIGTERM, 143, "2")],
    ids=["sigterm", "sigint", "sigterm-parallel"],
)
def test_interrupted_run_leaves_old_report_and_a_valid_cache(
    make_project,
    tmp_path: Path,
    sig: int,  # type: ignore[no-untyped-def]
    expected: int,
    jobs: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PHI_LINT_CACHE_KEY", "interrupt-tests")
    root = _project(make_project)
    report = tmp_path / "out" / "report.sarif"
    report.parent.mkdir()
    report.write_text(OLD_REPORT)
    cache_dir = tmp_path / "cache"
    proc, _ = _start(
        root, tmp_path, "--format", "sarif", "-o", str(report), "--cache-dir", str(cache_dir), "--jobs", jobs
    )
    started = time.monotonic()
    proc.send_signal(sig)
    try:
        _, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == expected, err
    assert "interrupted" in err and "Traceback" not in err, err
    assert time.monotonic() - started < 30
    assert report.read_text() == OLD_REPORT  # untouched: never half-written
    assert _no_temp_files(tmp_path) == []
    if cache_dir.exists():
        _assert_cache_entries_valid(cache_dir)
    # The next run is complete and gives the same report as a run without a cache.
    env = {**os.environ, "PHI_LINT_CACHE_KEY": "interrupt-tests"}
    cold = tmp_path / "cold.sarif"

    def sarif_check(output: Path, *cache_options: str) -> subprocess.CompletedProcess[str]:
        command = [
            sys.executable,
            "-m",
            "phi_lint",
            "check",
            str(root),
            "--format",
            "sarif",
            "-o",
            str(output),
        ]
        return subprocess.run([*command, *cache_options], env=env, capture_output=True, text=True)

    warm = sarif_check(report, "--cache-dir", str(cache_dir))
    sarif_check(cold, "--no-cache")
    assert warm.returncode == 1, warm.stderr
    # What the cache can affect: results and notifications (rule descriptors come from the rule files).
    warm_runs, cold_runs = (
        [(r["results"], r["invocations"]) for r in json.loads(path.read_text())["runs"]]
        for path in (report, cold)
    )
    assert warm_runs == cold_runs
    assert _assert_cache_entries_valid(cache_dir) > 0


def test_sigterm_handler_is_restored_after_main(make_project, checker) -> None:  # type: ignore[no-untyped-def]
    before = signal.getsignal(signal.SIGTERM)
    root = make_project({"classes/A.cls": "public class A {}\n"})
    checker.cli("check", str(root), "--no-cache")
    assert signal.getsignal(signal.SIGTERM) is before


def test_atomic_write_interrupted_mid_write_keeps_the_old_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from phi_lint import reporters

    report = tmp_path / "report.json"
    report.write_text(OLD_REPORT)
    original_fdopen = os.fdopen

    class HalfWriter:
        def __init__(self, handle):  # type: ignore[no-untyped-def]
            self.handle = handle

        def __enter__(self):  # type: ignore[no-untyped-def]
            return self

        def __exit__(self, *exc: object) -> None:
            self.handle.close()

        def write(self, text: str) -> int:
            self.handle.write(text[: len(text) // 2])
            self.handle.flush()
            raise KeyboardInterrupt

    monkeypatch.setattr(reporters.os, "fdopen", lambda *a, **k: HalfWriter(original_fdopen(*a, **k)))
    with pytest.raises(KeyboardInterrupt):
        atomic_write(report, '{"new": "report", "padding": "' + "x" * 10_000 + '"}\n')
    monkeypatch.undo()
    assert report.read_text() == OLD_REPORT
    assert list(tmp_path.iterdir()) == [report]


def test_atomic_write_interrupted_before_rename_keeps_the_old_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    report = tmp_path / "report.json"
    report.write_text(OLD_REPORT)

    def interrupted(*_args: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        atomic_write(report, "new\n")
    monkeypatch.undo()
    assert report.read_text() == OLD_REPORT
    assert list(tmp_path.iterdir()) == [report]


def test_cache_write_interrupted_leaves_no_entry_and_no_temp(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from phi_lint import cache as cache_mod

    monkeypatch.setenv("PHI_LINT_CACHE_KEY", "interrupt-tests")
    cache = cache_mod.Cache.open(tmp_path / "cache")
    assert cache is not None
    assert cache.put("file", "ab" * 20, {"kept": 1})
    original = os.replace

    def interrupted(*_args: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        cache.put("file", "cd" * 20, {"lost": 1})
    with pytest.raises(KeyboardInterrupt):
        cache.put("file", "ab" * 20, {"overwrite": 1})
    monkeypatch.setattr(os, "replace", original)
    assert cache.get("file", "cd" * 20) is None
    assert cache.get("file", "ab" * 20) == {"kept": 1}
    assert _no_temp_files(tmp_path) == []


def test_truncated_or_tampered_cache_entries_are_ignored(make_project, tmp_path: Path, checker) -> None:  # type: ignore[no-untyped-def]
    root = _project(make_project, files=3)
    cache_dir = tmp_path / "cache"
    first = tmp_path / "first.json"
    code, _, _ = checker.cli(
        "check", str(root), "--format", "json", "-o", str(first), "--cache-dir", str(cache_dir)
    )
    assert code == 1
    entries = [p for p in (cache_dir / "v1").rglob("*") if p.is_file()]
    assert entries
    for number, entry in enumerate(entries):
        data = entry.read_bytes()
        # Truncated (an interrupted writer without atomic rename), bit-flipped, or emptied.
        entry.write_bytes(
            data[: len(data) // 2]
            if number % 3 == 0
            else data[:-1] + bytes([data[-1] ^ 1])
            if number % 3 == 1
            else b""
        )
    second = tmp_path / "second.json"
    code, _, err = checker.cli(
        "check", str(root), "--format", "json", "-o", str(second), "--cache-dir", str(cache_dir)
    )
    assert code == 1, err
    assert second.read_bytes() == first.read_bytes()


def test_an_interrupted_parallel_run_stops_promptly(make_project, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    # 24 files x 1 s over 2 workers: ~12 s of work. Waiting for the queued chunks would take about that
    # long; stopping at once takes well under half of it even on a loaded 2-core CI machine.
    root = _project(make_project, files=24)
    proc, _ = _start(root, tmp_path, "--no-cache", "--jobs", "2", delay=1.0)
    started = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    try:
        proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == 143
    assert time.monotonic() - started < 5.0
