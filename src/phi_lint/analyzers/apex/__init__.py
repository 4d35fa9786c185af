"""The Apex analyzer. `prepare()` computes project-wide facts once per run, before any file is checked:
the method summaries of the PHI data-flow engine (which methods pass a parameter to a sink, return a
parameter, or return PHI they read themselves), the names of the project's classes and its string
constants. The results live in `project.facts["apex"]`.

It reads every file's declarations, then analyses the files (callees first; on forked workers for a
large project, `parallel.py`) to the least fixpoint of the summaries, runs each analysed file's
per-file checks on the same tree (`engine.check_prepared`), and keeps a record per file in the cache
so that the next run analyses only what an edit can affect (`incremental.py`).
"""

from __future__ import annotations

import functools
import pickle
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from phi_lint import parsing
from phi_lint.analyzers.apex import dataflow
from phi_lint.analyzers.apex.dataflow import Summaries, SummaryStore, analyze
from phi_lint.context import FileContext
from phi_lint.project import file_kind

if TYPE_CHECKING:
    from phi_lint.analyzers.apex.incremental import ContentKey, FileRecord, NameFacts
    from phi_lint.engine import FileResult
    from phi_lint.project import Project

    # A file's per-file check result and the sha256 of the bytes it was run on.
    Checked = tuple[FileResult, str]

# Summaries converge in two or three rounds on real code (wrapper of a wrapper of System.debug); the
# cap only guards against pathological recursion.
MAX_ROUNDS = 8
# prepare() reads only Apex files: an edit to an LWC or metadata file does not re-run the summaries
# (the engine's facts cache keys on these kinds).
PREPARE_KINDS = ("apex",)
TYPE_DECLARATIONS = ("class_declaration", "interface_declaration", "enum_declaration")
# Trees parsed to read declarations are kept for the analysis up to this much source (a small
# project is parsed once); past it they are parsed again, so memory does not grow with the project.
KEEP_TREES_BYTES = 1 << 20
# Per-file cache keys of Apex files (see file_facts_key).
FILE_FACTS_KEY = "apex.file-facts"
# Facts the engine's facts cache does not store (`engine._stored_parts`): the method summaries (1.4 MB
# pickled at 1,000 classes, written by every run after an edit) are rebuilt from the records when a
# run whose facts come from the cache must analyse an Apex file: prepare() then finds every record
# valid and only seeds them.
REBUILT_FACTS = ("apex",)
# prepare() analyses files in worker processes only when there is enough work to pay for forking them
# (the engine's per-file thresholds, for the same reason).
PARALLEL_MIN_FILES = 8
PARALLEL_MIN_BYTES = 256 * 1024


@dataclass
class PrepareStats:
    """What the last prepare() did (benchmarks and tests read it; results never depend on it)."""

    files: int = 0
    analysed: int = 0
    reused: int = 0
    # The readers of edited files were kept because the edited files' summaries came out unchanged.
    cutoff: bool = False


last_prepare = PrepareStats()


