"""Checks of the non-flow Apex security rules: apex/soql-without-sharing, apex/soql-without-fls,
apex/soql-injection, apex/insecure-callout and apex/hardcoded-secret.

All of them read the shared per-file facts (`syntax.index`, `soql.queries`, `classes.file_classes`),
so a file is walked once whatever the number of rules enabled.

API versions ("Apex Versioned Behavior Changes", 67.0 / Summer '26): a class at 67.0+ runs database
operations in user mode unless it opts out with `WITH SYSTEM_MODE`, `AccessLevel.SYSTEM_MODE` or
`insert as system`; a class without a sharing keyword runs with sharing. Triggers always run in system
mode. Below 67.0 the old defaults hold (system mode; no keyword = the caller's sharing, without sharing
at an entry point).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import accumulate

from phi_lint import parsing
from phi_lint.analyzers.apex import classes, soql, syntax
from phi_lint.context import FileContext
from phi_lint.findings import Hit, Severity, normalize_text, props
from phi_lint.phi import PhiAnswers, name_tokens

Node = parsing.Node

# Database methods that read or write records (queries are modelled by soql.queries).
DATABASE_DML = frozenset(
    {
        "insert",
        "update",
        "upsert",
        "delete",
        "undelete",
        "merge",
        "convertlead",
        "emptyrecyclebin",
        "insertasync",
        "insertimmediate",
        "deleteasync",
        "deleteimmediate",
        "updateasync",
        "updateimmediate",
    }
)


# ---- data operations ------------------------------------------------------------------------------


@dataclass(frozen=True)
class DataOperation:
    node: Node
    label: str  # "SOQL query", "SOSL query", "Database.query", "insert", "Database.update" ...
    mode: str | None  # 'user' | 'system' | 'security_enforced' | None (default mode)
    query: soql.Query | None = None
    is_write: bool = False
    # A write's records (the DML target, the first argument of Database.insert ...): their SObject
    # type is looked up by `operation_objects` only when a rule asks, as most writes (tests' setup,
    # user mode) never need it and the lookup resolves the declaration of a variable.
    records: Node | None = None


def operation_objects(ctx: FileContext, op: DataOperation) -> tuple[str, ...]:
    """The objects an operation reads or writes (memoized per operation; kept in the file's memo
    rather than on the operation, which the memo holds: no cycle back to the context)."""
    if op.query is not None:
        return op.query.objects
    found: dict[tuple[int, int], tuple[str, ...]] = ctx.memo("apex.structure.operation_objects", dict)
    key = parsing.node_key(op.node)
    objects = found.get(key)
    if objects is None:
        obj = record_object(ctx, op.records)
        objects = found[key] = (obj,) if obj else ()
    return objects


def _dml_mode(ctx: FileContext, node: Node) -> str | None:
    for child in node.children:
        if child.type == "dml_security_mode":
            word = ctx.node_text(child).strip().lower()
            return "user" if word == "user" else "system" if word == "system" else None
    return None


def _access_level(ctx: FileContext, args: list[Node]) -> str | None:
    """'user' | 'system' from an `AccessLevel` argument (literal or a local holding one)."""
    level = soql.access_level(ctx, args)
    return {"USER_MODE": "user", "SYSTEM_MODE": "system"}.get(level or "")


def record_object(ctx: FileContext, expr: Node | None) -> str | None:
    """The SObject type a DML target holds, when the file says it (`new Patient__c()`, a typed
    variable, a query)."""
    if expr is None:
        return None
    if expr.type == "query_expression":
        query = soql.query_at(ctx, expr)
        return query.from_object if query is not None else None
    if expr.type == "method_invocation":
        receiver = parsing.field(expr, "object")
        name = parsing.field(expr, "name")
        if (
            receiver is not None
            and name is not None
            and ctx.node_text(name).lower() in ("values", "deepclone", "clone")
        ):
            return record_object(ctx, receiver)
        return None
    if expr.type == "field_access":
        text = "".join(ctx.node_text(expr).split()).lower()
        if text in ("trigger.new", "trigger.old", "trigger.newmap", "trigger.oldmap"):
            trig = classes.file_classes(ctx).trigger_at(expr)
            return trig.object_name if trig is not None else None
    type_text = syntax.expression_type(ctx, expr, keep_case=True)
    if not type_text:
        return None
    element = syntax.element_type(type_text)
    low = element.lower()
    if low in ("sobject", "object", "string", "id") or "<" in low or "." in low:
        return None  # generic records, nested collections, Apex types such as Database.LeadConvert
    return ctx.phi.object_spelling.get(low, element)


def operations(ctx: FileContext) -> list[DataOperation]:
    """Every SOQL/SOSL query, DML statement and Database.* data call of the file (memoized)."""

    def build() -> list[DataOperation]:
        ops: list[DataOperation] = []
        for dml in syntax.nodes(ctx, "dml_expression"):
            kind_node = syntax.child_of_type(dml, "dml_type")
            label = ctx.node_text(kind_node).strip().lower() if kind_node is not None else "DML"
            target = parsing.field(dml, "target")
            ops.append(DataOperation(dml, label, _dml_mode(ctx, dml), is_write=True, records=target))
        for call in syntax.calls_named(ctx, *DATABASE_DML):
            receiver, name, args = syntax.call_parts(ctx, call)
            if "".join(receiver.split()).lower() not in ("database", "system.database"):
                continue
            if name.lower() in DATABASE_DML:
                ops.append(
                    DataOperation(
                        call,
                        f"Database.{name}",
                        _access_level(ctx, args[1:]),
                        is_write=True,
                        records=args[0] if args else None,
                    )
                )
        writes = [op.node for op in ops]
        for query in soql.queries(ctx):
            # `delete [SELECT ...]`: the DML statement is the operation reported.
            if any(syntax.inside(query.node, w) for w in writes):
                continue
            label = query.method or ("SOSL query" if query.kind == "sosl" else "SOQL query")
            ops.append(DataOperation(query.node, label, query.mode, query))
        ops.sort(key=lambda op: op.node.start_byte)
        return ops

    return ctx.memo("apex.structure.operations", build)


@dataclass(frozen=True)
class CodeContext:
    """Where an operation runs: its class (or trigger), API version and sharing."""

    cls: classes.ClassFacts | None
    trigger: classes.TriggerFacts | None
    version: float | None
    is_test: bool

    @property
    def user_mode_default(self) -> bool:
        # Triggers always run in system mode, whatever their API version.
        return self.trigger is None and classes.user_mode_default(self.version)


def code_context(ctx: FileContext, node: Node) -> CodeContext:
    facts = classes.file_classes(ctx)
    cls = facts.enclosing_class(node)
    trig = facts.trigger_at(node) if cls is None else None
    return CodeContext(cls, trig, facts.api_version, facts.in_test_code(node))


# Setup objects without record-level sharing: `with sharing` changes nothing about what a query of
# them returns (access to them is governed by permissions, not sharing rules). Custom metadata types
# (`__mdt`) likewise. Real orgs query these in `without sharing` helpers all the time (queue routing,
# profile checks, permission set assignment), so reporting them buried the findings that matter.
SHARING_EXEMPT_OBJECTS = frozenset(
    name.lower()
    for name in (
        "Profile",
        "PermissionSet",
        "PermissionSetAssignment",
        "PermissionSetGroup",
        "PermissionSetGroupComponent",
        "PermissionSetLicense",
        "PermissionSetLicenseAssign",
        "Group",
        "GroupMember",
        "QueueSobject",
        "UserRole",
        "RecordType",
        "Organization",
        "OrgWideEmailAddress",
        "BusinessHours",
        "Holiday",
        "ApexClass",
        "ApexTrigger",
        "ApexPage",
        "AsyncApexJob",
        "CronTrigger",
        "CronJobDetail",
        "StaticResource",
        "FieldPermissions",
        "ObjectPermissions",
        "SetupEntityAccess",
        "UserLicense",
        "CustomNotificationType",
        "EntityDefinition",
        "FieldDefinition",
        "OpportunityStage",
        "TaskStatus",
        "CaseStatus",
        "LeadStatus",
        "ContractStatus",
        "PartnerRole",
        "DatedConversionRate",
        "CurrencyType",
        "Period",
        "FiscalYearSettings",
        "BusinessProcess",
        "TaskPriority",
        "UserRecordAccess",
        "UserPreference",
        # Custom permissions and the rest of the org's setup: read to decide what a user may do.
        "CustomPermission",
        "CustomPermissionDependency",
        "PermissionSetTabSetting",
        "TabDefinition",
        "Network",
        "NetworkMemberGroup",
        "TenantUsageEntitlement",
        "Site",
        "Domain",
        "ConnectedApplication",
        "AuthProvider",
        "NamedCredential",
        "EmailServicesAddress",
        "EmailServicesFunction",
        "ApexEmailNotification",
        "ApexComponent",
        "AuraDefinitionBundle",
        "ApexTestResult",
        "ApexTestQueueItem",
        "FlowDefinitionView",
        # Case and lead assignment rules, read to set `AssignmentRuleHeader` on a DML: setup, no owner.
        "AssignmentRule",
    )
)


def sharing_exempt(ctx: FileContext, obj: str) -> bool:
    """Does record sharing not apply to `obj` at all (setup objects, custom metadata types, custom
    settings)?"""
    low = obj.lower()
    return low in SHARING_EXEMPT_OBJECTS or low.endswith("__mdt") or _custom_setting(ctx, low)


# The static methods only a custom setting type has (`Foo__c.getOrgDefaults()`): code that calls one
# on a `__c` type shows that type is a custom setting, also when its metadata is in another package
# (`npe01__Contacts_And_Orgs_Settings__c`).
_CUSTOM_SETTING_METHODS = ("getorgdefaults", "getinstance", "getvalues", "getall")
# The naming convention of custom settings (`GEM_Settings__c`, `hed__Hierarchy_Settings__c`): a type
# whose last word is Settings/Setting, when no object file of the project says it is an ordinary object.
_SETTINGS_NAME = re.compile(r"settings?__c$")


def _custom_setting(ctx: FileContext, low: str) -> bool:
    """Is `low` (an object name, lower case) a custom setting? Custom settings have no record sharing
    (no owner, no sharing rules): a sharing keyword changes nothing about what DML on them does, and
    settings facades and install scripts write them `without sharing` by design. A PHI object never
    counts, whatever its name."""
    if not low.endswith("__c"):
        return False
    phi = ctx.phi
    if low in phi.custom_settings:
        return True
    if PhiAnswers.of(phi).object_reason(low) is not None:
        return False
    if low in _custom_setting_receivers(ctx):
        return True
    # An object file without `customSettingsType` says the object is ordinary; field files alone do
    # not (a package extending another package's setting ships only its own fields).
    return low not in phi.object_files and bool(_SETTINGS_NAME.search(low))


def _custom_setting_receivers(ctx: FileContext) -> frozenset[str]:
    """The `__c` types this file calls a custom-setting method on (`Foo__c.getInstance()`), lower case."""

    def build() -> frozenset[str]:
        found: set[str] = set()
        for call in syntax.calls_named(ctx, *_CUSTOM_SETTING_METHODS):
            receiver = "".join(syntax.call_parts(ctx, call)[0].split()).lower()
            if receiver.endswith("__c") and "." not in receiver:
                found.add(receiver)
        return frozenset(found)

    return ctx.memo("apex.structure.custom_setting_receivers", build)


def _phi_objects(ctx: FileContext, objects: tuple[str, ...]) -> list[str]:
    # Every operation of every file asks about the same few objects: the answers are remembered for
    # the run (`PhiAnswers`), each costing a walk over the object's fields otherwise.
    answers = PhiAnswers.of(ctx.phi)
    return [obj for obj in objects if answers.object_reason_as_spelled(obj) is not None]


# ---- apex/soql-without-sharing ------------------------------------------------------------------------

_INSTALL_INTERFACES = frozenset(("installhandler", "uninstallhandler"))


def _install_script(ctx: FileContext, cls: classes.ClassFacts) -> bool:
    """A package's post-install or uninstall script (`implements InstallHandler`): the platform runs
    it as a special system user of the package, never as a person, so there is no user whose record
    access a sharing keyword could enforce (and it is `without sharing` by necessity)."""
    interfaces = parsing.field(cls.node, "interfaces")
    if interfaces is None:
        return False
    names = re.findall(r"[A-Za-z_][\w.]*", ctx.node_text(interfaces).lower())
    return any(name.rsplit(".", 1)[-1] in _INSTALL_INTERFACES for name in names)


def check_sharing(ctx: FileContext) -> Iterator[Hit]:
    for op in operations(ctx):
        where = code_context(ctx, op.node)
        if where.is_test or op.mode == "user":
            continue  # user mode enforces the running user's sharing whatever the class declares
        objects = operation_objects(ctx, op)
        if objects and all(sharing_exempt(ctx, obj) for obj in objects):
            continue  # sharing does not apply to these objects, so no keyword would change the result
        phi_objects = _phi_objects(ctx, objects)
        if where.trigger is not None:
            # Trigger code runs in system mode without sharing and cannot declare a keyword. Reads of
            # PHI objects are reported (move them into a `with sharing` handler or use USER_MODE);
            # writes of the trigger's own records are the trigger's job.
            if op.is_write or not phi_objects:
                continue
            reason = f"trigger {where.trigger.name} runs in system mode without sharing"
            cls_name = where.trigger.name
        else:
            cls = where.cls
            if cls is None or cls.is_interface or _install_script(ctx, cls):
                continue
            sharing, how = classes.effective_sharing(ctx, cls)
            if where.user_mode_default:
                # API 67.0+: default-mode operations run in user mode; classes without a keyword run
                # with sharing. Only an explicit opt-out to system mode in a `without sharing` class
                # reads or writes records the user cannot see.
                if op.mode != "system" or sharing != "without":
                    continue
                reason = f"class {cls.name} is without sharing and the operation opts out to system mode"
            else:
                if sharing in ("with", "inherited"):
                    continue
                if sharing == "without":
                    reason = (
                        f"class {cls.name} is declared without sharing"
                        if how == "declared"
                        else f"class {cls.name} {how.replace('inherited', 'inherits without sharing')}"
                    )
                else:
                    reason = (
                        f"class {cls.name} declares no sharing keyword (inner classes do not inherit it)"
                        if cls.outer is not None
                        else f"class {cls.name} declares no sharing keyword"
                    )
            cls_name = cls.name
        phi_text = f" on PHI object {', '.join(phi_objects)}" if phi_objects else ""
        yield Hit(
            span=ctx.span_of(op.query.anchor, op.node) if op.query is not None else ctx.span_of(op.node),
            matched_text=f"{cls_name}:{normalize_text(ctx.node_text(op.node))[:200]}",
            args={"operation": op.label, "reason": reason, "phi": phi_text},
            severity=Severity.ERROR if phi_objects else None,
            properties=props(phi_objects=",".join(phi_objects), api_version=where.version or ""),
        )


# ---- apex/soql-without-fls --------------------------------------------------------------------------


def _result_variable(ctx: FileContext, node: Node) -> str | None:
    """Name of the variable a query's result is stored in (through casts, `new Map<...>(...)`)."""
    current = node
    parent = node.parent
    while parent is not None and parent.type in (
        "argument_list",
        "object_creation_expression",
        "cast_expression",
        "parenthesized_expression",
    ):
        current, parent = parent, parent.parent
    name = _stored_under(ctx, current, parent)
    return name.lower() if name is not None else None


