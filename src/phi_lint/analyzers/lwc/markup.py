"""LWC templates (`.html`) and Aura markup (`.cmp`/`.app`) through BeautifulSoup, parsed once per file.

BeautifulSoup's `html.parser` keeps the author's structure (no HTML5 tree repair that would move a
`<template for:each>` out of a `<tbody>`), lower-cases tag and attribute names (so `alternativeText` in
Aura and `alternative-text` in LWC are looked up case-insensitively), and records each start tag's
`sourceline`/`sourcepos`: findings point at the `<` of the start tag even when its attributes span
lines. `html.parser` never fails on bad markup, so a small well-formedness pass (same tokenizer) turns
unclosed or stray tags into tool notifications.
"""

from __future__ import annotations

import contextlib
import re
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import TYPE_CHECKING

from phi_lint.analyzers.lwc.soup import BeautifulSoup, Tag
from phi_lint.findings import Span

if TYPE_CHECKING:
    from phi_lint.context import FileContext

MEMO_KEY = "lwc-markup"

VOID_ELEMENTS = frozenset(
    {
        "area",
        "base",
        "br",
        "col",
        "embed",
        "hr",
        "img",
        "input",
        "link",
        "meta",
        "param",
        "source",
        "track",
        "wbr",
        "keygen",
    }
)
# HTML lets these end tags be omitted; a missing one is not a malformed template.
OPTIONAL_END = frozenset(
    {
        "p",
        "li",
        "dt",
        "dd",
        "tr",
        "td",
        "th",
        "option",
        "optgroup",
        "thead",
        "tbody",
        "tfoot",
        "colgroup",
        "rp",
        "rt",
        "caption",
    }
)
# `{row.SSN__c}` (LWC) and `{!v.patient.SSN__c}` / `{#v.x}` (Aura): dotted paths inside bindings.
_BINDING = re.compile(r"\{[!#]?([^{}]*)\}")
_PATH = re.compile(r"(?<![\w.'\"$])([A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*)")


@dataclass(frozen=True)
class MarkupProblem:
    line: int
    column: int
    message: str


@dataclass
class Markup:
    soup: BeautifulSoup | None
    problems: list[MarkupProblem] = field(default_factory=list)
    is_aura: bool = False

    def elements(self) -> Iterator[Tag]:
        if self.soup is None:
            return iter(())
        return (t for t in self.soup.find_all(True) if isinstance(t, Tag))


class _WellFormedness(HTMLParser):
    """Tracks open elements the way the LWC and Aura compilers do, leniently (optional end tags)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, int, int]] = []
        self.problems: list[MarkupProblem] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in VOID_ELEMENTS:
            line, col = self.getpos()
            self.stack.append((tag, line, col + 1))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        return

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID_ELEMENTS:
            return
        for index in range(len(self.stack) - 1, -1, -1):
            if self.stack[index][0] == tag:
                unclosed = [e for e in self.stack[index + 1 :] if e[0] not in OPTIONAL_END]
                if unclosed:
                    name, line, col = unclosed[-1]
                    self.problems.append(MarkupProblem(line, col, f"<{name}> is not closed before </{tag}>"))
                del self.stack[index:]
                return
        line, col = self.getpos()
        self.problems.append(MarkupProblem(line, col + 1, f"end tag </{tag}> has no matching start tag"))

    def finish(self) -> list[MarkupProblem]:
        if self.rawdata.strip():
            line, col = self.getpos()
            self.problems.append(MarkupProblem(line, col + 1, "unterminated tag, attribute or comment"))
        # html.parser may choke on what it was left with; the problem is already reported.
        with contextlib.suppress(Exception):
            self.close()
        for name, line, col in self.stack:
            if name not in OPTIONAL_END:
                self.problems.append(MarkupProblem(line, col, f"<{name}> is never closed"))
        return self.problems


def markup(ctx: FileContext) -> Markup:
    return ctx.memo(MEMO_KEY, lambda: parse(ctx.text, ctx.kind == "aura"))


def parse(text: str, is_aura: bool = False) -> Markup:
    checker = _WellFormedness()
    try:
        checker.feed(text)
        problems = checker.finish()
    except Exception as exc:  # html.parser raises on a few pathological inputs
        problems = [MarkupProblem(1, 1, f"markup could not be tokenized ({type(exc).__name__})")]
    try:
        with warnings.catch_warnings():
            # BeautifulSoup warns about markup that looks like a file name or like XML (an Aura file
            # with an XML declaration); neither is a problem here and stderr is the user's.
            warnings.simplefilter("ignore")
            soup = BeautifulSoup(text, "html.parser")
    except Exception as exc:
        return Markup(
            None,
            [*problems, MarkupProblem(1, 1, f"markup could not be parsed ({type(exc).__name__})")],
            is_aura,
        )
    return Markup(soup, problems[:3], is_aura)


# ---- attributes and positions ---------------------------------------------------------------------


def attr(tag: Tag, *names: str) -> str | None:
    """First present attribute among `names` (already lower-case), as text; a bare attribute is ""."""
    for name in names:
        if name in tag.attrs:
            value = tag.attrs[name]
            if isinstance(value, list):
                value = " ".join(value)
            text = str(value)
            # `<img src={url}/>`: html.parser keeps the self-closing slash in an unquoted value.
            return text[:-1] if text.endswith("/") and text.startswith("{") else text
    return None


def has_value(value: str | None) -> bool:
    return value is not None and value.strip() != ""


def start_tag_span(ctx: FileContext, tag: Tag) -> Span:
    """From the `<` of the start tag to its closing `>` (attributes may span several lines)."""
    line = tag.sourceline or 1
    column = (tag.sourcepos or 0) + 1
    lines = ctx.lines
    end_line, end_col = line, column
    quote = ""
    row = line - 1
    col = column - 1
    while row < len(lines):
        text = lines[row]
        while col < len(text):
            ch = text[col]
            if quote:
                if ch == quote:
                    quote = ""
            elif ch in "\"'":
                quote = ch
            elif ch == ">":
                return Span(line, column, row + 1, col + 2)
            col += 1
        row += 1
        col = 0
        if row - line > 200:  # a runaway quote: stop at the start line
            break
    return Span(line, column, end_line, end_col + len(tag.name) + 1)


def tag_text(ctx: FileContext, tag: Tag) -> str:
    """The start tag as written, for fingerprints (stable across unrelated edits)."""
    span = start_tag_span(ctx, tag)
    lines = ctx.lines[span.start_line - 1 : span.end_line]
    if not lines:
        return tag.name
    if len(lines) == 1:
        return lines[0][span.start_column - 1 : span.end_column - 1]
    lines[0] = lines[0][span.start_column - 1 :]
    lines[-1] = lines[-1][: span.end_column - 1]
    return " ".join(part.strip() for part in lines)


# ---- bindings -------------------------------------------------------------------------------------


def binding_paths(text: str) -> Iterator[list[str]]:
    """Dotted paths bound in text or an attribute value: `{row.SSN__c}` -> ['row', 'SSN__c']."""
    for match in _BINDING.finditer(text):
        expression = match.group(1)
        # Skip quoted strings inside Aura expressions ('standard:' + v.icon).
        expression = re.sub(r"'[^']*'|\"[^\"]*\"", " ", expression)
        for path in _PATH.finditer(expression):
            yield path.group(1).split(".")


def bundle_js_path(ctx: FileContext) -> Path | None:
    """`lwc/foo/foo.html` -> `lwc/foo/foo.js` (the component class the template binds to)."""
    bundle = ctx.path.parent
    candidate = bundle / f"{bundle.name}.js"
    return candidate if candidate.is_file() else None
