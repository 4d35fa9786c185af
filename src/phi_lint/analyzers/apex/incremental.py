"""Which Apex files must be analysed again, given the results of the last run.

prepare() keeps, for every Apex file, a `FileRecord`: the file's declarations (`NameFacts`), the
summaries its method bodies contributed, its flow facts and what its analysis asked of the rest of the
project (`Dependencies`). The records of one run are saved in the cache (`save_records`). On the next
run a record still holds when its file's content is unchanged and nothing it depends on can have
changed; only the other files are analysed, with the held records' summaries seeded into the store.

Why this gives the result a cold run gives: the summaries are the least fixpoint of the per-body
equations. A method whose summary *may* differ from last time is one declared by a new, edited or
deleted file, or by a file whose record no longer holds. A record no longer holds when a declaration
answer it read changed, or when it read the summary of a method (class, name, arity; a call dispatched
through an interface reads each implementation's) whose summary may differ.
Closing that relation, the held records depend only on held records, whose inputs are all unchanged:
their part of last run's least fixpoint is still the least fixpoint of their part. The other files are
solved from scratch (their own summaries start empty) on top of it, exactly as a cold run would. A
dependency cycle through an edited file is therefore re-solved from scratch too: a recursive wrapper
cannot keep a sink it no longer has.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from phi_lint.analyzers.apex.classes import ClassHeader, SharingTable, sharing_table
from phi_lint.analyzers.apex.dataflow import (
    Dependencies,
    FileFlow,
    MethodSummary,
    SharedTuples,
    Summaries,
    SummaryStore,
    UsedAnswers,
    shared_tuple,
)
from phi_lint.cache import WARM_DERIVERS, digest_of, warm_derived

ContentKey = tuple[str, str]  # (relative path, sha1 of the source)
SummaryKey = tuple[str, str, int]  # (class lower, method lower, arity)
BodyKey = tuple[str, int]  # (relative path, start byte of the body)


@dataclass(frozen=True)
class NameFacts:
    """One file's declarations: what `Summaries` learns from it without evaluating any body."""

    classes: tuple[str, ...] = ()
    supertypes: tuple[tuple[str, tuple[str, ...]], ...] = ()
    declared: tuple[SummaryKey, ...] = ()
    member_types: tuple[tuple[tuple[str, str], str], ...] = ()
    constants: tuple[tuple[tuple[str, str], str], ...] = ()
    # Sharing and superclass of its classes, from the text (see `classes.project_sharing`).
    headers: tuple[ClassHeader, ...] = ()

    def interned(self) -> NameFacts:
        """The same declarations with their strings interned. Read on forked workers, each file's
        facts come back with strings of their own: at 5,000 classes 96,000 strings of which 23,000
        differ (4.6 MB more in the parent, and in every worker forked after it)."""
        i = sys.intern
        return NameFacts(
            tuple(map(i, self.classes)),
            tuple((i(cls), tuple(map(i, parents))) for cls, parents in self.supertypes),
            tuple((i(cls), i(method), arity) for cls, method, arity in self.declared),
            tuple(((i(cls), i(member)), i(kind)) for (cls, member), kind in self.member_types),
            tuple(((i(cls), i(name)), i(value)) for (cls, name), value in self.constants),
            self.headers,
        )

    def apply(self, summaries: Summaries) -> None:
        summaries.classes.update(self.classes)
        for cls, parents in self.supertypes:
            summaries.add_supertypes(cls, parents)
        summaries.declared.update(self.declared)
        summaries.member_types.update(self.member_types)
        summaries.constants.update(self.constants)


@dataclass
class FileRecord:
    names: NameFacts
    contributions: dict[SummaryKey, dict[BodyKey, MethodSummary]]
    flow: FileFlow
    deps: Dependencies
    # Digest of what this file gives the project's summaries (declarations and joined summaries,
    # not its text: a comment edit leaves it unchanged).
    digest: str = ""
    # Digest of the flow facts its checks read (what the rest of the project means for this file).
    flow_digest: str = ""

    def __post_init__(self) -> None:
        # Digests of canonical reprs (sets sorted), not `stable_digest`'s generic walk: computed for
        # every analysed file, that walk was a few percent of a cold run.
        if not self.digest:
            joined = sorted(
                (key, summary.canonical()) for key, summary in per_method(self.contributions).items()
            )
            self.digest = digest_of(repr(self.names), repr(joined))
        if not self.flow_digest:
            self.flow_digest = digest_of(repr(self.flow.canonical()))


