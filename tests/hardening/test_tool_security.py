"""The tool's own security and stability: `phi-lint check` opens no network connection, starts no
process and never executes scanned code; the same input gives byte-identical SARIF and JSON (also with
parallel workers), so baselines and diffs are stable."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
CLINIC = REPO / "examples" / "clinic"

# Installed through PYTHONPATH before phi-lint starts: records every network, process and
# code-loading event of the run (audit hooks see them whatever library makes them).
SITECUSTOMIZE = textwrap.dedent(
    """
    import os, sys
    _log = os.environ["PHI_LINT_AUDIT_LOG"]
    _watched = {
        "socket.connect", "socket.bind", "socket.sendto", "socket.getaddrinfo", "socket.gethostbyname",
        "subprocess.Popen", "os.system", "os.exec", "os.posix_spawn", "os.spawn", "pty.spawn",
        "urllib.Request", "http.client.connect", "webbrowser.open",
    }

    def _hook(event, args):
        if event in _watched or (event == "compile" and args and isinstance(args[1], str)
                                 and "PLANTED" in str(args[0])):
            with open(_log, "a", encoding="utf-8") as handle:
                handle.write(f"{event} {args!r}\\n"[:500])
        if event == "open" and args and "PLANTED_PAYLOAD" in str(args[0]):
            with open(_log, "a", encoding="utf-8") as handle:
                handle.write(f"opened payload {args[0]}\\n")

    sys.addaudithook(_hook)
    """
)

# Scanned code that would leave a trace if anything executed it.
PLANTED = {
    "classes/Planted.cls": "public class Planted { static { System.debug('PLANTED'); } }\n",
    "lwc/planted/planted.js": (
        "import { LightningElement } from 'lwc';\n"
        "require('child_process').execSync('touch PLANTED_JS_RAN');\n"
        "export default class Planted extends LightningElement {}\n"
    ),
    "lwc/planted/planted.html": "<template><script>fetch('http://127.0.0.1:9/PLANTED')</script></template>\n",
    "lwc/planted/__init__.py": "open('PLANTED_PY_RAN', 'w')\n",
    "aura/plantedCmp/plantedCmpController.js": "({ init: function() { require('fs'); } })\n",
}


def _run_audited(args: list[str], tmp: Path, cwd: Path) -> tuple[subprocess.CompletedProcess[str], list[str]]:
    site = tmp / "site"
    site.mkdir(exist_ok=True)
    (site / "sitecustomize.py").write_text(SITECUSTOMIZE)
    log = tmp / "audit.log"
    log.write_text("")
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(site), str(REPO / "src")]),
        "PHI_LINT_AUDIT_LOG": str(log),
        "PHI_LINT_CACHE_KEY": "security-tests",
        "NO_COLOR": "1",
    }
    proc = subprocess.run(
        [sys.executable, "-m", "phi_lint", *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
    )
    return proc, [line for line in log.read_text().splitlines() if line]


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_check_makes_no_connection_and_runs_no_process(make_project, tmp_path: Path, jobs: str) -> None:  # type: ignore[no-untyped-def]
    root = tmp_path / "clinic"
    shutil.copytree(CLINIC, root)
    for rel, text in PLANTED.items():
        path = root / "force-app/main/default" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    # Enough files for the parallel path when jobs=2.
    body = "\n".join(f"    Integer v{i} = {i};" for i in range(2000))
    for n in range(10):
        (root / f"force-app/main/default/classes/Filler{n}.cls").write_text(
            f"public class Filler{n} {{\n{body}\n}}\n"
        )
    proc, events = _run_audited(
        [
            "check",
            str(root),
            "--format",
            "sarif",
            "-o",
            str(tmp_path / "out.sarif"),
            "--jobs",
            jobs,
            "--cache-dir",
            str(tmp_path / "cache"),
        ],
        tmp_path,
        cwd=tmp_path,
    )
    assert proc.returncode in (1, 3), proc.stderr
    assert json.loads((tmp_path / "out.sarif").read_text())["runs"][0]["results"]
    assert events == [], "\n".join(events)
    for trace in ("PLANTED_JS_RAN", "PLANTED_PY_RAN"):
        assert not list(tmp_path.rglob(trace))


def test_the_audit_hook_would_see_a_connection(tmp_path: Path) -> None:
    """The harness works: a connection attempt in the audited interpreter is recorded."""
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(SITECUSTOMIZE)
    log = tmp_path / "audit.log"
    log.write_text("")
    env = {**os.environ, "PYTHONPATH": str(site), "PHI_LINT_AUDIT_LOG": str(log)}
    code = (
        "import socket\ntry:\n    socket.create_connection(('127.0.0.1', 9), timeout=0.2)\n"
        "except OSError:\n    pass\n"
    )
    subprocess.run([sys.executable, "-c", code], env=env, check=True, timeout=60)
    assert "socket.connect" in log.read_text()


# ---- determinism ---------------------------------------------------------------------------------------
def _report(root: Path, out: Path, fmt: str, *extra: str, start_method: str = "") -> bytes:
    env = {**os.environ, "PHI_LINT_CACHE_KEY": "determinism-tests", "PYTHONHASHSEED": "random"}
    if start_method:
        env["PHI_LINT_START_METHOD"] = start_method
    proc = subprocess.run(
        [sys.executable, "-m", "phi_lint", "check", str(root), "--format", fmt, "-o", str(out), *extra],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode in (1, 3), proc.stderr
    return out.read_bytes()


@pytest.fixture(scope="module")
def clinic_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("det") / "clinic"
    shutil.copytree(CLINIC, root)
    body = "\n".join(f"    Integer v{i} = {i};" for i in range(2000))
    for n in range(10):  # enough work for the parallel path
        (root / f"force-app/main/default/classes/Filler{n}.cls").write_text(
            f"public class Filler{n} {{\n    // phi-lint: ignore[] x\n{body}\n}}\n"
        )
    return root


@pytest.mark.parametrize("fmt", ["sarif", "json"])
def test_output_is_byte_identical_across_runs_jobs_and_cache(
    clinic_copy: Path, tmp_path: Path, fmt: str
) -> None:
    first = _report(clinic_copy, tmp_path / "1", fmt, "--no-cache", "--jobs", "1")
    assert json.loads(first)  # a real report
    parallel = _report(clinic_copy, tmp_path / "3", fmt, "--no-cache", "--jobs", "2")
    # Workers that receive the project by pickle instead of inheriting it by fork.
    spawned = _report(clinic_copy, tmp_path / "6", fmt, "--no-cache", "--jobs", "2", start_method="spawn")
    cold = _report(clinic_copy, tmp_path / "4", fmt, "--cache-dir", str(tmp_path / "cache"), "--jobs", "2")
    warm = _report(clinic_copy, tmp_path / "5", fmt, "--cache-dir", str(tmp_path / "cache"), "--jobs", "1")
    assert first == parallel, "--jobs 2 differs from --jobs 1"
    assert first == spawned, "spawned workers differ from forked ones"
    assert first == cold == warm, "a cached run differs from an uncached one"


def test_output_does_not_depend_on_the_working_directory(clinic_copy: Path, tmp_path: Path) -> None:
    env = {**os.environ, "PHI_LINT_CACHE_KEY": "determinism-tests"}
    outputs = []
    for cwd, target in (
        (clinic_copy, "."),
        (clinic_copy.parent, clinic_copy.name),
        (tmp_path, str(clinic_copy)),
    ):
        out = tmp_path / f"{len(outputs)}.sarif"
        subprocess.run(
            [
                sys.executable,
                "-m",
                "phi_lint",
                "check",
                target,
                "--no-cache",
                "--format",
                "sarif",
                "-o",
                str(out),
            ],
            env=env,
            cwd=cwd,
            capture_output=True,
            timeout=300,
        )
        outputs.append(out.read_bytes())
    assert outputs[0] == outputs[1] == outputs[2]


def test_notifications_have_a_total_order() -> None:
    """Notifications leave the engine through a set: any two that differ must sort apart, or their
    order in the report would follow per-process string hashing."""
    from phi_lint.findings import Notification, NotificationKind, Severity

    base = Notification(NotificationKind.PARSE_ERROR, "same message", Severity.WARNING, path="a.cls")
    variants = [
        base,
        Notification(NotificationKind.READ_ERROR, "same message", Severity.WARNING, path="a.cls"),
        Notification(NotificationKind.PARSE_ERROR, "same message", Severity.ERROR, path="a.cls"),
        Notification(NotificationKind.PARSE_ERROR, "same message", Severity.WARNING, path="a.cls", column=3),
    ]
    keys = [n.sort_key() for n in variants]
    assert len(set(keys)) == len(variants)
    assert sorted(variants, key=Notification.sort_key) == sorted(
        reversed(variants), key=Notification.sort_key
    )
