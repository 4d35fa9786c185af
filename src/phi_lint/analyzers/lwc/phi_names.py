"""PHI questions the LWC/Aura analyzer asks about names it finds in JavaScript and markup.

Everything is answered by the project's PHI model (`ctx.phi`); this module only adds the two lookups
that client-side code needs and Apex does not:

- a field API name seen without its object (`row.SSN__c` on a record that came back from Apex, or
  `{p.MRN__c}` in a template): PHI when the model says so for the name alone (catalogue, patterns) or
  when any object of the project declares a PHI field of that name;
- the SObject type an `@AuraEnabled` Apex method returns (`List<Patient__c> getPatients()`), read lazily
  from the one class an `@salesforce/apex/...` import names, so that field access on its results can be
  judged field by field;
- the public properties that a parent component binds to a PHI field (`<c-visit-card dob={p.DOB__c}>`,
  Aura `<c:visitCard dob="{!v.p.DOB__c}"/>`): in the child, `this.dob` / `component.get("v.dob")` is
  that field's value.
"""

from __future__ import annotations

import functools
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from phi_lint.phi import PhiModel, PhiReason, patient_identifier, patient_object, relationship_to_object

if TYPE_CHECKING:
    from phi_lint.project import Project

FACTS_KEY = "lwc"
_SKIPPED_DIRS = frozenset({".git", ".sfdx", ".sf", "node_modules", "__tests__", ".phi-lint-cache"})
# `@AuraEnabled(cacheable=true) public static List<Patient__c> getPatients(String q) {`
_AURA_METHOD = re.compile(
    r"@AuraEnabled\b[^\n]*\s+(?:(?:public|global|private|protected|static|override|virtual|with|without|"
    r"sharing)\s+)+(?P<type>[\w.]+(?:\s*<[\w.\s,<>]*>)?(?:\s*\[\s*\])?)\s+(?P<name>\w+)\s*\(",
    re.IGNORECASE,
)
# `@AuraEnabled public String diagnosis;` / `@AuraEnabled public Date dob { get; set; }`
_AURA_PROPERTY = re.compile(
    r"@AuraEnabled\b[^\n;{(]*?\s+(?:(?:public|global|private|protected|static|final|transient)\s+)+"
    r"[\w.<>,\s\[\]]+?\s+(\w+)\s*(?:;|=|\{)",
    re.IGNORECASE,
)
_TYPE_WORD = re.compile(r"[A-Za-z_][\w]*(?:\.[A-Za-z_]\w*)?")
_NOT_SOBJECTS = frozenset(
    w.lower()
    for w in (
        "List",
        "Set",
        "Map",
        "Id",
        "String",
        "Object",
        "SObject",
        "Integer",
        "Long",
        "Decimal",
        "Double",
        "Boolean",
        "Date",
        "Datetime",
        "Time",
        "Blob",
        "void",
        "System",
    )
)


@dataclass
class LwcFacts:
    """Project-wide, lazily filled facts (the analyzer may run on a handful of files only)."""

    phi_by_name: dict[str, PhiReason | None] = field(default_factory=dict)
    class_files: dict[str, Path] | None = None
    apex_returns: dict[str, dict[str, str]] = field(default_factory=dict)
    # Component class facts a template binds to, by JS path: (members, walker).
    bundle_members: dict[str, Any] = field(default_factory=dict)
    # `bound_phi`'s index when no prepare() ran (a file analysed on its own).
    bound_phi: dict[str, dict[str, str]] | None = None


def facts(project: Project) -> LwcFacts:
    found = project.facts.get(FACTS_KEY)
    if not isinstance(found, LwcFacts):
        found = LwcFacts()
        project.facts[FACTS_KEY] = found
    return found


def field_reason(project: Project, obj: str | None, name: str) -> PhiReason | None:
    """Is the field `name` PHI? `obj` is its object when known ("" or None when not)."""
    if not name or not _looks_like_field(name):
        return None
    model: PhiModel = project.phi
    if obj:
        return model.field_reason(obj, name)
    cache = facts(project).phi_by_name
    key = name.lower()
    if key not in cache:
        cache[key] = _reason_without_object(model, name)
    return cache[key]


