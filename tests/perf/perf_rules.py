"""A tiny rule family for the cache / parallel / changed-since tests, independent of the real analyzers.

`perf/debug-phi-call`: `System.debug(X.m(...))` where `X.m` is a method that, according to a project-wide
prepare() step, returns a PHI field. So a file's findings depend on *another* file's content through the
project facts, which is exactly what the cache must get right.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from phi_lint.context import FileContext
from phi_lint.findings import Hit, Span
from phi_lint.rules import Registry, RuleMeta, parse_rule

FACTS_KEY = "perftest"
_METHOD = re.compile(r"static\s+\w+\s+(\w+)\s*\([^)]*\)\s*\{([^}]*)\}")
_CLASS = re.compile(r"class\s+(\w+)")
_DEBUG_CALL = re.compile(r"System\.debug\(\s*(\w+)\.(\w+)\(")
_DEBUG_FIELD = re.compile(r"System\.debug\([^;]*\.(\w+__c)\b")


def prepare(project: Any, files: Sequence[Path]) -> None:
    """Method summaries: which static methods return a PHI field (per the project's PHI model)."""
    returns_phi: set[str] = set()
    for path in files:
        if path.suffix != ".cls":
            continue
        text = path.read_text(encoding="utf-8")
        cls = _CLASS.search(text)
        for name, body in _METHOD.findall(text):
            for fld in re.findall(r"return\s+\w+\.(\w+__c)\b", body):
                if project.phi.field_reason("Patient__c", fld):
                    returns_phi.add(f"{cls.group(1) if cls else ''}.{name}".lower())
    project.facts[FACTS_KEY] = {"returns_phi": returns_phi}


def _span(ctx: FileContext, offset: int, length: int) -> Span:
    return ctx.span_at_offset(offset, offset + length)


def debug_phi_call(ctx: FileContext) -> Iterator[Hit]:
    returns_phi = ctx.project.facts.get(FACTS_KEY, {}).get("returns_phi", set())
    for match in _DEBUG_CALL.finditer(ctx.text):
        name = f"{match.group(1)}.{match.group(2)}"
        if name.lower() in returns_phi:
            start = len(ctx.text[: match.start()].encode("utf-8"))
            yield Hit(_span(ctx, start, len(match.group(0))), match.group(0), {"method": name})


def debug_phi_field(ctx: FileContext) -> Iterator[Hit]:
    """Direct `System.debug(p.SSN__c)`: depends on the PHI model only (and on an option)."""
    for match in _DEBUG_FIELD.finditer(ctx.text):
        fld = match.group(1)
        if fld in ctx.options.get("allow", []):
            continue
        if ctx.phi.field_reason("Patient__c", fld):
            start = len(ctx.text[: match.start()].encode("utf-8"))
            yield Hit(_span(ctx, start, len(match.group(0))), match.group(0), {"field": fld})


def _rule(name: str, function: str, message: str, options: dict[str, Any] | None = None) -> RuleMeta:
    return parse_rule(
        {
            "id": f"perf/{name}",
            "name": name,
            "severity": "error",
            "security_severity": "7.0",
            "category": "security",
            "message": message,
            "languages": ["apex"],
            "check": f"tests.perf.perf_rules:{function}",
            "docs": {"what": "test rule", "why": "test", "example": "x", "use_instead": "y"},
            "options": options or {},
        },
        "tests/perf/perf_rules.py",
    )


def registry() -> Registry:
    return Registry(
        [
            _rule("debug-phi-call", "debug_phi_call", "PHI returned by {method} is logged"),
            _rule("debug-phi-field", "debug_phi_field", "PHI field {field} is logged", {"allow": []}),
        ]
    )


_IMPORTED_IN = __import__("os").getpid()


def crash_worker(ctx: FileContext) -> Iterator[Hit]:
    """Kills a forked worker process on a marked file (never the process that imported this module),
    like a segfault in a native parser would."""
    import os

    if "CRASH_WORKER" in ctx.text and os.getpid() != _IMPORTED_IN:
        os._exit(70)
    return iter(())


def crash_registry() -> Registry:
    return Registry([*registry(), _rule("crash-worker", "crash_worker", "never reported")])
