"""The cache must never change results: cold, warm, after edits anywhere, with corrupt or forged entries."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace
from pathlib import Path

from phi_lint import engine
from phi_lint.config import Config
from tests.perf.conftest import WRAPPER, Run, comparable, field_xml

CLASSES = "force-app/main/default/classes"
# 25 classes and 2 field files.
FILES = 27


def _messages(result: object, path_part: str) -> list[str]:
    return sorted(f.message for f in result.findings if path_part in f.location.path)  # type: ignore[attr-defined]


def test_warm_run_equals_cold_and_comes_from_the_cache(project_root: Path, run: Run) -> None:
    reference = run(project_root, cache=False)
    assert len(reference.findings) == 24 * 2  # per caller: the ssn() call and p.SSN__c
    cold = run(project_root)
    assert engine.last_run_stats.analysed == FILES and engine.last_run_stats.from_cache == 0
    warm = run(project_root)
    assert engine.last_run_stats.analysed == 0 and engine.last_run_stats.from_cache == FILES
    assert engine.last_run_stats.prepare_from_cache
    assert comparable(cold) == comparable(reference) == comparable(warm)


def test_edit_of_one_file_reanalyses_only_that_file(project_root: Path, run: Run) -> None:
    run(project_root)
    target = project_root / CLASSES / "Caller3.cls"
    target.write_text(target.read_text().replace("System.debug('ssn ' + p.SSN__c);", ""))
    warm = run(project_root)
    # Caller3's own results change; the project facts (method summaries) do not, so nothing else reruns.
    assert engine.last_run_stats.analysed == 1
    assert comparable(warm) == comparable(run(project_root, cache=False))
    assert _messages(warm, "Caller3.cls") == ["PHI returned by PatientWrapper.ssn is logged"]


def test_summary_change_in_another_file_invalidates_dependants(project_root: Path, run: Run) -> None:
    run(project_root)
    wrapper = project_root / CLASSES / "PatientWrapper.cls"
    # ssn() no longer returns PHI; status() now does: every caller's findings change, though no caller
    # file was touched.
    wrapper.write_text(WRAPPER.replace("p.SSN__c", "p.Name").replace("return p.Status__c", "return p.SSN__c"))
    warm = run(project_root)
    assert comparable(warm) == comparable(run(project_root, cache=False))
    assert _messages(warm, "Caller5.cls") == [
        "PHI field SSN__c is logged",
        "PHI returned by PatientWrapper.status is logged",
    ]


def test_phi_model_change_invalidates_results(project_root: Path, run: Run) -> None:
    run(project_root)
    field = project_root / "force-app/main/default/objects/Patient__c/fields/Status__c.field-meta.xml"
    field.write_text(field_xml("Status__c", True))  # Status__c is now classified HIPAA
    warm = run(project_root)
    assert comparable(warm) == comparable(run(project_root, cache=False))
    assert "PHI field Status__c is logged" in _messages(warm, "Caller1.cls")


def test_rule_options_and_selection_are_part_of_the_key(project_root: Path, run: Run) -> None:
    run(project_root)
    allow = Config(rule_options={"perf/debug-phi-field": {"allow": ["SSN__c"]}})
    with_option = run(project_root, config=allow)
    assert comparable(with_option) == comparable(run(project_root, config=allow, cache=False))
    assert not any(f.rule_id == "perf/debug-phi-field" for f in with_option.findings)
    only_calls = Config(select=("perf/debug-phi-call",))
    selected = run(project_root, config=only_calls)
    assert comparable(selected) == comparable(run(project_root, config=only_calls, cache=False))
    assert {f.rule_id for f in selected.findings} == {"perf/debug-phi-call"}


def test_corrupt_and_truncated_entries_are_ignored_and_rewritten(
    project_root: Path, run: Run, tmp_path: Path
) -> None:
    reference = run(project_root)
    entries = sorted(p for p in (tmp_path / "cache").rglob("*") if p.is_file() and p.parent.name != "cache")
    assert len(entries) > 25
    for number, entry in enumerate(entries):
        blob = entry.read_bytes()
        if number % 3 == 0:
            entry.write_bytes(blob[: len(blob) // 2])  # truncated (a run killed mid-write elsewhere)
        elif number % 3 == 1:
            entry.write_bytes(blob[:-1] + bytes([blob[-1] ^ 0xFF]))  # one flipped byte
        else:
            entry.write_bytes(b"")
    damaged = run(project_root)
    assert comparable(damaged) == comparable(reference)
    assert engine.last_run_stats.from_cache == 0
    run(project_root)
    assert engine.last_run_stats.from_cache == FILES  # rewritten


def test_entries_signed_with_another_key_are_not_loaded(
    project_root: Path, run: Run, monkeypatch, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    """A cache directory committed to a repository (or restored from elsewhere) must never be trusted:
    entries are pickles. They are ignored when signed with another key."""
    monkeypatch.setenv("PHI_LINT_CACHE_KEY", "someone-elses-key-0000000000000000000000000")
    foreign = run(project_root)
    monkeypatch.setenv("PHI_LINT_CACHE_KEY", "tests-perf-secret-0123456789abcdef0123456789")
    mine = run(project_root)
    assert engine.last_run_stats.from_cache == 0
    assert comparable(mine) == comparable(foreign)


def test_unreadable_cache_dir_degrades_to_no_cache(project_root: Path, run: Run, tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where the cache directory should be")
    result = run(project_root, cache_dir=blocker)
    assert comparable(result) == comparable(run(project_root, cache=False))


def test_concurrent_runs_share_one_cache_safely(project_root: Path, tmp_path: Path) -> None:
    """Four processes fill the same cold cache at once; every one gets the uncached result."""
    script = f"""
