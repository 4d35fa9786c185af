"""The query model: what each SOQL/SOSL query of an Apex file reads, and in which mode.

Interface (stable; the data-flow analysis and the structure rules import it):

    queries(ctx) -> list[Query]            every query of the file, document order, memoized per file
    query_at(ctx, node) -> Query | None    the Query whose `node` is this query_expression/call
    phi_fields(query, phi_model) -> list[tuple[FieldRef, PhiReason]]
                                           the PHI fields whose values the query returns
    parse_query_text(text, offsets=...)    the tokenizer/parser on its own (tests, other languages)

    Query
      node          the `query_expression` node ([SELECT ...] / [FIND ...]) or, for dynamic queries,
                    the `method_invocation` (Database.query(...), Search.query(...), ...)
      kind          'soql' | 'sosl' (inline) | 'dynamic' (text passed to a Database/Search method)
      language      'soql' | 'sosl' | None (dynamic text whose language is unknown)
      from_object   FROM object (SOSL: first RETURNING object); None when unknown
      objects       every object the query reads: FROM/RETURNING objects, sub-query child objects,
                    objects reached through relationship paths
      fields        list[FieldRef] (see below), select list of the query and of its sub-queries
      with_mode     'USER_MODE' | 'SYSTEM_MODE' | 'SECURITY_ENFORCED' | None (WITH clause, any case)
      access_level  'USER_MODE' | 'SYSTEM_MODE' | None (AccessLevel argument of a dynamic call)
      mode          'user' | 'system' | 'security_enforced' | None: the explicit mode from either
      is_count      SELECT COUNT() (no rows, only a number)
      is_aggregate  aggregate functions or GROUP BY (AggregateResult rows)
      method        'Database.query', 'Database.queryWithBinds', 'Database.countQuery',
                    'Database.getQueryLocator', 'Search.query', ... (dynamic only, canonical spelling)
      text          the query text as known (holes, i.e. unknown concatenated parts, as '\\x00')
      complete      False when parts of a dynamic text are unknown (concatenated variables)
      text_node     the query-text argument expression (dynamic only)
      holes         the expressions concatenated into a dynamic text whose value is unknown
      binds         names of `:bind` variables used in the text
      anchor        node to report at: the SELECT/FIND body of an inline query, the call otherwise

    FieldRef(object, field, path, node, start_byte, end_byte, role, function, relationship,
             typeof_type, wildcard)
      object        object owning `field` after resolving the path (`Patient__r.SSN__c` selected from
                    Encounter__c -> Patient__c); None when unknown (polymorphic ELSE branch)
      field         last segment of the path (`SSN__c`) or `FIELDS(ALL)` for a wildcard
      path          as written in the query (`Patient__r.SSN__c`)
      node          inline: the `field_identifier` node (or the query node); dynamic: the string literal
                    holding the field name
      start_byte/end_byte  the field's exact place in the file; `span(ctx)` turns it into a Span
      role          'select' (value returned) | 'group' (GROUP BY) | 'aggregate' (inside a function)
      function      the wrapping function (`MAX`, `COUNT`, `toLabel`...) or None
      relationship  child relationship of the sub-query the field is selected in (`Encounters__r`)
      typeof_type   the WHEN type of a TYPEOF branch (`Account`), 'ELSE' in the ELSE branch
      wildcard      FIELDS(ALL|CUSTOM|STANDARD)

Both inline and dynamic queries go through the same small tokenizer and parser (`parse_query_text`),
over the raw text of the query: the bundled grammar yields an ERROR node for SOSL `WITH USER_MODE`,
and dynamic texts exist only as strings, so neither can rely on the tree.
"""

from __future__ import annotations

import re
import weakref
from bisect import bisect_right
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, NamedTuple

from phi_lint import parsing
from phi_lint.analyzers.apex import syntax
from phi_lint.findings import Span
from phi_lint.phi import PhiAnswers, PhiModel, PhiReason, relationship_to_object

if TYPE_CHECKING:
    from phi_lint.context import FileContext

Node = parsing.Node

