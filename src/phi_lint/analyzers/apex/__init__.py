"""The Apex analyzer. `prepare()` computes project-wide facts once per run, before any file is checked:
the method summaries of the PHI data-flow engine (which methods pass a parameter to a sink, return a
parameter, or return PHI they read themselves), the names of the project's classes and its string
constants. The results live in `project.facts["apex"]`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from phi_lint import parsing
from phi_lint.analyzers.apex.dataflow import FileAnalysis, MethodSummary, Summaries, analyze
from phi_lint.context import FileContext
from phi_lint.project import file_kind

if TYPE_CHECKING:
    from phi_lint.project import Project

# Summaries converge in two or three rounds on real code (wrapper of a wrapper of System.debug); the
# cap only guards against pathological recursion.
MAX_ROUNDS = 8
# prepare() reads only Apex files: an edit to an LWC or metadata file does not re-run the summaries
# (the engine's facts cache keys on these kinds).
PREPARE_KINDS = ("apex",)


def prepare(project: Project, files: Sequence[Path]) -> None:
    contexts = list(_apex_contexts(project, files))
    summaries = Summaries()
    for ctx in contexts:
        _collect_names(ctx, summaries)
    pending = contexts
    for _ in range(MAX_ROUNDS):
        changed: set[str] = set()
        callees: dict[str, set[str]] = {}
        for ctx in pending:
            analysis = analyze(ctx, summaries)
            callees[ctx.rel_path] = analysis.callees
            changed |= _merge(summaries, analysis)
        if not changed:
            break
        pending = [ctx for ctx in contexts if callees.get(ctx.rel_path, set()) & changed]
        if not pending:
            break
    # A new dict (not an update in place): the engine's facts cache detects what prepare() produced by
    # identity.
    project.facts["apex"] = {**project.facts.get("apex", {}), "summaries": summaries}


def _apex_contexts(project: Project, files: Sequence[Path]) -> Iterable[FileContext]:
    """Every Apex file of the project (a wrapper may live in a file that is not being checked), each
    read once; unreadable files are skipped here (the engine reports them when it checks them)."""
    seen: set[str] = set()
    candidates = list(files) + list(project.iter_files(project.package_dirs))
    for path in candidates:
        if file_kind(path) != "apex":
            continue
        key = str(path.resolve())
        if key in seen:
            continue
        seen.add(key)
        try:
            raw = path.read_bytes()
        except OSError:
            continue
        text = raw.decode("utf-8-sig", errors="replace").replace("\r\n", "\n").replace("\r", "\n")
        yield FileContext(
            project=project,
            path=path,
            rel_path=project.relative(path),
            kind="apex",
            source=text.encode("utf-8"),
            text=text,
        )


def _collect_names(ctx: FileContext, summaries: Summaries) -> None:
    """Class names (so a static call on a project class is told from a variable) and string constants
    (`static final String ENDPOINT = 'callout:Labs'`, used by callout and crypto checks)."""
    src = ctx.source
    for node in parsing.walk(ctx.tree.root_node):
        if node.type not in ("class_declaration", "interface_declaration", "enum_declaration"):
            continue
        name = parsing.text(parsing.field(node, "name"), src)
        summaries.classes.add(name.lower())
        body = parsing.field(node, "body")
        if body is None:
            continue
        for member in body.named_children:
            if member.type != "field_declaration":
                continue
            modifiers = next((c for c in member.named_children if c.type == "modifiers"), None)
            if modifiers is None or "final" not in parsing.text(modifiers, src).lower().split():
                continue
            for decl in member.children_by_field_name("declarator"):
                value = parsing.field(decl, "value")
                if value is not None and value.type == "string_literal":
                    literal = parsing.text(value, src)[1:-1]
                    var = parsing.text(parsing.field(decl, "name"), src).lower()
                    summaries.constants[(name.lower(), var)] = literal


def _merge(summaries: Summaries, analysis: FileAnalysis) -> set[str]:
    """Fold one file's method summaries into the project's; the names of methods that changed."""
    changed: set[str] = set()
    for (cls, method, arity), summary in analysis.method_summaries.items():
        by_arity = summaries.methods.setdefault((cls, method), {})
        old = by_arity.get(arity)
        if summary.same_as(old):
            continue
        if old is not None:
            summary = _union(old, summary)
            if summary.same_as(old):
                continue
        by_arity[arity] = summary
        changed.add(method)
    return changed


def _union(a: MethodSummary, b: MethodSummary) -> MethodSummary:
    sinks = {k: set(v) for k, v in a.sinks.items()}
    for index, found in b.sinks.items():
        sinks.setdefault(index, set()).update(found)
    return MethodSummary(
        sinks,
        a.returns_params | b.returns_params,
        a.return_origins | b.return_origins,
        a.return_sobject or b.return_sobject,
    )
