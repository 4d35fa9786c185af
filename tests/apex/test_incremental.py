"""The Apex analyzer's incremental prepare(): after any edit, a run that reuses the last run's per-file
records gives exactly what a run without cache gives, and analyses only what the edit can affect."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import pytest

from phi_lint.analyzers import apex
from phi_lint.config import Config, find_config, load_config_file
from phi_lint.engine import CheckRequest, run_check
from phi_lint.findings import RunResult
from phi_lint.project import open_project
from phi_lint.rules import default_registry
from tests.perf.conftest import patient_project

CLASSES = {
    "Log": "public with sharing class Log {\n    public static void info(String m) { System.debug(m); }\n}\n",
    "Facade": "public with sharing class Facade {\n"
    "    public static void note(String m) { Log.info(m); }\n"
    "}\n",
    "ILogger": "public interface ILogger {\n    void write(String m);\n}\n",
    "DebugLogger": "public with sharing class DebugLogger implements ILogger {\n"
    "    public void write(String m) { System.debug(m); }\n"
    "}\n",
    "Selector": "public with sharing class Selector {\n"
    "    public static Patient__c byId(Id i) {\n"
    "        return [SELECT Id, SSN__c, Status__c FROM Patient__c WHERE Id = :i WITH USER_MODE];\n"
    "    }\n"
    "}\n",
    # Mutual recursion across two files: neither logs anything, so neither is a sink.
    "Ping": "public with sharing class Ping {\n"
    "    public static void go(String s, Integer n) { if (n > 0) { Pong.back(s, n - 1); } }\n"
    "}\n",
    "Pong": "public with sharing class Pong {\n"
    "    public static void back(String s, Integer n) { Ping.go(s, n); }\n"
    "}\n",
}


def service(index: int) -> str:
    return (
        f"public with sharing class Service{index} {{\n"
        "    public static void run(Id i) {\n"
        "        Patient__c p = Selector.byId(i);\n"
        "        Facade.note(p.SSN__c);\n"
        "        Ping.go(p.SSN__c, 2);\n"
        "        ILogger l = new DebugLogger();\n"
        "        l.write(p.SSN__c);\n"
        "        Log.info(p.Status__c);\n"
        "    }\n"
        "}\n"
    )


SERVICES = 5


@pytest.fixture
def root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("PHI_LINT_CACHE_KEY", "tests-incremental-secret-0123456789abcdef")
    return write_project(tmp_path / "proj", SERVICES)


def write_project(root: Path, services: int) -> Path:
    """Patient__c (SSN__c PHI, Status__c not), the classes of CLASSES and `services` callers."""
    return patient_project(root, {**CLASSES, **{f"Service{i}": service(i) for i in range(services)}})


def check(root: Path, cache_dir: Path | None) -> RunResult:
    registry = default_registry()
    found = find_config(root)
    config = load_config_file(found, registry) if found else Config()
    return run_check(CheckRequest([root], open_project(root, config), registry, cache_dir=cache_dir))


def findings(result: RunResult) -> list[tuple[str, int, str, tuple[str, ...]]]:
    return [
        (
            f.location.path.rsplit("/", 1)[-1],
            f.location.start_line,
            f.message,
            tuple(str(r) for r in f.related),
        )
        for f in result.findings
    ]


class Session:
    """Runs with one cache directory, each compared with a run without any cache."""

    def __init__(self, root: Path, cache_dir: Path) -> None:
        self.root = root
        self.cache_dir = cache_dir
        self.classes = root / "force-app/main/default/classes"

    def edit(self, name: str, old: str, new: str) -> None:
        path = self.classes / f"{name}.cls"
        text = path.read_text()
        assert old in text, (name, old)
        path.write_text(text.replace(old, new, 1))

    def run(self) -> tuple[RunResult, apex.PrepareStats]:
        apex.last_prepare = apex.PrepareStats()  # stays empty when the engine's facts cache answers
        cached = check(self.root, self.cache_dir)
        stats = apex.last_prepare
        reference = check(self.root, None)
        assert findings(cached) == findings(reference)
        assert cached.notifications == reference.notifications
        return cached, stats


@pytest.fixture
def session(root: Path, tmp_path: Path) -> Session:
    return Session(root, tmp_path / "cache")


def logged_lines(result: RunResult, file_name: str) -> list[int]:
    return sorted(
        f.location.start_line
        for f in result.findings
        if f.rule_id == "apex/phi-in-log" and f.location.path.endswith(file_name)
    )


def test_cold_run_analyses_every_class(session: Session) -> None:
    result, stats = session.run()
    assert stats.analysed == stats.files == len(CLASSES) + SERVICES
    # Through the wrapper of a wrapper, and through the interface; not the non-PHI Status__c, not the
    # recursion that logs nothing.
    assert logged_lines(result, "Service0.cls") == [4, 7]


def test_an_edit_that_changes_no_summary_analyses_only_the_edited_class(session: Session) -> None:
    session.run()
    session.edit("Service0", "Log.info(p.Status__c);", "Log.info(p.Status__c); // reviewed")
    _, stats = session.run()
    assert (stats.analysed, stats.reused) == (1, stats.files - 1)
    # An edit to a wrapper that every service calls, which leaves its summary as it was: the services'
    # records hold (the cutoff), only the wrapper is analysed.
    session.edit("Log", "System.debug(m);", "System.debug(m); // the only sink")
    _, stats = session.run()
    assert stats.cutoff and stats.analysed == 1


def test_a_wrapper_that_stops_logging_reanalyses_its_readers(session: Session) -> None:
    session.run()
    session.edit("Log", "System.debug(m);", "String unused = m;")
    result, stats = session.run()
    assert not stats.cutoff and stats.analysed > 1
    assert logged_lines(result, "Service0.cls") == [7]
    session.edit("Log", "String unused = m;", "System.debug(m);")
    result, _ = session.run()
    assert logged_lines(result, "Service0.cls") == [4, 7]


def test_a_cycle_through_an_edited_class_is_solved_again(session: Session) -> None:
    session.run()
    session.edit("Pong", "{ Ping.go(s, n); }", "{ System.debug(s); Ping.go(s, n); }")
    result, _ = session.run()
    assert logged_lines(result, "Service0.cls") == [4, 5, 7]
    # Back to no sink: Ping's last record says go() logs (through Pong); keeping it would let the two
    # methods justify each other's sink for ever.
    session.edit("Pong", "{ System.debug(s); Ping.go(s, n); }", "{ Ping.go(s, n); } // no log")
    result, stats = session.run()
    assert stats.files and not stats.cutoff
    assert logged_lines(result, "Service0.cls") == [4, 7]


def test_deleted_added_and_renamed_classes(session: Session) -> None:
    session.run()
    (session.classes / "DebugLogger.cls").unlink()
    result, _ = session.run()
    assert logged_lines(result, "Service0.cls") == [4]
    (session.classes / "DebugLogger.cls").write_text(CLASSES["DebugLogger"])
    result, _ = session.run()
    assert logged_lines(result, "Service0.cls") == [4, 7]
    # A second implementation of the interface that logs nothing does not hide the first.
    (session.classes / "NullLogger.cls").write_text(
        "public with sharing class NullLogger implements ILogger {\n    public void write(String m) { }\n}\n"
    )
    result, _ = session.run()
    assert logged_lines(result, "Service0.cls") == [4, 7]
    # A new overload that logs: calls with that arity become findings, the others stay as they were.
    session.edit(
        "Facade",
        "    public static void note(String m)",
        "    public static void note(String m, Integer n) { System.debug(m); }\n"
        "    public static void note(String m)",
    )
    session.edit("Service1", "Facade.note(p.SSN__c);", "Facade.note(p.SSN__c); Facade.note(p.SSN__c, 1);")
    result, _ = session.run()
    assert (
        len(
            [
                f
                for f in result.findings
                if f.location.path.endswith("Service1.cls") and f.location.start_line == 4
            ]
        )
        == 2
    )


def test_a_declaration_change_reaches_the_classes_that_asked(session: Session) -> None:
    session.run()
    # The Selector's return type changes to a non-PHI object: every caller's reads change meaning.
    session.edit("Selector", "return [SELECT Id, SSN__c, Status__c", "return [SELECT Id, Status__c")
    result, stats = session.run()
    assert stats.analysed > 1
    assert logged_lines(result, "Service0.cls") == [4, 7]  # p.SSN__c of a Patient__c is still PHI by name
    session.edit(
        "Selector",
        "public static Patient__c byId(Id i) {",
        "public static Patient__c byId(Id i) {\n        // moved\n",
    )
    session.run()


def test_records_survive_only_with_the_same_settings(session: Session, root: Path) -> None:
    session.run()
    config = root / "phi-lint.toml"
    config.write_text('[phi]\nnot_phi = ["Patient__c.SSN__c"]\n')
    result, stats = session.run()
    assert stats.analysed == stats.files  # another PHI model: no record of the last run applies
    assert logged_lines(result, "Service0.cls") == []


def test_records_are_kept_as_a_base_and_a_small_delta(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What load_records gives is always what the last save_records was given, whether that save
    rewrote the base or only the delta."""
    from phi_lint import cache
    from phi_lint.analyzers.apex import incremental
    from phi_lint.analyzers.apex.dataflow import Dependencies, FileFlow

    monkeypatch.setenv("PHI_LINT_CACHE_KEY", "tests-records-secret-0123456789abcdef0123")
    store = cache.Cache.open(tmp_path / "cache")
    assert store is not None

    def record(tag: str) -> incremental.FileRecord:
        return incremental.FileRecord(incremental.NameFacts(classes=(tag,)), {}, FileFlow(), Dependencies())

    def names(
        records: dict[tuple[str, str], incremental.FileRecord],
    ) -> dict[tuple[str, str], tuple[str, ...]]:
        return {key: r.names.classes for key, r in records.items()}

    cache.activate(store, "salt")
    try:
        assert incremental.load_records() == {}
        current = {(f"C{n}.cls", "v1"): record(f"c{n}") for n in range(40)}
        incremental.save_records({}, current)
        assert names(incremental.load_records()) == names(current)
        writes = store.writes
        assert incremental.current_head is not None
        base = incremental.current_head.base
        for step in range(1, 6):
            previous = incremental.load_records()
            # One class edited (old key gone, new key), one deleted, one added, the rest held as is.
            edited = f"C{step}.cls"
            current = {k: v for k, v in previous.items() if k[0] not in (edited, f"C{step + 5}.cls")}
            current[(edited, f"v{step + 1}")] = record(f"edited{step}")
            current[(f"New{step}.cls", "v1")] = record(f"new{step}")
            incremental.save_records(previous, current)
            assert names(incremental.load_records()) == names(current)
        # Small changes wrote a delta, the head and the list of recent heads, never the base (three
        # small entries per save).
        assert store.writes - writes <= 15
        assert incremental.current_head.base == base
        # A change to most classes rewrites the base.
        before, earlier_head = current, incremental.current_head
        previous = incremental.load_records()
        current = {(k[0], "v9"): record("rewritten") for k in previous}
        incremental.save_records(previous, current)
        assert names(incremental.load_records()) == names(current)
        assert incremental.current_head.base != base
        # An earlier head (kept with the facts of an earlier state) brings that state's records back.
        incremental.restore_head(earlier_head)
        assert names(incremental.load_records()) == names(before)
    finally:
        cache.activate(None, "")