# Database/Search methods whose first argument is query text, by lower-case qualified name.
DYNAMIC_METHODS = {
    "database.query": "Database.query",
    "database.querywithbinds": "Database.queryWithBinds",
    "database.countquery": "Database.countQuery",
    "database.countquerywithbinds": "Database.countQueryWithBinds",
    "database.getquerylocator": "Database.getQueryLocator",
    "database.getquerylocatorwithbinds": "Database.getQueryLocatorWithBinds",
    "search.query": "Search.query",
    "search.find": "Search.find",
    "system.database.query": "Database.query",
    "system.search.query": "Search.query",
}
DYNAMIC_METHOD_NAMES = frozenset(k.rsplit(".", 1)[1] for k in DYNAMIC_METHODS)
COUNT_METHODS = frozenset({"Database.countQuery", "Database.countQueryWithBinds"})
MODES = ("USER_MODE", "SYSTEM_MODE", "SECURITY_ENFORCED")
AGGREGATES = frozenset({"count", "count_distinct", "sum", "avg", "min", "max"})
# Aggregates whose result is one stored value of some record (MAX(Birthdate__c) is a birthdate).
VALUE_AGGREGATES = frozenset({"min", "max"})
# Functions that return the field's value (translated, converted or formatted).
VALUE_FUNCTIONS = frozenset({"tolabel", "convertcurrency", "format"})
# Polymorphic and standard relationship names whose target object is fixed.
STANDARD_RELATIONSHIPS = {
    "owner": "User",
    "createdby": "User",
    "lastmodifiedby": "User",
    "account": "Account",
    "contact": "Contact",
    "parent": "",
    "what": "",
    "who": "",
}
STANDARD_CHILD_RELATIONSHIPS = {
    "contacts": "Contact",
    "cases": "Case",
    "opportunities": "Opportunity",
    "tasks": "Task",
    "events": "Event",
    "attachments": "Attachment",
    "notes": "Note",
    "accounts": "Account",
    "users": "User",
    "childaccounts": "Account",
    "opportunitylineitems": "OpportunityLineItem",
}

_NOT_ANCHORS = frozenset({"[", "comment", "line_comment", "block_comment"})
_SOQL_CLAUSE_WORDS = frozenset(
    {"where", "with", "group", "order", "limit", "offset", "for", "using", "having", "update", "all"}
)


# ---- model ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FieldRef:
    object: str | None
    field: str
    path: str
    node: Node
    start_byte: int
    end_byte: int
    role: str = "select"
    function: str | None = None
    relationship: str | None = None
    typeof_type: str | None = None
    wildcard: bool = False
    # The object the path starts from and the path relative to it, for a field read through a lookup
    # (`MedicationRequest` + `Medication.Name`): the PHI model judges some lookups by where they start.
    from_object: str | None = None
    from_path: str = ""

    def span(self, ctx: FileContext) -> Span:
        return ctx.span_at_offset(self.start_byte, max(self.end_byte, self.start_byte + 1))

    @property
    def qualified(self) -> str:
        return f"{self.object}.{self.field}" if self.object else self.field

    @property
    def returns_value(self) -> bool:
        """Does the query hand this field's stored value to the code?"""
        if self.role == "select":
            return True
        if self.role == "aggregate":
            return (self.function or "").lower() in VALUE_AGGREGATES | VALUE_FUNCTIONS
        return self.role == "group"


@dataclass
class Query:
    node: Node
    kind: str  # 'soql' | 'sosl' | 'dynamic'
    language: str | None
    from_object: str | None = None
    objects: tuple[str, ...] = ()
    fields: list[FieldRef] = field(default_factory=list)
    with_mode: str | None = None
    access_level: str | None = None
    is_count: bool = False
    is_aggregate: bool = False
    method: str | None = None
    text: str = ""
    complete: bool = True
    text_node: Node | None = None
    holes: list[Node] = field(default_factory=list)
    binds: list[str] = field(default_factory=list)

    @property
    def mode(self) -> str | None:
        """Explicit mode: the WITH clause wins over an AccessLevel argument, as in Salesforce."""
        for value in (self.with_mode, self.access_level):
            if value == "USER_MODE":
                return "user"
            if value == "SYSTEM_MODE":
                return "system"
            if value == "SECURITY_ENFORCED":
                return "security_enforced"
        return None

    @property
    def is_dynamic(self) -> bool:
        return self.kind == "dynamic"

    @property
    def select_list_known(self) -> bool:
        """Does the text say every field the query returns? True for inline and complete queries, and
        for a dynamic SOQL text whose unknown parts all come after its top-level `FROM <object>`
        (`'SELECT Id, Status__c FROM Patient__c WHERE ' + filter`): text there filters, orders and
        limits, it selects no field."""
        if not self.is_dynamic or self.complete:
            return True
        return self.language != "sosl" and _select_list_before_hole(self.text)

    @property
    def anchor(self) -> Node:
        """Where findings about the query go: the SELECT/FIND keyword's node for an inline query (not
        the `[`, which may sit alone on the line above), the call for a dynamic one."""
        if self.kind != "dynamic":
            for node in parsing.walk(self.node):
                if node.child_count == 0 and node.type not in _NOT_ANCHORS:
                    return node
        return self.node


# ---- tokenizer ----------------------------------------------------------------------------------


