"""PHI data flow for Apex: where PHI is read, how it moves, and which sinks it reaches.

One walk per file evaluates every method body in statement order with an abstract value per variable
(`Value`): the PHI reads it carries (`Origin`s, each with the place it was read), which parameters of
the enclosing method flow into it (for method summaries), and, for records, which object they are
and which PHI fields a query selected into them (field-sensitive: `p.Status__c` of a PHI record is not
PHI, `p.SSN__c` is, the whole record `p` is when it holds PHI fields).

The walk records `SinkEvent`s: calls where a value reaches a log, email, callout, URL or weak-digest
sink, plus crypto misuse facts (hard-coded key/IV). Rules in `flow_rules` filter these events; they
never walk the tree again. The same walk, run over all Apex files in `prepare()`, builds the project's
method summaries (`Summaries`): a method that passes parameter i to a sink is itself a sink for its
i-th argument, transitively, so a finding goes where PHI enters a project's own logging wrapper and
never inside the wrapper.

Analysis is flow-sensitive in straight-line code (a re-assigned variable forgets its old value) and
joins values in branches and loops (a loop body runs a second time when the first pass changed
something, so loop-carried flows are seen). Beyond one body: method summaries (with instance calls
dispatched to at most three implementations of an interface or base class), and PHI written into a
class field by one body is seen by the class's other bodies. Test code is skipped; subtrees nested
deeper than MAX_DEPTH are summarised without recursion.

Sinks: System.debug, Nebula Logger, configured `[sinks]`, DML/EventBus writes of log objects
(LOG); SingleEmailMessage/MassEmailMessage subject and bodies, EmailFileAttachment body and name
(EMAIL); HttpRequest body/endpoint/headers unless the request's endpoint is a `callout:` Named
Credential (CALLOUT); PageReference parameters and URLs (URL); MD5/SHA1 digests and HMACs
(WEAK_DIGEST). Crypto misuse facts without PHI: hard-coded keys and IVs, static IVs.
"""

from __future__ import annotations

import enum
import fnmatch
import hashlib
import re
import sys
import weakref
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import TYPE_CHECKING, NamedTuple, TypeVar, cast

from phi_lint import parsing
from phi_lint.analyzers.apex import soql, syntax
from phi_lint.findings import Location, Span, normalize_text
from phi_lint.phi import (
    CATALOGUE_OBJECTS,
    SYSTEM_FIELDS,
    PhiAnswers,
    PhiModel,
    PhiReason,
    catalogue_name_match,
    name_tokens,
    relationship_to_object,
)

if TYPE_CHECKING:
    from phi_lint.context import FileContext

Node = parsing.Node

# ---- vocabulary ------------------------------------------------------------------------------------

LOG = "log"
EMAIL = "email"
CALLOUT = "callout"
URL = "url"
WEAK_DIGEST = "weak-digest"
HARDCODED_KEY = "hardcoded-key"
HARDCODED_IV = "hardcoded-iv"
STATIC_IV = "static-iv"
# Sink kinds a value can reach (and so can flow through method summaries).
FLOW_KINDS = (LOG, EMAIL, CALLOUT, URL, WEAK_DIGEST)

NEBULA_LOG_METHODS = frozenset({"debug", "info", "warn", "error", "fine", "finer", "finest"})
# Nebula Logger's `LogEntryEventBuilder` methods that store their arguments in the log: the record's
# JSON, the message, a custom field of the log entry (`setField(field, value)` or a map of them) and
# tags (saved as `LoggerTag__c` records).
NEBULA_BUILDER_METHODS = frozenset({"setrecord", "setmessage", "setfield", "addtag", "addtags"})
EMAIL_MESSAGE_TYPES = frozenset(
    {"messaging.singleemailmessage", "singleemailmessage", "messaging.massemailmessage", "massemailmessage"}
)
EMAIL_BODY_METHODS = frozenset({"setsubject", "setplaintextbody", "sethtmlbody"})
EMAIL_ATTACHMENT_TYPES = frozenset({"messaging.emailfileattachment", "emailfileattachment"})
EMAIL_ATTACHMENT_METHODS = frozenset({"setbody", "setfilename"})
HTTP_REQUEST_TYPES = frozenset({"httprequest", "system.httprequest"})
CALLOUT_METHODS = frozenset({"setbody", "setbodyasblob", "setendpoint", "setheader"})
WEAK_DIGESTS = frozenset({"md5", "sha1", "sha-1"})
WEAK_MACS = frozenset({"hmacmd5", "hmacsha1"})

# Methods whose result says nothing about the receiver's or arguments' content (sizes, predicates,
# types): PHI does not flow through them.
OPAQUE_METHODS = frozenset(
    m.lower()
    for m in (
        "size",
        "isEmpty",
        "contains",
        "containsKey",
        "containsAll",
        "containsIgnoreCase",
        "containsAny",
        "equals",
        "equalsIgnoreCase",
        "length",
        "startsWith",
        "endsWith",
        "startsWithIgnoreCase",
        "endsWithIgnoreCase",
        "indexOf",
        "lastIndexOf",
        "isBlank",
        "isNotBlank",
        "isNotEmpty",
        "hashCode",
        "getSObjectType",
        "getDescribe",
        "isSuccess",
        "getStatusCode",
        "getStatus",
        "compareTo",
        "isAlpha",
        "isNumeric",
        "isAlphanumeric",
        "isWhitespace",
        "countMatches",
        "getErrors",
        "getId",
        "isSet",
        "isCreated",
        "isAccessible",
        "isUpdateable",
        "isCreateable",
        "matches",
        "find",
        "getLimitQueries",
        "getQueries",
        "daysBetween",
        "monthsBetween",
        "instanceOf",
        "getTypeName",
        "getName",
        "getLabel",
        "getSObjectField",
    )
)
# Static calls that return nothing of their arguments' content.
OPAQUE_STATIC = frozenset(
    {
        "database.insert",
        "database.update",
        "database.upsert",
        "database.delete",
        "database.undelete",
        "database.merge",
        "database.setsavepoint",
        "database.rollback",
        "database.executebatch",
        "system.enqueuejob",
        "system.schedule",
        "limits",
        "schema.getglobaldescribe",
        "crypto.encrypt",
        "crypto.encryptwithmanagediv",
        "crypto.generatedigest",
        "crypto.generatemac",
        "crypto.sign",
        "crypto.signwithcertificate",
        "messaging.sendemail",
        "system.assert",
        "system.assertequals",
        "system.assertnotequals",
        "assert.areequal",
        "assert.istrue",
        "assert.isfalse",
        "assert.arenotequal",
        "assert.isnotnull",
        "assert.isnull",
    }
)
RANDOM_STATIC = frozenset(
    {"crypto.generateaeskey", "crypto.getrandominteger", "crypto.getrandomlong", "crypto.generatekey"}
)
LITERAL_WRAPPERS = frozenset(
    {
        "blob.valueof",
        "encodingutil.base64decode",
        "encodingutil.converttohex",
        "encodingutil.convertfromhex",
        "string.valueof",
    }
)
COLLECTION_ADDERS = frozenset({"add", "addall", "put", "putall", "set"})
# Types whose values cannot carry PHI text (an Id names a record, it does not describe a patient).
SAFE_TYPES = frozenset(
    {
        "id",
        "boolean",
        "set<id>",
        "list<id>",
        "id[]",
        "schema.sobjecttype",
        "sobjecttype",
        "schema.sobjectfield",
        "sobjectfield",
        "type",
        "system.type",
        "databasesaveresult",
        "database.saveresult",
        "list<database.saveresult>",
    }
)
BOOLEAN_OPERATORS = frozenset({"==", "!=", "===", "!==", "<", ">", "<=", ">=", "&&", "||"})
COLLECTION_TYPES = frozenset({"list", "set", "map", "iterable", "iterator"})
# Standard objects whose fields may be PHI (Health Cloud person accounts and contacts) and which are
# SObject types rather than Apex classes.
STANDARD_OBJECTS = frozenset(
    o.lower()
    for o in (
        "Account",
        "Contact",
        "Lead",
        "Case",
        "Opportunity",
        "User",
        "Task",
        "Event",
        "Note",
        "Attachment",
        "ContentVersion",
        "ContentDocument",
        "EmailMessage",
        "Individual",
        "Identifier",
        "ContactPointEmail",
        "ContactPointPhone",
        "SObject",
        "Asset",
        "Order",
        "Contract",
        "Campaign",
        "CampaignMember",
        "CaseComment",
        "FeedItem",
    )
)
EXPRESSION_STATEMENTS = frozenset({"expression_statement", "throw_statement"})
COMMENT_TYPES = frozenset({"line_comment", "block_comment"})
LITERAL_TYPES = frozenset({"int", "decimal_floating_point_literal", "boolean", "null_literal"})


# ---- values ----------------------------------------------------------------------------------------


class Origin(NamedTuple):
    """One PHI read: which field (or record) and where in the project it was read. A NamedTuple (like
    `Value`): the Apex records of a large org hold tens of thousands, and a NamedTuple is built by one
    `tuple.__new__` when the records are unpickled, where a frozen dataclass paid a `__setattr__` per
    field (a quarter of loading the records, the largest part of a pre-commit check on a big org)."""

    label: str  # "Patient__c.SSN__c" or "Patient__c record"
    evidence: str  # PhiReason.source: metadata | catalogue | pattern | object
    fields: tuple[str, ...]  # the PHI field(s) this read exposes, qualified
    path: str
    line: int
    column: int
    end_line: int
    end_column: int

    def location(self) -> Location:
        return Location(
            self.path,
            self.line,
            self.column,
            self.end_line,
            self.end_column,
            "",
            f"PHI read here: {self.label} ({self.evidence})",
        )


class Value(NamedTuple):
    """The abstract value of an expression or variable. Immutable; a NamedTuple rather than a frozen
    dataclass because the interpretation builds hundreds of thousands of them per project, and a frozen
    dataclass pays `object.__setattr__` for each of its twelve fields (about 3x slower to build)."""

    origins: frozenset[Origin] = frozenset()
    # Parameter indexes of the enclosing method that flow into this value (summaries).
    params: frozenset[int] = frozenset()
    # SObject type of the record (or of the records in a collection), when known.
    sobject: str | None = None
    # PHI field paths (lower case, relative to the record) a query selected, with where it read them.
    # Always sorted by path, each path once (`join` relies on it).
    fields: tuple[tuple[str, Origin], ...] = ()
    # The record's content is known (query result or `new X(...)`), so an absent PHI read means none.
    known: bool = False
    # Crypto facts: built from string literals; produced by a random generator; read from a class
    # field or a custom setting (the same for every call).
    literal: bool = False
    random: bool = False
    static: bool = False
    # A constant string this value is (text) or starts with (prefix), for endpoints and algorithms.
    text: str | None = None
    prefix: str | None = None
    # Parameters of the enclosing method this text starts with (`endpoint + query` starts with
    # `endpoint`): a wrapper's endpoint chosen by its callers.
    lead: frozenset[int] = frozenset()
    # Deserialized from an integration's answer (`JSON.deserialize`, `Http.send`, a typed `...Response`):
    # a property read from it is PHI when its name is a PHI field name of the catalogue (`birthDate`).
    response: bool = False

    @property
    def tainted(self) -> bool:
        return bool(self.origins or self.params)

    def join(self, other: Value) -> Value:
        if other is EMPTY or (other is self and self.prefix != ""):
            return self  # (an empty prefix joined with itself becomes None: see _common_prefix)
        if self is EMPTY:
            return other
        # Both field tuples are sorted with unique paths: only a merge of two non-empty ones needs
        # the sort (the other side's paths win, as `dict.update` did).
        if not other.fields:
            fields = self.fields
        elif not self.fields:
            fields = other.fields
        else:
            merged = dict(self.fields)
            merged.update(other.fields)
            fields = tuple(sorted(merged.items(), key=_first))
        return Value(
            self.origins | other.origins,
            self.params | other.params,
            self.sobject or other.sobject,
            fields,
            self.known and other.known,
            self.literal or other.literal,
            self.random or other.random,
            self.static or other.static,
            self.text if self.text == other.text else None,
            _common_prefix(self.prefix, other.prefix),
            self.lead | other.lead if self.lead and other.lead else _NO_PARAMS,
            self.response or other.response,
        )

    def content(self) -> Value:
        """The data of this value without its record identity (what `String.valueOf` keeps)."""
        if (
            self.sobject is None
            and not self.fields
            and not self.known
            and self.text is None
            and self.prefix is None
            and not self.lead
            and not self.response
        ):
            return self  # nothing to drop
        return Value(self.origins, self.params, literal=self.literal, random=self.random, static=self.static)


_NO_PARAMS: frozenset[int] = frozenset()


def _first(item: tuple[str, Origin]) -> str:
    return item[0]


EMPTY = Value()


def _common_prefix(a: str | None, b: str | None) -> str | None:
    if a is None or b is None:
        return None
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return a[:n] or None


def join_all(values: Iterable[Value]) -> Value:
    result = EMPTY
    for value in values:
        result = result.join(value)
    return result


