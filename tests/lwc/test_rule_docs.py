"""The doc examples of the lwc/* and meta/* rules are tests: `example` triggers exactly its rule,
`use_instead` triggers nothing (all rules run, as a user would run them)."""

from __future__ import annotations

from pathlib import Path

import pytest

from phi_lint.analyzers.lwc import jsflow
from phi_lint.rules import RuleMeta, default_registry
from tests.lwc.helpers import check_files

RULES = [r for r in default_registry() if r.family in ("lwc", "meta")]


def _findings(tmp_path: Path, rule: RuleMeta, text: str) -> set[str]:
    result = check_files(tmp_path, {rule.example_path: text})
    assert not [n for n in result.notifications if n.path == rule.example_path], result.notifications
    return {
        f.rule_id for f in result.findings if f.location.path == rule.example_path and not f.is_suppressed
    }


@pytest.mark.parametrize("rule", RULES, ids=[r.id for r in RULES])
def test_example_triggers_exactly_its_rule(tmp_path: Path, rule: RuleMeta) -> None:
    assert rule.example_path, "lwc/meta rules need example_path"
    assert _findings(tmp_path, rule, rule.docs["example"]) == {rule.id}


@pytest.mark.parametrize("rule", RULES, ids=[r.id for r in RULES])
def test_use_instead_triggers_nothing(tmp_path: Path, rule: RuleMeta) -> None:
    assert _findings(tmp_path, rule, rule.docs["use_instead"]) == set()


def test_analytics_default_option_matches_the_flow_default() -> None:
    rule = default_registry().get("lwc/phi-in-analytics")
    assert tuple(rule.options["analytics_calls"]) == jsflow.DEFAULT_ANALYTICS_CALLS