# A worker's record travels without its declarations (the parent has them): see `_solve`.
NO_NAMES = NameFacts()


# The tuples shared in one prepare() (see `interned`).
KeyTable = SharedTuples


def interned(record: FileRecord, table: KeyTable) -> FileRecord:
    """`record` with the questions of its dependencies shared with every other record of `table`, their
    class and method names interned. A record received from a worker is unpickled into strings and
    tuples of its own: at 5,000 classes the parent held about a million copies of a few thousand
    names (a third of its memory), and 288,000 question tuples of which 18,700 differ (18 MB);
    shared, each is one object (and the saved records, pickled once, are smaller and faster to load)."""
    deps = record.deps
    deps.methods = {shared_tuple(method, table) for method in deps.methods}
    deps.answers = {shared_tuple(question, table): found for question, found in deps.answers.items()}
    return record


def interned_answers(answers: UsedAnswers, table: KeyTable) -> UsedAnswers:
    """What a file's bodies used of the summaries, its questions shared (see `interned`)."""
    return {shared_tuple(question, table): found for question, found in answers.items()}


@dataclass(frozen=True)
class FileFactsIndex:
    """What each Apex file's per-file results depend on beyond its own text (the engine's cache key):
    its flow facts, and the class headers of the project (sharing inherited through `extends`)."""

    shared: str
    flows: dict[str, str]  # relative path -> FileRecord.flow_digest

    @functools.cached_property
    def inputs_digest(self) -> str:
        """Its digest for `cache.stable_digest` (cheaper than its generic walk over every file)."""
        return digest_of(self.shared, *sorted(f"{path}={flow}" for path, flow in self.flows.items()))


def summaries_digest(records: Mapping[ContentKey, FileRecord]) -> str:
    """Digest of the summaries built from these records (they are a function of the records)."""
    return digest_of(*sorted(f"{key[0]}={record.digest}" for key, record in records.items()))


def _methods_of(record_names: NameFacts, contributions: Iterable[SummaryKey] = ()) -> set[SummaryKey]:
    """The methods whose summaries a file may give: those it declares or contributed to."""
    return set(record_names.declared).union(contributions)


@dataclass
class Plan:
    """What prepare() must analyse this run."""

    # Files whose record holds whatever the edited files' summaries turn out to be.
    valid: set[ContentKey]
    # New or edited files, and files whose declaration answers changed: analysed in any case.
    seeds: set[ContentKey]
    # Held files that read, directly or not, a method of a seed or a deleted file: analysed too,
    # unless the seeds' summaries come out unchanged (see `cutoff_holds`).
    readers: set[ContentKey]


def plan(
    previous: Mapping[ContentKey, FileRecord],
    names: Mapping[ContentKey, NameFacts],
    summaries: Summaries,
) -> Plan:
    """Sort this run's files (the keys of `names`) by what must be analysed again.

    `summaries` must hold this run's declarations (every file's `NameFacts`, hierarchy closed) and no
    method summary yet."""
    kept = [key for key in names if key in previous]
    # Methods whose summary may change: those of new or edited files (this run's declarations) and of
    # deleted or edited files (last run's declarations and contributions).
    changing: set[SummaryKey] = set()
    seeds = {key for key in names if key not in previous}
    for key in seeds:
        changing |= _methods_of(names[key])
    for key, record in previous.items():
        if key not in names:
            changing |= _methods_of(record.names, record.contributions)

    # When every file declares what it declared last run (an edit inside method bodies: the usual
    # pre-commit case), the project's declarations are the same, and so is every answer about them.
    declarations_unchanged = _same_declarations(previous, names)
    if not declarations_unchanged:
        for key in kept:
            if not previous[key].deps.hold(summaries):
                seeds.add(key)

    pending = list(changing)
    for key in seeds:
        if key in previous:
            record = previous[key]
            pending += _methods_of(record.names, record.contributions)
    global _premade_readers
    premade, _premade_readers = _premade_readers, None
    invalid = None
    if declarations_unchanged and premade is not None and premade[0] is previous:
        invalid = _readers_by_index(previous, kept, seeds, pending, (premade[1], premade[2].readers))
    elif declarations_unchanged:
        invalid = _readers_by_waves(previous, kept, seeds, pending)
    if invalid is None:
        invalid = _readers_by_index(previous, kept, seeds, pending)
    return Plan(
        valid={key for key in names if key not in invalid},
        seeds=seeds,
        readers=invalid - seeds,
    )