# Words in the name of a class member that make it UI text, a setting or a switch rather than a
# patient's data, even when a clinical word comes with them (`symptomErrorMsg`, `diagnosisLabel`,
# `prescriptionTemplateName`, `symptomRecordType`).
NOT_DATA_MEMBER_TOKENS = frozenset(
    (
        "label",
        "labels",
        "msg",
        "message",
        "messages",
        "error",
        "errors",
        "url",
        "uri",
        "link",
        "template",
        "templates",
        "type",
        "types",
        "status",
        "count",
        "flag",
        "show",
        "hide",
        "visible",
        "required",
        "enabled",
        "action",
        "page",
        "title",
        "header",
        "placeholder",
        "icon",
        "tracker",
    )
)


# ---- events and summaries ----------------------------------------------------------------------------


@dataclass
class SinkEvent:
    """A call where a value reaches a sink (or a crypto misuse fact). One per (kind, call)."""

    kind: str
    node: Node
    sink: str  # what the message names: "System.debug", "ClinicLog.info (wraps System.debug)"
    origins: set[Origin] = field(default_factory=set)
    params: set[int] = field(default_factory=set)
    # For callouts: the request variable whose endpoint decides whether this is a finding.
    request: str | None = None
    detail: str = ""
    # The system sink at the end of a chain of wrappers ("System.debug"): what method summaries record.
    innermost: str = ""
    # For a callout reached through a wrapper whose endpoint is one of the enclosing method's own
    # parameters: those parameters (the callers' arguments decide whether it is a Named Credential).
    # None: the endpoint is not known to come from parameters only.
    guard: frozenset[int] | None = None


@dataclass(frozen=True)
class FlowEvent:
    """What the rules read of a sink event: no tree nodes, so a file's flow facts can be computed in
    `prepare()` and handed to the per-file checks (also in forked workers)."""

    kind: str
    span: Span
    matched_text: str
    sink: str
    origins: frozenset[Origin]
    detail: str = ""


@dataclass(slots=True)
class MethodSummary:
    """What a method passes on to its callers. Slotted, and its returned parameters a frozenset (the
    empty one is a single object): every process of a large prepare() holds tens of thousands of
    them (28,900 at 5,000 classes), most returning a record type and the PHI it read, and a
    dict-backed summary with its own empty set weighed 500 bytes more than this one."""

    # param index -> {(sink kind, innermost sink)}
    sinks: dict[int, set[tuple[str, str]]] = field(default_factory=dict)
    returns_params: frozenset[int] = frozenset()
    return_origins: frozenset[Origin] = frozenset()
    return_sobject: str | None = None
    # param index -> the parameters its callout sinks take their endpoint from: a call whose
    # arguments at those positions are all `callout:` Named Credentials sends nothing unprotected.
    # An index absent here (with a callout sink) sends to an endpoint its callers cannot change.
    guards: dict[int, frozenset[int]] = field(default_factory=dict)
    # The constant text every returned value starts with (`return 'callout:' + name;`): a helper that
    # builds a Named Credential endpoint makes `req.setEndpoint(cfg.base() + path)` one too.
    return_prefix: str | None = None

    @property
    def trivial(self) -> bool:
        """Says nothing a caller could use: no sink, no returned parameter, no returned PHI, no
        returned prefix."""
        return not (self.sinks or self.returns_params or self.return_origins or self.return_prefix)

    @property
    def empty(self) -> bool:
        """Trivial, and no return type or endpoint guard either: changes no join it takes part in."""
        return self.trivial and self.return_sobject is None and not self.guards

    def _parts(self) -> tuple[object, ...]:
        """The fields, in the order `__init__` takes them."""
        return (
            self.sinks,
            self.returns_params,
            self.return_origins,
            self.return_sobject,
            self.guards,
            self.return_prefix,
        )

    def __reduce__(self) -> tuple[type[MethodSummary], tuple[object, ...]]:
        # Built again by one __init__ call when unpickled (records, and worker messages), not by
        # a setattr per slot.
        return (MethodSummary, self._parts())

    def canonical(self) -> tuple[object, ...]:
        """The summary's content with every set sorted: its `repr` is the same in every process (a
        set's order follows the salted string hash), for stable digests without a generic walk."""
        return (
            sorted((index, sorted(found)) for index, found in self.sinks.items()),
            sorted(self.returns_params),
            sorted(self.return_origins),
            self.return_sobject,
            sorted((index, sorted(params)) for index, params in self.guards.items()),
            self.return_prefix,
        )

    def same_as(self, other: MethodSummary | None) -> bool:
        if other is None:
            return self.trivial
        return self._parts() == other._parts()

    def joins_unchanged(self) -> bool:
        """Is `TRIVIAL_SUMMARY.union(self)` equal to this summary? Yes unless it keeps an endpoint guard
        at a parameter without a callout sink (the join drops those). Summaries are never changed once
        recorded, so such a summary may stand for the join itself."""
        return all(any(kind == CALLOUT for kind, _ in self.sinks.get(index, ())) for index in self.guards)

    def union(self, other: MethodSummary) -> MethodSummary:
        sinks = {k: set(v) for k, v in self.sinks.items()}
        for index, found in other.sinks.items():
            sinks.setdefault(index, set()).update(found)
        # A callout stays guarded only if every side that has one at this index guards it.
        guards: dict[int, frozenset[int]] = {}
        for index in sinks:
            sides = [s for s in (self, other) if any(k == CALLOUT for k, _ in s.sinks.get(index, ()))]
            if sides and all(index in s.guards for s in sides):
                guards[index] = frozenset().union(*(s.guards[index] for s in sides))
        # A prefix holds when every body that returns something has it. Bodies with empty summaries
        # are never recorded, so an empty side is the start of a join, not a body without a prefix.
        if self.empty:
            prefix = other.return_prefix
        elif other.empty:
            prefix = self.return_prefix
        else:
            prefix = _common_prefix(self.return_prefix, other.return_prefix)
        return MethodSummary(
            sinks,
            self.returns_params | other.returns_params,
            self.return_origins | other.return_origins,
            self.return_sobject or other.return_sobject,
            guards,
            prefix,
        )


@dataclass
class Summaries:
    """Project-wide facts built by `prepare()`: method summaries, class names and string constants."""

    # (class lower, method lower) -> arity -> summary
    methods: dict[tuple[str, str], dict[int, MethodSummary]] = field(default_factory=dict)
    classes: set[str] = field(default_factory=set)
    # (class lower, field lower) -> constant string
    constants: dict[tuple[str, str], str] = field(default_factory=dict)
    # (class lower, method lower, arity) of every method the project declares: a declared method
    # without a summary is known to pass nothing on (as opposed to an unknown library method).
    declared: set[tuple[str, str, int]] = field(default_factory=set)
    # type lower -> every project class that extends or implements it, directly or not
    subtypes: dict[str, set[str]] = field(default_factory=dict)
    # (class lower, member lower) -> declared type of the member (fields and properties): a read
    # through a holder class (`request.visit.Status__c`) is judged by the member's SObject type.
    member_types: dict[tuple[str, str], str] = field(default_factory=dict)
    # A digest of what the summaries were built from, set by prepare() (see `cache._canonical`);
    # None: digest the content itself.
    inputs_digest: str | None = None

    def lookup(self, cls: str, method: str, arity: int, dispatch: bool = False) -> MethodSummary | None:
        """The summary of `cls.method` with `arity` parameters. With `dispatch` (an instance call
        through a variable of type `cls`), the overrides and implementations in subtypes are joined in:
        a call through an `ILogger` reaches whatever implements it."""
        return self.lookup_low(cls.lower(), method.lower(), arity, dispatch)

    def lookup_low(
        self, low_cls: str, low_method: str, arity: int, dispatch: bool = False
    ) -> MethodSummary | None:
        """`lookup` with the class and method names already in lower case."""
        by_arity = self.methods.get((low_cls, low_method))
        found = by_arity.get(arity) if by_arity else None
        if found is None and (low_cls, low_method, arity) in self.declared:
            found = TRIVIAL_SUMMARY
        subtypes = self.subtypes.get(low_cls, ()) if dispatch else ()
        if 0 < len(subtypes) <= MAX_DISPATCH:
            # A returned prefix must hold for the declared method too: one without a summary of its
            # own (abstract, or returning text known only at run time) keeps none.
            base_prefix = found.return_prefix if found is not None else None
            for sub in sorted(subtypes):
                other = self.methods.get((sub, low_method), {}).get(arity)
                if other is not None:
                    found = other if found is None else found.union(other)
            if found is not None and found.return_prefix is not None:
                found = replace(found, return_prefix=_common_prefix(base_prefix, found.return_prefix))
        return found

    def add_supertypes(self, cls: str, supertypes: Iterable[str]) -> None:
        for parent in supertypes:
            self.subtypes.setdefault(parent.lower(), set()).add(cls.lower())

    def close_hierarchy(self) -> None:
        """Make `subtypes` transitive (a class implementing an interface that extends another)."""
        changed = True
        while changed:
            changed = False
            for parent, children in self.subtypes.items():
                grand = set().union(*(self.subtypes.get(c, set()) for c in children)) - children - {parent}
                if grand:
                    children |= grand
                    changed = True


TRIVIAL_SUMMARY = MethodSummary()
# The empty sink and guard tables of the summaries a run records or receives, shared (tens of
# thousands of summaries, most with neither). Never changed: a recorded summary is never changed
# (`union` and `replace` build new ones, and `replace` already shares its tables).
NO_SINKS: dict[int, set[tuple[str, str]]] = {}
NO_GUARDS: dict[int, frozenset[int]] = {}


@dataclass
class Dependencies:
    """What one file's analysis asked of the project-wide facts. prepare() keeps it with the file's
    results, so that a later run can tell whether those results still hold without analysing the file
    again: they do when every declaration answer is unchanged and no method summary it looked up can
    have changed (see `analyzers.apex.incremental`)."""

    # (class lower, method lower, arity) of every summary read, the implementations a dispatched call
    # joins included; arity None: any arity (`has_summary`).
    methods: set[tuple[str, str, int | None]] = field(default_factory=set)
    # Questions about the project's declarations (see `answer`) and the answer when asked.
    answers: dict[tuple[str, ...], object] = field(default_factory=dict)

    def hold(self, summaries: Summaries) -> bool:
        return all(answer(summaries, question) == found for question, found in self.answers.items())


def answer(summaries: Summaries, question: tuple[str, ...]) -> object:
    """The answer to a question about declarations, which depend on no method body."""
    kind = question[0]
    if kind == "class":
        return question[1] in summaries.classes
    if kind == "member":
        return summaries.member_types.get((question[1], question[2]))
    if kind == "constant":
        return summaries.constants.get((question[1], question[2]))
    if kind == "declared":
        return (question[1], question[2], int(question[3])) in summaries.declared
    if kind == "subtypes":
        found = summaries.subtypes.get(question[1], ())
        # lookup() joins implementations only up to MAX_DISPATCH; past it, the count does not matter.
        return tuple(sorted(found)) if len(found) <= MAX_DISPATCH else "many"
    raise ValueError(f"unknown question {question!r}")


# An instance call through an interface or base class reaches its implementations. A logging facade has
# one to three; a framework interface (trigger handlers, Queueable jobs) has dozens, and joining them
# all would make every framework call a sink of whatever one handler logs.
MAX_DISPATCH = 3


