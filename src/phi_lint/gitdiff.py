"""`--changed-since REF`: the files a pull request (or a working tree) changed relative to a git ref.

Semantics match what a reviewer sees: committed changes since the merge base of REF and HEAD (as in
`git diff REF...HEAD`, so commits that landed on REF after the branch was cut do not count), plus
staged, unstaged and untracked (not ignored) files. Deleted files are not returned: there is nothing
left to check in them.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from phi_lint.config import ConfigError


class GitError(ConfigError):
    """git is missing, the directory is not a repository, or the ref is unknown (exit code 2)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, "--changed-since")


def _git(cwd: Path, *args: str) -> bytes:
    env = dict(os.environ, GIT_OPTIONAL_LOCKS="0", LC_ALL="C")
    try:
        done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, env=env, check=False)
    except FileNotFoundError as exc:
        raise GitError("git is not installed or not on PATH") from exc
    if done.returncode != 0:
        detail = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise GitError(f"git {args[0]} failed: {detail[-1] if detail else 'exit ' + str(done.returncode)}")
    return done.stdout


def _split(output: bytes) -> list[str]:
    return [os.fsdecode(name) for name in output.split(b"\0") if name]


def merge_base(root: Path, ref: str) -> str:
    if ref.startswith("-"):
        raise GitError(f"`{ref}` is not a git ref")
    try:
        _git(root, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
    except GitError as exc:
        raise GitError(f"unknown git ref `{ref}` (fetch it first, e.g. `git fetch origin main`)") from exc
    try:
        return _git(root, "merge-base", ref, "HEAD").decode().strip()
    except GitError as exc:
        raise GitError(f"`{ref}` and HEAD have no common ancestor") from exc


def changed_files(root: Path, ref: str) -> list[Path]:
    """Absolute paths of files changed since the merge base of `ref` and HEAD, including staged,
    unstaged and untracked files; sorted, existing files only."""
    top = Path(_git(root, "rev-parse", "--show-toplevel").decode().strip())
    base = merge_base(root, ref)
    # One diff of the merge base against the working tree covers committed, staged and unstaged changes.
    diffed = _split(_git(top, "diff", "--name-only", "-z", "--no-ext-diff", "--diff-filter=d", base, "--"))
    untracked = _split(_git(top, "ls-files", "--others", "--exclude-standard", "-z"))
    found = {(top / name) for name in (*diffed, *untracked)}
    return sorted(path for path in found if path.is_file())