def test_damaged_records_are_ignored(session: Session) -> None:
    session.run()
    entries = [p for p in session.cache_dir.rglob("*") if p.is_file() and "state-apex-records" in str(p)]
    assert entries
    for path in entries:
        path.write_bytes(path.read_bytes()[:40])  # truncated: fails the signature check
    session.edit("Service0", "Log.info(p.Status__c);", "Log.info(p.Status__c); // after the damage")
    _, stats = session.run()  # compared with a run without cache inside
    assert stats.analysed == stats.files  # nothing usable was left: a cold prepare


def test_a_whole_rerun_rechecks_only_the_classes_an_edit_changes_the_meaning_of(session: Session) -> None:
    from phi_lint import engine

    def rerun() -> int:
        cached = check(session.root, session.cache_dir)
        analysed = engine.last_run_stats.analysed
        assert findings(cached) == findings(check(session.root, None))
        return analysed

    rerun()
    # A new field in one service: the project's declarations change (and the summaries digest with
    # them), but no other class's flow facts do: only that service is checked again.
    session.edit(
        "Service0",
        "    public static void run(Id i) {",
        "    public static Integer calls;\n    public static void run(Id i) {",
    )
    assert rerun() == 1
    # The wrapper stops logging: the wrapper, the facade above it and every service that logged
    # through them; not the selector, the interfaces, the logger implementation or the recursion.
    session.edit("Log", "System.debug(m);", "String unused = m;")
    assert rerun() == 2 + SERVICES