class SummaryStore:
    """Summaries while `prepare()` computes them: one per analysed method body (overloads of the same
    arity are joined), and the names of methods whose joined summary changed in this round."""

    def __init__(self, summaries: Summaries) -> None:
        self.summaries = summaries
        self.per_body: dict[tuple[str, str, int], dict[tuple[str, int], MethodSummary]] = {}
        # A clock ticked at every body run, and when each method name's summary last changed: a body
        # needs another run only if a callee changed after the body last ran.
        self.clock = 0
        self.changed_at: dict[str, int] = {}
        # rel_path -> the summary keys its bodies recorded (what the file contributes).
        self.keys_of_file: dict[str, set[tuple[str, str, int]]] = {}

    def tick(self) -> int:
        self.clock += 1
        return self.clock

    def stale(self, callees: set[str], ran_at: int) -> bool:
        changed_at = self.changed_at
        return any(changed_at.get(name, -1) >= ran_at for name in callees)

    def record(self, key: tuple[str, str, int], body: tuple[str, int], summary: MethodSummary) -> None:
        if summary.empty:
            # Most bodies pass nothing on: an empty summary changes no join, so none is kept (one
            # recorded earlier for this body is dropped).
            earlier = self.per_body.get(key)
            if earlier is None or earlier.pop(body, None) is None:
                return
        else:
            self.per_body.setdefault(key, {})[body] = summary
            self.keys_of_file.setdefault(body[0], set()).add(key)
        if self._publish(key):
            self.changed_at[key[1]] = self.tick()

    def seed(
        self,
        contributions: dict[tuple[str, str, int], dict[tuple[str, int], MethodSummary]],
        owned: bool = False,
    ) -> None:
        """Summaries of bodies whose file is not analysed in this run (still valid from an earlier
        run): published without ticking the clock, as if they had always been there. `owned`: the
        caller keeps no reference to `contributions` (a worker's message), so the store may keep
        its dicts instead of copies (`record` changes them)."""
        per_body, keys_of_file, methods = self.per_body, self.keys_of_file, self.summaries.methods
        for key, bodies in contributions.items():
            if len(bodies) == 1 and key not in per_body:
                # The usual case (a pre-commit check seeds every record of the org: 5,600 methods
                # at 1,000 classes): a method's one body, seen first. `_publish` inlined: nothing
                # is published for this arity yet, so the join is published unless it is trivial
                # (then only the method's entry is made, as `_publish` makes it).
                per_body[key] = bodies if owned else bodies.copy()
                ((body, only),) = bodies.items()
                keys_of_file.setdefault(body[0], set()).add(key)
                by_arity = methods.setdefault((key[0], key[1]), {})
                if only.sinks or only.returns_params or only.return_origins or only.return_prefix:
                    by_arity[key[2]] = (
                        only if not only.guards or only.joins_unchanged() else TRIVIAL_SUMMARY.union(only)
                    )
                continue
            per_body.setdefault(key, {}).update(bodies)
            for body in bodies:
                keys_of_file.setdefault(body[0], set()).add(key)
            self._publish(key)

    def unseed(
        self,
        contributions: dict[tuple[str, str, int], dict[tuple[str, int], MethodSummary]],
        arities: dict[tuple[str, str], set[int]],
    ) -> None:
        """Take back what `seed(contributions)` published (one file's record), without ticking the
        clock: the store is then as if the record had never been seeded. Seeding is a function of the
        set of bodies seeded, not of their order: each method's summary is the join of its bodies in
        sorted order (`_publish`, whose one-body case is `seed`'s), and a method's entry in
        `summaries.methods` exists while it has bodies of some arity, which `arities` ((class,
        method) -> the arities with bodies) tells; `unseed` keeps `arities` up to date."""
        per_body, keys_of_file, methods = self.per_body, self.keys_of_file, self.summaries.methods
        for key, bodies in contributions.items():
            mine = per_body.get(key)
            if mine is None:
                continue
            for body in bodies:
                if mine.pop(body, None) is not None:
                    # A record holds the bodies of one file, all of them: none of this file is left.
                    file_keys = keys_of_file.get(body[0])
                    if file_keys is not None:
                        file_keys.discard(key)
                        if not file_keys:
                            del keys_of_file[body[0]]
            if mine:
                self._publish(key)
                continue
            del per_body[key]
            name = (key[0], key[1])
            by_arity = methods.get(name)
            if by_arity is not None:
                by_arity.pop(key[2], None)
            left = arities.get(name)
            if left is not None:
                left.discard(key[2])
                if not left:
                    del arities[name]
                    methods.pop(name, None)

    def _publish(self, key: tuple[str, str, int]) -> bool:
        """Join the bodies of `key` into the project summary; True when it changed. Bodies are joined
        in a fixed order (the join keeps the first known return type), whichever file ran first."""
        bodies = self.per_body[key]
        if len(bodies) == 1:
            # Most methods have one body: its summary is the join when the join would not change it
            # (a copy per method was most of seeding a large org's records in a pre-commit check).
            (only,) = bodies.values()
            joined = only if only.joins_unchanged() else TRIVIAL_SUMMARY.union(only)
        else:
            joined = TRIVIAL_SUMMARY
            for body in sorted(bodies):
                joined = joined.union(bodies[body])
        cls, method, arity = key
        by_arity = self.summaries.methods.setdefault((cls, method), {})
        if joined.same_as(by_arity.get(arity)):
            return False
        if joined.trivial:
            by_arity.pop(arity, None)
        else:
            by_arity[arity] = joined
        return True

    def contributions_of(
        self, rel_path: str
    ) -> dict[tuple[str, str, int], dict[tuple[str, int], MethodSummary]]:
        """The per-body summaries recorded by the bodies of one file."""
        found: dict[tuple[str, str, int], dict[tuple[str, int], MethodSummary]] = {}
        for key in sorted(self.keys_of_file.get(rel_path, ())):
            mine = {b: s for b, s in self.per_body[key].items() if b[0] == rel_path}
            if mine:
                found[key] = mine
        return found


class Disagreed(enum.Enum):
    """The answer kept for a question that a file's bodies got different answers to (see
    `joined_answers`): whatever the summaries answer now, it differs from one of them."""

    ANSWERS = "disagreed"


# Canonical copies of the tuples seen in one prepare() (names, questions, sinks received from other
# processes): each tuple is its own key, so `table.get(item)` finds the copy every holder then shares.
SharedTuples = dict[tuple[object, ...], tuple[object, ...]]
_Tuple = TypeVar("_Tuple", bound=tuple[object, ...])


def shared_tuple(item: _Tuple, table: SharedTuples) -> _Tuple:
    """The table's copy of `item` (made on first sight, its strings interned; numbers and flags as
    they are)."""
    found = table.get(item)
    if found is None:
        found = tuple(sys.intern(part) if isinstance(part, str) else part for part in item)
        table[found] = found
    return cast(_Tuple, found)


def shared_contributions(
    contributions: dict[tuple[str, str, int], dict[tuple[str, int], MethodSummary]],
    table: SharedTuples,
) -> dict[tuple[str, str, int], dict[tuple[str, int], MethodSummary]]:
    """The same contributions with their strings interned and their name tuples shared through
    `table`: for summaries received from another process, which unpickling gives strings of their
    own (each PHI origin's label, evidence, fields and path, each body's path, each record type).
    At 5,000 classes the parent and each worker hold about 29,000 received summaries."""

    def origin(o: Origin) -> Origin:
        return Origin(
            sys.intern(o.label),
            sys.intern(o.evidence),
            shared_tuple(o.fields, table),
            sys.intern(o.path),
            o.line,
            o.column,
            o.end_line,
            o.end_column,
        )

    rebuilt: dict[tuple[str, str, int], dict[tuple[str, int], MethodSummary]] = {}
    for key, bodies in contributions.items():
        mine: dict[tuple[str, int], MethodSummary] = {}
        for (path, start), summary in bodies.items():
            sinks = summary.sinks
            mine[(sys.intern(path), start)] = MethodSummary(
                {index: {shared_tuple(sink, table) for sink in found} for index, found in sinks.items()}
                if sinks
                else NO_SINKS,
                summary.returns_params,
                frozenset(map(origin, summary.return_origins)),
                None if summary.return_sobject is None else sys.intern(summary.return_sobject),
                summary.guards or NO_GUARDS,
                None if summary.return_prefix is None else sys.intern(summary.return_prefix),
            )
        rebuilt[shared_tuple(key, table)] = mine
    return rebuilt


# What a body used of the summaries: (class, method, arity or -1 for "has any", dispatch) -> answer.
UsedAnswers = dict[tuple[str, str, int, bool], "MethodSummary | bool | Disagreed | None"]


def joined_answers(per_body: Iterable[UsedAnswers]) -> UsedAnswers:
    """One table for what all of a file's bodies used: `answers_changed` of it is True exactly when it
    is True for one of the bodies' own tables (a file is analysed again whole, so that is all the
    final check needs to know). Bodies asked the same questions many times over (a third of the
    entries per file at 5,000 classes), and a worker sends its tables to the parent, which keeps them
    until the end of prepare().

    Why it is exact: where the bodies agree on an answer (as `answers_changed` compares: identity for
    None and booleans, `same_as` for summaries), the one kept is compared as each of theirs would be.
    Where two disagree, no answer now can equal both, so one body's table has changed whatever the
    summaries become: `Disagreed.ANSWERS` is kept, which always counts as changed."""
    joined: UsedAnswers = {}
    for answers in per_body:
        for question, used in answers.items():
            if question not in joined:
                joined[question] = used
                continue
            kept = joined[question]
            if kept is used:
                continue
            if isinstance(kept, MethodSummary) and isinstance(used, MethodSummary) and kept.same_as(used):
                continue
            joined[question] = Disagreed.ANSWERS
    return joined


def answers_changed(summaries: Summaries, answers: UsedAnswers) -> bool:
    """Would any of the summaries a body used (`MethodFlow.answers`) be answered differently now?"""
    for (cls, method, arity, dispatch), used in answers.items():
        if used is Disagreed.ANSWERS:
            return True
        if arity < 0:
            now: MethodSummary | bool | None = (cls.lower(), method.lower()) in summaries.methods
            if now != used:
                return True
            continue
        now = summaries.lookup(cls, method, arity, dispatch)
        if now is None or used is None or isinstance(used, bool):
            if now is not used:
                return True
        elif not now.same_as(used):  # type: ignore[union-attr]
            return True
    return False


@dataclass
class FileFlow:
    """Everything the flow rules need about one file."""

    events: list[FlowEvent] = field(default_factory=list)

    def canonical(self) -> list[tuple[object, ...]]:
        """The events in their order, each with its origins sorted: a `repr` that is the same in every
        process (see `MethodSummary.canonical`)."""
        return [(e.kind, e.span, e.matched_text, e.sink, sorted(e.origins), e.detail) for e in self.events]

    def of_kind(self, *kinds: str) -> Iterator[FlowEvent]:
        for event in self.events:
            if event.kind in kinds:
                yield event


# ---- type helpers ------------------------------------------------------------------------------------


# Result objects of DML, email and similar operations: success flags, Ids and error messages, never
# the record's field values.
_RESULT_TYPE = re.compile(r"^(?:database|messaging|system)?\.?\w*result$")


@lru_cache(maxsize=4096)
def is_safe_type(type_text: str) -> bool:
    """Can a value of this declared type not carry PHI text? (Ids, Booleans, describe tokens, results.)"""
    norm = normalize_type(type_text)
    if norm in SAFE_TYPES:
        return True
    element = element_type(norm)
    return element in SAFE_TYPES or (bool(_RESULT_TYPE.match(element)) and element != "aggregateresult")


@lru_cache(maxsize=4096)
def normalize_type(text: str) -> str:
    return re.sub(r"\s+", "", text).lower()


@lru_cache(maxsize=4096)
def element_type(type_text: str) -> str:
    """`List<Patient__c>` -> `Patient__c`, `Map<Id, Patient__c>` -> `Patient__c`, `X[]` -> `X`."""
    t = re.sub(r"\s+", "", type_text)
    while True:
        if t.endswith("[]"):
            t = t[:-2]
            continue
        m = re.match(r"^([\w.]+)<(.*)>$", t)
        if m and m.group(1).split(".")[-1].lower() in COLLECTION_TYPES:
            inner = m.group(2)
            depth, split_at = 0, -1
            for i, ch in enumerate(inner):
                depth += ch == "<"
                depth -= ch == ">"
                if ch == "," and depth == 0:
                    split_at = i
            t = inner[split_at + 1 :] if split_at >= 0 else inner
            continue
        return t


# ---- the per-file analysis -----------------------------------------------------------------------------


_BATCHABLE = re.compile(r"\bdatabase\s*\.\s*batchable\b", re.IGNORECASE)


@dataclass
class ClassInfo:
    name: str
    outer: ClassInfo | None
    # field lower -> (declared type, value of its initializer)
    fields: dict[str, tuple[str, Value]] = field(default_factory=dict)
    # field lower -> PHI written into it by any method of the class (read by the others)
    writes: dict[str, Value] = field(default_factory=dict)
    # A `Database.Batchable` class's `start` method body: the query it returns decides what the
    # records `execute` receives hold.
    batch_start: Node | None = None
    # The records `execute` receives, once worked out (None: not known; see `batch_scope`).
    batch_scope: Value | None = None
    batch_scope_done: bool = False

    def owner_of(self, name: str) -> ClassInfo | None:
        cls: ClassInfo | None = self
        while cls is not None:
            if name in cls.fields:
                return cls
            cls = cls.outer
        return None

    def lookup_field(self, name: str) -> tuple[str, Value] | None:
        cls: ClassInfo | None = self
        while cls is not None:
            if name in cls.fields:
                return cls.fields[name]
            cls = cls.outer
        return None


