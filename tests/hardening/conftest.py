"""Shared helpers for the hardening tests: run the real check (engine and CLI) on generated projects,
with every registered static rule enabled, optionally plus small test-only rules (a rule that crashes,
a rule that reports every line) registered through a throw-away module."""

from __future__ import annotations

import json
import sys
import types
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from phi_lint.config import Config
from phi_lint.engine import CheckRequest, run_check
from phi_lint.findings import Hit, RunResult, Severity, Span
from phi_lint.project import open_project
from phi_lint.rules import Registry, RuleMeta, default_registry

FORMATS = ("text", "json", "sarif", "github", "markdown")
TEST_RULES_MODULE = "phi_lint_hardening_rules"

# A line that core/invalid-suppression always reports (a directive naming no rule): proof that a file
# was analysed and that findings survive whatever else happens in the run.
MARKER_LINE = "// phi-lint: ignore[] no rule named"


def _every_line(ctx: Any) -> Iterator[Hit]:
    """Test rule: one finding per non-blank line (so every line's snippet reaches the reports)."""
    for number, line in enumerate(ctx.text.split("\n"), start=1):
        if line.strip():
            yield Hit(Span(number, 1, number, len(line) + 1), line.strip())


def _crash(ctx: Any) -> Iterator[Hit]:
    """Test rule: reports one finding on line 1, then raises on files whose name contains 'Crash'."""
    yield Hit(Span(1, 1, 1, 2), "first")
    if "Crash" in ctx.rel_path:
        raise RuntimeError("deliberate failure in a test rule")


def _secret_rule(ctx: Any) -> Iterator[Hit]:
    """Test rule tagged "secret", like apex/hardcoded-secret: names the literal to mask in Hit.redact."""
    import re

    for number, line in enumerate(ctx.text.split("\n"), start=1):
        for match in re.finditer(r"'([^']{6,})'", line):
            yield Hit(
                Span(number, match.start() + 1, number, match.end() + 1),
                "hard-coded secret",
                redact=(match.group(1),),
            )


def _test_rule(rule_id: str, function: str, tags: tuple[str, ...] = ()) -> RuleMeta:
    family, _, name = rule_id.partition("/")
    return RuleMeta(
        id=rule_id,
        name=name,
        family=family,
        severity=Severity.WARNING,
        security_severity="5.0",
        category="test",
        message="test rule " + name,
        languages=("apex", "js", "template", "aura", "xml"),
        check=f"{TEST_RULES_MODULE}:{function}",
        tags=tags,
        docs={"what": "test", "why": "test", "example": "x", "use_instead": "y"},
    )


TEST_RULES = {
    "test/every-line": _test_rule("test/every-line", "every_line"),
    "test/crash": _test_rule("test/crash", "crash"),
    "test/secret": _test_rule("test/secret", "secret_rule", ("secret",)),
}


def _install_test_module() -> None:
    module = types.ModuleType(TEST_RULES_MODULE)
    module.every_line = _every_line  # type: ignore[attr-defined]
    module.crash = _crash  # type: ignore[attr-defined]
    module.secret_rule = _secret_rule  # type: ignore[attr-defined]
    sys.modules[TEST_RULES_MODULE] = module


_install_test_module()


def registry_with(*extra: str) -> Registry:
    """Every real rule plus the named test rules."""
    return Registry([*default_registry(), *(TEST_RULES[r] for r in extra)])


@dataclass
class Checker:
    """Runs the check on a project root, through the engine or the CLI."""

    monkeypatch: pytest.MonkeyPatch
    capsys: pytest.CaptureFixture[str]

    def engine(
        self,
        root: Path,
        paths: Sequence[Path] | None = None,
        extra_rules: Sequence[str] = (),
        jobs: int = 1,
        config: Config | None = None,
    ) -> RunResult:
        registry = registry_with(*extra_rules)
        # Every rule, preview ones included (they run only when named).
        config = config or Config(extend_select=tuple(r.id for r in registry))
        project = open_project(root, config)
        request = CheckRequest(paths=list(paths or [root]), project=project, registry=registry)
        request.jobs = jobs
        return run_check(request)

    def cli(self, *args: str, extra_rules: Sequence[str] = ()) -> tuple[int, str, str]:
        from phi_lint import cli, rules

        registry = registry_with(*extra_rules)
        self.monkeypatch.setattr(rules, "default_registry", lambda: registry)
        self.capsys.readouterr()
        code = cli.main(list(args))
        out, err = self.capsys.readouterr()
        return code, out, err

    def all_formats(
        self, root: Path, tmp: Path, *args: str, extra_rules: Sequence[str] = ()
    ) -> dict[str, tuple[int, str]]:
        """Exit code and report text of `phi-lint check` in every output format."""
        reports: dict[str, tuple[int, str]] = {}
        for fmt in FORMATS:
            out = tmp / f"report.{fmt}"
            code, stdout, stderr = self.cli(
                "check",
                str(root),
                "--no-cache",
                "--format",
                fmt,
                "-o",
                str(out),
                *args,
                extra_rules=extra_rules,
            )
            reports[fmt] = (code, out.read_text(encoding="utf-8") + stdout + stderr)
        return reports


@pytest.fixture
def checker(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Checker:
    monkeypatch.setenv("PHI_LINT_CACHE_KEY", "hardening-tests")
    return Checker(monkeypatch, capsys)


def notes_for(result: RunResult, path_part: str) -> list[str]:
    """'kind: message' of the notifications naming a file."""
    return [f"{n.kind.value}: {n.message}" for n in result.notifications if n.path and path_part in n.path]


def finding_lines(result: RunResult, rule_id: str, path_part: str = "") -> list[int]:
    return sorted(
        f.location.start_line
        for f in result.findings
        if f.rule_id == rule_id and path_part in f.location.path
    )


def sarif_of(text: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(text)
    return data


MakeFiles = Callable[..., Path]