class Token(NamedTuple):
    """One token of a query text. A NamedTuple (immutable, built about 3x faster than a frozen
    dataclass): a project's queries make hundreds of thousands of them."""

    kind: (
        str  # 'word' (identifier or dotted path) | 'string' | 'number' | 'bind' | 'punct' | 'hole' | 'braces'
    )
    text: str
    start: int  # index into the text
    end: int

    @property
    def upper(self) -> str:
        return self.text.upper()


_WORD = r"[A-Za-z_][A-Za-z0-9_]*(?:\s*\.\s*[A-Za-z_][A-Za-z0-9_]*)*"
_NUMBER = r"[+-]?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?"
_DATE = r"\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})?)?"


HOLE = syntax.StringValue.HOLE
_FROM_OR_PARENTHESIS = re.compile(r"[()]|\bfrom\b", re.IGNORECASE)
_OBJECT_THEN_SPACE = re.compile(r"\s+[A-Za-z_][A-Za-z0-9_]*\s")


def _select_list_before_hole(text: str) -> bool:
    """Is the top-level `FROM <object>` of a SOQL text (a space after the object name) all before its
    first unknown part?"""
    cut = text.find(HOLE)
    known = text if cut < 0 else text[:cut]
    depth = 0
    for match in _FROM_OR_PARENTHESIS.finditer(known):
        token = match.group(0)
        if token == "(":
            depth += 1
        elif token == ")":
            depth -= 1
        elif depth == 0:
            return _OBJECT_THEN_SPACE.match(known, match.end()) is not None
    return False


def _token_pattern(apex_comments: bool) -> re.Pattern[str]:
    """One token after any whitespace, its kind the name of the group that matched: one regex match
    per token instead of a Python step per character (tokenizing was most of the SOQL model's time).
    The alternatives are tried in order, so a date wins over a number and a two-character operator
    over a one-character one; `\\s` is exactly `str.isspace()` and `\\d` exactly `str.isdecimal()`."""
    comment = r"(?P<comment>//[^\n]*\n?|/\*[\s\S]*?(?:\*/|\Z))|" if apex_comments else ""
    return re.compile(
        r"\s*(?:"
        + comment
        + r"(?P<hole>\x00)"
        # A backslash escapes the next character; an unclosed string runs to the end of the text.
        + r"""|(?P<string>'[^'\\]*(?:\\[\s\S][^'\\]*)*(?:'|\\)?|"[^"\\]*(?:\\[\s\S][^"\\]*)*(?:"|\\)?)"""
        + r"|(?P<braces>\{[^}]*\}?)"
        + r"|(?P<colon>:)"
        + f"|(?P<number>{_DATE}|{_NUMBER})"
        + f"|(?P<word>{_WORD})"
        + r"|(?P<punct>!=|<=|>=|<>|\S)"
        + ")"
    )


_TOKEN = _token_pattern(apex_comments=False)
_APEX_TOKEN = _token_pattern(apex_comments=True)


def tokenize(text: str, apex_comments: bool = False) -> list[Token]:
    """SOQL/SOSL tokens. `apex_comments` skips // and /* */ (inline queries are Apex source)."""
    tokens: list[Token] = []
    append = tokens.append
    match = (_APEX_TOKEN if apex_comments else _TOKEN).match
    n = len(text)
    i = 0
    while True:
        m = match(text, i)
        if m is None:
            return tokens
        kind = m.lastgroup
        i = m.end()
        if kind == "word":
            start = m.start(kind)
            word = m.group(kind)
            if "." in word:
                word = "".join(word.split())  # `Patient__r . Name` is one path
            # A word glued to an unknown part (`ns + 'Field__c'`) is only part of a name: a hole.
            glued = (start > 0 and text[start - 1] == HOLE) or (i < n and text[i] == HOLE)
            append(Token("hole" if glued else "word", word, start, i))
        elif kind == "colon":
            start = i - 1
            if i < n and text[i].isdigit():
                append(Token("punct", ":", start, i))  # `LAST_N_DAYS:30` is a date literal
            else:
                i = _bind_end(text, i)
                append(Token("bind", text[start + 1 : i].strip(), start, i))
        elif kind != "comment":
            assert kind is not None
            append(Token(kind, m.group(kind), m.start(kind), i))


def _bind_end(text: str, i: int) -> int:
    """End of an Apex bind expression after ':' (a path with calls/indexes, or a parenthesized one)."""
    n = len(text)
    while i < n and text[i].isspace():
        i += 1
    depth = 0
    while i < n:
        ch = text[i]
        if ch in "([":
            depth += 1
        elif ch in ")]":
            if depth == 0:
                break
            depth -= 1
        elif depth == 0 and not (ch.isalnum() or ch in "_."):
            break
        i += 1
    return i