# `_readers_by_waves` gives up after this many waves (a long chain of readers), for the index.
MAX_READER_WAVES = 12


def _readers_by_waves(
    previous: Mapping[ContentKey, FileRecord],
    kept: list[ContentKey],
    seeds: set[ContentKey],
    pending: list[SummaryKey],
) -> set[ContentKey] | None:
    """`_readers_by_index`'s result without its index of every record's reads (most of a pre-commit
    check's plan on a large org, where the edit reaches a few readers or none): each wave asks every
    record not yet reached whether it read one of the methods the last wave reached. A record read
    method (class, name, arity) when its dependencies hold (class, name, arity) or (class, name, None)
    (any arity), which is the index's match. None after `MAX_READER_WAVES` waves (a long chain: the
    index is then cheaper)."""
    invalid = set(seeds)
    remaining = [key for key in kept if key not in invalid]
    wave = set(pending)
    seen: set[SummaryKey] = set()
    for _ in range(MAX_READER_WAVES):
        wave -= seen
        if not wave:
            return invalid
        seen |= wave
        probe: set[tuple[str, str, int | None]] = set(wave)
        probe.update((cls, method, None) for cls, method, _ in wave)
        reached = [key for key in remaining if not previous[key].deps.methods.isdisjoint(probe)]
        if reached:
            invalid.update(reached)
            remaining = [key for key in remaining if key not in invalid]
        wave = set()
        for key in reached:
            record = previous[key]
            wave |= _methods_of(record.names, record.contributions)
    return None


# (class, method) -> (arity or None for any, file) of every record that read its summary.
Readers = dict[tuple[str, str], list[tuple[int | None, ContentKey]]]


def readers_index(records: Mapping[ContentKey, FileRecord], keys: Iterable[ContentKey]) -> Readers:
    """Who read each method's summary, among the records of `keys`."""
    readers: Readers = {}
    for key in keys:
        for cls, method, arity in records[key].deps.methods:
            readers.setdefault((cls, method), []).append((arity, key))
    return readers


def _readers_by_index(
    previous: Mapping[ContentKey, FileRecord],
    kept: list[ContentKey],
    seeds: set[ContentKey],
    pending: list[SummaryKey],
    made: tuple[Mapping[ContentKey, FileRecord], Readers] | None = None,
) -> set[ContentKey]:
    """The seeds and every kept record that reads, directly or through other such records, one of the
    `pending` methods (a method whose summary may change).

    `made`: records and the index of their reads made beforehand (by a warm server, of the base
    entry's records): its entries count for the kept keys whose record is that very record; the
    index is made here for the other kept records only."""
    base, base_readers = made if made is not None else ({}, {})
    others = [key for key in kept if key not in seeds and base.get(key) is not previous[key]]
    readers = readers_index(previous, others)
    # The base's entries that stand for a kept record: not a seed, same record.
    standing = {key for key in kept if key not in seeds and key in base and base[key] is previous[key]}
    invalid = set(seeds)
    pending = list(pending)
    seen: set[SummaryKey] = set()
    while pending:
        method_key = pending.pop()
        if method_key in seen:
            continue
        seen.add(method_key)
        cls, method, arity = method_key
        found = readers.get((cls, method), [])
        if base_readers:
            found = found + [entry for entry in base_readers.get((cls, method), ()) if entry[1] in standing]
        for wanted, key in found:
            if key in invalid or (wanted is not None and wanted != arity):
                continue
            invalid.add(key)
            record = previous[key]
            pending += _methods_of(record.names, record.contributions)
    return invalid


def _same_declarations(
    previous: Mapping[ContentKey, FileRecord], names: Mapping[ContentKey, NameFacts]
) -> bool:
    """Do this run's files (the keys of `names`) declare exactly what last run's did: the same paths
    (so the same order, in which a later file wins a duplicate member), each with the same
    declarations (a file whose content is unchanged has them by construction)?"""
    last = {key[0]: record.names for key, record in previous.items()}
    if len(last) != len(names) or any(key[0] not in last for key in names):
        return False
    return all(key in previous or last[key[0]] == facts for key, facts in names.items())


