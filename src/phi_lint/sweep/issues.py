"""What a sweep found on a page, before it becomes a Finding, and how it is located in the project.

Both sources of sweep results (axe-core and phi-lint's own browser checks) produce `PageIssue`s; one
function, `to_findings`, turns them into Findings, so locations, masking, suppressions and fingerprints
are handled in one place.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from phi_lint.findings import (
    Finding,
    Location,
    LogicalLocation,
    Severity,
    Suppression,
    SuppressionKind,
    assign_fingerprints,
    props,
)
from phi_lint.sweep.config import PageIgnore
from phi_lint.sweep.redact import mask_html, sanitize_selector, sanitize_text, strip_lwc_attributes

# Frames and shadow roots in a selector chain (the same notation the HTML report shows).
SHADOW_SEPARATOR = " >>> "
FRAME_SEPARATOR = " |> "


@dataclass(frozen=True)
class PageIssue:
    rule_id: str
    message: str
    severity: Severity
    # One entry per frame; each entry one selector per shadow tree (outermost host first).
    target: tuple[tuple[str, ...], ...]
    snippet: str = ""  # raw HTML from the browser: masked in to_findings, never stored as is
    properties: Mapping[str, str] = field(default_factory=dict)

    @property
    def selector(self) -> str:
        return normalize_target(self.target)


def normalize_target(target: Sequence[Sequence[str]]) -> str:
    """axe's `target` -> one stable, shadow-piercing selector without `[lwc-*]` build hashes."""
    frames = []
    for chain in target:
        parts = [" ".join(sanitize_selector(strip_lwc_attributes(s)).split()) for s in chain]
        frames.append(SHADOW_SEPARATOR.join(p for p in parts if p))
    return FRAME_SEPARATOR.join(frames)


def target_from_axe(raw: object) -> tuple[tuple[str, ...], ...]:
    """axe targets are a list whose items are a selector string or, inside shadow DOM, a list of them."""
    if not isinstance(raw, list):
        return ((str(raw),),) if raw else ()
    out: list[tuple[str, ...]] = []
    for item in raw:
        if isinstance(item, list):
            out.append(tuple(str(s) for s in item))
        else:
            out.append((str(item),))
    # axe lists frames outermost first; a plain chain of strings is one frame per entry.
    return tuple(out)


_CUSTOM_TAG = re.compile(r"(?:^|[\s>+~(])([a-z][a-z0-9]*-[a-z0-9-]+)(?=$|[\s>+~:.#\[)])")


_GENERATED_ID = re.compile(r"#([A-Za-z][\w-]*?)-\d+\b")


def stable_selector(selector: str) -> str:
    """The selector with generated id counters replaced: `#input-12` -> `#input-N`."""
    return _GENERATED_ID.sub(r"#\1-N", selector)


def custom_elements(selector: str) -> list[str]:
    """Tag names of custom elements in a selector, outermost first (`c-patient-table`)."""
    names: list[str] = []
    for part in selector.replace(SHADOW_SEPARATOR, " ").replace(FRAME_SEPARATOR, " ").split():
        match = _CUSTOM_TAG.match(" " + part)
        if match:
            names.append(match.group(1))
    return names


def _camel(kebab: str) -> str:
    head, *rest = kebab.split("-")
    return head + "".join(p[:1].upper() + p[1:] for p in rest)


@dataclass
class PageContext:
    """The page being reported: its display URL (sanitized) and where its entry is in the config."""

    url: str  # sanitized absolute URL
    key: str  # stable identity for fingerprints (the configured URL, sanitized)
    config_path: str  # POSIX path of the sweep config relative to the report root ("" if none)
    config_line: int = 0
    name: str = ""


