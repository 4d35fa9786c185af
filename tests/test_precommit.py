"""The pre-commit hook, end to end: `pre-commit try-repo` installs phi-lint from this checkout into its
own environment and runs it on the staged files of a temporary sfdx repository."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
BAD = "public with sharing class Visit {\n    Integer x = 1; // phi-lint: ignore[]\n}\n"
GOOD = "public with sharing class Visit {\n    Integer x = 1;\n}\n"


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


@pytest.fixture(scope="module")
def precommit_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # One pre-commit cache for both runs: the hook environment is built once.
    return tmp_path_factory.mktemp("pre-commit-home")


@pytest.mark.parametrize(("source", "expected_rc"), [(BAD, 1), (GOOD, 0)], ids=["violation", "clean"])
def test_hook_on_a_temporary_sfdx_repo(
    tmp_path: Path, precommit_home: Path, source: str, expected_rc: int
) -> None:
    if shutil.which("pre-commit") is None:
        pytest.fail("pre-commit is a dev dependency: pip install -e '.[dev]'")
    repo = tmp_path / "sfdx"
    cls = repo / "force-app/main/default/classes/Visit.cls"
    cls.parent.mkdir(parents=True)
    (repo / "sfdx-project.json").write_text(
        '{"packageDirectories": [{"path": "force-app", "default": true}]}'
    )
    cls.write_text(source)
    (repo / "README.md").write_text("not analysed\n")
    _git(repo, "init", "-q")
    _git(repo, "add", ".")
    env = {**os.environ, "PRE_COMMIT_HOME": str(precommit_home), "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    proc = subprocess.run(
        ["pre-commit", "try-repo", str(REPO), "phi-lint", "--verbose"],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    output = proc.stdout + proc.stderr
    assert proc.returncode == expected_rc, output
    if expected_rc:
        assert "force-app/main/default/classes/Visit.cls:2:" in output
        assert "core/invalid-suppression" in output
    assert "README.md" not in output.split("phi-lint (PHI leaks")[-1]  # only matching files were passed
