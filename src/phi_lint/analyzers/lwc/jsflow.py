"""PHI data flow in one LWC / Aura JavaScript file, computed once and shared by the three lwc/phi-in-* rules.

Sources (field-sensitive: a non-PHI property of a record that also holds PHI is not PHI):
- `@salesforce/schema` imports are field *references*: `getFieldValue(record, SSN_FIELD)`,
  `record.fields.SSN__c.value` and `record[SSN_FIELD.fieldApiName]` read the PHI value;
- `@wire(getRecord, { fields: [...] })` records that include PHI fields;
- records returned by Apex (`@wire(getPatients)`, `getPatients().then(r => ...)`, `await getPatients()`,
  Aura `response.getReturnValue()`), whose properties named like a PHI field API name are PHI; the
  SObject type the Apex method returns is read from the class when it is in the project;
- Aura `component.get("v.patient.SSN__c")`;
- what a user types into a form input (`event.target.value`, `event.detail.value`, Aura
  `event.getSource().get("v.value")`) where the input is known to edit a PHI field: in a `switch`/`if`
  branch keyed by the input's name (`event.target.name`, `dataset.field`, `get("v.name")`) equal to a
  PHI field's API name, in the change handler of inputs that the bundle's template binds to a PHI field
  (`value={patient.SSN__c}`, `field-name="SSN__c"`, `value={ssn}` with a PHI member), and for an input
  selected by its field (`querySelector('[data-field="SSN__c"]').value`).

Propagation inside a function and through the component's own fields (`this.x`, getters): assignment,
destructuring, template literals, concatenation, object and array literals (field by field), string
methods, `JSON.stringify`, `encodeURIComponent`, array callbacks (`map`, `forEach`, `filter`...), `for...of`,
promise `then`/`await`, `a || b` and `a ?? b` (both operands) and `a && b` (only `b`: `a` comes through only
when it is empty).

Sinks are collected in one walk and each rule picks its category: "storage", "url", "analytics".
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from phi_lint import parsing
from phi_lint.analyzers.lwc import phi_names
from phi_lint.parsing import Node

if TYPE_CHECKING:
    from phi_lint.context import FileContext

MEMO_KEY = "lwc-js-flow"
# Nesting (expressions, statements, patterns) the walk follows; each level costs a few Python frames,
# so this keeps far below the interpreter's recursion limit whatever the input.
MAX_NESTING = 100

STORAGE, URL, ANALYTICS = "storage", "url", "analytics"
# A call of some other global function with PHI: an analytics sink when its name matches the rule's option.
CALL = "call"

# ---- abstract values ------------------------------------------------------------------------------
VALUE = "value"  # PHI itself (text, number, date)
RECORD = "record"  # an SObject record or list of them; its PHI is reached through PHI field names
UI_FIELDS = "ui-fields"  # the `fields` map of a Lightning Data Service record
UI_FIELD = "ui-field"  # one entry of that map: `.value` / `.displayValue` is the field value
FIELDREF = "fieldref"  # `@salesforce/schema/Obj.Field` import (or a list of them)
FIELDNAME = "fieldname"  # `SSN_FIELD.fieldApiName`: the API name string
OBJECT = "object"  # an object literal, tracked property by property
APEX = "apex"  # an imported Apex method
PROMISE = "promise"  # the result of an imperative Apex call
STORE = "idb-store"  # an IndexedDB object store
URLOBJ = "url-object"  # `new URL(...)` / `new URLSearchParams(...)`
LOGGER = "logger"  # Nebula Logger's LWC logger (`getLogger()` from c/logger)
INPUT = "input"  # the element an event came from (`event.target`); obj "dataset" for its data-* map
INPUT_NAME = "input-name"  # which input that is (`event.target.name`, `dataset.field`)
INPUT_VALUE = "input-value"  # what was typed: PHI only where the input is known to edit a PHI field
_INPUT_KINDS = frozenset({INPUT, INPUT_NAME, INPUT_VALUE})


@dataclass(frozen=True)
class Val:
    kind: str
    obj: str = ""
    fields: tuple[str, ...] = ()  # PHI descriptors ("Patient__c.SSN__c") a VALUE holds / a RECORD includes
    refs: tuple[str, ...] = ()  # FIELDREF / FIELDNAME targets ("Patient__c.SSN__c")
    props: tuple[tuple[str, Val], ...] = ()  # OBJECT properties
    inner: Val | None = None  # PROMISE result, URLOBJ contents
    origin: tuple[int, int] = (0, 0)  # (line, column) where the PHI was read
    url_at: tuple[int, int] | None = None  # node key of a built URL string that holds PHI
    apex_path: str = ""
    graphql: bool = False  # a `lightning/graphql` result: uiapi.query.<Object>.edges[].node.<Field>.value
    phi_props: tuple[str, ...] = ()  # PHI-named properties of an Apex wrapper-class RECORD


@dataclass(frozen=True)
class SinkEvent:
    category: str
    sink: str  # e.g. "localStorage.setItem", "NavigationMixin.Navigate state"
    span_node_key: tuple[int, int]
    line: int
    column: int
    end_line: int
    end_column: int
    matched_text: str
    phi: str  # PHI descriptors, for the message
    origin: tuple[int, int]


@dataclass
class FlowResult:
    events: list[SinkEvent] = field(default_factory=list)
    # Class members (fields, getters, wired properties) by name: what templates bind to.
    members: dict[str, Val] = field(default_factory=dict)

    def of(self, category: str) -> list[SinkEvent]:
        return [e for e in self.events if e.category == category]


def is_phi(val: Val | None, ctx: FileContext, depth: int = 0) -> bool:
    """Does this value, reaching a sink whole, disclose PHI?"""
    if val is None or depth > 6:
        return False
    if val.kind == VALUE:
        return True
    if val.kind == RECORD:
        return bool(val.fields or val.phi_props) or bool(val.obj and ctx.phi.object_reason(val.obj))
    if val.kind == OBJECT:
        return any(is_phi(v, ctx, depth + 1) for _, v in val.props)
    if val.kind == URLOBJ:
        return is_phi(val.inner, ctx, depth + 1)
    return False


def describe(val: Val | None, ctx: FileContext, depth: int = 0) -> tuple[str, ...]:
    if val is None or depth > 6:
        return ()
    if val.kind == VALUE:
        return val.fields or ("PHI",)
    if val.kind == RECORD:
        if val.fields:
            return val.fields
        if val.phi_props:
            return val.phi_props
        return (f"{val.obj} record",) if val.obj else ()
    if val.kind == OBJECT:
        out: list[str] = []
        for _, v in val.props:
            out += [d for d in describe(v, ctx, depth + 1) if d not in out]
        return tuple(out)
    if val.kind == URLOBJ:
        return describe(val.inner, ctx, depth + 1)
    return ()


def origin_of(val: Val | None, depth: int = 0) -> tuple[int, int]:
    if val is None or depth > 6:
        return (0, 0)
    if val.origin != (0, 0):
        return val.origin
    for _, v in val.props:
        found = origin_of(v, depth + 1)
        if found != (0, 0):
            return found
    return origin_of(val.inner, depth + 1)


def url_keys(val: Val | None, depth: int = 0) -> Iterator[tuple[int, int]]:
    if val is None or depth > 6:
        return
    if val.url_at is not None:
        yield val.url_at
    for _, v in val.props:
        yield from url_keys(v, depth + 1)
    yield from url_keys(val.inner, depth + 1)


def join(a: Val | None, b: Val | None) -> Val | None:
    """May-union of two abstract values (branches, `||`, repeated assignment)."""
    if a is None:
        return b
    if b is None or a == b:
        return a
    # An event's input (`event.detail || this.patient`) says nothing about PHI by itself: keep the
    # other side, which may be a record.
    if a.kind in _INPUT_KINDS and b.kind not in _INPUT_KINDS:
        return b
    if b.kind in _INPUT_KINDS and a.kind not in _INPUT_KINDS:
        return a
    if a.kind == VALUE or b.kind == VALUE:
        base = a if a.kind == VALUE else b
        other = b if base is a else a
        merged = tuple(dict.fromkeys(base.fields + (other.fields if other.kind == VALUE else ())))
        return replace(base, fields=merged, url_at=base.url_at or other.url_at)
    if a.kind == OBJECT and b.kind == OBJECT:
        props = dict(a.props)
        for name, v in b.props:
            props[name] = join(props.get(name), v) or v
        return Val(OBJECT, props=tuple(props.items()))
    if a.kind == b.kind == RECORD:
        return Val(
            RECORD,
            obj=a.obj or b.obj,
            fields=tuple(dict.fromkeys(a.fields + b.fields)),
            origin=a.origin if a.origin != (0, 0) else b.origin,
            graphql=a.graphql or b.graphql,
            phi_props=tuple(dict.fromkeys(a.phi_props + b.phi_props)),
        )
    if a.kind == b.kind == FIELDREF:
        return Val(FIELDREF, refs=tuple(dict.fromkeys(a.refs + b.refs)))
    return a


# ---- names ----------------------------------------------------------------------------------------
_STORAGE_OBJECTS = frozenset({"localStorage", "sessionStorage"})
_STORAGE_METHODS = frozenset({"setItem"})
_LOCATION_PROPS = frozenset({"href", "hash", "search", "pathname"})
_LOCATION_METHODS = frozenset({"assign", "replace"})
_HISTORY_METHODS = frozenset({"pushState", "replaceState"})
_CONSOLE_METHODS = frozenset(
    {
        "log",
        "info",
        "warn",
        "error",
        "debug",
        "trace",
        "table",
        "dir",
        "dirxml",
        "group",
        "groupCollapsed",
        "assert",
        "count",
        "time",
        "timeLog",
    }
)
# Methods that return a boolean / number when called on a PHI string: the result is not PHI.
_NON_PHI_STRING_METHODS = frozenset(
    {
        "includes",
        "startsWith",
        "endsWith",
        "indexOf",
        "lastIndexOf",
        "search",
        "localeCompare",
        "test",
        "has",
        "some",
        "every",
        "findIndex",
        "charCodeAt",
        "codePointAt",
        "getTime",
        "hasOwnProperty",
    }
)
_NON_PHI_PROPS = frozenset({"length", "size"})
_ELEMENT_METHODS = frozenset(
    {
        "filter",
        "find",
        "findLast",
        "slice",
        "sort",
        "reverse",
        "concat",
        "flat",
        "at",
        "toSorted",
        "toReversed",
        "values",
        "pop",
        "shift",
    }
)
_CALLBACK_METHODS = frozenset(
    {"map", "forEach", "filter", "find", "findLast", "some", "every", "flatMap", "findIndex", "sort"}
)
_RECORD_PASSTHROUGH = frozenset({"data", "records"})
_GRAPHQL_PASSTHROUGH = frozenset({"uiapi", "query", "edges", "node"})
_STRING_FUNCTIONS = frozenset(
    {
        "String",
        "encodeURIComponent",
        "encodeURI",
        "escape",
        "btoa",
        "unescape",
        "decodeURIComponent",
        "decodeURI",
        "atob",
        # A health number parsed into a number is still the health number.
        "Number",
        "parseInt",
        "parseFloat",
    }
)
_SALESFORCE_HOSTS = (
    ".salesforce.com",
    ".force.com",
    ".salesforce-sites.com",
    ".visualforce.com",
    ".site.com",
    ".lightning.com",
    ".salesforce-experience.com",
    ".sfdc.net",
    ".documentforce.com",
    ".salesforceliveagent.com",
    ".cloudforce.com",
)
# Kept equal to the default `analytics_calls` option of lwc/phi-in-analytics (a test checks it).
DEFAULT_ANALYTICS_CALLS = (
    "gtag", "ga", "dataLayer.push", "analytics.*", "_satellite.*", "mixpanel.*", "amplitude.*", "heap.*",
    "FS.*", "posthog.*", "Sentry.*", "newrelic.*", "_paq.push", "fbq", "ttq.*", "hj", "pendo.*",
    "appInsights.*", "dtrum.*", "utag.*", "_hsq.push", "clarity", "smartlook", "LogRocket.*", "datadogRum.*",
)  # fmt: skip
# How a URL string starts, and what marks a query, fragment or scheme in front of a PHI value.
_URL_START = re.compile(r"^(?:[a-z][a-z0-9+.-]*://|//|/[A-Za-z_$]|\.{1,2}/|[?#])", re.IGNORECASE)
_URL_MARKER = re.compile(r"\?|#|://")
_FIELD_PATH = re.compile(r"^[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+$")
# Nebula Logger's LWC API: `const logger = getLogger(); logger.info(message)...; logger.saveLog()`.
_NEBULA_LOGGER_MODULES = frozenset({"c/logger", "Nebula/logger"})
_NEBULA_LOG_METHODS = frozenset(
    {
        "error",
        "warn",
        "info",
        "debug",
        "fine",
        "finer",
        "finest",
        "setMessage",
        "setField",
        "setRecordId",
        "setRecord",
        "setScenario",
    }
)
# @api properties that hold ids and flags, never a record.
_NON_RECORD_API_NAMES = frozenset({"recordId", "objectApiName", "flexipageRegionWidth", "label", "title"})
# Every PHI source the flow knows needs one of these in the file (imports, Aura value providers).
_MAY_READ_PHI = re.compile(rb"@salesforce/(?:schema|apex)/|getReturnValue|\.get\(\s*['\"]v\.|__[cr]\b")
_GLOBAL_CALL = re.compile(r"^[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*$")
_AURA_VALUE_PATH = re.compile(r"^\s*v\.([\w.]+)\s*$")
_READS_EVENT_INPUT = re.compile(rb"\.(?:target|currentTarget|srcElement|detail)\b")
# `event.target` / `event.currentTarget` / `event.srcElement` is the input; `event.detail` carries the
# value of Lightning base components (lightning-combobox, lightning-input-field...).
_EVENT_INPUT_PROPS = frozenset({"target", "currentTarget", "srcElement", "detail"})
# Properties of an input that name it, as forms keyed by field API name use them.
_INPUT_NAME_PROPS = frozenset({"name", "fieldName", "fieldApiName"})
_INPUT_VALUE_PROPS = frozenset({"value"})
# An attribute selector naming a field: `[data-field="SSN__c"]`, `[name=MRN__c]`, `[field-name='X']`.
_SELECTED_FIELD = re.compile(r"\[\s*(?:data-[\w-]+|name|field-name)\s*=\s*[\"']?([\w.]+)[\"']?\s*\]")


@dataclass
class Scope:
    vars: dict[str, Val | None] = field(default_factory=dict)
    parent: Scope | None = None

    def lookup(self, name: str) -> Val | None:
        scope: Scope | None = self
        while scope is not None:
            if name in scope.vars:
                return scope.vars[name]
            scope = scope.parent
        return None

    def declare(self, name: str, val: Val | None) -> None:
        self.vars[name] = val

    def assign(self, name: str, val: Val | None) -> None:
        scope: Scope | None = self
        while scope is not None:
            if name in scope.vars:
                scope.vars[name] = join(scope.vars[name], val)
                return
            scope = scope.parent
        self.vars[name] = val


@dataclass
class _Pending:
    """A sink or a built URL waiting for the end of the walk (a URL may be consumed by a later sink)."""

    category: str
    sink: str
    node: Node
    val: Val


class JsFlow:
    def __init__(
        self,
        ctx: FileContext,
        phi_handlers: dict[str, tuple[str, ...]] | None = None,
        bound_by_parents: dict[str, str] | None = None,
        form_handlers: dict[str, str] | None = None,
    ) -> None:
        self.ctx = ctx
        # Handlers of the bundle's record forms, with the form's object (`record_form_handlers`); inside
        # one, `event.detail.fields` is the record being saved (`form_object`).
        self.form_handlers = form_handlers or {}
        self.form_object = ""
        # The component's public properties (Aura attributes) that a parent binds to a PHI field
        # (`phi_names.bound_phi_props`), by `component_key`.
        self.bound_by_parents = bound_by_parents or {}
        self.source = ctx.source
        self.module = Scope()
        # Local names of well-known imports: {"getRecord": "getRecord", ...}
        self.lds: dict[str, str] = {}
        self.navigation_mixin: set[str] = set()
        self.lightning_log: set[str] = set()
        # Local names of Nebula Logger's LWC factory functions (`import { getLogger } from 'c/logger'`).
        self.logger_factories: set[str] = set()
        self.members: dict[str, Val | None] = {}
        self.method_returns: dict[str, Val | None] = {}
        self.in_class = False
        self.sinks: dict[tuple[str, tuple[int, int]], _Pending] = {}
        self.built_urls: dict[tuple[int, int], _Pending] = {}
        self.consumed_urls: set[tuple[int, int]] = set()
        self.depth = 0
        # PHI fields the input being handled edits, inside a branch keyed by its name or a handler of
        # PHI-bound inputs: `event.target.value` is that field's value there.
        self.input_fields: tuple[str, ...] = ()
        # What each change handler's inputs edit (see phi_input_handlers), and the PHI fields of the
        # handlers whose every input edits PHI, given the component's members known so far.
        self.handler_inputs: dict[str, tuple[str, ...]] = phi_handlers or {}
        self.phi_handlers: dict[str, tuple[str, ...]] = self._resolve_handlers()

    # ---- driver ---------------------------------------------------------------------------------
    def run(self) -> FlowResult:
        root = self.ctx.tree.root_node
        for node in root.named_children:
            if node.type == "import_statement":
                self._import(node)
        # Module-level constants first (`const FIELDS = [SSN_FIELD]` is used by the class's @wire).
        self._statements(root, self.module, skip_classes=True)
        classes = [n for n in parsing.walk(root) if n.type in ("class_declaration", "class")]
        # The component's fields carry PHI from one method to another (a wire handler stores records,
        # a click handler reads them): iterate to a fixpoint over the class bodies (values only grow).
        for _ in range(3):
            before = dict(self.members)
            for cls in classes:
                self._class(cls)
            resolved = self._resolve_handlers()
            if before == self.members and resolved == self.phi_handlers:
                break
            # `value={ssn}`: a handler's inputs may turn out to edit PHI once the members are known.
            self.phi_handlers = resolved
        return self._result()

    def _resolve_handlers(self) -> dict[str, tuple[str, ...]]:
        resolved: dict[str, tuple[str, ...]] = {}
        for handler, inputs in self.handler_inputs.items():
            fields: list[str] = []
            for edited in inputs:
                if edited.startswith(MEMBER_BOUND):
                    val = self.members.get(edited[len(MEMBER_BOUND) :])
                    if not is_phi(val, self.ctx):
                        break
                    fields += describe(val, self.ctx)
                else:
                    fields.append(edited)
            else:
                resolved[handler] = tuple(dict.fromkeys(fields))
        return resolved

    def _result(self) -> FlowResult:
        events: list[SinkEvent] = []
        for pending in self.sinks.values():
            events.append(self._event(pending))
        for key, pending in self.built_urls.items():
            if key not in self.consumed_urls:
                events.append(self._event(pending))
        events.sort(key=lambda e: (e.line, e.column, e.category))
        members = {k: v for k, v in self.members.items() if v is not None}
        return FlowResult(events, members)

    def _event(self, pending: _Pending) -> SinkEvent:
        node = pending.node
        span = self.ctx.span_of(node)
        return SinkEvent(
            pending.category,
            pending.sink,
            parsing.node_key(node),
            span.start_line,
            span.start_column,
            span.end_line,
            span.end_column,
            self._text(node),
            ", ".join(describe(pending.val, self.ctx)) or "PHI",
            origin_of(pending.val),
        )

    def _text(self, node: Node | None) -> str:
        return parsing.text(node, self.source)

    # ---- imports --------------------------------------------------------------------------------
    def _import(self, node: Node) -> None:
        source_node = parsing.field(node, "source")
        module = self._string_value(source_node) or ""
        clause = next((c for c in node.named_children if c.type == "import_clause"), None)
        if clause is None:
            return
        default_name = next((self._text(c) for c in clause.named_children if c.type == "identifier"), None)
        named: list[tuple[str, str]] = []
        for spec_list in (c for c in clause.named_children if c.type == "named_imports"):
            for spec in spec_list.named_children:
                if spec.type != "import_specifier":
                    continue
                name = self._text(parsing.field(spec, "name"))
                alias = parsing.field(spec, "alias")
                named.append((name, self._text(alias) if alias is not None else name))
        if module.startswith("@salesforce/schema/") and default_name:
            path = module[len("@salesforce/schema/") :]
            if "." in path:
                self.module.declare(default_name, Val(FIELDREF, refs=(path,)))
        elif module.startswith("@salesforce/apex/") and default_name:
            path = module[len("@salesforce/apex/") :]
            self.module.declare(default_name, Val(APEX, apex_path=path))
        elif module in (
            "lightning/uiRecordApi",
            "lightning/uiRelatedListApi",
            "lightning/graphql",
            "lightning/pageReferenceUtils",
        ):
            for imported, local in named:
                self.lds[local] = imported
        elif module == "lightning/navigation":
            self.navigation_mixin |= {alias for name, alias in named if name == "NavigationMixin"}
        elif module == "lightning/logger":
            self.lightning_log |= {alias for name, alias in named if name == "log"}
        elif module in _NEBULA_LOGGER_MODULES:
            self.logger_factories |= {alias for name, alias in named if name in ("getLogger", "createLogger")}

    # ---- classes --------------------------------------------------------------------------------
    def _class(self, cls: Node) -> None:
        body = parsing.field(cls, "body")
        if body is None:
            return
        self.in_class = True
        for member in body.named_children:
            if member.type == "field_definition":
                self._field_definition(member)
            elif member.type == "method_definition":
                self._method(member)
        self.in_class = False

    def _decorator_wire(self, member: Node) -> Val | None:
        for deco in (c for c in member.children if c.type == "decorator"):
            call = next((c for c in deco.named_children if c.type == "call_expression"), None)
            if call is None or self._text(parsing.field(call, "function")) != "wire":
                continue
            args = self._args(call)
            if not args:
                continue
            return self._wire_value(args[0], args[1] if len(args) > 1 else None, self.module)
        return None

    def _apex_result(self, method: Val, at: Node) -> Val:
        """Records an Apex method returns: of its SObject type, or of a wrapper class whose PHI-named
        `@AuraEnabled` properties are known."""
        returned = phi_names.apex_return_object(self.ctx.project, method.apex_path)
        if returned.startswith(phi_names.WRAPPER_PREFIX):
            props = tuple(p for p in returned[len(phi_names.WRAPPER_PREFIX) :].split(",") if p)
            return Val(RECORD, phi_props=props, origin=self._pos(at))
        return Val(RECORD, obj=returned, origin=self._pos(at))

    def _wire_value(self, adapter: Node, config: Node | None, scope: Scope) -> Val | None:
        name = self._text(adapter)
        target = scope.lookup(name)
        if target is not None and target.kind == APEX:
            return self._apex_result(target, adapter)
        adapter_name = self.lds.get(name, "")
        if adapter_name == "graphql":
            return Val(RECORD, origin=self._pos(adapter), graphql=True)
        if adapter_name in (
            "getRecord",
            "getRecords",
            "getRelatedListRecords",
            "getRecordUi",
            "getRelatedListRecordsBatch",
        ):
            refs: list[str] = []
            if config is not None:
                refs = self._config_fields(config, scope)
            phi = [r for r in refs if self._ref_reason(r)]
            obj = refs[0].split(".")[0] if refs else ""
            return Val(
                RECORD, obj=obj, fields=tuple(self._describe_ref(r) for r in phi), origin=self._pos(adapter)
            )
        return None

    def _config_fields(self, config: Node, scope: Scope) -> list[str]:
        refs: list[str] = []
        if config.type != "object":
            return refs
        for pair in config.named_children:
            if pair.type == "pair" and self._key_name(pair) in ("fields", "optionalFields"):
                refs += self._field_list(parsing.field(pair, "value"), scope)
            elif pair.type == "shorthand_property_identifier" and self._text(pair) in (
                "fields",
                "optionalFields",
            ):
                refs += self._field_list(pair, scope)
        return refs

    def _field_list(self, node: Node | None, scope: Scope) -> list[str]:
        if node is None:
            return []
        if node.type == "array":
            out: list[str] = []
            for item in node.named_children:
                out += self._field_list(item, scope)
            return out
        if node.type == "string":
            text = self._string_value(node) or ""
            return [text] if _FIELD_PATH.match(text) else []
        val = (
            scope.lookup(self._text(node))
            if node.type == "shorthand_property_identifier"
            else self._eval(node, scope)
        )
        if val is not None and val.kind == FIELDREF:
            return list(val.refs)
        return []

    def _has_decorator(self, member: Node, name: str) -> bool:
        return any(
            c.type == "decorator" and self._text(c).lstrip("@").strip() == name for c in member.children
        )

    def _field_definition(self, member: Node) -> None:
        prop = parsing.field(member, "property")
        name = self._text(prop)
        wired = self._decorator_wire(member)
        if wired is None and self._has_decorator(member, "api"):
            # A public property a parent binds to a PHI field (`<c-chart dob={p.DOB__c}>`) is that
            # field's value. Any other may hold a record the parent passes in (`<c-chart patient={p}>`):
            # its PHI-named fields are PHI, the record as a whole is not known to be.
            wired = self._bound_by_parent(name, member)
            if wired is None and name not in _NON_RECORD_API_NAMES:
                wired = Val(RECORD, origin=self._pos(member))
        value = parsing.field(member, "value")
        with (
            self._editing(self.phi_handlers.get(name, ())),
            self._in_form(name),
        ):  # `handleChange = (e) => {}`
            val = (
                wired
                if wired is not None
                else (self._eval(value, Scope(parent=self.module)) if value else None)
            )
        self._set_member(name, val)

    @contextmanager
    def _in_form(self, handler: str) -> Iterator[None]:
        """Walk a handler of a record form: `event.detail.fields` is a record of the form's object."""
        saved = self.form_object
        self.form_object = self.form_handlers.get(handler, saved)
        try:
            yield
        finally:
            self.form_object = saved

    def _bound_by_parent(self, prop: str, at: Node) -> Val | None:
        bound = self.bound_by_parents.get(phi_names.component_key(prop))
        return Val(VALUE, fields=(bound,), origin=self._pos(at)) if bound else None

    def _method(self, member: Node) -> None:
        name = self._text(parsing.field(member, "name"))
        scope = Scope(parent=self.module)
        params = parsing.field(member, "parameters")
        wired = self._decorator_wire(member)
        if wired is None and any(c.type == "set" for c in member.children):
            # `set dob(value)` of a property a parent binds (its `@api` is on the getter or the setter):
            # `value` is what the parent binds.
            wired = self._bound_by_parent(name, member)
        if params is not None:
            first = True
            for param in params.named_children:
                self._bind(param, wired if first else None, scope, declare=True)
                first = False
        body = parsing.field(member, "body")
        with self._editing(self.phi_handlers.get(name, ())), self._in_form(name):
            returns = self._function_body(body, scope)
        is_getter = any(c.type == "get" for c in member.children)
        if is_getter:
            self._set_member(name, returns)
        else:
            self.method_returns[name] = join(self.method_returns.get(name), returns)

    def _set_member(self, name: str, val: Val | None) -> None:
        if val is None and name in self.members:
            return
        self.members[name] = join(self.members.get(name), val)

    # ---- statements -----------------------------------------------------------------------------
    def _function_body(self, body: Node | None, scope: Scope) -> Val | None:
        """Walk a function body; the join of its return values."""
        if body is None:
            return None
        if body.type != "statement_block":  # arrow function with an expression body
            return self._eval(body, scope)
        returns: list[Val | None] = []
        self._statements(body, scope, returns=returns)
        result: Val | None = None
        for r in returns:
            result = join(result, r)
        return result

    def _statements(
        self, node: Node, scope: Scope, returns: list[Val | None] | None = None, skip_classes: bool = False
    ) -> None:
        for child in node.named_children:
            self._statement(child, scope, returns, skip_classes)

    def _statement(
        self, node: Node, scope: Scope, returns: list[Val | None] | None, skip_classes: bool = False
    ) -> None:
        if self.depth >= MAX_NESTING:
            return
        self.depth += 1
        try:
            self._statement_inner(node, scope, returns, skip_classes)
        finally:
            self.depth -= 1

    def _statement_inner(
        self, node: Node, scope: Scope, returns: list[Val | None] | None, skip_classes: bool = False
    ) -> None:
        kind = node.type
        if kind in ("import_statement", "comment"):
            return
        if kind in ("class_declaration", "class"):
            return  # class bodies are walked by _class, with the component's fields
        if kind == "export_statement":
            for child in node.named_children:
                if child.type in ("class_declaration", "class"):
                    continue
                self._statement(child, scope, returns, skip_classes)
            return
        if kind in ("lexical_declaration", "variable_declaration"):
            for decl in (c for c in node.named_children if c.type == "variable_declarator"):
                value = parsing.field(decl, "value")
                val = self._eval(value, scope) if value is not None else None
                target = parsing.field(decl, "name")
                if target is not None:
                    self._bind(target, val, scope, declare=True)
            return
        if kind == "return_statement":
            expr = node.named_children[0] if node.named_children else None
            val = self._eval(expr, scope) if expr is not None else None
            if returns is not None:
                returns.append(val)
            return
        if kind == "expression_statement":
            for child in node.named_children:
                self._eval(child, scope)
            return
        if kind == "for_in_statement":
            right = parsing.field(node, "right")
            left = parsing.field(node, "left")
            val = self._eval(right, scope) if right is not None else None
            inner = Scope(parent=scope)
            is_of = any(c.type == "of" for c in node.children)
            if left is not None:
                self._bind(left, self._element(val) if is_of else None, inner, declare=True)
            body = parsing.field(node, "body")
            if body is not None:
                self._statement(body, inner, returns)
            return
        if kind == "function_declaration":
            name = parsing.field(node, "name")
            self._function(node, scope)
            if name is not None:
                scope.declare(self._text(name), None)
            return
        if kind == "statement_block":
            self._statements(node, Scope(parent=scope), returns)
            return
        if kind == "if_statement":
            self._if(node, scope, returns)
            return
        if kind == "switch_statement":
            self._switch(node, scope, returns)
            return
        # if / while / try / switch / for ...: conditions are evaluated for their sinks, bodies walked.
        for child in node.named_children:
            if child.type.endswith(
                ("statement", "declaration", "clause", "block", "case", "default")
            ) or child.type in ("else_clause", "finally_clause", "catch_clause", "switch_body"):
                self._statement(child, scope, returns)
            else:
                self._eval(child, scope)

    # ---- form inputs keyed by field name ---------------------------------------------------------
    @contextmanager
    def _editing(self, fields: tuple[str, ...]) -> Iterator[None]:
        """Walk a branch or handler in which the event's input edits these PHI fields."""
        saved = self.input_fields
        if fields:
            self.input_fields = tuple(dict.fromkeys(saved + fields))
        try:
            yield
        finally:
            self.input_fields = saved

    def _if(self, node: Node, scope: Scope, returns: list[Val | None] | None) -> None:
        condition = parsing.field(node, "condition")
        self._eval(condition, scope)
        when_true = self._phi_names_compared(condition, scope, True) if condition is not None else ()
        # `if (name !== 'SSN__c') {...} else {...}`: the else branch is the SSN input's.
        when_false = self._phi_names_compared(condition, scope, False) if condition is not None else ()
        consequence = parsing.field(node, "consequence")
        if consequence is not None:
            with self._editing(when_true):
                self._statement(consequence, scope, returns)
        alternative = parsing.field(node, "alternative")
        if alternative is not None:
            with self._editing(when_false):
                self._statement(alternative, scope, returns)

    def _switch(self, node: Node, scope: Scope, returns: list[Val | None] | None) -> None:
        """`switch (event.target.name) { case 'SSN__c': ... }`: the case bodies for PHI field names see
        the input's value as PHI (empty cases fall through to the next body, and share it)."""
        subject = parsing.field(node, "value")
        subject_val = self._eval(subject, scope)
        keyed_by_input = subject_val is not None and subject_val.kind == INPUT_NAME
        body = parsing.field(node, "body")
        block = Scope(parent=scope)  # the cases share one block: `let` in one case is seen by the next
        labels: list[str] = []
        for case in body.named_children if body is not None else []:
            label_node = parsing.field(case, "value") if case.type == "switch_case" else None
            if label_node is not None:
                self._eval(label_node, scope)
                label = self._string_value(label_node)
                if label:
                    labels.append(label)
            statements = [
                c
                for c in case.named_children
                if c.type != "comment"
                and (label_node is None or parsing.node_key(c) != parsing.node_key(label_node))
            ]
            if case.type == "switch_case" and not statements:
                continue  # `case 'A': case 'B': body` - A falls through into B's body
            fields = self._phi_field_names(labels) if keyed_by_input else ()
            labels = []
            with self._editing(fields):
                for statement in statements:
                    self._statement(statement, block, returns)

    def _phi_names_compared(
        self, condition: Node, scope: Scope, holds: bool, depth: int = 0
    ) -> tuple[str, ...]:
        """PHI field names the input's name may equal where `condition` evaluates to `holds`:
        `name === 'SSN__c'`, `a === 'X' || a === 'Y'`, `['SSN__c', 'MRN__c'].includes(name)` when true;
        `name !== 'SSN__c'`, `!(name === 'SSN__c')` when false. (A may-answer: both sides of `&&` and
        `||` count.)"""
        if depth > 20:
            return ()
        if condition.type == "parenthesized_expression" and condition.named_children:
            return self._phi_names_compared(condition.named_children[-1], scope, holds, depth + 1)
        if condition.type == "unary_expression" and self._text(parsing.field(condition, "operator")) == "!":
            argument = parsing.field(condition, "argument")
            return self._phi_names_compared(argument, scope, not holds, depth + 1) if argument else ()
        if condition.type == "binary_expression":
            operator = self._text(parsing.field(condition, "operator"))
            left, right = parsing.field(condition, "left"), parsing.field(condition, "right")
            if left is None or right is None:
                return ()
            if operator in ("||", "&&"):
                return self._phi_names_compared(left, scope, holds, depth + 1) + self._phi_names_compared(
                    right, scope, holds, depth + 1
                )
            if operator in (("===", "==") if holds else ("!==", "!=")):
                for name_side, literal in ((left, right), (right, left)):
                    # The PHI-name test first: it is cached, evaluating the other side is not.
                    fields = self._phi_field_names([self._string_value(literal) or ""])
                    if fields and self._is_input_name(name_side, scope):
                        return fields
            return ()
        if condition.type == "call_expression" and holds:
            function = parsing.field(condition, "function")
            args = self._args(condition)
            owner = parsing.field(function, "object") if function is not None else None
            if (
                function is not None
                and function.type == "member_expression"
                and owner is not None
                and owner.type == "array"
                and self._text(parsing.field(function, "property")) == "includes"
                and len(args) == 1
            ):
                labels = [self._string_value(item) or "" for item in owner.named_children]
                fields = self._phi_field_names([label for label in labels if label])
                if fields and self._is_input_name(args[0], scope):
                    return fields
        return ()

    def _is_input_name(self, node: Node, scope: Scope) -> bool:
        val = self._peek(node, scope)
        return val is not None and val.kind == INPUT_NAME

    def _phi_field_names(self, labels: list[str]) -> tuple[str, ...]:
        return tuple(
            label
            for label in labels
            if label and phi_names.field_reason(self.ctx.project, None, label) is not None
        )

    def _typed(self, val: Val | None, node: Node | None) -> Val | None:
        """An input's value, read where the input edits a PHI field, is that field's value."""
        if val is not None and val.kind == INPUT_VALUE and self.input_fields:
            # Where the value was read from the input (`const { value } = event.target`), else here.
            origin = val.origin if val.origin != (0, 0) else self._pos(node)
            return Val(VALUE, fields=self.input_fields, origin=origin)
        return val

    # ---- binding --------------------------------------------------------------------------------
    def _bind(self, target: Node, val: Val | None, scope: Scope, declare: bool) -> None:
        if self.depth >= MAX_NESTING:
            return
        self.depth += 1
        try:
            self._bind_inner(target, val, scope, declare)
        finally:
            self.depth -= 1

    def _bind_inner(self, target: Node, val: Val | None, scope: Scope, declare: bool) -> None:
        kind = target.type
        if kind in ("identifier", "shorthand_property_identifier_pattern"):
            name = self._text(target)
            if declare:
                scope.declare(name, val)
            else:
                scope.assign(name, val)
        elif kind == "object_pattern":
            for part in target.named_children:
                if part.type == "shorthand_property_identifier_pattern":
                    self._bind(part, self._member(val, self._text(part), part), scope, declare)
                elif part.type == "pair_pattern":
                    key = self._key_name(part)
                    value = parsing.field(part, "value")
                    if value is not None:
                        self._bind(value, self._member(val, key, part) if key else None, scope, declare)
                elif part.type == "object_assignment_pattern":
                    left = parsing.field(part, "left")
                    if left is not None:
                        self._bind(left, self._member(val, self._text(left), part), scope, declare)
                elif part.type == "rest_pattern":
                    for ident in part.named_children:
                        self._bind(ident, val, scope, declare)
        elif kind == "array_pattern":
            for part in target.named_children:
                self._bind(part, self._element(val), scope, declare)
        elif kind in ("assignment_pattern",):
            left = parsing.field(target, "left")
            right = parsing.field(target, "right")
            default = self._eval(right, scope) if right is not None else None
            if left is not None:
                self._bind(left, join(val, default), scope, declare)
        elif kind == "rest_pattern":
            for ident in target.named_children:
                self._bind(ident, val, scope, declare)
        elif kind == "member_expression":
            obj = parsing.field(target, "object")
            prop = self._text(parsing.field(target, "property"))
            if obj is not None and obj.type == "this" and val is not None:
                self._set_member(prop, val)

    # ---- expressions ----------------------------------------------------------------------------
    def _eval(self, node: Node | None, scope: Scope) -> Val | None:
        if node is None:
            return None
        if self.depth >= MAX_NESTING:
            return None  # absurdly deep code (generated, minified): give up on this branch, never crash
        self.depth += 1
        try:
            return self._typed(self._eval_inner(node, scope), node)
        finally:
            self.depth -= 1

    def _eval_inner(self, node: Node, scope: Scope) -> Val | None:
        kind = node.type
        if kind == "identifier":
            return scope.lookup(self._text(node))
        if kind in ("parenthesized_expression", "non_null_expression"):
            inner = node.named_children[-1] if node.named_children else None
            return self._eval(inner, scope)
        if kind == "member_expression":
            return self._member_expression(node, scope)
        if kind == "subscript_expression":
            return self._subscript(node, scope)
        if kind == "call_expression":
            return self._call(node, scope)
        if kind == "new_expression":
            return self._new(node, scope)
        if kind == "await_expression":
            val = self._eval(node.named_children[0] if node.named_children else None, scope)
            return val.inner if val is not None and val.kind == PROMISE else val
        if kind == "assignment_expression":
            return self._assignment(node, scope)
        if kind == "augmented_assignment_expression":
            left = parsing.field(node, "left")
            right_val = self._eval(parsing.field(node, "right"), scope)
            left_val = self._eval(left, scope)
            joined = join(left_val, right_val)
            if left is not None:
                self._assign_to(left, joined, node, scope)
            return joined
        if kind == "binary_expression":
            return self._binary(node, scope)
        if kind == "template_string":
            return self._concat(
                node, [c for c in node.named_children if c.type == "template_substitution"], scope
            )
        if kind == "template_substitution":
            return self._eval(node.named_children[0] if node.named_children else None, scope)
        if kind == "ternary_expression":
            self._eval(parsing.field(node, "condition"), scope)
            return join(
                self._eval(parsing.field(node, "consequence"), scope),
                self._eval(parsing.field(node, "alternative"), scope),
            )
        if kind == "object":
            return self._object(node, scope)
        if kind == "array":
            result: Val | None = None
            for item in node.named_children:
                item_val = self._eval(
                    item.named_children[0] if item.type == "spread_element" and item.named_children else item,
                    scope,
                )
                result = join(result, item_val)
            return result
        if kind in ("arrow_function", "function_expression", "function"):
            self._function(node, scope)
            return None
        if kind == "sequence_expression":
            val = None
            for child in node.named_children:
                val = self._eval(child, scope)
            return val
        if kind == "spread_element":
            return self._eval(node.named_children[0] if node.named_children else None, scope)
        if kind == "this":
            return None
        # Anything else (unary, update, comparisons inside other nodes, literals): walk for sinks only.
        for child in node.named_children:
            self._eval(child, scope)
        return None

    def _function(self, node: Node, scope: Scope, params: tuple[Val | None, ...] = ()) -> Val | None:
        inner = Scope(parent=scope)
        formal = parsing.field(node, "parameters")
        single = parsing.field(node, "parameter")
        targets = [single] if single is not None else (formal.named_children if formal is not None else [])
        for i, target in enumerate(targets):
            self._bind(target, params[i] if i < len(params) else None, inner, declare=True)
        return self._function_body(parsing.field(node, "body"), inner)

    def _binary(self, node: Node, scope: Scope) -> Val | None:
        operator = self._text(parsing.field(node, "operator"))
        left = parsing.field(node, "left")
        right = parsing.field(node, "right")
        if operator == "+":
            return self._concat(node, [c for c in (left, right) if c is not None], scope)
        left_val = self._eval(left, scope)
        right_val = self._eval(right, scope)
        if operator in ("||", "??"):
            return join(left_val, right_val)
        if operator == "&&":
            # `a && b` is `b`, or `a` only when `a` is falsy (empty, null, 0): a value it holds never
            # gets through, so `isValid = p.SSN__c && !other.SSN__c` is a flag, not PHI.
            return right_val
        return None

    def _concat(self, node: Node, parts: list[Node], scope: Scope) -> Val | None:
        """String building: PHI in any part makes the result PHI; PHI after a URL-shaped literal
        makes it a built URL (reported unless a later sink takes the string)."""
        result: Val | None = None
        for part in parts:
            val = self._eval(part, scope)
            if val is not None and is_phi(val, self.ctx):
                if val.kind != VALUE:
                    val = Val(VALUE, fields=describe(val, self.ctx), origin=origin_of(val), url_at=val.url_at)
                result = join(result, val)
        if result is None:
            return None
        if result.url_at is None and self._url_shaped_before_phi(node, scope):
            key = parsing.node_key(node)
            result = replace(result, url_at=key)
            self.built_urls[key] = _Pending(URL, "URL string", node, result)
        return result

    def _url_shaped_before_phi(self, node: Node, scope: Scope) -> bool:
        """Does the string read as a URL up to its first PHI part? It must start like one (`https://`,
        `/apex/...`, `?`, `#`) or carry a query/fragment/scheme marker before the PHI, with no whitespace
        (`'MRN: ' + mrn` is a label, `month + '/' + year` a date)."""
        before = ""
        starts_like_url = False
        for index, piece in enumerate(self._flatten_concat(node)):
            literal = self._literal_text(piece)
            if literal is not None:
                if index == 0:
                    starts_like_url = bool(_URL_START.match(literal))
                before += literal
                continue
            val = self._peek(piece, scope)
            if val is not None and is_phi(val, self.ctx):
                if not before or any(c.isspace() for c in before):
                    return False
                return starts_like_url or bool(_URL_MARKER.search(before))
            before += "x"  # a non-PHI value (an Id, a base URL) stands in the URL
        return False

    def _literal_text(self, piece: Node) -> str | None:
        if piece.type == "string":
            return self._string_value(piece) or ""
        if piece.type in ("string_fragment", "escape_sequence"):
            return self._text(piece)
        return None

    def _flatten_concat(self, node: Node) -> Iterator[Node]:
        """The pieces of a `+` chain or template literal, left to right (iterative: chains of hundreds
        of terms nest that deep)."""
        stack = [node]
        while stack:
            current = stack.pop()
            if current.type == "binary_expression" and self._text(parsing.field(current, "operator")) == "+":
                stack.extend(
                    c for c in (parsing.field(current, "right"), parsing.field(current, "left")) if c
                )
            elif current.type == "template_string":
                for child in current.named_children:
                    if child.type == "template_substitution":
                        yield from child.named_children[:1]
                    else:
                        yield child
            elif current.type == "parenthesized_expression" and current.named_children:
                stack.append(current.named_children[-1])
            else:
                yield current

    def _peek(self, node: Node, scope: Scope) -> Val | None:
        """Evaluate without recording sinks (the node was already evaluated once)."""
        saved_sinks, saved_urls = dict(self.sinks), dict(self.built_urls)
        try:
            return self._eval(node, scope)
        finally:
            self.sinks, self.built_urls = saved_sinks, saved_urls

    def _object(self, node: Node, scope: Scope) -> Val | None:
        props: dict[str, Val] = {}
        for child in node.named_children:
            if child.type == "pair":
                key = self._key_name(child)
                val = self._eval(parsing.field(child, "value"), scope)
                if val is not None and key:
                    props[key] = val
            elif child.type == "shorthand_property_identifier":
                name = self._text(child)
                val = self._typed(scope.lookup(name) or self.module.lookup(name), child)
                if val is not None:
                    props[name] = val
            elif child.type == "spread_element":
                val = self._eval(child.named_children[0] if child.named_children else None, scope)
                if val is not None and val.kind == OBJECT:
                    props.update(dict(val.props))
                elif val is not None and is_phi(val, self.ctx):
                    props["..."] = val
            elif child.type == "method_definition":
                self._function(child, scope)
        if not props:
            return None
        return Val(OBJECT, props=tuple(props.items()))

    def _member_expression(self, node: Node, scope: Scope) -> Val | None:
        obj_node = parsing.field(node, "object")
        prop = self._text(parsing.field(node, "property"))
        if obj_node is not None and obj_node.type == "this":
            if prop in self.members:
                return self.members[prop]
            return None
        base = self._eval(obj_node, scope)
        if base is None and prop in _EVENT_INPUT_PROPS:
            return Val(INPUT)  # `event.target`: whatever `event` is, its target is the input
        return self._member(base, prop, node)

    def _member(self, base: Val | None, prop: str, node: Node | None) -> Val | None:
        """Field-sensitive property read."""
        if base is None or not prop:
            return None
        kind = base.kind
        if kind == VALUE:
            return None if prop in _NON_PHI_PROPS else base
        if kind == OBJECT:
            found = dict(base.props).get(prop)
            if found is None and "..." in dict(base.props):
                return self._member(dict(base.props)["..."], prop, node)
            return found
        if kind == FIELDREF:
            if prop == "fieldApiName":
                return Val(FIELDNAME, refs=base.refs)
            return None
        if kind == URLOBJ:
            return base if prop in ("href", "search", "hash", "searchParams") else None
        if kind == RECORD:
            if prop in base.phi_props:
                return Val(VALUE, fields=(prop,), origin=self._pos(node))
            if prop in _RECORD_PASSTHROUGH:
                return base
            if prop == "fields":
                return Val(UI_FIELDS, obj=base.obj, fields=base.fields, origin=base.origin)
            rel = phi_names.relationship_object(prop)
            if rel is not None:
                return Val(RECORD, obj=rel, origin=base.origin)
            if base.graphql:
                if prop in _GRAPHQL_PASSTHROUGH:
                    return base
                if prop.lower() in self.ctx.phi.metadata or self.ctx.phi.object_reason(prop) is not None:
                    return replace(base, obj=prop)  # uiapi.query.Patient__c
            reason = phi_names.field_reason(self.ctx.project, base.obj, prop)
            if reason is not None:
                # (GraphQL wraps each field, `node.SSN__c.value`: a property of a PHI value stays PHI.)
                return Val(VALUE, fields=(self._describe(base.obj, prop),), origin=self._pos(node))
            return None
        if kind == UI_FIELDS:
            return Val(
                UI_FIELD, obj=base.obj, refs=(f"{base.obj}.{prop}" if base.obj else prop,), origin=base.origin
            )
        if kind == UI_FIELD:
            if prop in ("value", "displayValue"):
                ref = base.refs[0] if base.refs else ""
                obj, _, fld = ref.rpartition(".")
                if phi_names.field_reason(self.ctx.project, obj or None, fld):
                    return Val(VALUE, fields=(self._describe(obj, fld),), origin=self._pos(node))
            return None
        if kind == INPUT:
            if prop == "fields" and self.form_object and base.obj != "dataset":
                # lightning-record-edit-form's submit/success event: `event.detail.fields` is the record
                return Val(RECORD, obj=self.form_object, origin=self._pos(node))
            if base.obj == "dataset":
                return Val(INPUT_NAME)  # data-field="SSN__c", data-name=..., data-id=...
            if prop == "dataset":
                return Val(INPUT, obj="dataset")
            if prop in _INPUT_NAME_PROPS:
                return Val(INPUT_NAME)
            if prop in _INPUT_VALUE_PROPS:
                if base.fields:  # querySelector('[data-field="SSN__c"]').value
                    return Val(VALUE, fields=base.fields, origin=self._pos(node))
                return Val(INPUT_VALUE, origin=self._pos(node))
            return None
        if kind == PROMISE:
            return None
        return None

    def _subscript(self, node: Node, scope: Scope) -> Val | None:
        base = self._eval(parsing.field(node, "object"), scope)
        index = parsing.field(node, "index")
        if index is not None and index.type == "string":
            return self._member(base, self._string_value(index) or "", node)
        index_val = self._eval(index, scope)
        if index_val is not None and index_val.kind == FIELDNAME and base is not None:
            ref = index_val.refs[0] if index_val.refs else ""
            return self._member(base, ref.rpartition(".")[2], node)
        return self._element(base)

    def _element(self, val: Val | None) -> Val | None:
        """An element of a list (records stay records; PHI strings stay PHI)."""
        if val is None:
            return None
        if val.kind in (RECORD, VALUE):
            return val
        if val.kind == OBJECT:
            return val
        return None

    # ---- calls ----------------------------------------------------------------------------------
    def _args(self, call: Node) -> list[Node]:
        args = parsing.field(call, "arguments")
        if args is None:
            return []
        return [a for a in args.named_children if a.type != "comment"]

    def _callee_name(self, function: Node | None) -> str:
        """Dotted callee name without a leading `window.`/`globalThis.`/`self.`: `localStorage.setItem`."""
        if function is None or function.type not in ("identifier", "member_expression"):
            return ""
        if function.end_byte - function.start_byte > 200:
            return ""  # a long chain (minified code, builders): no sink has such a name
        text = self._text(function)
        text = re.sub(r"\s+", "", text).replace("?.", ".")
        for prefix in ("window.", "globalThis.", "self.", "$wnd."):
            if text.startswith(prefix):
                text = text[len(prefix) :]
        return text

    def _call(self, node: Node, scope: Scope) -> Val | None:
        function = parsing.field(node, "function")
        args = self._args(node)
        name = self._callee_name(function)
        # NavigationMixin: this[NavigationMixin.Navigate](pageReference)
        if function is not None and function.type == "subscript_expression":
            index = self._text(parsing.field(function, "index"))
            mixin, _, method = index.partition(".")
            if mixin in self.navigation_mixin and method in ("Navigate", "GenerateUrl"):
                return self._navigate(node, args, scope, method)
        # Method calls on a tracked receiver.
        receiver_val: Val | None = None
        method = ""
        if function is not None and function.type == "member_expression":
            method = self._text(parsing.field(function, "property"))
            receiver = parsing.field(function, "object")
            receiver_val = self._eval(receiver, scope)
        elif function is not None:
            self._eval(function, scope) if function.type not in ("identifier",) else None
        arg_vals = self._eval_args(args, scope, receiver_val, method)
        sink_val = self._sinks_for_call(node, name, method, receiver_val, args, arg_vals)
        if sink_val is not None:
            return sink_val
        return self._call_result(node, name, method, function, receiver_val, args, arg_vals, scope)

    def _eval_args(
        self, args: list[Node], scope: Scope, receiver: Val | None, method: str
    ) -> list[Val | None]:
        vals: list[Val | None] = []
        for i, arg in enumerate(args):
            if arg.type in ("arrow_function", "function_expression", "function") and receiver is not None:
                vals.append(self._callback(arg, scope, receiver, method, i))
            else:
                vals.append(self._eval(arg, scope))
        return vals

    def _callback(self, fn: Node, scope: Scope, receiver: Val, method: str, index: int) -> Val | None:
        if receiver.kind == PROMISE and method == "then" and index == 0:
            return self._function(fn, scope, (receiver.inner,))
        if method in _CALLBACK_METHODS:
            element = self._element(receiver)
            params: tuple[Val | None, ...] = (element, element) if method == "sort" else (element,)
            return self._function(fn, scope, params)
        if method == "reduce":
            return self._function(fn, scope, (None, self._element(receiver)))
        return self._function(fn, scope)

    def _call_result(
        self,
        node: Node,
        name: str,
        method: str,
        function: Node | None,
        receiver: Val | None,
        args: list[Node],
        arg_vals: list[Val | None],
        scope: Scope,
    ) -> Val | None:
        first = arg_vals[0] if arg_vals else None
        if function is not None and function.type == "identifier":
            target = scope.lookup(name) or self.module.lookup(name)
            if target is not None and target.kind == APEX:
                return Val(PROMISE, inner=self._apex_result(target, node))
            lds = self.lds.get(name, "")
            if lds in ("getFieldValue", "getFieldDisplayValue") and len(arg_vals) > 1:
                ref = arg_vals[1]
                refs = ref.refs if ref is not None and ref.kind == FIELDREF else ()
                if not refs and len(args) > 1 and args[1].type == "string":
                    refs = ((self._string_value(args[1]) or ""),)
                phi = [r for r in refs if self._ref_reason(r)]
                if phi:
                    return Val(
                        VALUE, fields=tuple(self._describe_ref(r) for r in phi), origin=self._pos(node)
                    )
                return None
            if name in self.logger_factories:
                return Val(LOGGER)
            if name in _STRING_FUNCTIONS or lds == "encodeDefaultFieldValues":
                # encodeDefaultFieldValues({ SSN__c: ssn }) becomes `state.defaultFieldValues`: URL text.
                return self._as_value(first)
            return None
        if name == "JSON.stringify":
            return self._as_value(first)
        if name == "JSON.parse":
            return first
        if name in ("Object.assign", "Object.freeze"):
            result: Val | None = None
            for val in arg_vals:
                result = join(result, val)
            return result
        if name in ("Object.values", "Object.entries"):
            return self._as_value(first) if first is not None and first.kind == OBJECT else first
        if method == "getReturnValue":
            return Val(RECORD, origin=self._pos(node))
        if method == "querySelector" and args and args[0].type == "string":
            # this.template.querySelector('lightning-input[data-field="SSN__c"]'): the input of that field
            selected = _SELECTED_FIELD.search(self._string_value(args[0]) or "")
            if selected:
                fields = self._phi_field_names([selected.group(1)])
                return Val(INPUT, fields=fields) if fields else None
            return None
        if method == "getSource" and not args:
            return Val(INPUT)  # Aura: event.getSource() is the component that fired the change
        if receiver is not None and receiver.kind == INPUT and method == "get" and args:
            # Aura: event.getSource().get("v.name") / .get("v.value")
            attribute = (self._string_value(args[0]) or "").strip()
            if attribute in ("v.name", "v.fieldName", "v.aura:id"):
                return Val(INPUT_NAME)
            if attribute == "v.value":
                return Val(INPUT_VALUE, origin=self._pos(node))
            return None
        if receiver is not None and receiver.kind == INPUT and method == "getLocalId" and not args:
            return Val(INPUT_NAME)  # the aura:id
        if method == "get" and args and args[0].type == "string":
            # Aura: component.get("v.patient.SSN__c")
            match = _AURA_VALUE_PATH.match(self._string_value(args[0]) or "")
            if match:
                path = match.group(1).split(".")
                if len(path) > 1:
                    # v.pe.Study__r.Link__c: the field of the related object (Study__c) when the path says it
                    obj = phi_names.relationship_object(path[-2]) if len(path) > 2 else None
                    return self._member(Val(RECORD, obj=obj or "", origin=self._pos(node)), path[-1], node)
                # component.get("v.dob"): the bundle's attribute, which a parent may bind to a PHI field
                return self._bound_by_parent(path[0], node) or Val(RECORD, origin=self._pos(node))
            return None
        if method == "objectStore":
            return Val(STORE)
        if receiver is not None and receiver.kind == INPUT and method == "getAttribute" and args:
            attribute = (self._string_value(args[0]) or "").lower()
            if attribute in ("name", "field-name") or attribute.startswith("data-"):
                return Val(INPUT_NAME)
            return None
        if receiver is not None and receiver.kind == LOGGER:
            return receiver  # the builder API chains: logger.info(msg).setRecordId(id)
        if receiver is None:
            if function is not None and function.type == "member_expression":
                owner = parsing.field(function, "object")
                if owner is not None and owner.type == "this":
                    return self.method_returns.get(method)
            return None
        if receiver.kind == PROMISE:
            if method == "then":
                return Val(PROMISE, inner=first)
            return None
        if receiver.kind == VALUE:
            if method in _NON_PHI_STRING_METHODS:
                return None
            return receiver
        if receiver.kind == RECORD:
            if method in _ELEMENT_METHODS:
                return receiver
            if method in ("map", "flatMap"):
                return first
            if method == "reduce":
                return first
            if method == "join":
                return self._as_value(receiver)
            return None
        if receiver.kind == OBJECT:
            if method in ("map", "flatMap"):
                return first
            if method in _ELEMENT_METHODS:
                return receiver
            if method in ("join", "toString"):
                return self._as_value(receiver)
        if receiver.kind == URLOBJ and method == "toString":
            return receiver
        return None

    def _as_value(self, val: Val | None) -> Val | None:
        if val is None or not is_phi(val, self.ctx):
            return None
        if val.kind == VALUE:
            return val
        return Val(
            VALUE,
            fields=describe(val, self.ctx),
            origin=origin_of(val),
            url_at=next(iter(url_keys(val)), None),
        )

    def _new(self, node: Node, scope: Scope) -> Val | None:
        constructor = self._text(parsing.field(node, "constructor"))
        args = parsing.field(node, "arguments")
        vals = [self._eval(a, scope) for a in (args.named_children if args is not None else [])]
        first = vals[0] if vals else None
        if constructor in ("URL", "URLSearchParams", "window.URL"):
            if first is not None and is_phi(first, self.ctx):
                key = parsing.node_key(node)
                inner = self._as_value(first)
                if inner is not None and inner.url_at is None:
                    self.built_urls[key] = _Pending(URL, f"new {constructor}", node, inner)
                    inner = replace(inner, url_at=key)
                return Val(URLOBJ, inner=inner)
            return Val(URLOBJ)
        if constructor in ("Blob", "File") and first is not None:
            return self._as_value(first)
        return None

    # ---- assignments ----------------------------------------------------------------------------
    def _assignment(self, node: Node, scope: Scope) -> Val | None:
        left = parsing.field(node, "left")
        val = self._eval(parsing.field(node, "right"), scope)
        if left is None:
            return val
        self._assign_to(left, val, node, scope)
        return val

    def _assign_to(self, left: Node, val: Val | None, node: Node, scope: Scope) -> None:
        if left.type in ("identifier", "object_pattern", "array_pattern"):
            self._bind(left, val, scope, declare=False)
            return
        target = self._callee_name(left)
        if left.type == "member_expression":
            obj = parsing.field(left, "object")
            prop = self._text(parsing.field(left, "property"))
            if obj is not None and obj.type == "this":
                self._set_member(prop, val)
                return
            self._eval(obj, scope)
            obj_name = self._callee_name(obj)
            if obj_name in _STORAGE_OBJECTS:
                self._sink(STORAGE, f"{obj_name}.{prop}", node, val)
            elif target in ("document.cookie",):
                self._sink(STORAGE, "document.cookie", node, val)
            elif target in ("location", "document.location") or (
                obj_name in ("location", "document.location") and prop in _LOCATION_PROPS
            ):
                self._sink(URL, target, node, val)
            elif prop in ("href", "src", "action") and val is not None and val.url_at is not None:
                self._sink(URL, f"{prop} attribute", node, val)
            elif val is not None and val.kind != VALUE:
                base = self._eval(obj, scope)
                if (
                    base is not None
                    and base.kind == URLOBJ
                    and prop in ("search", "hash", "href", "pathname")
                ):
                    self._sink(URL, f"URL.{prop}", node, val)
        elif left.type == "subscript_expression":
            obj = parsing.field(left, "object")
            obj_name = self._callee_name(obj)
            if obj_name in _STORAGE_OBJECTS:
                self._sink(STORAGE, f"{obj_name}[...]", node, val)
        elif target == "location":
            self._sink(URL, "location", node, val)

    # ---- sinks ----------------------------------------------------------------------------------
    def _sink(self, category: str, sink: str, node: Node, val: Val | None, consume_urls: bool = True) -> None:
        if val is None:
            return
        if consume_urls:
            self.consumed_urls.update(url_keys(val))
        if not is_phi(val, self.ctx):
            return
        self.sinks[(category, parsing.node_key(node))] = _Pending(category, sink, node, val)

    def _sinks_for_call(
        self,
        node: Node,
        name: str,
        method: str,
        receiver: Val | None,
        args: list[Node],
        vals: list[Val | None],
    ) -> Val | None:
        """Record the sink this call is, if any. Returns a value only when the call's result is known."""
        head, _, tail = name.rpartition(".")
        everything = _join_all(vals)
        # Browser storage
        if head in _STORAGE_OBJECTS and tail in _STORAGE_METHODS:
            self._sink(STORAGE, name, node, everything)
            return None
        if receiver is not None and receiver.kind == STORE and method in ("put", "add"):
            self._sink(STORAGE, f"IndexedDB {method}", node, everything)
            return None
        if name == "cookieStore.set":
            self._sink(STORAGE, name, node, everything)
            return None
        # URLs
        if (
            (head in ("location", "document.location") and tail in _LOCATION_METHODS)
            or name == "open"
            or name == "window.open"
        ):
            self._sink(URL, name, node, vals[0] if vals else None)
            return None
        if head == "history" and tail in _HISTORY_METHODS:
            self._sink(URL, name, node, vals[2] if len(vals) > 2 else None)
            return None
        if receiver is not None and receiver.kind == URLOBJ and method in ("set", "append"):
            self._sink(URL, f"URLSearchParams.{method}", node, everything)
            return None
        if tail == "searchParams" or name.endswith((".searchParams.set", ".searchParams.append")):
            self._sink(URL, name, node, everything)
            return None
        if name == "fetch" or name == "navigator.sendBeacon":
            self._sink(URL, f"{name} URL", node, vals[0] if vals else None)
            if self._external_host(args[0] if args else None) or name == "navigator.sendBeacon":
                self._sink(
                    ANALYTICS,
                    f"{name} to {self._host_text(args[0] if args else None)}",
                    node,
                    _join_all(vals[1:]),
                )
            return Val(PROMISE) if name == "fetch" else None
        if (
            method == "open"
            and len(args) >= 2
            and args[0].type == "string"
            and (self._string_value(args[0]) or "").upper()
            in ("GET", "POST", "PUT", "DELETE", "PATCH", "HEAD")
        ):
            self._sink(URL, "XMLHttpRequest.open", node, vals[1])
            return None
        # Analytics and console
        if head == "console" and tail in _CONSOLE_METHODS:
            self._sink(ANALYTICS, name, node, everything)
            return None
        if name in self.lightning_log:
            self._sink(ANALYTICS, "lightning/logger log", node, everything)
            return None
        if receiver is not None and receiver.kind == LOGGER and method in _NEBULA_LOG_METHODS:
            self._sink(ANALYTICS, f"Nebula Logger {method}", node, everything)
            return None
        # Any other global function or method receiving PHI is a candidate: the analytics rule matches
        # it against its `analytics_calls` option (the flow is shared, options are per rule).
        if (
            name
            and not name.startswith(("this.", "JSON.", "Object.", "String.", "Array.", "Promise."))
            and name not in self.lds
            and name not in _STRING_FUNCTIONS
            and _is_global_call(name)
            and is_phi(everything, self.ctx)
        ):
            consume = matches_any(name, DEFAULT_ANALYTICS_CALLS)
            self._sink(CALL, name, node, everything, consume_urls=consume)
        return None

    def _navigate(self, node: Node, args: list[Node], scope: Scope, method: str) -> Val | None:
        vals = [self._eval(a, scope) for a in args]
        page_ref = vals[0] if vals else None
        if page_ref is None or page_ref.kind != OBJECT:
            return None
        props = dict(page_ref.props)
        state = props.get("state")
        attributes = props.get("attributes")
        url = self._member(attributes, "url", node) if attributes is not None else None
        leaked = join(state, url)
        self._sink(URL, f"NavigationMixin.{method} {'state' if state is not None else 'url'}", node, leaked)
        return Val(PROMISE) if method == "GenerateUrl" else None

    def _external_host(self, url_node: Node | None) -> bool:
        host = self._host_text(url_node)
        if not host:
            return False
        return not (host == "salesforce.com" or host.endswith(_SALESFORCE_HOSTS))

    def _host_text(self, url_node: Node | None) -> str:
        """Host of a literal (or literal-prefixed) URL; "" for relative or unknown URLs."""
        if url_node is None:
            return ""
        text = ""
        if url_node.type == "string":
            text = self._string_value(url_node) or ""
        elif url_node.type == "template_string":
            first = url_node.named_children[0] if url_node.named_children else None
            text = self._text(first) if first is not None and first.type == "string_fragment" else ""
        elif url_node.type == "binary_expression":
            left = parsing.field(url_node, "left")
            return self._host_text(left)
        if not text.lower().startswith(("http://", "https://", "//")):
            return ""
        try:
            return (urlsplit(text).hostname or "").lower()
        except ValueError:
            return ""

    # ---- small helpers --------------------------------------------------------------------------
    def _key_name(self, pair: Node) -> str:
        key = parsing.field(pair, "key")
        if key is None:
            return ""
        if key.type == "string":
            return self._string_value(key) or ""
        return self._text(key)

    def _string_value(self, node: Node | None) -> str | None:
        if node is None or node.type != "string":
            return None
        return self._text(node)[1:-1]

    def member_of(self, base: Val | None, prop: str) -> Val | None:
        """Field-sensitive property read, for callers outside the walk (template bindings)."""
        return self._member(base, prop, None)

    def _pos(self, node: Node | None) -> tuple[int, int]:
        if node is None:
            return (0, 0)
        span = self.ctx.span_of(node)
        return (span.start_line, span.start_column)

    def _ref_reason(self, ref: str) -> bool:
        obj, _, fld = ref.partition(".")
        return bool(fld) and phi_names.field_reason(self.ctx.project, obj, fld) is not None

    def _describe_ref(self, ref: str) -> str:
        obj, _, fld = ref.partition(".")
        return self._describe(obj, fld)

    @staticmethod
    def _describe(obj: str, fld: str) -> str:
        return f"{obj}.{fld}" if obj else fld