class FileAnalysis:
    """Evaluates every method of one Apex file. `summary_mode` collects method summaries instead of
    (as well as) findings."""

    def __init__(
        self,
        ctx: FileContext,
        summaries: Summaries,
        sink_patterns: dict[str, tuple[str, ...]],
        store: SummaryStore | None = None,
    ):
        self.ctx = ctx
        self.src = ctx.source
        self.phi: PhiModel = ctx.phi
        self.summaries = summaries
        # Configured sinks (`[sinks] log = ["ClinicLog.*"]`) of the flow kinds, each kind's patterns
        # as one compiled regex: asked for every call with a known owner, where `fnmatchcase` once
        # per pattern cost more than the rest of the sink check.
        self.sink_matchers = [
            (kind, re.compile("|".join(fnmatch.translate(p.lower()) for p in patterns)).match)
            for kind, patterns in sink_patterns.items()
            if kind in FLOW_KINDS and patterns
        ]
        self.events: dict[tuple[str, int, int], SinkEvent] = {}
        # Set while prepare() computes summaries; None when checking with final summaries.
        self.store = store
        # Every analysable body (method, constructor, initializer, trigger) with its class, so that
        # later rounds of prepare() re-run only the bodies whose callees' summaries changed.
        self.units: list[MethodFlow] = []
        # When PHI written into a class field last changed, by (owning ClassInfo id, field).
        self.field_changed_at: dict[tuple[int, str], int] = {}
        self.local_clock = 0
        self.trigger_object: str | None = None
        self.answers = PhiAnswers.of(self.phi)
        self.deps = Dependencies()

    # ---- project-wide facts, recorded in `deps` ---------------------------------------------------------
    def _ask(self, *question: str) -> object:
        found = answer(self.summaries, question)
        self.deps.answers[question] = found
        return found

    def is_class(self, low_name: str) -> bool:
        """Is this (lower-case) name a class the project declares? (`answer` inlined: the most
        frequent question.)"""
        found = low_name in self.summaries.classes
        self.deps.answers[("class", low_name)] = found
        return found

    def member_type(self, low_class: str, low_member: str) -> str | None:
        found = self._ask("member", low_class, low_member)
        return found if isinstance(found, str) else None

    def constant(self, low_class: str, low_field: str) -> str | None:
        found = self._ask("constant", low_class, low_field)
        return found if isinstance(found, str) else None

    def has_summary(self, low_class: str, low_method: str) -> bool:
        self.deps.methods.add((low_class, low_method, None))
        return (low_class, low_method) in self.summaries.methods

    def lookup(self, cls: str, method: str, arity: int, dispatch: bool = False) -> MethodSummary | None:
        low_cls, low_method = cls.lower(), method.lower()
        summaries, deps = self.summaries, self.deps
        deps.methods.add((low_cls, low_method, arity))
        # `_ask("declared", ...)` inlined: asked for every call of a project or library method.
        deps.answers[("declared", low_cls, low_method, str(arity))] = (
            low_cls,
            low_method,
            arity,
        ) in summaries.declared
        if dispatch:
            self._ask("subtypes", low_cls)
            subtypes = summaries.subtypes.get(low_cls, ())
            if len(subtypes) <= MAX_DISPATCH:
                deps.methods.update((sub, low_method, arity) for sub in subtypes)
        return summaries.lookup_low(low_cls, low_method, arity, dispatch)

    # ---- PHI questions (memoized: the model walks metadata) -------------------------------------------
    def field_reason(self, obj: str | None, fld: str) -> PhiReason | None:
        return self.answers.field_reason(obj, fld)

    def object_reason(self, obj: str) -> PhiReason | None:
        return self.answers.object_reason(obj)

    def phi_field_names(self, obj: str) -> tuple[str, ...]:
        return self.answers.phi_field_names(obj)

    def is_sobject_type(self, name: str | None) -> bool:
        if not name:
            return False
        low = name.lower()
        if self.is_class(low) and not low.endswith("__c"):
            return False
        return (
            low.endswith(("__c", "__x", "__b", "__e", "__kav", "__pc", "__mdt"))
            or low in STANDARD_OBJECTS
            or low in CATALOGUE_OBJECTS
            or low in self.phi.metadata
        )

    # ---- origins -------------------------------------------------------------------------------------
    def origin(self, node: Node, label: str, evidence: str, fields: tuple[str, ...]) -> Origin:
        span = self.ctx.span_of(node)
        return Origin(
            label,
            evidence,
            fields,
            self.ctx.rel_path,
            span.start_line,
            span.start_column,
            span.end_line,
            span.end_column,
        )

    def field_origin(self, node: Node, obj: str | None, path: str) -> Origin | None:
        reason = self.field_reason(obj, path)
        if reason is None:
            return None
        parts = path.split(".")
        owner = relationship_to_object(parts[-2]) if len(parts) > 1 else obj
        label = f"{owner}.{parts[-1]}" if owner else parts[-1]
        return self.origin(node, label, reason.source, (label,))

    def record_origin(self, node: Node, obj: str, label: str = "") -> Origin | None:
        reason = self.object_reason(obj)
        if reason is None:
            return None
        fields = self.phi_field_names(obj) or (obj,)
        return self.origin(node, label or f"{obj} record", reason.source, fields)

    def record_value(self, node: Node, obj: str, label: str = "") -> Value:
        """A record (or records) of `obj` whose content is not known: PHI when the object is."""
        found = self.record_origin(node, obj, label)
        return Value(frozenset({found}) if found else frozenset(), sobject=obj)

    # ---- queries --------------------------------------------------------------------------------------
    def query_value(self, node: Node) -> Value:
        """Records a SOQL/SOSL query (inline, or a `Database.query`/`Search.query` call whose text is
        known) returns: the PHI fields its select list reads, each located at the field in the query.
        The query model (`soql.py`) parses the text; unknown dynamic text yields an unknown record."""
        query = soql.query_at(self.ctx, node)
        if query is None or query.is_count or (query.is_dynamic and not query.fields):
            return Value(known=query is not None and query.is_count)
        origins: set[Origin] = set()
        fields: dict[str, Origin] = {}
        for ref, reason in soql.phi_fields(query, self.phi):
            span = ref.span(self.ctx)
            if ref.wildcard:
                obj = ref.object or ""
                names = self.phi_field_names(obj) or (obj,)
                label = f"{obj} {ref.field}"
            else:
                label = ref.qualified
                names = (label,)
            found = Origin(
                label,
                reason.source,
                names,
                self.ctx.rel_path,
                span.start_line,
                span.start_column,
                span.end_line,
                span.end_column,
            )
            origins.add(found)
            if not ref.wildcard and ref.typeof_type is None:
                key = f"{ref.relationship}.{ref.path}" if ref.relationship else ref.path
                fields[key.replace(" ", "").lower()] = found
        return Value(
            frozenset(origins),
            sobject=query.from_object,
            fields=tuple(sorted(fields.items())),
            known=query.select_list_known,
        )

    def batch_scope(self, cls: ClassInfo) -> Value | None:
        """The records a `Database.Batchable` class's `execute` receives: those of the query its
        `start` returns (`Database.getQueryLocator('SELECT ...')`, `[SELECT ...]`), when every return
        of `start` is such a query and its select list is known; else None (not known)."""
        if cls.batch_scope_done:
            return cls.batch_scope
        cls.batch_scope_done = True
        if cls.batch_start is None:
            return None
        found: Value | None = None
        for node in parsing.walk(cls.batch_start):
            if node.type != "return_statement":
                continue
            expr = node.named_children[0] if node.named_children else None
            if expr is None or soql.query_at(self.ctx, expr) is None:
                return None
            value = self.query_value(expr)
            if not value.known:
                return None
            found = value if found is None else found.join(value)
        cls.batch_scope = found
        return found

    # ---- events ---------------------------------------------------------------------------------------
    def emit(
        self,
        kind: str,
        node: Node,
        sink: str,
        value: Value,
        request: str | None = None,
        detail: str = "",
        innermost: str | None = None,
        guard: frozenset[int] | None = None,
    ) -> None:
        if kind in FLOW_KINDS and not value.tainted:
            return
        key = (kind, node.start_byte, node.end_byte)
        event = self.events.get(key)
        if event is None:
            event = self.events[key] = SinkEvent(
                kind, node, sink, request=request, detail=detail, innermost=innermost or sink, guard=guard
            )
        elif event.guard is not None:
            event.guard = None if guard is None else event.guard | guard
        event.origins |= value.origins
        event.params |= value.params

    # ---- entry ----------------------------------------------------------------------------------------
    def run(self) -> None:
        root = self.ctx.tree.root_node
        for child in root.named_children:
            if child.type in ("class_declaration", "enum_declaration", "interface_declaration"):
                self.visit_class(child, None)
            elif child.type == "trigger_declaration":
                self.visit_trigger(child)
        # Helpers are usually declared below the methods that call them: running bodies bottom-up
        # gives most callers their callees' summaries in the first round.
        for unit in reversed(self.units):
            unit.run()
        # One more pass for bodies that read a field another body wrote PHI into after they ran
        # (`this.ssn = p.SSN__c` in one method, `System.debug(ssn)` in another).
        for index, unit in enumerate(list(self.units)):
            if any(self.field_changed_at.get(read, -1) > unit.local_ran_at for read in unit.field_reads):
                self._rerun_unit(index, unit)

    def _rerun_unit(self, index: int, unit: MethodFlow) -> None:
        for key in [k for k, e in self.events.items() if unit.contains(e.node)]:
            del self.events[key]
        fresh = MethodFlow(self, unit.cls, unit.method, unit.body)
        self.units[index] = fresh
        fresh.run()

    def local_tick(self) -> int:
        self.local_clock += 1
        return self.local_clock

    def rerun(self) -> bool:
        """Run again the bodies that call a method whose summary changed since they ran; True when
        any did (prepare() then goes round again)."""
        again = False
        store = self.store
        if store is None:
            return False
        for index, unit in enumerate(self.units):
            if store.stale(unit.callees, unit.ran_at):
                self._rerun_unit(index, unit)
                again = True
        return again

    def close(self) -> None:
        """Break the analysis <-> body reference cycle (each `MethodFlow` points back at its file), so
        that reference counting frees the file's whole evaluation graph (values, origins, trees) the
        moment the analysis is dropped. Left to the cyclic garbage collector, these graphs were most
        of a large run's memory (about 350 MB of garbage at 1,000 classes with collection off) and
        most of its collection time."""
        self.units.clear()

    def flow(self) -> FileFlow:
        """The node-free facts the rules read."""
        events = []
        for event in sorted(self.events.values(), key=lambda e: (e.node.start_byte, e.kind)):
            events.append(
                FlowEvent(
                    event.kind,
                    self.ctx.span_of(event.node),
                    normalize_text(parsing.text(event.node, self.src)),
                    event.sink,
                    frozenset(event.origins),
                    event.detail,
                )
            )
        return FileFlow(events)

    def visit_trigger(self, node: Node) -> None:
        obj = parsing.field(node, "object")
        self.trigger_object = parsing.text(obj, self.src) if obj is not None else None
        name = parsing.field(node, "name")
        cls = ClassInfo(parsing.text(name, self.src) if name is not None else "trigger", None)
        body = parsing.field(node, "body")
        if body is not None:
            self.units.append(MethodFlow(self, cls, None, body))

    def visit_class(self, node: Node, outer: ClassInfo | None) -> None:
        # Test code logs and mails synthetic records that never reach production data, and nothing
        # in production calls it: it is neither reported nor summarised.
        if node.type != "class_declaration" or is_test_code(node, self.src):
            return
        name = parsing.field(node, "name")
        cls = ClassInfo(parsing.text(name, self.src) if name is not None else "", outer)
        body = parsing.field(node, "body")
        if body is None:
            return
        members = body.named_children
        interfaces = parsing.field(node, "interfaces")
        if interfaces is not None and _BATCHABLE.search(parsing.text(interfaces, self.src)):
            for member in members:
                if (
                    member.type == "method_declaration"
                    and parsing.text(parsing.field(member, "name"), self.src).lower() == "start"
                ):
                    cls.batch_start = parsing.field(member, "body")
        # Fields first: methods read constants declared below them.
        init_flow = MethodFlow(self, cls, None, body)
        for member in members:
            if member.type == "field_declaration":
                type_node = parsing.field(member, "type")
                type_text = parsing.text(type_node, self.src)
                for decl in member.children_by_field_name("declarator"):
                    var = parsing.field(decl, "name")
                    value_node = parsing.field(decl, "value")
                    value = init_flow.eval(value_node) if value_node is not None else EMPTY
                    if self.is_sobject_type(element_type(type_text)) and not value.known:
                        value = value.join(self.record_value(var or decl, element_type(type_text)))
                    cls.fields[parsing.text(var, self.src).lower()] = (type_text, value._replace(static=True))
        for member in members:
            if member.type in ("method_declaration", "constructor_declaration"):
                body_node = parsing.field(member, "body")
                if body_node is not None and not is_test_code(member, self.src):
                    self.units.append(MethodFlow(self, cls, member, body_node))
            elif member.type == "static_initializer":
                self.units.append(MethodFlow(self, cls, None, member))
            elif member.type == "field_declaration":
                for accessor in parsing.captures(
                    "apex", "(accessor_declaration body: (block) @b)", member
                ).get("b", []):
                    self.units.append(MethodFlow(self, cls, None, accessor))
            elif member.type == "class_declaration":
                self.visit_class(member, cls)


# Each level of visit/eval costs two to four Python frames; 150 levels stay far below the default
# recursion limit of 1,000 whatever the caller's own depth.
MAX_DEPTH = 150

ENTRY_ANNOTATIONS = frozenset(
    {
        "auraenabled",
        "invocablemethod",
        "httpget",
        "httppost",
        "httpput",
        "httppatch",
        "httpdelete",
        "remoteaction",
    }
)