import sys, json
sys.path.insert(0, {str(Path(__file__).resolve().parents[2])!r})
from phi_lint import engine
from phi_lint.config import Config
from phi_lint.engine import CheckRequest, run_check
from phi_lint.project import open_project
from tests.perf import perf_rules
sys.modules["phi_lint.analyzers.perftest"] = perf_rules
engine.ANALYZER_PACKAGES = {{"apex": "perftest"}}
root = __import__("pathlib").Path({str(project_root)!r})
cache = __import__("pathlib").Path(sys.argv[1]) if sys.argv[1] != "-" else None
result = run_check(CheckRequest([root], open_project(root, Config()), perf_rules.registry(), cache_dir=cache))
print(json.dumps([[f.rule_id, f.location.path, f.location.start_line, f.fingerprint]
                  for f in result.findings]))
"""
    env = {"PHI_LINT_CACHE_KEY": "tests-perf-secret-0123456789abcdef0123456789", "PATH": "/usr/bin:/bin"}
    reference = subprocess.run(
        [sys.executable, "-c", script, "-"], capture_output=True, text=True, env=env, check=True
    ).stdout
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", script, str(tmp_path / "shared")],
            stdout=subprocess.PIPE,
            text=True,
            env=env,
        )
        for _ in range(4)
    ]
    outputs = [p.communicate()[0] for p in procs]
    assert all(p.returncode == 0 for p in procs)
    assert outputs == [reference] * 4
    again = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path / "shared")],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    ).stdout
    assert again == reference


def test_unchanged_facts_digest_is_stable_across_processes(project_root: Path, run: Run) -> None:
    """The facts digest must not depend on set iteration order (salted string hashing): a second
    process must hit the cache written by the first."""
    run(project_root)
    script = f"""
