"""The one frozen Finding model that flows from analyzers (static and sweep) to every reporter.

Reporters read these objects; they never re-parse message strings. Everything here is immutable and
hashable so findings can be sorted, deduplicated and cached safely.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields, replace
from enum import Enum
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from phi_lint.rules import RuleMeta


class Severity(str, Enum):
    """SARIF `level` values; also the order used when sorting (errors first)."""

    ERROR = "error"
    WARNING = "warning"
    NOTE = "note"

    @property
    def rank(self) -> int:
        return {"error": 0, "warning": 1, "note": 2}[self.value]


T = TypeVar("T")


def quick_pickle(cls: type[T]) -> type[T]:
    """Pickle a frozen slots dataclass as a plain tuple of its fields. The dataclass default
    (`_dataclass_getstate`) looks the fields up again for every object, which made pickling the
    cache entries of a large project (hundreds of thousands of these) a visible part of a run."""
    names = tuple(f.name for f in fields(cls))  # type: ignore[arg-type]

    def getstate(self: object) -> tuple[object, ...]:
        return tuple([getattr(self, name) for name in names])

    def setstate(self: object, state: tuple[object, ...]) -> None:
        for name, value in zip(names, state, strict=True):
            object.__setattr__(self, name, value)

    cls.__getstate__ = getstate  # type: ignore[attr-defined]
    cls.__setstate__ = setstate  # type: ignore[attr-defined]
    return cls


@quick_pickle
@dataclass(frozen=True, slots=True)
class Location:
    """A region of a file. `path` is POSIX and relative to the project root (or to the sweep config)."""

    path: str
    start_line: int
    start_column: int = 1
    end_line: int = 0
    end_column: int = 0
    snippet: str = ""
    # Used for related locations ("PHI read here"); empty for a finding's primary location.
    message: str = ""

    def __post_init__(self) -> None:
        if self.end_line < self.start_line:
            object.__setattr__(self, "end_line", self.start_line)
        if self.end_line == self.start_line and self.end_column < self.start_column:
            object.__setattr__(self, "end_column", self.start_column)


@dataclass(frozen=True, slots=True)
class LogicalLocation:
    """Where a sweep finding lives when there is no source line: page URL, element selector."""

    name: str
    kind: str  # "page" | "element" | "component" ...
    fully_qualified_name: str = ""


class SuppressionKind(str, Enum):
    IN_SOURCE = "inSource"  # an inline `phi-lint: ignore[...]` comment
    EXTERNAL = "external"  # baseline file or per-page ignore in a sweep config


@dataclass(frozen=True, slots=True)
class Suppression:
    kind: SuppressionKind
    justification: str
    # Where the suppressing comment is (inline) or which file (baseline).
    location: Location | None = None


@quick_pickle
@dataclass(frozen=True, slots=True)
class Finding:
    rule_id: str
    message: str
    severity: Severity
    location: Location
    # Text the rule matched, normalized for fingerprinting (whitespace collapsed). Never shown.
    matched_text: str = ""
    related: tuple[Location, ...] = ()
    logical_locations: tuple[LogicalLocation, ...] = ()
    fingerprint: str = ""
    suppression: Suppression | None = None
    # Sorted (key, value) pairs so the finding stays hashable; e.g. ("phi", "Patient__c.SSN__c").
    properties: tuple[tuple[str, str], ...] = ()
    # "static" or "sweep": becomes one SARIF run per category.
    category: str = "static"

    @property
    def is_suppressed(self) -> bool:
        return self.suppression is not None

    def with_suppression(self, suppression: Suppression) -> Finding:
        return replace(self, suppression=suppression)

    def property(self, key: str, default: str = "") -> str:
        for name, value in self.properties:
            if name == key:
                return value
        return default

    def sort_key(self) -> tuple[str, str, int, int, str, str]:
        loc = self.location
        return (self.category, loc.path, loc.start_line, loc.start_column, self.rule_id, self.message)


class NotificationKind(str, Enum):
    PARSE_ERROR = "parse-error"
    READ_ERROR = "read-error"
    RULE_ERROR = "rule-error"
    SKIPPED = "skipped"
    CONFIG = "config"
    PAGE_ERROR = "page-error"
    RULE_NOT_EVALUATED = "rule-not-evaluated"
    INFO = "info"


@dataclass(frozen=True, slots=True)
class Notification:
    """A tool notification: the tool could not look somewhere. Never a finding, never silent."""

    kind: NotificationKind
    message: str
    level: Severity = Severity.WARNING
    path: str | None = None
    line: int | None = None
    column: int | None = None
    rule_id: str | None = None

    @property
    def makes_run_incomplete(self) -> bool:
        """Faults where a check did not run (as opposed to files we chose to skip)."""
        return (
            self.kind
            in {
                NotificationKind.RULE_ERROR,
                NotificationKind.READ_ERROR,
                NotificationKind.PAGE_ERROR,
                NotificationKind.RULE_NOT_EVALUATED,
            }
            or self.level is Severity.ERROR
        )

    def sort_key(self) -> tuple[str, int, str, str, str, str, int]:
        # Every field takes part: notifications come out of a set, and a tie left to set order would
        # make the report differ between runs (str hashes are salted per process).
        return (
            self.path or "",
            self.line or 0,
            self.rule_id or "",
            self.message,
            self.kind.value,
            self.level.value,
            self.column or 0,
        )


@dataclass(frozen=True, slots=True)
class RunResult:
    """Everything one category of a run produced: what reporters need, nothing they must recompute."""

    category: str
    findings: tuple[Finding, ...]
    notifications: tuple[Notification, ...] = ()
    # Every rule enabled for this run (SARIF lists descriptors for all of them, not only those that fired).
    rules: tuple[RuleMeta, ...] = ()
    # Number of files (static) or pages (sweep) that were looked at.
    scanned: int = 0
    # Extra facts for people (e.g. the sweep config path); never patient data.
    properties: tuple[tuple[str, str], ...] = ()

    @property
    def unsuppressed(self) -> list[Finding]:
        return [f for f in self.findings if not f.is_suppressed]

    @property
    def incomplete(self) -> bool:
        return any(n.makes_run_incomplete for n in self.notifications)


_WHITESPACE = re.compile(r"\s+")


def normalize_text(text: str) -> str:
    """Collapse whitespace so reformatting a statement does not change its fingerprint."""
    return _WHITESPACE.sub(" ", text).strip()


def fingerprint(rule_id: str, path: str, matched_text: str, occurrence: int) -> str:
    """Stable identity of a finding: no line numbers, so it survives unrelated edits above it."""
    payload = "\x1f".join([rule_id, path, normalize_text(matched_text), str(occurrence)])
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:32]


def assign_fingerprints(findings: Iterable[Finding]) -> list[Finding]:
    """Give each finding its fingerprint; identical text in one file is told apart by occurrence order."""
    ordered = sorted(findings, key=lambda f: f.sort_key())
    seen: dict[tuple[str, str, str], int] = {}
    result: list[Finding] = []
    for finding in ordered:
        text = finding.matched_text or finding.location.snippet or finding.message
        key = (finding.rule_id, finding.location.path, normalize_text(text))
        occurrence = seen.get(key, 0)
        seen[key] = occurrence + 1
        if finding.fingerprint:
            result.append(finding)
        else:
            result.append(
                replace(
                    finding, fingerprint=fingerprint(finding.rule_id, finding.location.path, text, occurrence)
                )
            )
    return result


def props(mapping: Mapping[str, object] | None = None, **values: object) -> tuple[tuple[str, str], ...]:
    """Build the sorted, hashable `properties` tuple from keyword arguments."""
    merged: dict[str, object] = dict(mapping or {})
    merged.update(values)
    return tuple(sorted((k, str(v)) for k, v in merged.items() if v is not None and v != ""))


@quick_pickle
@dataclass(frozen=True, slots=True)
class Span:
    """A 1-based region inside the file being analysed, as rule logic reports it."""

    start_line: int
    start_column: int
    end_line: int
    end_column: int


@dataclass(frozen=True)
class Hit:
    """What a rule's logic reports. The engine turns it into a Finding using the rule's metadata.

    `args` fill the rule's message template; `severity` overrides the default (e.g. a sharing
    violation that touches a PHI object is raised to error).
    """

    span: Span
    matched_text: str
    args: Mapping[str, str] = field(default_factory=dict)
    related: tuple[Location, ...] = ()
    severity: Severity | None = None
    properties: tuple[tuple[str, str], ...] = ()
    # Exact texts (a hard-coded key, a password literal) the engine masks wherever the finding would
    # show them: snippet, related snippets, message and matched text (see phi_lint.redact).
    redact: tuple[str, ...] = ()