class MethodFlow:
    """Abstract interpretation of one method (or initializer / trigger) body."""

    def __init__(self, file: FileAnalysis, cls: ClassInfo, method: Node | None, body: Node):
        self.f = file
        self.src = file.src
        self.cls = cls
        self.method = method
        self.body = body
        self.env: dict[str, Value] = {}
        self.types: dict[str, str] = {}
        self.branch_depth = 0
        # Nesting depth of visit/eval: past MAX_DEPTH a subtree is summarised without recursion, so
        # generated or hostile code (3,000 nested parentheses) cannot exhaust Python's stack.
        self.depth = 0
        self.returns = EMPTY
        self.named_endpoint: set[str] = set()
        self.endpoint_set: set[str] = set()
        # Request variable -> the parameters its endpoint comes from, when it comes from parameters
        # only (`req.setEndpoint(endpoint + query)`); None once it is given any other endpoint.
        self.endpoint_guard: dict[str, frozenset[int] | None] = {}
        self.created_requests: set[str] = set()
        # What was put into each request variable's body (`req.getBody()` logged gives it back).
        self.request_bodies: dict[str, Value] = {}
        # Variables holding a PageReference's parameter map (`Map<String, String> p = pr.getParameters()`).
        self.url_parameters: set[str] = set()
        self.name = ""
        self.arity = 0
        # Lower-case names this body calls (prepare() re-runs it when one of their summaries changes).
        self.callees: set[str] = set()
        # The summaries it used, by (class, method, arity or -1 for "has any", dispatch): prepare()
        # runs a body again only if one of these answers changed (see `answers_changed`).
        self.answers: UsedAnswers = {}
        self.ran_at = file.store.tick() if file.store is not None else 0
        self.local_ran_at = file.local_tick()
        # Class fields this body reads (it runs again when another body writes PHI into one).
        self.field_reads: set[tuple[int, str]] = set()
        # Members written into local variables of project classes (`card.ssn = x`), kept apart per
        # member: variable -> member names; each value lives in `env` under "variable.member" (no
        # identifier contains a dot), so branch joins and loop fixpoints treat it like a variable.
        self.member_names: dict[str, set[str]] = {}

    def contains(self, node: Node) -> bool:
        return self.body.start_byte <= node.start_byte and node.end_byte <= self.body.end_byte

    # ---- setup ---------------------------------------------------------------------------------------
    def run(self) -> None:
        if self.method is not None:
            self._bind_parameters(self.method)
        self.visit(self.body)
        self._drop_protected_callouts()
        if self.method is not None and self.name:
            self._finish_summary()

    def _bind_parameters(self, method: Node) -> None:
        name = parsing.field(method, "name")
        self.name = parsing.text(name, self.src)
        entry = ""  # the annotation that makes this method an entry point, if any
        modifiers = next((c for c in method.named_children if c.type == "modifiers"), None)
        if modifiers is not None:
            for ann in modifiers.named_children:
                if ann.type == "annotation":
                    ann_name = parsing.text(parsing.field(ann, "name"), self.src)
                    if ann_name.lower() in ENTRY_ANNOTATIONS:
                        entry = ann_name
        params = parsing.field(method, "parameters")
        if params is None:
            return
        index = 0
        for param in params.named_children:
            if param.type not in ("formal_parameter", "spread_parameter"):
                continue
            type_text = parsing.text(parsing.field(param, "type"), self.src)
            pname = parsing.field(param, "name")
            key = parsing.text(pname, self.src).lower()
            self.types[key] = type_text
            elem = element_type(type_text)
            scope = (
                self.f.batch_scope(self.cls)
                if index == 1 and self.cls.batch_start is not None and self.name.lower() == "execute"
                else None
            )
            if scope is not None:
                # A batch's scope holds what the query of `start` selected, nothing more or less.
                self.env[key] = scope
            elif self.f.is_sobject_type(elem) and self.f.object_reason(elem):
                # A PHI record (entry point or not) is a source in its own right: what it exposes is
                # reported here, not at the callers. From an entry point it comes from the client.
                label = f"{elem} record sent to @{entry} {self.name}" if entry else ""
                self.env[key] = self.f.record_value(pname or param, elem, label)
            elif is_safe_type(type_text):
                self.env[key] = EMPTY
            else:
                self.env[key] = Value(
                    params=frozenset({index}),
                    sobject=elem if self.f.is_sobject_type(elem) else None,
                    lead=frozenset({index}),
                )
            index += 1
        self.arity = index

    def _finish_summary(self) -> None:
        summary = MethodSummary()
        sinks: dict[int, set[tuple[str, str]]] = {}
        guards: dict[int, frozenset[int]] = {}
        unguarded: set[int] = set()
        for event in self.f.events.values():
            if event.kind in FLOW_KINDS and event.params and self._inside(event.node):
                if event.kind == CALLOUT and not self._callout_unprotected(event):
                    continue
                for index in event.params:
                    sinks.setdefault(index, set()).add((event.kind, event.innermost))
                if event.kind == CALLOUT:
                    guard = self.endpoint_guard.get(event.request) if event.request else event.guard
                    for index in event.params:
                        if guard is None:
                            unguarded.add(index)
                        else:
                            guards[index] = guards.get(index, frozenset()) | guard
        # Most bodies have neither: the shared empty tables (see `NO_SINKS`).
        summary.sinks = sinks or NO_SINKS
        summary.guards = {i: g for i, g in guards.items() if i not in unguarded} or NO_GUARDS
        summary.returns_params = self.returns.params
        summary.return_origins = self.returns.origins
        summary.return_sobject = self.returns.sobject
        # Only a Named Credential prefix is kept, the one thing a caller's endpoint check reads of it:
        # any other (`return 'Hello ' + name;`) would make the summary of every method that returns
        # text non-trivial, stored and published for nothing.
        summary.return_prefix = self.returns.prefix if _named_credential(self.returns) else None
        if self.f.store is not None:
            key = (self.cls.name.lower(), self.name.lower(), self.arity)
            self.f.store.record(key, (self.f.ctx.rel_path, self.body.start_byte), summary)

    def _drop_protected_callouts(self) -> None:
        """A callout sink counts only when its request's endpoint is not a Named Credential. Requests
        this method did not create and gave no endpoint are somebody else's: their endpoint is unknown
        here, and guessing would flag every helper that receives a prepared request."""
        for key, event in list(self.f.events.items()):
            if event.kind != CALLOUT or not self._inside(event.node) or event.request is None:
                continue
            if event.request in self.named_endpoint or (
                event.request not in self.created_requests and event.request not in self.endpoint_set
            ):
                del self.f.events[key]

    def _inside(self, node: Node) -> bool:
        return self.body.start_byte <= node.start_byte and node.end_byte <= self.body.end_byte

    def _callout_unprotected(self, event: SinkEvent) -> bool:
        return event.request is None or event.request not in self.named_endpoint

    # ---- variables -----------------------------------------------------------------------------------
    def assign(self, name: str, value: Value, declared: str | None = None, node: Node | None = None) -> None:
        """`name = value` (`node`: the assigned expression, where an unknown PHI record is read)."""
        key = name.lower()
        type_text = declared if declared is not None else self.type_of(key)
        if declared is not None:
            self.types[key] = declared
        if type_text is not None:
            value = self._conform(type_text, value, node)
        if self.branch_depth and key in self.env and declared is None:
            value = self.env[key].join(value)
        if declared is None and key not in self.types:
            owner = self.cls.owner_of(key)
            if owner is not None and value.origins:
                self._write_field(owner, key, value)
        if not self.branch_depth or declared is not None:
            self._forget_members(key)
        self.env[key] = value

    def _forget_members(self, key: str) -> None:
        """A variable given a new object no longer holds what was written into the old one's members."""
        for member in self.member_names.pop(key, ()):
            self.env.pop(f"{key}.{member}", None)

    def project_class(self, type_text: str | None) -> str | None:
        """The project class (lower case) a declared type names, when it is one and not an SObject or
        a collection: the types whose members are tracked apart and looked up in `member_types`."""
        if not type_text:
            return None
        norm = normalize_type(type_text)
        if norm.endswith("]") or "<" in norm:
            return None
        name = norm.split(".")[-1]
        if self.f.is_class(name) and not self.f.is_sobject_type(name):
            return name
        return None

    def _write_field(self, owner: ClassInfo, key: str, value: Value) -> None:
        old = owner.writes.get(key, EMPTY)
        new = old.join(Value(value.origins, sobject=value.sobject, fields=value.fields))
        if new != old:
            owner.writes[key] = new
            self.f.field_changed_at[(id(owner), key)] = self.f.local_tick()

    def _conform(self, type_text: str, value: Value, node: Node | None) -> Value:
        """Apply what a declared type tells: Ids carry no PHI; a PHI record of unknown content is PHI."""
        if is_safe_type(type_text):
            return Value(
                text=value.text,
                prefix=value.prefix,
                literal=value.literal,
                random=value.random,
                static=value.static,
            )
        elem = element_type(type_text)
        if self.f.is_sobject_type(elem):
            if value.sobject is None or value.sobject.lower() == "sobject":
                value = value._replace(sobject=elem)
            if not value.known and not value.origins and node is not None:
                value = value.join(self.f.record_value(node, elem))
        elif not value.response and _is_response_type(elem):
            value = value._replace(response=True)
        return value

    def lookup(self, name: str, members: bool = True) -> Value | None:
        """The value of a variable (with `members`: joined with what was written into its members,
        i.e. the whole object) or of a class field."""
        key = name.lower()
        if key in self.env:
            value = self.env[key]
            if members and key in self.member_names:
                for member in self.member_names[key]:
                    value = value.join(self.env.get(f"{key}.{member}", EMPTY))
            return value
        owner = self.cls.owner_of(key)
        if owner is not None:
            self.field_reads.add((id(owner), key))
            written = owner.writes.get(key)
            initial = owner.fields[key][1]
            return initial.join(written) if written is not None else initial
        return None

    def type_of(self, name: str) -> str | None:
        key = name.lower()
        if key in self.types:
            return self.types[key]
        found = self.cls.lookup_field(key)
        return found[0] if found else None

    def is_variable(self, name: str) -> bool:
        key = name.lower()
        return key in self.env or key in self.types or self.cls.lookup_field(key) is not None

    # ---- depth guard -------------------------------------------------------------------------------
    def _flat_value(self, node: Node) -> Value:
        """What a too-deeply nested subtree carries, without recursing: the join of every variable it
        names (iteratively). Sinks inside it are not seen; real code never nests this deep."""
        value = EMPTY
        for child in parsing.walk(node):
            if child.type == "identifier":
                found = self.lookup(parsing.text(child, self.src))
                if found is not None:
                    value = value.join(found.content())
        return value

    # ---- statements ----------------------------------------------------------------------------------
    def visit(self, node: Node) -> None:
        if self.depth >= MAX_DEPTH:
            self._flat_value(node)
            return
        self.depth += 1
        try:
            self._visit(node)
        finally:
            self.depth -= 1

    def _visit(self, node: Node) -> None:
        kind = node.type
        if kind in ("line_comment", "block_comment"):
            return
        if kind == "local_variable_declaration":
            type_text = parsing.text(parsing.field(node, "type"), self.src)
            for decl in node.children_by_field_name("declarator"):
                var = parsing.field(decl, "name")
                value_node = parsing.field(decl, "value")
                value = self.eval(value_node) if value_node is not None else EMPTY
                if value_node is not None:
                    value = self._conform(type_text, value, value_node)
                name = parsing.text(var, self.src)
                self.types[name.lower()] = type_text
                self._forget_members(name.lower())
                self.env[name.lower()] = value
                if value_node is not None and _is_get_parameters(value_node, self.src):
                    self.url_parameters.add(name.lower())
                if (
                    value_node is not None
                    and value_node.type == "object_creation_expression"
                    and normalize_type(type_text) in HTTP_REQUEST_TYPES
                ):
                    self.created_requests.add(name.lower())
            return
        if kind in EXPRESSION_STATEMENTS:
            for child in node.named_children:
                self.eval(child)
            return
        if kind == "return_statement":
            for child in node.named_children:
                self.returns = self.returns.join(self.eval(child))
            return
        if kind == "if_statement":
            cond = parsing.field(node, "condition")
            if cond is not None:
                self.eval(cond)
            # Each arm starts from the state before the `if` (the `else` arm does not see what the
            # `then` arm wrote); the state after is the join of both.
            self.branch_depth += 1
            before = dict(self.env)
            consequence = parsing.field(node, "consequence")
            if consequence is not None:
                self.visit(consequence)
            after_then, self.env = self.env, before
            alternative = parsing.field(node, "alternative")
            if alternative is not None:
                self.env = dict(before)
                self.visit(alternative)
            self.env = _join_envs(after_then, self.env)
            self.branch_depth -= 1
            return
        if kind == "enhanced_for_statement":
            self.visit_foreach(node)
            return
        if kind in ("for_statement", "while_statement", "do_statement"):
            self.branch_depth += 1
            for _ in range(2):
                before = dict(self.env)
                for child in node.named_children:
                    self.visit(child)
                if not self._loop_carried(before):  # nothing flows around: a second pass adds nothing
                    break
            self.branch_depth -= 1
            return
        if kind in (
            "try_statement",
            "switch_expression",
            "catch_clause",
            "finally_clause",
            "switch_block",
            "switch_rule",
        ):
            self.branch_depth += 1
            for child in node.named_children:
                if child.type == "formal_parameter":
                    continue
                self.visit(child)
            self.branch_depth -= 1
            return
        if kind in ("block", "constructor_body", "trigger_body", "static_initializer", "class_body"):
            for child in node.named_children:
                self.visit(child)
            return
        if kind in ("class_declaration", "interface_declaration", "enum_declaration", "method_declaration"):
            return
        if kind.endswith("_expression") or kind in ("identifier", "field_access", "method_invocation"):
            self.eval(node)
            return
        for child in node.named_children:
            self.visit(child)

    def _loop_carried(self, before: dict[str, Value]) -> bool:
        """Did a pass over a loop body change a variable that was in scope before the loop (one the
        next iteration can read)? A local declared in the body is not: Apex scopes it to one
        iteration and forbids shadowing, so the next iteration declares it again before any read."""
        env = self.env
        return any(env.get(name) != value for name, value in before.items())

    def visit_foreach(self, node: Node) -> None:
        type_text = parsing.text(parsing.field(node, "type"), self.src)
        var = parsing.field(node, "name")
        source = parsing.field(node, "value")
        collection = self.eval(source) if source is not None else EMPTY
        name = parsing.text(var, self.src)
        body = parsing.field(node, "body")
        self.branch_depth += 1
        for _ in range(2):
            self.types[name.lower()] = type_text
            self.env[name.lower()] = self._conform(type_text, collection, source)
            before = dict(self.env)
            if body is not None:
                self.visit(body)
            if not self._loop_carried(before):
                break
        self.branch_depth -= 1

    # ---- expressions ---------------------------------------------------------------------------------
    def eval(self, node: Node | None) -> Value:
        if node is None:
            return EMPTY
        if self.depth >= MAX_DEPTH:
            return self._flat_value(node)
        # Leaves first, here: they are most of the nodes evaluated and need neither the depth
        # bookkeeping (they evaluate nothing below them) nor a second frame.
        kind = node.type
        if kind == "identifier":
            found = self.lookup(parsing.text(node, self.src))
            return found if found is not None else EMPTY
        if kind == "string_literal":
            body = _unquote(parsing.text(node, self.src))
            return Value(literal=True, text=body, prefix=body)
        if kind in LITERAL_TYPES:
            return EMPTY
        self.depth += 1
        try:
            return self._eval(node, kind)
        finally:
            self.depth -= 1

    def _eval(self, node: Node, kind: str) -> Value:
        if kind == "method_invocation":
            return self.eval_call(node)
        if kind == "binary_expression":
            left = self.eval(parsing.field(node, "left"))
            right = self.eval(parsing.field(node, "right"))
            operator = node.children[1].type if node.child_count > 2 else "+"
            if operator in BOOLEAN_OPERATORS:
                return EMPTY
            # The join of both sides' content, with the text and lead of the concatenation (built in
            # one go: `left.content().join(right.content())._replace(...)` built up to four values).
            text = left.text + right.text if left.text is not None and right.text is not None else None
            prefix = left.text + (right.prefix or "") if left.text is not None else left.prefix
            return Value(
                left.origins | right.origins,
                left.params | right.params,
                literal=left.literal or right.literal,
                random=left.random or right.random,
                static=left.static or right.static,
                text=text,
                prefix=prefix,
                lead=left.lead,
            )
        if kind == "field_access":
            return self.eval_field_access(node)
        if kind == "parenthesized_expression":
            return join_all(self.eval(c) for c in node.named_children)
        if kind == "query_expression":
            self._eval_binds(node)
            return self.f.query_value(node)
        if kind == "ternary_expression":
            self.eval(parsing.field(node, "condition"))
            return self.eval(parsing.field(node, "consequence")).join(
                self.eval(parsing.field(node, "alternative"))
            )
        if kind == "cast_expression":
            value = self.eval(parsing.field(node, "value"))
            return self._conform(parsing.text(parsing.field(node, "type"), self.src), value, node)
        if kind == "assignment_expression":
            return self.eval_assignment(node)
        if kind == "array_access":
            array = self.eval(parsing.field(node, "array"))
            self.eval(parsing.field(node, "index"))
            return array
        if kind in (
            "array_creation_expression",
            "map_creation_expression",
            "array_initializer",
            "map_initializer",
            "map_key_initializer",
        ):
            value = join_all(
                self.eval(c)
                for c in node.named_children
                if c.type
                not in (
                    "generic_type",
                    "type_identifier",
                    "dimensions",
                    "dimensions_expr",
                    "scoped_type_identifier",
                )
            )
            type_node = parsing.field(node, "type")
            if type_node is not None:
                elem = element_type(parsing.text(type_node, self.src))
                if self.f.is_sobject_type(elem):
                    value = value._replace(sobject=elem)
            return value
        if kind == "object_creation_expression":
            return self.eval_new(node)
        if kind == "dml_expression":
            target = parsing.field(node, "target")
            value = self.eval(target)
            dml = next((c for c in node.named_children if c.type == "dml_type"), None)
            operation = parsing.text(dml, self.src).strip().lower() if dml is not None else ""
            if operation in ("insert", "upsert", "update") and _is_log_object(value.sobject):
                self.f.emit(LOG, node, f"{operation} {value.sobject}", _foreign(value))
            return EMPTY
        if kind in ("instanceof_expression", "unary_expression", "update_expression"):
            for child in node.named_children:
                self.eval(child)
            return EMPTY
        if kind in (
            "this",
            "super",
            "type_identifier",
            "generic_type",
            "scoped_type_identifier",
            "line_comment",
            "block_comment",
        ):
            return EMPTY
        # Anything else (e.g. a DML statement's target, switch expressions): evaluate children so calls
        # and queries inside are seen.
        return join_all(self.eval(c) for c in node.named_children)

    def _eval_binds(self, query: Node) -> None:
        for bound in parsing.captures("apex", "(bound_apex_expression) @b", query).get("b", []):
            for child in bound.named_children:
                self.eval(child)

    def field_path(self, node: Node) -> tuple[Node | None, list[str]]:
        """`p.Patient__r.SSN__c` -> (node of `p`, ['Patient__r', 'SSN__c'])."""
        names: list[str] = []
        current: Node | None = node
        while current is not None and current.type == "field_access":
            names.append(parsing.text(parsing.field(current, "field"), self.src))
            current = parsing.field(current, "object")
        names.reverse()
        return current, names

    def eval_field_access(self, node: Node) -> Value:
        base, path = self.field_path(node)
        if base is None or not path:
            return EMPTY
        base_text = parsing.text(base, self.src)
        if base.type == "identifier" and base_text.lower() == "trigger" and not self.is_variable(base_text):
            return self._trigger_records(node, path)
        if base.type == "this":
            found = self.lookup(path[0])
            base_value = found if found is not None else EMPTY
            holder_type = self.type_of(path[0])
            path = path[1:]
            if not path:
                return base_value
            value = self.read_members(node, None, base_value, holder_type, path)
        elif base.type == "identifier" and not self.is_variable(base_text):
            return self._static_field(node, base_text, path)
        elif base.type == "identifier":
            var = base_text.lower()
            base_value = self.lookup(var, members=False) or EMPTY
            value = self.read_members(node, var, base_value, self.type_of(var), path)
        else:
            base_value = self.eval(base)
            value = self.read_fields(node, base_value, path)
        # A field of a custom setting or class constant is as static as its holder (static IVs).
        return value._replace(static=True) if base_value.static and not value.static else value

    def read_members(
        self, node: Node, var: str | None, base: Value, holder_type: str | None, path: list[str]
    ) -> Value:
        """Read `path` from a variable `var` (None: a class field) of declared type `holder_type`.
        Through a project class, field-sensitive per member: a member written in this body has its own
        value; a member declared as an SObject holds records of that object, so `req.visit.Status__c`
        is judged like `visit.Status__c` on a plain record; a member of a safe type (Id, Boolean)
        carries nothing. Anything else reads from the whole object, as before."""
        cls = self.project_class(holder_type)
        if cls is None:
            return self.read_fields(node, base, path)
        member = path[0].lower()
        member_type = self.f.member_type(cls, member)
        written = self.env.get(f"{var}.{member}") if var is not None else None
        if written is not None:
            if len(path) == 1:
                return written
            if written.sobject is not None:
                return self.read_fields(node, written, path[1:])
            return self.read_members(node, None, written, member_type, path[1:])
        if member_type is None or base.response:
            return self.read_fields(node, base, path)
        elem = element_type(member_type)
        if self.f.is_sobject_type(elem):
            if len(path) == 1:
                # The whole record: PHI when the holder carries any (a holder built from nothing
                # holds no record); a named field below is judged by its name alone.
                return self.f.record_value(node, elem) if base.tainted else Value(sobject=elem)
            return self.read_fields(node, Value(sobject=elem), path[1:])
        if is_safe_type(member_type):
            return EMPTY
        if len(path) == 1:
            return self._named_member(node, holder_type or cls, path[0], base)
        return self.read_members(node, None, base, member_type, path[1:])

    def _named_member(self, node: Node, holder_type: str, member: str, base: Value) -> Value:
        """A data member of a project class read through an instance (`req.dateOfBirth`), not written in
        this body: what the object holds, plus a PHI read when the member's own name says PHI as a field
        name would (`dateOfBirth`, `diagnosisCode`, `patientName`; not `name` or `email`, which the PHI
        model accepts only on a patient's record). Its content comes from elsewhere (a Flow's
        `@InvocableVariable`, a caller, a constructor), so the name is the evidence. Members named as UI
        text or settings (`symptomErrorMsg`, `diagnosisLabel`) hold no patient's data."""
        if base.known and not base.tainted:
            return base  # built here (or returned by a method) from nothing that carries PHI
        if NOT_DATA_MEMBER_TOKENS.intersection(name_tokens(member)):
            return base
        reason = self.f.field_reason(None, member)
        if reason is None:
            return base
        holder = normalize_type(holder_type).split(".")[-1]
        owner = next((t for t in re.split(r"[^A-Za-z0-9_]+", holder_type) if t.lower() == holder), holder)
        read = self.f.origin(node, f"{owner}.{member}, named like PHI", reason.source, (f"{owner}.{member}",))
        return base._replace(origins=base.origins | {read})

    def _trigger_records(self, node: Node, path: list[str]) -> Value:
        member = path[0].lower()
        obj = self.f.trigger_object
        if member in ("new", "old", "newmap", "oldmap") and obj:
            # Locate the read at `Trigger.new` itself, not at the fields read from it.
            anchor = node
            inner = parsing.field(anchor, "object")
            while inner is not None and inner.type == "field_access":
                anchor, inner = inner, parsing.field(inner, "object")
            records = self.f.record_value(anchor, obj)
            return self.read_fields(node, records, path[1:]) if len(path) > 1 else records
        return EMPTY

    def _static_field(self, node: Node, class_name: str, path: list[str]) -> Value:
        """`Constants.ENDPOINT`, `Label.X`, `MySetting__c.getOrgDefaults()...` (handled in calls)."""
        constant = self.f.constant(class_name.lower(), path[0].lower())
        if constant is not None:
            return Value(literal=True, static=True, text=constant, prefix=constant)
        # Anything else is a field token (`Patient__c.SSN__c` names a field, it holds no value), a
        # custom label or another class's static state, which this analysis does not track.
        return EMPTY

    def read_fields(self, node: Node, base: Value, path: list[str]) -> Value:
        """Field-sensitive read of `path` from `base`."""
        if not path:
            return base
        obj = base.sobject
        if base.response and obj is None:
            named = next((name for name in path if catalogue_name_match(name)), None)
            if named is not None:
                read = self.f.origin(node, f"{named} in a response", "catalogue", (named,))
                return base._replace(origins=base.origins | {read}, fields=())
        if obj is None or obj.lower() == "sobject":
            # Unknown or generic record: only custom field names are worth asking the PHI model about;
            # a field of a tainted Apex object is as tainted as the object.
            last = path[-1]
            if last.lower() in SYSTEM_FIELDS or (obj is not None and last.lower() == "name"):
                return EMPTY  # `rec.Id`, `rec.CreatedDate`: identifies or stamps a record, says nothing of it
            if last.lower().endswith(("__c", "__pc")):
                found = self.f.field_origin(node, None, ".".join(path[-2:]) if len(path) > 1 else last)
                if found is not None:
                    return base.content()._replace(origins=base.origins | {found}, sobject=None)
                if obj is not None:
                    return Value(params=base.params)
            if obj is not None:
                return Value(params=base.params)
            return base._replace(sobject=None, fields=())
        joined = ".".join(path)
        reason_path = ".".join(path[-2:]) if len(path) > 1 else path[0]
        if path[-1].lower().endswith(("__r", "__pr")) or (
            len(path) >= 1
            and not path[-1].lower().endswith(("__c", "__pc"))
            and self.f.is_sobject_type(relationship_to_object(path[-1]))
            and path[-1].lower() not in ("id", "name")
            and self.f.field_reason(obj, reason_path) is None
            and _looks_relationship(path[-1])
        ):
            # A related record (`p.Patient__r`): what the query selected under it.
            prefix = joined.lower() + "."
            sub = {k[len(prefix) :]: o for k, o in base.fields if k.startswith(prefix)}
            target = relationship_to_object(path[-1])
            if base.known:
                return Value(frozenset(sub.values()), base.params, target, tuple(sorted(sub.items())), True)
            return (
                self.f.record_value(node, target) if self.f.object_reason(target) else Value(sobject=target)
            )
        selected = dict(base.fields).get(joined.lower())
        if selected is not None:
            return Value(frozenset({selected}))
        origin = self.f.field_origin(node, obj, reason_path if len(path) > 1 else path[0])
        if origin is None and len(path) > 1:
            origin = self.f.field_origin(node, relationship_to_object(path[-2]), path[-1])
        if origin is not None:
            return Value(frozenset({origin}))
        return EMPTY

    def eval_assignment(self, node: Node) -> Value:
        left = parsing.field(node, "left")
        right = parsing.field(node, "right")
        right_value = self.eval(right)
        operator = parsing.text(parsing.field(node, "operator"), self.src)
        if left is None:
            return right_value
        if left.type == "identifier":
            name = parsing.text(left, self.src)
            if operator != "=":
                old = self.lookup(name) or EMPTY
                right_value = old.content().join(right_value.content())._replace(lead=old.lead)
            self.assign(name, right_value, node=right)
            return right_value
        if left.type == "field_access":
            base, path = self.field_path(left)
            if base is not None and base.type == "this" and len(path) == 1:
                self.assign(path[0], right_value, node=right)
                return right_value
            if (
                base is not None
                and base.type == "identifier"
                and self.is_variable(parsing.text(base, self.src))
            ):
                # Writing into a record: the record now carries what was written, and writing a PHI
                # field makes it a PHI record.
                name = parsing.text(base, self.src)
                key = name.lower()
                if key in self.types and self.project_class(self.types[key]) is not None:
                    self._write_member(key, path, right_value)
                    return right_value
                record = self.lookup(name) or EMPTY
                added = right_value.content()
                written = (
                    self.f.field_origin(left, record.sobject, ".".join(path)) if record.sobject else None
                )
                if written is not None and _is_data(right_value, right):
                    added = added.join(Value(frozenset({written})))
                self.env[name.lower()] = record.join(
                    added._replace(sobject=record.sobject, known=record.known)
                )
            return right_value
        if left.type == "array_access":
            array = parsing.field(left, "array")
            if array is not None and array.type == "identifier":
                name = parsing.text(array, self.src)
                self.env[name.lower()] = (self.lookup(name) or EMPTY).join(right_value)
        return right_value

    def _write_member(self, key: str, path: list[str], value: Value) -> None:
        """`card.ssn = value` on a local of a project class: only that member changes. A deeper write
        (`card.address.city = x`) adds to the member. Inside a branch the old value may survive."""
        member = path[0].lower()
        slot = f"{key}.{member}"
        members = self.member_names.setdefault(key, set())
        # Before its first write a member holds whatever the object held.
        old = self.env.get(slot)
        if old is None:
            old = self.lookup(key, members=False) or EMPTY
        new = value if len(path) == 1 else old.join(value.content())
        if self.branch_depth:
            new = old.join(new)
        members.add(member)
        self.env[slot] = new

    def eval_new(self, node: Node) -> Value:
        type_text = parsing.text(parsing.field(node, "type"), self.src)
        args = parsing.field(node, "arguments")
        arg_nodes = [
            a
            for a in (args.named_children if args is not None else [])
            if a.type not in ("line_comment", "block_comment")
        ]
        low = normalize_type(type_text)
        if self.f.is_sobject_type(type_text):
            # `new Patient__c(SSN__c = x, Status__c = 'y')`: PHI only through its PHI fields.
            value = Value(sobject=type_text, known=True)
            for arg in arg_nodes:
                if arg.type == "assignment_expression":
                    fname = parsing.text(parsing.field(arg, "left"), self.src)
                    arg_value = self.eval(parsing.field(arg, "right"))
                    written = self.f.field_origin(arg, type_text, fname)
                    value = value.join(arg_value.content()._replace(sobject=type_text, known=True))
                    if written is not None and _is_data(arg_value, parsing.field(arg, "right")):
                        value = value.join(Value(frozenset({written}), sobject=type_text, known=True))
                else:
                    value = value.join(self.eval(arg).content()._replace(sobject=type_text, known=True))
            return value
        values = [self.eval(a) for a in arg_nodes]
        content = join_all(v.content() for v in values)
        if low in ("pagereference", "system.pagereference") and values:
            self.f.emit(URL, node, "new PageReference", values[0].content())
        if low.split("<")[0] in ("list", "set", "map") or low.endswith("[]"):
            elem = element_type(type_text)
            sobject = elem if self.f.is_sobject_type(elem) else None
            if not values:
                # `new List<Patient__c>()`: an empty collection, known to hold nothing yet (not a
                # collection of records of unknown content).
                return Value(sobject=sobject, known=True)
            return join_all(values)._replace(sobject=sobject)
        if low in HTTP_REQUEST_TYPES or low in EMAIL_MESSAGE_TYPES or low in EMAIL_ATTACHMENT_TYPES:
            return EMPTY
        if self.project_class(type_text) is not None:
            # A new instance of a project class holds what its arguments carry and nothing else: a
            # member named like PHI of one built from nothing is empty (see `_named_member`).
            return content._replace(known=True)
        return content

    # ---- calls ---------------------------------------------------------------------------------------
    def eval_call(self, node: Node) -> Value:
        src = self.src
        obj = parsing.field(node, "object")
        name = parsing.text(parsing.field(node, "name"), src)
        low = name.lower()
        args_node = parsing.field(node, "arguments")
        args = (
            [self.eval(a) for a in args_node.named_children if a.type not in COMMENT_TYPES]
            if args_node is not None
            else []
        )
        # Who is called: a class (static call), a variable (instance call), or an expression.
        qualifier: str | None = None  # class name of a static call, lower
        recv_type: str | None = None
        recv_var: str | None = None
        receiver = EMPTY
        obj_type = obj.type if obj is not None else ""
        if obj is None or obj_type == "this":
            qualifier = None
        elif obj_type == "identifier":
            obj_text = parsing.text(obj, src)
            if not self.is_variable(obj_text):
                qualifier = obj_text.lower()
            else:
                receiver = self.eval(obj)
                recv_var = obj_text.lower()
                recv_type = self.type_of(recv_var)
        elif obj_type == "field_access" and self._is_class_path(obj):
            qualifier = parsing.text(obj, src).replace(" ", "").lower()
        else:
            receiver = self.eval(obj)
            if obj_type == "field_access" and _is_this(parsing.field(obj, "object")):
                recv_var = parsing.text(parsing.field(obj, "field"), src).lower()
                recv_type = self.type_of(recv_var)
            elif obj_type == "object_creation_expression":
                # `new AppLogger().write(msg)`, `new Messaging.SingleEmailMessage()...`
                recv_type = parsing.text(parsing.field(obj, "type"), src)
        recv_norm = normalize_type(recv_type) if recv_type else ""
        if not args:
            all_args = EMPTY
        elif len(args) == 1:
            all_args = args[0].content()
        else:
            all_args = join_all(a.content() for a in args)
        if self._may_call_project(obj, qualifier, recv_norm):
            self.callees.add(low)

        # The callee's summary, when the sink check looked it up (the result below needs the same one:
        # summaries do not change while a body runs, so it is not asked twice).
        asked, found = self._sinks(node, obj, qualifier, recv_norm, recv_var, low, name, args, all_args)

        # The result.
        if _is_sanitizer(name):
            return EMPTY
        if qualifier is not None:
            full = f"{qualifier}.{low}"
            if full in ("database.query", "database.querywithbinds", "search.query", "search.find"):
                # Unknown dynamic text gives an unknown record, typed by the variable it is assigned to.
                return self.f.query_value(node)
            if full in RANDOM_STATIC:
                return Value(random=True)
            if full in ("json.deserialize", "json.deserializestrict", "json.deserializeuntyped"):
                return all_args._replace(response=True)
            if full in OPAQUE_STATIC or qualifier == "limits":
                return EMPTY
            if full in LITERAL_WRAPPERS:
                return all_args
            if (
                full.endswith((".getorgdefaults", ".getinstance", ".getvalues", ".getall"))
                and self.f.is_sobject_type(qualifier.split(".")[-1])
            ) or qualifier.endswith("__mdt"):
                # Custom settings / metadata: configuration, the same for every call.
                return Value(static=True, sobject=qualifier.split(".")[-1])
            summary = found if asked else self._summary_for(qualifier, low, len(args))
            if summary is not None:
                return self._apply_return(summary, args)
            if low in OPAQUE_METHODS:
                return EMPTY
            if qualifier in (
                "string",
                "json",
                "encodingutil",
                "blob",
                "system",
                "date",
                "datetime",
                "integer",
                "decimal",
                "double",
                "long",
                "math",
                "url",
            ):
                return all_args
            if self.f.is_class(qualifier):
                return EMPTY  # a project method we know (no summary: it returns nothing of its input)
            return all_args
        if obj is None or obj_type == "this":
            if asked:
                summary = found
            else:
                summary = self._summary_for(self.cls.name.lower(), low, len(args))
                if summary is None and self.cls.outer is not None:
                    summary = self._summary_for(self.cls.outer.name.lower(), low, len(args))
            if summary is not None:
                return self._apply_return(summary, args)
            return EMPTY if self._defined_here(low) else all_args
        # Instance call.
        if low == "send" and recv_norm in ("http", "system.http"):
            # The answer of a callout: nothing of the request, all of the integration's data.
            return Value(response=True)
        receiver_class = _receiver_class(recv_norm)
        if receiver_class:
            summary = found if asked else self._summary_for(receiver_class, low, len(args), dispatch=True)
            if summary is not None:
                return self._apply_return(summary, args)
        if low in OPAQUE_METHODS:
            return EMPTY
        if low in COLLECTION_ADDERS and recv_var is not None:
            added = all_args
            if low == "put" and len(args) == 2:
                added = args[0].content().join(args[1])
            elif args:
                added = join_all(args)
            self.env[recv_var] = (self.lookup(recv_var) or EMPTY).join(added)
            return EMPTY
        if (
            low in ("get", "getsobject", "getsobjects", "getpopulatedfieldsasmap")
            and receiver.sobject
            and len(args) == 1
            and args[0].text is not None
            and low == "get"
        ):
            # Dynamic field read with a literal name: `p.get('SSN__c')`.
            return self.read_fields(node, receiver, [args[0].text])
        if low == "get" and receiver.response and len(args) == 1 and args[0].text is not None:
            # A property of an untyped JSON answer: `person.get('birthDate')`.
            return self.read_fields(node, receiver, [args[0].text])
        if low in ("get", "values", "clone", "deepclone", "remove", "iterator", "next", "getsobject"):
            return receiver.join(all_args) if low != "get" else receiver
        if low in ("keyset",):
            return receiver.content() if not self._map_keys_are_ids(recv_type) else EMPTY
        if recv_norm in HTTP_REQUEST_TYPES and recv_var is not None:
            if low in ("setbody", "setbodyasblob"):
                self.request_bodies[recv_var] = self.request_bodies.get(recv_var, EMPTY).join(all_args)
            elif low in ("getbody", "getbodyasblob"):
                return self.request_bodies.get(recv_var, EMPTY)
        if recv_norm in HTTP_REQUEST_TYPES or recv_norm in EMAIL_MESSAGE_TYPES:
            return EMPTY
        result = receiver.content().join(all_args)
        return result._replace(response=True) if receiver.response else result

    def _may_call_project(self, obj: Node | None, qualifier: str | None, recv_norm: str) -> bool:
        """Could this call reach a method of the project (whose summary may change in prepare())?
        Calls on system types (`m.get(k)` on a Map, `String.valueOf`) cannot, and re-running every
        body that calls `get` because a project class has a `get` would waste most of prepare()."""
        if qualifier is not None:
            return self.f.is_class(qualifier.split(".")[-1])
        if obj is None or obj.type in ("this", "super"):
            return True
        if recv_norm:
            return self.f.is_class(_receiver_class(recv_norm) or "")
        return True

    def _map_keys_are_ids(self, recv_type: str | None) -> bool:
        return bool(recv_type) and normalize_type(recv_type or "").startswith("map<id,")

    def _is_class_path(self, node: Node) -> bool:
        base, _ = self.field_path(node)
        return (
            base is not None
            and base.type == "identifier"
            and not self.is_variable(parsing.text(base, self.src))
        )

    def _defined_here(self, low: str) -> bool:
        found = self.f.has_summary(self.cls.name.lower(), low)
        self.answers[(self.cls.name.lower(), low, -1, False)] = found
        return found

    def _summary_for(self, cls: str, method: str, arity: int, dispatch: bool = False) -> MethodSummary | None:
        found = self.f.lookup(cls.split(".")[-1], method, arity, dispatch)
        self.answers[(cls.split(".")[-1], method, arity, dispatch)] = found
        return found

    def _apply_return(self, summary: MethodSummary, args: list[Value]) -> Value:
        value = Value(
            summary.return_origins, sobject=summary.return_sobject, known=True, prefix=summary.return_prefix
        )
        for index in summary.returns_params:
            if index < len(args):
                value = value.join(args[index])
        return value

    # ---- sinks ---------------------------------------------------------------------------------------
    def _sinks(
        self,
        node: Node,
        obj: Node | None,
        qualifier: str | None,
        recv_norm: str,
        recv_var: str | None,
        low: str,
        name: str,
        args: list[Value],
        all_args: Value,
    ) -> tuple[bool, MethodSummary | None]:
        """Emit the sink events of a call; returns whether it looked up the callee's summary, and
        the summary it found."""
        f = self.f
        asked = False
        summary: MethodSummary | None = None
        if qualifier == "system" and low == "debug":
            f.emit(LOG, node, "System.debug", all_args)
        elif qualifier == "logger" and low in NEBULA_LOG_METHODS:
            f.emit(LOG, node, f"Logger.{name}", all_args)
        elif low in NEBULA_BUILDER_METHODS and (
            recv_norm in ("logentryeventbuilder",)
            or (obj is not None and obj.type == "method_invocation" and _call_on(obj, self.src, "logger"))
        ):
            f.emit(LOG, node, f"Logger … .{name}", all_args)
        # Records of a log object (`Log__c`, `Log_Event__e`) written with PHI in them.
        if (
            qualifier in ("database", "eventbus")
            and low in ("insert", "upsert", "update", "publish")
            and args
            and _is_log_object(args[0].sobject)
        ):
            shown = "EventBus" if qualifier == "eventbus" else "Database"
            f.emit(LOG, node, f"{shown}.{name} {args[0].sobject}", _foreign(args[0]))
        # Configured sinks (`[sinks] log = ["ClinicLog.*"]`).
        owner = qualifier or (_receiver_class(recv_norm) if recv_norm else None)
        if owner and f.sink_matchers:
            qualified = f"{owner.split('.')[-1]}.{low}"
            for kind, matches in f.sink_matchers:
                if matches(qualified):
                    shown = parsing.text(obj, self.src) if obj is not None else _display(owner)
                    f.emit(kind, node, f"{shown}.{name}", all_args)
        # Project wrappers (method summaries): static calls on a class, instance calls through a typed
        # variable (dispatched to subtypes), and calls on the class itself.
        dispatch = qualifier is None and bool(recv_norm)
        if qualifier is not None:
            callee_cls: str | None = qualifier
        elif recv_norm:
            callee_cls = _receiver_class(recv_norm)
        else:
            callee_cls = self.cls.name.lower() if obj is None or obj.type == "this" else None
        if callee_cls:
            asked = True
            summary = self._summary_for(callee_cls, low, len(args), dispatch)
            if summary is None and (obj is None or obj.type == "this") and self.cls.outer is not None:
                summary = self._summary_for(self.cls.outer.name.lower(), low, len(args))
            if summary is not None:
                shown = (
                    parsing.text(obj, self.src) + "." + name
                    if obj is not None and obj.type != "this"
                    else name
                )
                for index, sinks in summary.sinks.items():
                    if index < len(args):
                        for kind, innermost in sinks:
                            guard: frozenset[int] | None = None
                            if kind == CALLOUT and index in summary.guards:
                                endpoints = [args[j] for j in summary.guards[index] if j < len(args)]
                                if endpoints and all(_named_credential(e) for e in endpoints):
                                    continue  # the caller chose Named Credentials for the endpoint
                                if endpoints and all(e.lead and e.prefix is None for e in endpoints):
                                    guard = frozenset().union(*(e.lead for e in endpoints))
                            wrapped = f"{shown} (wraps {innermost})"
                            f.emit(kind, node, wrapped, args[index], innermost=innermost, guard=guard)
        # Email.
        if (recv_norm in EMAIL_MESSAGE_TYPES and low in EMAIL_BODY_METHODS) or (
            recv_norm in EMAIL_ATTACHMENT_TYPES and low in EMAIL_ATTACHMENT_METHODS
        ):
            f.emit(EMAIL, node, f"{_display_type(recv_norm)}.{name}", all_args)
        # Callouts.
        if recv_norm in HTTP_REQUEST_TYPES and low in CALLOUT_METHODS:
            if low == "setendpoint" and recv_var:
                self.endpoint_set.add(recv_var)
                if args and _named_credential(args[0]):
                    self.named_endpoint.add(recv_var)
                elif args and args[0].lead and args[0].prefix is None and recv_var not in self.endpoint_guard:
                    # The endpoint starts with a parameter: the callers choose it.
                    self.endpoint_guard[recv_var] = args[0].lead
                else:
                    self.endpoint_guard[recv_var] = None
            f.emit(CALLOUT, node, f"HttpRequest.{name}", all_args, request=recv_var)
        # PageReference parameters.
        if (
            low in ("put", "putall")
            and obj is not None
            and (_is_get_parameters(obj, self.src) or (recv_var or "") in self.url_parameters)
        ):
            f.emit(URL, node, f"PageReference.getParameters().{name}", all_args)
        # Crypto.
        if qualifier == "crypto":
            self._crypto(node, low, name, args)
        return asked, summary

    def _crypto(self, node: Node, low: str, name: str, args: list[Value]) -> None:
        f = self.f
        algorithm = (args[0].text or "").lower() if args else ""
        if low == "generatedigest" and len(args) >= 2 and algorithm in WEAK_DIGESTS:
            f.emit(WEAK_DIGEST, node, f"Crypto.generateDigest('{args[0].text}')", args[1].content())
        if low == "generatemac" and len(args) >= 3:
            if algorithm in WEAK_MACS:
                f.emit(WEAK_DIGEST, node, f"Crypto.generateMac('{args[0].text}')", args[1].content())
            if _hard_coded(args[2]):
                f.emit(HARDCODED_KEY, node, f"Crypto.{name}", EMPTY, detail="MAC key")
        key_index = {
            "encrypt": 1,
            "decrypt": 1,
            "encryptwithmanagediv": 1,
            "decryptwithmanagediv": 1,
            "sign": 2,
        }.get(low)
        if key_index is not None and len(args) > key_index and _hard_coded(args[key_index]):
            f.emit(HARDCODED_KEY, node, f"Crypto.{name}", EMPTY, detail="key")
        if low in ("encrypt", "decrypt") and len(args) >= 4:
            iv = args[2]
            if _hard_coded(iv):
                f.emit(HARDCODED_IV, node, f"Crypto.{name}", EMPTY, detail="initialization vector")
            elif low == "encrypt" and iv.static:
                f.emit(STATIC_IV, node, f"Crypto.{name}", EMPTY, detail="initialization vector")


