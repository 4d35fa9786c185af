"""Doc examples of the a11y/* rules are tests: `example` triggers exactly its rule (among phi-lint's own
page checks), `use_instead` triggers none, both in Chromium."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from phi_lint.rules import default_registry
from phi_lint.sweep.config import PageSpec, SweepConfig
from phi_lint.sweep.runner import BrowserSession, SweepOptions, SweepResult
from phi_lint.sweep.server import StaticServer
from phi_lint.sweep.tables import CUSTOM_RULES

RULES = [default_registry().get(r) for r in CUSTOM_RULES]


def as_page(snippet: str) -> tuple[str, str]:
    """(html, query) for a doc snippet: wrapped in a document; `<!-- loaded as /x?q -->` sets the query."""
    loaded = re.search(r"loaded as \S*?(\?[^\s,]+)", snippet)
    head = "" if "<title" in snippet else "<title>Example</title>"
    html = (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8">{head}</head>'
        f"<body>{snippet}</body></html>"
    )
    return html, loaded.group(1) if loaded else ""


@pytest.fixture(scope="module")
def swept(browser_session: BrowserSession, tmp_path_factory: pytest.TempPathFactory) -> SweepResult:
    root = tmp_path_factory.mktemp("docs")
    pages = []
    for rule in RULES:
        for kind in ("example", "use_instead"):
            html, query = as_page(rule.docs[kind])
            name = f"{rule.name}.{kind}.html"
            (root / name).write_text(html, encoding="utf-8")
            pages.append(PageSpec(url=f"/{name}{query}", name=name))
    with StaticServer(Path(root)) as server:
        config = SweepConfig(
            pages=tuple(pages), base_url=server.base_url, select=("a11y",), timeout=10, tab_stops=10
        )
        return browser_session.sweep(config, SweepOptions(workers=2))


def _found(result: SweepResult, name: str) -> set[str]:
    assert not [n for n in result.run.notifications if name in n.message]
    return {f.rule_id for f in result.run.findings if f.property("page_name") == name}


@pytest.mark.parametrize("rule", RULES, ids=[r.id for r in RULES])
def test_example_triggers_exactly_the_rule(rule, swept: SweepResult) -> None:  # type: ignore[no-untyped-def]
    assert _found(swept, f"{rule.name}.example.html") == {rule.id}


@pytest.mark.parametrize("rule", RULES, ids=[r.id for r in RULES])
def test_use_instead_triggers_nothing(rule, swept: SweepResult) -> None:  # type: ignore[no-untyped-def]
    assert _found(swept, f"{rule.name}.use_instead.html") == set()