def _backdate(root: Path, seconds: float) -> None:
    """Files written seconds ago are not trusted by their stat (racily clean, see cache.py): age them."""
    import os
    import time

    when = time.time() - seconds
    for path in root.rglob("*"):
        if path.is_file():
            os.utime(path, (when, when))


def test_an_edit_reads_only_the_classes_it_analyses(
    session: Session, root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Unchanged classes are neither read nor decoded: their content keys come from the cache."""
    _backdate(root, 60)
    session.run()
    reads: list[str] = []
    real_read = apex._decoded

    def counting_read(path: Path) -> str:
        reads.append(path.name)
        return real_read(path)

    monkeypatch.setattr(apex, "_decoded", counting_read)
    session.edit("Service0", "Log.info(p.Status__c);", "Log.info(p.Status__c); // reviewed")
    _backdate(root / "force-app/main/default/classes/Service0.cls", 30)
    apex.last_prepare = apex.PrepareStats()
    result = check(root, session.cache_dir)
    assert reads == ["Service0.cls"]
    assert apex.last_prepare.analysed == 1
    monkeypatch.undo()
    assert findings(result) == findings(check(root, None))


def test_a_class_edited_while_it_is_read_keeps_no_record(session: Session, root: Path) -> None:
    """A class whose key came from the cache but whose bytes changed before it was read for analysis
    is analysed as it is, and marked unsure: its record must not be kept under the old key."""
    from phi_lint import cache

    _backdate(root, 60)
    session.run()
    project = open_project(root, Config())
    files = sorted(root.rglob("*.cls"))
    opened = cache.Cache.open(session.cache_dir)
    cache.activate(opened, "salt")
    try:
        apex._ApexSources(project, files)  # fills the memo of content keys
        sources = apex._ApexSources(project, files)  # keys from the memo, nothing read
        target = next(key for key in sources.keys if key[0].endswith("Service1.cls"))
        session.edit("Service1", "Log.info(p.Status__c);", "Log.info(p.Status__c); // edited")
        contexts = sources.contexts({target})
    finally:
        cache.activate(None, "")
    assert "// edited" in contexts[target].text
    assert sources.unsure == {target}


@pytest.mark.parametrize("jobs", [1, 2])
def test_large_project_mode_reads_texts_when_needed_and_keeps_no_poisoned_record(
    root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, jobs: int
) -> None:
    """Past KEEP_TREES_BYTES a class's text is read when used and forgotten after its analysis. A
    class whose bytes differ, when read for analysis, from those its key was taken from (edited during
    the run; here simulated, on the workers too) is analysed as read but keeps no record, so the next
    run analyses it again and equals a run without cache."""
    monkeypatch.setattr(apex, "KEEP_TREES_BYTES", 0)
    monkeypatch.setattr(apex, "PARALLEL_MIN_BYTES", 0)
    cache_dir = tmp_path / "cache"
    made: list[apex._ApexSources] = []
    real_sources = apex._ApexSources

    def keep_sources(*args: object) -> apex._ApexSources:
        made.append(real_sources(*args))  # type: ignore[arg-type]
        return made[-1]

    monkeypatch.setattr(apex, "_ApexSources", keep_sources)
    reads = tmp_path / "reads"  # shared with forked workers: the simulated edit shows from the 2nd read
    reads.write_text("")
    real_read = apex._decoded

    def edited_after_first_read(path: Path) -> str:
        text = real_read(path)
        if path.name == "Service2.cls":
            with reads.open("a") as log:
                log.write("x")
            if len(reads.read_text()) > 1:
                return text.replace("Log.info(p.Status__c);", "Log.info(p.SSN__c);")
        return text

    registry = default_registry()

    def run(cache: Path | None) -> RunResult:
        return run_check(
            CheckRequest([root], open_project(root, Config()), registry, jobs=jobs, cache_dir=cache)
        )

    with monkeypatch.context() as patch:
        patch.setattr(apex, "_decoded", edited_after_first_read)
        run(cache_dir)
    sources = made[-1]
    assert sources.lazy and [key[0].rsplit("/", 1)[-1] for key in sources.unsure] == ["Service2.cls"]
    # Every text was forgotten once its file was analysed.
    assert all(ctx._loaded is None for ctx in sources._made.values())
    apex.last_prepare = apex.PrepareStats()
    again = run(cache_dir)
    assert apex.last_prepare.analysed >= 1  # Service2 had no record
    assert findings(again) == findings(run(None))


def test_a_utf16_class_gives_the_summaries_its_text_gives(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """prepare() reads a class as the engine's checks do (`engine.decode_source`): a logging wrapper
    saved as UTF-16 still makes its callers' PHI arguments logged."""
    monkeypatch.setenv("PHI_LINT_CACHE_KEY", "tests-incremental-secret-0123456789abcdef")
    utf8 = write_project(tmp_path / "utf8", 1)
    utf16 = write_project(tmp_path / "utf16", 1)
    log = utf16 / "force-app/main/default/classes/Log.cls"
    log.write_bytes(log.read_text().encode("utf-16"))
    expected = logged_lines(check(utf8, None), "Service0.cls")
    assert expected == [4, 7]
    assert logged_lines(check(utf16, None), "Service0.cls") == expected
    assert logged_lines(check(utf16, tmp_path / "cache"), "Service0.cls") == expected


def test_declaration_answers_are_checked_again_only_when_some_file_declares_something_new() -> None:
    from phi_lint.analyzers.apex import incremental
    from phi_lint.analyzers.apex.dataflow import Dependencies

    def record(names: incremental.NameFacts) -> incremental.FileRecord:
        return incremental.FileRecord(names, {}, incremental.FileFlow([]), Dependencies())

    a = incremental.NameFacts(classes=("a",), declared=(("a", "run", 1),))
    b = incremental.NameFacts(classes=("b",))
    previous = {("A.cls", "1"): record(a), ("B.cls", "1"): record(b)}
    same = incremental._same_declarations
    # B's body edited (new content key), same declarations: unchanged.
    assert same(previous, {("A.cls", "1"): a, ("B.cls", "2"): b})
    # B now declares a method: changed.
    b2 = incremental.NameFacts(classes=("b",), declared=(("b", "go", 0),))
    assert not same(previous, {("A.cls", "1"): a, ("B.cls", "2"): b2})
    # A file deleted, added or renamed: changed (a later file wins a duplicate member).
    assert not same(previous, {("A.cls", "1"): a})
    assert not same(previous, {("A.cls", "1"): a, ("B.cls", "1"): b, ("C.cls", "1"): b})
    assert not same(previous, {("A.cls", "1"): a, ("Z.cls", "1"): b})


def test_record_digests_are_the_same_in_every_process() -> None:
    """A record's digests key the per-file cache across runs, so they must not depend on the order in
    which a process's salted string hash iterates a set."""
    import subprocess
    import sys

    program = """
from phi_lint.analyzers.apex import incremental
from phi_lint.analyzers.apex.dataflow import Dependencies, FileFlow, FlowEvent, MethodSummary, Origin
from phi_lint.findings import Span
origins = frozenset(
    Origin(f"P__c.F{n}__c", "metadata", (f"P__c.F{n}__c",), "A.cls", n, 1, n, 9) for n in range(40)
)
sinks = {0: {("log", f"S{n}") for n in range(30)}}
summary = MethodSummary(sinks, {0, 1, 2}, origins, None, {0: frozenset({1, 2})})
event = FlowEvent("log", Span(3, 1, 3, 9), "System.debug(x)", "System.debug", origins)
names = incremental.NameFacts(classes=("a",))
contributions = {("a", "run", 1): {("A.cls", 2): summary}}
record = incremental.FileRecord(names, contributions, FileFlow([event]), Dependencies())
print(record.digest, record.flow_digest)
"""
    digests = {
        subprocess.run(
            [sys.executable, "-c", program],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "PYTHONHASHSEED": str(seed)},
        ).stdout
        for seed in (1, 2, 3)
    }
    assert len(digests) == 1