def prepare(project: Project, files: Sequence[Path]) -> None:
    from phi_lint import cache, engine
    from phi_lint.analyzers.apex import classes, incremental

    global last_prepare
    jobs = engine.prepare_jobs()
    # Each file's content key; a file is read only when it is analysed or its declarations are
    # unknown (with a cache, an unchanged file's key comes from its content hash in the stat index).
    sources = _ApexSources(project, files)
    keys = sources.keys
    # The records of the last run (in the cache): files whose record still holds are not analysed.
    previous = incremental.load_records()
    names = _read_declarations(sources, previous, jobs)
    summaries = incremental.declarations_of(keys, names, _declarations)
    # Class headers (sharing keyword, superclass) for apex/soql-without-sharing's inheritance through
    # `extends` across files; kept in the facts so the facts cache keys per-file results on them.
    sharing = incremental.sharing_of(summaries)
    if sharing is not None:
        project.facts[classes.PROJECT_FACTS_KEY] = sharing
    else:
        classes.store_sharing(project, [(sources.paths[key], names[key].headers) for key in keys])
    work = incremental.plan(previous, names, summaries)
    by_key = sources.contexts(work.seeds | work.readers)
    stats = PrepareStats(files=len(keys))
    records: dict[ContentKey, FileRecord] = {}
    if work.readers:
        # Optimistic: analyse the edited files alone, their readers' records seeded as they were;
        # when the edited files' summaries come out unchanged (the usual edit of a method body), the
        # readers' records still hold.
        records = _solve(summaries, previous, names, by_key, work.valid | work.readers, work.seeds, jobs)
        stats.analysed = len(work.seeds)
        if incremental.cutoff_holds(previous, records, work, work.seeds):
            stats.cutoff = True
        else:
            summaries = _declarations(keys, names)
            records = _solve(summaries, previous, names, by_key, work.valid, work.seeds | work.readers, jobs)
            stats.analysed += len(work.seeds | work.readers)
    else:
        records = _solve(summaries, previous, names, by_key, work.valid, work.seeds, jobs)
        stats.analysed = len(work.seeds)
    stats.reused = len(keys) - len(work.seeds) - (0 if stats.cutoff else len(work.readers))
    last_prepare = stats
    summaries.inputs_digest = incremental.summaries_digest(records)
    project.facts[FILE_FACTS_KEY] = incremental.FileFactsIndex(
        cache.stable_digest(project.facts.get(classes.PROJECT_FACTS_KEY)),
        {key[0]: record.flow_digest for key, record in records.items()},
    )
    dataflow.PREPARED.reset(summaries)
    dataflow.PREPARED.flows = {key: record.flow for key, record in records.items()}
    # A file edited while this run read it has a record that may not match its key: never kept, and
    # neither are the facts built with it.
    incremental.save_records(previous, {k: r for k, r in records.items() if k not in sources.unsure})
    if sources.unsure:
        engine.facts_not_cacheable()
    sources.close()
    # A new dict (not an update in place): the engine's facts cache detects what prepare() produced by
    # identity.
    project.facts["apex"] = {**project.facts.get("apex", {}), "summaries": summaries}


def cache_state() -> object:
    """Kept by the engine's facts cache with the facts this run's prepare() produced: the head of the
    Apex records of this state of the project (see `incremental.restore_head`)."""
    from phi_lint.analyzers.apex import incremental

    return incremental.current_head


def restore_cache_state(state: object) -> None:
    """The facts of this state came from the cache: make its records the ones the next run starts from."""
    from phi_lint.analyzers.apex import incremental

    incremental.restore_head(state)


def file_facts_key(project: Project, path: Path) -> str | None:
    """For the engine's per-file cache: what an Apex file's results depend on beyond its own text and
    the run's settings, so that an edit elsewhere re-checks only the files it changes the meaning of
    (not every class whenever any summary changes). None: not known, use the package's facts digest."""
    from phi_lint.analyzers.apex.incremental import FileFactsIndex
    from phi_lint.cache import digest_of

    index = project.facts.get(FILE_FACTS_KEY)
    if not isinstance(index, FileFactsIndex):
        return None
    flow = index.flows.get(project.relative(path))
    return None if flow is None else digest_of(index.shared, flow)


def _worth_workers(contexts: Sequence[FileContext], jobs: int) -> bool:
    from phi_lint.analyzers.apex import parallel

    return (
        jobs > 1
        and len(contexts) >= PARALLEL_MIN_FILES
        and sum(_size_of(ctx) for ctx in contexts) >= PARALLEL_MIN_BYTES
        and parallel.fork_available()
    )


def _size_of(ctx: FileContext) -> int:
    """The file's size, without reading a context whose text is not loaded."""
    return ctx.byte_size if isinstance(ctx, _ApexContext) else len(ctx.source)


def _names_released(ctx: FileContext) -> NameFacts:
    """The file's declarations when its tree is not kept for the analysis (which parses it again)."""
    facts = _collect_names(ctx, _declarations_tree(ctx))
    ctx.release()
    return facts


def _names_released_and_named(ctx: FileContext, stems: frozenset[str]) -> tuple[NameFacts, frozenset[str]]:
    """`_names_released`, and which of `stems` (the project's Apex file names, lower case) the text
    names: what `name_graph` reads of it."""
    named = frozenset(_named_words(ctx.source) & stems)
    return _names_released(ctx), named