def _stored_under(ctx: FileContext, node: Node, parent: Node | None) -> str | None:
    """The variable or (last segment of the) field that `node`, the direct child of `parent`, is
    declared into or assigned to: `String k = <node>`, `this.key = <node>`."""
    if parent is None:
        return None
    if parent.type == "variable_declarator" and parsing.field(parent, "value") == node:
        name_node = parsing.field(parent, "name")
        return ctx.node_text(name_node) if name_node is not None else None
    if parent.type == "assignment_expression" and parsing.field(parent, "right") == node:
        left = parsing.field(parent, "left")
        return ctx.node_text(left).split(".")[-1].strip() if left is not None else None
    return None


def _strip_calls(ctx: FileContext, callable_node: Node) -> list[tuple[Node, list[Node]]]:
    calls: dict[tuple[int, int], list[tuple[Node, list[Node]]]] = ctx.memo("apex.structure.strip", dict)
    key = parsing.node_key(callable_node)
    if key not in calls:
        found: list[tuple[Node, list[Node]]] = []
        for call in syntax.calls_named(ctx, "stripinaccessible"):
            if not syntax.inside(call, callable_node):
                continue
            receiver, name, args = syntax.call_parts(ctx, call)
            if (
                name.lower() == "stripinaccessible"
                and receiver.lower().endswith("security")
                and len(args) >= 2
            ) and "readable" in ctx.node_text(args[0]).lower():
                found.append((call, args))
        calls[key] = found
    return calls[key]


def _stripped(ctx: FileContext, query: soql.Query) -> bool:
    for call_node in _enclosing_chain(query.node):
        if call_node.type == "method_invocation":
            _receiver, name, args = syntax.call_parts(ctx, call_node)
            if (
                name.lower() == "stripinaccessible"
                and len(args) >= 2
                and "readable" in ctx.node_text(args[0]).lower()
                and syntax.inside(query.node, args[1])
            ):
                return True
    callable_node = syntax.enclosing(query.node, syntax.CALLABLE_TYPES)
    variable = _result_variable(ctx, query.node)
    if callable_node is None or variable is None:
        return False
    for _call, args in _strip_calls(ctx, callable_node):
        if ctx.node_text(args[1]).strip().lower().split(".")[-1] == variable:
            return True
    return False


def _enclosing_chain(node: Node) -> Iterator[Node]:
    parent = node.parent
    while parent is not None and parent.type not in syntax.CALLABLE_TYPES:
        yield parent
        parent = parent.parent


_GUARD_CALLS = frozenset({"isaccessible"})


def _guard_helpers(ctx: FileContext) -> dict[str, list[Node]]:
    """Methods of this file that contain describe `isAccessible()` checks, by lower-case name: a
    call to `canReadSsn()` before a query is the check it contains (one level deep)."""

    def build() -> dict[str, list[Node]]:
        table: dict[str, list[Node]] = {}
        for check in syntax.calls_named(ctx, *_GUARD_CALLS):
            method = syntax.enclosing(check, ("method_declaration",))
            name = parsing.field(method, "name") if method is not None else None
            if name is not None:
                table.setdefault(ctx.node_text(name).lower(), []).append(check)
        return table

    return ctx.memo("apex.structure.guard_helpers", build)