def test_a_run_answered_by_the_facts_cache_leaves_the_records_of_its_state(session: Session) -> None:
    """Going back to an earlier state of the project (a revert, a branch switched back) is answered by
    the facts cache without any analysis; the records must then be those of that state too, or the
    next edit would analyse again everything that differed (here: the wrapper and all its readers)."""
    session.run()
    session.edit("Log", "System.debug(m);", "String unused = m;")
    _, stats = session.run()
    assert stats.analysed > 1
    session.edit("Log", "String unused = m;", "System.debug(m);")  # back to the first state
    _, stats = session.run()
    assert stats.files == 0  # prepare() did not run: the facts cache answered
    session.edit("Service0", "Log.info(p.Status__c);", "Log.info(p.Status__c); // reviewed")
    _, stats = session.run()
    assert (stats.analysed, stats.reused) == (1, stats.files - 1)


def test_only_the_versions_of_recent_heads_are_kept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every run that changes the records writes a version of its own: older ones are deleted, so the
    cache does not grow with the number of runs; a facts entry naming a deleted head falls back to
    what is left (its base, or nothing), never to wrong records."""
    from phi_lint import cache
    from phi_lint.analyzers.apex import incremental
    from phi_lint.analyzers.apex.dataflow import Dependencies, FileFlow

    monkeypatch.setenv("PHI_LINT_CACHE_KEY", "tests-records-secret-0123456789abcdef0123")
    store = cache.Cache.open(tmp_path / "cache")
    assert store is not None

    def record(tag: str) -> incremental.FileRecord:
        return incremental.FileRecord(incremental.NameFacts(classes=(tag,)), {}, FileFlow(), Dependencies())

    def versions(namespace: str) -> int:
        folder = f"state-{namespace}"
        return sum(1 for p in (tmp_path / "cache").rglob("*") if p.is_file() and p.parts[-3] == folder)

    cache.activate(store, "salt")
    try:
        current = {(f"C{n}.cls", "v1"): record(f"c{n}") for n in range(40)}
        incremental.save_records({}, current)
        first = incremental.current_head
        for step in range(1, 21):
            previous = incremental.load_records()
            current = {k: v for k, v in previous.items() if k[0] != f"C{step}.cls"}
            current[(f"C{step}.cls", f"v{step + 1}")] = record(f"edited{step}")
            incremental.save_records(previous, current)
        assert versions(incremental.DELTA_NAMESPACE) == incremental.KEEP_HEADS
        incremental.restore_head(first)
        fallback = incremental.load_records()
        assert fallback == {} or all(key[1] == "v1" for key in fallback)
    finally:
        cache.activate(None, "")


def test_the_summaries_are_not_stored_with_the_facts_but_rebuilt_from_the_records(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The method summaries change with almost every edit and weigh megabytes on a large org: the
    facts cache does not store them (even as a part of their own) but has prepare() rebuild them from
    the records, without analysis, when a run answered by the facts cache must check an Apex file."""
    from phi_lint import cache, engine

    monkeypatch.setattr(engine, "FACT_PART_BYTES", 0)  # every stored fact in a part of its own
    registry = default_registry()

    def check_only(name: str, cache_dir: Path | None) -> RunResult:
        path = session.classes / f"{name}.cls"
        found = find_config(session.root)
        config = load_config_file(found, registry) if found else Config()
        project = open_project(session.root, config)
        return run_check(CheckRequest([path], project, registry, cache_dir=cache_dir))

    session.run()
    # Every service's results change (Log stops logging); only Log is checked, so none of theirs is
    # cached for this state of the project.
    session.edit("Log", "System.debug(m);", "String unused = m;")
    check_only("Log", session.cache_dir)
    store = cache.Cache.open(session.cache_dir)
    assert store is not None
    stored = [p for p in (session.cache_dir / "v1" / "facts-part").rglob("*") if p.is_file()]
    parts = [store.get("facts-part", p.parent.name + p.name) for p in stored]
    assert parts and None not in parts
    assert not any(isinstance(p, dict) and "summaries" in p for p in parts)

    apex.last_prepare = apex.PrepareStats()
    rebuilt = check_only("Service0", session.cache_dir)
    assert engine.last_run_stats.prepare_from_cache and engine.last_run_stats.analysed == 1
    assert apex.last_prepare.files == len(CLASSES) + SERVICES and apex.last_prepare.analysed == 0
    assert findings(rebuilt) == findings(check_only("Service0", None))
    assert logged_lines(rebuilt, "Service0.cls") == [7]