def _named_words(source: bytes) -> set[str]:
    """Every identifier of an Apex text, in lower case."""
    return {word.decode("ascii").lower() for word in set(_IDENTIFIER.findall(source))}


def _declarations_tree(ctx: FileContext) -> parsing.Tree:
    """A tree of the class without its method bodies, which `_collect_names` never reads: parsing
    only the rest is several times cheaper (`bodies.py`). The whole text when the scan is unsure, and
    for a trigger (whose body is its code: there is nothing to skip)."""
    from phi_lint.analyzers.apex.bodies import body_interiors

    source = ctx.source
    interiors = body_interiors(source) if ctx.path.name.endswith(".cls") else None
    if interiors is None:
        return parsing.parse("apex", source)
    return parsing.parse_outside("apex", source, interiors)


def _read_declarations(
    sources: _ApexSources, previous: dict[ContentKey, FileRecord], jobs: int
) -> dict[ContentKey, NameFacts]:
    """Every file's declarations: from its record when its content is unchanged, else read from its
    tree (on forked workers when there are many)."""
    names = {key: previous[key].names for key in sources.keys if key in previous}
    unknown_contexts = sources.contexts({key for key in sources.keys if key not in names})
    unknown = list(unknown_contexts.items())
    if _worth_workers(list(unknown_contexts.values()), jobs):
        from phi_lint.analyzers.apex import parallel

        # The workers also scan each text for the project's class names (`name_graph`), which the
        # parent would otherwise read, decode and hash every file again for.
        stems = frozenset(path.stem.lower() for path in sources.paths.values())
        read = parallel.map_files(
            [ctx for _, ctx in unknown], functools.partial(_names_released_and_named, stems=stems), jobs
        )
        for (key, ctx), (facts, named) in zip(unknown, read, strict=True):
            names[key] = facts.interned()
            if isinstance(ctx, _ApexContext):
                ctx.named_stems = named
        return names
    kept_bytes = 0
    for key, ctx in unknown:
        kept_bytes += len(ctx.source)
        if kept_bytes > KEEP_TREES_BYTES:
            # Parsed again when analysed: holding every tree until then would make memory grow with
            # the project (a tree costs tens of times its source); so this parse skips the bodies.
            names[key] = _names_released(ctx)
        else:
            names[key] = _collect_names(ctx)
    return names


def _declarations(keys: list[ContentKey], names: Mapping[ContentKey, NameFacts]) -> Summaries:
    """Summaries holding the project's declarations only, applied in file order (a later file wins a
    duplicate member or constant, whichever run this is)."""
    summaries = Summaries()
    for key in keys:
        names[key].apply(summaries)
    summaries.close_hierarchy()
    return summaries