def per_method(
    contributions: Mapping[SummaryKey, Mapping[BodyKey, MethodSummary]],
) -> dict[SummaryKey, MethodSummary]:
    """One file's summaries joined per method (bodies in a fixed order), trivial ones left out."""
    joined: dict[SummaryKey, MethodSummary] = {}
    for key, bodies in contributions.items():
        summary = MethodSummary()
        for body in sorted(bodies):
            summary = summary.union(bodies[body])
        if not summary.trivial:
            joined[key] = summary
    return joined


def cutoff_holds(
    previous: Mapping[ContentKey, FileRecord],
    current: Mapping[ContentKey, FileRecord],
    work: Plan,
    analysed: Iterable[ContentKey],
) -> bool:
    """After analysing only the seeds (the readers' records seeded as they were): do the readers'
    records still hold? Yes when (1) no seed read a method of a reader, so the seeds' results cannot
    rest on a reader's stale summary (a cycle through an edited file), and (2) every file's summaries
    that readers may have read are what they were: those of the seeds' paths and of deleted files."""
    reader_methods: dict[tuple[str, str], set[int]] = {}
    for key in work.readers:
        record = previous[key]
        for cls, method, arity in _methods_of(record.names, record.contributions):
            reader_methods.setdefault((cls, method), set()).add(arity)
    for key in analysed:
        for cls, method, wanted in current[key].deps.methods:
            arities = reader_methods.get((cls, method))
            if arities and (wanted is None or wanted in arities):
                return False
    old_by_path = {key[0]: record for key, record in previous.items()}
    for key in work.seeds:
        old = old_by_path.get(key[0])
        if per_method(current[key].contributions) != (per_method(old.contributions) if old else {}):
            return False
    new_paths = {key[0] for key in current}
    # A deleted file that contributed summaries changes what its readers read.
    deleted = (record for key, record in previous.items() if key[0] not in new_paths)
    return not any(per_method(record.contributions) for record in deleted)


# ---- keeping the records between runs ----------------------------------------------------------------
# The records of a large org weigh megabytes; rewriting them all after a one-class edit would cost more
# than the analysis. They are kept as a base entry plus a small delta (the records added since, and
# the keys gone since); the base is rewritten only when the delta grows past a quarter of it.
#
# Bases and deltas are versions named by their content, and a small head entry names the current pair.
# A run whose facts come from the engine's facts cache (the project is back in a state it was in
# before: an edit reverted, a branch checked out again) analyses nothing; the facts entry keeps the head
# of the run that made it (`current_head`), and the engine hands it back (`restore_head`), so the next
# run starts from the records of the state the project is in, not of the one it left.
BASE_NAMESPACE = "apex-records"
DELTA_NAMESPACE = "apex-records-delta"
HEAD_NAMESPACE = "apex-records-head"
# The heads whose versions are kept, most recent first: every run that changes the records writes a
# delta (and now and then a base) of its own, so older ones are deleted rather than left to grow the
# cache until they are pruned. A facts entry naming an older head then finds its base alone, or
# nothing: its next run analyses more, with the same results.
RECENT_NAMESPACE = "apex-records-recent"
KEEP_HEADS = 8


@dataclass
class Delta:
    added: dict[ContentKey, FileRecord]
    removed: set[ContentKey]


@dataclass(frozen=True)
class Head:
    """The versions of the base and the delta that make up the records of one state of the project."""

    base: str
    delta: str


# The head this run's `load_records` found (None: no records) and the delta it named; the head after
# `save_records`, which the facts cache keeps with the facts of this run.
_loaded: tuple[Head, Delta] | None = None
current_head: Head | None = None


@dataclass
class SeededRecords:
    """A `SummaryStore`'s seeding of every record of a base entry, in the order `seed` of each record
    in sorted order makes it, and the arities each (class, method) has bodies for (for
    `SummaryStore.unseed`). Made by a warm server from the entry (`_seed_base`), used by one run."""

    per_body: dict[SummaryKey, dict[BodyKey, MethodSummary]]
    keys_of_file: dict[str, set[SummaryKey]]
    methods: dict[tuple[str, str], dict[int, MethodSummary]]
    arities: dict[tuple[str, str], set[int]]
    # The base's files in the order of a project's files (sorted by path components), and the
    # summaries holding their declarations, applied in that order (see `declarations_of`).
    paths: list[str]
    declarations: Summaries
    # The class headers of those files (`classes.store_sharing`'s table), its digest taken.
    sharing: SharingTable
    # Who read each method's summary (`readers_index` of every record), for `plan`.
    readers: Readers