def test_class_headers_and_file_facts_have_digests_of_their_content() -> None:
    """Both key every Apex file's cached results and are digested by every run that prepares: by a
    digest of their content (any insertion order), not the generic walk over every entry."""
    from phi_lint.analyzers.apex.classes import ClassHeader, SharingTable
    from phi_lint.analyzers.apex.incremental import FileFactsIndex
    from phi_lint.cache import _canonical, stable_digest

    def walked(value: object) -> list[str]:
        out: list[str] = []
        _canonical(value, out)
        return out

    base = ClassHeader("Base", None, None, "classes/Base.cls")
    child = ClassHeader("Child", "with", "Base", "classes/Child.cls")
    table = SharingTable(base=base, child=child)
    assert stable_digest(table) == stable_digest(SharingTable(child=child, base=base))
    unshared = replace(child, sharing="without")
    assert stable_digest(table) != stable_digest(SharingTable(base=base, child=unshared))
    index = FileFactsIndex("shared", {"A.cls": "1", "B.cls": "2"})
    assert stable_digest(index) == stable_digest(FileFactsIndex("shared", {"B.cls": "2", "A.cls": "1"}))
    assert stable_digest(index) != stable_digest(FileFactsIndex("shared", {"A.cls": "1", "B.cls": "3"}))
    assert stable_digest(index) != stable_digest(FileFactsIndex("other", {"A.cls": "1", "B.cls": "2"}))
    assert walked(table) == [f"SharingTable#{table.inputs_digest}"]
    assert walked(index) == [f"FileFactsIndex#{index.inputs_digest}"]


