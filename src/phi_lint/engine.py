"""The static check, start to finish: project -> files -> per-file rules -> Findings -> RunResult.

Rule logic only reports Hits; this module builds every Finding from the rule's metadata, applies
suppressions and baselines, assigns fingerprints and keeps going when a file or a rule fails.
"""

from __future__ import annotations

import functools
import gc
import importlib
import os
import time
import traceback
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from phi_lint import parsing, xmlsafe
from phi_lint.config import Config
from phi_lint.context import FileContext
from phi_lint.findings import (
    Finding,
    Hit,
    Notification,
    NotificationKind,
    RunResult,
    Severity,
    Span,
    assign_fingerprints,
)
from phi_lint.project import Project, file_kind
from phi_lint.redact import redact_snippet
from phi_lint.rules import Registry, RuleMeta
from phi_lint.suppression import apply_suppressions

MAX_FILE_BYTES = 4 * 1024 * 1024
UNUSED_SUPPRESSION = "core/unused-suppression"
# Analyzer package for each file kind; a package may define `prepare(project, files)` to compute
# project-wide facts (such as Apex method summaries) before any file is checked.
ANALYZER_PACKAGES = {
    "apex": "apex",
    "js": "lwc",
    "template": "lwc",
    "aura": "lwc",
    "xml": "meta",
    "email": "meta",
}


@dataclass
class FileResult:
    findings: list[Finding] = field(default_factory=list)
    notifications: list[Notification] = field(default_factory=list)


def decode_source(raw: bytes, rel_path: str) -> tuple[str | None, list[Notification]]:
    """Bytes -> text, or None when the file is not text. Never raises."""
    notes: list[Notification] = []
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text = raw.decode("utf-16")
        except UnicodeDecodeError:
            return None, [
                Notification(NotificationKind.SKIPPED, "invalid UTF-16 text; file skipped", path=rel_path)
            ]
        notes.append(
            Notification(
                NotificationKind.INFO,
                "UTF-16 file decoded; Salesforce expects UTF-8",
                Severity.NOTE,
                path=rel_path,
            )
        )
        return text.replace("\r\n", "\n").replace("\r", "\n"), notes
    if b"\x00" in raw[:8192]:
        return None, [
            Notification(
                NotificationKind.SKIPPED, "binary content in a source file; file skipped", path=rel_path
            )
        ]
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        text = raw.decode("utf-8-sig", errors="replace")
        notes.append(
            Notification(
                NotificationKind.PARSE_ERROR,
                f"invalid UTF-8 at byte {exc.start}; undecodable bytes were replaced",
                path=rel_path,
            )
        )
    # Lines are counted on \n; a lone \r (old Mac) would otherwise merge lines.
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text, notes


# What a retrieved managed-package class or trigger holds instead of its source (an org retrieve of an
# installed package: `(hidden)` and nothing else).
HIDDEN_SOURCE = "(hidden)"
HIDDEN_SOURCE_NOTE = (
    "managed-package Apex whose source its package hides (the file holds only `(hidden)`): nothing to analyse"
)


def _syntax_notifications(ctx: FileContext) -> list[Notification]:
    """Parse errors are tool notifications, never findings; the rest of the file is still analysed."""
    if ctx.kind == "apex" and ctx.text.strip() == HIDDEN_SOURCE:
        return [Notification(NotificationKind.SKIPPED, HIDDEN_SOURCE_NOTE, Severity.NOTE, path=ctx.rel_path)]
    if ctx.kind in parsing.GRAMMARS:
        problems = parsing.syntax_problems(ctx.tree, ctx.source, limit=3)
        return [
            Notification(
                NotificationKind.PARSE_ERROR,
                f"syntax error ({'missing' if p.missing else 'unexpected'} "
                f"`{redact_snippet(p.snippet)}`); "
                "the rest of the file was analysed",
                path=ctx.rel_path,
                line=p.line,
                column=p.column,
            )
            for p in problems
        ]
    # Kinds without a tree-sitter grammar (LWC/Aura markup): the analyzer package may check them.
    package = ANALYZER_PACKAGES.get(ctx.kind)
    if package is not None:
        try:
            hook = getattr(
                importlib.import_module(f"phi_lint.analyzers.{package}"), "syntax_notifications", None
            )
            if hook is not None:
                return list(hook(ctx))
        except Exception as exc:
            return [
                Notification(
                    NotificationKind.PARSE_ERROR,
                    f"markup check failed: {type(exc).__name__}",
                    path=ctx.rel_path,
                )
            ]
    return []


SECRET_TAGS = frozenset({"secret", "secrets"})


def is_secret_rule(rule: RuleMeta) -> bool:
    return bool(SECRET_TAGS.intersection(rule.tags)) or rule.category in SECRET_TAGS


def _span_texts(ctx: FileContext, span: Span) -> tuple[str, ...]:
    """The text a hit covers, per line, without the quotes of a string literal."""
    lines = ctx.lines
    out: list[str] = []
    if span.end_line - span.start_line > 3:  # a whole block is not a secret value
        return ()
    for number in range(span.start_line, min(span.end_line, len(lines)) + 1):
        line = lines[number - 1]
        start = span.start_column - 1 if number == span.start_line else 0
        end = span.end_column - 1 if number == span.end_line else len(line)
        text = line[start:end].strip().strip("'\"`").strip()
        if len(text) >= 4:
            out.append(text)
    return tuple(out)


