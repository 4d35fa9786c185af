"""What a SOQL/SOSL query reads into its results, as the data-flow engine needs it.

A thin adapter: the select list of an inline `[SELECT ...]`/`[FIND ...]` node, or of the text of a
`Database.query('...')` literal, flattened to field paths relative to the returned record:
`SSN__c`, `Patient__r.MRN__c` (relationship), `Encounters__r.Clinical_Notes__c` (sub-query),
`What.SSN__c` with object `Patient__c` (TYPEOF branch). WHERE/ORDER BY fields are not read into the
result, so they are not listed. Aggregates that reveal nothing about one record (COUNT, SUM, AVG) are
skipped; MIN/MAX and toLabel/FORMAT/convertCurrency return the field's value and are kept.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from phi_lint import parsing

Node = parsing.Node

VALUE_FUNCTIONS = frozenset(
    {
        "tolabel",
        "format",
        "convertcurrency",
        "min",
        "max",
        "converttimezone",
        "calendar_year",
        "calendar_month",
        "day_only",
        "day_in_month",
    }
)


@dataclass(frozen=True)
class QueryRead:
    object: str | None  # the object the field belongs to (for relationship paths: the queried object)
    path: str  # field path as written, relative to `object` (may contain relationships)
    key: str  # path relative to the returned record (sub-query / TYPEOF prefix included)
    node: Node
    top_level: bool = True  # part of the outer query (not a sub-query): decides the record type
    all_fields: bool = False  # FIELDS(ALL) / FIELDS(CUSTOM)


def _text(node: Node | None, src: bytes) -> str:
    return parsing.text(node, src)


def _from_object(body: Node, src: bytes) -> str | None:
    clause = parsing.field(body, "from_clause")
    if clause is None:
        clause = next((c for c in body.named_children if c.type == "from_clause"), None)
    if clause is None:
        return None
    for child in clause.named_children:
        if child.type == "storage_identifier":
            return _text(child, src).strip()
        if child.type == "storage_alias":
            inner = next((c for c in child.named_children if c.type == "storage_identifier"), None)
            return _text(inner, src).strip() if inner is not None else None
    return None


def _soql_reads(
    body: Node,
    src: bytes,
    prefix: str,
    top_level: bool,
    out: list[QueryRead],
    obj_override: str | None = None,
) -> None:
    obj = obj_override or _from_object(body, src)
    select = parsing.field(body, "select_clause")
    if select is None:
        select = next((c for c in body.named_children if c.type == "select_clause"), None)
    if select is None:
        return
    for item in select.named_children:
        _select_item(item, src, obj, prefix, top_level, out)


def _select_item(
    item: Node, src: bytes, obj: str | None, prefix: str, top_level: bool, out: list[QueryRead]
) -> None:
    kind = item.type
    if kind == "alias_expression":
        first = item.named_children[0] if item.named_children else None
        if first is not None:
            _select_item(first, src, obj, prefix, top_level, out)
    elif kind == "field_identifier":
        path = _text(item, src).replace(" ", "")
        out.append(QueryRead(obj, path, prefix + path, item, top_level))
    elif kind == "function_expression":
        fname = _text(parsing.field(item, "function_name"), src).lower()
        if fname in VALUE_FUNCTIONS:
            for child in item.named_children:
                if child.type == "field_identifier":
                    path = _text(child, src).replace(" ", "")
                    out.append(QueryRead(obj, path, prefix + path, child, top_level))
    elif kind == "fields_expression":
        if "standard" not in _text(item, src).lower():
            out.append(QueryRead(obj, "", prefix, item, top_level, all_fields=True))
    elif kind == "subquery":
        body = next((c for c in item.named_children if c.type == "soql_query_body"), None)
        if body is not None:
            relationship = _from_object(body, src) or ""
            _soql_reads(body, src, prefix + relationship + ".", False, out, obj_override=None)
            # Fields of a child relationship belong to the child object, which the relationship name
            # does not spell; `object` stays the relationship name for the PHI model to resolve.
    elif kind == "type_of_clause":
        polymorphic = next((c for c in item.named_children if c.type == "identifier"), None)
        rel = _text(polymorphic, src)
        for branch in item.named_children:
            if branch.type in ("when_expression", "else_expression"):
                when_obj = next((c for c in branch.named_children if c.type == "identifier"), None)
                branch_obj = _text(when_obj, src) if branch.type == "when_expression" else None
                for fields in branch.named_children:
                    if fields.type != "field_list":
                        continue
                    for fld in fields.named_children:
                        path = _text(fld, src).replace(" ", "")
                        out.append(QueryRead(branch_obj, path, f"{prefix}{rel}.{path}", fld, top_level))


def _sosl_reads(body: Node, src: bytes, out: list[QueryRead]) -> None:
    for returning in body.named_children:
        if returning.type != "returning_clause":
            continue
        for ret in returning.named_children:
            if ret.type != "sobject_return":
                continue
            obj_node = next((c for c in ret.named_children if c.type == "identifier"), None)
            obj = _text(obj_node, src)
            selected = next((c for c in ret.named_children if c.type == "selected_fields"), None)
            if selected is None:
                continue
            for item in selected.named_children:
                _select_item(item, src, obj, "", True, out)


def query_reads(query: Node, src: bytes) -> list[QueryRead]:
    """Fields a query expression (or a bare soql/sosl body) reads into its results."""
    out: list[QueryRead] = []
    bodies = [query] if query.type in ("soql_query_body", "sosl_query_body") else query.named_children
    for body in bodies:
        if body.type == "soql_query_body":
            _soql_reads(body, src, "", True, out)
        elif body.type == "sosl_query_body":
            _sosl_reads(body, src, out)
    return out


@dataclass(frozen=True)
class ParsedQuery:
    node: Node
    source: bytes


@lru_cache(maxsize=512)
def parse_query_text(text: str) -> ParsedQuery | None:
    """Parse the text of a `Database.query('...')` literal with the Apex grammar's SOQL/SOSL rules.
    Returns None when it is not a query the grammar understands (the caller then knows nothing)."""
    stripped = text.strip()
    if not stripped.lower().startswith(("select", "find")):
        return None
    wrapped = f"class Q {{ void q() {{ Object o = [{stripped}]; }} }}".encode()
    tree = parsing.parse("apex", wrapped)
    found = parsing.captures("apex", "(query_expression) @q", tree.root_node).get("q", [])
    if not found or found[0].has_error:
        return None
    return ParsedQuery(found[0], wrapped)