def test_seeding_a_store_publishes_what_joining_each_method_gives() -> None:
    """`SummaryStore.seed` has a fast path for a method's one body seen first; it must leave the store
    exactly as publishing through `_publish` does: a trivial summary (a return type only) makes the
    method's entry and publishes nothing, a guard without a callout sink is dropped by the join, and
    a method with bodies in several records is joined."""
    from phi_lint.analyzers.apex.dataflow import (
        CALLOUT,
        MethodSummary,
        Origin,
        Summaries,
        SummaryStore,
    )

    origin = Origin("Patient__c.SSN__c", "metadata", ("Patient__c.SSN__c",), "classes/A.cls", 3, 1, 3, 9)
    records = [
        {
            ("a", "log", 1): {("classes/A.cls", 10): MethodSummary(sinks={0: {("log", "System.debug")}})},
            ("a", "kind", 0): {("classes/A.cls", 50): MethodSummary(return_sobject="patient__c")},
            ("a", "guarded", 1): {
                ("classes/A.cls", 90): MethodSummary(
                    sinks={0: {(CALLOUT, "send")}}, guards={0: frozenset({0})}
                )
            },
            ("a", "loose", 2): {
                ("classes/A.cls", 130): MethodSummary(returns_params={1}, guards={0: frozenset({1})})
            },
            ("a", "ssn", 0): {("classes/A.cls", 170): MethodSummary(return_origins=frozenset({origin}))},
            ("a", "both", 1): {("classes/A.cls", 210): MethodSummary(returns_params={0})},
        },
        {
            ("a", "both", 1): {("classes/B.cls", 20): MethodSummary(sinks={0: {("log", "System.debug")}})},
            ("b", "prefix", 0): {("classes/B.cls", 60): MethodSummary(return_prefix="callout:Labs")},
        },
    ]

    def reference(contributions_list: list[dict]) -> SummaryStore:  # type: ignore[type-arg]
        store = SummaryStore(Summaries())
        for contributions in contributions_list:
            for key, bodies in contributions.items():
                store.per_body.setdefault(key, {}).update(bodies)
                for body in bodies:
                    store.keys_of_file.setdefault(body[0], set()).add(key)
                store._publish(key)
        return store

    seeded = SummaryStore(Summaries())
    for contributions in records:
        seeded.seed(contributions)
    expected = reference(records)
    canonical = {
        name: {arity: summary.canonical() for arity, summary in by_arity.items()}
        for name, by_arity in seeded.summaries.methods.items()
    }
    assert canonical == {
        name: {arity: summary.canonical() for arity, summary in by_arity.items()}
        for name, by_arity in expected.summaries.methods.items()
    }
    assert ("a", "kind") in seeded.summaries.methods and seeded.summaries.methods[("a", "kind")] == {}
    assert seeded.summaries.methods[("a", "loose")][2].guards == {}  # the join drops it
    assert (
        seeded.summaries.methods[("a", "both")][1].sinks
        and seeded.summaries.methods[("a", "both")][1].returns_params
    )
    assert seeded.per_body == expected.per_body and seeded.keys_of_file == expected.keys_of_file
    assert seeded.clock == 0 and not seeded.changed_at