def is_test_code(declaration: Node, src: bytes) -> bool:
    """`@IsTest` on a class or method, the legacy `testMethod` modifier (any case), or a top-level
    class named as a test-data helper (`syntax.TEST_HELPER_NAME`: `TestDataFactory` without `@IsTest`;
    its records are synthetic, as the structure rules also hold)."""
    parent = declaration.parent
    if declaration.type == "class_declaration" and parent is not None and parent.parent is None:
        name = parsing.field(declaration, "name")
        if name is not None and syntax.TEST_HELPER_NAME.match(parsing.text(name, src)):
            return True
    modifiers = next((c for c in declaration.named_children if c.type == "modifiers"), None)
    if modifiers is None:
        return False
    for modifier in modifiers.named_children:
        if modifier.type == "annotation":
            if parsing.text(parsing.field(modifier, "name"), src).lower() == "istest":
                return True
        elif parsing.text(modifier, src).lower() == "testmethod":
            return True
    return False


@lru_cache(maxsize=4096)
def _receiver_class(recv_norm: str) -> str | None:
    """The class whose method an instance call runs: `foo` for `Foo`/`ns.Foo`; None for collections,
    whose methods (`add`, `get`...) are the system's, not the element type's."""
    if not recv_norm or recv_norm.endswith("[]"):
        return None
    base = recv_norm.split("<", 1)[0]
    if base.split(".")[-1] in COLLECTION_TYPES:
        return None
    return base.split(".")[-1]