def _guarded_fields(ctx: FileContext, query: soql.Query, fields: list[str]) -> set[str]:
    """PHI fields (lower) covered by a describe `isAccessible()` check earlier in the same method (or in
    a method of this file it calls there). A check that names no field of the query (e.g. a loop over
    a field map) covers all of them; an object-level check covers none (it is CRUD, not field-level
    security)."""
    callable_node = syntax.enclosing(query.node, syntax.CALLABLE_TYPES)
    if callable_node is None:
        return set()
    checks = [
        call
        for call in syntax.calls_named(ctx, *_GUARD_CALLS)
        if call.start_byte < query.node.start_byte and syntax.inside(call, callable_node)
    ]
    helpers = _guard_helpers(ctx)
    if helpers:
        for name, found in helpers.items():
            for call in syntax.calls_named(ctx, name):
                receiver = syntax.call_parts(ctx, call)[0]
                if (
                    call.start_byte < query.node.start_byte
                    and syntax.inside(call, callable_node)
                    and receiver.lower() in ("", "this")
                ):
                    checks += found
    covered: set[str] = set()
    objects = {o.lower() for o in query.objects}
    for call in checks:
        words = {w.lower() for w in re.findall(r"[A-Za-z_][A-Za-z0-9_]*", ctx.node_text(call))}
        named = {f for f in fields if f in words}
        if named:
            covered |= named
        elif not (words & objects) and "sobjecttype" not in words:
            return set(fields)
    return covered


def check_fls(ctx: FileContext) -> Iterator[Hit]:
    for query in soql.queries(ctx):
        if query.is_count:
            continue
        found = soql.phi_fields(query, ctx.phi)
        if not found:
            continue
        where = code_context(ctx, query.node)
        if where.is_test or query.mode in ("user", "security_enforced"):
            continue
        if where.user_mode_default and query.mode != "system":
            continue  # API 67.0+: user mode by default
        if _stripped(ctx, query):
            continue
        guarded = _guarded_fields(ctx, query, [ref.field.lower() for ref, _ in found])
        remaining = [(ref, why) for ref, why in found if ref.field.lower() not in guarded]
        if not remaining:
            continue
        names = list(dict.fromkeys(ref.qualified for ref, _ in remaining))
        related = tuple(
            ctx.location(ref.span(ctx), f"PHI field {ref.qualified} read here ({why.describe()})")
            for ref, why in remaining[:10]
        )
        how = (
            "opts out to system mode"
            if query.mode == "system"
            else "runs in system mode (trigger)"
            if where.trigger is not None
            else "runs in system mode by default (API version below 67.0)"
        )
        yield Hit(
            span=ctx.span_of(query.anchor, query.node),
            matched_text=normalize_text(ctx.node_text(query.node))[:300],
            args={
                "fields": ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else ""),
                "how": how,
            },
            related=related,
            properties=props(phi=",".join(names), api_version=where.version or ""),
        )
    # API 67.0+: a write that opts out to system mode bypasses CRUD/FLS on a PHI object.
    for op in operations(ctx):
        if not op.is_write or op.mode != "system":
            continue
        where = code_context(ctx, op.node)
        if where.is_test or not where.user_mode_default:
            continue
        phi_objects = _phi_objects(ctx, operation_objects(ctx, op))
        if not phi_objects:
            continue
        yield Hit(
            span=ctx.span_of(op.node),
            matched_text=normalize_text(ctx.node_text(op.node))[:300],
            args={
                "fields": f"records of PHI object {', '.join(phi_objects)} ({op.label})",
                "how": "opts out to system mode",
            },
            properties=props(phi=",".join(phi_objects), api_version=where.version or ""),
        )


# ---- apex/soql-injection ----------------------------------------------------------------------------

# Methods whose result cannot carry a quote or SOQL syntax from input (schema names, sizes, ids).
_SAFE_METHODS = frozenset(
    {
        "escapesinglequotes",
        "getname",
        "getlocalname",
        "getsobjecttype",
        "size",
        "getuserid",
        "getorganizationid",
        "getprofileid",
        "today",
        "now",
        "count",
        "getdescribe",
        "getkeyprefix",
        "isempty",
        "isblank",
        "isnotblank",
        "contains",
        "equals",
        "equalsignorecase",
        "startswith",
        "endswith",
        "hashcode",
        "getrecordtypeid",
        "getrecordtypeinfosbydevelopername",
        "getrecordtypeinfosbyname",
        "getsobjectfield",
        "newsobject",
        "year",
        "month",
        "day",
        "hour",
        "minute",
        "second",
        "getuseremail",
        "getusername",
        "getdefaultcurrency",
        "getlanguage",
        "getlocale",
        "gettimezone",
        "quote",
    }
)
# String methods that pass their receiver's text on.
_PASS_THROUGH = frozenset(
    {
        "trim",
        "tolowercase",
        "touppercase",
        "normalizespace",
        "left",
        "right",
        "substring",
        "substringbefore",
        "substringafter",
        "abbreviate",
        "remove",
        "removeend",
        "removestart",
        "deletewhitespace",
        "capitalize",
        "uncapitalize",
        "unescapehtml4",
        "unescapexml",
        "tostring",
        "valueof",
        "get",
        "values",
        "keyset",
        "split",
        "replace",
        "replaceall",
        "replacefirst",
        "stripaccents",
        "reverse",
        "repeat",
        "leftpad",
        "rightpad",
        "center",
        "join",
        "format",
        "mid",
        "substringbetween",
        "substringafterlast",
        "substringbeforelast",
        "removestartignorecase",
        "removeendignorecase",
        "unescapehtml3",
        "unescapeecmascript",
        "unescapejava",
        "unescapecsv",
        "unescapeunicode",
        "striphtmltags",
        # Escapes for other languages leave a single quote as it is: `escapeHtml4` is a common
        # mistake for query escaping. (`escapeEcmaScript` and `escapeXml` do escape it.)
        "escapehtml3",
        "escapehtml4",
        "escapecsv",
        "escapejava",
        "escapeunicode",
    }
)
_SAFE_CONVERSIONS = frozenset(
    {"integer", "decimal", "double", "long", "boolean", "date", "datetime", "time", "id"}
)
_INPUT_SOURCES = (
    ("apexpages.currentpage().getparameters()", "a page parameter"),
    ("restcontext.request", "the REST request"),
    ("system.currentpagereference().getparameters()", "a page parameter"),
)


_QUERY_WORDS = frozenset(("soql", "sosl", "query", "queries", "quote", "quotes", "single"))


def _query_escape_helper(method: str) -> bool:
    """A project's own escaping helper for query text (`ClusterUtils.escapeSosl(term)`,
    `QueryUtil.escapeSoqlValue(v)`): its name says it escapes for a query, which is what
    `String.escapeSingleQuotes` does. An escape for another language (`escapeHtml4`) is not one."""
    tokens = name_tokens(method)
    return ("escape" in tokens or "sanitize" in tokens) and not _QUERY_WORDS.isdisjoint(tokens)


def _parameter_position(params_node: Node, parameter: Node) -> tuple[list[Node], int]:
    """A method's formal parameters, and the position of `parameter` among them (-1: not one)."""
    params = [p for p in params_node.named_children if p.type == "formal_parameter"]
    return params, next((i for i, p in enumerate(params) if p.start_byte == parameter.start_byte), -1)


# Modifiers that let code in other files call a method (or override it and be called through it).
_CALLABLE_FROM_OUTSIDE = frozenset(
    {"public", "global", "protected", "webservice", "override", "virtual", "abstract"}
)


# Annotations that do not expose a method beyond its class (tests are not checked anyway).
_LOCAL_ANNOTATIONS = frozenset({"testvisible", "suppresswarnings", "future", "deprecated"})


def _platform_annotated(ctx: FileContext, declaration: Node) -> bool:
    """`@AuraEnabled`, `@RemoteAction`, `@InvocableMethod`, `@HttpGet`...: a method the platform calls."""
    modifiers = syntax.child_of_type(declaration, "modifiers")
    for child in modifiers.named_children if modifiers is not None else ():
        if child.type == "annotation":
            name = parsing.field(child, "name")
            if name is None or ctx.node_text(name).lower() not in _LOCAL_ANNOTATIONS:
                return True
    return False


@dataclass(frozen=True)
class Taint:
    description: str
    node: Node


def _text_type(type_text: str) -> bool:
    """Can a value of this declared type carry caller-chosen text into a query?"""
    element = syntax.element_type(type_text.lower())
    return element in ("string", "object", "") or element.startswith(("list<", "set<", "map<"))


def _safe_type(type_text: str | None) -> bool:
    if not type_text:
        return False
    t = type_text.lower()
    return t in syntax.SAFE_SCALAR_TYPES or syntax.element_type(t) in syntax.SAFE_SCALAR_TYPES


@dataclass(frozen=True)
class SchemaLookup:
    """A schema lookup that only real object names pass: `Schema.getGlobalDescribe().get(x)` whose
    result is checked (`t == null`, `t.getDescribe()`), `.containsKey(x)`, `Schema.describeSObjects`."""

    start: int  # where the lookup is
    checked_from: int  # from where on the name counts as checked (its result's null check or use)
    names: frozenset[str]