def build_finding(ctx: FileContext, rule: RuleMeta, hit: Hit) -> Finding:
    """A Finding from a rule's Hit. Every text a report shows (message, snippets, matched text,
    properties) passes through phi_lint.redact: secrets and PHI-looking values in scanned code appear
    only masked (`sk_live_****`), whatever rule reported the line."""
    secrets = hit.redact
    if is_secret_rule(rule):
        # A secret rule's hit covers the secret itself: mask that text even when the rule did not
        # name it in Hit.redact (it is recognised by where it goes, not by a format redact knows).
        secrets = (*secrets, *_span_texts(ctx, hit.span))
    if secrets:
        # Remembered for the file: other findings and suppression comments on that line mask it too.
        remembered: set[str] = ctx.memo("redacted-secrets", set)
        remembered.update(secrets)

    finding = Finding(
        rule_id=rule.id,
        message=rule.format_message(hit.args),
        severity=hit.severity or rule.severity,
        location=ctx.location(hit.span),
        matched_text=hit.matched_text,
        related=hit.related,
        properties=hit.properties,
    )
    return _mask_finding(finding, set(secrets))


def _mask_finding(finding: Finding, secrets: set[str]) -> Finding:
    def clean(text: str) -> str:
        return redact_snippet(text, secrets)

    return replace(
        finding,
        message=clean(finding.message),
        location=replace(finding.location, snippet=clean(finding.location.snippet)),
        matched_text=clean(finding.matched_text),
        related=tuple(
            replace(r, snippet=clean(r.snippet), message=clean(r.message)) for r in finding.related
        ),
        properties=tuple((k, clean(v)) for k, v in finding.properties),
    )


def analyze_file(
    project: Project,
    path: Path,
    rules: Sequence[RuleMeta],
    checks: dict[str, Callable[..., Iterable[Hit]]],
    raw: bytes | None = None,
    prepared: FileContext | None = None,
) -> FileResult:
    """Analyse one file. `raw`, when given, is the file's content already read by the caller (the cache
    keys results by the bytes that were actually analysed). `prepared`, a context an analyzer built
    (and parsed) for the same text, is used instead of a new one (see `check_prepared`)."""
    result = FileResult()
    rel = project.relative(path)
    kind = file_kind(path)
    if kind is None:
        return result
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            result.notifications.append(
                Notification(
                    NotificationKind.SKIPPED,
                    f"file is {size // 1024} KiB, over the {MAX_FILE_BYTES // 1048576} MiB "
                    "limit for source files; skipped",
                    path=rel,
                )
            )
            return result
        if raw is None:
            raw = path.read_bytes()
    except OSError as exc:
        result.notifications.append(
            Notification(
                NotificationKind.READ_ERROR,
                f"cannot read file: {exc.strerror or exc}",
                Severity.ERROR,
                path=rel,
            )
        )
        return result
    text, notes = decode_source(raw, rel)
    result.notifications += notes
    if text is None:
        return result
    if prepared is not None and prepared.text == text and prepared.kind == kind:
        ctx = prepared
    else:
        ctx = FileContext(
            project=project, path=path, rel_path=rel, kind=kind, source=text.encode("utf-8"), text=text
        )
    applicable = [r for r in rules if kind in r.languages and not project.config.ignored_for_path(r.id, rel)]
    if not applicable:
        return result
    if kind == "xml":
        try:
            ctx.xml  # noqa: B018 - parse once up front so a malformed file is one notification
        except xmlsafe.XmlError as exc:
            result.notifications.append(
                Notification(NotificationKind.PARSE_ERROR, str(exc), path=rel, line=exc.line)
            )
            return result
    else:
        result.notifications += _syntax_notifications(ctx)
    findings: list[Finding] = []
    ran: set[str] = set()
    for rule in applicable:
        if rule.check == "engine":
            continue
        ctx.rule, ctx.options = rule, project.config.options_for(rule)
        try:
            for hit in checks[rule.id](ctx):
                findings.append(build_finding(ctx, rule, hit))
            ran.add(rule.id)
        except RecursionError:
            result.notifications.append(
                Notification(
                    NotificationKind.RULE_ERROR,
                    "input nested too deeply for this rule; rule skipped on this file",
                    Severity.ERROR,
                    path=rel,
                    rule_id=rule.id,
                )
            )
        except Exception as exc:  # a rule bug must not lose the other rules' findings
            where = traceback.extract_tb(exc.__traceback__)[-1]
            result.notifications.append(
                Notification(
                    NotificationKind.RULE_ERROR,
                    # The exception text may quote the file (a key, a patient's SSN): masked like snippets.
                    f"rule crashed: {type(exc).__name__}: {redact_snippet(str(exc)[:300])} "
                    f"(at {Path(where.filename).name}:{where.lineno})",
                    Severity.ERROR,
                    path=rel,
                    rule_id=rule.id,
                )
            )
    file_secrets: set[str] = ctx.memo("redacted-secrets", set)
    if file_secrets:
        # A secret found by one rule is masked in every finding of the file (another rule may report
        # the same line, or a related location may quote it).
        findings = [_mask_finding(f, file_secrets) for f in findings]
    findings, unused = apply_suppressions(ctx, findings, ran)
    unused_rule = next((r for r in applicable if r.id == UNUSED_SUPPRESSION), None)
    if unused_rule is not None:
        for directive in unused:
            span = ctx.span_of_line(directive.line, directive.column)
            hit = Hit(span, directive.raw, {"rules": ", ".join(directive.rule_ids)})
            findings.append(build_finding(ctx, unused_rule, hit))
    result.findings = findings
    return result


