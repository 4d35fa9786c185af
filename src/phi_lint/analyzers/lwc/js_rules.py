"""lwc/phi-in-browser-storage, lwc/phi-in-url, lwc/phi-in-analytics: PHI reaching a client-side sink.

All three read the same memoized data flow of the file (`jsflow.flow`) and pick their sink category.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING

from phi_lint.context import FileContext
from phi_lint.findings import Hit, Location, Span, props

if TYPE_CHECKING:
    from phi_lint.analyzers.lwc import jsflow


def _hits(ctx: FileContext, events: Iterable[jsflow.SinkEvent]) -> Iterator[Hit]:
    for event in events:
        related: tuple[Location, ...] = ()
        line, column = event.origin
        if line:
            related = (
                Location(ctx.rel_path, line, column, snippet=ctx.snippet(line), message="PHI read here"),
            )
        yield Hit(
            span=Span(event.line, event.column, event.end_line, event.end_column),
            matched_text=event.matched_text,
            args={"phi": event.phi, "sink": event.sink},
            related=related,
            properties=props(phi=event.phi, sink=event.sink),
        )


def phi_in_browser_storage(ctx: FileContext) -> Iterator[Hit]:
    from phi_lint.analyzers.lwc import jsflow

    yield from _hits(ctx, jsflow.flow(ctx).of(jsflow.STORAGE))


def phi_in_analytics(ctx: FileContext) -> Iterator[Hit]:
    from phi_lint.analyzers.lwc import jsflow

    result = jsflow.flow(ctx)
    patterns = tuple(str(p) for p in ctx.options.get("analytics_calls", jsflow.DEFAULT_ANALYTICS_CALLS))
    # `[sinks] analytics = [...]` in phi-lint.toml adds the project's own telemetry wrappers.
    patterns += tuple(ctx.project.config.sinks.get("analytics", ()))
    events = [
        e
        for e in result.events
        if e.category == jsflow.ANALYTICS
        or (e.category == jsflow.CALL and jsflow.matches_any(e.sink, patterns))
    ]
    if not ctx.options.get("console", True):
        events = [e for e in events if not e.sink.startswith("console.")]
    yield from _hits(ctx, sorted(events, key=lambda e: (e.line, e.column)))


def phi_in_url(ctx: FileContext) -> Iterator[Hit]:
    """JavaScript here; Apex (`PageReference` parameters) is the Apex data-flow engine's job and is
    delegated to it, so one rule id covers PHI in URLs wherever they are built."""
    if ctx.kind == "apex":
        apex_check = _apex_delegate()
        if apex_check is not None:
            yield from apex_check(ctx)
        return
    # Imported here: checking an Apex class must not load the JavaScript data flow.
    from phi_lint.analyzers.lwc import jsflow

    yield from _hits(ctx, jsflow.flow(ctx).of(jsflow.URL))


def _apex_delegate() -> Callable[[FileContext], Iterable[Hit]] | None:
    try:
        module = importlib.import_module("phi_lint.analyzers.apex.flow_rules")
    except ImportError:
        return None
    check = getattr(module, "phi_in_url_apex", None)
    return check if callable(check) else None
