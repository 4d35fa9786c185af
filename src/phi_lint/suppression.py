"""Inline suppressions: `// phi-lint: ignore[rule/id, other/id] reason` (or `<!-- ... -->` in markup).

A directive at the end of a code line covers findings on that line; a directive alone on its line covers
the next code line. There is no id-less blanket form: each directive names the rules it silences, and a
directive that silences nothing is itself reported (`core/unused-suppression`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace

from phi_lint.context import FileContext
from phi_lint.findings import Finding, Hit, Location, Span, Suppression, SuppressionKind
from phi_lint.redact import redact_snippet

DIRECTIVE = re.compile(r"phi-lint\s*:\s*(?P<verb>[A-Za-z-]+)(?:\[(?P<ids>[^\]]*)\])?(?P<reason>.*)")
_COMMENT_OPENERS = re.compile(r"^\s*(?://+|/\*+|\*+|<!--)\s*$")
_COMMENT_CLOSERS = re.compile(r"\s*(?:\*/|-->)\s*$")
_COMMENT_ONLY_LINE = re.compile(r"^\s*(?://|/\*|\*|<!--)")
RULE_ID = re.compile(r"^[a-z0-9-]+/[a-z0-9-]+$")


@dataclass(frozen=True)
class Directive:
    line: int  # where the comment is
    column: int
    target_line: int  # the code line it covers
    rule_ids: tuple[str, ...]
    reason: str
    verb: str
    raw: str


def parse_directives(lines: list[str]) -> list[Directive]:
    directives: list[Directive] = []
    pending: list[tuple[int, int, re.Match[str]]] = []
    for number, line in enumerate(lines, start=1):
        match = DIRECTIVE.search(line) if "phi-lint" in line else None
        if match is not None and not _in_comment(line[: match.start()]):
            match = None  # `'phi-lint: ignore[...]'` in a string literal is code, not a directive
        before = line[: match.start()] if match else line
        standalone = match is not None and (_COMMENT_OPENERS.match(before) is not None or not before.strip())
        is_code = (
            bool(line.strip()) and not standalone and not (match is None and _COMMENT_ONLY_LINE.match(line))
        )
        if pending and is_code:
            directives += [_make(n, c, m, number) for n, c, m in pending]
            pending = []
        if match is None:
            continue
        if standalone:
            pending.append((number, match.start() + 1, match))
        else:
            directives.append(_make(number, match.start() + 1, match, number))
    # Directives at the end of the file cover nothing; keep them so they are reported as unused.
    directives += [_make(n, c, m, n) for n, c, m in pending]
    return directives


_OPENER_ANYWHERE = re.compile(r"//|/\*|<!--")


def _in_comment(before: str) -> bool:
    """Is text that follows `before` on its line inside a comment? A comment opener earlier on the line,
    or a line that continues a block comment (`* ...`) or starts with the directive."""
    stripped = before.strip()
    return not stripped or stripped.startswith("*") or _OPENER_ANYWHERE.search(before) is not None


def _make(line: int, column: int, match: re.Match[str], target: int) -> Directive:
    ids = tuple(i.strip() for i in (match.group("ids") or "").split(",") if i.strip())
    reason = _COMMENT_CLOSERS.sub("", match.group("reason") or "").strip(" \t:-")
    return Directive(line, column, target, ids, reason, match.group("verb"), match.group(0))


def directive_problems(ctx: FileContext) -> Iterator[Hit]:
    """`core/invalid-suppression`: malformed directives, unknown rule ids, missing reasons."""
    from phi_lint.rules import default_registry

    registry = default_registry()
    for directive in file_directives(ctx):
        span = Span(directive.line, directive.column, directive.line, directive.column + len(directive.raw))
        if directive.verb != "ignore":
            problem = f"unknown directive `{directive.verb}` (only `ignore[rule-id] reason` exists)"
        elif not directive.rule_ids:
            problem = "names no rule; blanket suppressions are not allowed, write ignore[rule/id] reason"
        elif bad := [i for i in directive.rule_ids if not RULE_ID.match(i) or i not in registry]:
            problem = f"unknown rule id {', '.join(bad)}"
        elif not directive.reason:
            problem = "gives no reason; say why the finding is acceptable"
        else:
            continue
        yield Hit(span, directive.raw, {"problem": problem})


def file_directives(ctx: FileContext) -> list[Directive]:
    def parse() -> list[Directive]:
        # Every directive holds `phi-lint`: most files have none, and need no line-by-line pass.
        return parse_directives(ctx.lines) if "phi-lint" in ctx.text else []

    return ctx.memo("suppression-directives", parse)


def file_secrets(ctx: FileContext) -> set[str]:
    """Exact secret texts rules found in this file (recorded by engine.build_finding)."""
    secrets: set[str] = ctx.memo("redacted-secrets", set)
    return secrets


def apply_suppressions(
    ctx: FileContext, findings: Iterable[Finding], active_rule_ids: set[str]
) -> tuple[list[Finding], list[Directive]]:
    """Mark findings covered by a directive; return them and the directives that covered nothing.

    Only directives naming rules that actually ran on this file can be unused (a rule turned off in the
    configuration does not make its suppressions stale)."""
    directives = [d for d in file_directives(ctx) if d.verb == "ignore" and d.rule_ids]
    used: set[tuple[int, str]] = set()
    result: list[Finding] = []
    for finding in findings:
        loc = finding.location
        for directive in directives:
            if finding.rule_id in directive.rule_ids and loc.start_line <= directive.target_line <= max(
                loc.end_line, loc.start_line
            ):
                used.add((directive.line, finding.rule_id))
                # The comment may sit on the line that holds the secret it excuses: both the snippet
                # and the justification are masked like finding snippets.
                where = Location(
                    ctx.rel_path,
                    directive.line,
                    directive.column,
                    snippet=redact_snippet(ctx.snippet(directive.line), file_secrets(ctx)),
                )
                reason = redact_snippet(directive.reason, file_secrets(ctx)) or "no reason given"
                finding = replace(finding, suppression=Suppression(SuppressionKind.IN_SOURCE, reason, where))
                break
        result.append(finding)
    unused: list[Directive] = []
    for directive in directives:
        stale = tuple(
            rule_id
            for rule_id in directive.rule_ids
            if rule_id in active_rule_ids and (directive.line, rule_id) not in used
        )
        if stale:
            unused.append(replace(directive, rule_ids=stale))
    return result, unused
