"""Where a metadata finding and its related locations point: the rest of the line from the element's
start tag (XML elements of Salesforce metadata sit one per line)."""

from __future__ import annotations

from phi_lint.context import FileContext
from phi_lint.findings import Location, Span


def line_span(ctx: FileContext, line: int, column: int) -> Span:
    """From `column` to the end of `line`'s text (at least one character)."""
    text = ctx.lines[line - 1] if 0 < line <= len(ctx.lines) else ""
    return Span(line, column, line, max(len(text.rstrip()) + 1, column))


def related(ctx: FileContext, line: int, column: int, message: str) -> Location:
    """A related location in the same file, with its line as the snippet."""
    return Location(ctx.rel_path, line, column, snippet=ctx.snippet(line), message=message)
