"""Docs are generated from rules/*.toml and must be fresh; every doc example is a test."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from phi_lint.config import load_config_file
from phi_lint.docs_gen import expected_docs
from phi_lint.engine import analyze_file, load_checks, prepare_analyzers
from phi_lint.fixture_harness import fixtures_dir
from phi_lint.project import open_project
from phi_lint.rules import RuleMeta, default_registry

REPO = Path(__file__).resolve().parents[1]
REGISTRY = default_registry()
STATIC = REGISTRY.static_rules()


def test_rule_docs_are_fresh() -> None:
    stale = []
    for rel, content in expected_docs(REGISTRY).items():
        path = REPO / "docs" / "rules" / rel
        if not path.is_file() or path.read_text(encoding="utf-8") != content:
            stale.append(rel)
    generated = {
        p.relative_to(REPO / "docs" / "rules").as_posix() for p in (REPO / "docs" / "rules").rglob("*.md")
    }
    orphans = sorted(generated - set(expected_docs(REGISTRY)))
    assert not stale and not orphans, (
        f"stale: {stale}, orphans: {orphans}; run `phi-lint rules --write-docs docs/rules`"
    )


def _analyze(tmp_path: Path, rule_path: str, code: str, rules: list[RuleMeta]) -> list[str]:
    root = tmp_path / "project"
    shutil.rmtree(root, ignore_errors=True)
    shutil.copytree(fixtures_dir() / "_project", root)
    target = root / rule_path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(code.strip("\n") + "\n", encoding="utf-8")
    project = open_project(root, load_config_file(root / "phi-lint.toml", REGISTRY))
    prepare_analyzers(project, [target], rules)
    result = analyze_file(project, target, rules, load_checks(rules))
    assert not result.notifications, [n.message for n in result.notifications]
    return [f.rule_id for f in result.findings if not f.is_suppressed]


@pytest.mark.parametrize("rule", STATIC, ids=[r.id for r in STATIC])
def test_doc_example_triggers_the_rule(rule: RuleMeta, tmp_path: Path) -> None:
    assert rule.example_path, f"{rule.source_file}: set example_path"
    rules = [rule] if rule.check != "engine" else [r for r in STATIC if r.check != "engine"] + [rule]
    found = _analyze(tmp_path, rule.example_path, rule.docs["example"], rules)
    assert rule.id in found


@pytest.mark.parametrize("rule", STATIC, ids=[r.id for r in STATIC])
def test_doc_use_instead_triggers_nothing(rule: RuleMeta, tmp_path: Path) -> None:
    found = _analyze(tmp_path, rule.example_path, rule.docs["use_instead"], STATIC)
    assert found == []
