"""Checks of the apex/phi-in-* and apex/weak-crypto rules, and the Apex half of lwc/phi-in-url.

Each check reads the file's data-flow facts (computed once per file by `dataflow.file_flow` and shared
through ctx.memo) and turns the sink events of its kind into Hits. A finding needs PHI origins: an
event whose value only comes from the enclosing method's parameters is inside a wrapper, and the
wrapper's callers are where it is reported.
"""

from __future__ import annotations

from collections.abc import Iterator

from phi_lint.analyzers.apex import dataflow
from phi_lint.analyzers.apex.dataflow import FlowEvent, Origin
from phi_lint.context import FileContext
from phi_lint.findings import Hit, props

# Related locations per finding: enough to show every PHI source of a realistic flow without turning
# one finding into a wall of locations.
MAX_RELATED = 10


def _sorted_origins(origins: frozenset[Origin]) -> list[Origin]:
    return sorted(origins, key=lambda o: (o.path, o.line, o.column, o.label))


def _fields(origins: list[Origin]) -> str:
    names: list[str] = []
    for origin in origins:
        for name in origin.fields:
            if name not in names:
                names.append(name)
    return ", ".join(names)


def _labels(origins: list[Origin]) -> str:
    labels = list(dict.fromkeys(o.label for o in origins))
    if len(labels) > 3:
        return ", ".join(labels[:3]) + f" and {len(labels) - 3} more"
    return ", ".join(labels)


def flow_hit(event: FlowEvent, **extra: str) -> Hit:
    """The Hit for a PHI flow: at the sink call, naming PHI field(s) and sink, never a value."""
    origins = _sorted_origins(event.origins)
    args = {"phi": _labels(origins), "sink": event.sink, **extra}
    return Hit(
        span=event.span,
        matched_text=event.matched_text,
        args=args,
        related=tuple(o.location() for o in origins[:MAX_RELATED]),
        properties=props(
            phi=_fields(origins), sink=event.sink, evidence=",".join(sorted({o.evidence for o in origins}))
        ),
    )


def _flows(ctx: FileContext, kind: str) -> Iterator[Hit]:
    for event in dataflow.file_flow(ctx).of_kind(kind):
        if event.origins:
            yield flow_hit(event)


def phi_in_log(ctx: FileContext) -> Iterator[Hit]:
    """apex/phi-in-log: PHI reaches System.debug, Nebula Logger, a configured logger or a wrapper."""
    yield from _flows(ctx, dataflow.LOG)


def phi_in_email(ctx: FileContext) -> Iterator[Hit]:
    """apex/phi-in-email: PHI reaches an outbound email's subject, body or attachment."""
    yield from _flows(ctx, dataflow.EMAIL)


def phi_in_callout(ctx: FileContext) -> Iterator[Hit]:
    """apex/phi-in-callout: PHI reaches an HttpRequest whose endpoint is not a Named Credential."""
    yield from _flows(ctx, dataflow.CALLOUT)


def phi_in_url_apex(ctx: FileContext) -> Iterator[Hit]:
    """For lwc/phi-in-url on Apex files: PHI put into a PageReference's URL, by
    `getParameters().put(k, v)` or `new PageReference(url + phi)`. Hit.args: `phi` (field labels),
    `sink` (which of the two)."""
    yield from _flows(ctx, dataflow.URL)


CRYPTO_PROBLEMS = {
    dataflow.HARDCODED_KEY: "{sink} uses a hard-coded {detail} (a string literal in the source)",
    dataflow.HARDCODED_IV: "{sink} uses a hard-coded {detail}; every message shares it",
    dataflow.STATIC_IV: "{sink} uses a static {detail} (a class constant or setting) instead of a random one",
}


def weak_crypto(ctx: FileContext) -> Iterator[Hit]:
    """apex/weak-crypto: hard-coded keys and IVs, static IVs, MD5/SHA1 digests and HMACs over PHI."""
    for event in dataflow.file_flow(ctx).events:
        if event.kind == dataflow.WEAK_DIGEST:
            if event.origins:
                origins = _sorted_origins(event.origins)
                hit = flow_hit(event)
                yield Hit(
                    hit.span,
                    hit.matched_text,
                    {"problem": f"{event.sink} hashes PHI ({_labels(origins)}) with a broken algorithm"},
                    hit.related,
                    None,
                    hit.properties,
                )
        elif event.kind in CRYPTO_PROBLEMS:
            problem = CRYPTO_PROBLEMS[event.kind].format(sink=event.sink, detail=event.detail)
            yield Hit(
                event.span,
                event.matched_text,
                {"problem": problem},
                properties=props(problem=event.kind, sink=event.sink),
            )