def _analyzer_prepares(
    rules: Sequence[RuleMeta], only_kinds: set[str | None] | None = None
) -> list[tuple[str, Any, Callable[..., None]]]:
    """(package, module, prepare) of every analyzer package the enabled rules need that has one; with
    `only_kinds`, only the packages that analyse those kinds of file."""
    found = []
    kinds = {k for r in rules for k in r.languages}
    if only_kinds is not None:
        kinds &= {k for k in only_kinds if k is not None}
    for package in sorted({ANALYZER_PACKAGES[k] for k in kinds if k in ANALYZER_PACKAGES}):
        try:
            module = importlib.import_module(f"phi_lint.analyzers.{package}")
        except ImportError:
            continue
        prepare = getattr(module, "prepare", None)
        if prepare is not None:
            found.append((package, module, prepare))
    return found


def _run_prepare(
    package: str, prepare: Callable[..., None], project: Project, files: Sequence[Path]
) -> list[Notification]:
    """One package's prepare(); a failure is a notification (the run goes on, marked incomplete)."""
    try:
        prepare(project, files)
    except Exception as exc:
        return [
            Notification(
                NotificationKind.RULE_ERROR,
                f"{package} project analysis failed: {type(exc).__name__}: {exc}",
                Severity.ERROR,
            )
        ]
    return []


def prepare_analyzers(
    project: Project, files: Sequence[Path], rules: Sequence[RuleMeta]
) -> list[Notification]:
    """Run each analyzer package's project-wide `prepare` once (e.g. Apex method summaries)."""
    return _run_prepares(project, files, _analyzer_prepares(rules))


def _run_prepares(
    project: Project, files: Sequence[Path], prepares: list[tuple[str, Any, Callable[..., None]]]
) -> list[Notification]:
    notes: list[Notification] = []
    for package, _, prepare in prepares:
        notes += _run_prepare(package, prepare, project, files)
    return notes


def enabled_rules(registry: Registry, config: Config) -> list[RuleMeta]:
    return [r for r in registry.static_rules() if config.is_enabled(r)]


def load_checks(rules: Sequence[RuleMeta]) -> dict[str, Callable[..., Iterable[Hit]]]:
    return {r.id: r.load_check() for r in rules if r.check != "engine"}


# ---- the whole run: project-wide facts, cache, parallel workers ---------------------------------------
# Files to analyse are split across worker processes only when there is enough work to pay for starting
# them (a forked worker costs ~10-20 ms; analysis runs at a few MB/s), so the pre-commit case of one or a
# few files stays in one process.
PARALLEL_MIN_BYTES = 256 * 1024
PARALLEL_MIN_FILES = 8
# Chunks per worker: several, so a slow chunk at the end does not leave the other cores idle.
CHUNKS_PER_WORKER = 4
# Fresh pools tried while isolating a file that kills its worker process (see _analyse_parallel).
MAX_RETRY_POOLS = 40
# Kinds of file each analyzer package's prepare() is given by default (see _prepare_with_cache).
_PACKAGE_KINDS: dict[str, tuple[str, ...]] = {}
for _kind, _package in ANALYZER_PACKAGES.items():
    _PACKAGE_KINDS.setdefault(_package, ())
    _PACKAGE_KINDS[_package] += (_kind,)


@dataclass
class CheckRequest:
    paths: Sequence[Path]
    project: Project
    registry: Registry
    # Worker processes for per-file analysis; 0 = all cores available to this process.
    jobs: int = 1
    # When set, findings are reported only for these files (the project is still read as a whole:
    # the PHI model and the analyzers' prepare() facts come from every file, so results equal a full
    # run filtered to these files).
    only_files: set[Path] | None = None
    # Persistent cache directory (`.phi-lint-cache/` by default in the CLI); None = no cache.
    cache_dir: Path | None = None
    # The cache already opened at `cache_dir` (the CLI's, which `open_project` read the PHI model
    # through), so the run shares its stat index instead of loading it again.
    cache: Any = None


@dataclass
class RunStats:
    """What a run did, for benchmarks and `--verbose` output (never part of the report)."""

    analysed: int = 0
    # Of `analysed`, the files checked while an analyzer prepared (see check_prepared).
    checked_early: int = 0
    from_cache: int = 0
    workers: int = 1
    prepare_from_cache: bool = False
    # Wall seconds of the project-wide prepare() step and of the per-file analysis.
    prepare_seconds: float = 0.0
    analyse_seconds: float = 0.0


# The last run's statistics (the benchmark reads them; results never depend on them).
last_run_stats = RunStats()


@dataclass
class _EarlyChecks:
    """Set by run_check while analyzers prepare: the per-file checks to run on a file an analyzer has
    just parsed and analysed anyway (see `check_prepared`), and what they gave."""

    rules: list[RuleMeta]
    # Rule logic by kind of file, imported when a file of that kind is first checked.
    checks: dict[str, dict[str, Callable[..., Iterable[Hit]]]]
    # Resolved paths of the files this run reports on.
    wanted: set[str]
    # Resolved path -> (result, sha256 of the bytes analysed).
    results: dict[str, tuple[FileResult, str]] = field(default_factory=dict)


