"""The fixture harness must fail on broken fixtures, or it proves nothing."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from phi_lint.fixture_harness import FixtureError, fixtures_dir, run_fixture
from phi_lint.rules import default_registry

REGISTRY = default_registry()
RULE = REGISTRY.get("core/invalid-suppression")


@pytest.fixture
def base(tmp_path: Path) -> Path:
    shutil.copytree(fixtures_dir() / "_project", tmp_path / "_project")
    (tmp_path / "core").mkdir()
    return tmp_path


def _write(base: Path, text: str) -> Path:
    path = base / "core" / "invalid-suppression.cls"
    path.write_text(text)
    return path


GOOD = """public with sharing class A {
    // expect: core/invalid-suppression
    Integer x = 1; // phi-lint: ignore[]
    Integer y = 2; // ok: core/invalid-suppression
}
"""


def test_good_fixture_passes(base: Path) -> None:
    assert run_fixture(_write(base, GOOD), RULE, REGISTRY, base).passed


def test_missed_line_fails(base: Path) -> None:
    outcome = run_fixture(
        _write(base, GOOD.replace("Integer y = 2; // ok:", "Integer y = 2; // expect:")), RULE, REGISTRY, base
    )
    assert not outcome.passed and outcome.missed == {4}
    assert "missed" in outcome.explain()


def test_unexpected_line_fails(base: Path) -> None:
    text = GOOD.replace("Integer y = 2;", "Integer y = 2; // phi-lint: ignore[]")
    outcome = run_fixture(_write(base, text), RULE, REGISTRY, base)
    assert not outcome.passed and outcome.unexpected == {4}


def test_fixed_todo_fails_strictly(base: Path) -> None:
    text = GOOD.replace("// expect: core/invalid-suppression", "// todo-expect: core/invalid-suppression")
    text = text.replace("Integer y = 2; // ok:", "Integer y = 2; // phi-lint: ignore[] expect:")
    outcome = run_fixture(_write(base, text), RULE, REGISTRY, base)
    assert outcome.fixed_todos == {3}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            GOOD.replace("expect: core/invalid-suppression", "expect: core/invalid-supression"),
            "unknown rule id",
        ),
        (
            GOOD.replace("expect: core/invalid-suppression", "exepct: core/invalid-suppression"),
            "misspelled marker",
        ),
        (
            GOOD.replace("expect: core/invalid-suppression", "ruleid: core/invalid-suppression"),
            "misspelled marker",
        ),
        (GOOD.replace("expect:", "ok:"), "has no `expect: core/invalid-suppression`"),
        (GOOD.replace("Integer y = 2;", "Integer y = ;"), "syntax error"),
        (GOOD + "// expect: core/invalid-suppression\n", "followed by no code line"),
    ],
)
def test_broken_fixtures_are_errors(base: Path, text: str, message: str) -> None:
    with pytest.raises(FixtureError, match=message):
        run_fixture(_write(base, text), RULE, REGISTRY, base)
