"""Per-file class facts: classes (top-level and inner), their sharing, superclass, tests, triggers and
the API version that decides Apex's default database mode.

Interface:

    file_classes(ctx) -> FileClasses                    memoized per file
    FileClasses.classes: list[ClassFacts]               every class of the file, document order
    FileClasses.triggers: list[TriggerFacts]
    FileClasses.enclosing_class(node) -> ClassFacts | None   innermost class around a node
    FileClasses.in_test_code(node) -> bool              inside an @IsTest class or a test method
    FileClasses.trigger_at(node) -> TriggerFacts | None
    effective_sharing(ctx, facts) -> Sharing            declared, else inherited from a project superclass
    project_sharing(project) -> dict[str, ClassHeader]  class headers of the whole project (lazy, cached)
    user_mode_default(version) -> bool                  API 67.0+ runs database operations in user mode

Sharing values: 'with' | 'without' | 'inherited' | None (no keyword). Apex rules this module follows:
inner classes do NOT inherit the sharing of their outer class; a class without a keyword that extends
another takes its parent's sharing setting; a class without a keyword runs with sharing from API 67.0
("Apex Versioned Behavior Changes", Summer '26) and otherwise in the caller's mode (without sharing
when it is the entry point).

Project-wide facts (the sharing of a superclass declared in another file) are computed lazily, on the
first question, from a cheap scan of every `.cls` of the project's package directories (comments and
strings blanked, no tree-sitter parse) and kept in `project.facts["apex.classes"]`.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from phi_lint import parsing
from phi_lint.analyzers.apex import syntax

if TYPE_CHECKING:
    from phi_lint.context import FileContext
    from phi_lint.project import Project

Node = parsing.Node
Sharing = str | None

# First API version whose database operations run in user mode by default.
USER_MODE_DEFAULT_VERSION = 67.0
PROJECT_FACTS_KEY = "apex.classes"

_SHARING_TYPES = {"with_sharing": "with", "without_sharing": "without", "inherited_sharing": "inherited"}


def user_mode_default(version: float | None) -> bool:
    return version is not None and version >= USER_MODE_DEFAULT_VERSION


@dataclass
class ClassFacts:
    name: str
    node: Node
    outer: ClassFacts | None
    sharing: Sharing  # as declared on this class (never inherited from the outer class)
    superclass: str | None  # as written (`BaseSelector`, `Outer.Base`), generics dropped
    is_test: bool  # @IsTest on this class or on an outer class, or a test-data helper's name
    is_interface: bool = False
    test_methods: list[Node] = field(default_factory=list)
    api_version: float | None = None

    @property
    def qualified_name(self) -> str:
        return f"{self.outer.qualified_name}.{self.name}" if self.outer else self.name

    @property
    def runs_in_user_mode_by_default(self) -> bool:
        return user_mode_default(self.api_version)


@dataclass
class TriggerFacts:
    name: str
    node: Node
    object_name: str
    api_version: float | None = None


@dataclass
class FileClasses:
    classes: list[ClassFacts] = field(default_factory=list)
    triggers: list[TriggerFacts] = field(default_factory=list)
    api_version: float | None = None

    def enclosing_class(self, node: Node) -> ClassFacts | None:
        best: ClassFacts | None = None
        for facts in self.classes:
            contains = facts.node.start_byte <= node.start_byte and node.end_byte <= facts.node.end_byte
            if contains and (best is None or facts.node.start_byte >= best.node.start_byte):
                best = facts
        return best

    def trigger_at(self, node: Node) -> TriggerFacts | None:
        for trig in self.triggers:
            if trig.node.start_byte <= node.start_byte and node.end_byte <= trig.node.end_byte:
                return trig
        return None

    def in_test_code(self, node: Node) -> bool:
        cls = self.enclosing_class(node)
        if cls is None:
            return False
        if cls.is_test:
            return True
        return any(m.start_byte <= node.start_byte and node.end_byte <= m.end_byte for m in cls.test_methods)


def _sharing_of(declaration: Node) -> Sharing:
    modifiers = syntax.child_of_type(declaration, "modifiers")
    if modifiers is None:
        return None
    for child in modifiers.named_children:
        if child.type == "modifier" and child.named_children:
            sharing = _SHARING_TYPES.get(child.named_children[0].type)
            if sharing:
                return sharing
    return None


def _superclass_of(ctx: FileContext, declaration: Node) -> str | None:
    sup = parsing.field(declaration, "superclass")
    if sup is None:
        return None
    named = [c for c in sup.named_children]
    if not named:
        return None
    text = "".join(ctx.node_text(named[0]).split())
    return text.split("<", 1)[0] or None


def _is_test_method(ctx: FileContext, method: Node) -> bool:
    if syntax.has_annotation(ctx, method, "IsTest"):
        return True
    return "testmethod" in syntax.modifier_words(ctx, method)


def file_classes(ctx: FileContext) -> FileClasses:
    """Classes and triggers of the file (memoized)."""

    def build() -> FileClasses:
        version = ctx.project.api_version_for(ctx.path)
        result = FileClasses(api_version=version)
        by_key: dict[tuple[int, int], ClassFacts] = {}
        declarations = syntax.nodes(ctx, "class_declaration") + syntax.nodes(ctx, "interface_declaration")
        declarations.sort(key=lambda n: n.start_byte)
        for decl in declarations:
            name_node = parsing.field(decl, "name")
            outer_node = syntax.enclosing(decl, ("class_declaration", "interface_declaration"))
            outer = by_key.get(parsing.node_key(outer_node)) if outer_node is not None else None
            is_test = syntax.has_annotation(ctx, decl, "IsTest") or (outer is not None and outer.is_test)
            if (
                outer is None
                and name_node is not None
                and syntax.TEST_HELPER_NAME.match(ctx.node_text(name_node))
            ):
                is_test = True
            facts = ClassFacts(
                name=ctx.node_text(name_node) if name_node is not None else "",
                node=decl,
                outer=outer,
                sharing=_sharing_of(decl),
                superclass=_superclass_of(ctx, decl),
                is_test=is_test,
                is_interface=decl.type == "interface_declaration",
                api_version=version,
            )
            by_key[parsing.node_key(decl)] = facts
            result.classes.append(facts)
        for method in syntax.nodes(ctx, "method_declaration"):
            if _is_test_method(ctx, method):
                owner = syntax.enclosing(method, ("class_declaration",))
                facts_for = by_key.get(parsing.node_key(owner)) if owner is not None else None
                if facts_for is not None:
                    facts_for.test_methods.append(method)
        for trig in syntax.nodes(ctx, "trigger_declaration"):
            name_node, obj_node = parsing.field(trig, "name"), parsing.field(trig, "object")
            result.triggers.append(
                TriggerFacts(
                    name=ctx.node_text(name_node) if name_node is not None else "",
                    node=trig,
                    object_name=ctx.node_text(obj_node) if obj_node is not None else "",
                    api_version=version,
                )
            )
        return result

    return ctx.memo("apex.classes", build)


# ---- project-wide class headers -------------------------------------------------------------------


@dataclass(frozen=True)
class ClassHeader:
    """What a cheap scan of a class declaration tells: its sharing and superclass."""

    name: str
    sharing: Sharing
    superclass: str | None
    path: str


class SharingTable(dict[str, ClassHeader]):
    """The project's class headers by lower-case simple name (`project_sharing`), with a digest of its
    content for the caches (`cache.stable_digest` takes it instead of walking every header; it keys
    every Apex file's cached results, so it is asked for by every run that prepares). Complete before
    its digest is first asked for (`store_sharing` builds it whole)."""

    @functools.cached_property
    def inputs_digest(self) -> str:
        from phi_lint.cache import digest_of

        # Strings and None, in name order: the same in every process.
        return digest_of(
            *(
                repr((name, header.name, header.sharing, header.superclass, header.path))
                for name, header in sorted(self.items())
            )
        )


# Comments and string literals are blanked (same length) before scanning for declarations. (The
# block comment and the string are written as "unrolled loops": the same matches as `/\*.*?\*/` and
# `'(?:\\.|[^'\\\n])*'`, without trying an alternative or the end at every character.)
_BLANK = re.compile(r"//[^\n]*|/\*[^*]*\*+(?:[^/*][^*]*\*+)*/|'[^'\\\n]*(?:\\.[^'\\\n]*)*'", re.DOTALL)
_CLASS_WORD = re.compile(r"\bclass\s+(\w+)", re.IGNORECASE)
# Where `class` may start, whatever its case (the long s, U+017F, is an `s` to IGNORECASE).
# `class` cannot overlap itself, so a search finds every occurrence.
_CLASS_LETTERS = re.compile(r"[cC][lL][aA][sS\u017f][sS\u017f]")
_EXTENDS = re.compile(r"\s*(?:<[^>{]*>\s*)?extends\s+([\w.]+)", re.IGNORECASE)
_SHARING_WORDS = re.compile(r"\b(with|without|inherited)\s+sharing\b", re.IGNORECASE)


def _blank(text: str) -> str:
    if "/" not in text and "'" not in text:
        return text
    return _BLANK.sub(lambda m: " " * len(m.group(0)), text)


def _class_letters(blanked: str) -> Iterator[int]:
    """Offsets of `class` in any case (those `_CLASS_LETTERS` finds). By str.find in the lower-cased
    text (many times faster than a regex that ignores case) when that text is aligned with the
    original, i.e. as long (only U+0130, a dotted capital I, lower-cases to two characters), and
    holds no long s (U+017F, which lower() keeps while IGNORECASE takes it for an `s`). No other
    character lower-cases to c, l, a or s."""
    lowered = blanked.lower()
    if len(lowered) != len(blanked) or "\u017f" in blanked:
        yield from (m.start() for m in _CLASS_LETTERS.finditer(blanked))
        return
    at = lowered.find("class")
    while at >= 0:
        yield at
        at = lowered.find("class", at + 5)


def _class_words(blanked: str) -> Iterator[re.Match[str]]:
    """`_CLASS_WORD.finditer(blanked)`, without the word boundary that made it try every position
    of the file: the regex is tried only where `class` is written, and (as finditer does) not
    inside the previous match."""
    resume = 0
    for at in _class_letters(blanked):
        if at < resume:
            continue
        m = _CLASS_WORD.match(blanked, at)  # (the word boundary sees the character before)
        if m is not None:
            resume = m.end()
            yield m


def scan_headers(text: str, rel_path: str) -> list[ClassHeader]:
    """Class declarations found by text: the modifiers between the previous `;`, `{` or `}` and
    `class Name`, and an `extends` right after the name."""
    blanked = _blank(text)
    headers: list[ClassHeader] = []
    for m in _class_words(blanked):
        begin = max(
            blanked.rfind(";", 0, m.start()),
            blanked.rfind("{", 0, m.start()),
            blanked.rfind("}", 0, m.start()),
        )
        modifiers = blanked[begin + 1 : m.start()]
        word = _SHARING_WORDS.search(modifiers)
        sharing: Sharing = word.group(1).lower() if word else None
        ext = _EXTENDS.match(blanked, m.end())
        headers.append(ClassHeader(m.group(1), sharing, ext.group(1) if ext else None, rel_path))
    return headers


def project_sharing(project: Project, files: Sequence[Path] | None = None) -> dict[str, ClassHeader]:
    """Class headers of every `.cls` of the project, by lower-case simple name. Computed once per run:
    by the apex package's `prepare()` from the engine's file list (so the persistent cache keys
    per-file results on them), else lazily from the package directories on first use."""
    cached = project.facts.get(PROJECT_FACTS_KEY)
    if isinstance(cached, dict) and files is None:
        return cached
    paths = (
        [p for p in files if p.name.endswith(".cls")] if files is not None else list(_walk_classes(project))
    )
    found: list[tuple[Path, list[ClassHeader]]] = []
    for path in sorted(paths):
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        found.append((path, scan_headers(text, project.relative(path))))
    return store_sharing(project, found)


def store_sharing(
    project: Project, headers: Iterable[tuple[Path, Iterable[ClassHeader]]]
) -> dict[str, ClassHeader]:
    """Keep the headers of the project's classes (`.cls` files; the first file in path order wins a
    duplicate name) as the project fact `project_sharing` returns."""
    table = sharing_table((path.name, found) for path, found in sorted(headers, key=lambda item: item[0]))
    project.facts[PROJECT_FACTS_KEY] = table
    return table


def sharing_table(headers: Iterable[tuple[str, Iterable[ClassHeader]]]) -> SharingTable:
    """`store_sharing`'s table from (file name, headers) already in path order."""
    table = SharingTable()
    for name, found in headers:
        if name.endswith(".cls"):
            for header in found:
                table.setdefault(header.name.lower(), header)
    return table


