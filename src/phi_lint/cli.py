"""Command line: check, rules, explain, baseline, merge, sweep.

Exit codes (documented in the README):
  0  no unsuppressed findings, everything was checked
  1  unsuppressed findings
  2  usage, configuration or input error, or an internal failure
  3  the run was incomplete: a file could not be read or a rule crashed (findings may exist too;
     a run that did not look everywhere must never pass silently)
Heavy modules (Playwright, BeautifulSoup) are imported only by the commands that use them.
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported by build_parser: a check answered by the warm server never parses here
    import argparse

    from phi_lint.config import Config

from phi_lint import __version__

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR, EXIT_INCOMPLETE = 0, 1, 2, 3

CHECK_EXAMPLES = """examples:
  phi-lint check                                  # the sfdx project in the current directory
  phi-lint check examples/clinic                  # another project
  phi-lint check force-app/main/default/classes/PatientService.cls
  phi-lint check --format sarif -o phi-lint.sarif # for GitHub code scanning
  phi-lint check --select apex/ --ignore apex/soql-without-fls
  phi-lint check --baseline .phi-lint-baseline.json
  phi-lint check --changed-since origin/main     # only findings in files changed on this branch
"""


def _csv(value: str) -> list[str]:
    return [v.strip() for v in value.split(",") if v.strip()]


def _error(message: str) -> int:
    print(f"phi-lint: error: {message}", file=sys.stderr)
    return EXIT_ERROR


def build_parser(with_sweep: bool = True) -> argparse.ArgumentParser:
    import argparse

    parser = argparse.ArgumentParser(
        prog="phi-lint",
        description="Find PHI leaks (HIPAA) in Salesforce projects and WCAG 2.2 AA failures in "
        "Lightning pages.",
        epilog="Run `phi-lint <command> --help` for a command's options and examples.",
    )
    parser.add_argument("--version", action="version", version=f"phi-lint {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="command")

    check = sub.add_parser(
        "check",
        help="analyse Apex, LWC/Aura and metadata files",
        epilog=CHECK_EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    check.add_argument("paths", nargs="*", type=Path, help="files or directories (default: .)")
    check.add_argument("--format", default="text", choices=["text", "json", "sarif", "github", "markdown"])
    check.add_argument("-o", "--output", type=Path, help="write the report to this file (atomically)")
    check.add_argument(
        "--select", type=_csv, default=None, help="rule ids or prefixes to run (e.g. apex/,meta/)"
    )
    check.add_argument("--ignore", type=_csv, default=None, help="rule ids or prefixes to skip")
    check.add_argument(
        "--extend-select", type=_csv, default=None, help="add rules to the configured selection"
    )
    check.add_argument(
        "--config", type=Path, help="phi-lint.toml to use (default: found at the project root)"
    )
    check.add_argument("--baseline", type=Path, help="findings recorded in this baseline do not fail the run")
    check.add_argument("--exit-zero", action="store_true", help="exit 0 even with findings")
    check.add_argument("-q", "--quiet", action="store_true", help="print nothing when there are no findings")
    check.add_argument("-j", "--jobs", type=int, default=None, help="worker processes (default: all cores)")
    check.add_argument("--no-cache", action="store_true", help="do not read or write the result cache")
    check.add_argument("--cache-dir", type=Path, help="cache directory (default: .phi-lint-cache)")
    check.add_argument(
        "--changed-since",
        metavar="REF",
        help="report only files changed since this git ref (the whole project is still read)",
    )
    check.add_argument(
        "--show-suppressed", action="store_true", help="text output: also list suppressed findings"
    )
    check.add_argument("--color", choices=["auto", "always", "never"], default="auto")

    rules = sub.add_parser("rules", help="list every rule")
    rules.add_argument("--format", choices=["text", "json"], default="text")
    rules.add_argument(
        "--write-docs", type=Path, metavar="DIR", help="(re)generate the rule doc pages into DIR"
    )

    explain = sub.add_parser(
        "explain",
        help="print a rule's documentation",
        epilog="example:\n  phi-lint explain apex/phi-in-log",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    explain.add_argument("rule", help="rule id, e.g. apex/phi-in-log")

    baseline = sub.add_parser(
        "baseline",
        help="record today's findings so only new ones fail",
        epilog="example:\n  phi-lint baseline write .phi-lint-baseline.json force-app\n"
        "  phi-lint check --baseline .phi-lint-baseline.json",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    baseline_sub = baseline.add_subparsers(dest="baseline_command", metavar="write")
    write = baseline_sub.add_parser("write", help="write a baseline file")
    write.add_argument("file", type=Path)
    write.add_argument("paths", nargs="*", type=Path)
    write.add_argument("--config", type=Path)

    merge = sub.add_parser(
        "merge",
        help="merge SARIF files into one (one run per category)",
        epilog="example:\n  phi-lint merge static.sarif sweep-1.sarif sweep-2.sarif -o all.sarif",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    merge.add_argument("inputs", nargs="+", type=Path)
    merge.add_argument("-o", "--output", type=Path, required=True)

    server = sub.add_parser(
        "server",
        help="a warm server that answers `phi-lint check` faster (opt-in)",
        description="A background process that keeps phi-lint loaded and the project's cache entries "
        "in memory; `phi-lint check` uses it when it runs for the same cache directory, with the same "
        "results. It stops after --idle-timeout seconds without a request.",
        epilog="examples:\n  phi-lint server start      # in the project's folder\n"
        "  phi-lint server status\n  phi-lint server stop\n"
        "  PHI_LINT_NO_SERVER=1 phi-lint check ...   # never use the server",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    server.add_argument("action", choices=["start", "stop", "status"])
    server.add_argument(
        "--cache-dir", type=Path, help="the cache directory (default: the project's, as `check` uses)"
    )
    server.add_argument(
        "--idle-timeout",
        type=float,
        default=1800.0,
        metavar="SECONDS",
        help="stop after this long without a request (default: 1800)",
    )

    if with_sweep:
        from phi_lint.sweep import cli as sweep_cli

        sweep_cli.register(sub)
    else:
        # The sweep's options live in phi_lint.sweep.cli, whose imports (asyncio, urllib) cost more
        # than a whole pre-commit check; it is loaded only when the command is `sweep`.
        sub.add_parser("sweep", help="accessibility sweep of pages (see `phi-lint sweep --help`)")
    return parser


@functools.lru_cache(maxsize=2)
def _parser(with_sweep: bool) -> argparse.ArgumentParser:
    """`build_parser`, once per process (parsing leaves a parser as it was): the warm server builds
    it before forking its children, for which it was a few milliseconds of a one-class check."""
    return build_parser(with_sweep=with_sweep)


def _load(paths: Sequence[Path], config_path: Path | None):  # type: ignore[no-untyped-def]
    """Registry, project root and config for a check-like command (raises ConfigError)."""
    from phi_lint.config import Config, find_config, load_config_file
    from phi_lint.project import find_root
    from phi_lint.rules import default_registry

    registry = default_registry()
    root = find_root(paths[0] if paths else Path("."))
    config_file = config_path or find_config(root)
    config = load_config_file(config_file, registry, _display(config_file)) if config_file else Config()
    return registry, root, config


def _display(path: Path) -> str:
    try:
        return Path(os.path.relpath(path)).as_posix()
    except ValueError:
        return str(path)


def _cache_dir(root: Path, config: Config, given: Path | None) -> Path:
    """The cache directory of a run: `--cache-dir`, else the configured one, relative to the project's
    root (`check` and `server` must agree: the server's socket lives there)."""
    cache_dir = given or Path(config.cache_dir)
    return cache_dir if cache_dir.is_absolute() else root / cache_dir


def _run_static(args: argparse.Namespace, paths: list[Path]):  # type: ignore[no-untyped-def]
    from dataclasses import replace

    from phi_lint.config import ConfigError
    from phi_lint.engine import CheckRequest, run_check
    from phi_lint.project import open_project

    registry, root, config = _load(paths, args.config)
    overrides = {}
    if getattr(args, "select", None) is not None:
        overrides["select"] = tuple(args.select)
    if getattr(args, "ignore", None) is not None:
        overrides["ignore"] = tuple(config.ignore) + tuple(args.ignore)
    if getattr(args, "extend_select", None) is not None:
        overrides["extend_select"] = tuple(config.extend_select) + tuple(args.extend_select)

    for key in ("select", "ignore", "extend_select"):
        for selector in overrides.get(key, ()):
            if not registry.is_known_selector(selector):
                raise ConfigError(
                    f"unknown rule id or prefix `{selector}` in --{key.replace('_', '-')}", "command line"
                )
    if overrides:
        config = replace(config, **overrides)
    cache_dir: Path | None = None
    cache = None
    if not getattr(args, "no_cache", False):
        from phi_lint.cache import Cache

        cache_dir = _cache_dir(root, config, getattr(args, "cache_dir", None))
        # The command line owns its process's garbage collector (see GC_THRESHOLDS).
        cache = Cache.open(cache_dir, freeze_loaded=True)
    project = open_project(root, config, cache)
    request = CheckRequest(paths=paths, project=project, registry=registry)
    jobs = getattr(args, "jobs", None)
    request.jobs = jobs if jobs is not None else config.jobs  # 0: the engine uses every core
    request.cache_dir = cache_dir
    request.cache = cache
    changed_since = getattr(args, "changed_since", None)
    if changed_since:
        from phi_lint.gitdiff import changed_files

        request.only_files = set(changed_files(root, changed_since))
    return root, run_check(request)


def cmd_check(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from phi_lint.baseline import BaselineError, apply_baseline, load_baseline
    from phi_lint.config import ConfigError
    from phi_lint.reporters import write_report

    paths = args.paths or [Path(".")]
    missing = [p for p in paths if not p.exists()]
    try:
        root, result = _run_static(args, paths)
        if args.baseline:
            fingerprints = load_baseline(args.baseline)
            result = replace(
                result, findings=tuple(apply_baseline(result.findings, fingerprints, _display(args.baseline)))
            )
    except (ConfigError, BaselineError) as exc:
        return _error(str(exc))
    except Exception as exc:  # last line of defence: say what failed, exit 2
        return _error(f"internal error: {type(exc).__name__}: {exc}")
    color = args.color == "always" or (
        args.color == "auto" and sys.stdout.isatty() and not os.environ.get("NO_COLOR")
    )
    unsuppressed = result.unsuppressed
    if not (args.quiet and not unsuppressed and not result.incomplete and args.output is None):
        write_report(
            [result], args.format, args.output, root, color=color, show_suppressed=args.show_suppressed
        )
    if missing:
        return _error("path does not exist: " + ", ".join(str(p) for p in missing))
    if result.incomplete:
        return EXIT_INCOMPLETE
    if unsuppressed and not args.exit_zero:
        return EXIT_FINDINGS
    return EXIT_CLEAN


def cmd_rules(args: argparse.Namespace) -> int:
    import json

    from phi_lint.rules import default_registry

    registry = default_registry()
    if args.write_docs:
        from phi_lint.docs_gen import write_docs

        written = write_docs(registry, args.write_docs)
        print(f"{len(written)} doc page(s) updated in {args.write_docs}")
        return EXIT_CLEAN
    if args.format == "json":
        print(
            json.dumps(
                [
                    {
                        "id": r.id,
                        "severity": r.severity.value,
                        "status": r.status,
                        "family": r.family,
                        "languages": list(r.languages),
                        "summary": r.short_description,
                    }
                    for r in registry
                ],
                indent=2,
            )
        )
        return EXIT_CLEAN
    width = max((len(r.id) for r in registry), default=10)
    for rule in registry:
        status = "" if rule.status == "stable" else f" [{rule.status}]"
        print(f"{rule.id:<{width}}  {rule.severity.value:<7}  {rule.short_description}{status}")
    return EXIT_CLEAN


def cmd_explain(args: argparse.Namespace) -> int:
    import difflib

    from phi_lint.docs_gen import render_rule_doc
    from phi_lint.rules import default_registry

    registry = default_registry()
    rule = registry.find(args.rule)
    if rule is None:
        close = difflib.get_close_matches(args.rule, [r.id for r in registry], n=3)
        hint = f" (did you mean {', '.join(close)}?)" if close else " (see `phi-lint rules`)"
        return _error(f"unknown rule `{args.rule}`{hint}")
    print(render_rule_doc(rule))
    return EXIT_CLEAN


def cmd_baseline(args: argparse.Namespace) -> int:
    import json

    from phi_lint.config import ConfigError
    from phi_lint.reporters import atomic_write

    if args.baseline_command != "write":
        return _error("usage: phi-lint baseline write FILE [PATHS...]")
    from phi_lint.baseline import baseline_document

    paths = args.paths or [Path(".")]
    try:
        _, result = _run_static(args, paths)
    except ConfigError as exc:
        return _error(str(exc))
    document = baseline_document([result])
    atomic_write(args.file, json.dumps(document, indent=2, sort_keys=True) + "\n")
    count = len(document["findings"])  # type: ignore[arg-type]
    print(f"phi-lint: recorded {count} finding(s) in {args.file}")
    return EXIT_INCOMPLETE if result.incomplete else EXIT_CLEAN


def cmd_merge(args: argparse.Namespace) -> int:
    import json

    from phi_lint.merge import MergeError, merge_logs, read_sarif
    from phi_lint.reporters import atomic_write

    logs = []
    failed = False
    for path in args.inputs:
        try:
            logs.append(read_sarif(path))
        except MergeError as exc:
            print(f"phi-lint: error: {exc}", file=sys.stderr)
            failed = True
    merged = merge_logs(logs)
    atomic_write(args.output, json.dumps(merged, indent=2, sort_keys=True, ensure_ascii=False) + "\n")
    results = sum(len(r["results"]) for r in merged["runs"])
    print(
        f"phi-lint: merged {len(logs)} file(s) into {args.output}: "
        f"{len(merged['runs'])} run(s), {results} result(s)"
    )
    return EXIT_ERROR if failed else EXIT_CLEAN


def cmd_server(args: argparse.Namespace) -> int:
    from phi_lint import server
    from phi_lint.config import ConfigError

    try:
        _, root, config = _load([Path(".")], None)
    except ConfigError as exc:
        return _error(str(exc))
    directory = str(_cache_dir(root, config, args.cache_dir))  # as `check` finds it
    if args.action == "start":
        if not args.idle_timeout > 0:
            return _error("--idle-timeout must be more than 0")
        return server.start(directory, args.idle_timeout)
    if args.action == "stop":
        return server.stop(directory)
    return server.print_status(directory)


# The cyclic garbage collector's generation-0 threshold for a command-line run (CPython's default is
# 700). A check allocates millions of objects and keeps a large graph of long-lived ones (summaries,
# records), but frees what it is done with by reference counting (the analyzers break their own
# cycles: `FileAnalysis.close`, `xmlsafe.parse_bytes`), so a collection finds almost nothing to free.
# On a cold 1,000-class run: default thresholds 0.53 s of collections, these 0.17 s, same peak memory.
# Set by `main` only: a program that imports phi-lint keeps its own settings.
GC_THRESHOLDS = (10_000, 20, 20)


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    if argv is None and arguments[:1] == ["check"]:
        # The command line's `check` goes to a warm server when one runs for its cache (server.py),
        # before anything heavy is imported. A program calling main() (and the server's own child,
        # which calls main(argv)) always runs the check itself.
        from phi_lint.server import run_on_server

        served = run_on_server(arguments)
        if served is not None:
            return served
    import gc

    gc.set_threshold(*GC_THRESHOLDS)
    parser = _parser(bool(arguments) and arguments[0] == "sweep")
    args = parser.parse_args(arguments)
    commands = {
        "check": cmd_check,
        "rules": cmd_rules,
        "explain": cmd_explain,
        "baseline": cmd_baseline,
        "merge": cmd_merge,
        "server": cmd_server,
    }
    if args.command is None:
        parser.print_help()
        return EXIT_ERROR
    received: list[int] = []
    previous = _handle_sigterm(received)
    try:
        if args.command == "sweep":
            from phi_lint.sweep import cli as sweep_cli

            return int(sweep_cli.run(args))
        return commands[args.command](args)
    except KeyboardInterrupt:
        # Reports and cache entries are written to a temp file and renamed, so an interrupted run
        # leaves the previous files whole; nothing half-written is left behind.
        print("phi-lint: interrupted", file=sys.stderr)
        return EXIT_TERMINATED if received else EXIT_INTERRUPTED
    except BrokenPipeError:
        return EXIT_CLEAN
    except OSError as exc:
        # An unwritable report, baseline or merge output: exit 2 with the reason. An uncaught exception
        # would exit 1, which CI reads as "findings".
        where = f" {exc.filename}" if exc.filename else ""
        return _error(f"cannot write{where}: {exc.strerror or exc}")
    except Exception as exc:  # last line of defence: say what failed, exit 2, never a traceback exit 1
        return _error(f"internal error: {type(exc).__name__}: {exc}")
    finally:
        _restore_sigterm(previous)


# 128 + signal number, as a shell reports a process killed by SIGINT / SIGTERM.
EXIT_INTERRUPTED, EXIT_TERMINATED = 130, 143


def _handle_sigterm(received: list[int]) -> object:
    """SIGTERM (CI cancelling a job, `timeout`, `docker stop`) takes the same path as Ctrl-C: a
    KeyboardInterrupt that unwinds through the atomic writers instead of killing the process mid-write."""
    import signal

    def interrupt(signum: int, _frame: object) -> None:
        received.append(signum)
        raise KeyboardInterrupt

    try:
        return signal.signal(signal.SIGTERM, interrupt)
    except (ValueError, OSError):  # not the main thread (e.g. called from a test runner's worker thread)
        return None


def _restore_sigterm(previous: object) -> None:
    import contextlib
    import signal

    if previous is None:
        return
    with contextlib.suppress(ValueError, OSError, TypeError):
        signal.signal(signal.SIGTERM, previous)  # type: ignore[arg-type]