def _solve(
    summaries: Summaries,
    previous: dict[ContentKey, FileRecord],
    names: dict[ContentKey, NameFacts],
    by_key: dict[ContentKey, FileContext],
    held: set[ContentKey],
    todo: set[ContentKey],
    jobs: int = 1,
) -> dict[ContentKey, FileRecord]:
    """Seed the summaries of the `held` records, analyse the `todo` files to a fixpoint on top of
    them, and return every file's record (held ones as they were). `summaries` must hold the
    declarations only; it ends with the method summaries too."""
    from phi_lint.analyzers.apex import incremental

    store = incremental.seeded_store(summaries, previous, held)
    records = {key: previous[key] for key in held}
    # Each file's content key, computed once (it hashes the source).
    key_by_path = {ctx.rel_path: key for key, ctx in by_key.items()}

    def key_of(ctx: FileContext) -> ContentKey:
        return key_by_path[ctx.rel_path]

    order, deps = callees_first([by_key[key] for key in by_key if key in todo], summaries.classes)
    # What each analysed body used of the summaries: a file is analysed again when one of those
    # answers changes. With the (name, clock) of a sequential run, a cheap first test: a callee
    # name changed after the body ran; None for files analysed by a worker (their clocks are theirs:
    # one entry for the whole file then, its bodies' tables joined, `dataflow.joined_answers`).
    watch: dict[ContentKey, list[tuple[set[str], int | None, dataflow.UsedAnswers]]] = {}

    def analyse_one(ctx: FileContext) -> tuple[FileRecord, dataflow.UsedAnswers, bytes] | None:
        analysed = _analyse_file(ctx, names[key_of(ctx)], summaries, store)
        if analysed is None or (isinstance(ctx, _ApexContext) and ctx.changed):
            # On a worker: a file that changed since its key was taken is left to the parent, whose
            # own read marks the key unsure there (a worker's marks die with it).
            return None
        record, units, checked = analysed
        # The parent has the file's declarations already (it re-attaches them): not sent back.
        record.names = incremental.NO_NAMES
        # Its clocks are the worker's: the parent checks the file's answers against the final
        # summaries, whole, so one table for the file is all it needs (and holds until the end).
        used = dataflow.joined_answers(answers for _, _, answers in units)
        # What the parent needs only once its workers are gone (the check result, and the questions
        # the analysis asked, kept for the next run) is pickled here rather than with the message:
        # the parent holds it as bytes while the workers run, not as objects (several times larger).
        later = pickle.dumps((checked, record.deps), pickle.HIGHEST_PROTOCOL)
        record.deps = dataflow.Dependencies()
        return record, used, later

    def run(ctx: FileContext) -> None:
        analysed = _analyse_file(ctx, names[key_of(ctx)], summaries, store)
        if analysed is not None:
            record, watch[key_of(ctx)], checked[key_of(ctx)] = analysed
            records[key_of(ctx)] = incremental.interned(record, questions)

    # The per-file check results of each file's last analysis (see engine.check_prepared).
    checked: dict[ContentKey, Checked | None] = {}
    # One copy of each question the analysed files asked, shared by their records (`interned`).
    questions: incremental.KeyTable = {}

    if _worth_workers(order, jobs):
        from phi_lint.analyzers.apex import parallel

        def used_changed(analysed: parallel.Analysed) -> bool:
            return dataflow.answers_changed(summaries, analysed[1])

        def interned(analysed: parallel.Analysed) -> parallel.Analysed:
            record, used, later = analysed
            record.contributions = dataflow.shared_contributions(record.contributions, questions)
            return record, incremental.interned_answers(used, questions), later

        done = parallel.analyse(order, deps, store, analyse_one, jobs, used_changed, interned)
        for index, (record, used, later) in done.items():
            key = key_of(order[index])
            checked[key], record.deps = pickle.loads(later)
            record.names = names[key]
            records[key] = incremental.interned(record, questions)
            watch[key] = [(set(), None, used)]
    for ctx in order:
        if key_of(ctx) not in watch:
            run(ctx)
    # Later rounds analyse again, whole, the files with a body whose callee changed after it ran; on
    # real code that is a few percent of the files, once or twice.
    for _ in range(MAX_ROUNDS):
        stale = [
            ctx
            for ctx in order
            if any(
                (ran_at is None or store.stale(callees, ran_at))
                and dataflow.answers_changed(summaries, answers)
                for callees, ran_at, answers in watch.get(key_of(ctx), ())
            )
        ]
        if not stale:
            break
        for ctx in stale:
            run(ctx)
    from phi_lint import engine

    for ctx in order:
        result = checked.get(key_of(ctx))
        if result is not None:
            engine.keep_prepared(ctx.project, ctx.path, result)
    return records


def _analyse_file(
    ctx: FileContext, names: NameFacts, summaries: Summaries, store: SummaryStore
) -> tuple[FileRecord, list[tuple[set[str], int | None, dataflow.UsedAnswers]], Checked | None] | None:
    """Analyse one file against the store (recording its bodies' summaries there), run its per-file
    checks, and forget its tree: only the record is kept, so memory stays that of one file at a time."""
    from phi_lint import engine
    from phi_lint.analyzers.apex.incremental import FileRecord

    try:
        analysis = analyze(ctx, summaries, store)
        # Bodies that call a method of the same file whose summary changed after they ran (a helper
        # declared above its caller, recursion) run again now, while the tree is here.
        for _ in range(MAX_ROUNDS):
            if not analysis.rerun():
                break
    except RecursionError:
        # Cannot happen with the depth guard; if it did, the file's own check reports it and the rest
        # of the project keeps its summaries.
        ctx.release()
        return None
    contributions = store.contributions_of(ctx.rel_path)
    record = FileRecord(names, contributions, analysis.flow(), analysis.deps)
    used: list[tuple[set[str], int | None, dataflow.UsedAnswers]] = [
        (unit.callees, unit.ran_at, unit.answers) for unit in analysis.units
    ]
    analysis.close()
    try:
        # The file's per-file checks run now, on this tree and with these flow facts, instead of on
        # a second parse after prepare(); the caller keeps the result of the file's last analysis.
        ctx.memo("apex.dataflow", lambda: record.flow)
        checked = engine.check_prepared(ctx)
    finally:
        ctx.release()
    return record, used, checked