# ---- parser -----------------------------------------------------------------------------------


@dataclass
class _Field:
    """A field as parsed from text; positions are indexes into the text."""

    path: str
    start: int
    end: int
    role: str = "select"
    function: str | None = None
    relationship: str | None = None
    child_object: str | None = None
    typeof_type: str | None = None
    typeof_path: str | None = None
    wildcard: bool = False


@dataclass
class ParsedQuery:
    language: str | None = None
    from_object: str | None = None
    from_alias: str | None = None
    objects: list[str] = field(default_factory=list)  # SOSL RETURNING objects / SOQL FROM
    fields: list[_Field] = field(default_factory=list)
    with_mode: str | None = None
    is_count: bool = False
    is_aggregate: bool = False
    binds: list[str] = field(default_factory=list)
    # (object owning the fields, alias) per field index range for SOSL RETURNING groups
    field_objects: list[str | None] = field(default_factory=list)


def _split_top(tokens: Sequence[Token], sep: str = ",") -> list[list[Token]]:
    parts: list[list[Token]] = [[]]
    depth = 0
    for tok in tokens:
        if tok.kind == "punct" and tok.text == "(":
            depth += 1
        elif tok.kind == "punct" and tok.text == ")":
            depth -= 1
        if depth == 0 and tok.kind == "punct" and tok.text == sep:
            parts.append([])
        else:
            parts[-1].append(tok)
    return [p for p in parts if p]


def _matching_paren(tokens: Sequence[Token], i: int) -> int:
    """Index of the ')' closing the '(' at i (or len(tokens))."""
    depth = 0
    for j in range(i, len(tokens)):
        tok = tokens[j]
        if tok.kind == "punct" and tok.text == "(":
            depth += 1
        elif tok.kind == "punct" and tok.text == ")":
            depth -= 1
            if depth == 0:
                return j
    return len(tokens)


def _find_top_word(tokens: Sequence[Token], words: set[str], start: int = 0) -> int:
    depth = 0
    for j in range(start, len(tokens)):
        tok = tokens[j]
        if tok.kind == "punct" and tok.text == "(":
            depth += 1
        elif tok.kind == "punct" and tok.text == ")":
            depth -= 1
        elif depth == 0 and tok.kind == "word" and tok.text.upper() in words:
            return j
    return -1


def parse_tokens(tokens: list[Token]) -> ParsedQuery:
    result = ParsedQuery()
    result.binds = [t.text for t in tokens if t.kind == "bind"]
    first = next((j for j, t in enumerate(tokens) if t.kind == "word" and t.upper in ("SELECT", "FIND")), -1)
    if first < 0:
        return result
    if tokens[first].upper == "FIND":
        result.language = "sosl"
        _parse_sosl(tokens, first, result)
    else:
        result.language = "soql"
        _parse_soql(tokens, first, result, top=True)
    return result


def _parse_select_items(
    items: list[list[Token]], result: ParsedQuery, relationship: str | None, tokens_for_sub: bool = True
) -> None:
    for item in items:
        head = item[0]
        if head.kind == "punct" and head.text == "(":
            # Sub-query: (SELECT ... FROM ChildRelationship ...)
            close = _matching_paren(item, 0)
            inner = item[1:close]
            sub = ParsedQuery()
            start = next((j for j, t in enumerate(inner) if t.kind == "word" and t.upper == "SELECT"), -1)
            if start >= 0:
                _parse_soql(inner, start, sub, top=False)
                for f in sub.fields:
                    f.relationship = sub.from_object
                    result.fields.append(f)
            continue
        if head.kind == "word" and head.upper == "TYPEOF" and len(item) > 1:
            _parse_typeof(item, result)
            continue
        if head.kind == "word" and len(item) > 1 and item[1].kind == "punct" and item[1].text == "(":
            fn = head.text
            close = _matching_paren(item, 1)
            args = item[2:close]
            low = fn.lower()
            if low == "fields":
                scope = args[0].text.upper() if args else "ALL"
                result.fields.append(
                    _Field(f"FIELDS({scope})", head.start, item[min(close, len(item) - 1)].end, wildcard=True)
                )
                continue
            if low in AGGREGATES:
                result.is_aggregate = True
                if low == "count" and not args:
                    result.is_count = True
            # toLabel()/convertCurrency()/FORMAT() return the value; aggregates and date functions
            # return a computed value (MIN/MAX excepted, see FieldRef.returns_value).
            role = "select" if low in VALUE_FUNCTIONS else "aggregate"
            for arg in args:
                if arg.kind == "word":
                    result.fields.append(_Field(arg.text, arg.start, arg.end, role=role, function=fn))
            continue
        if head.kind == "word":
            result.fields.append(_Field(head.text, head.start, head.end))


