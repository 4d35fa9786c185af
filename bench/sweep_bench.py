"""Sweep throughput: pages per minute for 1, 2 and 4 workers, and time per page split into load, wait
(for Lightning to settle), axe and phi-lint's own checks (tables, title/URL, authentication, Tab walk).

The fixture site is every page of fixtures/sweep and examples/sweep-site/site, served on 127.0.0.1 and
swept `--rounds` times over. One Chromium is shared by all runs (as in CI); each page gets its own
browser context, as in a real sweep.

    python bench/sweep_bench.py                      # print the table
    python bench/sweep_bench.py --write docs/benchmarks.md   # replace the sweep section there
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from phi_lint.sweep.config import PageSpec, SweepConfig
from phi_lint.sweep.runner import BrowserSession, SweepOptions
from phi_lint.sweep.server import StaticServer

REPO = Path(__file__).resolve().parents[1]
BEGIN = "<!-- sweep-bench:begin -->"
END = "<!-- sweep-bench:end -->"
PHASES = ("load", "wait", "axe", "checks", "tab_walk", "total")


def build_site(target: Path) -> list[str]:
    """Copy the fixture pages and the demo site into one directory; return page paths."""
    pages: list[str] = []
    sources = ((REPO / "fixtures" / "sweep", "fixtures"), (REPO / "examples" / "sweep-site" / "site", "demo"))
    for source, prefix in sources:
        shutil.copytree(source, target / prefix)
        pages += [f"/{prefix}/{p.name}" for p in sorted(source.glob("*.html"))]
    return pages


def run(workers_list: list[int], rounds: int) -> str:
    with tempfile.TemporaryDirectory() as tmp:
        site = Path(tmp) / "site"
        site.mkdir()
        paths = build_site(site)
        specs = tuple(PageSpec(url=f"{p}?round={r}", name=p) for r in range(rounds) for p in paths)
        session = BrowserSession()
        rows: list[str] = []
        rates: dict[int, float] = {}
        phase_rows: list[str] = []
        try:
            with StaticServer(site) as server:
                config = SweepConfig(pages=specs, base_url=server.base_url, timeout=20, tab_stops=30)
                # Warm-up: first page loads compile axe and start the renderer processes.
                session.sweep(SweepConfig(pages=specs[:2], base_url=server.base_url), SweepOptions())
                for workers in workers_list:
                    start = time.monotonic()
                    result = session.sweep(config, SweepOptions(workers=workers))
                    elapsed = time.monotonic() - start
                    scanned = result.run.scanned
                    rate = 60 * scanned / elapsed
                    rows.append(f"| {workers} | {len(specs)} | {scanned} | {elapsed:.1f} | {rate:.0f} |")
                    rates[workers] = rate
                    medians = []
                    for phase in PHASES:
                        values = [p.timings.get(phase, 0.0) for p in result.pages if p.scanned]
                        medians.append(f"{1000 * statistics.median(values):.0f}" if values else "-")
                    phase_rows.append(f"| {workers} | " + " | ".join(medians) + " |")
        finally:
            session.close()
    cpu = os.cpu_count() or 0
    best = max(rates, key=lambda w: rates[w]) if rates else 0
    return "\n".join(
        [
            BEGIN,
            "## Sweep (`bench/sweep_bench.py`)",
            "",
            f"Machine: {cpu} cores, {platform.machine()}, Python {platform.python_version()}, "
            f"Debian Chromium, {len(paths)} fixture pages x {rounds} rounds (fixtures/sweep + "
            "examples/sweep-site), one browser context per page, all rules (axe WCAG 2.0-2.2 A/AA + a11y/*), "
            "no screenshots.",
            "",
            "| workers | pages | scanned | seconds | pages/minute |",
            "| --- | --- | --- | --- | --- |",
            *rows,
            "",
            "Median milliseconds per page (load = navigation + steps; wait = until Lightning settled; "
            "checks = tables, title/URL, authentication fields; tab_walk = the 2.4.11 Tab walk; "
            "total includes creating and closing the browser context):",
            "",
            "| workers | " + " | ".join(PHASES) + " |",
            "| --- |" + " --- |" * len(PHASES),
            *phase_rows,
            "",
            f"Fastest here: {best} worker(s). Chromium's renderers and the Python driver share the same "
            "cores, so more workers than cores mostly make each page slower; CI shards (`--shard K/N`) "
            "scale across machines instead. Figures vary with other load on the machine.",
            END,
        ]
    )


def write_section(path: Path, section: str) -> None:
    text = path.read_text(encoding="utf-8") if path.is_file() else "# Benchmarks\n"
    if BEGIN in text and END in text:
        before, rest = text.split(BEGIN, 1)
        after = rest.split(END, 1)[1]
        text = before + section + after
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    path.write_text(text, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--workers", default="1,2,4")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--write", type=Path, help="replace the sweep section of this Markdown file")
    args = parser.parse_args()
    section = run([int(w) for w in args.workers.split(",")], args.rounds)
    print(section)
    if args.write:
        write_section(args.write, section)


if __name__ == "__main__":
    main()