def _apex_paths(project: Project, files: Sequence[Path]) -> list[tuple[Path, int]]:
    """The Apex files among `files` (the engine passes every file of the project, not only those being
    checked: a wrapper may live in a file that is not), once each; oversized files are skipped here
    (the engine reports them when it checks them)."""
    from phi_lint import cache, engine  # the engine imports the analyzers: import it when first used

    seen: set[str] = set()
    found: list[tuple[Path, int]] = []
    for path in files:
        if file_kind(path) != "apex":
            continue
        key = project.resolved(path)
        if key in seen:
            continue
        seen.add(key)
        st = cache.stat(path)  # the run's one stat of the file (the facts key took it)
        if st is None:
            continue
        size = st.st_size
        # Files over the engine's size limit are skipped by the engine (with a notification); parsing
        # them here would cost seconds for a generated class nobody checks.
        if size <= engine.MAX_FILE_BYTES:
            found.append((path, size))
    return found


class _NotText(OSError):
    """A file the engine skips as not text (binary content, invalid UTF-16)."""


def _decoded(path: Path) -> str:
    """The file's text exactly as the engine reads it for its checks (`engine.decode_source`: UTF-8 or
    UTF-16, BOM dropped, newlines normalised). Raises OSError when unreadable, `_NotText` when the
    engine would skip it."""
    from phi_lint.engine import decode_source

    text, _ = decode_source(path.read_bytes(), "")
    if text is None:
        raise _NotText(f"not a text file: {path}")
    return text


class _ApexContext(FileContext):
    """An Apex file's context in prepare(), whose text is read when first needed.

    On a large project (`_ApexSources.lazy`) `release()` forgets the text with the tree: the process
    then holds the text of the files being analysed only, not of every class of the org (forked
    workers read their own files). A file read again must still have the bytes of its content key;
    one that changed, or can no longer be read, is analysed as it now is (empty if unreadable) and its
    key is marked unsure, so no record is kept under that key."""

    def __init__(
        self, sources: _ApexSources, key: ContentKey, path: Path, byte_size: int, text: str | None = None
    ) -> None:
        self._sources = sources
        self._key = key
        self.byte_size = byte_size
        self._loaded: tuple[bytes, str] | None = None
        super().__init__(sources.project, path, key[0], "apex", b"", "")
        self._loaded = (text.encode("utf-8"), text) if text is not None else None
        # The project's Apex file names (lower case) the text names, when a worker scanned it while
        # reading its declarations (`name_graph` then reads nothing).
        self.named_stems: frozenset[str] | None = None

    # The dataclass's `source` and `text` fields, read from the file on first use.
    @property  # type: ignore[override]
    def source(self) -> bytes:
        loaded = self._loaded  # read hundreds of thousands of times a run: no call when loaded
        return (loaded if loaded is not None else self._load())[0]

    @source.setter
    def source(self, value: bytes) -> None:
        pass  # set (to a placeholder) only by FileContext.__init__

    @property  # type: ignore[override]
    def text(self) -> str:
        loaded = self._loaded
        return (loaded if loaded is not None else self._load())[1]

    @text.setter
    def text(self, value: str) -> None:
        pass

    def _load(self) -> tuple[bytes, str]:
        if self._loaded is None:
            try:
                text = _decoded(self.path)
            except OSError:
                text = ""
                self._sources.unsure.add(self._key)
            source = text.encode("utf-8")
            if dataflow.content_key(self.rel_path, source) != self._key:
                self._sources.unsure.add(self._key)
            self._loaded = (source, text)
        return self._loaded

    @property
    def changed(self) -> bool:
        """Read, and found to differ from (or no longer readable as) its content key."""
        return self._key in self._sources.unsure

    def release(self) -> None:
        super().release()
        if self._sources.lazy:
            self._loaded = None

    def forget_text(self) -> None:
        """Forget the text (large projects only), keeping any tree: after a textual scan."""
        if self._sources.lazy and not self._memo:
            self._loaded = None


