"""prepare() on several cores gives what it gives on one, whatever the schedule, and survives a worker
that dies."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from phi_lint.analyzers import apex
from phi_lint.analyzers.apex import parallel
from tests.apex.test_incremental import CLASSES, check, findings, service, write_project


@pytest.fixture
def root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    # The test project is far below the size that pays for workers: lower the bar.
    monkeypatch.setattr(apex, "PARALLEL_MIN_BYTES", 0)
    root = write_project(tmp_path / "proj", 12)
    classes = root / "force-app/main/default/classes"
    # A caller that names no wrapper class: it reaches the logger through an interface only, so the
    # textual graph puts it anywhere and the final check must catch a summary it saw too early.
    (classes / "IAudit.cls").write_text("public interface IAudit {\n    void record(String m);\n}\n")
    (classes / "ZAudit.cls").write_text(
        "public with sharing class ZAudit implements IAudit {\n"
        "    public void record(String m) { Log.info(m); }\n"
        "}\n"
    )
    (classes / "Indirect.cls").write_text(
        "public with sharing class Indirect {\n"
        "    public static void run(IAudit a, Patient__c p) { a.record(p.SSN__c); }\n"
        "}\n"
    )
    return root


def test_two_workers_give_what_one_process_gives(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []
    real = parallel.analyse

    def counting(*args: object, **kwargs: object) -> object:
        calls.append(1)
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(parallel, "analyse", counting)
    one = check(root, None)
    assert calls == []  # jobs=1: no workers
    two = check_with_jobs(root, 2)
    assert calls == [1]
    assert findings(two) == findings(one)
    assert any(f[0] == "Indirect.cls" and f[1] == 2 for f in findings(two))


def test_a_worker_that_dies_leaves_its_files_to_the_parent(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    reference = findings(check(root, None))
    parent = os.getpid()
    real = apex._analyse_file

    def dying(ctx, *args):  # type: ignore[no-untyped-def]
        if os.getpid() != parent and ctx.rel_path.endswith("Service3.cls"):
            os._exit(1)
        return real(ctx, *args)

    monkeypatch.setattr(apex, "_analyse_file", dying)
    assert findings(check_with_jobs(root, 2)) == reference


def check_with_jobs(root: Path, jobs: int):  # type: ignore[no-untyped-def]
    from phi_lint.config import Config
    from phi_lint.engine import CheckRequest, run_check
    from phi_lint.project import open_project
    from phi_lint.rules import default_registry

    return run_check(CheckRequest([root], open_project(root, Config()), default_registry(), jobs=jobs))


def test_each_file_waits_for_the_earlier_files_it_names_and_a_cycle_does_not_serialise() -> None:
    """In `callees_first` order, a file waits for the files before it that it names; a name of a later
    file closes a cycle and is not waited for, so the files of a cycle run on several workers."""
    # 0 names nothing; 1 names 0 and 2 (2 closes the cycle 1-2); 2 names 1; 3 names 1.
    tasks, task_deps = parallel._tasks(4, [[], [0, 2], [1], [1]])
    assert tasks == [[0], [1], [2], [3]]
    assert task_deps == [set(), {0}, {1}, {1}]
    # After 1, both 2 and 3 are ready at once (two workers can take them).
    ready_after_1 = [t for t, needs in enumerate(task_deps) if needs <= {0, 1} and t > 1]
    assert ready_after_1 == [2, 3]


def test_a_large_cycle_is_analysed_on_both_workers(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A hub class names 16 leaves and every leaf names the hub: one cycle of 17 files, as in real
    orgs. Its leaves are shared out between both workers (they used to be one task, on one worker),
    and the findings are those of one process."""
    classes = root / "force-app/main/default/classes"
    leaves = 16
    calls = "".join(f"        Leaf{index}.pass(p);\n" for index in range(leaves))
    (classes / "Hub.cls").write_text(
        "public with sharing class Hub {\n"
        f"    public static void run(Patient__c p) {{\n{calls}    }}\n"
        "    public static String name(Patient__c p) { return p.SSN__c; }\n"
        "}\n"
    )
    for index in range(leaves):
        (classes / f"Leaf{index}.cls").write_text(
            f"public with sharing class Leaf{index} {{\n"
            "    public static void pass(Patient__c p) { System.debug(Hub.name(p)); }\n"
            "}\n"
        )
    reference = findings(check(root, None))
    parent = os.getpid()
    real = apex._analyse_file

    def recording(ctx, *args):  # type: ignore[no-untyped-def]
        if ctx.path.stem.startswith("Leaf") and os.getpid() != parent:
            (root / f".analysed-{ctx.path.stem}-by-{os.getpid()}").write_text("")
        return real(ctx, *args)

    monkeypatch.setattr(apex, "_analyse_file", recording)
    assert findings(check_with_jobs(root, 2)) == reference
    workers = {marker.name.rsplit("-", 1)[1] for marker in root.glob(".analysed-Leaf*")}
    assert len(workers) == 2
    assert any(f[0].startswith("Leaf") for f in reference)