def _schema_lookups(ctx: FileContext) -> list[SchemaLookup]:
    def build() -> list[SchemaLookup]:
        found: list[SchemaLookup] = []
        # `Map<String, SObjectType> gd = Schema.getGlobalDescribe();` then `gd.containsKey(x)`.
        describe_maps = {"schema.getglobaldescribe()", "getglobaldescribe()"} | {
            m.group(1).decode("ascii", "replace").lower()
            for m in _GLOBAL_DESCRIBE_VARIABLE.finditer(ctx.source)
        }
        for call in syntax.calls_named(ctx, "get", "containskey", "describesobjects"):
            receiver, name, args = syntax.call_parts(ctx, call)
            receiver_text = "".join(receiver.split()).lower()
            method = name.lower()
            if method == "describesobjects":
                # Throws for a name that is not an object: whatever follows only sees real names.
                if receiver_text == "schema" and args:
                    names = frozenset(n.lower() for n in _IDENTIFIER.findall(ctx.node_text(args[0])))
                    found.append(SchemaLookup(call.start_byte, call.end_byte, names))
                continue
            if receiver_text not in describe_maps or len(args) != 1:
                continue
            if args[0].type != "identifier":
                continue
            names = frozenset({ctx.node_text(args[0]).lower()})
            if method == "containskey":
                found.append(SchemaLookup(call.start_byte, call.end_byte, names))
                continue
            # `get`: only when its result is dereferenced at once (`gd.get(x).getDescribe()`), or held in a
            # variable that is null-checked or dereferenced later.
            if _DEREFERENCED.match(ctx.source, call.end_byte):
                found.append(SchemaLookup(call.start_byte, call.end_byte, names))
                continue
            target = _assigned_variable(ctx, call)
            if target is None:
                continue
            var = re.escape(target)  # the tree's bytes are searched, so the pattern is encoded below
            check = re.compile(
                rf"\b{var}\s*[!=]=\s*null\b|\bnull\s*[!=]=\s*{var}\b|\b{var}\s*\.\s*getDescribe\s*\(".encode(),
                re.IGNORECASE,
            )
            hit = check.search(ctx.source, call.end_byte)
            if hit is not None:
                found.append(SchemaLookup(call.start_byte, hit.end(), names))
        return found

    return ctx.memo("apex.structure.schema_lookups", build)


_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_GLOBAL_DESCRIBE_VARIABLE = re.compile(
    rb"\b([A-Za-z_][A-Za-z0-9_]*)\s*=\s*Schema\s*\.\s*getGlobalDescribe\s*\(\s*\)", re.I
)
_DEREFERENCED = re.compile(rb"\s*\.\s*getDescribe\s*\(", re.IGNORECASE)


def _assigned_variable(ctx: FileContext, call: Node) -> str | None:
    """`t` of `SObjectType t = <call>;` or `t = <call>;` (the call's direct parent only)."""
    parent = call.parent
    if parent is None:
        return None
    if parent.type == "variable_declarator":
        name = parsing.field(parent, "name")
        return ctx.node_text(name) if name is not None else None
    if parent.type == "assignment_expression":
        left = parsing.field(parent, "left")
        if left is not None and left.type == "identifier":
            return ctx.node_text(left)
    return None


def _schema_checked(ctx: FileContext, name: str, declared: Node, used: Node) -> bool:
    """Was `name` (a parameter or local) checked against the schema between its declaration and this use?

    A real-world pattern (`SObjectType t = Schema.getGlobalDescribe().get(objectName); if (t == null)
    throw ...;` then `'... FROM ' + objectName`): an unknown name never reaches the query, and a real
    object name cannot carry query text. Both points are in the same method, so the byte range is enough."""
    low = name.lower()
    return any(
        declared.start_byte < lookup.start and lookup.checked_from <= used.start_byte and low in lookup.names
        for lookup in _schema_lookups(ctx)
    )


def _dominating_reassignment(
    ctx: FileContext, decl: syntax.Declaration, use: Node
) -> tuple[Node, list[Node]] | None:
    """The value of the last `name = value;` before `use` that every path to `use` passes (a statement
    of a block that also holds `use`), with the right-hand sides of the assignments to `name` between
    it and `use` (in branches, or `+=`); None when no assignment dominates the use."""
    callable_node = syntax.enclosing(use, syntax.CALLABLE_TYPES)
    if callable_node is None:
        return None
    assignments = syntax.scope_of(ctx, callable_node).assignments.get(decl.name.lower(), [])
    before = [a for a in assignments if a.end_byte <= use.start_byte and not syntax.inside(use, a)]
    for index in range(len(before) - 1, -1, -1):
        assignment = before[index]
        op = parsing.field(assignment, "operator")
        right = parsing.field(assignment, "right")
        if right is None or (op is not None and ctx.node_text(op) != "="):
            continue
        statement = assignment.parent
        block = statement.parent if statement is not None else None
        if (
            statement is None
            or statement.type != "expression_statement"
            or block is None
            or block.type != "block"
            or not syntax.inside(use, block)
        ):
            continue
        later = [parsing.field(a, "right") for a in before[index + 1 :]]
        return right, [r for r in later if r is not None]
    return None


class InjectionAnalysis:
    """Classifies the unknown parts (holes) of a dynamic query text: constant, safe or input."""

    def __init__(self, ctx: FileContext) -> None:
        self.ctx = ctx
        self.field_cache: dict[str, Taint | None] = {}
        # (method start, parameter index) -> does a call in this file pass input there?
        self.private_cache: dict[tuple[int, int], bool] = {}
        self.private_pending = 0

    def text_taint(self, value: syntax.StringValue, depth: int) -> Taint | None:
        for hole in value.holes:
            found = self.taint(hole, depth + 1)
            if found is not None:
                return found
        return None

    def taint(self, node: Node | None, depth: int = 0) -> Taint | None:
        ctx = self.ctx
        if node is None or depth > 16:
            return None
        t = node.type
        if t in ("string_literal", "int", "decimal_floating_point_literal", "boolean", "null_literal"):
            return None
        if t in ("parenthesized_expression",) and node.named_children:
            return self.taint(node.named_children[0], depth + 1)
        if t == "cast_expression":
            type_node = parsing.field(node, "type")
            if type_node is not None and _safe_type(syntax.strip_generics(ctx.node_text(type_node))):
                return None
            return self.taint(parsing.field(node, "value"), depth + 1)
        if t == "ternary_expression":
            return self.taint(parsing.field(node, "consequence"), depth + 1) or self.taint(
                parsing.field(node, "alternative"), depth + 1
            )
        if t == "binary_expression":
            return self.text_taint(syntax.string_value(ctx, node), depth)
        if t == "identifier":
            return self._identifier(node, depth)
        if t == "field_access":
            return self._field_access(node, depth)
        if t == "method_invocation":
            return self._call(node, depth)
        if t == "array_access":
            return self.taint(
                parsing.field(node, "array") or (node.named_children[0] if node.named_children else None),
                depth + 1,
            )
        return None

    def _identifier(self, node: Node, depth: int) -> Taint | None:
        ctx = self.ctx
        decl = syntax.lookup(ctx, node)
        if decl is None:
            return None  # a class name or an inherited member: not known to be input
        if _safe_type(decl.type_text):
            return None
        if decl.kind in ("parameter", "local") and _schema_checked(ctx, decl.name, decl.node, node):
            return None  # an object name looked up in the schema first: only real names get here
        if decl.kind == "parameter":
            if not _text_type(decl.type_text):
                return None  # an enum, SObjectType or record list: no caller-chosen text
            reassigned = _dominating_reassignment(ctx, decl, node)
            if reassigned is not None:
                # `searchKey = String.escapeSingleQuotes(searchKey);` before the use, on every path to
                # it: the parameter holds what was assigned (and anything assigned after it).
                assigned, later = reassigned
                for right in (assigned, *later):
                    found = self.taint(right, depth + 1)
                    if found is not None:
                        return found
                return None
            if not self._parameter_input(decl, depth):
                return None  # a private helper's parameter that every call in the file fills with constants
            return Taint(f"parameter `{decl.name}`", decl.node)
        if decl.kind == "loop":
            return self.taint(decl.value, depth + 1)
        if decl.kind == "local":
            return self.text_taint(syntax.string_value(ctx, node), depth)
        if decl.kind == "field":
            return self._field(decl, depth)
        return None

    def _parameter_input(self, decl: syntax.Declaration, depth: int) -> bool:
        """Can this parameter carry a caller's input? Always, unless it belongs to a private method (no
        access modifier is private in Apex): only this file can call one, so the parameter is input
        only when some call here (outside test code) passes input at its position. A helper called
        with nothing but constants (`getDependencies(names, 'Layout', 'TableEnumOrId')`) builds its
        query from those constants; a private method no code calls receives nothing."""
        ctx = self.ctx
        params_node = decl.node.parent
        method = params_node.parent if params_node is not None else None
        if params_node is None or method is None or method.type != "method_declaration":
            return True
        if syntax.modifier_words(ctx, method) & _CALLABLE_FROM_OUTSIDE or _platform_annotated(ctx, method):
            return True
        params, index = _parameter_position(params_node, decl.node)
        name = parsing.field(method, "name")
        if index < 0 or name is None:
            return True
        key = (method.start_byte, index)
        if key in self.private_cache:
            return self.private_cache[key]
        self.private_cache[key] = False  # recursion: a call passing the parameter on adds nothing
        outermost = not self.private_pending
        self.private_pending += 1
        facts = classes.file_classes(ctx)
        found = False
        for call in syntax.calls_named(ctx, ctx.node_text(name).lower()):
            _receiver, _name, args = syntax.call_parts(ctx, call)
            if len(args) != len(params) or facts.in_test_code(call):
                continue
            if self._argument(args[index], depth) is not None:
                found = True
                break
        self.private_pending -= 1
        if found or outermost:
            self.private_cache[key] = found
        else:
            # A "no" that may rest on an outer parameter still being decided: ask again later.
            del self.private_cache[key]
        return found

    def _field(self, decl: syntax.Declaration, depth: int) -> Taint | None:
        """A class field is input unless it is only ever assigned constants in this file."""
        ctx = self.ctx
        key = decl.name.lower()
        if key in self.field_cache:
            return self.field_cache[key]
        self.field_cache[key] = None  # cycle guard
        result: Taint | None = None
        if decl.value is not None:
            result = self.text_taint(syntax.string_value(ctx, decl.value), depth)
        for assignment in syntax.nodes(ctx, "assignment_expression"):
            left = parsing.field(assignment, "left")
            if left is None:
                continue
            left_text = "".join(ctx.node_text(left).split()).lower()
            if left_text not in (key, f"this.{key}"):
                continue
            if left.type == "identifier":
                local = syntax.lookup(ctx, left)
                if local is not None and local.kind != "field":
                    continue
            right = parsing.field(assignment, "right")
            result = result or self.text_taint(syntax.string_value(ctx, right), depth)
        self.field_cache[key] = result
        return result

    def _field_access(self, node: Node, depth: int) -> Taint | None:
        ctx = self.ctx
        text = "".join(ctx.node_text(node).split()).lower()
        for prefix, description in _INPUT_SOURCES:
            if text.startswith(prefix):
                return Taint(description, node)
        obj = parsing.field(node, "object")
        fld = parsing.field(node, "field")
        if obj is not None and obj.type == "this" and fld is not None:
            owner = syntax.enclosing(node, ("class_declaration",))
            decl = (
                syntax.class_fields(ctx, owner).get(ctx.node_text(fld).lower()) if owner is not None else None
            )
            return self._field(decl, depth) if decl is not None else None
        if obj is not None and obj.type == "identifier":
            decl = syntax.lookup(ctx, obj)
            if decl is None:
                return None  # `Constants.X`, `Schema.X`: a class's member, not input
            if decl.kind == "parameter":
                if not self._parameter_input(decl, depth):
                    return None
                return Taint(f"field of parameter `{decl.name}`", decl.node)
            return None  # a field of a local record: data, not the caller's input
        return None

    def _call(self, node: Node, depth: int) -> Taint | None:
        ctx = self.ctx
        receiver_node = parsing.field(node, "object")
        receiver, name, args = syntax.call_parts(ctx, node)
        low = name.lower()
        text = "".join(ctx.node_text(node).split()).lower()
        for prefix, description in _INPUT_SOURCES:
            if text.startswith(prefix):
                return Taint(description, node)
        if low in _SAFE_METHODS or _query_escape_helper(name):
            return None
        if low in ("replace", "replaceall") and any(
            "'" in ctx.node_text(a) and "\\" in ctx.node_text(a) for a in args[:1]
        ):
            return None  # hand-written quote escaping
        if low == "valueof" and receiver.lower() in _SAFE_CONVERSIONS:
            return None  # Integer.valueOf(x) is a number (or an exception), never a quote
        if receiver.lower() == "string" and low in ("valueof", "join", "format"):
            for arg in args[:1] if low != "format" else args:
                found = self._argument(arg, depth)
                if found is not None:
                    return found
            return None
        if low in _PASS_THROUGH and receiver_node is not None:
            found = self.taint(receiver_node, depth + 1)
            if found is not None:
                return found
        # Any other call: its result is input when input goes into it (a helper building a clause).
        for arg in args:
            found = self._argument(arg, depth)
            if found is not None:
                return found
        if receiver_node is not None and receiver_node.type in (
            "identifier",
            "field_access",
            "method_invocation",
        ):
            return self.taint(receiver_node, depth + 1) if low in _PASS_THROUGH else None
        return None

    def _argument(self, arg: Node, depth: int) -> Taint | None:
        if arg.type == "array_creation_expression":
            init = parsing.field(arg, "value")
            for item in init.named_children if init is not None else []:
                found = self.taint(item, depth + 1)
                if found is not None:
                    return found
            return None
        return self.taint(arg, depth + 1)