_early: _EarlyChecks | None = None


def check_prepared(ctx: FileContext) -> tuple[FileResult, str] | None:
    """For an analyzer's prepare(): the per-file checks of `ctx`'s file, run now on this context (its
    tree, indexes and the analyzer's facts for the file, memoized in it) instead of on a new one after
    prepare(). Only valid when the facts the checks read from the context are final: the analyzer
    calls it again if it analyses the file again, and hands the last result to `keep_prepared`.
    None when the run does not report on this file or nothing was set up."""
    early = _early
    if early is None or ctx.project.resolved(ctx.path) not in early.wanted:
        return None
    import hashlib

    try:
        raw = ctx.path.read_bytes()
    except OSError:
        return None
    text, _ = decode_source(raw, ctx.rel_path)
    if text != ctx.text:
        # Edited since the analyzer read it: its facts are not this content's; checked after
        # prepare() like any other file (and not cached under these bytes with those facts).
        return None
    checks = early.checks.get(ctx.kind)
    if checks is None:
        checks = early.checks[ctx.kind] = load_checks([r for r in early.rules if ctx.kind in r.languages])
    try:
        result = analyze_file(ctx.project, ctx.path, early.rules, checks, raw=raw, prepared=ctx)
    except Exception:  # analyze_file guards the rules; an engine failure is reported by the normal pass
        return None
    return result, hashlib.sha256(raw).hexdigest()


def keep_prepared(project: Project, path: Path, checked: tuple[FileResult, str]) -> None:
    """Hand run_check a file's final result from `check_prepared` (possibly computed in a worker)."""
    if _early is not None:
        _early.results[project.resolved(path)] = checked


# Worker processes an analyzer's prepare() may use: the run's --jobs while run_check prepares, else 1.
_prepare_jobs = 1


def prepare_jobs() -> int:
    return _prepare_jobs


# Set by an analyzer's prepare() that read a file whose bytes had changed since the run took its
# content hash: its facts are then not those of the content the facts cache would key them by.
_facts_uncacheable = False


def facts_not_cacheable() -> None:
    """For an analyzer's prepare(): do not cache the facts of this run (see `_facts_uncacheable`)."""
    global _facts_uncacheable
    _facts_uncacheable = True


def resolve_jobs(jobs: int) -> int:
    if jobs > 0:
        return jobs
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def _unique_resolved(project: Project, paths: Iterable[Path]) -> dict[str, Path]:
    found: dict[str, Path] = {}
    for path in paths:
        found.setdefault(project.resolved(path), path)
    return found


def _project_files(
    project: Project, paths: Sequence[Path], files: list[Path], kinds: Collection[str] | None = None
) -> list[Path]:
    """Every analyzable file of the project (what prepare() sees), whatever subset of it is being
    checked: checking one class must give the results a whole-project run gives. With `kinds`, the
    files of other kinds may be left out (nobody reads them: see `_prepare_kinds`)."""
    if kinds is not None and not kinds:
        return files
    root = project.root.resolve()
    for start in paths:
        try:
            resolved = start.resolve()
        except (OSError, RuntimeError):  # RuntimeError: a symlink loop, before Python 3.13
            continue
        if resolved == root or resolved in root.parents:
            return files
    known = len(project.notifications)
    starts = [p for p in project.package_dirs if p.is_dir()] or [project.root]
    everything = _unique_resolved(project, project.iter_files(starts, kinds))
    del project.notifications[known:]  # already reported (or irrelevant) for the checked paths
    for key, path in _unique_resolved(project, files).items():
        everything.setdefault(key, path)
    return sorted(everything.values())


def _prepare_kinds(prepares: list[tuple[str, Any, Callable[..., None]]]) -> set[str] | None:
    """The kinds of file the analyzer packages' prepare() read (their `PREPARE_KINDS`), None for every
    kind: the project walk of a one-class check then builds no path for the other files (60% of
    them at 1,000 classes: field metadata), and none at all when no package prepares."""
    kinds: set[str] = set()
    for _, module, _ in prepares:
        wanted = getattr(module, "PREPARE_KINDS", None)
        if wanted is None:
            return None
        kinds.update(wanted)
    return kinds


def _rules_digest(rules: Sequence[RuleMeta], config: Config) -> str:
    from phi_lint.cache import digest_of

    return digest_of(*(f"{r.id}={sorted(config.options_for(r).items())!r}" for r in rules))