def test_the_final_check_runs_on_the_workers(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Files analysed before a summary they use was final (here `Indirect`, which reaches the logger
    through an interface the textual graph does not see) are analysed again on the workers, not in
    the parent, and the result is that of one process."""
    reference = findings(check(root, None))
    parent = os.getpid()
    in_parent: list[str] = []
    stale_found: list[int] = []
    real = apex._analyse_file
    real_analyse = parallel.analyse

    def recording(ctx, *args):  # type: ignore[no-untyped-def]
        if os.getpid() == parent:
            in_parent.append(ctx.rel_path)
        return real(ctx, *args)

    def counting(order, deps, store, analyse_one, workers, stale=None, received=None):  # type: ignore[no-untyped-def]
        assert stale is not None

        def asked(analysed):  # type: ignore[no-untyped-def]
            found = stale(analysed)
            stale_found.append(found)
            return found

        return real_analyse(order, deps, store, analyse_one, workers, asked, received)

    monkeypatch.setattr(apex, "_analyse_file", recording)
    monkeypatch.setattr(parallel, "analyse", counting)
    monkeypatch.setattr(
        parallel, "_tasks", lambda count, deps: ([[i] for i in range(count)], [set()] * count)
    )
    assert findings(check_with_jobs(root, 2)) == reference
    assert any(stale_found)  # no file waits for another: some saw a summary too early
    assert in_parent == []


def test_apex_files_are_checked_on_the_tree_prepare_parsed(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from phi_lint import engine

    for jobs in (1, 2):
        early = check_with_jobs(root, jobs)
        apex_files = len(list((root / "force-app/main/default/classes").glob("*.cls")))
        assert engine.last_run_stats.checked_early == apex_files
        with monkeypatch.context() as patched:
            patched.setattr(engine, "check_prepared", lambda ctx: None)
            late = check_with_jobs(root, jobs)
            assert engine.last_run_stats.checked_early == 0
        assert findings(early) == findings(late)
        assert early.notifications == late.notifications


def test_the_cli_on_a_project_worth_workers_prints_only_its_report(tmp_path: Path) -> None:
    """Above the size that pays for workers (PARALLEL_MIN_BYTES), through the CLI in a subprocess: the
    workers end quietly (they inherit the CLI's signal handlers, which must not turn the pool's
    shutdown into tracebacks), and the findings equal those of one process."""
    import subprocess
    import sys

    root = tmp_path / "big"
    classes = root / "force-app/main/default/classes"
    classes.mkdir(parents=True)
    (root / "sfdx-project.json").write_text(
        '{"packageDirectories": [{"path": "force-app", "default": true}]}'
    )
    padding = "\n".join(f"    // line {n} of an old, long class" for n in range(400))
    for name, text in CLASSES.items():
        (classes / f"{name}.cls").write_text(text.replace("{\n", "{\n" + padding + "\n", 1))
    for index in range(120):
        (classes / f"Service{index}.cls").write_text(service(index).replace("{\n", "{\n" + padding + "\n", 1))
    assert sum(p.stat().st_size for p in classes.iterdir()) > apex.PARALLEL_MIN_BYTES

    def cli(jobs: int) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [
                sys.executable,
                "-m",
                "phi_lint",
                "check",
                str(root),
                "--no-cache",
                "--jobs",
                str(jobs),
                "--format",
                "json",
            ],
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )

    one = cli(1)
    # The shutdown race that printed tracebacks showed about every other run: try three times.
    for _ in range(3):
        two = cli(2)
        assert (two.returncode, two.stderr) == (1, "")
        assert two.stdout == one.stdout


def test_where_the_engine_would_not_fork_prepare_stays_in_one_process(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[int] = []
    monkeypatch.setattr(parallel, "analyse", lambda *args: calls.append(1) or {})
    monkeypatch.setenv("PHI_LINT_START_METHOD", "spawn")
    spawned = check_with_jobs(root, 2)
    assert calls == []
    monkeypatch.delenv("PHI_LINT_START_METHOD")
    assert findings(spawned) == findings(check(root, None))


def test_a_class_edited_during_the_run_is_checked_after_prepare(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """check_prepared reads the file again; when it no longer holds what prepare() analysed, the file
    is left to the normal per-file pass (its facts would not be this content's)."""
    from phi_lint import engine

    reference = findings(check(root, None))
    real = Path.read_bytes
    target = root / "force-app/main/default/classes/Service2.cls"

    reads: list[Path] = []

    def edited_meanwhile(path: Path) -> bytes:
        data = real(path)
        # prepare() reads the class first; every read after it sees the edit.
        edited = path == target and target in reads
        reads.append(path)
        return data + b"\n// edited while prepare() ran\n" if edited else data

    apex_files = len(list(target.parent.glob("*.cls")))
    with monkeypatch.context() as patched:
        patched.setattr(Path, "read_bytes", edited_meanwhile)
        result = check(root, None)
        assert engine.last_run_stats.checked_early == apex_files - 1
    # The normal pass read the edited text (a comment more): same findings as the file before.
    assert findings(result) == reference
