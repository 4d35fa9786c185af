"""meta/phi-in-email-template: email templates whose merge fields put PHI into the message.

An email template is two files: `email/<Folder>/<Name>.email` (the body: text, HTML, a Visualforce
`<messaging:emailTemplate>` or a Lightning template) and its `.email-meta.xml` (subject, type). Both
are read: merge fields in the body (`{!Patient__c.SSN__c}`, Visualforce `{!relatedTo.SSN__c}` with the
template's `relatedToType`, Lightning `{{{Patient__c.SSN__c}}}`) and in the `<subject>`.

A merge field is judged on its object: the first name of its path (`Case` in `{!Case.Patient_DOB__c}`),
followed through relationships (`{!Case.Patient__r.SSN__c}` is judged on Patient__c).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from phi_lint import xmlsafe
from phi_lint.analyzers.meta.places import line_span, related
from phi_lint.context import FileContext
from phi_lint.findings import Hit, props
from phi_lint.phi import relationship_to_object

# `{!Case.X__c}`, `{!TEXT(Case.X__c)}`, `{!relatedTo.Patient__r.X__c}`; Lightning `{{{Case.X__c}}}`.
_MERGE = re.compile(r"\{!(?P<classic>[^{}]*)\}|\{\{\{(?P<lightning>[^{}]*)\}\}\}")
_PATH = re.compile(r"(?<![\w.$])([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+)")
_RELATED_TO_TYPE = re.compile(r"""relatedToType\s*=\s*["']([\w.]+)["']""", re.IGNORECASE)
# Merge-field prefixes that are not objects of the org's data model.
_NOT_OBJECTS = frozenset({"$label", "$setup", "$organization", "$user", "$api", "$resource", "$site"})
MAX_RELATED = 20


def phi_in_email_template(ctx: FileContext) -> Iterator[Hit]:
    if ctx.kind == "email":
        name = ctx.path.name[: -len(".email")]
        found = list(_phi_merge_fields(ctx, ctx.text, line_offset=0))
        yield from _one_finding(ctx, name, found, "body")
        return
    if ctx.kind != "xml" or ctx.xml.tag != "EmailTemplate":
        return
    name = ctx.path.name[: -len(".email-meta.xml")]
    subject = xmlsafe.child(ctx.xml, "subject")
    if subject is not None:
        found = [
            (subject.line, column, field)
            for _, column, field in _phi_merge_fields(ctx, subject.text, line_offset=subject.line - 1)
        ]
        yield from _one_finding(ctx, name, found, "subject")


def _phi_merge_fields(ctx: FileContext, text: str, line_offset: int) -> Iterator[tuple[int, int, str]]:
    """(line, column, Object.Field) of each PHI merge field in `text`."""
    related_to = _RELATED_TO_TYPE.search(text)
    related_type = related_to.group(1) if related_to else ""
    starts = [0] + [i + 1 for i, char in enumerate(text) if char == "\n"]
    line_index = 0
    for merge in _MERGE.finditer(text):
        expression = (
            merge.group("classic") if merge.group("classic") is not None else merge.group("lightning")
        )
        while line_index + 1 < len(starts) and starts[line_index + 1] <= merge.start():
            line_index += 1
        for path in _PATH.findall(expression or ""):
            parts = path.split(".")
            obj = related_type if parts[0].lower() == "relatedto" else parts[0]
            if not obj or obj.lower() in _NOT_OBJECTS or obj.lower() in ("recipient", "receiver"):
                continue
            for relationship in parts[1:-1]:
                obj = relationship_to_object(relationship)
            if ctx.phi.field_reason(obj, parts[-1]) is not None:
                column = merge.start() - starts[line_index] + 1
                yield line_index + 1 + line_offset, column, f"{obj}.{parts[-1]}"


def _one_finding(ctx: FileContext, name: str, found: list[tuple[int, int, str]], where: str) -> Iterator[Hit]:
    """One finding per template part (a template is one decision to review), on its first PHI merge
    field; the others are related locations."""
    if not found:
        return
    fields = list(dict.fromkeys(field for _, _, field in found))
    line, column, _ = found[0]
    related_places = tuple(
        related(ctx, other_line, other_column, f"merge field {field}")
        for other_line, other_column, field in found[1 : MAX_RELATED + 1]
    )
    yield Hit(
        line_span(ctx, line, column),
        f"email template {name}:{where}",
        {"template": name, "where": where, "phi": ", ".join(fields)},
        related=related_places,
        properties=props(template=name, part=where, phi_fields=";".join(fields)),
    )