def _prepare_with_cache(
    project: Project,
    project_files: Sequence[Path],
    prepares: list[tuple[str, Any, Callable[..., None]]],
    cache: Any,
    salt: str,
    stats: RunStats,
) -> tuple[list[Notification], dict[str, str]]:
    """`_run_prepares`, but each package's facts come from the cache when none of its input files
    changed. Returns the notifications and, by package, a digest of the content of the facts it
    produced."""
    from phi_lint import cache as cache_mod

    notes: list[Notification] = []
    file_kinds = [(path, file_kind(path)) for path in project_files]
    all_hit = True
    # Digest of each package's facts, stored with them so a warm run does not hash them again.
    digests: dict[str, str] = {}
    cache_mod.activate(cache, salt)
    try:
        for package, module, prepare in prepares:
            # A package may narrow the files its facts depend on (PREPARE_KINDS = ("apex",)) so that an
            # edit to an LWC file does not re-run the Apex summaries; by default every file counts.
            wanted = getattr(module, "PREPARE_KINDS", None)
            key = None
            if cache is not None:
                inputs = [
                    f"{project.relative(path)}={cache.content_digest(path)}"
                    for path, kind in file_kinds
                    if wanted is None or kind in wanted
                ]
                key = cache_mod.digest_of(salt, package, *inputs)
                stored = cache.get("facts", key)
                if isinstance(stored, tuple) and len(stored) == 4:
                    facts, package_notes, facts_digest, state = stored
                    rebuild = functools.partial(
                        _rebuild_fact, package, prepare, project, project_files, cache, salt, facts
                    )
                    project.facts.update(_deferred_parts(facts, cache, rebuild, package))
                    notes += package_notes
                    digests[package] = facts_digest
                    # The package's own state for this state of the project (the Apex records), which
                    # its next prepare() starts from: this run analysed nothing to bring it up to date.
                    restore = getattr(module, "restore_cache_state", None)
                    if restore is not None and state is not None:
                        restore(state)
                    continue
            all_hit = False
            before = dict(project.facts.raw_items())
            global _facts_uncacheable
            _facts_uncacheable = False
            package_notes = _run_prepare(package, prepare, project, list(project_files))
            notes += package_notes
            produced = {k: v for k, v in project.facts.raw_items() if before.get(k, _MISSING) is not v}
            facts_digest = cache_mod.stable_digest(produced)
            digests[package] = facts_digest
            if cache is not None and key is not None and not package_notes and not _facts_uncacheable:
                state_of = getattr(module, "cache_state", None)
                state = state_of() if state_of is not None else None
                stored_parts = _stored_parts(cache, key, produced, getattr(module, "REBUILT_FACTS", ()))
                cache.put("facts", key, (stored_parts, package_notes, facts_digest, state))
    finally:
        cache_mod.activate(None, "")
    stats.prepare_from_cache = all_hit and bool(prepares)
    return notes, digests


_MISSING = object()
# A fact whose pickle is larger than this is stored in its own cache entry and loaded only when asked
# for: a run whose per-file results all come from the cache (a pre-commit check of an unchanged class)
# then never unpickles the Apex method summaries of the whole org (1.5 MB at 1,000 classes).
FACT_PART_BYTES = 256 * 1024


def _stored_parts(
    cache: Any, key: str, produced: dict[str, Any], rebuilt: Iterable[str] = ()
) -> dict[str, Any]:
    """`produced` as stored in the facts entry `key`: large facts in entries of their own, and the
    facts named in `rebuilt` (a package's `REBUILT_FACTS`) not at all."""
    import pickle

    from phi_lint.cache import NOT_STORED, StoredPart, digest_of

    stored: dict[str, Any] = {}
    for name, value in produced.items():
        if name in rebuilt:
            # Rebuilt by the package's prepare() from state it keeps in the cache itself (the Apex
            # summaries, from the records), when a run whose facts come from the cache needs it.
            # Pickling and writing it cost every run that changes it (50 ms of a 0.5 s pre-commit
            # check after an edit at 1,000 classes); the rebuild is paid only by a later run that
            # must analyse a file of the package without running its prepare(), which is rare.
            stored[name] = NOT_STORED
            continue
        try:
            payload = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception:
            payload = b""
        part = StoredPart(digest_of(key, name))
        if len(payload) > FACT_PART_BYTES and cache.put_pickled("facts-part", part.key, payload):
            stored[name] = part
        else:
            stored[name] = value
    return stored


def _deferred_parts(
    stored: dict[str, Any], cache: Any, rebuild: Callable[[str], Any], package: str = ""
) -> dict[str, Any]:
    """The facts of a cached entry, its large parts `Deferred` (loaded from their own entries, or
    rebuilt when not stored)."""
    from phi_lint.cache import StoredPart
    from phi_lint.project import Deferred

    def loader(name: str, part: StoredPart) -> Callable[[], Any]:
        def load() -> Any:
            found = cache.get("facts-part", part.key) if part.key else None
            return found if found is not None else rebuild(name)

        return load

    return {
        name: Deferred(loader(name, value), package) if isinstance(value, StoredPart) else value
        for name, value in stored.items()
    }


def _rebuild_fact(
    package: str,
    prepare: Callable[..., None],
    project: Project,
    project_files: Sequence[Path],
    cache: Any,
    salt: str,
    stored: dict[str, Any],
    name: str,
) -> Any:
    """A large fact whose own entry is gone or damaged (the facts entry that named it was read): the
    package's prepare() runs again, now, and its value is returned. If that fails, this raises: the
    file that asked is then reported as not analysed (and not cached), never checked without facts."""
    from phi_lint import cache as cache_mod
    from phi_lint.cache import StoredPart

    for other, value in stored.items():
        if isinstance(value, StoredPart):
            dict.pop(project.facts, other, None)  # not deferred any more: prepare() recomputes them
    cache_mod.activate(cache, salt)
    try:
        failures = _run_prepare(package, prepare, project, list(project_files))
    finally:
        cache_mod.activate(None, "")
    if failures or name not in project.facts:
        reason = failures[0].message if failures else f"{name} was not produced"
        raise RuntimeError(f"cached project facts were damaged and could not be rebuilt: {reason}")
    return dict.get(project.facts, name)