def _looks_like_field(name: str) -> bool:
    # JavaScript property names such as `data`, `error`, `length` are never API names of PHI fields,
    # but `ssn` could be a catalogue token; require a field-like spelling: custom suffix or CamelCase
    # standard field names are judged by the model, plain lower-case JS words are not fields.
    return name.endswith(("__c", "__pc", "__C")) or name[:1].isupper()


def _reason_without_object(model: PhiModel, name: str) -> PhiReason | None:
    reason = model.field_reason(None, name)
    if reason is not None:
        return reason
    low = name.lower()
    for obj_low, by_field in model.metadata.items():
        facts_ = by_field.get(low)
        if facts_ is not None:
            obj = model.object_spelling.get(obj_low, facts_.object_name)
            found = model.field_reason(obj, facts_.field_name)
            # A patient's email or phone is PHI on the patient's record only: the same bare name on a
            # contact, a user or a form elsewhere in the client code is not (field metadata still is).
            if found is not None and not (
                found.source == "catalogue"
                and patient_object(obj)
                and patient_identifier(facts_.field_name, facts_.field_type)
            ):
                return found
    return None


# ---- public properties that parents bind to PHI ----------------------------------------------------
BOUND_PHI_KEY = "lwc-bound-phi"
# Start tags and their attributes, read with a regular expression: LWC templates keep `>` out of
# attribute values (bindings are `{...}`), and a full HTML parse of every template would cost more.
START_TAG = re.compile(
    r"<([A-Za-z][\w:-]*)((?:\s+[^\s=>/]+(?:\s*=\s*(?:\"[^\"]*\"|'[^']*'|\{[^}]*\}|[^\s>]+))?)*)\s*/?>"
)
ATTRIBUTE = re.compile(r"([^\s=>/]+)(?:\s*=\s*(\"[^\"]*\"|'[^']*'|\{[^}]*\}|[^\s>]+))?")
# A component of this project's default namespace: `c-visit-card` (LWC markup), `c:visitCard` (Aura).
_LOCAL_COMPONENT = re.compile(r"^c[-:]([A-Za-z0-9_-]+)$")
# A binding to a field path: LWC `{p.DOB__c}`, Aura `{!v.p.DOB__c}` / `{#v.p.DOB__c}` (quoted).
_FIELD_BINDING = re.compile(r"^\{[!#]?\s*([A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)+)\s*\}$")
MAX_MARKUP_BYTES = 2_000_000


def component_key(name: str) -> str:
    """`c-visit-card`'s `visit-card`, Aura's `visitCard` and the bundle folder `visitCard` alike:
    the name without hyphens, lower-cased (also for attributes: `date-of-birth` is `dateOfBirth`)."""
    return name.replace("-", "").lower()


def index_bound_phi(project: Project, files: list[Path]) -> None:
    """For `prepare`: every (child component, property) that some template or Aura markup of the
    project binds to a PHI field, with that field, as a project fact (a child's findings depend on its
    parents' markup, so the engine's cache must know it)."""
    project.facts[BOUND_PHI_KEY] = _bound_phi_in(
        project, [p for p in files if p.suffix in (".html", ".cmp", ".app")]
    )


def bound_phi_props(project: Project, component: str) -> dict[str, str]:
    """The properties of the child `component` (its bundle's name) that some parent binds to a PHI
    field, by `component_key` of the property, with that field (`Patient__c.DOB__c`, or `DOB__c` when
    the object is not known)."""
    index = project.facts.get(BOUND_PHI_KEY)
    if not isinstance(index, dict):
        known = facts(project)  # no prepare() ran (a file analysed on its own): read the markup now
        if known.bound_phi is None:
            known.bound_phi = _bound_phi_in(project, _markup_files(project))
        index = known.bound_phi
    found: dict[str, str] = index.get(component_key(component), {})
    return found


def read_markup(path: Path) -> str | None:
    """A template's or Aura markup's text for the regular-expression scans here and in the flow; None
    when it cannot be read or is too large to be a real template."""
    try:
        if path.stat().st_size > MAX_MARKUP_BYTES:
            return None
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None


