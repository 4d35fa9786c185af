"""Where the method bodies of an Apex class are, for a parse that reads its declarations only.

prepare() reads every class's declarations (`_collect_names`) before it analyses any file; on a large
project that tree is released and the class is parsed again for the analysis, so the first parse
spent most of its time on method bodies it never looks at. `body_interiors` finds the inside of each
method and constructor body, and tree-sitter parses the class without them (`parsing.parse_outside`):
every declaration keeps its byte offsets, and a body comes out as an empty block.

It is a lexical scan, not a parser: it only finds where bodies start and end, and tree-sitter stays
the reader of every declaration. Single-quoted strings (with backslash escapes) and `//` and `/* */`
comments are skipped as wholes, so a brace or quote inside them counts for nothing. Directly inside a
type body, a `{` that follows `)` opens a method or constructor body (a class header never ends with
`)`); any other `{` there is either a nested type (its declaration names `class`, `interface` or
`enum`), whose members are scanned the same way, or another block (a property's accessors, an
initializer block, a field's collection initializer), skipped whole and left in the parse. Whenever
the scan is not sure (an unterminated string or comment, unbalanced braces) it returns None and the
caller parses the whole text.
"""

from __future__ import annotations

import re

# A run of code up to the next brace: strings and comments are consumed whole (a `/` that starts
# neither is division). It stops before `{`, `}`, or a quote or `/*` that does not start a whole
# string or comment. Every part can match in one way only (a string ends at its first unescaped
# quote, a block comment at its first `*/`, a line comment at the end of its line, and a run of other
# characters at a special one), so when a match fails the engine's backtracking can neither find a
# different, wrong match (a `}` inside a comment) nor take more than linear time.
_STRING = rb"'[^'\\\n]*(?:\\.[^'\\\n]*)*'"
_COMMENT = rb"//[^\n]*(?![^\n])|/\*[^*]*\*+(?:[^/*][^*]*\*+)*/"
_CODE = rb"[^{}'/]*(?:(?:" + _STRING + rb"|" + _COMMENT + rb"|/(?![/*]))[^{}'/]*)*"
_RUN = re.compile(_CODE)
# A block with no block inside it (most `if` and loop bodies, many method bodies), skipped in one match.
_FLAT_BLOCK = re.compile(rb"\{" + _CODE + rb"\}")
# A keyword that opens a type body (`Foo.class` is a class literal, not a declaration).
_TYPE_KEYWORD = re.compile(rb"(?<![\w.$])(?:class|interface|enum)(?![\w$])")
_WHITESPACE = frozenset(b" \t\n\r\f\v")
_OPEN, _CLOSE, _PAREN = 0x7B, 0x7D, 0x29


def body_interiors(source: bytes) -> list[tuple[int, int]] | None:
    """The (start, end) byte offsets of the inside of every method and constructor body (between its
    braces), in order; None when the scan is not sure where they are."""
    interiors: list[tuple[int, int]] = []
    run = _RUN.match
    size = len(source)
    depth = 0  # type bodies open around `pos`
    segment = 0  # where the declaration before the next brace starts (after the last brace)
    pos = 0
    while True:
        found = run(source, pos)
        assert found is not None  # the pattern matches the empty string
        pos = found.end()
        if pos >= size:
            break
        char = source[pos]
        if char == _CLOSE:
            if not depth:
                return None
            depth -= 1
        elif char != _OPEN:
            return None  # a quote or `/*` that is not closed
        elif depth and _follows_parenthesis(source, pos):
            end = _block_end(source, pos + 1)
            if end is None:
                return None
            if end > pos + 1:
                interiors.append((pos + 1, end))
            pos = end
        elif _TYPE_KEYWORD.search(source, segment, pos) is not None:
            depth += 1
        else:
            end = _block_end(source, pos + 1)
            if end is None:
                return None
            pos = end
        pos += 1
        segment = pos
    return None if depth else interiors


def _block_end(source: bytes, start: int) -> int | None:
    """The offset of the `}` closing the block whose `{` is just before `start`; None when it is not
    closed, or holds an unterminated string or comment."""
    run = _RUN.match
    flat = _FLAT_BLOCK.match
    size = len(source)
    depth = 1
    pos = start
    while True:
        found = run(source, pos)
        assert found is not None
        pos = found.end()
        if pos >= size:
            return None
        char = source[pos]
        if char == _OPEN:
            block = flat(source, pos)
            if block is not None:
                pos = block.end()
                continue
            depth += 1
        elif char == _CLOSE:
            depth -= 1
            if not depth:
                return pos
        else:
            return None
        pos += 1


def _follows_parenthesis(source: bytes, brace: int) -> bool:
    """Whether the last character before `brace` that is not whitespace is `)`."""
    at = brace - 1
    while at >= 0 and source[at] in _WHITESPACE:
        at -= 1
    return at >= 0 and source[at] == _PAREN