def _file_key(cache: Any, project: Project, path: Path, content: str, file_salt: str) -> str:
    from phi_lint.cache import digest_of, sibling_inputs

    kind = file_kind(path) or ""
    siblings = []
    for other in sibling_inputs(path, kind):
        if cache.stat(other) is not None:  # exists (the run's one stat of it)
            siblings.append(f"{other.name}={cache.content_digest(other)}")
    return digest_of(file_salt, project.relative(path), content, *siblings)


# ---- worker side --------------------------------------------------------------------------------------
# Set in the parent before forking (children inherit it), or by _init_worker in a spawned child.
_worker_state: tuple[Project, list[RuleMeta], dict[str, Callable[..., Iterable[Hit]]]] | None = None


def _init_worker(payload: bytes) -> None:
    """Spawned workers (no fork on this platform): receive the parent's Project (PHI model and prepare()
    facts included) by pickle once per process, so prepare() never runs twice."""
    import pickle

    global _worker_state
    project, rules, check_ids = pickle.loads(payload)
    _worker_state = (project, rules, load_checks([r for r in rules if r.id in check_ids]))


def _analyse_one(
    project: Project, path: Path, rules: Sequence[RuleMeta], checks: dict[str, Callable[..., Iterable[Hit]]]
) -> tuple[FileResult, str | None]:
    """Analyse a file from bytes read once; return them hashed so the cache keys what was analysed."""
    import hashlib

    try:
        raw = path.read_bytes() if path.stat().st_size <= MAX_FILE_BYTES else None
    except OSError:
        raw = None
    digest = hashlib.sha256(raw).hexdigest() if raw is not None else None
    try:
        return analyze_file(project, path, rules, checks, raw=raw), digest
    except Exception as exc:  # analyze_file guards rules; this guards the engine itself
        rel = project.relative(path)
        return FileResult(
            notifications=[
                Notification(
                    NotificationKind.RULE_ERROR,
                    f"analysis failed: {type(exc).__name__}: {exc}",
                    Severity.ERROR,
                    path=rel,
                )
            ]
        ), None


def _run_chunk(chunk: list[tuple[int, Path]]) -> list[tuple[int, FileResult, str | None]]:
    assert _worker_state is not None, "worker started without project state"
    project, rules, checks = _worker_state
    return [(index, *_analyse_one(project, path, rules, checks)) for index, path in chunk]


def balanced_chunks(
    items: Sequence[tuple[int, Path]], sizes: Sequence[int], count: int
) -> list[list[tuple[int, Path]]]:
    """Split files into `count` chunks of about equal total size: largest first, each into the lightest
    chunk so far (LPT scheduling). Chunks are returned heaviest first so the long ones start early."""
    import heapq

    count = max(1, min(count, len(items)))
    heap = [(0, n) for n in range(count)]
    chunks: list[list[tuple[int, Path]]] = [[] for _ in range(count)]
    totals = [0] * count
    for item, size in sorted(zip(items, sizes, strict=True), key=lambda pair: (-pair[1], pair[0][0])):
        total, n = heapq.heappop(heap)
        chunks[n].append(item)
        totals[n] = total + size + 1
        heapq.heappush(heap, (totals[n], n))
    order = sorted(range(count), key=lambda n: -totals[n])
    return [sorted(chunks[n]) for n in order if chunks[n]]


def start_method() -> str:
    """`fork` where the platform has it: children inherit the project and loaded rules for free.
    PHI_LINT_START_METHOD=spawn forces the portable path (used by the benchmark to compare)."""
    import multiprocessing

    wanted = os.environ.get("PHI_LINT_START_METHOD", "")
    methods = multiprocessing.get_all_start_methods()
    if wanted in methods:
        return wanted
    return "fork" if "fork" in methods else "spawn"