def _bound_phi_in(project: Project, paths: list[Path]) -> dict[str, dict[str, str]]:
    index: dict[str, dict[str, str]] = {}
    for path in sorted(paths):
        text = read_markup(path)
        if text is None or ("<c-" not in text and "<c:" not in text):
            continue
        for tag in START_TAG.finditer(text):
            child = _LOCAL_COMPONENT.match(tag.group(1))
            if child is None:
                continue
            for attribute in ATTRIBUTE.finditer(tag.group(2)):
                binding = _FIELD_BINDING.match((attribute.group(2) or "").strip("\"'"))
                if binding is None:
                    continue
                field = _bound_field(project, binding.group(1).split("."))
                if field is not None:
                    props = index.setdefault(component_key(child.group(1)), {})
                    props.setdefault(component_key(attribute.group(1)), field)
    return index


def _bound_field(project: Project, path: list[str]) -> str | None:
    """`p.DOB__c` / `v.p.Patient__r.DOB__c`: the PHI field at the end of a bound path, described as the
    flow describes a field it reads; None when it is not PHI."""
    name = path[-1]
    obj = relationship_object(path[-2]) if len(path) > 2 else None
    if field_reason(project, obj, name) is None:
        return None
    return f"{obj}.{name}" if obj else name


def _markup_files(project: Project) -> list[Path]:
    """The project's LWC templates and Aura markup (what `prepare` is given), found by walking it."""
    from phi_lint.project import file_kind

    found: list[Path] = []
    for package in project.package_dirs:
        if not package.is_dir():
            continue
        for dirpath, dirnames, filenames in os.walk(package):
            dirnames[:] = sorted(d for d in dirnames if d not in _SKIPPED_DIRS)
            paths = (Path(dirpath) / name for name in filenames if name.endswith((".html", ".cmp", ".app")))
            found += [path for path in paths if file_kind(path) in ("template", "aura")]
    return found


def relationship_object(name: str) -> str | None:
    """`Patient__r` -> `Patient__c`; None for names that are not relationships."""
    if name.lower().endswith(("__r", "__pr")):
        return relationship_to_object(name)
    return None


# ---- Apex return types --------------------------------------------------------------------------


APEX_RETURNS_KEY = "lwc-apex-returns"


WRAPPER_PREFIX = "wrapper:"


def index_apex_returns(project: Project, files: list[Path]) -> None:
    """For `prepare`: what every `@AuraEnabled` method of the project's classes returns (an SObject type,
    or `wrapper:` and the PHI-named properties of a wrapper class), as a project fact (so the engine's
    cache knows a JS result depends on them)."""
    from phi_lint import cache

    class_paths = {path.stem.lower(): path for path in files if path.suffix == ".cls"}
    # A class's answer depends on its text, the PHI model, and which classes exist (a wrapper is looked
    # up among them): remembered by content hash under a memo named by the other two, so that a
    # template edited on a large org does not read every class again. An answer that read another
    # class (a wrapper of its own file) is not remembered.
    memo = cache.active_memo("lwc-apex-returns-" + cache.digest_of(cache.active_salt(), *sorted(class_paths)))
    index: dict[str, dict[str, str]] = {}
    for name, path in class_paths.items():
        compute = functools.partial(_own_returns, path, project.phi, class_paths)
        try:
            found = memo.get(path, compute) if memo is not None else compute()
            if found == _NEEDS_OTHER_CLASSES:
                found = _returns_of(path, project.phi, class_paths)
        except OSError:
            continue
        if found != _NO_AURA_METHODS:
            index[name] = dict(found)
    if memo is not None:
        memo.flush()
    project.facts[APEX_RETURNS_KEY] = index


# What `_own_returns` gives for a class without `@AuraEnabled`, and for one whose answer needs another
# class's text (an answer never has an empty method name).
_NO_AURA_METHODS: tuple[tuple[str, str], ...] = (("", "no @AuraEnabled"),)
_NEEDS_OTHER_CLASSES: tuple[tuple[str, str], ...] = (("", "reads other classes"),)


def _own_returns(path: Path, model: PhiModel, class_paths: dict[str, Path]) -> tuple[tuple[str, str], ...]:
    """`_returns_in` of one class file as (method, type) pairs, if it needs no other file's text."""
    source = path.read_text(encoding="utf-8", errors="replace")
    if "auraenabled" not in source.lower():
        return _NO_AURA_METHODS
    others_read: list[str] = []
    returns = _returns_in(source, model, class_paths, others_read)
    return _NEEDS_OTHER_CLASSES if others_read else tuple(returns.items())


