"""meta/phi-in-flow-email: a flow's Send Email action (`emailSimple`) whose subject or body carries PHI.

A flow names its data by element: `$Record` is the triggering record (`<start><object>`), a Get Records
element (`<recordLookups>`) or a record variable (`<variables><objectType>`) holds records of one object, a
loop (`<loops>`) walks such a collection. The email's subject and body are a literal with merge fields
(`{!$Record.Patient__r.MRN__c}`), or a reference to a text template or formula whose text has them, or to
a field itself. Each merge field is judged by the PHI model on the object its path reaches.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from phi_lint import xmlsafe
from phi_lint.analyzers.meta.places import line_span, related
from phi_lint.context import FileContext
from phi_lint.findings import Hit, props
from phi_lint.phi import relationship_to_object

# The inputs of the Send Email action that end up in the message, and their names in Flow Builder.
EMAIL_PARTS = {"emailSubject": "subject", "emailBody": "body"}
# `{!$Record.Patient__r.SSN__c}`, `{!Get_Visit.Notes__c}`, `{!Body_Template}`.
_MERGE = re.compile(r"\{!\s*([$\w.]+)\s*\}")
# Text templates and formulas may name each other; deeper than this is a cycle or a mistake.
MAX_DEPTH = 8
MAX_RELATED = 20


def phi_in_flow_email(ctx: FileContext) -> Iterator[Hit]:
    root = ctx.xml
    if root.tag != "Flow":
        return
    flow = _FlowNames(root)
    name = ctx.path.name.split(".")[0]
    for action in xmlsafe.children(root, "actionCalls"):
        if xmlsafe.child_text(action, "actionType").strip() != "emailSimple":
            continue
        found: list[tuple[xmlsafe.Element, str, str]] = []  # (element, part, Object.Field)
        for parameter in xmlsafe.children(action, "inputParameters"):
            part = EMAIL_PARTS.get(xmlsafe.child_text(parameter, "name").strip())
            value = xmlsafe.child(parameter, "value")
            if part is None or value is None:
                continue
            for field in flow.phi_fields(ctx, value):
                found.append((parameter, part, field))
        if not found:
            continue
        action_name = xmlsafe.child_text(action, "name").strip() or "(unnamed)"
        fields = list(dict.fromkeys(field for _, _, field in found))
        parts = list(dict.fromkeys(part for _, part, _ in found))
        first = found[0][0]
        related_places = tuple(
            related(ctx, element.line, element.column, f"{field} in the email's {part}")
            for element, part, field in found[1 : MAX_RELATED + 1]
        )
        yield Hit(
            line_span(ctx, first.line, first.column),
            f"flow {name}:{action_name}",
            {"flow": name, "action": action_name, "parts": " and ".join(parts), "phi": ", ".join(fields)},
            related=related_places,
            properties=props(flow=name, action=action_name, phi_fields=";".join(fields)),
        )


class _FlowNames:
    """What a flow's element names hold: the object of a record (or collection of records), or text."""

    def __init__(self, root: xmlsafe.Element) -> None:
        self.objects: dict[str, str] = {}
        self.texts: dict[str, str] = {}
        start = xmlsafe.child(root, "start")
        if start is not None and xmlsafe.child_text(start, "object").strip():
            self.objects["$record"] = self.objects["$record__prior"] = xmlsafe.child_text(
                start, "object"
            ).strip()
        for lookup in xmlsafe.children(root, "recordLookups"):
            self._name(lookup, xmlsafe.child_text(lookup, "object"))
        for variable in xmlsafe.children(root, "variables"):
            self._name(variable, xmlsafe.child_text(variable, "objectType"))
        for template in xmlsafe.children(root, "textTemplates"):
            self.texts[xmlsafe.child_text(template, "name").strip().lower()] = xmlsafe.child_text(
                template, "text"
            )
        # A text variable built by Assignment elements (`varBody` = "... {!$Record.SSN__c}", or += another
        # element): what it may hold is everything assigned to it.
        for assignment in xmlsafe.children(root, "assignments"):
            for item in xmlsafe.children(assignment, "assignmentItems"):
                target = xmlsafe.child_text(item, "assignToReference").strip().lower()
                value = xmlsafe.child(item, "value")
                if not target or "." in target or value is None:
                    continue
                assigned = xmlsafe.child_text(value, "stringValue")
                reference = xmlsafe.child_text(value, "elementReference").strip()
                text = assigned + (f" {{!{reference}}}" if reference else "")
                self.texts[target] = f"{self.texts.get(target, '')} {text}"
        for formula in xmlsafe.children(root, "formulas"):
            self.texts[xmlsafe.child_text(formula, "name").strip().lower()] = xmlsafe.child_text(
                formula, "expression"
            )
        # A loop's current item is a record of its collection's object (loops may walk loops' outputs).
        loops = [
            (
                xmlsafe.child_text(loop, "name").strip().lower(),
                xmlsafe.child_text(loop, "collectionReference"),
            )
            for loop in xmlsafe.children(root, "loops")
        ]
        for _ in range(len(loops)):
            for loop, collection in loops:
                obj = self.objects.get(collection.strip().lower())
                if obj and loop not in self.objects:
                    self.objects[loop] = obj

    def _name(self, element: xmlsafe.Element, obj: str) -> None:
        name = xmlsafe.child_text(element, "name").strip().lower()
        if name and obj.strip():
            self.objects[name] = obj.strip()

    def phi_fields(self, ctx: FileContext, value: xmlsafe.Element) -> Iterator[str]:
        """The PHI fields an input's value puts into the message: its literal's merge fields, or what
        the element it references holds."""
        literal = xmlsafe.child(value, "stringValue")
        if literal is not None:
            yield from self._in_text(ctx, literal.text, 0)
        reference = xmlsafe.child_text(value, "elementReference").strip()
        if reference:
            yield from self._in_reference(ctx, reference, 0)

    def _in_text(self, ctx: FileContext, text: str, depth: int) -> Iterator[str]:
        for merge in _MERGE.finditer(text):
            yield from self._in_reference(ctx, merge.group(1), depth)

    def _in_reference(self, ctx: FileContext, reference: str, depth: int) -> Iterator[str]:
        if depth > MAX_DEPTH:
            return
        parts = reference.split(".")
        head = parts[0].lower()
        if len(parts) == 1:
            if head in self.texts:  # a text template or formula: what its own text carries
                yield from self._in_text(ctx, self.texts[head], depth + 1)
            return
        obj = self.objects.get(head)
        if obj is None:
            return  # $Flow, $User, $Label, a variable of a primitive type...
        for relationship in parts[1:-1]:
            obj = relationship_to_object(relationship)
        if ctx.phi.field_reason(obj, parts[-1]) is not None:
            yield f"{obj}.{parts[-1]}"