def _parse_typeof(item: list[Token], result: ParsedQuery) -> None:
    poly = item[1].text
    when_type: str | None = None
    j = 2
    collecting = False
    while j < len(item):
        tok = item[j]
        word = tok.upper if tok.kind == "word" else ""
        if word == "WHEN" and j + 1 < len(item):
            when_type = item[j + 1].text
            collecting = False
            j += 2
            continue
        if word == "THEN":
            collecting = True
        elif word == "ELSE":
            when_type, collecting = "ELSE", True
        elif word == "END":
            break
        elif collecting and tok.kind == "word":
            result.fields.append(
                _Field(tok.text, tok.start, tok.end, typeof_type=when_type, typeof_path=poly)
            )
        j += 1


def _parse_soql(tokens: list[Token], first: int, result: ParsedQuery, top: bool) -> None:
    from_index = _find_top_word(tokens, {"FROM"}, first + 1)
    select_tokens = tokens[first + 1 : from_index if from_index >= 0 else len(tokens)]
    items = _split_top(select_tokens)
    # `field alias` items: keep the first word only (aliases only follow aggregates/functions).
    _parse_select_items(items, result, None)
    if from_index < 0 or from_index + 1 >= len(tokens):
        return
    obj_tok = tokens[from_index + 1]
    if obj_tok.kind == "word":
        result.from_object = obj_tok.text
        result.objects.append(obj_tok.text)
        if from_index + 2 < len(tokens):
            alias = tokens[from_index + 2]
            if alias.kind == "word" and alias.text.lower() not in _SOQL_CLAUSE_WORDS:
                result.from_alias = alias.text
    rest = from_index + 2
    group = _find_top_word(tokens, {"GROUP"}, rest)
    if group >= 0:
        result.is_aggregate = True
        end = _find_top_word(tokens, {"HAVING", "ORDER", "LIMIT", "OFFSET", "FOR", "UPDATE"}, group + 1)
        for tok in tokens[group + 2 : end if end >= 0 else len(tokens)]:
            if tok.kind == "word" and tok.upper not in ("ROLLUP", "CUBE"):
                result.fields.append(_Field(tok.text, tok.start, tok.end, role="group"))
    if top:
        result.with_mode = _with_mode(tokens, rest)


def _with_mode(tokens: list[Token], start: int) -> str | None:
    j = start
    while True:
        j = _find_top_word(tokens, {"WITH"}, j)
        if j < 0 or j + 1 >= len(tokens):
            return None
        nxt = tokens[j + 1]
        if nxt.kind == "word" and nxt.upper in MODES:
            return nxt.upper
        j += 1


def _parse_sosl(tokens: list[Token], first: int, result: ParsedQuery) -> None:
    returning = _find_top_word(tokens, {"RETURNING"}, first + 1)
    if returning >= 0:
        end = _find_top_word(tokens, {"WITH", "LIMIT", "UPDATE"}, returning + 1)
        groups = _split_top(tokens[returning + 1 : end if end >= 0 else len(tokens)])
        for group in groups:
            head = group[0]
            if head.kind != "word":
                continue
            result.objects.append(head.text)
            if len(group) > 1 and group[1].kind == "punct" and group[1].text == "(":
                close = _matching_paren(group, 1)
                inner = group[2:close]
                stop = _find_top_word(inner, {"WHERE", "ORDER", "LIMIT", "OFFSET", "USING"}, 0)
                field_tokens = inner[: stop if stop >= 0 else len(inner)]
                before = len(result.fields)
                _parse_select_items(_split_top(field_tokens), result, None)
                result.field_objects += [head.text] * (len(result.fields) - before)
    if result.objects:
        result.from_object = result.objects[0]
    result.with_mode = _with_mode(tokens, first + 1)


def parse_query_text(text: str, apex_comments: bool = False) -> ParsedQuery:
    return parse_tokens(tokenize(text, apex_comments))


# ---- resolution against objects --------------------------------------------------------------


def child_relationship_object(relationship: str, phi: PhiModel, parent: str | None = None) -> str | None:
    """`Encounters__r` -> `Encounter__c` when the project knows that object; standard plurals too.
    The children of a custom metadata type (`parent` `__mdt`) are custom metadata types too."""
    low = relationship.lower()
    if low in STANDARD_CHILD_RELATIONSHIPS:
        return STANDARD_CHILD_RELATIONSHIPS[low]
    custom_suffix = "__mdt" if _is_metadata_type(parent) else "__c"
    base, suffix = (relationship[:-3], custom_suffix) if low.endswith("__r") else (relationship, "")
    candidates = [base]
    if base.lower().endswith("ies"):
        candidates.append(base[:-3] + "y")
    if base.lower().endswith("es"):
        candidates.append(base[:-2])
    if base.lower().endswith("s"):
        candidates.append(base[:-1])
    known = set(phi.object_spelling) | set(phi.metadata)
    for cand in candidates:
        name = cand + suffix
        if name.lower() in known:
            return phi.object_spelling.get(name.lower(), name)
    if not suffix:
        return None
    # Unknown custom child relationship: the singular guess is the usual naming.
    return (candidates[-1] if len(candidates) > 1 else base) + suffix