# Verbs of methods whose result is PHI made safe (`maskSsn`, `redact`, `PhiScrubber.anonymize`): by
# convention their result is not PHI. Hashing is not in the list (a hash of an SSN is reversible by
# brute force), nor is encryption's inverse.
SANITIZER_TOKENS = frozenset(
    {
        "mask",
        "masked",
        "redact",
        "redacted",
        "anonymize",
        "anonymise",
        "anonymized",
        "pseudonymize",
        "scrub",
        "tokenize",
        "deidentify",
        "obfuscate",
    }
)


@lru_cache(maxsize=2048)
def _is_sanitizer(method: str) -> bool:
    return not SANITIZER_TOKENS.isdisjoint(name_tokens(method))


def _foreign(records: Value) -> Value:
    """What a write of log records adds to the log: PHI read from other objects (a log record read
    from the log and written back exposes nothing new)."""
    own = (records.sobject or "").lower()
    kept = frozenset(o for o in records.origins if o.label.split(".")[0].split(" ")[0].lower() != own)
    return Value(kept, records.params)


def _is_log_object(sobject: str | None) -> bool:
    """`Log__c`, `Error_Log__c`, `App_Logs__c`, `Log_Event__e`, `LogEntryEvent__e`: an object (or
    platform event) that stores log lines, read by admins and support long after the transaction."""
    if not sobject or not sobject.lower().endswith(("__c", "__e")):
        return False
    tokens = name_tokens(sobject)
    return "log" in tokens or "logs" in tokens