import os, sys
sys.path.insert(0, {str(Path(__file__).resolve().parents[2])!r})
from phi_lint import engine
from phi_lint.config import Config
from phi_lint.engine import CheckRequest, run_check
from phi_lint.project import open_project
from tests.perf import perf_rules
sys.modules["phi_lint.analyzers.perftest"] = perf_rules
engine.ANALYZER_PACKAGES = {{"apex": "perftest"}}
root = __import__("pathlib").Path({str(project_root)!r})
run_check(CheckRequest([root], open_project(root, Config()), perf_rules.registry(), cache_dir=root / "c"))
engine.ANALYZER_PACKAGES = {{"apex": "perftest"}}
print(engine.last_run_stats.from_cache)
"""
    counts = []
    for seed in ("1", "2", "3"):
        env = {"PHI_LINT_CACHE_KEY": "k" * 40, "PYTHONHASHSEED": seed, "PATH": "/usr/bin:/bin"}
        counts.append(
            subprocess.run(
                [sys.executable, "-c", script], capture_output=True, text=True, env=env, check=True
            ).stdout.strip()
        )
    assert counts == ["0", str(FILES), str(FILES)]


def test_a_file_that_cannot_be_read_is_not_cached(project_root: Path, run: Run, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    target = project_root / CLASSES / "Caller2.cls"
    real_read = Path.read_bytes

    def flaky_read(self: Path) -> bytes:
        if self.name == target.name:
            raise PermissionError(13, "Permission denied")
        return real_read(self)

    with monkeypatch.context() as patch:
        patch.setattr(Path, "read_bytes", flaky_read)
        first = run(project_root)
    assert any(n.path and n.path.endswith("Caller2.cls") for n in first.notifications)
    second = run(project_root)
    assert engine.last_run_stats.analysed == 1  # the failed file, and only it, is analysed again
    assert comparable(second) == comparable(run(project_root, cache=False))


def test_cache_key_covers_the_class_meta_xml(project_root: Path, run: Run) -> None:
    """Rules may read a class's API version from its -meta.xml: editing it must invalidate the class."""
    run(project_root)
    meta = project_root / CLASSES / "Caller1.cls-meta.xml"
    meta.write_text(
        '<ApexClass xmlns="http://soap.sforce.com/2006/04/metadata"><apiVersion>40.0</apiVersion></ApexClass>'
    )
    run(project_root)
    assert engine.last_run_stats.analysed == 1


def test_config_digest_changes_with_phi_settings() -> None:
    from phi_lint.phi import PhiSettings

    base = Config()
    assert base.digest() != replace(base, phi=PhiSettings(fields=("*.Notes__c",))).digest()