def _analyse_parallel(
    project: Project,
    todo: list[tuple[int, Path]],
    sizes: list[int],
    rules: list[RuleMeta],
    checks: dict[str, Callable[..., Iterable[Hit]]],
    workers: int,
) -> dict[int, tuple[FileResult, str | None]]:
    import multiprocessing
    import pickle
    from concurrent.futures import ProcessPoolExecutor, as_completed
    from concurrent.futures.process import BrokenProcessPool

    global _worker_state
    method = start_method()
    context = multiprocessing.get_context(method)
    if method == "fork":
        _worker_state = (project, rules, checks)
        initializer: Callable[..., None] | None = None
        initargs: tuple[Any, ...] = ()
        # Forked workers share the parent's pages until they write to them. The cyclic garbage collector
        # writes to the header of every object it traverses, so one full collection in a worker copies
        # the whole inherited heap (the prepare() facts of a large org: gigabytes). Frozen objects are
        # never traversed. Facts still in the cache are loaded first, once, not by every worker: those
        # of the analyzer packages of the files to analyse (a file's results read its own package's
        # facts only, and loading one may mean rebuilding it: `REBUILT_FACTS`).
        project.facts.load_all({ANALYZER_PACKAGES.get(file_kind(path) or "") for _, path in todo})
        gc.collect()
        gc.freeze()
    else:
        payload = pickle.dumps((project, rules, set(checks)), protocol=pickle.HIGHEST_PROTOCOL)
        initializer, initargs = _init_worker, (payload,)
    done: dict[int, tuple[FileResult, str | None]] = {}

    def run_pool(chunks: list[list[tuple[int, Path]]]) -> list[tuple[int, Path]]:
        """Run chunks in a fresh pool; the files left without a result when a worker died."""
        broken = False
        pool = ProcessPoolExecutor(
            max_workers=min(workers, len(chunks)),
            mp_context=context,
            initializer=initializer,
            initargs=initargs,
        )
        try:
            futures = []
            for chunk in chunks:
                try:
                    futures.append(pool.submit(_run_chunk, chunk))
                except BrokenProcessPool:  # a worker died while the rest was being submitted
                    broken = True
                    break
            for future in as_completed(futures):
                try:
                    for index, file_result, digest in future.result():
                        done[index] = (file_result, digest)
                except BrokenProcessPool:
                    broken = True
        except BaseException:
            # Ctrl-C / SIGTERM: leaving `with ProcessPoolExecutor` would wait for every queued chunk.
            # Drop the queue and stop the workers now; the caller writes nothing half-done.
            processes = list((getattr(pool, "_processes", None) or {}).values())
            pool.shutdown(wait=False, cancel_futures=True)
            for process in processes:
                # SIGKILL, not SIGTERM: forked workers inherit the CLI's SIGTERM handler, and the pool's
                # worker loop turns the resulting KeyboardInterrupt into a task error and goes on with
                # the chunks already queued to it.
                process.kill()
            raise
        pool.shutdown(wait=True)
        return [item for chunk in chunks for item in chunk if item[0] not in done] if broken else []

    try:
        left = run_pool(balanced_chunks(todo, sizes, workers * CHUNKS_PER_WORKER))
        # A worker that died (a crash in a native parser, the OOM killer) breaks the whole pool. Bisect
        # what is left, one file per task, until the file that kills its worker is alone: one poisonous
        # file must not cost the other files their results.
        suspects = [left] if left else []
        pools = 0
        while suspects and pools < MAX_RETRY_POOLS:
            group = suspects.pop()
            pools += 1
            left = run_pool([[item] for item in group])
            if not left:
                continue
            if len(group) == 1:
                _mark_died(project, done, left)
                continue
            half = (len(left) + 1) // 2
            suspects += [part for part in (left[:half], left[half:]) if part]
        for group in suspects:
            _mark_died(project, done, group)
    finally:
        _worker_state = None
        if method == "fork":
            gc.unfreeze()
    return done


def _mark_died(
    project: Project, done: dict[int, tuple[FileResult, str | None]], items: list[tuple[int, Path]]
) -> None:
    for index, path in items:
        done[index] = (
            FileResult(
                notifications=[
                    Notification(
                        NotificationKind.RULE_ERROR,
                        "the worker process analysing this file died; file not checked",
                        Severity.ERROR,
                        path=project.relative(path),
                    )
                ]
            ),
            None,
        )


def _collapse_hidden_sources(notifications: list[Notification]) -> list[Notification]:
    """One note for a retrieve's hidden managed-package classes (an org can have thousands), naming the
    first of them and how many there are."""
    hidden = sorted(n.path or "" for n in notifications if n.message == HIDDEN_SOURCE_NOTE)
    if len(hidden) < 2:
        return notifications
    kept = [n for n in notifications if n.message != HIDDEN_SOURCE_NOTE]
    message = (
        f"{len(hidden)} managed-package Apex files hold only `(hidden)` (their package hides the "
        "source): nothing to analyse"
    )
    return [*kept, Notification(NotificationKind.SKIPPED, message, Severity.NOTE, path=hidden[0])]


def _nothing_to_check(project: Project, paths: Sequence[Path]) -> list[Notification]:
    """A run that found no file to read says so (a silent "0 files" looks like a clean project): the
    wrong folder, a layout phi-lint does not know, or everything left out by .forceignore/`exclude`.
    Not a fault of the run (a missing path is already reported as one)."""
    notes = []
    for path in paths:
        if not path.exists():
            continue
        what = "under this folder" if path.is_dir() else "here"
        notes.append(
            Notification(
                NotificationKind.SKIPPED,
                f"nothing to check {what}: phi-lint reads Apex classes and triggers, LWC and Aura "
                "bundles, and metadata XML (fields, objects, permission sets, profiles, sharing rules, "
                "remote sites, credentials, connected apps, flows) and email templates, except what "
                ".forceignore or `exclude` leaves out",
                path=project.relative(path),
            )
        )
    return notes


def run_check(request: CheckRequest) -> RunResult:
    from phi_lint import cache as cache_mod

    cache = request.cache
    if cache is None and request.cache_dir is not None:
        cache = cache_mod.Cache.open(request.cache_dir)
    if cache is None:
        return _run_check(request, None)
    # The run sees one state of each file: each is stat'ed and hashed once (see Cache.begin_run).
    cache.begin_run()
    try:
        return _run_check(request, cache)
    finally:
        cache.end_run()


