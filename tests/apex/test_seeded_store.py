"""`incremental.seeded_store` from a warm server's seeding of a base entry (take back the records that
are not held or were replaced, seed the others) makes the store that seeding the held records one by
one makes, whatever records the base and the run hold."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace

import pytest

from phi_lint.analyzers.apex import classes, incremental
from phi_lint.analyzers.apex.dataflow import Summaries, SummaryStore
from phi_lint.analyzers.apex.incremental import ContentKey, FileRecord, NameFacts
from tests.apex.test_incremental import CLASSES, check, service
from tests.perf.conftest import patient_project

# Two bodies for one summary key (class, method, arity): overloads of the same arity, one a sink.
OVERLOADS = (
    "public with sharing class Audit {\n"
    "    public static void note(String m) { System.debug(m); }\n"
    "    public static void note(Integer n) { System.debug(n); }\n"
    "    public static String tag(Integer n) { System.debug(n); return 'a'; }\n"
    "}\n"
)

# The same class in a second file (as in an org with two packages): its bodies join Audit.cls's.
TWIN = (
    "public with sharing class Audit {\n"
    "    public static void note(Id b) { System.debug(b); }\n"
    "    public static String tag(String m) { return m; }\n"
    "    public static String tag(String m, String n) { return n; }\n"
    "}\n"
)

Records = dict[ContentKey, FileRecord]


@pytest.fixture
def saved(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Records]]:
    """The records each run saves."""
    found: list[Records] = []
    original = incremental.save_records

    def keep(previous: Records, records: Records) -> None:
        found.append(dict(records))
        original(previous, records)

    monkeypatch.setattr(incremental, "save_records", keep)
    yield found


def fresh(previous: Records, held: set[ContentKey]) -> SummaryStore:
    store = SummaryStore(Summaries())
    for key in sorted(held):
        store.seed(previous[key].contributions)
    return store


def from_base(base: Records, previous: Records, held: set[ContentKey]) -> SummaryStore:
    made = incremental._seed_base((base,))
    assert made is not None and made[0] is base
    incremental._premade = (previous, base, made[1])
    summaries = Summaries()
    store = incremental.seeded_store(summaries, previous, held)
    assert incremental._premade is None  # used once
    assert store.summaries is summaries and summaries.methods is made[1].methods  # the base's seeding
    return store


def state(store: SummaryStore) -> tuple[object, ...]:
    return (store.per_body, store.keys_of_file, store.summaries.methods, store.clock, store.changed_at)


def test_a_store_from_the_base_seeding_is_the_store_seeded_record_by_record(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, saved: list[Records]
) -> None:
    monkeypatch.setenv("PHI_LINT_CACHE_KEY", "tests-seeded-store-secret-0123456789abcdef")
    services = {f"Service{i}": service(i) for i in range(4)}
    root = patient_project(tmp_path / "proj", {**CLASSES, **services, "Audit": OVERLOADS, "AuditTwin": TWIN})
    classes = root / "force-app/main/default/classes"
    cache_dir = tmp_path / "cache"
    check(root, cache_dir)
    # The next state: the logging wrapper stops logging (its readers' records are replaced), one
    # overload of Audit loses its sink, a class is deleted and another added.
    log = classes / "Log.cls"
    log.write_text(log.read_text().replace("System.debug(m);", "String s = m;"))
    audit = classes / "Audit.cls"
    audit.write_text(audit.read_text().replace("System.debug(m);", "String s = m;"))
    (classes / "Pong.cls").unlink()
    (classes / "Added.cls").write_text(service(9).replace("Service9", "Added"))
    check(root, cache_dir)
    base, current = saved
    assert base.keys() != current.keys()
    assert any(base.get(key) is not record for key, record in current.items())
    assert any(len(bodies) > 1 for record in base.values() for bodies in record.contributions.values())
    by_key: dict[object, set[str]] = {}
    for (path, _), record in base.items():
        for summary_key in record.contributions:
            by_key.setdefault(summary_key, set()).add(path)
    assert any(len(paths) > 1 for paths in by_key.values())  # a method with bodies in two files

    keys = sorted(current)
    helds = [
        set(keys),  # every record
        set(keys[1:]),  # all but one: the pre-commit case
        {key for key in keys if "Log" not in key[0] and "Audit" not in key[0]},
        {key for key in keys if "AuditTwin" not in key[0]},
        set(keys[::2]),
        set(),
    ]
    for held in helds:
        assert state(from_base(base, current, held)) == state(fresh(current, held)), sorted(held)
    # The base's own records, some of them not held (a check whose edit reached their readers).
    for held in (
        set(base),
        {key for key in base if "Service" not in key[0]},
        {key for key in base if "AuditTwin" not in key[0]},  # Audit.tag/1 keeps one of its two bodies
    ):
        assert state(from_base(base, base, held)) == state(fresh(base, held))


def test_a_store_is_seeded_record_by_record_unless_the_records_are_the_ones_seeded() -> None:
    incremental._premade = None
    store = incremental.seeded_store(Summaries(), {}, set())
    assert store.per_body == {} and store.summaries.methods == {}
    base: Records = {}
    made = incremental._seed_base((base,))
    assert made is not None
    incremental._premade = ({}, base, made[1])
    other: Records = {}
    store = incremental.seeded_store(Summaries(), other, set())  # not the records load_records gave
    assert store.summaries.methods is not made[1].methods
    assert incremental._premade is None


def test_the_declarations_from_the_base_are_used_only_when_the_run_declares_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, saved: list[Records]
) -> None:
    from phi_lint.analyzers.apex import _declarations

    monkeypatch.setenv("PHI_LINT_CACHE_KEY", "tests-seeded-store-secret-0123456789abcdef")
    root = patient_project(tmp_path / "proj", {**CLASSES, "Audit": OVERLOADS, "AuditTwin": TWIN})
    check(root, tmp_path / "cache")
    (base,) = saved
    made = incremental._seed_base((base,))
    assert made is not None
    seeded = made[1]
    keys = sorted(base, key=lambda key: tuple(key[0].split("/")))
    names = {key: record.names for key, record in base.items()}
    built: list[int] = []

    def build(order: list[ContentKey], found: Mapping[ContentKey, NameFacts]) -> Summaries:
        built.append(1)
        return _declarations(order, found)

    def declarations(order: list[ContentKey], found: Mapping[ContentKey, NameFacts]) -> Summaries:
        incremental._premade_declarations = (base, seeded)
        result = incremental.declarations_of(order, found, build)
        assert incremental._premade_declarations is None  # once
        return result

    same = declarations(keys, names)
    assert same is seeded.declarations and not built
    assert same == _declarations(keys, names)
    # The class headers' table goes with them, as the run would store it.
    holder = SimpleNamespace(facts={})
    stored = classes.store_sharing(holder, [(root / key[0], names[key].headers) for key in keys])  # type: ignore[arg-type]
    assert incremental.sharing_of(Summaries()) is None  # not the server's declarations
    incremental._premade_sharing = (same, seeded.sharing)
    assert incremental.sharing_of(same) is seeded.sharing and incremental.sharing_of(same) is None
    assert seeded.sharing == stored and len(stored) > 3
    assert seeded.sharing.inputs_digest == classes.SharingTable(stored).inputs_digest
    # Another order (the later of two files declaring one member wins), another declaration, a
    # file less: built by the run.
    assert declarations(keys[::-1], names) is not seeded.declarations and len(built) == 1
    audit = next(key for key in keys if key[0].endswith("/Audit.cls"))
    edited = (audit[0], "another digest")
    changed = {**{k: v for k, v in names.items() if k != audit}, edited: replace(names[audit], classes=())}
    order = [edited if key == audit else key for key in keys]
    assert declarations(order, changed) is not seeded.declarations and len(built) == 2
    assert declarations(keys[1:], {k: names[k] for k in keys[1:]}) is not seeded.declarations
    assert len(built) == 3


def test_the_plan_from_the_base_readers_is_the_plan_of_the_records(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, saved: list[Records]
) -> None:
    from phi_lint.analyzers.apex import _declarations

    monkeypatch.setenv("PHI_LINT_CACHE_KEY", "tests-seeded-store-secret-0123456789abcdef")
    services = {f"Service{i}": service(i) for i in range(4)}
    root = patient_project(tmp_path / "proj", {**CLASSES, **services, "Audit": OVERLOADS})
    classes_dir = root / "force-app/main/default/classes"
    check(root, tmp_path / "cache")
    log = classes_dir / "Log.cls"
    log.write_text(log.read_text().replace("System.debug(m);", "String s = m;"))
    check(root, tmp_path / "cache")
    base, current = saved
    # The records a run finds: the base's, some replaced by the delta's (readers analysed again).
    replaced = [key for key in base if key in current and current[key] is not base[key]]
    assert replaced
    made = incremental._seed_base((base,))
    assert made is not None

    def plans(previous: Records, edited: tuple[str, ...]) -> list[incremental.Plan]:
        # This run: the files `edited` have new content, same declarations (an edit of a body).
        names = {
            (key[0], "edited") if key[0].endswith(edited) else key: record.names
            for key, record in previous.items()
        }
        order = sorted(names, key=lambda key: tuple(key[0].split("/")))
        summaries = _declarations(order, names)
        incremental._premade_readers = None
        by_waves = incremental.plan(previous, names, summaries)
        with monkeypatch.context() as patched:
            patched.setattr(incremental, "MAX_READER_WAVES", 0)
            by_index = incremental.plan(previous, names, summaries)
        incremental._premade_readers = (previous, base, made[1])  # type: ignore[assignment]
        from_base = incremental.plan(previous, names, summaries)
        assert incremental._premade_readers is None
        return [by_waves, by_index, from_base]

    with_delta = {**base, **{key: current[key] for key in replaced}}
    for previous in (dict(base), with_delta):
        for edited in (
            ("/Log.cls",),
            ("/Selector.cls",),
            ("/Service0.cls",),
            ("/Audit.cls",),
            ("/Log.cls", "/Facade.cls"),  # the base's record of Facade read Log: not this run's
        ):
            found = plans(previous, edited)
            assert found[0] == found[1] == found[2], edited
            if "/Audit.cls" not in edited and "/Service0.cls" not in edited:
                assert found[0].readers, edited  # the edit reaches other classes