def test_records_received_from_workers_share_their_questions() -> None:
    """`incremental.interned` makes equal questions of different records one tuple (the parent holds
    every record until prepare() ends), without changing what any record says."""
    from phi_lint.analyzers.apex import incremental
    from phi_lint.analyzers.apex.dataflow import Dependencies, FileFlow

    def received(n: int) -> incremental.FileRecord:
        # Built from text as unpickling builds them: equal tuples and strings, none the same object.
        cls = "".join(["logg", "er"])
        deps = Dependencies(
            methods={(cls, "log", 1), (cls, f"m{n}", None)},
            answers={("class", cls): True, ("declared", cls, "log", str(1)): n > 0},
        )
        return incremental.FileRecord(incremental.NameFacts(), {}, FileFlow(), deps)

    table: incremental.KeyTable = {}
    first, second = (incremental.interned(received(n), table) for n in range(2))
    assert first.deps.answers == {("class", "logger"): True, ("declared", "logger", "log", "1"): False}
    assert second.deps.methods == {("logger", "log", 1), ("logger", "m1", None)}
    for question in first.deps.answers:
        assert any(question is other for other in second.deps.answers)
    (log_first,) = (m for m in first.deps.methods if m[1] == "log")
    (log_second,) = (m for m in second.deps.methods if m[1] == "log")
    assert log_first is log_second and log_first[0] is "logger"  # noqa: F632 (interned)
    used = incremental.interned_answers({("Logger", "log", 1, False): None}, table)
    assert used == {("Logger", "log", 1, False): None}


def test_declarations_read_on_workers_share_their_strings() -> None:
    from phi_lint.analyzers.apex import incremental

    def read() -> incremental.NameFacts:
        cls, method = "".join(["s", "vc"]), "".join(["r", "un"])
        return incremental.NameFacts(
            classes=(cls,),
            supertypes=((cls, ("".join(["Ba", "se"]),)),),
            declared=((cls, method, 1),),
            member_types=(((cls, "".join(["p", "t"])), "".join(["Patient", "__c"])),),
            constants=(((cls, "".join(["U", "RL"])), "".join(["callout:", "Labs"])),),
        )

    first, second = read().interned(), read().interned()
    assert first == read() == second
    assert first.declared[0][0] is second.classes[0] and first.declared[0][1] is second.declared[0][1]
    assert first.member_types[0][1] is second.member_types[0][1]
    assert first.constants[0][0][1] is second.constants[0][0][1]