def _join_all(vals: list[Val | None]) -> Val | None:
    """What a call's arguments, taken together, disclose: the PHI values among them, else the containers."""
    phi_values = [v for v in vals if v is not None and v.kind == VALUE]
    if phi_values:
        merged: Val | None = None
        for v in phi_values:
            merged = join(merged, v)
        return merged
    containers = [v for v in vals if v is not None and v.kind in (RECORD, OBJECT, URLOBJ)]
    if not containers:
        return None
    if len(containers) == 1:
        return containers[0]
    return Val(OBJECT, props=tuple((str(i), v) for i, v in enumerate(containers)))


def _is_global_call(name: str) -> bool:
    return bool(_GLOBAL_CALL.match(name))


def matches_any(name: str, patterns: tuple[str, ...] | list[str]) -> bool:
    """`analytics.track` matches "analytics.track" and "analytics.*"."""
    return any(fnmatch.fnmatchcase(name, p) for p in patterns)


def flow(ctx: FileContext) -> FlowResult:
    """The file's sink events and member values, computed once for all lwc/phi-in-* rules."""

    def compute() -> FlowResult:
        handlers = phi_input_handlers(ctx) if _READS_EVENT_INPUT.search(ctx.source) else {}
        bound_to_fields = any(
            not any(e.startswith(MEMBER_BOUND) for e in inputs) for inputs in handlers.values()
        )
        bound_by_parents = phi_names.bound_phi_props(ctx.project, ctx.path.parent.name)
        forms = record_form_handlers(ctx) if b"fields" in ctx.source else {}
        if not (bound_to_fields or bound_by_parents or forms) and not _MAY_READ_PHI.search(ctx.source):
            return FlowResult()  # no source of PHI at all: most utility modules, no walk needed
        return JsFlow(ctx, handlers, bound_by_parents, forms).run()

    return ctx.memo(MEMO_KEY, compute)


