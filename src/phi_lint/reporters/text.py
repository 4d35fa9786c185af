"""ruff-like terminal output: `path:line:col: rule-id message`, then a summary."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from phi_lint.findings import RunResult, Severity

_COLORS = {Severity.ERROR: "\x1b[31m", Severity.WARNING: "\x1b[33m", Severity.NOTE: "\x1b[36m"}
_BOLD, _DIM, _RESET = "\x1b[1m", "\x1b[2m", "\x1b[0m"
# Control characters from scanned code (an ESC sequence quoted in a message or a syntax-error snippet)
# must not reach the terminal or CI log: they could clear the screen, rewrite earlier lines or set the
# clipboard (OSC 52). Shown as U+FFFD; tabs stay.
_CONTROLS = {c: "\ufffd" for c in (*range(0x00, 0x09), *range(0x0A, 0x20), *range(0x7F, 0xA0))}


def _printable(text: str) -> str:
    return text.translate(_CONTROLS)


def render_text(results: Sequence[RunResult], *, color: bool = False, show_suppressed: bool = False) -> str:
    def paint(code: str, text: str) -> str:
        return f"{code}{text}{_RESET}" if color else text

    lines: list[str] = []
    shown = suppressed = 0
    by_rule: Counter[str] = Counter()
    for run in results:
        for f in run.findings:
            if f.is_suppressed and not show_suppressed:
                suppressed += 1
                continue
            loc = f.location
            where = paint(_BOLD, _printable(f"{loc.path}:{loc.start_line}:{loc.start_column}:"))
            tag = " [suppressed]" if f.is_suppressed else ""
            lines.append(f"{where} {paint(_COLORS[f.severity], f.rule_id)} {_printable(f.message)}{tag}")
            for ll in f.logical_locations:
                lines.append(paint(_DIM, _printable(f"    {ll.kind}: {ll.fully_qualified_name or ll.name}")))
            for rel in f.related:
                lines.append(
                    paint(_DIM, _printable(f"    {rel.message or 'related'}: {rel.path}:{rel.start_line}"))
                )
            if f.is_suppressed:
                suppressed += 1
            else:
                shown += 1
                by_rule[f.rule_id] += 1
        for n in run.notifications:
            where = f"{n.path}:{n.line}: " if n.path and n.line else f"{n.path}: " if n.path else ""
            rule = f"[{n.rule_id}] " if n.rule_id else ""
            text = _printable(f"{n.level.value}: {where}{rule}{n.message} ({n.kind.value})")
            lines.append(paint(_DIM, text))
    scanned = sum(r.scanned for r in results)
    unit = "page" if results and all(r.category == "sweep" for r in results) else "file"
    summary = (
        f"Found {shown} finding{'s' if shown != 1 else ''} in {scanned} {unit}{'s' if scanned != 1 else ''}"
    )
    if suppressed and not show_suppressed:
        summary += f" ({suppressed} suppressed, not shown)"
    summary += "."
    if by_rule:
        summary += " " + ", ".join(f"{rule_id}: {count}" for rule_id, count in sorted(by_rule.items()))
    if any(r.incomplete for r in results):
        summary += "\nThe run was incomplete: some files or rules could not be checked (see above)."
    if lines:
        lines.append("")
    lines.append(summary)
    return "\n".join(lines) + "\n"
