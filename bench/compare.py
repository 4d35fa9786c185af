#!/usr/bin/env python3
"""phi-lint against PMD 7 on the same synthetic projects, measured in one run.

    python bench/compare.py --sizes 100 1000 5000 --reps 5 --out /tmp/phi-lint-bench/results.json

For each size: generate the project (bench/generate.py, fixed seed), then for each repetition run, in an
order that rotates every repetition so that neither tool always runs on a warmer machine:
- PMD 7 (the jars of the npm package @salesforce/code-analyzer-pmd-engine, through its PmdWrapper `run`
  entry point) with category/apex/security.xml plus AvoidDebugStatements, on the .cls/.trigger files;
- phi-lint cold: `python -m phi_lint check PROJECT --jobs J` with an empty cache directory;
- phi-lint warm: the same command again on the cache the cold run filled (nothing changed);
- the tree-sitter floor (bench/floor.py): parse + one cursor walk + one query per Apex file.
Each figure is the median wall time (process start included), measured with nothing else watching the
processes. Memory is measured in separate runs (one more of each command after the timed repetitions):
the peak of the sum over the process tree (proportional set size, so forked workers' shared pages are
not counted twice; RSS too), sampled every 20 ms from /proc/*/smaps_rollup. Reading smaps_rollup walks
the page tables of the process under its memory-map lock (about 6 ms for a 500 MB process), so sampling
during the timed runs would slow both tools, PMD's large JVM most.
Then the pre-commit case: one file edited, `phi-lint check that/File.cls` with the rest cached, against
PMD on that one file.

PMD is installed with npm into a cache directory outside the repository (see --pmd-home); Java 17 must be
on PATH. Prints a Markdown report and writes all samples as JSON.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
sys.path.insert(0, str(BENCH))
from generate import generate  # noqa: E402

PMD_PACKAGE = "@salesforce/code-analyzer-pmd-engine"
PMD_MAIN = "com.salesforce.sfca.pmdwrapper.PmdWrapper"
RULESET = """<?xml version="1.0" encoding="UTF-8"?>
<ruleset name="phi-lint benchmark" xmlns="http://pmd.sourceforge.net/ruleset/2.0.0"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
    xsi:schemaLocation="http://pmd.sourceforge.net/ruleset/2.0.0 https://pmd.sourceforge.io/ruleset_2_0_0.xsd">
    <description>PMD's Apex security rules plus AvoidDebugStatements</description>
    <rule ref="category/apex/security.xml"/>
    <rule ref="category/apex/performance.xml/AvoidDebugStatements"/>