def _walk_classes(project: Project) -> Iterator[Path]:
    for root in project.package_dirs or [project.root]:
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames[:] = sorted(d for d in dirnames if d not in {".git", "node_modules", ".sfdx", ".sf"})
            for name in sorted(filenames):
                if name.endswith(".cls"):
                    yield Path(dirpath) / name


def effective_sharing(ctx: FileContext, facts: ClassFacts) -> tuple[Sharing, str]:
    """(sharing the class runs with, how we know): the declared keyword, else the nearest superclass
    that declares one (in this file or elsewhere in the project). Never the outer class's."""
    if facts.sharing is not None:
        return facts.sharing, "declared"
    local = {c.name.lower(): c for c in file_classes(ctx).classes}
    seen: set[str] = {facts.name.lower()}
    superclass = facts.superclass
    headers: dict[str, ClassHeader] | None = None
    while superclass:
        simple = superclass.split(".")[-1].lower()
        if simple in seen:
            break
        seen.add(simple)
        parent = local.get(simple)
        if parent is not None:
            if parent.sharing is not None:
                return parent.sharing, f"inherited from {parent.name}"
            superclass = parent.superclass
            continue
        if headers is None:
            headers = project_sharing(ctx.project)
        header = headers.get(simple)
        if header is None:
            break
        if header.sharing is not None:
            return header.sharing, f"inherited from {header.name}"
        superclass = header.superclass
    return None, "none"
