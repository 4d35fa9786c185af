"""A hardened XML reader for Salesforce metadata, with line numbers.

Metadata comes from pull requests we do not trust. Salesforce metadata never needs a DOCTYPE, so any
DOCTYPE, entity declaration or external entity is refused before anything is expanded (no "billion
laughs", no XXE). Built on expat directly because ElementTree drops line numbers, which every finding
needs.
"""

from __future__ import annotations

import xml.parsers.expat as expat
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

MAX_XML_BYTES = 20 * 1024 * 1024


class XmlError(ValueError):
    """Malformed or unsafe XML; `line` is 1-based when known."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.line = line


@dataclass
class Element:
    tag: str  # local name, namespace stripped
    attrs: dict[str, str]
    line: int
    column: int
    text: str = ""
    children: list[Element] = field(default_factory=list)

    def iter(self, tag: str | None = None) -> Iterator[Element]:
        stack = [self]
        while stack:
            node = stack.pop()
            if tag is None or node.tag == tag:
                yield node
            stack.extend(reversed(node.children))


def _local(name: str) -> str:
    return name.rsplit(" ", 1)[-1].rsplit(":", 1)[-1]


_HANDLERS = (
    "StartDoctypeDeclHandler",
    "EntityDeclHandler",
    "UnparsedEntityDeclHandler",
    "ExternalEntityRefHandler",
    "StartElementHandler",
    "EndElementHandler",
    "CharacterDataHandler",
)


def parse_bytes(data: bytes) -> Element:
    if len(data) > MAX_XML_BYTES:
        raise XmlError(f"XML file larger than {MAX_XML_BYTES // (1024 * 1024)} MB")
    parser = expat.ParserCreate(namespace_separator=" ")
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    stack: list[Element] = []
    roots: list[Element] = []
    texts: list[list[str]] = []

    def refuse_doctype(*_: object) -> None:
        raise XmlError(
            "DOCTYPE declarations are refused (entity expansion / XXE guard)", parser.CurrentLineNumber
        )

    def refuse_entity(*_: object) -> None:
        raise XmlError("entity declarations are refused", parser.CurrentLineNumber)

    def refuse_external(*_: object) -> int:
        raise XmlError("external entities are refused", parser.CurrentLineNumber)

    def start(name: str, attrs: dict[str, str]) -> None:
        element = Element(
            _local(name),
            {_local(k): v for k, v in attrs.items()},
            parser.CurrentLineNumber,
            parser.CurrentColumnNumber + 1,
        )
        if stack:
            stack[-1].children.append(element)
        else:
            roots.append(element)
        stack.append(element)
        texts.append([])

    def end(_: str) -> None:
        element = stack.pop()
        element.text = "".join(texts.pop()).strip()

    def chars(data: str) -> None:
        if texts:
            texts[-1].append(data)

    parser.StartDoctypeDeclHandler = refuse_doctype
    parser.EntityDeclHandler = refuse_entity
    parser.UnparsedEntityDeclHandler = refuse_entity
    parser.ExternalEntityRefHandler = refuse_external
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = chars
    try:
        parser.Parse(data, True)
    except expat.ExpatError as exc:
        raise XmlError(f"malformed XML: {expat.errors.messages[exc.code]}", exc.lineno) from exc
    except XmlError:  # raised by the DOCTYPE/entity guards above (XmlError is a ValueError)
        raise
    except (LookupError, ValueError) as exc:
        # `<?xml encoding="TTF-8"?>` (unknown: LookupError) or a multi-byte encoding expat cannot
        # switch to (ValueError): a file nobody can deploy, reported instead of crashing the run.
        raise XmlError("unsupported encoding in the XML declaration", parser.CurrentLineNumber) from exc
    finally:
        # The handlers refer to the parser (for line numbers) and the parser to them: a reference
        # cycle that would keep every parsed element alive until the garbage collector ran.
        for handler in _HANDLERS:
            setattr(parser, handler, None)
    if not roots:
        raise XmlError("empty XML document")
    return roots[0]


def parse_file(path: Path) -> Element:
    return parse_bytes(path.read_bytes())


def children(element: Element, tag: str) -> list[Element]:
    return [c for c in element.children if c.tag == tag]


def child(element: Element, tag: str) -> Element | None:
    for c in element.children:
        if c.tag == tag:
            return c
    return None


def child_text(element: Element, tag: str) -> str:
    c = child(element, tag)
    return c.text if c is not None else ""


def line_of(element: Element, tag: str) -> int:
    c = child(element, tag)
    return c.line if c is not None else element.line
