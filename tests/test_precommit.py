"""The pre-commit hook, end to end: `pre-commit try-repo` installs phi-lint from this checkout into its
own environment and runs it on the staged files of a temporary sfdx repository."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from phi_lint.project import METADATA_SUFFIXES, file_kind

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


def test_server_hook_starts_a_server_the_check_hook_uses(tmp_path: Path) -> None:
    """`phi-lint-server` (manual stage) starts the warm server from the environment the repository's
    hooks share, so the `phi-lint` hook's check is served by it (the server's log counts the request).
    `try-repo` builds a new environment per call, so this uses a configuration naming a snapshot of
    this checkout (as try-repo's shadow repository does)."""
    if shutil.which("pre-commit") is None:
        pytest.fail("pre-commit is a dev dependency: pip install -e '.[dev]'")
    snapshot = tmp_path / "phi-lint"
    snapshot.mkdir()
    # What the package is built from (not tests/, whose sweep pages weigh 170 MB).
    for name in ("pyproject.toml", "README.md", ".pre-commit-hooks.yaml"):
        shutil.copy2(REPO / name, snapshot / name)
    skipped = shutil.ignore_patterns("__pycache__", "*.egg-info")
    for name in ("src", "rules", "grammars"):
        shutil.copytree(REPO / name, snapshot / name, ignore=skipped)
    _git(snapshot, "init", "-q")
    _git(snapshot, "add", ".")
    _git(snapshot, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "snapshot")
    rev = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=snapshot, capture_output=True, text=True, check=True
    ).stdout.strip()
    repo = tmp_path / "sfdx"
    cls = repo / "force-app/main/default/classes/Visit.cls"
    cls.parent.mkdir(parents=True)
    (repo / "sfdx-project.json").write_text(
        '{"packageDirectories": [{"path": "force-app", "default": true}]}'
    )
    (repo / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {snapshot}\n    rev: {rev}\n"
        "    hooks:\n      - id: phi-lint\n      - id: phi-lint-server\n"
    )
    cls.write_text(BAD)
    _git(repo, "init", "-q")
    _git(repo, "add", ".")
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "home"), "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    env.pop("PHI_LINT_NO_SERVER", None)
    env.pop("PYTHONPATH", None)
    try:
        started = subprocess.run(
            ["pre-commit", "run", "--hook-stage", "manual", "phi-lint-server"],
            cwd=repo,
            env=env,
            capture_output=True,
            text=True,
            timeout=900,
        )
        assert started.returncode == 0, started.stdout + started.stderr
        proc = subprocess.run(
            ["pre-commit", "run", "phi-lint"], cwd=repo, env=env, capture_output=True, text=True, timeout=900
        )
        output = proc.stdout + proc.stderr
        assert proc.returncode == 1, output
        assert "force-app/main/default/classes/Visit.cls:2:" in output
        log = (repo / ".phi-lint-cache" / "server.log").read_text()
        assert "request 1:" in log, log
    finally:
        from phi_lint import server

        server.stop(str(repo / ".phi-lint-cache"))


def test_hook_files_pattern_passes_what_phi_lint_reads() -> None:
    """pre-commit passes only the staged files its `files`/`exclude` patterns match: they must be the
    files phi-lint reads (a file it reads but the hook never passes is never checked at commit)."""
    import yaml

    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())
    hook = next(h for h in hooks if h["id"] == "phi-lint")
    files, exclude = re.compile(hook["files"]), re.compile(hook["exclude"])
    default = "force-app/main/default"
    samples = [
        f"{default}/classes/A.cls",
        f"{default}/triggers/T.trigger",
        f"{default}/lwc/card/card.js",
        f"{default}/lwc/card/card.html",
        f"{default}/lwc/card/__tests__/card.test.js",
        f"{default}/aura/Box/Box.cmp",
        f"{default}/aura/Box/BoxController.js",
        f"{default}/digitalExperiences/site/Clinic1/sfdc_cms__lwc/visitCard/visitCard.js",
        f"{default}/digitalExperiences/site/Clinic1/sfdc_cms__lwc/visitCard/visitCard.html",
        f"{default}/digitalExperiences/site/Clinic1/sfdc_cms__view/home/content.json",
        f"{default}/email/Clinic_Notices/Visit_Summary.email",
        f"{default}/email/unfiled$public/Reminder.email",
        f"{default}/staticresources/notes.email",
        f"{default}/staticresources/jquery.js",
        f"{default}/classes/A.cls-meta.xml",
        f"{default}/lwc/card/card.js-meta.xml",
        "docs/index.html",
        "README.md",
    ]
    samples += [f"{default}/objects/P__c/fields/Thing{suffix}" for suffix in METADATA_SUFFIXES]
    for path in samples:
        passed = bool(files.search(path)) and not exclude.search(path)
        assert passed == (file_kind(Path(path)) is not None), path
