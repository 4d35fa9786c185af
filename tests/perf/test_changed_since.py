"""`--changed-since REF` and single-file checks equal a full run filtered to those files."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from phi_lint.gitdiff import GitError, changed_files
from tests.perf.conftest import WRAPPER, Run, comparable

CLASSES = "force-app/main/default/classes"


def git(root: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=root, check=True, capture_output=True, text=True).stdout


@pytest.fixture
def repo(project_root: Path) -> Path:
    git(project_root, "init", "-q", "-b", "main")
    git(project_root, "config", "user.email", "dev@example.com")
    git(project_root, "config", "user.name", "dev")
    git(project_root, "add", ".")
    git(project_root, "commit", "-q", "-m", "base")
    return project_root


def filtered(result: object, paths: set[str]) -> tuple[object, ...]:
    findings = tuple(f for f in result.findings if f.location.path in paths)  # type: ignore[attr-defined]
    return findings, tuple(n for n in result.notifications if n.path in paths)  # type: ignore[attr-defined]


def test_changed_files_use_merge_base_and_include_local_changes(repo: Path) -> None:
    classes = repo / CLASSES
    git(repo, "checkout", "-q", "-b", "feature")
    (classes / "Caller1.cls").write_text(
        (classes / "Caller1.cls").read_text() + "\n// committed on the branch\n"
    )
    git(repo, "commit", "-q", "-am", "branch change")
    git(repo, "checkout", "-q", "main")
    (classes / "Caller2.cls").write_text(
        (classes / "Caller2.cls").read_text() + "\n// landed on main later\n"
    )
    git(repo, "commit", "-q", "-am", "main moves on")
    git(repo, "checkout", "-q", "feature")
    (classes / "Caller3.cls").write_text((classes / "Caller3.cls").read_text() + "\n// staged\n")
    git(repo, "add", str(classes / "Caller3.cls"))
    (classes / "Caller4.cls").write_text((classes / "Caller4.cls").read_text() + "\n// unstaged\n")
    (classes / "Brand New.cls").write_text("public class BrandNew {}\n")
    (classes / "Caller5.cls").unlink()
    (repo / ".gitignore").write_text("ignored.cls\n")
    (classes / "ignored.cls").write_text("public class Ignored {}\n")
    names = sorted(p.relative_to(repo).as_posix() for p in changed_files(repo, "main"))
    assert names == [
        ".gitignore",
        f"{CLASSES}/Brand New.cls",
        f"{CLASSES}/Caller1.cls",
        f"{CLASSES}/Caller3.cls",
        f"{CLASSES}/Caller4.cls",
    ]


def test_changed_files_from_a_subdirectory_are_absolute(repo: Path) -> None:
    target = repo / CLASSES / "Caller1.cls"
    target.write_text(target.read_text() + "\n")
    assert changed_files(repo / CLASSES, "HEAD") == [target]


def test_unknown_ref_and_non_repository_are_clear_errors(repo: Path, tmp_path: Path) -> None:
    with pytest.raises(GitError, match="unknown git ref `no-such-branch`"):
        changed_files(repo, "no-such-branch")
    with pytest.raises(GitError, match="not a git ref"):
        changed_files(repo, "--output=/tmp/x")
    outside = tmp_path / "plain"
    outside.mkdir()
    with pytest.raises(GitError):
        changed_files(outside, "main")


def test_changed_since_equals_a_filtered_full_run(repo: Path, run: Run) -> None:
    git(repo, "checkout", "-q", "-b", "feature")
    classes = repo / CLASSES
    # The wrapper's summary changes: its callers' findings change although only it and one caller
    # were edited. Only the edited files are reported, with the findings a full run gives them.
    (classes / "PatientWrapper.cls").write_text(WRAPPER.replace("return p.Status__c", "return p.SSN__c"))
    (classes / "Caller9.cls").write_text((classes / "Caller9.cls").read_text().replace("ssn(p)", "status(p)"))
    changed = set(changed_files(repo, "main"))
    assert {p.name for p in changed} == {"PatientWrapper.cls", "Caller9.cls"}
    wanted = {p.relative_to(repo).as_posix() for p in changed}
    full = run(repo, cache=False)
    for cache in (False, True, True):
        only = run(repo, only=changed, cache=cache)
        assert (only.findings, only.notifications) == filtered(full, wanted)
        assert only.scanned == 2
    # Caller9 now calls status() twice, which returns PHI since the wrapper changed.
    assert sorted(f.message for f in run(repo, only=changed).findings) == [
        "PHI field SSN__c is logged",
        *["PHI returned by PatientWrapper.status is logged"] * 2,
    ]


def test_checking_one_file_uses_facts_from_the_whole_project(project_root: Path, run: Run) -> None:
    """`phi-lint check Caller4.cls` (the pre-commit case) must see PatientWrapper's summary."""
    one = project_root / CLASSES / "Caller4.cls"
    full = run(project_root, cache=False)
    for cache in (False, True, True):
        single = run(project_root, [one], cache=cache)
        expected = filtered(full, {f"{CLASSES}/Caller4.cls"})
        assert (single.findings, single.notifications) == expected
        assert comparable(single)[2:] == (("perf/debug-phi-call", "perf/debug-phi-field"), 1)
    assert any("PatientWrapper.ssn" in f.message for f in single.findings)
