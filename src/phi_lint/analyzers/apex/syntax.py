"""Shared, memoized views of one Apex file: a node index from one walk, scopes and string values.

Every structure rule asks these questions; each answer is computed once per file (through
`ctx.memo`) so that the rules of a file share one walk of the tree.

- `index(ctx)`: nodes of the types the rules look at, in document order, from ONE walk.
- `enclosing(node, types)`: the nearest ancestor of one of `types`.
- `lookup(ctx, identifier)`: the declaration (local, parameter, loop variable, field) an identifier
  refers to; Apex names are case-insensitive.
- `string_value(ctx, expr)`: the text of a String expression as far as it is known inside the file:
  literals, concatenations, local variables built up with `=`/`+=` earlier in the method,
  `static final` constants and `String.format`/`String.join`; unknown parts are kept as holes
  (the expression nodes), which is what the injection and callout rules inspect.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from phi_lint import parsing

if TYPE_CHECKING:
    from phi_lint.context import FileContext

Node = parsing.Node

# Node types collected by the one shared walk.
INDEXED_TYPES = frozenset(
    {
        "class_declaration",
        "interface_declaration",
        "enum_declaration",
        "trigger_declaration",
        "method_declaration",
        "constructor_declaration",
        "field_declaration",
        "query_expression",
        "method_invocation",
        "dml_expression",
        "string_literal",
        "assignment_expression",
        # Declarations, so that scopes come from the same walk (see scope_of).
        "local_variable_declaration",
        "formal_parameter",
        "enhanced_for_statement",
        "binary_expression",
    }
)
_INDEX_QUERY = " ".join(f"({t}) @{t}" for t in sorted(INDEXED_TYPES))
# Nodes that open a scope for local variables.
CALLABLE_TYPES = (
    "method_declaration",
    "constructor_declaration",
    "static_initializer",
    "trigger_declaration",
)
TYPE_DECLARATIONS = ("class_declaration", "interface_declaration", "enum_declaration", "trigger_declaration")

# A top-level class named as a test-data helper (`TestDataFactory`, `PatientTestFactory`,
# `Intake_TestUtils`) holds test code even when its `@IsTest` was left off (Salesforce's test data
# factory pattern): it builds synthetic records for tests. The word `Test` starts a word of the name.
# Read by the structure rules (`classes.file_classes`) and the PHI data flow (`dataflow.is_test_code`).
TEST_HELPER_NAME = re.compile(
    r"^(?:\w*(?:_|(?<=[a-z0-9])))?Test(?:Data)?(?:Factory|Utils?|Utility|Utilities|Helper|Builder)$"
)

# Types whose values cannot carry quote characters or SOQL syntax into a query text.
SAFE_SCALAR_TYPES = frozenset(
    {
        "id",
        "integer",
        "decimal",
        "boolean",
        "date",
        "datetime",
        "long",
        "double",
        "time",
        "schema.sobjecttype",
        "sobjecttype",
        "schema.sobjectfield",
        "sobjectfield",
    }
)


def index(ctx: FileContext) -> dict[str, list[Node]]:
    """Nodes of INDEXED_TYPES by type, in document order, from one walk of the file (memoized)."""

    def build() -> dict[str, list[Node]]:
        # One query with a capture per type: tree-sitter walks the tree in C and only the wanted
        # nodes become Python objects (a Python walk over every node cost twice as much).
        captured = parsing.captures("apex", _INDEX_QUERY, ctx.tree.root_node)
        return {t: captured.get(t, []) for t in INDEXED_TYPES}

    return ctx.memo("apex.syntax.index", build)


def nodes(ctx: FileContext, node_type: str) -> list[Node]:
    return index(ctx).get(node_type, [])


def calls_by_name(ctx: FileContext) -> dict[str, list[Node]]:
    """Method invocations by lower-case method name (`setendpoint`, `query`...), document order."""

    def build() -> dict[str, list[Node]]:
        table: dict[str, list[Node]] = {}
        source = ctx.source
        for call in nodes(ctx, "method_invocation"):
            name = parsing.field(call, "name")
            if name is not None:
                key = source[name.start_byte : name.end_byte].decode("utf-8", errors="replace").lower()
                table.setdefault(key, []).append(call)
        return table

    return ctx.memo("apex.syntax.calls", build)


def calls_named(ctx: FileContext, *names: str) -> list[Node]:
    table = calls_by_name(ctx)
    found = [call for name in names for call in table.get(name, [])]
    if len(names) > 1:
        found.sort(key=lambda n: n.start_byte)
    return found


def enclosing(node: Node, types: Iterable[str]) -> Node | None:
    wanted = tuple(types)
    parent = node.parent
    while parent is not None:
        if parent.type in wanted:
            return parent
        parent = parent.parent
    return None


def inside(node: Node, container: Node) -> bool:
    return container.start_byte <= node.start_byte and node.end_byte <= container.end_byte


def child_of_type(node: Node, *types: str) -> Node | None:
    for child in node.named_children:
        if child.type in types:
            return child
    return None


def strip_generics(type_text: str) -> str:
    return "".join(type_text.split())


def call_parts(ctx: FileContext, call: Node) -> tuple[str, str, list[Node]]:
    """(`receiver text`, `method name`, argument nodes) of a method_invocation; receiver may be ''."""
    obj = parsing.field(call, "object")
    name = parsing.field(call, "name")
    args_node = parsing.field(call, "arguments")
    args = (
        [a for a in args_node.named_children if a.type not in ("comment", "line_comment", "block_comment")]
        if args_node is not None
        else []
    )
    return (
        ctx.node_text(obj) if obj is not None else "",
        ctx.node_text(name) if name is not None else "",
        args,
    )


def qualified_call(ctx: FileContext, call: Node) -> str:
    """`Database.query`, `req.setEndpoint`, `String.escapeSingleQuotes`: receiver + '.' + name."""
    receiver, name, _ = call_parts(ctx, call)
    return f"{receiver}.{name}" if receiver else name


def has_annotation(ctx: FileContext, declaration: Node, name: str) -> bool:
    modifiers = child_of_type(declaration, "modifiers")
    if modifiers is None:
        return False
    for child in modifiers.named_children:
        if child.type == "annotation":
            ann = parsing.field(child, "name")
            if ann is not None and ctx.node_text(ann).lower() == name.lower():
                return True
    return False


def modifier_words(ctx: FileContext, declaration: Node) -> set[str]:
    """Lower-case keyword modifiers (`public`, `static`, `final`, `with_sharing`, `testmethod` ...)."""
    modifiers = child_of_type(declaration, "modifiers")
    if modifiers is None:
        return set()
    return {
        child.named_children[0].type.lower() if child.named_children else ctx.node_text(child).lower()
        for child in modifiers.named_children
        if child.type == "modifier"
    }


# ---- declarations and scopes ------------------------------------------------------------------------


@dataclass(frozen=True)
class Declaration:
    name: str
    type_text: str  # as written, whitespace removed: `List<Patient__c>`
    kind: str  # "local" | "parameter" | "loop" | "catch" | "field"
    node: Node  # the declarator / formal_parameter
    value: Node | None = None  # initializer (or loop iterable)
    is_final: bool = False
    is_static: bool = False

    @property
    def base_type(self) -> str:
        return self.type_text.lower()


@dataclass
class Scope:
    """Declarations and assignments inside one callable (method, constructor, initializer, trigger)."""

    declarations: dict[str, list[Declaration]] = field(default_factory=dict)
    # name (lower) -> assignment_expression nodes whose left side is that plain name, document order.
    assignments: dict[str, list[Node]] = field(default_factory=dict)


def _declare(table: dict[str, list[Declaration]], decl: Declaration) -> None:
    table.setdefault(decl.name.lower(), []).append(decl)


def _local_declarations(ctx: FileContext, node: Node, scope: Scope) -> None:
    t = node.type
    if t == "local_variable_declaration":
        type_node = parsing.field(node, "type")
        type_text = strip_generics(ctx.node_text(type_node))
        final = "final" in modifier_words(ctx, node)
        for declarator in node.named_children:
            if declarator.type == "variable_declarator":
                name = parsing.field(declarator, "name")
                if name is not None:
                    _declare(
                        scope.declarations,
                        Declaration(
                            ctx.node_text(name),
                            type_text,
                            "local",
                            declarator,
                            parsing.field(declarator, "value"),
                            final,
                        ),
                    )
    elif t == "formal_parameter":
        name, type_node = parsing.field(node, "name"), parsing.field(node, "type")
        if name is not None:
            kind = "catch" if node.parent is not None and node.parent.type == "catch_clause" else "parameter"
            _declare(
                scope.declarations,
                Declaration(ctx.node_text(name), strip_generics(ctx.node_text(type_node)), kind, node),
            )
    elif t == "enhanced_for_statement":
        name, type_node = parsing.field(node, "name"), parsing.field(node, "type")
        if name is not None:
            _declare(
                scope.declarations,
                Declaration(
                    ctx.node_text(name),
                    strip_generics(ctx.node_text(type_node)),
                    "loop",
                    node,
                    parsing.field(node, "value"),
                ),
            )
    elif t == "assignment_expression":
        left = parsing.field(node, "left")
        if left is not None and left.type == "identifier":
            scope.assignments.setdefault(ctx.node_text(left).lower(), []).append(node)


def scope_of(ctx: FileContext, callable_node: Node) -> Scope:
    """Declarations of one method/constructor/initializer/trigger, memoized per file. Built from the
    file's shared node index (no second walk): the declaration nodes inside the callable's range."""
    cache: dict[tuple[int, int], Scope] = ctx.memo("apex.syntax.scopes", dict)
    key = parsing.node_key(callable_node)
    scope = cache.get(key)
    if scope is None:
        scope = Scope()
        for node_type in _SCOPE_TYPES:
            for node in in_range(ctx, node_type, callable_node.start_byte, callable_node.end_byte):
                _local_declarations(ctx, node, scope)
        cache[key] = scope
    return scope


_SCOPE_TYPES = (
    "local_variable_declaration",
    "formal_parameter",
    "enhanced_for_statement",
    "assignment_expression",
)


def in_range(ctx: FileContext, node_type: str, start: int, end: int) -> list[Node]:
    """Indexed nodes of a type whose start lies in [start, end), by binary search (document order)."""
    found = nodes(ctx, node_type)
    starts: list[int] = ctx.memo(f"apex.syntax.starts.{node_type}", lambda: [n.start_byte for n in found])
    return found[bisect_left(starts, start) : bisect_left(starts, end)]


def class_fields(ctx: FileContext, class_node: Node) -> dict[str, Declaration]:
    """Fields (and properties) declared directly in a class body, by lower-case name."""
    cache: dict[tuple[int, int], dict[str, Declaration]] = ctx.memo("apex.syntax.fields", dict)
    key = parsing.node_key(class_node)
    if key in cache:
        return cache[key]
    table: dict[str, Declaration] = {}
    body = parsing.field(class_node, "body")
    for member in body.named_children if body is not None else []:
        if member.type not in ("field_declaration", "property_declaration"):
            continue
        words = modifier_words(ctx, member)
        type_text = strip_generics(ctx.node_text(parsing.field(member, "type")))
        for declarator in member.named_children:
            if declarator.type == "variable_declarator":
                name = parsing.field(declarator, "name")
                if name is not None:
                    table[ctx.node_text(name).lower()] = Declaration(
                        ctx.node_text(name),
                        type_text,
                        "field",
                        declarator,
                        parsing.field(declarator, "value"),
                        "final" in words,
                        "static" in words,
                    )
            elif member.type == "property_declaration" and declarator.type == "identifier":
                table[ctx.node_text(declarator).lower()] = Declaration(
                    ctx.node_text(declarator), type_text, "field", member, None, False, "static" in words
                )
    cache[key] = table
    return table


def lookup(ctx: FileContext, ident: Node, name: str | None = None) -> Declaration | None:
    """The declaration a plain identifier refers to at its position: local/parameter first, then fields
    of the enclosing classes (inner to outer)."""
    wanted = (name or ctx.node_text(ident)).lower()
    callable_node = enclosing(ident, CALLABLE_TYPES)
    if callable_node is not None:
        candidates = scope_of(ctx, callable_node).declarations.get(wanted, [])
        best: Declaration | None = None
        decl: Declaration
        for decl in candidates:
            if decl.kind in ("parameter",):
                best = best or decl
            elif decl.node.start_byte <= ident.start_byte:
                # Loop and catch variables are only visible inside their statement.
                if decl.kind in ("loop", "catch"):
                    owner = decl.node if decl.kind == "loop" else decl.node.parent
                    if owner is not None and not inside(ident, owner):
                        continue
                best = decl
        if best is not None:
            return best
    owner_class = enclosing(ident, ("class_declaration",))
    while owner_class is not None:
        member = class_fields(ctx, owner_class).get(wanted)
        if member is not None:
            return member
        owner_class = enclosing(owner_class, ("class_declaration",))
    return None


def expression_type(ctx: FileContext, expr: Node, keep_case: bool = False) -> str | None:
    """Declared type (lower case unless `keep_case`, generics kept) of a simple expression, when the
    file tells it."""

    def fold(text: str) -> str:
        return text if keep_case else text.lower()

    if expr.type == "identifier":
        decl = lookup(ctx, expr)
        return fold(decl.type_text) if decl is not None else None
    if expr.type == "object_creation_expression":
        type_node = parsing.field(expr, "type")
        return fold(strip_generics(ctx.node_text(type_node))) if type_node is not None else None
    if expr.type == "array_creation_expression":
        type_node = parsing.field(expr, "type")
        return fold(strip_generics(ctx.node_text(type_node))) if type_node is not None else None
    if expr.type == "cast_expression":
        type_node = parsing.field(expr, "type")
        return fold(strip_generics(ctx.node_text(type_node))) if type_node is not None else None
    if expr.type == "field_access":
        obj, fld = parsing.field(expr, "object"), parsing.field(expr, "field")
        if obj is not None and obj.type == "this" and fld is not None:
            owner_class = enclosing(expr, ("class_declaration",))
            decl = class_fields(ctx, owner_class).get(ctx.node_text(fld).lower()) if owner_class else None
            return fold(decl.type_text) if decl is not None else None
    if expr.type == "parenthesized_expression" and expr.named_children:
        return expression_type(ctx, expr.named_children[0], keep_case)
    return None


def element_type(type_text: str) -> str:
    """`list<patient__c>`, `map<id,patient__c>` and `patient__c[]` -> `patient__c` (case kept)."""
    t = type_text.replace(" ", "")
    if t.endswith("[]"):
        return t[:-2]
    if "<" in t and t.endswith(">"):
        inner = t[t.index("<") + 1 : -1]
        return inner.split(",")[-1] if "," in inner else inner
    return t


# ---- string values --------------------------------------------------------------------------------


@dataclass
class StringValue:
    """Text of a String expression: literal segments (with source offsets) and holes (unknown parts).

    `chars[i]` is the text, `offsets[i]` the source byte offset of each character (a hole is one
    character, HOLE, at the hole expression's start). `holes` are the expressions whose value is not
    known in this file; `complete` is False when any part is unknown.
    """

    chars: list[str] = field(default_factory=list)
    offsets: list[int] = field(default_factory=list)
    holes: list[Node] = field(default_factory=list)

    HOLE = "\x00"

    @property
    def text(self) -> str:
        return "".join(self.chars)

    @property
    def complete(self) -> bool:
        return not self.holes

    def known_prefix(self) -> str:
        text = self.text
        cut = text.find(self.HOLE)
        return text if cut < 0 else text[:cut]

    def extend(self, other: StringValue) -> None:
        self.chars += other.chars
        self.offsets += other.offsets
        self.holes += other.holes

    def add_hole(self, node: Node) -> None:
        self.chars.append(self.HOLE)
        self.offsets.append(node.start_byte)
        self.holes.append(node)


_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", "'": "'", '"': '"', "\\": "\\"}


def literal_value(ctx: FileContext, node: Node) -> StringValue:
    """Decode an Apex string literal ('...' with backslash escapes), keeping each char's byte offset."""
    cache: dict[int, StringValue] = ctx.memo("apex.syntax.literals", dict)
    cached = cache.get(node.start_byte)
    if cached is not None:
        return StringValue(list(cached.chars), list(cached.offsets), [])
    raw = ctx.source[node.start_byte : node.end_byte]
    value = StringValue()
    body = raw[1:-1].decode("utf-8", errors="replace") if len(raw) >= 2 else ""
    start = node.start_byte + 1
    if "\\" not in body:
        # Fast path: no escapes, so each character maps to consecutive bytes.
        value.chars = list(body)
        if body.isascii():
            value.offsets = list(range(start, start + len(body)))
        else:
            pos = start
            for ch in body:
                value.offsets.append(pos)
                pos += len(ch.encode("utf-8"))
    else:
        _decode_escapes(body, start, value)
    cache[node.start_byte] = StringValue(list(value.chars), list(value.offsets), [])
    return value


def literal_text(ctx: FileContext, node: Node) -> str:
    """`literal_value(ctx, node).text` without building (and copying) the per-character lists: the
    hard-coded secret rule asks it of every string literal of the file."""
    raw = ctx.source[node.start_byte : node.end_byte]
    body = raw[1:-1].decode("utf-8", errors="replace") if len(raw) >= 2 else ""
    if "\\" not in body:
        return body  # no escapes: the text is the body as written
    return literal_value(ctx, node).text


def _decode_escapes(body: str, pos: int, value: StringValue) -> None:
    i = 0
    while i < len(body):
        ch = body[i]
        if ch == "\\" and i + 1 < len(body):
            nxt = body[i + 1]
            hex_digits = body[i + 2 : i + 6]
            if nxt == "u" and len(hex_digits) == 4 and all(c in "0123456789abcdefABCDEF" for c in hex_digits):
                value.chars.append(chr(int(hex_digits, 16)))
                value.offsets.append(pos)
                pos += 6
                i += 6
                continue
            value.chars.append(_ESCAPES.get(nxt, nxt))
            value.offsets.append(pos)
            pos += 1 + len(nxt.encode("utf-8"))
            i += 2
            continue
        value.chars.append(ch)
        value.offsets.append(pos)
        pos += len(ch.encode("utf-8"))
        i += 1


class _Incomplete(Exception):
    """Raised by `string_value` in strict mode at the first part of the text that is not known."""


def complete_string_value(ctx: FileContext, expr: Node) -> StringValue | None:
    """`string_value(ctx, expr)` when the whole text is known, else None. Stops at the first unknown
    part instead of reading the rest: most concatenations hold a variable or a call, and the
    hard-coded secret rule, which asks this of every concatenation, only judges complete ones."""
    try:
        return string_value(ctx, expr, _strict=True)
    except _Incomplete:
        return None


def string_value(ctx: FileContext, expr: Node | None, _depth: int = 0, _strict: bool = False) -> StringValue:
    """Best-effort text of a String expression (see the module docstring). `_strict`: raise
    `_Incomplete` instead of returning a value with holes (see `complete_string_value`)."""
    value = StringValue()
    if expr is None:
        return value
    if _depth > 12:
        if _strict:
            raise _Incomplete
        value.add_hole(expr)
        return value
    t = expr.type
    if t == "string_literal":
        return literal_value(ctx, expr)
    if t == "parenthesized_expression" and expr.named_children:
        return string_value(ctx, expr.named_children[0], _depth + 1, _strict)
    if t == "binary_expression" and _is_plus(ctx, expr):
        # Flatten the left-leaning `a + b + c + ...` chain: a key split over 30 lines is one depth.
        operands: list[Node] = []
        node: Node | None = expr
        while node is not None and node.type == "binary_expression" and _is_plus(ctx, node):
            right = parsing.field(node, "right")
            if right is not None:
                operands.append(right)
            node = parsing.field(node, "left")
        if node is not None:
            operands.append(node)
        if _strict and any(_always_hole(ctx, operand) for operand in operands):
            raise _Incomplete  # (before reading the literals and variables around it)
        for operand in reversed(operands):
            value.extend(string_value(ctx, operand, _depth + 1, _strict))
        return value
    # The parts below are read without `_strict` (a local's text may drop an unknown initializer when
    # it is assigned again), then judged whole.
    resolved: StringValue | None = None
    if t == "identifier":
        resolved = _identifier_value(ctx, expr, _depth)
    elif t == "field_access":
        resolved = _constant_field_value(ctx, expr, _depth)
    elif t == "method_invocation":
        receiver, name, args = call_parts(ctx, expr)
        low = f"{receiver}.{name}".lower()
        if low == "string.format" and args:
            resolved = _format_value(ctx, args, _depth)
    if resolved is not None:
        if _strict and not resolved.complete:
            raise _Incomplete
        return resolved
    if _strict:
        raise _Incomplete
    value.add_hole(expr)
    return value


def _always_hole(ctx: FileContext, node: Node) -> bool:
    """Does `string_value` give a hole for this expression whatever the file declares? (Calls other
    than `String.format`, literals of other types, ...: only names and `+` chains can be resolved.)"""
    t = node.type
    if t in ("string_literal", "identifier", "field_access", "binary_expression"):
        return False
    if t == "parenthesized_expression":
        return not node.named_children
    if t == "method_invocation":
        receiver, name, args = call_parts(ctx, node)
        return not (args and f"{receiver}.{name}".lower() == "string.format")
    return True


def _is_plus(ctx: FileContext, node: Node) -> bool:
    op = parsing.field(node, "operator")
    return op is not None and ctx.node_text(op) == "+"


def _format_value(ctx: FileContext, args: list[Node], depth: int) -> StringValue:
    template = string_value(ctx, args[0], depth + 1)
    items: list[Node] = []
    if len(args) > 1:
        init = args[1]
        if init.type == "array_creation_expression":
            init = parsing.field(init, "value") or init
        items = list(init.named_children) if init.type == "array_initializer" else []
    value = StringValue()
    i = 0
    chars = template.chars
    while i < len(chars):
        if chars[i] == "{" and i + 2 < len(chars):
            j = i + 1
            while j < len(chars) and chars[j].isdigit():
                j += 1
            if j > i + 1 and j < len(chars) and chars[j] == "}":
                n = int("".join(chars[i + 1 : j]))
                if n < len(items):
                    value.extend(string_value(ctx, items[n], depth + 1))
                else:
                    value.add_hole(args[1] if len(args) > 1 else args[0])
                i = j + 1
                continue
        value.chars.append(chars[i])
        value.offsets.append(template.offsets[i])
        if chars[i] == StringValue.HOLE:
            value.holes.append(template.holes[template.chars[: i + 1].count(StringValue.HOLE) - 1])
        i += 1
    return value


def _identifier_value(ctx: FileContext, ident: Node, depth: int) -> StringValue | None:
    decl = lookup(ctx, ident)
    if decl is None:
        return None
    if decl.kind == "field":
        if decl.is_final and decl.value is not None:
            return string_value(ctx, decl.value, depth + 1)
        return None
    if decl.kind != "local":
        return None
    # A local String: its initializer, then each `x = ...` / `x += ...` before this use, in order.
    # Branches are not distinguished: the text is the concatenation along the source order, which is
    # what query builders do (`q += ' AND ...'` inside ifs).
    callable_node = enclosing(ident, CALLABLE_TYPES)
    assignments = scope_of(ctx, callable_node).assignments.get(decl.name.lower(), []) if callable_node else []
    value = string_value(ctx, decl.value, depth + 1) if decl.value is not None else StringValue()
    for assignment in assignments:
        if assignment.start_byte < decl.node.start_byte or assignment.end_byte > ident.start_byte:
            continue
        if inside(ident, assignment):
            continue
        op = parsing.field(assignment, "operator")
        right = parsing.field(assignment, "right")
        op_text = ctx.node_text(op) if op is not None else "="
        if op_text == "+=":
            value.extend(string_value(ctx, right, depth + 1))
        elif op_text == "=":
            value = _reassigned_value(ctx, right, decl.name, value, depth)
    return value


def _reassigned_value(
    ctx: FileContext, right: Node | None, name: str, current: StringValue, depth: int
) -> StringValue:
    """`q = q + ' x'` keeps the text built so far; `q = 'SELECT ...'` starts again."""
    if right is None:
        return StringValue()
    if right.type == "binary_expression":
        left = parsing.field(right, "left")
        # Flatten the left spine to find a leading self-reference.
        spine = [right]
        while left is not None and left.type == "binary_expression":
            spine.append(left)
            left = parsing.field(left, "left")
        if left is not None and left.type == "identifier" and ctx.node_text(left).lower() == name.lower():
            value = StringValue()
            value.extend(current)
            for node in reversed(spine):
                value.extend(string_value(ctx, parsing.field(node, "right"), depth + 1))
            return value
    return string_value(ctx, right, depth + 1)


def _constant_field_value(ctx: FileContext, expr: Node, depth: int) -> StringValue | None:
    """`Constants.BASE_URL` / `this.endpoint` / `Outer.Inner.X`: a final field declared in this file."""
    fld = parsing.field(expr, "field")
    obj = parsing.field(expr, "object")
    if fld is None or obj is None:
        return None
    field_name = ctx.node_text(fld).lower()
    owner_name = ctx.node_text(obj).split(".")[-1].lower()
    for class_node in nodes(ctx, "class_declaration"):
        name = parsing.field(class_node, "name")
        if obj.type == "this":
            if not inside(expr, class_node) or enclosing(expr, ("class_declaration",)) != class_node:
                continue
        elif name is None or ctx.node_text(name).lower() != owner_name:
            continue
        decl = class_fields(ctx, class_node).get(field_name)
        if decl is not None and decl.is_final and decl.value is not None:
            return string_value(ctx, decl.value, depth + 1)
    return None
