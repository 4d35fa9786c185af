"""The only module that touches py-tree-sitter and the grammar pack.

py-tree-sitter changed its API in 0.22, 0.23 and 0.25 (Query/QueryCursor, Language construction), so
every call goes through here. Grammars come from `tree-sitter-language-pack` 0.13.x, which bundles Apex
and works offline; see grammars/README.md for the pinned versions and node-type snapshots.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from tree_sitter import Language, Node, Parser, Point, Query, QueryCursor, Range, Tree

# phi-lint's file kinds that are parsed with tree-sitter, and the grammar used for each.
GRAMMARS = {"apex": "apex", "js": "javascript"}

# Node and Tree are re-exported so analyzers can type-hint without importing tree_sitter themselves.
__all__ = [
    "GRAMMARS",
    "Node",
    "SyntaxProblem",
    "Tree",
    "captures",
    "parse",
    "parse_outside",
    "syntax_problems",
    "text",
    "walk",
]


@cache
def language(kind: str) -> Language:
    from tree_sitter_language_pack import get_language

    return get_language(GRAMMARS.get(kind, kind))  # type: ignore[arg-type]


@cache
def _parser(kind: str) -> Parser:
    return Parser(language(kind))


# The bundled Apex grammar takes `trigger` for the start of a trigger declaration wherever a statement
# starts, so valid Apex such as `Trigger.new[0].addError(msg);` or `Trigger.oldMap.get(id).addError(msg);`
# became an ERROR (a syntax-error notification, and the statement was not analysed). `Trigger` followed by
# a dot is always the context variable, never a declaration: it is parsed as another identifier of the
# same length, so every node keeps its offsets, and node text (read from the original bytes) is unchanged.
_TRIGGER_CONTEXT = re.compile(rb"(?<![\w.])[Tt][Rr][Ii][Gg][Gg][Ee][Rr](?=\s*\.)")
# The same for the grammar's one lower-case type keyword: Apex names are case-insensitive, and
# `boolean.valueOf(x)` is the class `Boolean`, but the grammar's Java-like `boolean` keyword made it an
# ERROR (`integer.valueOf`, `string.isBlank` parse). Replaced by `Boolean`, the same length.
_BOOLEAN_CLASS = re.compile(rb"(?<![\w.])boolean(?=\s*\.)")


def _parse_text(kind: str, source: bytes) -> bytes:
    if kind != "apex":
        return source
    if _TRIGGER_CONTEXT.search(source):
        source = _TRIGGER_CONTEXT.sub(b"Tr1gger", source)
    if b"boolean" in source:
        source = _BOOLEAN_CLASS.sub(b"Boolean", source)
    return source


def parse(kind: str, source: bytes) -> Tree:
    return _parser(kind).parse(_parse_text(kind, source))


@cache
def _ranged_parser(kind: str) -> Parser:
    # Apart from `_parser`, whose included ranges stay the whole text.
    return Parser(language(kind))


def parse_outside(kind: str, source: bytes, holes: Sequence[tuple[int, int]]) -> Tree:
    """`source` parsed as if the bytes of each (start, end) hole were not there (tree-sitter's included
    ranges: it does not even read them), nodes keeping their offsets and points in `source`. Holes are
    ordered, apart and inside the text; a token must not straddle one."""
    if not holes:
        return parse(kind, source)
    ranges: list[Range] = []
    row = 0
    counted = 0  # rows counted up to here
    start = 0
    start_point = Point(0, 0)
    for hole_start, hole_end in [*holes, (len(source), len(source))]:
        row += source.count(b"\n", counted, hole_start)
        end_point = Point(row, hole_start - source.rfind(b"\n", 0, hole_start) - 1)
        ranges.append(Range(start_point, end_point, start, hole_start))
        row += source.count(b"\n", hole_start, hole_end)
        counted = start = hole_end
        start_point = Point(row, hole_end - source.rfind(b"\n", 0, hole_end) - 1)
    parser = _ranged_parser(kind)
    parser.included_ranges = ranges
    return parser.parse(_parse_text(kind, source))


@cache
def query(kind: str, pattern: str) -> Query:
    compiled: Query = Query(language(kind), pattern)
    return compiled


def captures(kind: str, pattern: str, node: Node) -> dict[str, list[Node]]:
    """Run a (cached) query and return its captures by name, each list in document order (by start;
    an enclosing node, which starts at the same byte as its first child, before it)."""
    found: dict[str, list[Node]] = QueryCursor(query(kind, pattern)).captures(node)
    return {name: sorted(nodes, key=lambda n: (n.start_byte, -n.end_byte)) for name, nodes in found.items()}


def matches(kind: str, pattern: str, node: Node) -> list[tuple[int, dict[str, list[Node]]]]:
    result: list[tuple[int, dict[str, list[Node]]]] = QueryCursor(query(kind, pattern)).matches(node)
    return result


def walk(node: Node) -> Iterator[Node]:
    """Pre-order traversal with a TreeCursor: iterative (no recursion limit) and 3-4x faster than
    recursing through `.children`."""
    cursor = node.walk()
    visited_children = False
    while True:
        if not visited_children:
            yield cursor.node  # type: ignore[misc]
            if cursor.goto_first_child():
                continue
        if cursor.goto_next_sibling():
            visited_children = False
            continue
        if not cursor.goto_parent() or cursor.node == node:
            return
        visited_children = True


def text(node: Node | None, source: bytes) -> str:
    if node is None:
        return ""
    return source[node.start_byte : node.end_byte].decode("utf-8", "replace")


@dataclass(frozen=True, slots=True)
class SyntaxProblem:
    line: int  # 1-based
    column: int  # 1-based, in bytes of the line
    missing: bool
    snippet: str


def syntax_problems(tree: Tree, source: bytes, limit: int = 5) -> list[SyntaxProblem]:
    """The first ERROR/MISSING nodes of a tree; empty when the file parsed cleanly."""
    root = tree.root_node
    if not root.has_error:
        return []
    problems: list[SyntaxProblem] = []
    for node in walk(root):
        if (node.is_error or node.is_missing) and not is_known_grammar_gap(node, source):
            row, col = node.start_point
            problems.append(SyntaxProblem(row + 1, col + 1, node.is_missing, text(node, source)[:60]))
            if len(problems) >= limit:
                break
    return problems


_SOSL_MODE = re.compile(rb"^WITH\s+(?:USER_MODE|SYSTEM_MODE|SECURITY_ENFORCED)$", re.IGNORECASE)


def is_known_grammar_gap(node: Node, source: bytes) -> bool:
    """Valid Apex the bundled grammar cannot parse: SOSL `WITH USER_MODE|SYSTEM_MODE|SECURITY_ENFORCED`
    (an ERROR node inside a `[FIND ...]` query). Not a syntax error to report; apex/soql reads the raw
    text of the query instead."""
    parent = node.parent
    if not node.is_error or parent is None:
        return False
    if parent.type == "query_expression":
        body = parent.named_children[0] if parent.named_children else None
        if body is None or body.type != "sosl_query_body":
            return False
    elif parent.type != "sosl_query_body":
        return False
    return bool(_SOSL_MODE.match(b" ".join(source[node.start_byte : node.end_byte].split())))


# `field(node, name)`: the child in a grammar field, or None. The C method itself rather than a Python
# wrapper around it: the Apex flow analysis asks about a million times per thousand classes, and the
# wrapper's frame cost about as much as the lookup.
field: Callable[[Node, str], Node | None] = Node.child_by_field_name


def node_key(node: Any) -> tuple[int, int]:
    """Identity of a node inside one tree (Node objects are recreated on each access)."""
    return (node.start_byte, node.end_byte)
