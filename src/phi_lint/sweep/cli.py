"""`phi-lint sweep`: the command line of accessibility sweeps (`register` + `run`, wired by phi_lint.cli).

Exit codes, the same as `phi-lint check`: 0 clean; 1 unsuppressed violations (error or warning; "needs
review" notes do not fail); 2 tool error (bad config, no pages, browser failure); 3 the sweep could not
look everywhere (a page error or a rule that was not evaluated; violations may exist too); 130
interrupted (after writing what was found).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import signal
import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from phi_lint.findings import Severity
from phi_lint.sweep.config import PageSpec, SweepConfig, SweepConfigError, load_sweep_config

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR, EXIT_INCOMPLETE, EXIT_INTERRUPTED = 0, 1, 2, 3, 130
FORMATS = ("text", "json", "sarif", "html", "github", "markdown")

EPILOG = """examples:
  phi-lint sweep --config examples/sweep-site/sweep.toml --format html --output sweep.html
  phi-lint sweep --config sweep.toml --format sarif --output sweep.sarif --project .
  phi-lint sweep https://example.my.site.com/s/ --storage-state state.json --workers 2
  phi-lint sweep --config sweep.toml --shard 2/8 --format sarif --output sweep-2.sarif
  phi-lint merge sweep-*.sarif -o sweep.sarif