def _run_check(request: CheckRequest, cache: Any) -> RunResult:
    from phi_lint import cache as cache_mod

    global last_run_stats, _prepare_jobs, _early
    stats = RunStats()
    project = request.project
    config = project.config
    rules = enabled_rules(request.registry, config)
    files = list(project.iter_files(request.paths))
    notifications: list[Notification] = list(project.notifications)
    if not files and request.only_files is None:
        notifications += _nothing_to_check(project, request.paths)
    rules_digest = _rules_digest(rules, config)
    base_salt = cache_mod.digest_of(
        cache_mod.code_digest() if cache is not None else "",
        config.digest(),
        rules_digest,
        project.source_api_version,
        project.phi_digest() if cache is not None else "",
    )
    started = time.perf_counter()
    _prepare_jobs = resolve_jobs(request.jobs)
    reported = files
    if request.only_files is not None:
        wanted_paths = {str(p.resolve()) for p in request.only_files}
        reported = [f for f in files if str(f.resolve()) in wanted_paths]
    # Only the analyzer packages of the kinds of file reported on prepare (and are imported): checking
    # one Apex class never loads the LWC analyzer or reads its facts. A file's results depend on the
    # facts of its own package only (see file_salt below), so this changes no result.
    prepares = _analyzer_prepares(rules, {file_kind(path) for path in reported})
    project_files = _project_files(project, request.paths, files, _prepare_kinds(prepares))
    _early = early = _EarlyChecks(rules, {}, {project.resolved(path) for path in reported})
    facts_digests: dict[str, str] = {}
    try:
        if cache is not None:
            prepare_notes, facts_digests = _prepare_with_cache(
                project, project_files, prepares, cache, base_salt, stats
            )
        else:
            prepare_notes = _run_prepares(project, project_files, prepares)
    finally:
        _prepare_jobs = 1
        _early = None
    notifications += prepare_notes
    stats.prepare_seconds = time.perf_counter() - started
    started = time.perf_counter()
    # Per analyzer package: the base salt and the digest of that package's facts.
    salts: dict[str | None, str] = {}

    # An analyzer may know, per file, what the file's results depend on (`file_facts_key`): then an
    # edit elsewhere invalidates only the files whose facts it changed.
    per_file_hooks: dict[str, Callable[[Project, Path], str | None]] = {}
    for package, module, _ in prepares:
        hook = getattr(module, "file_facts_key", None)
        if hook is not None:
            per_file_hooks[package] = hook

    def file_salt(path: Path) -> str:
        package = ANALYZER_PACKAGES.get(file_kind(path) or "")
        hook = per_file_hooks.get(package or "")
        own = hook(project, path) if hook is not None else None
        if own is not None:
            return cache_mod.digest_of(base_salt, package or "", "file", own)
        if package not in salts:
            salts[package] = cache_mod.digest_of(
                base_salt, package or "", facts_digests.get(package or "", "")
            )
        return salts[package]

    files = reported

    results: list[FileResult | None] = [None] * len(files)
    todo: list[tuple[int, Path]] = []
    sizes: list[int] = []
    checked_early: list[tuple[int, Path, FileResult, str | None]] = []
    for index, path in enumerate(files):
        if cache is not None:
            st = cache.stat(path)
            content = cache.content_digest(path, st) if st is not None else None
            if content is not None:
                key = _file_key(cache, project, path, content, file_salt(path))
                if cache.is_clean(key):
                    results[index] = FileResult()
                    stats.from_cache += 1
                    continue
                stored = cache.get("file", key)
                if isinstance(stored, FileResult):
                    results[index] = stored
                    stats.from_cache += 1
                    continue
        checked = early.results.get(project.resolved(path))
        if checked is not None:
            # Checked while an analyzer prepared (same bytes, final facts): nothing left to do.
            checked_early.append((index, path, *checked))
            continue
        if cache is not None:
            sizes.append(st.st_size if st is not None else 0)
        else:
            try:
                sizes.append(path.stat().st_size)
            except OSError:
                sizes.append(0)
        todo.append((index, path))

    # Rule logic is imported only for the kinds of file that are analysed now (not for cached ones).
    todo_kinds = {file_kind(path) for _, path in todo}
    checks = load_checks([r for r in rules if todo_kinds.intersection(r.languages)])
    workers = min(resolve_jobs(request.jobs), len(todo))
    if workers > 1 and len(todo) >= PARALLEL_MIN_FILES and sum(sizes) >= PARALLEL_MIN_BYTES:
        analysed = _analyse_parallel(project, todo, sizes, rules, checks, workers)
        stats.workers = workers
    else:
        analysed = {index: _analyse_one(project, path, rules, checks) for index, path in todo}
    for index, _, file_result, digest in checked_early:
        analysed[index] = (file_result, digest)
    stats.checked_early = len(checked_early)
    for index, path in [*todo, *((index, path) for index, path, _, _ in checked_early)]:
        file_result, digest = analysed[index]
        results[index] = file_result
        stats.analysed += 1
        # Results of a file that could not be read are not cached: the next run must try again.
        failed = any(
            n.kind in (NotificationKind.READ_ERROR, NotificationKind.RULE_ERROR)
            for n in file_result.notifications
        )
        if cache is not None and digest is not None and not failed:
            key = _file_key(cache, project, path, digest, file_salt(path))
            if file_result.findings or file_result.notifications:
                cache.put("file", key, file_result)
            else:
                cache.mark_clean(key)
    if cache is not None:
        cache.flush()
        cache.prune_if_due()
    stats.analyse_seconds = time.perf_counter() - started

    findings: list[Finding] = []
    for maybe_result in results:
        if maybe_result is not None:
            findings += maybe_result.findings
            notifications += maybe_result.notifications
    findings = assign_fingerprints(findings)
    notifications = _collapse_hidden_sources(notifications)
    last_run_stats = stats
    return RunResult(
        category="static",
        findings=tuple(sorted(findings, key=lambda f: f.sort_key())),
        notifications=tuple(sorted(set(notifications), key=lambda n: n.sort_key())),
        rules=tuple(rules),
        scanned=len(files),
    )