class _ApexSources:
    """The project's Apex files by content key, read only when needed.

    A large project's unchanged files are neither read nor decoded: their key comes from a memo by
    content hash (the cache's stat index, so no read either), and a file's text is held only while
    it is analysed (`_ApexContext`). Unreadable files are left out (the engine reports them when it
    checks them)."""

    def __init__(self, project: Project, files: Sequence[Path]) -> None:
        from phi_lint import cache

        self.project = project
        self.keys: list[ContentKey] = []
        self.paths: dict[ContentKey, Path] = {}
        sized = _apex_paths(project, files)
        # Past this much source, texts are read when needed and forgotten after (as trees are).
        self.lazy = sum(size for _, size in sized) > KEEP_TREES_BYTES
        self._sizes: dict[ContentKey, int] = {}
        # Contexts made so far, each once: a small project's texts and trees (parsed to read
        # declarations) are kept for the analysis.
        self._made: dict[ContentKey, _ApexContext] = {}
        # Keys of files that changed between computing the key and reading them for analysis.
        self.unsure: set[ContentKey] = set()
        memo = cache.active_memo("apex-content-keys")
        for path, size in sized:
            rel = project.relative(path)
            compute = functools.partial(self._digest_of, path, rel, size)
            try:
                digest = memo.get(path, compute) if memo is not None else compute()
            except OSError:
                continue
            key = (rel, digest)
            self.keys.append(key)
            self.paths[key] = path
            self._sizes[key] = size
        if memo is not None:
            memo.flush()

    def _digest_of(self, path: Path, rel: str, size: int) -> str:
        text = _decoded(path)
        key = dataflow.content_key(rel, text.encode("utf-8"))
        if not self.lazy:
            self._made[key] = _ApexContext(self, key, path, size, text)
        return key[1]

    def close(self) -> None:
        """Forget the contexts (each points back here: a cycle only the garbage collector would free)."""
        self._made.clear()

    def contexts(self, wanted: set[ContentKey]) -> dict[ContentKey, FileContext]:
        """Contexts of the `wanted` keys, in file order (their text is read when first used)."""
        found: dict[ContentKey, FileContext] = {}
        for key in self.keys:
            if key in wanted:
                ctx = self._made.get(key)
                if ctx is None:
                    ctx = self._made[key] = _ApexContext(self, key, self.paths[key], self._sizes[key])
                found[key] = ctx
        return found


def _collect_names(ctx: FileContext, tree: parsing.Tree | None = None) -> NameFacts:
    """Class names (so a static call on a project class is told from a variable), the methods each
    declares (with arity), the declared type of each field and property, and string constants
    (`static final String ENDPOINT = 'callout:Labs'`, used by the callout and crypto checks).
    Only declarations are visited, not method bodies. `tree`: one of the file's declarations
    (`_declarations_tree`), instead of the file's own tree."""
    from phi_lint.analyzers.apex.incremental import NameFacts

    src = ctx.source
    if tree is None:
        tree = ctx.tree
    classes: list[str] = []
    supertypes: list[tuple[str, tuple[str, ...]]] = []
    declared: list[tuple[str, str, int]] = []
    member_types: list[tuple[tuple[str, str], str]] = []
    constants: list[tuple[tuple[str, str], str]] = []
    pending = [n for n in tree.root_node.named_children if n.type in TYPE_DECLARATIONS]
    while pending:
        node = pending.pop()
        name = parsing.text(parsing.field(node, "name"), src).lower()
        classes.append(name)
        supertypes.append((name, tuple(_supertypes(node, src))))
        body = parsing.field(node, "body")
        if body is None:
            continue
        for member in body.named_children:
            if member.type in TYPE_DECLARATIONS:
                pending.append(member)
            elif member.type in ("method_declaration", "constructor_declaration"):
                params = parsing.field(member, "parameters")
                arity = sum(1 for p in params.named_children if p.type == "formal_parameter") if params else 0
                method = parsing.text(parsing.field(member, "name"), src).lower()
                declared.append((name, method, arity))
            elif member.type == "field_declaration":
                member_type = parsing.text(parsing.field(member, "type"), src)
                for decl in member.children_by_field_name("declarator"):
                    var = parsing.text(parsing.field(decl, "name"), src).lower()
                    member_types.append(((name, var), member_type))
                modifiers = next((c for c in member.named_children if c.type == "modifiers"), None)
                if modifiers is None or "final" not in parsing.text(modifiers, src).lower().split():
                    continue
                for decl in member.children_by_field_name("declarator"):
                    value = parsing.field(decl, "value")
                    if value is not None and value.type == "string_literal":
                        var = parsing.text(parsing.field(decl, "name"), src).lower()
                        constants.append(((name, var), parsing.text(value, src)[1:-1]))
    from phi_lint.analyzers.apex.classes import scan_headers

    headers = scan_headers(ctx.text, ctx.rel_path) if ctx.path.name.endswith(".cls") else []
    return NameFacts(
        tuple(classes),
        tuple(supertypes),
        tuple(declared),
        tuple(member_types),
        tuple(constants),
        tuple(headers),
    )