# ---- change handlers of PHI inputs in the bundle's templates -------------------------------------
_START_TAG = phi_names.START_TAG
_ATTRIBUTE = phi_names.ATTRIBUTE
_CHANGE_EVENTS = frozenset(
    {"onchange", "oninput", "onblur", "onfocusout", "onkeyup", "onkeydown", "oncommit"}
)
_BINDING_PATH = re.compile(r"^\{\s*([A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*)\s*\}$")


MEMBER_BOUND = "this."


def phi_input_handlers(ctx: FileContext) -> dict[str, tuple[str, ...]]:
    """Change handlers (`onchange={handleSsn}`) whose every input in the bundle's templates may edit a
    PHI field, with what each input edits: a PHI field bound as `value={patient.SSN__c}`,
    `field-name="SSN__c"`, `name="SSN__c"` or `data-field="SSN__c"`, or `this.ssn` for `value={ssn}`
    (PHI when the component's member is; the flow decides). A handler shared with another input is
    left out: its branches decide."""
    fields_of: dict[str, list[str]] = {}
    shared_with_other_inputs: set[str] = set()
    for _, attributes in _bundle_start_tags(ctx):
        handlers = [
            match.group(1)
            for name, value in attributes.items()
            if name in _CHANGE_EVENTS and (match := _BINDING_PATH.match(value)) and "." not in match.group(1)
        ]
        if not handlers:
            continue
        edited = _edited_phi_field(ctx, attributes)
        for handler in handlers:
            if edited:
                fields_of.setdefault(handler, []).append(edited)
            else:
                shared_with_other_inputs.add(handler)
    return {
        handler: tuple(dict.fromkeys(fields))
        for handler, fields in fields_of.items()
        if handler not in shared_with_other_inputs
    }


