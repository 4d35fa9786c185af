"""meta/phi-field-unencrypted and meta/phi-field-untracked: PHI field definitions that fail an audit.

Both read the same list of field definitions of a file (memoized):
- source format `objects/<Object>/fields/<Field>.field-meta.xml` (the object comes from the path);
- MDAPI `objects/<Object>.object` and `<Object>.object-meta.xml` with inline `<fields>`.

Whether a field is PHI is the project-wide PHI model's answer (`ctx.phi.field_reason`), so a field
classified HIPAA in its metadata, named like a clinical identifier, or matched by `[phi] fields` counts.

Field history tracking needs two switches: the field's `trackHistory` and its object's `enableHistory`.
When the object's definition is in the project (`<Object>.object-meta.xml` beside the `fields/` folder,
or the `.object` file itself) and does not enable history, a field with `trackHistory` true is still
untracked and is reported on its `trackHistory` line. When the object definition is not in the project
(a standard object, or fields deployed on their own) nothing is assumed about it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from phi_lint import xmlsafe
from phi_lint.context import FileContext
from phi_lint.findings import Hit, Span, props

MEMO_KEY = "meta-fields"
FACTS_KEY = "meta-object-history"

# Shield Platform Encryption supports these custom field types (EncryptedText is Classic Encryption:
# already encrypted, and not a Shield field).
DEFAULT_ENCRYPTABLE_TYPES = (
    "Text",
    "TextArea",
    "LongTextArea",
    "Html",
    "Email",
    "Phone",
    "Url",
    "Date",
    "DateTime",
)
# Types whose history Salesforce cannot track.
UNTRACKABLE_TYPES = frozenset({"summary", "autonumber"})
NOT_RECORD_SUFFIXES = ("__mdt", "__e", "__b", "__x")
# encryptionScheme values that mean "not encrypted".
NOT_ENCRYPTED = frozenset({"", "none"})


@dataclass(frozen=True)
class FieldDef:
    object_name: str
    field_name: str
    field_type: str
    is_formula: bool
    full_name_line: int
    encryption: xmlsafe.Element | None
    track_history: xmlsafe.Element | None
    # The object's enableHistory: True/False when its definition is known, None when it is not.
    object_history: bool | None
    object_history_where: str

    @property
    def qualified(self) -> str:
        return f"{self.object_name}.{self.field_name}"

    @property
    def is_custom(self) -> bool:
        return self.field_name.lower().endswith(("__c", "__pc"))


def field_defs(ctx: FileContext) -> list[FieldDef]:
    return ctx.memo(MEMO_KEY, lambda: list(_read(ctx)))


def _read(ctx: FileContext) -> Iterator[FieldDef]:
    root = ctx.xml
    name = ctx.path.name
    if root.tag == "CustomField" and name.endswith(".field-meta.xml"):
        obj = _object_from_path(ctx.rel_path) or ctx.path.parent.parent.name
        history, where, is_setting = _object_history(ctx, obj)
        if is_setting or not _holds_records(obj):
            return
        field_name = xmlsafe.child_text(root, "fullName") or name.split(".")[0]
        if "." in field_name:  # MDAPI-style `Object.Field` full names
            obj, field_name = field_name.split(".", 1)
        yield _field(root, obj, field_name, history, where)
    elif root.tag == "CustomObject":
        obj = name.split(".")[0]
        if xmlsafe.child(root, "customSettingsType") is not None or not _holds_records(obj):
            return
        enable = xmlsafe.child(root, "enableHistory")
        history = enable is not None and enable.text.strip().lower() == "true"
        for element in xmlsafe.children(root, "fields"):
            field_name = xmlsafe.child_text(element, "fullName")
            if field_name:
                yield _field(element, obj, field_name, history, ctx.rel_path)


def _field(element: xmlsafe.Element, obj: str, name: str, history: bool | None, where: str) -> FieldDef:
    return FieldDef(
        object_name=obj,
        field_name=name,
        field_type=xmlsafe.child_text(element, "type"),
        is_formula=xmlsafe.child(element, "formula") is not None,
        full_name_line=xmlsafe.line_of(element, "fullName"),
        encryption=xmlsafe.child(element, "encryptionScheme"),
        track_history=xmlsafe.child(element, "trackHistory"),
        object_history=history,
        object_history_where=where,
    )


def _object_from_path(rel_path: str) -> str:
    parts = PurePosixPath(rel_path).parts
    for index in range(len(parts) - 3, -1, -1):
        if parts[index] == "objects" and index + 2 < len(parts) and parts[index + 2] == "fields":
            return parts[index + 1]
    return ""


def _object_history(ctx: FileContext, obj: str) -> tuple[bool | None, str, bool]:
    """enableHistory of the object whose `fields/` folder holds this file (None when its definition is
    not there), where that was read, and whether the object is a custom setting. Read once per object."""
    cache: dict[str, tuple[bool | None, str, bool]] = ctx.project.facts.setdefault(FACTS_KEY, {})
    object_file: Path = ctx.path.parent.parent / f"{obj}.object-meta.xml"
    key = str(object_file)
    if key not in cache:
        result: tuple[bool | None, str, bool] = (None, "", False)
        if object_file.is_file():
            try:
                root = xmlsafe.parse_file(object_file)
                enable = xmlsafe.child(root, "enableHistory")
                result = (
                    enable is not None and enable.text.strip().lower() == "true",
                    ctx.project.relative(object_file),
                    xmlsafe.child(root, "customSettingsType") is not None,
                )
            except (OSError, xmlsafe.XmlError):
                result = (None, "", False)
        cache[key] = result
    return cache[key]


def _holds_records(obj: str) -> bool:
    """Custom metadata types, platform events, big objects and external objects hold configuration,
    messages or data stored elsewhere: Shield field encryption and field history do not apply."""
    return not obj.lower().endswith(NOT_RECORD_SUFFIXES)


def _span(line: int, ctx: FileContext) -> Span:
    text = ctx.lines[line - 1] if 0 < line <= len(ctx.lines) else ""
    indent = len(text) - len(text.lstrip())
    return Span(line, indent + 1, line, len(text.rstrip()) + 1)


def _phi(ctx: FileContext, field: FieldDef) -> str | None:
    reason = ctx.phi.field_reason(field.object_name, field.field_name)
    return reason.describe() if reason is not None else None


# ---- meta/phi-field-unencrypted -------------------------------------------------------------------


def phi_field_unencrypted(ctx: FileContext) -> Iterator[Hit]:
    encryptable = {
        t.lower() for t in _option_list(ctx.options, "encryptable_types", DEFAULT_ENCRYPTABLE_TYPES)
    }
    for field in field_defs(ctx):
        if field.is_formula:
            continue
        scheme = field.encryption.text.strip() if field.encryption is not None else ""
        if scheme.lower() not in NOT_ENCRYPTED:
            continue
        if field.is_custom:
            if field.field_type.lower() not in encryptable:
                continue  # Shield cannot encrypt it (number, picklist, lookup, Classic EncryptedText...)
        elif field.encryption is None:
            continue  # standard fields: only an explicit encryptionScheme None says the field could be
        reason = _phi(ctx, field)
        if reason is None:
            continue
        if field.encryption is not None:
            line, problem = field.encryption.line, "encryptionScheme is None"
        else:
            line, problem = field.full_name_line, "no encryptionScheme"
        yield Hit(
            _span(line, ctx),
            f"{field.qualified}:{problem}",
            {"field": field.qualified, "problem": problem},
            properties=props(phi=reason, field=field.qualified),
        )


# ---- meta/phi-field-untracked ---------------------------------------------------------------------


def phi_field_untracked(ctx: FileContext) -> Iterator[Hit]:
    for field in field_defs(ctx):
        if field.is_formula or field.field_type.lower() in UNTRACKABLE_TYPES:
            continue
        track = field.track_history
        tracked = track is not None and track.text.strip().lower() == "true"
        if tracked and field.object_history is not False:
            continue
        if track is None and not field.is_custom:
            continue  # a standard field's file may carry only the settings a team changed
        reason = _phi(ctx, field)
        if reason is None:
            continue
        if tracked and track is not None:
            line = track.line
            problem = (
                f"trackHistory is true but {field.object_name} does not enable field history "
                f"(enableHistory in {field.object_history_where})"
            )
        elif track is not None:
            line, problem = track.line, "trackHistory is false"
        else:
            line, problem = field.full_name_line, "no trackHistory"
        yield Hit(
            _span(line, ctx),
            f"{field.qualified}:{problem}",
            {"field": field.qualified, "problem": problem},
            properties=props(phi=reason, field=field.qualified),
        )


def _option_list(options: dict[str, Any], key: str, default: tuple[str, ...]) -> tuple[str, ...]:
    value = options.get(key, default)
    if isinstance(value, (list, tuple)):
        return tuple(str(v) for v in value)
    return default