def _supertypes(declaration: parsing.Node, src: bytes) -> list[str]:
    """`extends Base implements ILog, ns.IFoo, Comparable<X>` -> ['Base', 'ILog', 'IFoo', 'Comparable']."""
    items: list[parsing.Node] = []
    for child in declaration.named_children:
        if child.type == "superclass":
            items += child.named_children
        elif child.type in ("interfaces", "extends_interfaces"):
            for type_list in child.named_children:
                items += type_list.named_children if type_list.type == "type_list" else [type_list]
    found: list[str] = []
    for item in items:
        while item.type in ("generic_type", "scoped_type_identifier") and item.named_children:
            # generic: the type itself is the first child; scoped (ns.IFoo): the name is the last.
            item = item.named_children[0] if item.type == "generic_type" else item.named_children[-1]
        if item.type == "type_identifier":
            found.append(parsing.text(item, src))
    return found


_IDENTIFIER = re.compile(rb"[A-Za-z_][A-Za-z0-9_]*")


def name_graph(contexts: Sequence[FileContext], classes: set[str]) -> list[list[int]]:
    """For each file, the files (indexes) of the project classes it names: a cheap textual scan that
    approximates which files' summaries its analysis will use."""
    by_class: dict[str, int] = {}
    for index, ctx in enumerate(contexts):
        stem = ctx.path.stem.lower()
        if stem in classes:
            by_class[stem] = index
    deps: list[list[int]] = []
    for index, ctx in enumerate(contexts):
        named = ctx.named_stems if isinstance(ctx, _ApexContext) else None
        if named is not None:  # scanned with its declarations (on a worker)
            names: set[str] | frozenset[str] = named
        else:
            names = _named_words(ctx.source)
            if isinstance(ctx, _ApexContext):
                ctx.forget_text()  # read again when analysed (on a worker, for most files)
        deps.append(sorted(by_class[n] for n in names & by_class.keys() if by_class[n] != index))
    return deps


def callees_first(
    contexts: list[FileContext], classes: set[str]
) -> tuple[list[FileContext], list[list[int]]]:
    """Files ordered so that a file comes after the files of the project classes it names (cycles
    broken arbitrarily): most wrappers then have their summaries before their callers are analysed,
    which saves later rounds. The result does not depend on the order. Also the `name_graph` of the
    ordered files (indexes into them), for the parallel scheduler."""
    deps = name_graph(contexts, classes)
    order: list[int] = []
    state = [0] * len(contexts)  # 0 new, 1 on the stack, 2 done
    for start in range(len(contexts)):
        if state[start]:
            continue
        stack = [(start, 0)]
        state[start] = 1
        while stack:
            node, next_dep = stack[-1]
            if next_dep < len(deps[node]):
                stack[-1] = (node, next_dep + 1)
                dep = deps[node][next_dep]
                if state[dep] == 0:
                    state[dep] = 1
                    stack.append((dep, 0))
            else:
                stack.pop()
                state[node] = 2
                order.append(node)
    position = {old: new for new, old in enumerate(order)}
    return [contexts[i] for i in order], [sorted(position[d] for d in deps[i]) for i in order]