# Base components whose events carry the record they edit or show (`event.detail.fields`).
_RECORD_FORMS = frozenset(
    {"lightning-record-edit-form", "lightning-record-form", "lightning-record-view-form"}
)
_FORM_EVENTS = frozenset({"onsubmit", "onsuccess", "onload"})


def record_form_handlers(ctx: FileContext) -> dict[str, str]:
    """Handlers of the bundle's record forms of a PHI object (`<lightning-record-edit-form
    object-api-name="Patient__c" onsubmit={handleSubmit}>`), with that object. A form whose object is
    bound (`object-api-name={objectApiName}`) or not PHI gives nothing."""
    found: dict[str, str] = {}
    for name, attributes in _bundle_start_tags(ctx):
        if name not in _RECORD_FORMS:
            continue
        obj = attributes.get("object-api-name", "").strip()
        if not obj or obj.startswith("{") or ctx.phi.object_reason(obj) is None:
            continue
        for event in _FORM_EVENTS:
            handler = _BINDING_PATH.match(attributes.get(event, ""))
            if handler and "." not in handler.group(1):
                found[handler.group(1)] = obj
    return found


def _bundle_start_tags(ctx: FileContext) -> list[tuple[str, dict[str, str]]]:
    """(lower-cased tag name, attributes by lower-cased name, quotes stripped) of every start tag in
    the bundle's templates; read once per file for the change-handler and record-form scans."""

    def read() -> list[tuple[str, dict[str, str]]]:
        try:
            templates = sorted(ctx.path.parent.glob("*.html"))
        except OSError:
            return []
        tags = []
        for template in templates:
            text = phi_names.read_markup(template)
            for tag in _START_TAG.finditer(text or ""):
                attributes = {
                    m.group(1).lower(): (m.group(2) or "").strip("\"'")
                    for m in _ATTRIBUTE.finditer(tag.group(2))
                }
                tags.append((tag.group(1).lower(), attributes))
        return tags

    found: list[tuple[str, dict[str, str]]] = ctx.memo("lwc-bundle-start-tags", read)
    return found


def _edited_phi_field(ctx: FileContext, attributes: dict[str, str]) -> str:
    candidates: list[str] = []
    bound = _BINDING_PATH.match(attributes.get("value", ""))
    if bound and "." in bound.group(1):
        candidates.append(bound.group(1).rsplit(".", 1)[1])  # value={patient.SSN__c}
    for name in ("field-name", "name", "data-field", "data-name", "data-fieldname", "data-field-name"):
        literal = attributes.get(name, "")
        if literal and not literal.startswith("{"):
            candidates.append(literal)
    for candidate in candidates:
        if phi_names.field_reason(ctx.project, None, candidate) is not None:
            return candidate
    if bound and "." not in bound.group(1):
        return MEMBER_BOUND + bound.group(1)  # value={ssn}: PHI if the member is
    return ""
