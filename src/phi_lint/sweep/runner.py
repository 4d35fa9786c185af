"""The sweep runner: one Chromium, one browser context per page, N workers, shards, waits, allowlist.

Flow of one page (scan_page): new context (viewport, storage state, allowlist route) -> goto -> config
steps -> wait until Lightning has settled -> synthetic-shadow fix + axe -> phi-lint's own checks
(tables, title/URL, authentication fields, Tab walk) -> element screenshots (masked) -> PageIssues ->
Findings. Any fault of one page (HTTP error, timeout, spinner that never stops, navigation off the
allowlist, renderer crash) becomes a PAGE_ERROR notification naming the page, and the sweep goes on.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import os
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

from phi_lint.findings import Finding, Notification, NotificationKind, RunResult, Severity, props
from phi_lint.phi import PHI_VALUE_PATTERNS, PhiModel
from phi_lint.rules import Registry, RuleMeta, default_registry
from phi_lint.sweep.axe import (
    RUN_AXE,
    SYNTHETIC_SHADOW_FIX,
    WCAG_TAGS,
    axe_context,
    axe_options,
    axe_rule_meta,
    axe_source,
    map_axe_results,
)
from phi_lint.sweep.config import PageFilter, PageSpec, Step, SweepConfig
from phi_lint.sweep.issues import ComponentLocator, PageContext, PageIssue, fingerprinted, to_findings
from phi_lint.sweep.redact import sanitize_text, sanitize_url
from phi_lint.sweep.tables import (
    CUSTOM_RULES,
    PAGE_RULES,
    check_auth_fields,
    check_focus_stops,
    check_tables,
    check_title_and_url,
    phi_model_with_labels,
)

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
CHECKS_JS = (Path(__file__).parent / "checks.js").read_text(encoding="utf-8")
POLL_S = 0.1


class PageFault(Exception):
    """A page could not be scanned; the message is already sanitized."""


@dataclass
class SweepOptions:
    workers: int = 1
    shard: tuple[int, int] | None = None  # (k, n), 1-based k
    storage_state: Path | None = None
    screenshots: bool = False
    mask_screenshots: bool = True
    timeout: float | None = None  # overrides the config
    project_root: Path | None = None
    phi_model: PhiModel | None = None
    report_root: Path = field(default_factory=Path.cwd)
    progress: Callable[[str], None] | None = None
    executable_path: str = CHROMIUM
    # Off only to demonstrate what axe misses under LWC synthetic shadow without the fix (tests).
    synthetic_shadow_fix: bool = True


@dataclass
class PageOutcome:
    page: PageSpec
    url: str  # sanitized
    findings: list[Finding] = field(default_factory=list)
    notifications: list[Notification] = field(default_factory=list)
    axe_rules: list[RuleMeta] = field(default_factory=list)
    # (rule id, selector) -> PNG of the highlighted element, cells, inputs and record values masked.
    screenshots: dict[tuple[str, str], bytes] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    scanned: bool = False


@dataclass
class SweepResult:
    run: RunResult
    pages: list[PageOutcome]
    # finding fingerprint -> PNG
    screenshots: dict[str, bytes] = field(default_factory=dict)
    interrupted: bool = False


# ---- page selection ---------------------------------------------------------------------------------


def resolve_url(page: PageSpec, base_url: str) -> str:
    if urlsplit(page.url).scheme:
        return page.url
    if not base_url:
        raise ValueError(
            f"page {sanitize_url(page.url)!r} is relative but no base_url (or serve) is configured"
        )
    return urljoin(base_url.rstrip("/") + "/", page.url.lstrip("/"))


def page_key(page: PageSpec) -> str:
    """Stable identity of a page for fingerprints and shards: its configured URL without secrets (a
    relative URL keeps findings stable when the demo server's port changes)."""
    return sanitize_url(page.url)


def select_shard(pages: Sequence[PageSpec], k: int, n: int) -> list[PageSpec]:
    """Pages of shard k of n: by a hash of the page key, so adding a page moves no other page."""
    if not 1 <= k <= n:
        raise ValueError(f"shard {k}/{n}: k must be between 1 and n")
    return [p for p in pages if int(hashlib.sha256(page_key(p).encode()).hexdigest(), 16) % n == k - 1]


def allowed_origins(config: SweepConfig, urls: Iterable[str]) -> set[str]:
    origins = {origin_of(u) for u in urls}
    origins.update(origin_of(o) if "://" in o else o for o in config.allowed_origins)
    if config.base_url:
        origins.add(origin_of(config.base_url))
    return {o for o in origins if o}


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme in ("http", "https", "ws", "wss"):
        return f"{parts.scheme}://{parts.netloc}".lower()
    return f"{parts.scheme}:" if parts.scheme else ""


# ---- the browser --------------------------------------------------------------------------------------


async def launch_browser(playwright: Any, executable_path: str = CHROMIUM) -> Any:
    return await playwright.chromium.launch(executable_path=executable_path, args=list(CHROMIUM_ARGS))


class BrowserSession:
    """One Playwright + Chromium for many sweeps (the test suite keeps one per session).

    Runs its own event loop so synchronous callers (CLI, tests) can `session.sweep(...)`.
    """

    def __init__(self, executable_path: str = CHROMIUM) -> None:
        from playwright.async_api import async_playwright

        self.loop = asyncio.new_event_loop()
        self._manager = async_playwright()
        self.playwright = self.loop.run_until_complete(self._manager.start())
        self.browser = self.loop.run_until_complete(launch_browser(self.playwright, executable_path))

    def run(self, coro: Any) -> Any:
        return self.loop.run_until_complete(coro)

    def sweep(
        self, config: SweepConfig, options: SweepOptions | None = None, registry: Registry | None = None
    ) -> SweepResult:
        result: SweepResult = self.loop.run_until_complete(
            sweep_async(self.browser, config, options or SweepOptions(), registry=registry)
        )
        return result

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.loop.run_until_complete(self.browser.close())
        with contextlib.suppress(Exception):
            self.loop.run_until_complete(self._manager.__aexit__(None, None, None))
        self.loop.close()


# ---- waiting for Lightning ----------------------------------------------------------------------------


async def wait_settled(
    page: Any, timeout_s: float, selector: str = "", page_timeout: float | None = None
) -> float:
    """Wait until the document is complete, Aura has no XHR in flight, no spinner is visible (through
    shadow roots) and the deep element count is stable across two polls. `networkidle` never settles
    on Lightning (background polling), so it is not used. Returns the seconds waited."""
    start = time.monotonic()
    deadline = start + timeout_s
    if selector:
        try:
            await page.wait_for_selector(selector, state="visible", timeout=max(timeout_s, 0.1) * 1000)
        except Exception as exc:
            raise PageFault(f"`wait_for` selector {selector!r} did not appear within {timeout_s:g}s") from exc
    previous: dict[str, Any] | None = None
    state: dict[str, Any] = {}
    while True:
        try:
            state = await page.evaluate(
                "() => window.__phiLintSweep ? window.__phiLintSweep.settleState() : null"
            )
            if state is None:  # a document without the init script (about:blank, error page)
                await page.evaluate(CHECKS_JS)
                continue
        except Exception as exc:
            # Lightning redirects on the client (/lightning/page/home -> a record page): the document
            # went away under the poll. Keep waiting for the new one until the deadline.
            if "context was destroyed" not in str(exc) and "navigat" not in str(exc).lower():
                raise
            if time.monotonic() > deadline:
                raise PageFault(f"page kept navigating for {page_timeout or timeout_s:g}s") from exc
            previous = None
            await asyncio.sleep(POLL_S)
            continue
        quiet = state["ready"] and not state["auraBusy"] and state["spinners"] == 0
        if quiet and previous is not None and previous["count"] == state["count"]:
            return time.monotonic() - start
        previous = state if quiet else None
        if time.monotonic() > deadline:
            why = []
            if state["spinners"]:
                why.append(f"{state['spinners']} spinner(s) still visible")
            if state["auraBusy"]:
                why.append("Aura requests still in flight")
            if not state["ready"]:
                why.append("document not complete")
            limit = page_timeout if page_timeout is not None else timeout_s
            raise PageFault(
                f"page did not finish rendering within {limit:g}s ({', '.join(why) or 'DOM still changing'})"
            )
        await asyncio.sleep(POLL_S)


async def run_step(page: Any, step: Step, timeout_s: float) -> None:
    ms = timeout_s * 1000
    if step.action == "click":
        await page.locator(step.target).first.click(timeout=ms)
    elif step.action == "fill":
        await page.locator(step.target).first.fill(step.value, timeout=ms)
    elif step.action == "press":
        await page.locator(step.target).first.press(step.value or "Enter", timeout=ms)
    elif step.action == "wait_for":
        await page.wait_for_selector(step.target, state="visible", timeout=ms)
    elif step.action == "goto":
        await page.goto(urljoin(page.url, step.target), wait_until="load", timeout=ms)


# ---- one page -----------------------------------------------------------------------------------------


@dataclass
class _Shared:
    config: SweepConfig
    options: SweepOptions
    registry: Registry
    model: PhiModel
    locator: ComponentLocator
    origins: set[str]
    config_path: str
    axe_catalogue: dict[str, RuleMeta] = field(default_factory=dict)


def _enabled_custom(config: SweepConfig) -> list[str]:
    return [r for r in CUSTOM_RULES if config.rule_enabled(r)]


async def _tab_walk(
    page: Any, stops: int, settle_ms: int, scope: dict[str, list[str]]
) -> list[dict[str, Any]]:
    await page.evaluate(
        "() => { const a = document.activeElement; if (a && a.blur) a.blur(); window.scrollTo(0, 0); }"
    )
    seen: list[dict[str, Any]] = []
    first: tuple[str, ...] | None = None
    for _ in range(stops):
        await page.keyboard.press("Tab")
        probe = await page.evaluate(
            "([ms, scope]) => window.__phiLintSweep.focusProbe(ms, scope)", [settle_ms, scope]
        )
        if not probe.get("focused"):
            if first is not None:
                break  # focus left the page: the walk went round once
            continue
        key = tuple(probe["selector"])
        if key == first:
            break
        first = first or key
        seen.append(probe)
    return seen


_PHI_PATTERNS_JS = [p.pattern for _, p in PHI_VALUE_PATTERNS]

_PREPARE_SHOT = """
([chain, mask, pad, patterns]) => {
  const box = window.__phiLintSweep.prepareScreenshot(chain, mask, pad);
  if (!box || !mask) return box;
  // Also cover any element whose own text looks like PHI (SSN, MRN, date of birth) outside tables.
  const regexes = patterns.map((p) => new RegExp(p, "i"));
  const layer = document.getElementById("__phi_lint_overlay");
  const all = [];
  const walk = (root) => { for (const el of Array.from(root.children || [])) { all.push(el);
    if (el.shadowRoot) walk(el.shadowRoot); walk(el); } };
  walk(document);
  for (const el of all) {
    const own = Array.from(el.childNodes).filter((n) => n.nodeType === 3).map((n) => n.data).join(" ");
    if (own.trim() && regexes.some((r) => r.test(own))) {
      const r = el.getBoundingClientRect();
      const d = document.createElement("div");
      d.style.cssText = `position:fixed;left:${r.left}px;top:${r.top}px;width:${r.width}px;` +
        `height:${r.height}px;background:#b0b7bf;`;
      layer.insertBefore(d, layer.firstChild);
    }
  }
  return box;
}
"""


async def _screenshots(
    page: Any, issues: Sequence[PageIssue], shared: _Shared
) -> dict[tuple[str, str], bytes]:
    shots: dict[tuple[str, str], bytes] = {}
    ranked = sorted(issues, key=lambda i: i.severity.rank)
    for issue in ranked:
        if len(shots) >= shared.config.screenshots_per_page:
            break
        key = (issue.rule_id, issue.selector)
        if key in shots or len(issue.target) != 1 or issue.target[0][-1] in ("html", "title"):
            continue
        try:
            box = await page.evaluate(
                _PREPARE_SHOT, [list(issue.target[0]), shared.options.mask_screenshots, 12, _PHI_PATTERNS_JS]
            )
            if box and box["width"] >= 1 and box["height"] >= 1:
                shots[key] = await page.screenshot(clip=box, animations="disabled", timeout=10_000)
        except Exception:
            continue  # a missing screenshot is not worth failing the page
        finally:
            with contextlib.suppress(Exception):
                await page.evaluate("() => window.__phiLintSweep.cleanupScreenshot()")
    return shots


async def scan_page(browser: Any, spec: PageSpec, shared: _Shared) -> PageOutcome:
    config = shared.config
    timeout = shared.options.timeout or spec.timeout or config.timeout
    url = resolve_url(spec, config.base_url)
    outcome = PageOutcome(page=spec, url=sanitize_url(url))
    label = f"{spec.name + ' ' if spec.name else ''}({outcome.url})"
    context_args: dict[str, Any] = {
        "viewport": {"width": config.viewport[0], "height": config.viewport[1]},
        "service_workers": "block",
    }
    if shared.options.storage_state is not None:
        context_args["storage_state"] = str(shared.options.storage_state)
    context = await browser.new_context(**context_args)
    blocked: list[str] = []
    crashed: list[bool] = []
    try:
        await context.add_init_script(CHECKS_JS)

        async def guard(route: Any) -> None:
            request = route.request
            target = request.url
            if target.startswith(("data:", "blob:", "about:")) or origin_of(target) in shared.origins:
                await route.continue_()
                return
            if request.is_navigation_request():
                blocked.append(sanitize_url(target))
            await route.abort("blockedbyclient")

        await context.route("**/*", guard)
        page = await context.new_page()
        page.on("crash", lambda _page: crashed.append(True))
        page.set_default_timeout(timeout * 1000)
        t0 = time.monotonic()
        try:
            response = await page.goto(url, wait_until="load", timeout=timeout * 1000)
        except Exception as exc:
            if blocked:
                raise PageFault(f"navigation left the allowlist to {blocked[0]} (blocked)") from exc
            raise PageFault(_playwright_message(exc, timeout)) from exc
        if response is not None and response.status >= 400:
            raise PageFault(f"HTTP {response.status} {sanitize_text(response.status_text or '')}".strip())
        for step in spec.steps:
            try:
                await run_step(page, step, timeout)
            except Exception as exc:
                raise PageFault(
                    f"step {step.action} {step.target!r} failed: {_playwright_message(exc, timeout)}"
                ) from exc
        outcome.timings["load"] = time.monotonic() - t0
        remaining = max(timeout - outcome.timings["load"], 1.0)
        outcome.timings["wait"] = await wait_settled(
            page, remaining, spec.wait_for or config.wait_for, timeout
        )
        if blocked:
            raise PageFault(f"page navigated off the allowlist to {blocked[0]} (blocked; not scanned)")
        issues, notes = await _checks(page, spec, shared, outcome)
        page_ctx = PageContext(
            url=outcome.url,
            key=page_key(spec),
            config_path=shared.config_path,
            config_line=spec.line,
            name=spec.name,
        )
        if shared.options.screenshots:
            t = time.monotonic()
            outcome.screenshots = await _screenshots(page, issues, shared)
            outcome.timings["screenshots"] = time.monotonic() - t
        page_filter = PageFilter(config, spec)
        outcome.findings = to_findings(issues, page_ctx, shared.locator, page_filter.ignore_for)
        outcome.notifications.extend(notes)
        for index, ignore in enumerate(spec.ignores):
            if index not in page_filter.used:
                outcome.notifications.append(
                    Notification(
                        NotificationKind.CONFIG,
                        f"page ignore of {ignore.rule} on {label} matched no finding; remove it",
                        Severity.NOTE,
                        path=shared.config_path or None,
                        line=spec.line or None,
                        rule_id=ignore.rule,
                    )
                )
        outcome.scanned = True
    except PageFault as fault:
        message = str(fault)
        if crashed:
            message = "the renderer crashed"
        outcome.notifications.append(_page_error(label, message, shared, spec))
    except asyncio.CancelledError:
        raise
    except Exception as exc:  # a Playwright error after the page crashed or closed
        message = "the renderer crashed" if crashed else _playwright_message(exc, timeout)
        outcome.notifications.append(_page_error(label, message, shared, spec))
    finally:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(context.close(), 10)
    return outcome


def _page_error(label: str, message: str, shared: _Shared, spec: PageSpec) -> Notification:
    return Notification(
        NotificationKind.PAGE_ERROR,
        f"{label}: {message}",
        Severity.ERROR,
        path=shared.config_path or None,
        line=spec.line or None,
    )


def _playwright_message(exc: BaseException, timeout: float) -> str:
    name = type(exc).__name__
    if name == "TimeoutError":
        return f"timed out after {timeout:g}s"
    text = sanitize_text(str(exc))
    if "crash" in text.lower():
        return "the renderer crashed"
    return text or name


async def _checks(
    page: Any, spec: PageSpec, shared: _Shared, outcome: PageOutcome
) -> tuple[list[PageIssue], list[Notification]]:
    config = shared.config
    issues: list[PageIssue] = []
    notes: list[Notification] = []
    label = f"{spec.name + ' ' if spec.name else ''}({outcome.url})"
    t = time.monotonic()
    axe_wanted = (
        any(config.rule_enabled(f"axe/{rid}") for rid in shared.axe_catalogue) or not shared.axe_catalogue
    )
    frames = await _frames(page)
    if axe_wanted:
        # axe in every frame (Visualforce iframes in Lightning): the top frame's axe.run then collects
        # results from the frames itself; targets get one entry per frame.
        for frame, _ in frames:
            try:
                if shared.options.synthetic_shadow_fix:
                    await frame.evaluate(SYNTHETIC_SHADOW_FIX)
                if not await frame.evaluate("() => typeof window.axe === 'object'"):
                    await frame.evaluate(axe_source())
            except Exception:
                if frame is page.main_frame:
                    raise
                notes.append(
                    Notification(
                        NotificationKind.SKIPPED,
                        f"{label}: a frame could not be prepared for axe and was not checked",
                        Severity.WARNING,
                        path=shared.config_path or None,
                        line=spec.line or None,
                    )
                )
        if not shared.axe_catalogue:
            catalogue = await page.evaluate("(tags) => axe.getRules(tags)", list(WCAG_TAGS))
            version = await page.evaluate("() => axe.version")
            for rule in catalogue:
                meta = axe_rule_meta(
                    {
                        "id": rule["ruleId"],
                        "help": rule["help"],
                        "description": rule["description"],
                        "helpUrl": rule["helpUrl"],
                        "tags": rule["tags"],
                    },
                    version,
                )
                shared.axe_catalogue[rule["ruleId"]] = meta
        ignored = [rid for rid in shared.axe_catalogue if not config.rule_enabled(f"axe/{rid}")]
        include = list(spec.include or config.include)
        exclude = list(config.exclude) + list(spec.exclude)
        raw = await page.evaluate(RUN_AXE, [axe_context(include, exclude), axe_options(ignored)])
        mapped = map_axe_results(raw, label, shared.config_path or None, spec.line or None)
        issues += [i for i in mapped.issues if config.rule_enabled(i.rule_id)]
        notes += [n for n in mapped.notifications if n.rule_id is None or config.rule_enabled(n.rule_id)]
        outcome.axe_rules = mapped.rules
    outcome.timings["axe"] = time.monotonic() - t
    t = time.monotonic()
    enabled = _enabled_custom(config)
    scope = {
        "include": list(spec.include or config.include),
        "exclude": list(config.exclude) + list(spec.exclude),
    }
    for frame, path in frames:
        found: list[PageIssue] = []
        try:
            if any(r.startswith("a11y/phi-") and r not in PAGE_RULES for r in enabled):
                tables = await frame.evaluate("(scope) => window.__phiLintSweep.tables(scope)", scope)
                found += check_tables(tables, shared.model, enabled, shared.registry)
            if "a11y/accessible-authentication" in enabled:
                fields = await frame.evaluate("(scope) => window.__phiLintSweep.authFields(scope)", scope)
                found += check_auth_fields(fields, enabled, shared.registry)
        except Exception:
            if frame is page.main_frame:
                raise
            continue  # a frame that navigated or closed meanwhile
        # Inside a frame, the target starts with the chain of <iframe> elements that lead to it.
        issues += [replace(i, target=(*path, *i.target)) for i in found] if path else found
    title = await page.title()
    issues += check_title_and_url(title, page.url, shared.model, enabled)
    outcome.timings["checks"] = time.monotonic() - t
    if "a11y/focus-not-obscured" in enabled and config.tab_stops > 0:
        t = time.monotonic()
        stops = await _tab_walk(page, config.tab_stops, config.focus_settle_ms, scope)
        issues += check_focus_stops(stops, enabled, shared.registry)
        outcome.timings["tab_walk"] = time.monotonic() - t
    return issues, notes


async def _frames(page: Any) -> list[tuple[Any, tuple[tuple[str, ...], ...]]]:
    """Every frame with the selector chains of the <iframe> elements leading to it (top frame: ())."""
    out: list[tuple[Any, tuple[tuple[str, ...], ...]]] = []
    paths: dict[Any, tuple[tuple[str, ...], ...]] = {page.main_frame: ()}
    for frame in page.frames:
        if frame is page.main_frame:
            out.append((frame, ()))
            continue
        try:
            parent = frame.parent_frame
            element = await frame.frame_element()
            chain = await element.evaluate(
                "(el) => window.__phiLintSweep ? window.__phiLintSweep.selectorChain(el) : [el.localName]"
            )
            if parent not in paths:
                continue
            paths[frame] = (*paths[parent], tuple(chain))
            out.append((frame, paths[frame]))
        except Exception:
            continue  # detached while we looked
    return out


# ---- the sweep ----------------------------------------------------------------------------------------


def _config_display(config: SweepConfig, root: Path) -> str:
    if config.path is None:
        return ""
    try:
        return config.path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return Path(os.path.relpath(config.path.resolve(), root.resolve())).as_posix()


async def sweep_async(
    browser: Any,
    config: SweepConfig,
    options: SweepOptions,
    registry: Registry | None = None,
    stop: asyncio.Event | None = None,
) -> SweepResult:
    if config.serve is not None and not config.base_url:
        from dataclasses import replace

        from phi_lint.sweep.server import StaticServer

        with StaticServer(config.serve) as server:
            served = replace(config, base_url=server.base_url)
            return await sweep_async(browser, served, options, registry, stop)
    registry = registry or default_registry()
    pages = list(config.pages)
    if options.shard is not None:
        pages = select_shard(pages, *options.shard)
    urls = [resolve_url(p, config.base_url) for p in pages]
    model = phi_model_with_labels(options.phi_model, config.phi_labels)
    shared = _Shared(
        config=config,
        options=options,
        registry=registry,
        model=model,
        locator=ComponentLocator(options.project_root),
        origins=allowed_origins(config, urls),
        config_path=_config_display(config, options.report_root),
    )
    queue: asyncio.Queue[tuple[int, PageSpec]] = asyncio.Queue()
    for item in enumerate(pages):
        queue.put_nowait(item)
    outcomes: dict[int, PageOutcome] = {}
    stop = stop or asyncio.Event()
    hard_limit = (options.timeout or config.timeout) * 3 + 60

    async def worker() -> None:
        while not stop.is_set():
            try:
                index, spec = queue.get_nowait()
            except asyncio.QueueEmpty:
                return
            t = time.monotonic()
            try:
                outcome = await asyncio.wait_for(scan_page(browser, spec, shared), hard_limit)
            except asyncio.TimeoutError:
                outcome = PageOutcome(page=spec, url=sanitize_url(urls[index]))
                outcome.notifications.append(
                    _page_error(spec.label, f"gave up after {hard_limit:g}s", shared, spec)
                )
            outcome.timings["total"] = time.monotonic() - t
            outcomes[index] = outcome
            if options.progress:
                count = len(outcome.findings)
                state = "error" if not outcome.scanned else f"{count} finding(s)"
                options.progress(
                    f"[{len(outcomes)}/{len(pages)}] {outcome.url}: {state} ({outcome.timings['total']:.1f}s)"
                )

    tasks = [asyncio.ensure_future(worker()) for _ in range(max(1, min(options.workers, len(pages) or 1)))]
    waiter = asyncio.ensure_future(stop.wait())
    pending: set[asyncio.Future[Any]] = set(tasks)
    interrupted = False
    try:
        while pending and not stop.is_set():
            done, _ = await asyncio.wait(pending | {waiter}, return_when=asyncio.FIRST_COMPLETED)
            pending -= done
        interrupted = bool(pending) or len(outcomes) < len(pages)
    except asyncio.CancelledError:
        interrupted = True
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        waiter.cancel()
    return build_result(pages, outcomes, shared, interrupted, urls)


def build_result(
    pages: Sequence[PageSpec],
    outcomes: dict[int, PageOutcome],
    shared: _Shared,
    interrupted: bool,
    urls: Sequence[str],
) -> SweepResult:
    ordered = [outcomes[i] for i in sorted(outcomes)]
    findings = fingerprinted(f for o in ordered for f in o.findings)
    notifications: list[Notification] = [n for o in ordered for n in o.notifications]
    if interrupted:
        missing = [sanitize_url(urls[i]) for i in range(len(pages)) if i not in outcomes]
        notifications.append(
            Notification(
                NotificationKind.PAGE_ERROR,
                f"sweep interrupted: {len(outcomes)} of {len(pages)} page(s) scanned; not scanned: "
                + ", ".join(missing[:20])
                + (" ..." if len(missing) > 20 else ""),
                Severity.ERROR,
            )
        )
    rules: dict[str, RuleMeta] = {}
    for rid in _enabled_custom(shared.config):
        rules[rid] = shared.registry.get(rid)
    for meta in shared.axe_catalogue.values():
        if shared.config.rule_enabled(meta.id):
            rules[meta.id] = meta
    for outcome in ordered:
        for meta in outcome.axe_rules:
            rules.setdefault(meta.id, meta)
    by_key: dict[tuple[str, str, str], bytes] = {}
    for outcome in ordered:
        for (rule_id, selector), png in outcome.screenshots.items():
            by_key[(outcome.url, rule_id, selector)] = png
    screenshots: dict[str, bytes] = {}
    for finding in findings:
        key = (finding.property("page"), finding.rule_id, finding.property("selector"))
        if key in by_key:
            screenshots[finding.fingerprint] = by_key[key]
    run = RunResult(
        category="sweep",
        findings=tuple(findings),
        notifications=tuple(sorted(notifications, key=lambda n: n.sort_key())),
        rules=tuple(sorted(rules.values(), key=lambda r: r.id)),
        scanned=sum(1 for o in ordered if o.scanned),
        properties=props(
            sweep_config=shared.config_path or None, pages=len(pages), interrupted=interrupted or None
        ),
    )
    return SweepResult(run=run, pages=ordered, screenshots=screenshots, interrupted=interrupted)


def run_sweep(
    config: SweepConfig,
    options: SweepOptions,
    registry: Registry | None = None,
) -> SweepResult:
    """Synchronous entry: start Chromium, sweep, close."""
    session = BrowserSession(options.executable_path)
    try:
        return session.sweep(config, options, registry)
    finally:
        session.close()


# ---- signing in ---------------------------------------------------------------------------------------


async def sf_org_storage_state(
    browser: Any, alias: str, timeout_s: float = 90.0, sf_command: str = "sf"
) -> Path:
    """Sign in with `sf org open --url-only --json -o ALIAS` and save the session to a private file.

    The front-door URL carries a session id: it is never logged, printed or put in an error message.
    The caller deletes the returned file when the sweep ends.
    """
    proc = await asyncio.create_subprocess_exec(
        sf_command,
        "org",
        "open",
        "--url-only",
        "--json",
        "-o",
        alias,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    out, _ = await asyncio.wait_for(proc.communicate(), timeout_s)
    try:
        url = json.loads(out.decode("utf-8", "replace"))["result"]["url"]
    except (ValueError, KeyError, TypeError) as exc:
        raise PageFault(
            f"`sf org open --url-only --json -o {alias}` gave no URL (exit {proc.returncode})"
        ) from exc
    context = await browser.new_context()
    try:
        page = await context.new_page()
        try:
            await page.goto(url, wait_until="load", timeout=timeout_s * 1000)
            await page.wait_for_url("**/lightning/**", timeout=timeout_s * 1000)
        except Exception as exc:
            raise PageFault(
                f"signing in to org {alias} failed: {_playwright_message(exc, timeout_s)}"
            ) from exc
        handle, name = tempfile.mkstemp(prefix="phi-lint-state-", suffix=".json")
        os.close(handle)
        os.chmod(name, 0o600)
        await context.storage_state(path=name)
        os.chmod(name, 0o600)
        return Path(name)
    finally:
        await context.close()
