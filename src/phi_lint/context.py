"""What a rule's logic sees of one file: its text, its parsed forms (built once, shared by all rules of
the file), the project (PHI model, config, project-wide facts) and the rule's options."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from phi_lint import parsing, xmlsafe
from phi_lint.findings import Location, Span
from phi_lint.phi import PhiModel

if TYPE_CHECKING:
    from phi_lint.project import Project
    from phi_lint.rules import RuleMeta

T = TypeVar("T")


@dataclass
class FileContext:
    project: Project
    path: Path
    rel_path: str
    kind: str  # apex | js | template | aura | xml
    source: bytes  # UTF-8 bytes of `text` (what tree-sitter parsed)
    text: str
    # Set by the engine before each rule runs.
    rule: RuleMeta | None = None
    options: dict[str, Any] = field(default_factory=dict)
    _memo: dict[str, Any] = field(default_factory=dict)
    _line_starts: list[int] = field(default_factory=list)

    # ---- shared, memoized views of the file ---------------------------------------------------
    def memo(self, key: str, factory: Callable[[], T]) -> T:
        """Compute a per-file fact once for all rules (e.g. the Apex data-flow facts)."""
        if key not in self._memo:
            self._memo[key] = factory()
        value: T = self._memo[key]
        return value

    def release(self) -> None:
        """Forget the parsed forms and every memoized view (a tree costs ~10x its source): they are
        rebuilt on next use. prepare() calls it once a file's facts are recorded."""
        self._memo.clear()
        self._line_starts = []

    @property
    def phi(self) -> PhiModel:
        return self.project.phi

    @property
    def tree(self) -> parsing.Tree:
        """tree-sitter tree for apex and js files."""
        return self.memo("tree", lambda: parsing.parse(self.kind, self.source))

    @property
    def xml(self) -> xmlsafe.Element:
        """Hardened XML root for metadata files; raises xmlsafe.XmlError (the engine reports it)."""
        return self.memo("xml", lambda: xmlsafe.parse_bytes(self.source))

    @property
    def lines(self) -> list[str]:
        # Split on \n only: str.splitlines() also breaks at \x0b, \x0c, \x1c-\x1e, \x85, \u2028 and
        # \u2029, which compilers and tree-sitter treat as ordinary characters, so every line number
        # after such a character (in a string literal, say) would be off.
        return self.memo("lines", lambda: self.text.removesuffix("\n").split("\n") if self.text else [])

    # ---- positions ----------------------------------------------------------------------------
    def _starts(self) -> list[int]:
        if not self._line_starts:
            starts = [0]
            find = self.source.find
            pos = find(b"\n")
            while pos != -1:
                starts.append(pos + 1)
                pos = find(b"\n", pos + 1)
            self._line_starts = starts
        return self._line_starts

    def char_column(self, row: int, byte_column: int) -> int:
        """1-based character column from tree-sitter's 0-based row and byte column."""
        starts = self._starts()
        if row >= len(starts):
            return byte_column + 1
        begin = starts[row]
        prefix = self.source[begin : begin + byte_column]
        if prefix.isascii():
            return byte_column + 1
        return len(prefix.decode("utf-8", errors="replace")) + 1

    def span_of(self, node: Any, end_node: Any = None) -> Span:
        last = end_node if end_node is not None else node
        (row, col), (erow, ecol) = node.start_point, last.end_point
        return Span(row + 1, self.char_column(row, col), erow + 1, self.char_column(erow, ecol))

    def span_at_offset(self, start: int, end: int) -> Span:
        """Span from byte offsets into `source`."""
        starts = self._starts()
        row = bisect_right(starts, start) - 1
        erow = bisect_right(starts, max(start, end - 1)) - 1
        return Span(
            row + 1,
            self.char_column(row, start - starts[row]),
            erow + 1,
            self.char_column(erow, end - starts[erow]),
        )

    def span_of_line(self, line: int, start_column: int = 1, end_column: int = 0) -> Span:
        text = self.lines[line - 1] if 0 < line <= len(self.lines) else ""
        return Span(line, start_column, line, end_column or len(text) + 1)

    def node_text(self, node: Any) -> str:
        return parsing.text(node, self.source)

    def snippet(self, line: int) -> str:
        if 0 < line <= len(self.lines):
            return self.lines[line - 1].strip()[:200]
        return ""

    def location(self, span: Span, message: str = "") -> Location:
        return Location(
            self.rel_path,
            span.start_line,
            span.start_column,
            span.end_line,
            span.end_column,
            self.snippet(span.start_line),
            message,
        )
