"""The static check, start to finish: project -> files -> per-file rules -> Findings -> RunResult.

Rule logic only reports Hits; this module builds every Finding from the rule's metadata, applies
suppressions and baselines, assigns fingerprints and keeps going when a file or a rule fails.
"""

from __future__ import annotations

import importlib
import traceback
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
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
    assign_fingerprints,
)
from phi_lint.project import Project, file_kind
from phi_lint.rules import Registry, RuleMeta
from phi_lint.suppression import apply_suppressions

MAX_FILE_BYTES = 4 * 1024 * 1024
UNUSED_SUPPRESSION = "core/unused-suppression"
# Analyzer package for each file kind; a package may define `prepare(project, files)` to compute
# project-wide facts (such as Apex method summaries) before any file is checked.
ANALYZER_PACKAGES = {"apex": "apex", "js": "lwc", "template": "lwc", "aura": "lwc", "xml": "meta"}


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
            return None, [Notification(NotificationKind.SKIPPED, "invalid UTF-16 text; file skipped", path=rel_path)]
        notes.append(Notification(NotificationKind.INFO, "UTF-16 file decoded; Salesforce expects UTF-8",
                                  Severity.NOTE, path=rel_path))
        return text.replace("\r\n", "\n").replace("\r", "\n"), notes
    if b"\x00" in raw[:8192]:
        return None, [Notification(NotificationKind.SKIPPED, "binary content in a source file; file skipped",
                                   path=rel_path)]
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        text = raw.decode("utf-8-sig", errors="replace")
        notes.append(Notification(NotificationKind.PARSE_ERROR,
                                  f"invalid UTF-8 at byte {exc.start}; undecodable bytes were replaced",
                                  path=rel_path))
    # Lines are counted on \n; a lone \r (old Mac) would otherwise merge lines.
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text, notes


def _syntax_notifications(ctx: FileContext) -> list[Notification]:
    """Parse errors are tool notifications, never findings; the rest of the file is still analysed."""
    if ctx.kind in parsing.GRAMMARS:
        problems = parsing.syntax_problems(ctx.tree, ctx.source, limit=3)
        return [
            Notification(NotificationKind.PARSE_ERROR,
                         f"syntax error ({'missing' if p.missing else 'unexpected'} `{p.snippet}`); "
                         "the rest of the file was analysed", path=ctx.rel_path, line=p.line, column=p.column)
            for p in problems
        ]
    return []


def build_finding(ctx: FileContext, rule: RuleMeta, hit: Hit) -> Finding:
    return Finding(
        rule_id=rule.id,
        message=rule.format_message(hit.args),
        severity=hit.severity or rule.severity,
        location=ctx.location(hit.span),
        matched_text=hit.matched_text,
        related=hit.related,
        properties=hit.properties,
    )


def analyze_file(project: Project, path: Path, rules: Sequence[RuleMeta],
                 checks: dict[str, Callable[..., Iterable[Hit]]]) -> FileResult:
    result = FileResult()
    rel = project.relative(path)
    kind = file_kind(path)
    if kind is None:
        return result
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            result.notifications.append(Notification(
                NotificationKind.SKIPPED, f"file is {size // 1024} KiB, over the {MAX_FILE_BYTES // 1048576} MiB "
                "limit for source files; skipped", path=rel))
            return result
        raw = path.read_bytes()
    except OSError as exc:
        result.notifications.append(Notification(NotificationKind.READ_ERROR,
                                                 f"cannot read file: {exc.strerror or exc}", Severity.ERROR, path=rel))
        return result
    text, notes = decode_source(raw, rel)
    result.notifications += notes
    if text is None:
        return result
    ctx = FileContext(project=project, path=path, rel_path=rel, kind=kind, source=text.encode("utf-8"), text=text)
    applicable = [r for r in rules if kind in r.languages and not project.config.ignored_for_path(r.id, rel)]
    if not applicable:
        return result
    if kind == "xml":
        try:
            ctx.xml  # noqa: B018 - parse once up front so a malformed file is one notification
        except xmlsafe.XmlError as exc:
            result.notifications.append(Notification(NotificationKind.PARSE_ERROR, str(exc), path=rel, line=exc.line))
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
            result.notifications.append(Notification(
                NotificationKind.RULE_ERROR, "input nested too deeply for this rule; rule skipped on this file",
                Severity.ERROR, path=rel, rule_id=rule.id))
        except Exception as exc:  # a rule bug must not lose the other rules' findings
            where = traceback.extract_tb(exc.__traceback__)[-1]
            result.notifications.append(Notification(
                NotificationKind.RULE_ERROR,
                f"rule crashed: {type(exc).__name__}: {exc} (at {Path(where.filename).name}:{where.lineno})",
                Severity.ERROR, path=rel, rule_id=rule.id))
    findings, unused = apply_suppressions(ctx, findings, ran)
    unused_rule = next((r for r in applicable if r.id == UNUSED_SUPPRESSION), None)
    if unused_rule is not None:
        for directive in unused:
            span = ctx.span_of_line(directive.line, directive.column)
            hit = Hit(span, directive.raw, {"rules": ", ".join(directive.rule_ids)})
            findings.append(build_finding(ctx, unused_rule, hit))
    result.findings = findings
    return result


def prepare_analyzers(project: Project, files: Sequence[Path], rules: Sequence[RuleMeta]) -> list[Notification]:
    """Run each analyzer package's project-wide `prepare` once (e.g. Apex method summaries)."""
    notes: list[Notification] = []
    kinds = {k for r in rules for k in r.languages}
    for package in sorted({ANALYZER_PACKAGES[k] for k in kinds if k in ANALYZER_PACKAGES}):
        try:
            module = importlib.import_module(f"phi_lint.analyzers.{package}")
        except ImportError:
            continue
        prepare = getattr(module, "prepare", None)
        if prepare is None:
            continue
        try:
            prepare(project, files)
        except Exception as exc:
            notes.append(Notification(NotificationKind.RULE_ERROR,
                                      f"{package} project analysis failed: {type(exc).__name__}: {exc}",
                                      Severity.ERROR))
    return notes


def enabled_rules(registry: Registry, config: Config) -> list[RuleMeta]:
    return [r for r in registry.static_rules() if config.is_enabled(r)]


def load_checks(rules: Sequence[RuleMeta]) -> dict[str, Callable[..., Iterable[Hit]]]:
    return {r.id: r.load_check() for r in rules if r.check != "engine"}


@dataclass
class CheckRequest:
    paths: Sequence[Path]
    project: Project
    registry: Registry
    jobs: int = 1
    # When set, findings are reported only for these files (the project is still read as a whole).
    only_files: set[Path] | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def run_check(request: CheckRequest) -> RunResult:
    project = request.project
    rules = enabled_rules(request.registry, project.config)
    checks = load_checks(rules)
    files = list(project.iter_files(request.paths))
    notifications: list[Notification] = list(project.notifications)
    notifications += prepare_analyzers(project, files, rules)
    findings: list[Finding] = []
    for path in files:
        file_result = analyze_file(project, path, rules, checks)
        findings += file_result.findings
        notifications += file_result.notifications
    findings = assign_fingerprints(findings)
    return RunResult(
        category="static",
        findings=tuple(sorted(findings, key=lambda f: f.sort_key())),
        notifications=tuple(sorted(set(notifications), key=lambda n: n.sort_key())),
        rules=tuple(rules),
        scanned=len(files),
    )