@dataclass(frozen=True)
class PassThrough:
    """A method whose whole query text is one of its parameters (`runQuery(String soql)`)."""

    name: str
    index: int  # position of the text parameter
    arity: int
    method: str  # the dynamic query method it calls
    node: Node  # the method declaration


def _pass_through(ctx: FileContext, query: soql.Query) -> PassThrough | None:
    if query.text.strip() != syntax.StringValue.HOLE or query.holes[0].type not in (
        "identifier",
        "field_access",
    ):
        return None
    hole = query.holes[0]
    decl = syntax.lookup(ctx, hole) if hole.type == "identifier" else None
    method = syntax.enclosing(query.node, ("method_declaration",))
    params_node = parsing.field(method, "parameters") if method is not None else None
    if decl is None or decl.kind != "parameter" or method is None or params_node is None:
        return PassThrough("", -1, 0, query.method or "", query.node)  # a field: callers unknown
    params = [p for p in params_node.named_children if p.type == "formal_parameter"]
    index = next((i for i, p in enumerate(params) if p.start_byte == decl.node.start_byte), -1)
    name = parsing.field(method, "name")
    return PassThrough(
        ctx.node_text(name) if name is not None else "", index, len(params), query.method or "", method
    )


def _injection_hit(ctx: FileContext, at: Node, method: str, found: Taint, hole: Node) -> Hit:
    return Hit(
        span=ctx.span_of(at),
        matched_text=normalize_text(ctx.node_text(at))[:300],
        args={
            "method": method,
            "source": found.description,
            "expression": normalize_text(ctx.node_text(hole))[:60],
        },
        related=(
            ctx.location(ctx.span_of(found.node), f"input enters here: {found.description}"),
            ctx.location(ctx.span_of(hole), "concatenated into the query text here"),
        ),
        properties=props(method=method, source=found.description),
    )


def check_injection(ctx: FileContext) -> Iterator[Hit]:
    dynamic = [q for q in soql.queries(ctx) if q.is_dynamic and q.holes]
    if not dynamic:
        return
    analysis = InjectionAnalysis(ctx)
    facts = classes.file_classes(ctx)
    wrappers: list[PassThrough] = []
    for query in dynamic:
        if facts.in_test_code(query.node):
            continue
        wrapper = _pass_through(ctx, query)
        if wrapper is not None:
            # The whole text is a parameter or a field set from one: a pass-through (a selector's
            # `doQuery(String soql)`, a batch given its query). Its callers build the text: calls
            # in this file are checked below.
            if wrapper.index >= 0:
                wrappers.append(wrapper)
            continue
        for hole in query.holes:
            found = analysis.taint(hole)
            if found is not None:
                yield _injection_hit(ctx, query.node, query.method or "dynamic query", found, hole)
                break
    seen = {(w.name.lower(), w.arity) for w in wrappers}
    while wrappers:
        wrapper = wrappers.pop(0)
        label = f"{wrapper.name} (which runs {wrapper.method})"
        for call, value in _wrapper_calls(ctx, facts, wrapper):
            outer = _forwarded_parameter(ctx, value, call, wrapper.method)
            if outer is not None:
                # `executeSearch(String sosl) { searchRecords(sosl); }`: a wrapper of a wrapper.
                if (outer.name.lower(), outer.arity) not in seen:
                    seen.add((outer.name.lower(), outer.arity))
                    wrappers.append(outer)
                continue
            for hole in value.holes:
                found = analysis.taint(hole)
                if found is not None:
                    yield _injection_hit(ctx, call, label, found, hole)
                    break


def _wrapper_calls(
    ctx: FileContext, facts: classes.FileClasses, wrapper: PassThrough
) -> Iterator[tuple[Node, syntax.StringValue]]:
    """Calls of a pass-through method from this file (same arity, outside the method itself and
    outside test code, on no receiver or on `this` or its own class) with the text each passes."""
    owner = facts.enclosing_class(wrapper.node)
    for call in syntax.calls_named(ctx, wrapper.name.lower()):
        receiver, _name, args = syntax.call_parts(ctx, call)
        if len(args) != wrapper.arity or syntax.inside(call, wrapper.node) or facts.in_test_code(call):
            continue
        if receiver and receiver.lower() not in ("this", (owner.name.lower() if owner else "")):
            continue
        yield call, syntax.string_value(ctx, args[wrapper.index])


def _forwarded_parameter(
    ctx: FileContext, value: syntax.StringValue, call: Node, method: str
) -> PassThrough | None:
    """The enclosing method, when the whole text passed at `call` is one of its parameters."""
    if value.text != syntax.StringValue.HOLE or value.holes[0].type != "identifier":
        return None
    decl = syntax.lookup(ctx, value.holes[0])
    declaration = syntax.enclosing(call, ("method_declaration",))
    params_node = parsing.field(declaration, "parameters") if declaration is not None else None
    if decl is None or decl.kind != "parameter" or declaration is None or params_node is None:
        return None
    params, index = _parameter_position(params_node, decl.node)
    name = parsing.field(declaration, "name")
    if index < 0 or name is None:
        return None
    return PassThrough(ctx.node_text(name), index, len(params), method, declaration)


# ---- apex/insecure-callout --------------------------------------------------------------------------

_HOST_PREFIX = re.compile(r"^https?://[A-Za-z0-9.-]*[A-Za-z0-9]", re.IGNORECASE)


@dataclass(frozen=True)
class EndpointProblem:
    problem: str
    severity: Severity | None
    host: str
    scheme: str