def _seed_base(value: object) -> tuple[object, SeededRecords] | None:
    """In a warm server (`cache.WARM_DERIVERS`): the seeding of every record of a base entry. A
    pre-commit check seeds all but the edited class (20 ms at 1,000 classes, touching every record's
    pages in the child that shares them with the server); from this it takes back one record."""
    if not (isinstance(value, tuple) and len(value) == 1 and isinstance(value[0], dict)):
        return None
    base = value[0]
    store = SummaryStore(Summaries())
    for key in sorted(base):
        store.seed(base[key].contributions)
    arities: dict[tuple[str, str], set[int]] = {}
    for cls, method, arity in store.per_body:
        arities.setdefault((cls, method), set()).add(arity)
    from phi_lint.analyzers.apex import _declarations  # the package imports this module

    ordered = sorted(base, key=lambda key: tuple(key[0].split("/")))
    declarations = _declarations(ordered, {key: base[key].names for key in ordered})
    sharing = sharing_table((key[0].rsplit("/", 1)[-1], base[key].names.headers) for key in ordered)
    sharing.inputs_digest  # noqa: B018  # taken here, once, rather than by each child
    return base, SeededRecords(
        store.per_body,
        store.keys_of_file,
        store.summaries.methods,
        arities,
        [key[0] for key in ordered],
        declarations,
        sharing,
        readers_index(base, sorted(base)),
    )


WARM_DERIVERS[f"state-{BASE_NAMESPACE}"] = _seed_base
# What `load_records` found that the server seeded: (the records it returned, their base, the seeding),
# until `plan`, `declarations_of` and `seeded_store` use it (each once).
_Premade = tuple[dict[ContentKey, FileRecord], dict[ContentKey, FileRecord], SeededRecords]
_premade: _Premade | None = None
_premade_readers: _Premade | None = None
_premade_declarations: tuple[dict[ContentKey, FileRecord], SeededRecords] | None = None


def declarations_of(
    keys: list[ContentKey],
    names: Mapping[ContentKey, NameFacts],
    build: Callable[[list[ContentKey], Mapping[ContentKey, NameFacts]], Summaries],
) -> Summaries:
    """`build(keys, names)`: the summaries holding this run's declarations (and no method summary).
    In a warm server's child, the ones the server built from the base entry's records (once per
    run), when this run's files are the base's, in the same order, each declaring what its base
    record declares (`_same_declarations`): the same declarations applied in the same order."""
    global _premade_declarations, _premade_sharing
    premade, _premade_declarations = _premade_declarations, None
    if premade is not None:
        base, seeded = premade
        if [key[0] for key in keys] == seeded.paths and _same_declarations(base, names):
            _premade_sharing = (seeded.declarations, seeded.sharing)
            return seeded.declarations
    return build(keys, names)


# The sharing table that goes with declarations `declarations_of` gave from the server.
_premade_sharing: tuple[Summaries, SharingTable] | None = None


def sharing_of(declarations: Summaries) -> SharingTable | None:
    """The class headers' table (`classes.store_sharing`) of the files whose declarations
    `declarations_of` gave from the server (the same files, in the same order, declaring the same,
    headers included), once; None for declarations built by the run."""
    global _premade_sharing
    premade, _premade_sharing = _premade_sharing, None
    return premade[1] if premade is not None and premade[0] is declarations else None