def _is_metadata_type(obj: str | None) -> bool:
    return obj is not None and obj.lower().endswith("__mdt")


def resolve_path(path: str, base_object: str | None, alias: str | None = None) -> tuple[str | None, str]:
    """(`object owning the last segment`, `field`) for a field path read from `base_object`."""
    parts = path.split(".")
    if len(parts) > 1 and base_object and parts[0].lower() in {base_object.lower(), (alias or "").lower()}:
        parts = parts[1:]
    if len(parts) == 1:
        return base_object, parts[0]
    if _is_metadata_type(base_object):
        # A custom metadata type's relationships lead to EntityDefinition, FieldDefinition or another
        # custom metadata type, never to records (`SObjectType__r.QualifiedApiName`): which one is
        # not known from the name, so no object is named (a guessed `SObjectType__c` is not one).
        return None, parts[-1]
    rel = parts[-2]
    mapped = STANDARD_RELATIONSHIPS.get(rel.lower())
    if mapped is not None:
        return (mapped or None), parts[-1]
    return relationship_to_object(rel), parts[-1]


class _ResolvedField(NamedTuple):
    """A FieldRef without its place in the file: what the query text alone (and the PHI model) says."""

    object: str | None
    field: str
    path: str
    start: int  # index into the text
    end: int
    role: str
    function: str | None
    relationship: str | None
    typeof_type: str | None
    wildcard: bool
    from_object: str | None
    from_path: str


class _QueryShape(NamedTuple):
    """What a query text reads, resolved against the PHI model's objects: immutable, so one shape
    serves every query with the same text (see `_shape`)."""

    language: str | None
    from_object: str | None
    objects: tuple[str, ...]
    fields: tuple[_ResolvedField, ...]
    with_mode: str | None
    is_count: bool
    is_aggregate: bool
    binds: tuple[str, ...]


def _resolve(parsed: ParsedQuery, phi: PhiModel) -> _QueryShape:
    fields: list[_ResolvedField] = []
    objects: list[str] = [phi.object_spelling.get(o.lower(), o) for o in parsed.objects]
    for i, f in enumerate(parsed.fields):
        from_path = ""
        base = parsed.field_objects[i] if i < len(parsed.field_objects) else parsed.from_object
        alias = parsed.from_alias
        if f.relationship:
            base = child_relationship_object(f.relationship, phi, base)
            alias = None
        if f.typeof_type is not None:
            obj: str | None = None if f.typeof_type == "ELSE" else f.typeof_type
            fld = f.path.split(".")[-1]
            if obj is not None and "." in f.path:
                obj, fld = resolve_path(f.path, obj)
        elif f.wildcard:
            obj, fld = base, f.path
        else:
            obj, fld = resolve_path(f.path, base, alias)
            from_path = _relative_path(f.path, base, alias)
        if obj:
            obj = phi.object_spelling.get(obj.lower(), obj)
        if obj and obj.lower() not in {o.lower() for o in objects}:
            objects.append(obj)
        fields.append(
            _ResolvedField(
                obj,
                fld,
                f.path,
                f.start,
                f.end,
                f.role,
                f.function,
                f.relationship,
                f.typeof_type,
                f.wildcard,
                base if "." in from_path else None,
                from_path if "." in from_path else "",
            )
        )
    return _QueryShape(
        parsed.language,
        parsed.from_object,
        tuple(objects),
        tuple(fields),
        parsed.with_mode,
        parsed.is_count,
        parsed.is_aggregate,
        tuple(parsed.binds),
    )