def _is_get_parameters(node: Node, src: bytes) -> bool:
    return node.type == "method_invocation" and parsing.text(parsing.field(node, "name"), src).lower() == (
        "getparameters"
    )


@lru_cache(maxsize=2048)
def _is_response_type(elem: str) -> bool:
    """`HttpResponse`, `Empi.GetDemographicsResponse`, `LabResponse`: a type that holds an answer."""
    return elem.lower().endswith("response")


def _join_envs(first: dict[str, Value], second: dict[str, Value]) -> dict[str, Value]:
    """The variables after two alternative paths. A member slot ("card.ssn") written on one path
    only holds, on the other, whatever the whole object held."""
    joined = dict(first)
    for key, value in second.items():
        old = joined.get(key)
        joined[key] = value if old is None or old == value else old.join(value)
    for key in first.keys() ^ second.keys():
        if "." in key:
            other = second if key in first else first
            joined[key] = joined[key].join(other.get(key.split(".", 1)[0], EMPTY))
    return joined


def _named_credential(value: Value) -> bool:
    """An endpoint that is (or, in every branch, starts with) a `callout:` Named Credential."""
    return (value.prefix or "").lower().startswith("callout:")


def _is_this(node: Node | None) -> bool:
    return node is not None and node.type == "this"


def _hard_coded(value: Value) -> bool:
    return value.literal and not value.random and not value.tainted


def _is_data(value: Value, node: Node | None) -> bool:
    """Writing a literal into a PHI field of a new record (test data, defaults) exposes no patient."""
    return value.tainted or (
        node is not None
        and node.type
        not in ("string_literal", "int", "boolean", "null_literal", "decimal_floating_point_literal")
    )


def _looks_relationship(name: str) -> bool:
    # Standard relationship fields are capitalised object names (Account, Contact, Patient).
    return name[:1].isupper() and "_" not in name


def _call_on(node: Node, src: bytes, qualifier: str) -> bool:
    """Is `node` a call chain rooted at a static call on `qualifier` (Logger.info(...).setRecord(...))?"""
    current: Node | None = node
    while current is not None and current.type == "method_invocation":
        obj = parsing.field(current, "object")
        if obj is not None and obj.type == "identifier":
            return parsing.text(obj, src).lower() == qualifier
        current = obj
    return False


def _unquote(literal: str) -> str:
    body = literal[1:-1] if len(literal) >= 2 else ""
    if "\\" not in body:
        return body  # no escapes (most literals): skip the regular expression
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t", "r": "\r"}.get(m.group(1), m.group(1)), body)


def _display(owner: str) -> str:
    return owner.split(".")[-1]


def _display_type(norm: str) -> str:
    return {
        "messaging.singleemailmessage": "SingleEmailMessage",
        "singleemailmessage": "SingleEmailMessage",
        "messaging.massemailmessage": "MassEmailMessage",
        "massemailmessage": "MassEmailMessage",
        "messaging.emailfileattachment": "EmailFileAttachment",
        "emailfileattachment": "EmailFileAttachment",
    }.get(norm, norm)


# ---- drivers -------------------------------------------------------------------------------------------


def analyze(ctx: FileContext, summaries: Summaries, store: SummaryStore | None = None) -> FileAnalysis:
    analysis = FileAnalysis(ctx, summaries, dict(ctx.project.config.sinks), store)
    analysis.run()
    return analysis


# Flow facts computed by prepare() with the final summaries, by (path, content digest), for the one
# Summaries object they were computed with (held weakly: an id() could be reused by a later object).
# The per-file checks (in this process or in forked workers) reuse them instead of analysing each file
# a second time; facts restored from the on-disk cache are new objects and never match.
@dataclass
class Prepared:
    summaries: weakref.ReferenceType[Summaries] | None = None
    flows: dict[tuple[str, str], FileFlow] = field(default_factory=dict)

    def reset(self, summaries: Summaries) -> None:
        self.summaries = weakref.ref(summaries)
        self.flows = {}

    def get(self, summaries: Summaries, rel_path: str, source: bytes) -> FileFlow | None:
        if self.summaries is None or self.summaries() is not summaries:
            return None
        return self.flows.get(content_key(rel_path, source))


PREPARED = Prepared()


def content_key(rel_path: str, source: bytes) -> tuple[str, str]:
    return (rel_path, hashlib.sha1(source, usedforsecurity=False).hexdigest())


def file_flow(ctx: FileContext) -> FileFlow:
    """The flow facts of one file, computed once and shared by every flow rule (ctx.memo)."""
    return ctx.memo("apex.dataflow", lambda: _file_flow(ctx))


def _file_flow(ctx: FileContext) -> FileFlow:
    summaries = ctx.project.facts.get("apex", {}).get("summaries")
    if not isinstance(summaries, Summaries):
        summaries = Summaries()
    prepared = PREPARED.get(summaries, ctx.rel_path, ctx.source)
    if prepared is not None:
        return prepared
    analysis = analyze(ctx, summaries)
    flow = analysis.flow()
    analysis.close()
    return flow
