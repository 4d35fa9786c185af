"""The small harness the Apex data-flow tests share: a copy of the fixture project (Patient__c with
HIPAA fields) plus the test's own classes, prepared as a run would prepare it."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from phi_lint.analyzers import apex
from phi_lint.analyzers.apex import flow_rules
from phi_lint.config import load_config_file
from phi_lint.context import FileContext
from phi_lint.findings import Hit
from phi_lint.fixture_harness import fixtures_dir
from phi_lint.project import Project, open_project
from phi_lint.rules import default_registry

CLASSES = "force-app/main/default/classes"


@dataclass
class Flow:
    project: Project
    root: Path

    def context(self, rel: str) -> FileContext:
        path = self.root / rel
        text = path.read_text(encoding="utf-8")
        return FileContext(self.project, path, rel, "apex", text.encode("utf-8"), text)

    def hits(self, rel: str, check: str = "phi_in_log") -> list[Hit]:
        return list(getattr(flow_rules, check)(self.context(rel)))

    def lines(self, rel: str, check: str = "phi_in_log") -> list[int]:
        return sorted(h.span.start_line for h in self.hits(rel, check))


def analyse(tmp_path: Path, files: dict[str, str], config: str | None = None) -> Flow:
    """A copy of the fixture project (Patient__c with HIPAA fields) plus `files`, prepared as a run would."""
    root = tmp_path / "project"
    shutil.copytree(fixtures_dir() / "_project", root)
    if config is not None:
        (root / "phi-lint.toml").write_text(config, encoding="utf-8")
    paths = []
    for rel, code in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(code, encoding="utf-8")
        paths.append(path)
    project = open_project(root, load_config_file(root / "phi-lint.toml", default_registry()))
    apex.prepare(project, paths)
    return Flow(project, root)