@dataclass
class ComponentLocator:
    """Maps a custom element in a failing element's selector to its LWC source in the project.

    `c-patient-table` -> `<package>/main/default/lwc/patientTable/patientTable.html` when that file exists
    under the project root (any package directory). Only the `c` namespace (or the project's own
    namespace) is the project's; `lightning-*` are Salesforce's.
    """

    root: Path | None
    namespaces: tuple[str, ...] = ("c",)

    @cached_property
    def _bundles(self) -> dict[str, str]:
        found: dict[str, str] = {}
        if self.root is None or not self.root.is_dir():
            return found
        for html in sorted(self.root.glob("**/lwc/*/*.html")):
            if "node_modules" in html.parts or html.stem != html.parent.name:
                continue
            rel = html.relative_to(self.root).as_posix()
            found.setdefault(html.parent.name, rel)
        return found

    def source_for(self, selector: str) -> tuple[str, int] | None:
        """(path, line) of the innermost project component that contains the element."""
        tags = custom_elements(selector)
        for index in range(len(tags) - 1, -1, -1):
            namespace, _, rest = tags[index].partition("-")
            if namespace not in self.namespaces or not rest:
                continue
            rel = self._bundles.get(_camel(rest))
            if rel is None:
                continue
            inner = tags[index + 1] if index + 1 < len(tags) else ""
            return rel, self._line_of(rel, inner, selector)
        return None

    def _line_of(self, rel: str, inner_tag: str, selector: str) -> int:
        """The template line that renders the failing element: the next custom element in the chain,
        else the failing element's own tag, else the first line."""
        assert self.root is not None
        try:
            lines = (self.root / rel).read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError:
            return 1
        last = selector.split(SHADOW_SEPARATOR)[-1].split(">")[-1].strip()
        own_tag = re.match(r"[a-zA-Z][\w-]*", last)
        for tag in (inner_tag, own_tag.group(0) if own_tag else ""):
            if not tag:
                continue
            for number, text in enumerate(lines, 1):
                if re.search(rf"<{re.escape(tag)}[\s>/]", text + " "):
                    return number
        return 1


def to_findings(
    issues: Iterable[PageIssue],
    page: PageContext,
    locator: ComponentLocator,
    ignore_for: Callable[[str, str], PageIgnore | None] | None = None,
) -> list[Finding]:
    """PageIssues of one page -> Findings with masked snippets, locations and suppressions.

    `ignore_for(rule_id, selector)` returns the page's matching ignore (with its reason) or None.
    """
    findings: list[Finding] = []
    for issue in issues:
        selector = issue.selector
        source = locator.source_for(selector)
        snippet = mask_html(issue.snippet)[:400]
        if source is not None:
            location = Location(path=source[0], start_line=source[1], snippet=snippet)
        else:
            location = Location(
                path=page.config_path or "sweep.toml", start_line=max(page.config_line, 1), snippet=snippet
            )
        logical = (
            LogicalLocation(name=page.url, kind="page", fully_qualified_name=page.url),
            LogicalLocation(
                name=selector or "html",
                kind="element",
                fully_qualified_name=f"{page.url} {selector or 'html'}",
            ),
        )
        suppression = None
        if ignore_for is not None:
            ignore = ignore_for(issue.rule_id, selector)
            if ignore is not None:
                suppression = Suppression(
                    kind=SuppressionKind.EXTERNAL,
                    justification=ignore.reason,
                    location=Location(
                        path=page.config_path or "sweep.toml", start_line=max(page.config_line, 1)
                    ),
                )
        findings.append(
            Finding(
                rule_id=issue.rule_id,
                message=sanitize_text(issue.message),
                severity=issue.severity,
                location=location,
                # Rule + page + selector: stable across deploys (no lwc hashes), line edits and data;
                # generated id counters (`#input-12`, `#menu-id-7`) change with render order.
                matched_text=f"{issue.rule_id} {page.key} {stable_selector(selector)}",
                logical_locations=logical,
                suppression=suppression,
                properties=props(
                    dict(issue.properties), page=page.url, selector=selector, page_name=page.name or None
                ),
                category="sweep",
            )
        )
    return findings


def fingerprinted(findings: Iterable[Finding]) -> list[Finding]:
    return assign_fingerprints(findings)