def seeded_store(
    summaries: Summaries, previous: Mapping[ContentKey, FileRecord], held: Iterable[ContentKey]
) -> SummaryStore:
    """A store over `summaries` (declarations only, no method summary yet) with the contributions of
    the `held` records of `previous` seeded, as `SummaryStore.seed` of each in sorted order makes it.

    In a warm server's child, when `previous` is what `load_records` returned, from the seeding the
    server made of every record of the base entry (`_seed_base`): the base's records that are not held,
    or that `previous` holds another record for (the delta's), are taken back (`SummaryStore.unseed`),
    then the held records that are not the base's are seeded. Seeding depends on the set of bodies
    seeded, not on their order (see `unseed`), so the store is the same."""
    global _premade
    premade, _premade = _premade, None
    store = SummaryStore(summaries)
    wanted = set(held)
    if premade is None or premade[0] is not previous or summaries.methods:
        for key in sorted(wanted):
            store.seed(previous[key].contributions)
        return store
    _, base, seeded = premade
    store.per_body, store.keys_of_file = seeded.per_body, seeded.keys_of_file
    summaries.methods = seeded.methods
    for key, record in base.items():
        if key not in wanted or previous.get(key) is not record:
            store.unseed(record.contributions, seeded.arities)
    for key in sorted(wanted):
        if base.get(key) is not previous[key]:
            store.seed(previous[key].contributions)
    return store


def load_records() -> dict[ContentKey, FileRecord]:
    """The last run's records (empty without a cache or on a first run)."""
    from phi_lint import cache

    global _loaded, current_head, _premade, _premade_declarations, _premade_sharing, _premade_readers
    _loaded, current_head, _premade_sharing = None, None, None
    _premade = _premade_declarations = _premade_readers = None
    head = cache.last_state(HEAD_NAMESPACE)
    if not isinstance(head, Head):
        return {}
    base = cache.last_state(BASE_NAMESPACE, head.base)
    if not isinstance(base, dict):
        return {}
    records: dict[ContentKey, FileRecord] = dict(base)
    seeded = warm_derived(base)
    if isinstance(seeded, SeededRecords):
        _premade, _premade_declarations = (records, base, seeded), (base, seeded)
        _premade_readers = (records, base, seeded)
    delta = cache.last_state(DELTA_NAMESPACE, head.delta)
    if isinstance(delta, Delta):
        for key in delta.removed:
            records.pop(key, None)
        records.update(delta.added)
    else:
        # The delta is gone (pruned, damaged): the base alone is the records of an earlier state,
        # as consistent as any (plan() judges every record against this run's files).
        delta = Delta({}, set())
    _loaded, current_head = (head, delta), head
    return records


def save_records(previous: Mapping[ContentKey, FileRecord], records: dict[ContentKey, FileRecord]) -> None:
    """Keep `records` for the next run; `previous` is what `load_records` gave this run."""
    from phi_lint import cache

    global current_head
    added = {key: record for key, record in records.items() if previous.get(key) is not record}
    removed = {key for key in previous if key not in records}
    if not added and not removed and _loaded is not None:
        return
    if _loaded is not None and previous:
        # The delta of this run's starting point, brought up to date.
        head, delta = _loaded
        added = {**{k: v for k, v in delta.added.items() if k in records}, **added}
        removed = (delta.removed | removed) - records.keys()
        base: str | None = head.base
    else:
        base = None
    if base is None or len(added) > len(records) // 4:
        base = cache.save_state_version(BASE_NAMESPACE, records)
        added, removed = {}, set()
    delta_version = cache.save_state_version(DELTA_NAMESPACE, Delta(added, removed))
    if base is None or delta_version is None:
        return  # not stored (no cache, or the disk refused): the next run starts from what is there
    current_head = Head(base, delta_version)
    _make_current(current_head)


def restore_head(head: object) -> None:
    """Make `head` (kept with the facts of the state the project is in again) the current records."""
    from phi_lint import cache

    if isinstance(head, Head) and cache.last_state(HEAD_NAMESPACE) != head:
        _make_current(head)


def _make_current(head: Head) -> None:
    """Point the head entry at `head`, and delete the versions no recent head needs any more."""
    from phi_lint import cache

    cache.save_state(HEAD_NAMESPACE, head)
    recent = cache.last_state(RECENT_NAMESPACE)
    earlier = [h for h in recent if isinstance(h, Head) and h != head] if isinstance(recent, list) else []
    kept, dropped = [head, *earlier[: KEEP_HEADS - 1]], earlier[KEEP_HEADS - 1 :]
    cache.save_state(RECENT_NAMESPACE, kept)
    bases, deltas = {h.base for h in kept}, {h.delta for h in kept}
    for old in dropped:
        if old.delta not in deltas:
            cache.delete_state_version(DELTA_NAMESPACE, old.delta)
        if old.base not in bases:
            cache.delete_state_version(BASE_NAMESPACE, old.base)