def _returns_of(path: Path, model: PhiModel, class_paths: dict[str, Path]) -> tuple[tuple[str, str], ...]:
    source = path.read_text(encoding="utf-8", errors="replace")
    return tuple(_returns_in(source, model, class_paths).items())


def apex_return_object(project: Project, import_path: str) -> str:
    """SObject type returned by the Apex method an `@salesforce/apex/[ns.]Class.method` import names;
    "" when unknown (a wrapper class, a primitive, or a class outside the project)."""
    parts = import_path.split(".")
    if len(parts) < 2:
        return ""
    class_name, method = parts[-2].lower(), parts[-1].lower()
    prepared = project.facts.get(APEX_RETURNS_KEY)
    if isinstance(prepared, dict):
        return str(prepared.get(class_name, {}).get(method, ""))
    known = facts(project)  # no prepare() ran (a single file analysed on its own): read the class now
    if class_name not in known.apex_returns:
        known.apex_returns[class_name] = _read_class_returns(project, class_name)
    return known.apex_returns[class_name].get(method, "")


def _read_class_returns(project: Project, class_name: str) -> dict[str, str]:
    path = _class_files(project).get(class_name.lower())
    if path is None:
        return {}
    try:
        source = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return {}
    return _returns_in(source, project.phi, _class_files(project))


def _returns_in(
    source: str, model: PhiModel, class_paths: dict[str, Path], others_read: list[str] | None = None
) -> dict[str, str]:
    returns: dict[str, str] = {}
    for match in _AURA_METHOD.finditer(source):
        type_text = match.group("type")
        obj = sobject_of_type(type_text, model)
        if obj:
            returns[match.group("name").lower()] = obj
            continue
        words = [w for w in _TYPE_WORD.findall(type_text) if w.lower() not in _NOT_SOBJECTS]
        if words:
            props = _wrapper_phi_properties(words[-1].split(".")[-1], source, model, class_paths, others_read)
            if props:
                returns[match.group("name").lower()] = WRAPPER_PREFIX + ",".join(props)
    return returns


def _wrapper_phi_properties(
    name: str,
    source: str,
    model: PhiModel,
    class_paths: dict[str, Path],
    others_read: list[str] | None = None,
) -> list[str]:
    """`@AuraEnabled` properties of a wrapper class (inner class of `source`, or a class of its own)
    whose names say they hold PHI (`public String diagnosis;`, `@AuraEnabled public Date dateOfBirth`).
    A class read from its own file is added to `others_read`."""
    body = _class_body(source, name)
    if body is None and name.lower() in class_paths:
        if others_read is not None:
            others_read.append(name.lower())
        try:
            body = _class_body(class_paths[name.lower()].read_text(encoding="utf-8", errors="replace"), name)
        except OSError:
            body = None
    if body is None:
        return []
    props = {m.group(1) for m in _AURA_PROPERTY.finditer(body)}
    return sorted(p for p in props if model.field_reason(None, p) is not None)


def _class_body(source: str, name: str) -> str | None:
    match = re.search(rf"\bclass\s+{re.escape(name)}\b[^{{;]*\{{", source, re.IGNORECASE)
    if match is None:
        return None
    depth, index = 1, match.end()
    while index < len(source) and depth:
        char = source[index]
        depth += 1 if char == "{" else -1 if char == "}" else 0
        index += 1
    return source[match.end() : index]


def sobject_of_type(type_text: str, model: PhiModel) -> str:
    """`List<Patient__c>` / `Patient__c[]` / `Map<Id, Patient__c>` -> `Patient__c`."""
    words = [w for w in _TYPE_WORD.findall(type_text) if w.lower() not in _NOT_SOBJECTS]
    if not words:
        return ""
    candidate: str = words[-1]
    low = candidate.lower()
    if low.endswith("__c") or low in model.metadata or model.object_reason(candidate) is not None:
        return candidate
    return ""


def _class_files(project: Project) -> dict[str, Path]:
    known = facts(project)
    if known.class_files is None:
        index: dict[str, Path] = {}
        for package in project.package_dirs:
            if not package.is_dir():
                continue
            for dirpath, dirnames, filenames in os.walk(package):
                dirnames[:] = sorted(d for d in dirnames if d not in _SKIPPED_DIRS)
                for name in filenames:
                    if name.endswith(".cls"):
                        index.setdefault(name[:-4].lower(), Path(dirpath) / name)
        known.class_files = index
    return known.class_files