def test_unchanged_metadata_is_not_parsed_again(project_root: Path, run: Run, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The PHI model's field files are parsed once; later runs take their facts from the cache until
    a field file changes, and the results stay those of a run without cache."""
    import os
    import time

    from phi_lint import project as project_module

    when = time.time() - 60  # files written just now are not trusted by their stat (racily clean)
    for path in project_root.rglob("*"):
        os.utime(path, (when, when))
    run(project_root)
    parsed: list[str] = []
    real_read = project_module.read_field_file

    def counting_read(path: Path, rel: str) -> object:
        parsed.append(path.name)
        return real_read(path, rel)

    monkeypatch.setattr(project_module, "read_field_file", counting_read)
    run(project_root)
    assert parsed == []
    field = project_root / "force-app/main/default/objects/Patient__c/fields/Status__c.field-meta.xml"
    field.write_text(field_xml("Status__c", True))
    os.utime(field, (when + 30, when + 30))
    warm = run(project_root)
    assert parsed == ["Status__c.field-meta.xml"]
    assert "PHI field Status__c is logged" in _messages(warm, "Caller1.cls")
    assert comparable(warm) == comparable(run(project_root, cache=False))


def test_the_phi_model_of_unchanged_metadata_is_one_cache_entry(
    project_root: Path, tmp_path: Path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    """With its metadata files unchanged, a later run loads the whole PHI model from one entry (no
    field file is looked up one by one) and reports a refused file again; an edited field file makes
    the model be built again, with the edit."""
    import os
    import time

    from phi_lint import cache as cache_module
    from phi_lint.cache import Cache
    from phi_lint.project import open_project

    fields = project_root / "force-app/main/default/objects/Patient__c/fields"
    (fields / "Broken__c.field-meta.xml").write_text("<CustomField><fullName>Broken__c")
    when = time.time() - 60  # files written just now are not trusted by their stat (racily clean)
    for path in project_root.rglob("*"):
        os.utime(path, (when, when))
    cache_dir = tmp_path / "cache"

    def opened() -> tuple[object, list[str]]:
        project = open_project(project_root, Config(), Cache.open(cache_dir))
        return project.phi, [n.path or "" for n in project.notifications]

    cold_model, cold_notes = opened()
    looked_up: list[Path] = []
    real_get = cache_module.FileMemo.get

    def counting_get(self, path, compute):  # type: ignore[no-untyped-def]
        looked_up.append(path)
        return real_get(self, path, compute)

    monkeypatch.setattr(cache_module.FileMemo, "get", counting_get)
    warm_model, warm_notes = opened()
    assert looked_up == []
    assert warm_model == cold_model
    assert warm_notes == cold_notes and any("Broken__c" in note for note in warm_notes)
    status = fields / "Status__c.field-meta.xml"
    status.write_text(field_xml("Status__c", True))
    os.utime(status, (when + 30, when + 30))
    edited_model, _ = opened()
    assert looked_up  # built again, each unchanged file's facts from the per-file memo
    assert edited_model != cold_model
    assert edited_model == open_project(project_root, Config()).phi


def _facts_parts(cache_dir: Path) -> list[Path]:
    return [p for p in (cache_dir / "v1" / "facts-part").rglob("*") if p.is_file()]


def test_large_facts_are_loaded_only_when_a_file_needs_them(
    project_root: Path, run: Run, tmp_path: Path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    """A large fact is kept in its own entry: a run whose results all come from the cache never loads
    it; a run that must analyse a file loads it, or recomputes it when that entry is damaged."""
    from phi_lint.cache import Cache
    from phi_lint.project import Deferred, open_project
    from tests.perf import perf_rules

    monkeypatch.setattr(engine, "FACT_PART_BYTES", 0)  # every fact is "large"
    cache_dir = tmp_path / "cache"

    def check(index: int) -> tuple[engine.RunStats, object]:
        """Caller<index> checked with the cache: the run's stats, and what the project's facts hold
        afterwards (the results are compared with a run without cache)."""
        cache = Cache.open(cache_dir)
        project = open_project(project_root, Config(), cache)
        only = {project_root / CLASSES / f"Caller{index}.cls"}
        request = engine.CheckRequest(
            [project_root], project, perf_rules.registry(), only_files=only, cache_dir=cache_dir, cache=cache
        )
        result = engine.run_check(request)
        stats = engine.last_run_stats
        assert comparable(result) == comparable(run(project_root, only=only, cache=False))
        assert _messages(result, f"Caller{index}.cls")
        return stats, dict.get(project.facts, perf_rules.FACTS_KEY)

    check(1)
    assert _facts_parts(cache_dir)
    stats, fact = check(1)
    assert stats.from_cache == 1 and stats.prepare_from_cache and isinstance(fact, Deferred)
    stats, fact = check(2)  # not cached: its analysis needs the facts
    assert stats.analysed == 1 and stats.prepare_from_cache and not isinstance(fact, Deferred)
    for part in _facts_parts(cache_dir):
        part.write_bytes(b"damaged")
    stats, fact = check(3)  # the facts entry names a damaged part: prepare() runs again
    assert stats.analysed == 1 and not isinstance(fact, Deferred)

    # Damaged again, and now prepare() itself fails: the file that needs the facts is reported as not
    # analysed (never checked without them) and its result is not cached.
    for part in _facts_parts(cache_dir):
        part.write_bytes(b"damaged")

    def failing_prepare(project: object, files: object) -> None:
        raise OSError("disk gone")

    monkeypatch.setattr(perf_rules, "prepare", failing_prepare)
    cache = Cache.open(cache_dir)
    target = project_root / CLASSES / "Caller4.cls"
    request = engine.CheckRequest(
        [project_root],
        open_project(project_root, Config(), cache),
        perf_rules.registry(),
        only_files={target},
        cache_dir=cache_dir,
        cache=cache,
    )
    failed = engine.run_check(request)
    # The rule that reads the facts reports its failure; the file's other rules still ran.
    assert _messages(failed, "Caller4.cls") == ["PHI field SSN__c is logged"]
    assert any(
        "could not be rebuilt" in n.message and n.path and "Caller4" in n.path for n in failed.notifications
    )
    monkeypatch.undo()
    stats, _ = check(4)
    assert stats.analysed == 1  # the failed result was not cached


def test_entries_unused_for_a_week_are_pruned_once_a_day(
    project_root: Path, run: Run, tmp_path: Path
) -> None:
    import os
    import time

    from phi_lint.cache import MAX_AGE_DAYS, Cache

    cache_dir = tmp_path / "cache"
    run(project_root)
    cache = Cache.open(cache_dir)
    assert cache is not None
    cache.put("file", "ab" + "0" * 38, "an entry of an older state of the project")
    orphan = cache_dir / "v1" / "file" / "ab" / ("0" * 38)
    old = time.time() - (MAX_AGE_DAYS + 1) * 86400
    entries = [p for p in (cache_dir / "v1").rglob("*") if p.is_file()]
    for entry in [*entries, cache_dir / "last-pruned"]:
        os.utime(entry, (old, old))
    warm = run(project_root)  # reads (and so keeps) what it uses, then prunes the rest
    assert engine.last_run_stats.from_cache == FILES
    assert not orphan.exists()
    kept = [p for p in (cache_dir / "v1").rglob("*") if p.is_file()]
    assert kept and all(time.time() - p.stat().st_mtime < 86400 for p in kept)
    assert comparable(run(project_root)) == comparable(warm)
    assert engine.last_run_stats.from_cache == FILES
    # Pruned at most once a day: an entry aged now survives until tomorrow's first run.
    cache.put("file", "cd" + "0" * 38, "another")
    second = cache_dir / "v1" / "file" / "cd" / ("0" * 38)
    os.utime(second, (old, old))
    run(project_root)
    assert second.exists()


def test_a_cache_opened_by_the_command_line_freezes_what_it_loads(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The command line's cache moves what it unpickles out of the collector's reach (the Apex records
    would otherwise be traversed by the next collection, to free nothing); a program that imports
    phi-lint keeps its collector as it was."""
    import gc

    from phi_lint.cache import Cache

    monkeypatch.setenv("PHI_LINT_CACHE_KEY", "tests-freeze-secret-0123456789abcdef0123")
    plain, freezing = Cache.open(tmp_path / "plain"), Cache.open(tmp_path / "cli", freeze_loaded=True)
    assert plain is not None and freezing is not None
    records = {f"C{n}.cls": [{"m": (n, [n])}] for n in range(100)}
    for cache in (plain, freezing):
        cache.put("state", "k" * 40, records)
    gc.unfreeze()
    try:
        assert plain.get("state", "k" * 40) == records and gc.get_freeze_count() == 0
        loaded = freezing.get("state", "k" * 40)
        assert loaded == records and gc.get_freeze_count() > 0
        assert not any(obj is loaded for obj in gc.get_objects())  # in no generation a collection visits
    finally:
        gc.unfreeze()


def test_an_edit_adds_to_the_stat_index_delta_without_rewriting_its_base(
    project_root: Path, run: Run, tmp_path: Path
) -> None:
    """The stat index of a large project weighs most of a megabyte; a run that hashes one edited file
    writes that entry to a small delta, and the base is rewritten only when the delta grows large."""
    import os
    import time

    from phi_lint import cache as cache_mod

    def backdate(*paths: Path) -> None:  # files written just now are not trusted by their stat
        when = time.time() - 60
        for path in paths or project_root.rglob("*.*"):
            os.utime(path, (when, when))

    def entry(key: str) -> Path:
        return tmp_path / "cache" / "v1" / "index" / key[:2] / key[2:]

    backdate()
    run(project_root)
    base = entry(cache_mod.STAT_INDEX)
    written = (base.read_bytes(), base.stat().st_ino)
    assert run(project_root) and engine.last_run_stats.from_cache == FILES
    target = project_root / CLASSES / "Caller3.cls"
    target.write_text(target.read_text() + "// reviewed\n")
    backdate(target)
    edited = run(project_root)
    assert (base.read_bytes(), base.stat().st_ino) == written
    opened = cache_mod.Cache.open(tmp_path / "cache")
    assert opened is not None
    delta = opened.get("index", cache_mod.STAT_INDEX_DELTA)
    assert isinstance(delta, dict) and list(delta) == [str(target)]
    assert opened.content_digest(target) == cache_mod.sha256_hex(target.read_bytes())
    assert comparable(edited) == comparable(run(project_root, cache=False))
    # Past its limit, the delta is folded into the base.
    for index in range(cache_mod.STAT_DELTA_MIN_ENTRIES + 1):
        (project_root / f"extra{index}.txt").write_text(str(index))
    backdate(*project_root.glob("extra*.txt"))
    for index in range(cache_mod.STAT_DELTA_MIN_ENTRIES + 1):
        opened.content_digest(project_root / f"extra{index}.txt")
    opened.flush()
    assert base.read_bytes() != written[0]
    assert opened.get("index", cache_mod.STAT_INDEX_DELTA) == {}
    reopened = cache_mod.Cache.open(tmp_path / "cache")
    assert reopened is not None
    assert reopened.content_digest(target) == cache_mod.sha256_hex(target.read_bytes())


def test_phi_model_digest_is_the_same_in_every_process_and_sees_its_sets() -> None:
    """The PHI model's sets (object files, custom settings) are part of its digest, written sorted so
    that the digest does not depend on the process's string hashing."""
    script = """
from phi_lint.cache import phi_model_digest
from phi_lint.phi import PhiModel
model = PhiModel()
model.object_files.update(f"obj{n}__c" for n in range(50))
model.custom_settings.update(f"setting{n}__c" for n in range(20))
print(phi_model_digest(model))
"""
    src = str(Path(__file__).resolve().parents[2] / "src")
    digests = {
        subprocess.run(
            [sys.executable, "-c", script],
            capture_output=True,
            text=True,
            env={"PYTHONHASHSEED": seed, "PYTHONPATH": src, "PATH": "/usr/bin:/bin"},
            check=True,
        ).stdout.strip()
        for seed in ("1", "2", "3")
    }
    assert len(digests) == 1

    from phi_lint.cache import phi_model_digest
    from phi_lint.phi import PhiModel

    model = PhiModel()
    model.object_files.update(f"obj{n}__c" for n in range(50))
    model.custom_settings.update(f"setting{n}__c" for n in range(20))
    assert phi_model_digest(model) in digests
    before = phi_model_digest(model)
    model.custom_settings.add("obj1__c")
    assert phi_model_digest(model) != before
    model.custom_settings.discard("obj1__c")
    model.object_files.discard("obj7__c")
    assert phi_model_digest(model) != before


def test_a_run_stats_and_hashes_each_file_once_and_the_next_run_sees_edits(tmp_path: Path) -> None:
    """During a run (`begin_run`) a file's stat and content hash are taken once; a run that reuses the
    same Cache object afterwards never gets the earlier state of an edited file."""
    import os

    from phi_lint.cache import Cache, sha256_hex

    cache = Cache.open(tmp_path / "cache")
    assert cache is not None
    target = tmp_path / "A.cls"
    target.write_text("class A {}")
    old = os.stat(target).st_mtime - 60
    os.utime(target, (old, old))  # not "racily clean": the stat index trusts it
    cache.begin_run()
    first = cache.content_digest(target)
    assert first == sha256_hex(b"class A {}")
    target.write_text("class A { void b() {} }")
    assert cache.stat(target) is not None and cache.stat(target).st_size == len("class A {}")  # type: ignore[union-attr]
    assert cache.content_digest(str(target)) == first  # the run's one view of the file
    cache.end_run()
    assert cache.content_digest(target) == sha256_hex(b"class A { void b() {} }")
    cache.begin_run()
    assert cache.content_digest(target) == sha256_hex(b"class A { void b() {} }")
    target.unlink()
    cache.end_run()
    cache.begin_run()
    assert cache.stat(target) is None and cache.content_digest(target) is None
    cache.end_run()


def test_runs_sharing_one_cache_object_see_each_edit(project_root: Path) -> None:
    """The CLI opens a cache per run; a caller that keeps one Cache for several runs (a long-lived
    process) must get each edit's results, not the files' states of its first run."""
    from phi_lint.cache import Cache
    from phi_lint.engine import CheckRequest, run_check
    from phi_lint.project import open_project
    from tests.perf import perf_rules

    cache = Cache.open(project_root.parent / "shared-cache")
    target = project_root / CLASSES / "Caller3.cls"

    def check(with_cache: bool) -> object:
        opened = cache if with_cache else None
        project = open_project(project_root, Config(), opened)
        request = CheckRequest([project_root], project, perf_rules.registry(), cache=opened)
        return comparable(run_check(request))

    check(True)
    target.write_text(target.read_text().replace("System.debug('ssn ' + p.SSN__c);", ""))
    assert check(True) == check(False)
    target.write_text(target.read_text().replace("System.debug('status ' + p.Status__c);", "x();"))
    assert check(True) == check(False)


def test_results_with_nothing_to_report_are_keys_of_one_index(
    project_root: Path, run: Run, tmp_path: Path
) -> None:
    """A file with no finding and no notification writes no entry file of its own (a cold run of a
    large org created ten thousand of them): its key goes to the clean-results index."""
    from phi_lint import cache as cache_mod

    reference = run(project_root, cache=False)
    reported = {f.location.path for f in reference.findings} | {n.path for n in reference.notifications}
    assert 0 < len(reported) < FILES
    cold = run(project_root)
    file_entries = [p for p in (tmp_path / "cache" / "v1" / "file").rglob("*") if p.is_file()]
    assert len(file_entries) == len(reported)
    opened = cache_mod.Cache.open(tmp_path / "cache")
    assert opened is not None
    clean = {**opened.get("index", cache_mod.CLEAN_INDEX), **opened.get("index", cache_mod.CLEAN_INDEX_DELTA)}
    assert len(clean) == FILES - len(reported)
    warm = run(project_root)
    assert engine.last_run_stats.from_cache == FILES and engine.last_run_stats.analysed == 0
    assert comparable(cold) == comparable(warm) == comparable(reference)
    # A clean file edited so that it reports something is analysed again, not taken as clean.
    field = project_root / "force-app/main/default/objects/Patient__c/fields/Status__c.field-meta.xml"
    field.write_text(field.read_text().replace("<label>", "<label>x"))
    assert comparable(run(project_root)) == comparable(run(project_root, cache=False))


def test_clean_results_keys_age_like_entries(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A clean key carries the day it was last confirmed (refreshed at most once a day when used) and
    is dropped when the index is next rewritten after MAX_AGE_DAYS without use."""
    from phi_lint import cache as cache_mod

    day = 20_000
    monkeypatch.setattr(cache_mod, "_today", lambda: day)
    first = cache_mod.Cache.open(tmp_path / "cache")
    assert first is not None
    first.mark_clean("unused")
    first.mark_clean("used")
    first.flush()
    day += cache_mod.MAX_AGE_DAYS + 1
    second = cache_mod.Cache.open(tmp_path / "cache")
    assert second is not None
    assert second.is_clean("used") and not second.is_clean("never-stored")
    for number in range(cache_mod.STAT_DELTA_MIN_ENTRIES + 1):  # enough to fold the delta into the base
        second.mark_clean(f"new-{number}")
    second.flush()
    third = cache_mod.Cache.open(tmp_path / "cache")
    assert third is not None
    assert third.get("index", cache_mod.CLEAN_INDEX_DELTA) == {}
    assert third.get("index", cache_mod.CLEAN_INDEX)["used"] == day
    assert third.is_clean("used") and third.is_clean("new-0") and not third.is_clean("unused")