def _endpoint_problem(value: syntax.StringValue, allowed: list[str]) -> EndpointProblem | None:
    prefix = value.known_prefix().strip()
    low = prefix.lower()
    if not low.startswith(("http://", "https://")):
        return None  # callout:, a relative path, or an endpoint read at run time (metadata, settings)
    host_match = _HOST_PREFIX.match(prefix)
    host = host_match.group(0).split("://", 1)[1].lower() if host_match else ""
    if host and any(host == h or host.endswith("." + h) for h in allowed):
        return None
    # The host is written in the code when the known text goes past it (`https://h/x' + id`), not
    # when the code appends it at run time (`'https://' + host`).
    host_known = bool(host) and (
        value.complete or len(prefix) > len(host_match.group(0) if host_match else "")
    )
    scheme = low.split(":", 1)[0]
    if scheme == "http":
        return EndpointProblem(
            "plain http:// endpoint (no transport encryption)", Severity.ERROR, host, scheme
        )
    if host_known:
        return EndpointProblem(
            f"hard-coded host {host} instead of a callout: Named Credential", None, host, scheme
        )
    return None


def _endpoint_hit(
    ctx: FileContext, call: Node, value: syntax.StringValue, found: EndpointProblem, via: Node | None = None
) -> Hit:
    literal_at = value.offsets[0] if value.offsets else call.start_byte
    related = []
    if not call.start_byte <= literal_at < call.end_byte:
        related.append(
            ctx.location(ctx.span_at_offset(literal_at, literal_at + 1), "endpoint text defined here")
        )
    if via is not None:
        related.append(ctx.location(ctx.span_of(via), "passed on to setEndpoint here"))
    return Hit(
        span=ctx.span_of(call),
        matched_text=normalize_text(ctx.node_text(call))[:300],
        args={"problem": found.problem + (" (through a method that sets it as the endpoint)" if via else "")},
        related=tuple(related),
        severity=found.severity,
        properties=props(host=found.host, scheme=found.scheme),
    )


def check_insecure_callout(ctx: FileContext) -> Iterator[Hit]:
    allowed = [h.lower() for h in ctx.options.get("allowed_hosts", [])]
    facts = classes.file_classes(ctx)
    wrappers: list[tuple[PassThrough, Node]] = []
    for call in syntax.calls_named(ctx, "setendpoint"):
        if facts.in_test_code(call):
            continue  # mock endpoints of HttpCalloutMock tests never leave the org
        args = syntax.call_parts(ctx, call)[2]
        if not args:
            continue
        value = syntax.string_value(ctx, args[0])
        wrapper = _forwarded_parameter(ctx, value, call, "setEndpoint")
        if wrapper is not None:
            # `send(String endpoint, ...) { req.setEndpoint(endpoint); }`: its callers in this file
            # say which endpoint it is.
            wrappers.append((wrapper, call))
            continue
        found = _endpoint_problem(value, allowed)
        if found is not None:
            yield _endpoint_hit(ctx, call, value, found)
    seen = {(w.name.lower(), w.arity) for w, _ in wrappers}
    while wrappers:
        wrapper, sink = wrappers.pop(0)
        for call, value in _wrapper_calls(ctx, facts, wrapper):
            outer = _forwarded_parameter(ctx, value, call, "setEndpoint")
            if outer is not None:
                if (outer.name.lower(), outer.arity) not in seen:
                    seen.add((outer.name.lower(), outer.arity))
                    wrappers.append((outer, sink))
                continue
            found = _endpoint_problem(value, allowed)
            if found is not None:
                yield _endpoint_hit(ctx, call, value, found, via=sink)


# ---- apex/hardcoded-secret ------------------------------------------------------------------------

