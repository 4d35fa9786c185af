"""Every static rule against its fixture file(s), line by line (see phi_lint.fixture_harness)."""

from __future__ import annotations

import pytest

from phi_lint.fixture_harness import fixture_files, run_fixture
from phi_lint.rules import default_registry

REGISTRY = default_registry()
CASES = [
    pytest.param(rule, fixture, id=f"{rule.id}:{fixture.name}")
    for rule in REGISTRY.static_rules()
    for fixture in fixture_files(rule)
]


def test_every_static_rule_has_a_fixture() -> None:
    missing = [r.id for r in REGISTRY.static_rules() if not fixture_files(r)]
    assert missing == []


@pytest.mark.parametrize(("rule", "fixture"), CASES)
def test_fixture(rule, fixture) -> None:  # type: ignore[no-untyped-def]
    outcome = run_fixture(fixture, rule, REGISTRY)
    assert outcome.passed, outcome.explain()


@pytest.mark.parametrize("rule", REGISTRY.static_rules(), ids=lambda r: r.id)
def test_fixture_negatives_outnumber_positives(rule) -> None:  # type: ignore[no-untyped-def]
    """Precision is the product: every rule's fixtures hold more tricky `ok:` lines than `expect:` lines."""
    from phi_lint.fixture_harness import read_expectations

    expect = ok = 0
    for fixture in fixture_files(rule):
        marks = read_expectations(fixture.read_text(encoding="utf-8"), rule, REGISTRY, fixture.name)
        expect += len(marks.expect)
        ok += len(marks.ok)
    assert ok > expect, f"{rule.id}: {ok} ok: lines vs {expect} expect: lines"