class _ShapeMemo:
    """Query shapes by (text, apex_comments) for one PHI model, i.e. for one run: a project repeats
    its query texts (the same selector query in many classes, and every file's queries once while the
    analyzers prepare and again when the file is checked), so each distinct text is tokenized, parsed
    and resolved once. A run with another model starts afresh, the model is held weakly (the memo
    does not keep a finished run alive) and the table is cleared when full, so it stays bounded in a
    long-lived process."""

    LIMIT = 50_000

    def __init__(self) -> None:
        self._model: weakref.ref[PhiModel] | None = None
        self._shapes: dict[tuple[str, bool], _QueryShape] = {}

    def __len__(self) -> int:
        return len(self._shapes)

    def shape(self, text: str, apex_comments: bool, phi: PhiModel) -> _QueryShape:
        if self._model is None or self._model() is not phi:
            self._model = weakref.ref(phi)
            self._shapes = {}
        key = (text, apex_comments)
        found = self._shapes.get(key)
        if found is None:
            if len(self._shapes) >= self.LIMIT:
                self._shapes.clear()
            found = self._shapes[key] = _resolve(parse_query_text(text, apex_comments), phi)
        return found


_shapes = _ShapeMemo()


def _field_refs(shape: _QueryShape, locate: _Locator) -> list[FieldRef]:
    refs: list[FieldRef] = []
    for f in shape.fields:
        node, start, end = locate(f.start, f.end)
        refs.append(
            FieldRef(
                f.object,
                f.field,
                f.path,
                node,
                start,
                end,
                f.role,
                f.function,
                f.relationship,
                f.typeof_type,
                f.wildcard,
                f.from_object,
                f.from_path,
            )
        )
    return refs


def _relative_path(path: str, base_object: str | None, alias: str | None) -> str:
    """`Case.Medication.Name` read from Case (or its alias) -> `Medication.Name`."""
    parts = path.split(".")
    if len(parts) > 1 and base_object and parts[0].lower() in {base_object.lower(), (alias or "").lower()}:
        parts = parts[1:]
    return ".".join(parts)


class _Locator:
    """Maps text indexes of a parsed query back to file byte offsets and nodes."""

    def __init__(
        self,
        offsets: Sequence[int],
        default_node: Node,
        source: bytes,
        node_at: Callable[[int], Node | None],
    ) -> None:
        self.offsets = offsets
        self.default = default_node
        self.source = source
        self.node_at = node_at  # the node a field starting at a byte offset is reported at, if any

    def __call__(self, start: int, end: int) -> tuple[Node, int, int]:
        offsets = self.offsets
        if offsets:
            top = len(offsets) - 1
            b_start = offsets[min(start, top)]
            last = offsets[min(max(start, end - 1), top)]
        else:
            b_start = last = self.default.start_byte
        # End after the last character: one byte for ASCII, else its UTF-8 width.
        source = self.source
        if last < len(source) and source[last] < 0x80:
            b_end = last + 1
        else:
            b_end = last + max(1, len(source[last : last + 4].decode("utf-8", errors="ignore")[:1].encode()))
        node = self.node_at(b_start)
        return (self.default if node is None else node), b_start, b_end


# ---- building the model for a file ---------------------------------------------------------------


def _inline_query(ctx: FileContext, node: Node) -> Query:
    raw = ctx.source[node.start_byte : node.end_byte]
    text = raw.decode("utf-8", errors="replace")
    # Strip the brackets but keep positions: replace them with spaces.
    if text.startswith("["):
        text = " " + text[1:]
    if text.endswith("]"):
        text = text[:-1] + " "
    if raw.isascii():
        offsets: Sequence[int] = range(node.start_byte, node.end_byte)
    else:
        offs: list[int] = []
        pos = node.start_byte
        for ch in text:
            offs.append(pos)
            pos += len(ch.encode("utf-8"))
        offsets = offs
    shape = _shapes.shape(text, True, ctx.phi)
    by_start = {n.start_byte: n for n in parsing.walk(node) if n.type == "field_identifier"}
    refs = _field_refs(shape, _Locator(offsets, node, ctx.source, by_start.get))
    language = shape.language or (
        "sosl" if node.named_children and node.named_children[0].type == "sosl_query_body" else "soql"
    )
    return Query(
        node=node,
        kind=language,
        language=language,
        from_object=shape.from_object,
        objects=shape.objects,
        fields=refs,
        with_mode=shape.with_mode,
        is_count=shape.is_count,
        is_aggregate=shape.is_aggregate,
        text=text.strip(),
        binds=list(shape.binds),
    )


def access_level(ctx: FileContext, args: list[Node]) -> str | None:
    """'USER_MODE' | 'SYSTEM_MODE' from an `AccessLevel` argument among `args` (a literal, or a local
    variable initialised with one)."""
    for arg in args:
        if arg.type == "identifier":
            # `AccessLevel mode = AccessLevel.USER_MODE; Database.query(q, mode)`
            decl = syntax.lookup(ctx, arg)
            if decl is not None and decl.value is not None and decl.base_type.endswith("accesslevel"):
                arg = decl.value
        text = "".join(ctx.node_text(arg).split()).upper()
        if text.endswith("ACCESSLEVEL.USER_MODE"):
            return "USER_MODE"
        if text.endswith("ACCESSLEVEL.SYSTEM_MODE"):
            return "SYSTEM_MODE"
    return None