</ruleset>
"""


@dataclass
class Sample:
    wall: float
    peak_pss_mb: float
    peak_rss_mb: float
    main_maxrss_mb: float
    returncode: int
    # user + system CPU seconds of the process and the children it waited for (less sensitive than
    # wall time to other load on the machine).
    cpu: float = 0.0
    stdout: str = ""


@dataclass
class Series:
    name: str
    samples: list[Sample] = field(default_factory=list)

    @property
    def wall(self) -> float:
        return statistics.median(s.wall for s in self.samples)

    @property
    def cpu(self) -> float:
        return statistics.median(s.cpu for s in self.samples)

    # Runs measured for memory only (their times are not used: the sampler slows them).
    memory: list[Sample] = field(default_factory=list)

    @property
    def pss(self) -> float:
        return max(s.peak_pss_mb for s in self.memory) if self.memory else 0.0

    @property
    def rss(self) -> float:
        return max(s.peak_rss_mb for s in self.memory) if self.memory else 0.0


# ---- measuring a process tree -------------------------------------------------------------------------
def _children(pid: int) -> list[int]:
    found: list[int] = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return found
    for tid in tasks:
        try:
            with open(f"/proc/{pid}/task/{tid}/children") as handle:
                found += [int(c) for c in handle.read().split()]
        except OSError:
            continue
    return found


def _memory_kb(pid: int) -> tuple[int, int]:
    """(Pss, Rss) in kB from smaps_rollup; zeros when the process is gone."""
    pss = rss = 0
    try:
        with open(f"/proc/{pid}/smaps_rollup") as handle:
            for line in handle:
                if line.startswith("Pss:"):
                    pss = int(line.split()[1])
                elif line.startswith("Rss:"):
                    rss = int(line.split()[1])
    except OSError:
        pass
    return pss, rss


def measure(
    cmd: list[str], cwd: Path | None = None, env: dict[str, str] | None = None, memory: bool = False
) -> Sample:
    """Run `cmd`, timing it; with `memory`, also sample the peak memory of its process tree (which
    slows it: see the module doc)."""
    peak = [0, 0]
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            tree, stack = [], [proc.pid]
            while stack:
                pid = stack.pop()
                tree.append(pid)
                stack += _children(pid)
            pss = rss = 0
            for pid in tree:
                p, r = _memory_kb(pid)
                pss += p
                rss += r
            peak[0], peak[1] = max(peak[0], pss), max(peak[1], rss)
            done.wait(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    if memory:
        sampler.start()
    out = proc.stdout.read() if proc.stdout else b""
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    done.set()
    if memory:
        sampler.join()
    return Sample(
        wall,
        peak[0] / 1024,
        peak[1] / 1024,
        usage.ru_maxrss / 1024,
        proc.returncode,
        cpu=usage.ru_utime + usage.ru_stime,
        stdout=out.decode("utf-8", "replace")[-2000:],
    )


# ---- PMD ------------------------------------------------------------------------------------------------
def pmd_lib(home: Path) -> Path:
    lib = home / "node_modules" / PMD_PACKAGE / "dist" / "java-lib"
    if not lib.is_dir():
        home.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            ["npm", "install", "--no-audit", "--no-fund", "--prefix", str(home), PMD_PACKAGE],
            check=True,
            stdout=subprocess.DEVNULL,
        )
    return lib


def pmd_command(lib: Path, work: Path, files: list[Path], tag: str) -> list[str]:
    ruleset = work / "pmd-ruleset.xml"
    ruleset.write_text(RULESET)
    data = {
        "ruleSetInputFile": str(ruleset),
        "runDataPerLanguage": {"apex": {"filesToScan": [str(f) for f in files]}},
    }
    request = work / f"pmd-input-{tag}.json"
    request.write_text(json.dumps(data))
    return ["java", "-cp", f"{lib}/*", PMD_MAIN, "run", str(request), str(work / f"pmd-results-{tag}.json")]


def pmd_violations(work: Path, tag: str) -> int:
    try:
        return len(json.loads((work / f"pmd-results-{tag}.json").read_text())["violations"])
    except (OSError, ValueError, KeyError):
        return -1


# ---- phi-lint -------------------------------------------------------------------------------------------
def phi_command(target: Path, jobs: int, cache: Path, output: Path) -> list[str]:
    return [
        sys.executable,
        "-m",
        "phi_lint",
        "check",
        str(target),
        "--jobs",
        str(jobs),
        "--cache-dir",
        str(cache),
        "--format",
        "json",
        "-o",
        str(output),
    ]


def phi_findings(output: Path) -> int:
    try:
        data = json.loads(output.read_text())
        return sum(len(run["findings"]) for run in data["runs"])
    except (OSError, ValueError, KeyError):
        return -1


def apex_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.suffix in (".cls", ".trigger") and p.is_file())


def machine() -> dict[str, str]:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    with contextlib.suppress(OSError, ValueError, IndexError):
        mem = f"{int(Path('/proc/meminfo').read_text().split()[1]) / 1048576:.1f} GiB"
    java = subprocess.run(["java", "-version"], capture_output=True, text=True).stderr.splitlines()[0]
    versions = {}
    for module in ("tree_sitter", "tree_sitter_language_pack"):
        try:
            from importlib.metadata import version

            versions[module] = version(module.replace("_", "-"))
        except Exception:
            versions[module] = "?"
    version = subprocess.run(
        [sys.executable, "-c", "import phi_lint; print(phi_lint.__version__, phi_lint.__file__)"],
        capture_output=True,
        text=True,
    ).stdout.split()
    commit = subprocess.run(
        ["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    ).stdout.strip()
    return {
        "cpu": cpu,
        "cores": str(len(os.sched_getaffinity(0))),
        "memory": mem,
        "os": platform.platform(),
        "python": platform.python_version(),
        "java": java,
        "phi-lint": f"{version[0]} ({commit}, from {version[1]})",
        **versions,
        "load average at start": " ".join(f"{x:.2f}" for x in os.getloadavg()),
    }


# ---- scenarios ------------------------------------------------------------------------------------------
def whole_project(size: int, reps: int, jobs: int, work: Path, lib: Path, seed: int) -> dict[str, object]:
    project = work / f"org-{size}"
    stats = generate(project, size, seed)
    files = apex_files(project)
    apex_bytes = sum(f.stat().st_size for f in files)
    pmd = Series("pmd")
    cold = Series("phi-lint cold")
    warm = Series("phi-lint warm")
    floor = Series("tree-sitter floor")
    serial = Series("phi-lint cold --jobs 1")
    pmd_cmd = pmd_command(lib, work, files, str(size))
    cache = work / f"cache-{size}"
    output = work / f"phi-{size}.json"
    floor_cmd = [sys.executable, str(BENCH / "floor.py"), str(project)]

    def run_cold() -> None:
        shutil.rmtree(cache, ignore_errors=True)
        cold.samples.append(measure(phi_command(project, jobs, cache, output)))
        warm.samples.append(measure(phi_command(project, jobs, cache, output)))

    def run_serial() -> None:
        shutil.rmtree(cache, ignore_errors=True)
        serial.samples.append(measure(phi_command(project, 1, cache, output)))

    steps = [
        ("pmd", lambda: pmd.samples.append(measure(pmd_cmd))),
        ("cold", run_cold),
        ("floor", lambda: floor.samples.append(measure(floor_cmd))),
        ("serial", run_serial),
    ]
    for rep in range(reps):
        for name, step in steps[rep % len(steps) :] + steps[: rep % len(steps)]:
            print(f"  size {size} rep {rep + 1}/{reps}: {name}", file=sys.stderr, flush=True)
            step()
    print(f"  size {size}: memory runs", file=sys.stderr, flush=True)
    pmd.memory.append(measure(pmd_cmd, memory=True))
    shutil.rmtree(cache, ignore_errors=True)
    cold.memory.append(measure(phi_command(project, jobs, cache, output), memory=True))
    warm.memory.append(measure(phi_command(project, jobs, cache, output), memory=True))
    shutil.rmtree(cache, ignore_errors=True)
    serial.memory.append(measure(phi_command(project, 1, cache, output), memory=True))
    floor.memory.append(measure(floor_cmd, memory=True))
    floor_inner = [json.loads(s.stdout)["seconds"] for s in floor.samples]
    return {
        "size": size,
        "generated": stats,
        "apex_files": len(files),
        "apex_bytes": apex_bytes,
        "pmd_violations": pmd_violations(work, str(size)),
        "phi_findings": phi_findings(output),
        "series": {
            s.name: [asdict(x) | {"stdout": ""} for x in s.samples] for s in (pmd, cold, warm, floor, serial)
        },
        "memory_runs": {
            s.name: [asdict(x) | {"stdout": ""} for x in s.memory] for s in (pmd, cold, warm, floor, serial)
        },
        "pmd_cpu": pmd.cpu,
        "cold_cpu": cold.cpu,
        "warm_cpu": warm.cpu,
        "floor_cpu": floor.cpu,
        "serial_cpu": serial.cpu,
        "pmd_wall": pmd.wall,
        "cold_wall": cold.wall,
        "warm_wall": warm.wall,
        "floor_wall": floor.wall,
        "floor_in_process": statistics.median(floor_inner),
        "serial_wall": serial.wall,
        "pmd_pss": pmd.pss,
        "pmd_rss": pmd.rss,
        "cold_pss": cold.pss,
        "cold_rss": cold.rss,
        "warm_pss": warm.pss,
        "floor_pss": floor.pss,
        "serial_pss": serial.pss,
    }


def one_file(
    project: Path, rel: str, reps: int, jobs: int, work: Path, lib: Path | None, tag: str
) -> dict[str, object]:
    """The pre-commit case: the project was checked before (cache filled), then one file is edited."""
    target = project / rel
    slug = "".join(c if c.isalnum() else "-" for c in tag)
    cache = work / f"cache-one-{slug}"
    output = work / f"phi-one-{slug}.json"
    shutil.rmtree(cache, ignore_errors=True)
    measure(phi_command(project, jobs, cache, output))  # fills the cache, like the last commit's hook did
    original = target.read_text()
    phi = Series("phi-lint one changed file")
    pmd = Series("pmd one file")
    floor = Series("floor one file")
    try:
        for rep in range(reps):
            target.write_text(original + f"\n// edit {rep}\n")
            phi.samples.append(measure(phi_command(target, jobs, cache, output), cwd=project))
            if lib is not None:
                pmd.samples.append(measure(pmd_command(lib, work, [target], f"one-{slug}")))
            floor.samples.append(measure([sys.executable, str(BENCH / "floor.py"), str(target)]))
    finally:
        target.write_text(original)
    return {
        "project": tag,
        "file": rel,
        "bytes": len(original.encode()),
        "phi_wall": phi.wall,
        "phi_cpu": phi.cpu,
        "pmd_cpu": pmd.cpu if pmd.samples else None,
        "floor_cpu": floor.cpu,
        "phi_walls": [s.wall for s in phi.samples],
        "phi_pss": None,  # not measured here (see whole_project)
        "pmd_wall": pmd.wall if pmd.samples else None,
        "pmd_pss": None,
        "floor_wall": floor.wall,
        "findings": phi_findings(output),
    }


def report(results: dict[str, object]) -> str:
    lines = [
        "| classes | Apex MB | PMD wall | phi-lint cold (jobs 2) | ratio | phi-lint jobs 1 | floor (process) "
        "| cold / floor | warm | warm / cold | PMD peak MB | phi-lint peak MB (PSS / RSS) |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results["whole"]:  # type: ignore[attr-defined]
        lines.append(
            f"| {r['size']:,} | {r['apex_bytes'] / 1e6:.1f} | {r['pmd_wall']:.2f} s | {r['cold_wall']:.2f} s "
            f"| {r['pmd_wall'] / r['cold_wall']:.1f}x | {r['serial_wall']:.2f} s | {r['floor_wall']:.2f} s "
            f"| {r['cold_wall'] / r['floor_wall']:.1f}x | {r['warm_wall']:.2f} s "
            f"| {100 * r['warm_wall'] / r['cold_wall']:.0f}% | {r['pmd_pss']:.0f} "
            f"| {r['cold_pss']:.0f} / {r['cold_rss']:.0f} |"
        )
    lines += ["", "| one changed file | phi-lint | PMD | floor (process) |", "|---|---:|---:|---:|"]
    for r in results["one_file"]:  # type: ignore[attr-defined]
        pmd = f"{r['pmd_wall']:.2f} s" if r["pmd_wall"] is not None else "-"
        lines.append(
            f"| {r['project']}: {r['file']} | {r['phi_wall']:.3f} s | {pmd} | {r['floor_wall']:.3f} s |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000, 5000])
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/phi-lint-bench"))
    parser.add_argument("--pmd-home", type=Path, default=Path.home() / ".cache" / "phi-lint-bench")
    parser.add_argument("--out", type=Path, help="write all samples as JSON")
    parser.add_argument("--skip-whole", action="store_true", help="only the one-changed-file case")
    parser.add_argument("--skip-one", action="store_true", help="skip the one-changed-file case")
    parser.add_argument(
        "--clinic-file",
        default="force-app/main/default/classes/VisitSummaryService.cls",
        help="the file edited in examples/clinic for the one-changed-file case",
    )
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    # phi-lint runs from a snapshot of the committed tree (git archive HEAD): a working tree that
    # other people edit during the run would change phi-lint's code digest and empty the cache.
    # Bytecode is compiled as a pip-installed wheel has it (this shell may set PYTHONDONTWRITEBYTECODE).
    snapshot = args.workdir / "phi-lint-snapshot"
    shutil.rmtree(snapshot, ignore_errors=True)
    snapshot.mkdir()
    archive = subprocess.run(
        ["git", "-C", str(REPO), "archive", "HEAD", "src", "rules", "grammars"],
        check=True,
        capture_output=True,
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(snapshot)], input=archive, check=True)
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", str(snapshot / "src")],
        check=False,
        stdout=subprocess.DEVNULL,
    )
    os.environ["PYTHONPATH"] = str(snapshot / "src")
    lib = pmd_lib(args.pmd_home)
    results: dict[str, Any] = {
        "machine": machine(),
        "command": " ".join(sys.argv),
        "whole": [],
        "one_file": [],
    }

    def save() -> None:
        # After every scenario: a crash later on must not lose the figures measured so far.
        if args.out:
            args.out.write_text(json.dumps(results, indent=2))

    if not args.skip_whole:
        for size in args.sizes:
            results["whole"].append(whole_project(size, args.reps, args.jobs, args.workdir, lib, args.seed))
            save()
    if not args.skip_one:
        clinic = args.workdir / "clinic"
        shutil.rmtree(clinic, ignore_errors=True)
        shutil.copytree(
            REPO / "examples" / "clinic", clinic, ignore=shutil.ignore_patterns(".phi-lint-cache")
        )
        if (clinic / args.clinic_file).is_file():
            results["one_file"].append(
                one_file(
                    clinic, args.clinic_file, args.reps * 2, args.jobs, args.workdir, lib, "examples/clinic"
                )
            )
            save()
        big = args.workdir / "org-1000"
        if not big.is_dir():
            generate(big, 1000, args.seed)
        big_file = "force-app/main/default/classes/PatientService.cls"
        results["one_file"].append(
            one_file(big, big_file, args.reps * 2, args.jobs, args.workdir, lib, "synthetic 1,000 classes")
        )
    results["machine"]["load average at end"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
    save()
    print(json.dumps(results["machine"], indent=2))
    print(report(results))


if __name__ == "__main__":
    main()
