"""Run the whole static check on a few files inside a copy of the fixture project."""

from __future__ import annotations

import shutil
from pathlib import Path

from phi_lint.config import load_config_file
from phi_lint.engine import CheckRequest, run_check
from phi_lint.findings import RunResult
from phi_lint.project import open_project
from phi_lint.rules import default_registry

REPO = Path(__file__).resolve().parents[2]
FIXTURE_PROJECT = REPO / "fixtures" / "_project"


def check_files(tmp_path: Path, files: dict[str, str | bytes], config: str | None = None) -> RunResult:
    """Copy fixtures/_project to tmp_path, add `files` (paths relative to the project root), run all rules."""
    root = tmp_path / "project"
    shutil.copytree(FIXTURE_PROJECT, root, dirs_exist_ok=True)
    for rel, content in files.items():
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(content, encoding="utf-8")
    if config is not None:
        (root / "phi-lint.toml").write_text(config, encoding="utf-8")
    registry = default_registry()
    project = open_project(root, load_config_file(root / "phi-lint.toml", registry))
    return run_check(CheckRequest(paths=[root], project=project, registry=registry))