def _dynamic_query(ctx: FileContext, call: Node, method: str, args: list[Node]) -> Query | None:
    if not args:
        return None
    text_node = args[0]
    if text_node.type == "query_expression":
        return None  # Database.getQueryLocator([SELECT ...]) is an inline query
    value = syntax.string_value(ctx, text_node)
    shape = _shapes.shape(value.text, False, ctx.phi)
    node_at = _literal_finder(ctx) if value.offsets else _nowhere
    refs = _field_refs(shape, _Locator(value.offsets, text_node, ctx.source, node_at))
    return Query(
        node=call,
        kind="dynamic",
        language=shape.language,
        from_object=shape.from_object,
        objects=shape.objects,
        fields=refs,
        with_mode=shape.with_mode,
        access_level=access_level(ctx, args[1:]),
        is_count=shape.is_count or method in COUNT_METHODS,
        is_aggregate=shape.is_aggregate,
        method=method,
        text=value.text,
        complete=value.complete,
        text_node=text_node,
        holes=list(value.holes),
        binds=list(shape.binds),
    )


def _nowhere(offset: int) -> Node | None:
    return None


def _literal_finder(ctx: FileContext) -> Callable[[int], Node | None]:
    """The string literal holding a byte offset of the file (for FieldRef.node of a dynamic query):
    string literals never nest, so it is the last one starting at or before the offset, if that one
    reaches it (a binary search instead of a scan of every literal for every query)."""
    literals = syntax.nodes(ctx, "string_literal")
    starts: list[int] = ctx.memo("apex.soql.literal_starts", lambda: [n.start_byte for n in literals])

    def literal_at(offset: int) -> Node | None:
        index = bisect_right(starts, offset) - 1
        if index >= 0 and offset < literals[index].end_byte:
            return literals[index]
        return None

    return literal_at


def dynamic_method(ctx: FileContext, call: Node) -> str | None:
    """Canonical name of a dynamic query method (`Database.query`) for a method_invocation, else None."""
    name = parsing.field(call, "name")
    if name is None or ctx.node_text(name).lower() not in DYNAMIC_METHOD_NAMES:
        return None
    return DYNAMIC_METHODS.get("".join(syntax.qualified_call(ctx, call).split()).lower())


def queries(ctx: FileContext) -> list[Query]:
    """Every inline and dynamic query of the file, in document order (memoized per file)."""

    def build() -> list[Query]:
        found: list[Query] = []
        for node in syntax.nodes(ctx, "query_expression"):
            found.append(_inline_query(ctx, node))
        for call in syntax.calls_named(ctx, *DYNAMIC_METHOD_NAMES):
            method = dynamic_method(ctx, call)
            if method is None:
                continue
            query = _dynamic_query(ctx, call, method, syntax.call_parts(ctx, call)[2])
            if query is not None:
                found.append(query)
        found.sort(key=lambda q: q.node.start_byte)
        return found

    return ctx.memo("apex.soql.queries", build)


def query_at(ctx: FileContext, node: Node) -> Query | None:
    key = parsing.node_key(node)
    table = ctx.memo("apex.soql.by_node", lambda: {parsing.node_key(q.node): q for q in queries(ctx)})
    return table.get(key)


def phi_fields(query: Query, phi: PhiModel) -> list[tuple[FieldRef, PhiReason]]:
    """The PHI fields whose stored values the query returns (COUNT()/COUNT(x)/SUM/AVG do not)."""
    found: list[tuple[FieldRef, PhiReason]] = []
    field_reason = PhiAnswers.of(phi).field_reason_as_spelled
    for ref in query.fields:
        if not ref.returns_value:
            continue
        if ref.wildcard:
            scope = ref.field.upper()
            if ref.object and scope in ("FIELDS(ALL)", "FIELDS(CUSTOM)"):
                reason = phi.object_reason(ref.object)
                if reason is not None:
                    found.append((ref, reason))
            continue
        reason = field_reason(ref.object, ref.field)
        if reason is None and ref.from_object:
            # A lookup judged by where it starts: `MedicationRequest.Medication.Name` is the patient's drug.
            reason = field_reason(ref.from_object, ref.from_path)
        if reason is not None:
            found.append((ref, reason))
    return found


def iter_phi_objects(query: Query, phi: PhiModel) -> Iterator[tuple[str, PhiReason]]:
    """Objects the query reads that are PHI objects (for severity of sharing findings)."""
    for obj in query.objects:
        reason = phi.object_reason(obj)
        if reason is not None:
            yield obj, reason