# (kind, pattern, characters kept in clear in the masked text)
_VALUE_PATTERNS: tuple[tuple[str, re.Pattern[str], int], ...] = (
    ("private key", re.compile(r"-----BEGIN (?:[A-Z]+ )?PRIVATE KEY-----"), 0),
    ("AWS access key", re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"), 4),
    ("Stripe secret key", re.compile(r"\b[sr]k_live_[0-9A-Za-z]{16,}"), 8),
    ("GitHub token", re.compile(r"\b(?:gh[pousr]_[0-9A-Za-z]{30,}|github_pat_[0-9A-Za-z_]{40,})"), 4),
    ("Slack token", re.compile(r"\bxox[abprs]-[0-9A-Za-z-]{10,}"), 5),
    ("Google API key", re.compile(r"\bAIza[0-9A-Za-z_-]{35}\b"), 4),
    ("SendGrid API key", re.compile(r"\bSG\.[0-9A-Za-z_-]{16,}\.[0-9A-Za-z_-]{16,}"), 3),
    ("JSON Web Token", re.compile(r"\beyJ[0-9A-Za-z_-]{8,}\.eyJ[0-9A-Za-z_-]{8,}\.[0-9A-Za-z_-]{8,}"), 3),
    ("bearer token", re.compile(r"^\s*Bearer\s+[0-9A-Za-z._~+/=-]{16,}\s*$", re.IGNORECASE), 7),
    ("basic credentials", re.compile(r"^\s*Basic\s+[0-9A-Za-z+/]{12,}={0,2}\s*$", re.IGNORECASE), 0),
)
# Each pattern above matches text holding one of these (case-insensitively for the last two): a literal
# without any of them needs no pattern tried. None matches fewer than 15 characters (`xoxa-` and ten).
_VALUE_PATTERN_HINTS = re.compile(
    r"-----BEGIN|AKIA|ASIA|k_live_|gh[pousr]_|github_pat_|xox[abprs]-|AIza|SG\.|eyJ|(?i:bearer|basic)"
)
_VALUE_PATTERN_MIN_LENGTH = 15
# Kinds reported in test code too: real production credentials, never test doubles.
_ALWAYS_KINDS = frozenset(
    {
        "private key",
        "AWS access key",
        "Stripe secret key",
        "GitHub token",
        "Slack token",
        "Google API key",
        "SendGrid API key",
    }
)

_SECRET_NAME_SEQUENCES: tuple[tuple[tuple[str, ...], str], ...] = (
    (("password",), "password"),
    (("passwd",), "password"),
    (("pwd",), "password"),
    (("passphrase",), "password"),
    (("secret",), "secret"),
    (("api", "key"), "API key"),
    (("apikey",), "API key"),
    (("access", "key"), "access key"),
    (("private", "key"), "private key"),
    (("aes", "key"), "AES key"),
    (("encryption", "key"), "encryption key"),
    (("crypto", "key"), "crypto key"),
    (("signing", "key"), "signing key"),
    (("secret", "key"), "secret key"),
    (("token",), "token"),
    (("auth", "token"), "token"),
    (("access", "token"), "token"),
    (("refresh", "token"), "token"),
    (("bearer",), "token"),
    (("credential",), "credential"),
    (("credentials",), "credential"),
    (("key",), "key"),
)
# A name whose last word is one of these holds a name, a label or a place, not the secret itself.
_NOT_SECRET_TAIL = frozenset(
    {
        "url",
        "uri",
        "endpoint",
        "name",
        "names",
        "label",
        "field",
        "fields",
        "param",
        "params",
        "parameter",
        "header",
        "headers",
        "type",
        "types",
        "path",
        "prefix",
        "suffix",
        "length",
        "size",
        "expiry",
        "expires",
        "expiration",
        "ttl",
        "format",
        "pattern",
        "regex",
        "message",
        "msg",
        "error",
        "template",
        "id",
        "ids",
        "count",
        "policy",
        "mode",
        "status",
        "key" + "word",
        "keyword",
        "placeholder",
        "hint",
        "prompt",
        "text",
        "title",
        "description",
        "help",
        "setting",
        "settings",
        "property",
        "attribute",
        "column",
        "col",
        "map",
        "set",
        "list",
        "enabled",
        "required",
        "valid",
        "validation",
        "reset",
        "change",
        "changed",
        "confirm",
        "confirmation",
        "strength",
        "min",
        "max",
        "placement",
        "created",
        "date",
        "time",
        "prefixes",
        "request",
        "response",
        "service",
        "provider",
        "store",
        "cache",
        "holder",
        "class",
        "method",
        "version",
        "index",
        "order",
        "sort",
        "separator",
        "delimiter",
        "location",
        "host",
        "domain",
        "scope",
        "scopes",
    }
)
_KEY_ONLY_TAIL = frozenset({"key"})  # `key` alone names a map key far more often than a crypto key
_PLACEHOLDER = re.compile(
    r"^(?:|x+|\*+|#+|\.+|-+|_+|0+|test[\w-]*|dummy[\w-]*|fake[\w-]*|sample[\w-]*|example[\w-]*|changeme|"
    r"change_me|your[_ -]?\w*|<[^>]*>|\{[^}]*\}|\$\{[^}]*\}|%[A-Za-z_]+%|null|none|undefined|todo|tbd|"
    r"redacted|"
    r"password|secret|token|apikey|api_key|na|n/a|mock[\w-]*|stub[\w-]*|placeholder[\w-]*|invalid[\w-]*|"
    r"foo\w*|bar\w*|"
    r"\$\w+\$|\$\w+)$",
    re.IGNORECASE,
)
_MERGE_FIELD = re.compile(r"\{!\s*\$(?:Credential|Setup|Label|Api|User|Organization)", re.IGNORECASE)
_FIELD_API_NAME = re.compile(r"^[A-Za-z]\w*__(?:c|r|mdt|e|x)$|^[A-Za-z]\w*\.[A-Za-z]\w*$")
_KV_SECRET = re.compile(
    r"(?P<key>password|passwd|client_secret|clientsecret|api_key|apikey|access_token|refresh_token|secret)"
    r"\"?\s*[:=]\s*\"?(?P<value>[^\"&\s,}]{6,})",
    re.IGNORECASE,
)
# Crypto methods and the index of their key argument.
_CRYPTO_KEY_ARGS = {
    "encrypt": 1,
    "decrypt": 1,
    "encryptwithmanagediv": 1,
    "decryptwithmanagediv": 1,
    "generatemac": 2,
    "sign": 2,
    "signwithcertificate": -1,
}
_HEADER_SECRET_NAMES = re.compile(
    r"^(?:authorization|proxy-authorization|x-api-key|api-key|apikey|x-auth-token|"
    r"x-access-token|x-functions-key|ocp-apim-subscription-key|x-client-secret)$",
    re.IGNORECASE,
)


# Words that make a name hold a regular expression (EDA's `regexPatternDoubleToken` matches merge tokens).
_PATTERN_WORDS = frozenset({"regex", "regexp", "pattern", "patterns", "matcher"})


def _name_kind(name: str) -> str | None:
    tokens = name_tokens(name)
    if not tokens or tokens[-1] in _NOT_SECRET_TAIL or "named" in tokens or "public" in tokens:
        return None  # `DEFAULT_NAMED_CREDENTIAL = 'GoogleBooksAPI'` names a Named Credential
    if _PATTERN_WORDS.intersection(tokens):
        return None  # `regexPatternDoubleToken`: a regular expression that finds tokens, not a token
    for seq, kind in _SECRET_NAME_SEQUENCES:
        n = len(seq)
        for i in range(len(tokens) - n + 1):
            if tuple(tokens[i : i + n]) == seq:
                if seq == ("key",) and not (
                    tokens[-1] == "key"
                    and len(tokens) > 1
                    and tokens[-2]
                    in (
                        "aes",
                        "crypto",
                        "cipher",
                        "hmac",
                        "signing",
                        "encryption",
                        "private",
                        "secret",
                        "api",
                        "shared",
                    )
                ):
                    break
                return kind
    return None


def mask(value: str, keep: int = 3) -> str:
    """`sk_live_abc...` -> `sk_live_****`: enough to recognise the kind, never the secret."""
    keep = min(keep, max(0, len(value) // 4))
    return value[:keep] + "****"


# Regular-expression syntax no generated key or password has: a character class with a range followed
# by a quantifier (`[0-9]+`, `[A-Z]{2,40}`), a class escape with a quantifier (`\d+`, `\s*`) or a
# group with a lookaround or no capture (`(?:`, `(?=`). A lexer's `EXP_NUMBER_TOKEN = '(_D[0-9]+D_)'`
# is the pattern of a token, not a token.
_REGEX_SYNTAX = re.compile(
    r"\[\^?[^\]]*\w-\w[^\]]*\](?:[+*?]|\{\d)"  # [0-9]+
    r"|\\[dwsDWS](?:[+*?]|\{\d)"  # \d+
    r"|\(\?(?:[:=!]|<[=!])"  # (?: (?= (?! (?<= (?<!
)


def _looks_like_value(value: str) -> bool:
    stripped = value.strip()
    # (`stripped` has no whitespace at either end, so it splits in two exactly when it holds some.)
    if len(stripped) < 6 or len(stripped.split(None, 1)) > 1:
        return False  # too short, or a sentence or a label, not a credential
    if _REGEX_SYNTAX.search(stripped):
        return False  # a pattern that finds values, not a value
    if _PLACEHOLDER.match(stripped) or _MERGE_FIELD.search(stripped):
        return False
    if _FIELD_API_NAME.match(stripped) or stripped.lower().startswith(
        ("http://", "https://", "callout:", "/")
    ):
        return False
    if len(set(stripped)) <= 2:
        return False
    # Generated keys, tokens and real passwords mix in digits or symbols; a bare word
    # ('isSecret', 'jwttoken', 'GoogleBooksAPI') is a name or a key of a map. (Three distinct
    # characters or more: something is left once the underscores are removed.)
    return len(stripped) >= 24 or not stripped.replace("_", "").isalpha()


def _assigned_name(ctx: FileContext, literal: Node) -> str | None:
    """The variable, field or map key a literal (or Blob.valueOf(literal)) is stored under."""
    node = literal
    parent = node.parent
    while parent is not None and parent.type in (
        "argument_list",
        "method_invocation",
        "parenthesized_expression",
        "cast_expression",
    ):
        if parent.type == "method_invocation":
            receiver, name, _ = syntax.call_parts(ctx, parent)
            if f"{receiver}.{name}".lower() not in (
                "blob.valueof",
                "encodingutil.base64decode",
                "encodingutil.converthex",
                "string.valueof",
            ):
                break
        node, parent = parent, parent.parent
    return _stored_under(ctx, node, parent)


def _call_context(ctx: FileContext, literal: Node) -> tuple[str, int, list[Node]] | None:
    """(`receiver.method` lower, argument index, arguments) when the literal is a direct argument
    (possibly wrapped in Blob.valueOf / EncodingUtil.base64Decode)."""
    node = literal
    parent = node.parent
    while parent is not None:
        if parent.type == "argument_list":
            call = parent.parent
            if call is None or call.type != "method_invocation":
                return None
            receiver, name, args = syntax.call_parts(ctx, call)
            qualified = f"{receiver}.{name}".lower()
            index = next((i for i, a in enumerate(args) if a == node), -1)
            if qualified in ("blob.valueof", "encodingutil.base64decode", "encodingutil.converthex"):
                node, parent = call, call.parent
                continue
            return qualified, index, args
        if parent.type in ("parenthesized_expression",):
            node, parent = parent, parent.parent
            continue
        return None
    return None


class _Containing:
    """Whether one of some nodes (calls of the file) contains a given node: a binary search over their
    start offsets, then the largest end offset among those that start at or before it."""

    def __init__(self, nodes: list[Node]) -> None:
        spans = sorted((node.start_byte, node.end_byte) for node in nodes)
        self.starts = [start for start, _ in spans]
        self.max_ends = list(accumulate((end for _, end in spans), max))

    def contains(self, node: Node) -> bool:
        i = bisect_right(self.starts, node.start_byte) - 1
        return i >= 0 and self.max_ends[i] >= node.end_byte


@dataclass(frozen=True)
class _KeyPlaces:
    """Where in a file a literal that does not look like a value can still be a key: inside a call
    named like a Crypto method (its key argument, see `_call_context`), or as an argument of a call
    named `valueOf`, `base64Decode` or `convertHex` (a Blob assigned to a key, see `_wrapped_as_blob`)."""

    crypto_calls: _Containing
    blob_arguments: frozenset[tuple[int, int]]  # (start, end) offsets of those calls' arguments

    @staticmethod
    def of(ctx: FileContext) -> _KeyPlaces:
        blob_arguments = frozenset(
            (argument.start_byte, argument.end_byte)
            for call in syntax.calls_named(ctx, "valueof", "base64decode", "converthex")
            for child in call.named_children
            if child.type == "argument_list"
            for argument in child.named_children
        )
        return _KeyPlaces(_Containing(syntax.calls_named(ctx, *_CRYPTO_KEY_ARGS)), blob_arguments)

    def around(self, node: Node) -> bool:
        return (node.start_byte, node.end_byte) in self.blob_arguments or self.crypto_calls.contains(node)


def _secret_in_literal(
    ctx: FileContext, literal: Node, value: str, key_places: _KeyPlaces
) -> tuple[str, int, str] | None:
    """(kind, characters kept, why) when the literal holds a secret."""
    if len(value) >= _VALUE_PATTERN_MIN_LENGTH and _VALUE_PATTERN_HINTS.search(value):
        for kind, pattern, keep in _VALUE_PATTERNS:
            if pattern.search(value):
                if kind == "private key" and _pem_marker_only(ctx, literal, value):
                    continue
                return kind, keep, f"{kind} format"
    if literal.type == "string_literal" and _basic_credentials(ctx, literal, value):
        return "basic credentials", 0, "a user:password pair encoded for a Basic Authorization header"
    looks_like_value = _looks_like_value(value)
    if not looks_like_value:
        if not (_looks_like_key(value, 8) or _KV_SECRET.search(value)):
            return None  # words, sentences, short names: nothing the context could make a secret
        if not key_places.around(literal):
            # Every finding from the literal's place below needs it to look like a value, except a
            # key given to Crypto (inside a call named like a Crypto method) and a Blob named as a
            # key (inside a `valueOf`, `base64Decode` or `convertHex` call): only the text is left.
            return _secret_in_text(value)
    call = _call_context(ctx, literal)
    if call is not None:
        qualified, index, args = call
        method = qualified.rsplit(".", 1)[-1]
        if (
            qualified.startswith("crypto.")
            and _CRYPTO_KEY_ARGS.get(method) == index
            and _looks_like_key(value, min_length=8)
        ):
            return "crypto key", 0, f"used as the key of Crypto.{_canonical_crypto(method)}"
        if method == "setheader" and index == 1 and len(args) >= 2:
            header = syntax.string_value(ctx, args[0])
            if header.complete and _HEADER_SECRET_NAMES.match(header.text.strip()) and looks_like_value:
                return "credential", 0, f"sent as the {header.text.strip()} header"
        if method in ("put", "setpassword", "setclientsecret") and len(args) >= 2 and index == len(args) - 1:
            key_value = syntax.string_value(ctx, args[0]) if method == "put" else None
            key_name = key_value.text if key_value is not None and key_value.complete else method[3:]
            key_kind = _name_kind(key_name)
            if key_kind and looks_like_value:
                return key_kind, 0, f"stored under `{key_name}`"
    # A literal passed (through parentheses and the Blob wrappers `_call_context` looks through) to
    # any other call than String.valueOf is stored in no variable: `_assigned_name` would climb the
    # same way and stop at that call.
    name = _assigned_name(ctx, literal) if call is None or call[0] == "string.valueof" else None
    if name:
        name_kind = _name_kind(name) if looks_like_value else None
        if name_kind:
            return name_kind, 0, f"assigned to `{name}`"
        if _looks_like_key(value) and _wrapped_as_blob(ctx, literal):
            tokens = name_tokens(name)
            if "key" in tokens and "public" not in tokens:
                return "crypto key", 0, f"assigned to `{name}` as a Blob"
    return _secret_in_text(value)


# A PEM armour line and nothing else (an escaped line break may follow): no key material.
_PEM_MARKER_ONLY = re.compile(r"\s*-----(?:BEGIN|END) (?:[A-Z]+ )?PRIVATE KEY-----(?:\s|\\[nr])*")


def _pem_marker_only(ctx: FileContext, literal: Node, value: str) -> bool:
    """`keyText.replace('-----BEGIN RSA PRIVATE KEY-----', '')`: code that reads a key kept elsewhere
    (a file, a Named Credential, a protected setting) strips its armour lines. The line alone is no key;
    one joined with `+` to more text may start an embedded key and is still reported."""
    if not _PEM_MARKER_ONLY.fullmatch(value):
        return False
    parent = literal.parent
    return parent is None or parent.type != "binary_expression"


def _secret_in_text(value: str) -> tuple[str, int, str] | None:
    """`password=...` and the like inside the text itself."""
    match = _KV_SECRET.search(value)
    if match and _looks_like_value(match.group("value")) and not match.group("value").startswith(("{!", "'")):
        return match.group("key").lower().replace("_", " "), 0, f"`{match.group('key')}=` in the text"
    return None


_CRYPTO_SPELLING = {
    "encrypt": "encrypt",
    "decrypt": "decrypt",
    "encryptwithmanagediv": "encryptWithManagedIV",
    "decryptwithmanagediv": "decryptWithManagedIV",
    "generatemac": "generateMac",
    "sign": "sign",
}


def _canonical_crypto(method: str) -> str:
    return _CRYPTO_SPELLING.get(method, method)


def _wrapped_as_blob(ctx: FileContext, literal: Node) -> bool:
    parent = literal.parent
    call = parent.parent if parent is not None and parent.type == "argument_list" else None
    if call is None or call.type != "method_invocation":
        return False
    receiver, name, _ = syntax.call_parts(ctx, call)
    return f"{receiver}.{name}".lower() in (
        "blob.valueof",
        "encodingutil.base64decode",
        "encodingutil.converthex",
    )


def _concatenation_tops(ctx: FileContext) -> tuple[list[int], list[Node]]:
    """Outermost `+` expressions of the file (start offsets and nodes), from the shared index: a
    literal inside one is judged with the whole concatenation. Found top-down, without Node.parent
    (which tree-sitter computes from the root on every call). Asked once per file, by `_Concatenations`."""
    tops: list[Node] = []
    end = -1
    for node in syntax.nodes(ctx, "binary_expression"):
        if node.start_byte < end:
            continue
        op = parsing.field(node, "operator")
        if op is not None and ctx.source[op.start_byte : op.end_byte] == b"+":
            tops.append(node)
            end = node.end_byte
    return [t.start_byte for t in tops], tops


# Shorter text is never judged (no credential, key or token is this short).
_MIN_SECRET_LENGTH = 6


class _Concatenations:
    """What to judge for each literal of a file: the literal alone, or the whole concatenation of
    literals it is part of (`'Bearer ' + 'eyJ...'`, a base64 key split over lines)."""

    def __init__(self, ctx: FileContext) -> None:
        self.ctx = ctx
        self.starts, self.tops = _concatenation_tops(ctx)
        # Text of each concatenation by start offset, computed once for all its literals (None: the
        # text is not wholly known, and each literal is judged alone).
        self.values: dict[int, syntax.StringValue | None] = {}

    def judged(self, literal: Node) -> tuple[Node, str] | None:
        """(`node`, `text`) to judge for a literal: a whole concatenation is judged once, on its last
        literal (None for its other literals). None too for a literal judged alone whose text is
        shorter than _MIN_SECRET_LENGTH, told from its length in bytes: a character takes one byte
        or more and an escape two or more, so the text has at most as many characters as the body
        between the quotes has bytes."""
        i = bisect_right(self.starts, literal.start_byte) - 1
        top = self.tops[i] if i >= 0 and literal.end_byte <= self.tops[i].end_byte else None
        if top is not None:
            if top.start_byte in self.values:
                value = self.values[top.start_byte]
            else:
                value = self.values[top.start_byte] = syntax.complete_string_value(self.ctx, top)
            if value is not None:
                if not value.offsets or not literal.start_byte <= value.offsets[-1] < literal.end_byte:
                    return None  # judged on the last literal of the concatenation
                return top, value.text
        if literal.end_byte - literal.start_byte - 2 < _MIN_SECRET_LENGTH:
            return None
        return literal, syntax.literal_text(self.ctx, literal)


def _looks_like_key(value: str, min_length: int = 16) -> bool:
    return len(value) >= min_length and len(set(value)) > 4 and not _PLACEHOLDER.match(value.strip())


_USER_PASSWORD = re.compile(r"^[^\s:]{2,}:[^\s]{4,}$")


def _basic_credentials(ctx: FileContext, literal: Node, value: str) -> bool:
    """`EncodingUtil.base64Encode(Blob.valueOf('user:password'))`: the only reason to base64 a
    `user:password` pair is an HTTP Basic Authorization header."""
    if ":" not in value or not _USER_PASSWORD.match(value):
        return False
    if _MERGE_FIELD.search(value) or value.lower().startswith("http"):
        return False
    parent = literal.parent
    blob_call = parent.parent if parent is not None and parent.type == "argument_list" else None
    if blob_call is None or blob_call.type != "method_invocation":
        return False
    receiver, name, _ = syntax.call_parts(ctx, blob_call)
    if f"{receiver}.{name}".lower() != "blob.valueof":
        return False
    outer_args = blob_call.parent
    encode_call = outer_args.parent if outer_args is not None and outer_args.type == "argument_list" else None
    if encode_call is None or encode_call.type != "method_invocation":
        return False
    receiver, name, _ = syntax.call_parts(ctx, encode_call)
    return f"{receiver}.{name}".lower() == "encodingutil.base64encode"


# `'Bearer ' + token`: the scheme word is not part of the secret and must stay readable.
_AUTH_SCHEME = re.compile(r"\s*(?:Bearer|Basic|Token|Digest)\s*", re.IGNORECASE)


def _literal_body(ctx: FileContext, literal: Node) -> str:
    """A string literal as written, without its quotes (escapes kept: that is what snippets show)."""
    return ctx.source[literal.start_byte + 1 : literal.end_byte - 1].decode("utf-8", "replace")


def _in_running_test_branch(ctx: FileContext, node: Node) -> bool:
    """Inside the branch of `if (Test.isRunningTest())` that runs only in tests (the then-branch; the
    else-branch of `if (!Test.isRunningTest())`): the values there are test doubles, as in a test class."""
    child, current = node, node.parent
    while current is not None and current.type not in ("method_declaration", "constructor_declaration"):
        if current.type == "if_statement":
            condition = parsing.field(current, "condition")
            text = "".join(ctx.node_text(condition).split()).lower() if condition is not None else ""
            text = text[1:-1] if text.startswith("(") and text.endswith(")") else text
            test_only = (
                parsing.field(current, "consequence")
                if text == "test.isrunningtest()"
                else parsing.field(current, "alternative")
                if text == "!test.isrunningtest()"
                else None
            )
            # `child` is a child of this `if`: its range is its identity here.
            if test_only is not None and parsing.node_key(child) == parsing.node_key(test_only):
                return True
        child, current = current, current.parent
    return False


def check_hardcoded_secret(ctx: FileContext) -> Iterator[Hit]:
    facts = classes.file_classes(ctx)
    key_places = _KeyPlaces.of(ctx)
    concatenations = _Concatenations(ctx)
    for literal in syntax.nodes(ctx, "string_literal"):
        judged = concatenations.judged(literal)
        if judged is None or len(judged[1]) < _MIN_SECRET_LENGTH:
            continue
        node, value = judged
        found = _secret_in_literal(ctx, node, value, key_places)
        if found is None:
            continue
        kind, keep, why = found
        test_only = facts.in_test_code(literal) or _in_running_test_branch(ctx, literal)
        if kind not in _ALWAYS_KINDS and test_only:
            continue  # test doubles ('test-token') are not credentials
        masked = mask(value.strip(), keep)
        # The literal bodies as written (escapes included): the engine masks exactly these wherever
        # the finding would show them (snippets of every line of a multi-line key, related locations).
        parts = [
            part
            for part in syntax.in_range(ctx, "string_literal", node.start_byte, node.end_byte)
            if not _AUTH_SCHEME.fullmatch(_literal_body(ctx, part))
        ]
        raw = tuple(body for part in parts if len(body := _literal_body(ctx, part)) >= 4)
        # Report from the first literal that is not an auth scheme: `'Basic ' + 'dXNlcjpw...'` points
        # at the credentials and leaves `'Basic '` readable in the snippet.
        first = parts[0] if parts else node
        yield Hit(
            span=ctx.span_of(first, node) if first is not node else ctx.span_of(node),
            matched_text=f"{kind}:'{masked}'",
            args={"kind": kind, "why": why, "masked": masked},
            properties=props(kind=kind),
            redact=raw,
        )
