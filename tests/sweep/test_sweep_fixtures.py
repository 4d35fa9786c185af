"""Every page under fixtures/sweep, swept with phi-lint's own rules (a11y/*) in Chromium.

Each `data-expect="rule[:severity]"` element must be reported exactly once with that rule (and
severity), and nothing else may be reported: the exact set is compared, never a count.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from phi_lint.sweep.config import PageSpec, SweepConfig
from phi_lint.sweep.runner import CHECKS_JS, BrowserSession, SweepOptions, SweepResult
from phi_lint.sweep.server import StaticServer
from phi_lint.sweep.tables import CUSTOM_RULES

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "sweep"

PAGES = sorted(p.name for p in FIXTURES.glob("*.html"))
MARKERS_JS = """
() => {
  const out = [];
  const walk = (root) => {
    for (const el of Array.from(root.children || [])) {
      if (el.hasAttribute("data-expect")) {
        const chain = el.localName === "title" ? ["title"] : el.localName === "html" ? ["html"]
          : window.__phiLintSweep.selectorChain(el);
        out.push([chain.join(" >>> "), el.getAttribute("data-expect")]);
      }
      if (el.shadowRoot) walk(el.shadowRoot);
      walk(el);
    }
  };
  walk(document);
  return out;
}
"""


def page_url(name: str) -> str:
    text = (FIXTURES / name).read_text(encoding="utf-8")
    query = re.search(r"fixture-query:\s*(\S+)", text)
    return "/" + name + (query.group(1) if query else "")


async def _markers(browser: Any, server: StaticServer) -> dict[str, set[tuple[str, str, str]]]:
    context = await browser.new_context(viewport={"width": 1280, "height": 800})
    await context.add_init_script(CHECKS_JS)
    out: dict[str, set[tuple[str, str, str]]] = {}
    try:
        page = await context.new_page()
        for name in PAGES:
            await page.goto(server.url(page_url(name)))
            expected: set[tuple[str, str, str]] = set()
            for selector, spec in await page.evaluate(MARKERS_JS):
                for item in spec.split():
                    rule, _, severity = item.partition(":")
                    assert rule in CUSTOM_RULES, f"{name}: unknown rule in data-expect: {rule}"
                    expected.add((rule, severity, selector))
            out[name] = expected
    finally:
        await context.close()
    return out


@pytest.fixture(scope="module")
def swept(
    browser_session: BrowserSession, fixture_server: StaticServer
) -> tuple[SweepResult, dict[str, Any]]:
    config = SweepConfig(
        pages=tuple(PageSpec(url=page_url(n), name=n) for n in PAGES),
        base_url=fixture_server.base_url,
        select=("a11y",),
        timeout=10,
        tab_stops=30,
    )
    result = browser_session.sweep(config, SweepOptions(workers=2))
    markers = browser_session.run(_markers(browser_session.browser, fixture_server))
    return result, markers


def test_every_custom_rule_has_failing_and_passing_fixtures() -> None:
    text = {n: (FIXTURES / n).read_text(encoding="utf-8") for n in PAGES}
    for rule in CUSTOM_RULES:
        assert any(f'data-expect="{rule}' in t or f" {rule}:" in t for t in text.values()), (
            f"no failing case: {rule}"
        )
        short = rule.split("/")[1]
        passing = any(f'data-ok="{rule}"' in t for t in text.values()) or f"{short}.ok.html" in text
        assert passing, f"no passing case: {rule}"


@pytest.mark.parametrize("name", PAGES)
def test_fixture_page(name: str, swept: tuple[SweepResult, dict[str, Any]]) -> None:
    result, markers = swept
    assert not [n.message for n in result.run.notifications if name in n.message], "page could not be scanned"
    actual = {
        (f.rule_id, f.severity.value, f.property("selector"))
        for f in result.run.findings
        if f.property("page_name") == name
    }
    expected = markers[name]
    # A marker without severity matches any severity.
    loose = {(r, s, sel) for (r, s, sel) in actual if (r, "", sel) in expected}
    missing = {
        m
        for m in expected
        if m not in actual and not (m[1] == "" and any(a[0] == m[0] and a[2] == m[2] for a in actual))
    }
    unexpected = {a for a in actual - loose if a not in expected}
    assert not missing and not unexpected, f"missing: {sorted(missing)}\nunexpected: {sorted(unexpected)}"
    # Exactly once per element and rule.
    pairs = [
        (f.rule_id, f.property("selector")) for f in result.run.findings if f.property("page_name") == name
    ]
    assert len(pairs) == len(set(pairs))