"""


def _shard(value: str) -> tuple[int, int]:
    match = re.fullmatch(r"(\d+)/(\d+)", value.strip())
    if not match or not 1 <= int(match.group(1)) <= int(match.group(2)):
        raise argparse.ArgumentTypeError("expected K/N with 1 <= K <= N, e.g. 2/8")
    return int(match.group(1)), int(match.group(2))


def _positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return number


def register(subparsers: Any) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "sweep",
        help="sweep live pages with axe-core and PHI-table checks (WCAG 2.2 AA)",
        description="Open pages in Chromium, wait for Lightning to settle, run axe-core (WCAG 2.0-2.2 A/AA) "
        "and phi-lint's PHI-table and WCAG 2.2 checks, and report without patient data.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("urls", nargs="*", help="page URLs (added to the config's pages)")
    parser.add_argument(
        "--config", type=Path, metavar="FILE", help="sweep.toml with pages, steps, selectors and ignores"
    )
    parser.add_argument("--sitemap", metavar="URL", help="sitemap.xml URL whose <loc> entries become pages")
    parser.add_argument(
        "--storage-state",
        type=Path,
        metavar="FILE",
        help="Playwright storage-state file of a signed-in session",
    )
    parser.add_argument(
        "--sf-org", metavar="ALIAS", help="sign in with `sf org open --url-only --json -o ALIAS`"
    )
    parser.add_argument(
        "--workers",
        type=_positive,
        default=1,
        metavar="N",
        help="pages in parallel browser contexts (default 1)",
    )
    parser.add_argument(
        "--shard", type=_shard, metavar="K/N", help="sweep only shard K of N (deterministic by page URL)"
    )
    parser.add_argument("--format", choices=FORMATS, default="text", help="report format (default text)")
    parser.add_argument(
        "--output", "-o", type=Path, metavar="FILE", help="report file (default: standard output)"
    )
    parser.add_argument(
        "--screenshots", type=Path, metavar="DIR", help="also write element screenshots (PNG) here"
    )
    parser.add_argument(
        "--timeout", type=float, metavar="S", help="seconds per page (overrides the config; default 30)"
    )
    parser.add_argument(
        "--project", type=Path, metavar="DIR", help="sfdx project: PHI model and LWC source locations"
    )
    parser.add_argument("--base-url", metavar="URL", help="resolve relative page URLs against this URL")
    parser.add_argument(
        "--serve", type=Path, metavar="DIR", help="serve DIR on 127.0.0.1 and use it as base URL"
    )
    parser.add_argument(
        "--select",
        action="append",
        default=[],
        metavar="RULES",
        help="only these rules (comma-separated ids or prefixes: axe, a11y/phi-*)",
    )
    parser.add_argument("--ignore", action="append", default=[], metavar="RULES", help="skip these rules")
    parser.add_argument(
        "--no-mask-screenshots",
        action="store_true",
        help="do NOT mask table cells, inputs and record values in screenshots (may show patient data)",
    )
    parser.add_argument("--quiet", "-q", action="store_true", help="no progress lines on standard error")
    return parser


def _csv(values: Sequence[str]) -> tuple[str, ...]:
    return tuple(v.strip() for item in values for v in item.split(",") if v.strip())


def read_sitemap(url: str, timeout: float = 30.0) -> list[str]:
    """`<loc>` entries of a sitemap (XML parsed with defusedxml: no entity expansion)."""
    import urllib.request

    import defusedxml.ElementTree as ET

    if "://" not in url:
        data = Path(url).read_bytes()
    else:
        if not url.lower().startswith(("http://", "https://")):
            raise ValueError("sitemap must be an http(s) URL or a file")
        with urllib.request.urlopen(url, timeout=timeout) as response:
            data = response.read()
    root = ET.fromstring(data)
    return [
        el.text.strip() for el in root.iter() if str(el.tag).endswith("loc") and el.text and el.text.strip()
    ]


def _phi_model(project: Path | None) -> tuple[Any, Path | None]:
    if project is None:
        return None, None
    from phi_lint.config import Config, find_config, load_config_file
    from phi_lint.project import find_root, open_project
    from phi_lint.rules import default_registry

    root = find_root(project)
    config_file = find_config(root)
    config = load_config_file(config_file, default_registry()) if config_file else Config()
    return open_project(root, config).phi, root


def _progress(quiet: bool) -> Any:
    if quiet:
        return None
    return lambda line: print(f"phi-lint sweep: {line}", file=sys.stderr, flush=True)


def run(args: argparse.Namespace) -> int:
    import asyncio  # here, not at module level: `phi-lint check` must not pay for it

    from phi_lint.sweep.runner import (
        BrowserSession,
        PageFault,
        SweepOptions,
        sf_org_storage_state,
        sweep_async,
    )

    try:
        config = load_sweep_config(args.config, _display(args.config)) if args.config else SweepConfig()
    except SweepConfigError as exc:
        print(f"phi-lint: {exc}", file=sys.stderr)
        return EXIT_ERROR
    extra = [PageSpec(url=u) for u in args.urls]
    if args.sitemap:
        try:
            extra += [PageSpec(url=u) for u in read_sitemap(args.sitemap)]
        except Exception as exc:
            from phi_lint.sweep.redact import sanitize_text

            print(f"phi-lint: cannot read sitemap: {sanitize_text(str(exc))}", file=sys.stderr)
            return EXIT_ERROR
    config = replace(
        config,
        pages=config.pages + tuple(extra),
        select=config.select + _csv(args.select),
        ignore=config.ignore + _csv(args.ignore),
        base_url=args.base_url or config.base_url,
        serve=args.serve.resolve() if args.serve else config.serve,
        mask_screenshots=config.mask_screenshots and not args.no_mask_screenshots,
    )
    if not config.pages:
        print(
            "phi-lint: no pages to sweep (give URLs, --config with [[pages]] or --sitemap)", file=sys.stderr
        )
        return EXIT_ERROR
    if args.storage_state is not None and not args.storage_state.is_file():
        print(f"phi-lint: storage state file not found: {args.storage_state}", file=sys.stderr)
        return EXIT_ERROR
    try:
        model, project_root = _phi_model(args.project)
    except Exception as exc:
        print(f"phi-lint: cannot read project {args.project}: {exc}", file=sys.stderr)
        return EXIT_ERROR
    report_root = project_root or Path.cwd()
    options = SweepOptions(
        workers=args.workers,
        shard=args.shard,
        storage_state=args.storage_state,
        screenshots=args.format == "html" or args.screenshots is not None,
        mask_screenshots=config.mask_screenshots,
        timeout=args.timeout,
        project_root=project_root,
        phi_model=model,
        report_root=report_root,
        progress=_progress(args.quiet),
    )
    if config.serve is not None:
        config = replace(config, base_url="")  # the runner serves the directory on 127.0.0.1
    else:
        from phi_lint.sweep.runner import resolve_url

        try:
            for page in config.pages:
                resolve_url(page, config.base_url)
        except ValueError as exc:
            print(f"phi-lint: {exc}", file=sys.stderr)
            return EXIT_ERROR
    session: BrowserSession | None = None
    state_file: Path | None = None
    stop = asyncio.Event()
    try:
        try:
            session = BrowserSession(options.executable_path)
        except Exception as exc:
            print(f"phi-lint: cannot start Chromium at {options.executable_path}: {exc}", file=sys.stderr)
            return EXIT_ERROR
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                session.loop.add_signal_handler(sig, stop.set)
        if args.sf_org:
            try:
                state_file = session.run(sf_org_storage_state(session.browser, args.sf_org))
            except (PageFault, OSError, asyncio.TimeoutError) as exc:
                print(f"phi-lint: {exc}", file=sys.stderr)
                return EXIT_ERROR
            options = replace(options, storage_state=state_file)
        result = session.run(sweep_async(session.browser, config, options, stop=stop))
    finally:
        if session is not None:
            session.close()
        if state_file is not None:
            with contextlib.suppress(OSError):
                state_file.unlink()
    write(result, args.format, args.output, report_root, args.screenshots)
    if result.interrupted:
        return EXIT_INTERRUPTED
    return exit_code(result.run)


def exit_code(run: Any) -> int:
    # As in `phi-lint check`: a sweep that did not look everywhere must never pass, and says so even
    # when it also found violations.
    if run.incomplete:
        return EXIT_INCOMPLETE
    violations = [f for f in run.unsuppressed if f.severity in (Severity.ERROR, Severity.WARNING)]
    return EXIT_FINDINGS if violations else EXIT_CLEAN


def write(result: Any, fmt: str, output: Path | None, root: Path, screenshot_dir: Path | None) -> None:
    if screenshot_dir is not None:
        screenshot_dir.mkdir(parents=True, exist_ok=True)
        for fingerprint, png in result.screenshots.items():
            (screenshot_dir / f"{fingerprint}.png").write_bytes(png)
    if fmt == "html":
        from phi_lint.sweep.report_html import render_html

        html = render_html(result)
        if output is None:
            sys.stdout.write(html)
        else:
            from phi_lint.reporters import atomic_write

            atomic_write(output, html)
        return
    from phi_lint.reporters import write_report

    write_report([result.run], fmt, output, root)


def _display(path: Path) -> str:
    try:
        return Path(os.path.relpath(path)).as_posix()
    except ValueError:
        return path.as_posix()


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m phi_lint.sweep.cli ...` (the same as `phi-lint sweep ...`)."""
    parser = argparse.ArgumentParser(prog="phi-lint")
    sub = parser.add_subparsers(dest="command")
    register(sub)
    args = parser.parse_args(["sweep", *(argv if argv is not None else sys.argv[1:])])
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
