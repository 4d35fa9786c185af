"""The sweep configuration file (`sweep.toml`): pages, steps, selectors, rule selection, ignores.

```toml
[sweep]
base_url = "https://example.my.site.com"   # relative page URLs resolve against it
serve = "site"              # or: serve this directory on 127.0.0.1 and use it as base_url
timeout = 30                # seconds per page (navigation, steps and waiting for Lightning)
viewport = { width = 1280, height = 800 }
allowed_origins = []        # extra origins pages may load from (the pages' own origins always are)
include = []                # CSS selectors to scan (default: the whole page)
exclude = [".third-party"]  # CSS selectors axe skips
select = []                 # rule selectors: "axe", "a11y/phi-*", "axe/color-contrast"
ignore = []
phi_labels = ["Member #"]   # extra column labels that mark a table as showing PHI
tab_stops = 40              # how many Tab presses the focus-not-obscured walk makes per page

[[pages]]
name = "Patients"
url = "/patients.html"
steps = [{ click = "button.load" }, { fill = "input[name=q]", value = "x" }, { wait_for = "table" }]
ignore = [{ rule = "axe/color-contrast", reason = "brand colour, see A11Y-12" }]
```
Unknown keys are errors that name the file and line, so a typo never silently disables a check.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from phi_lint.rules import selector_matches

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

SWEEP_KEYS = frozenset(
    {
        "base_url",
        "serve",
        "timeout",
        "viewport",
        "allowed_origins",
        "include",
        "exclude",
        "select",
        "ignore",
        "phi_labels",
        "tab_stops",
        "focus_settle_ms",
        "screenshots_per_page",
        "mask_screenshots",
        "wait_for",
    }
)
PAGE_KEYS = frozenset({"name", "url", "steps", "ignore", "include", "exclude", "wait_for", "timeout"})
STEP_ACTIONS = frozenset({"click", "fill", "wait_for", "press", "goto"})


class SweepConfigError(Exception):
    def __init__(self, message: str, path: str = "", line: int | None = None) -> None:
        super().__init__(message)
        self.path = path
        self.line = line

    def __str__(self) -> str:
        where = self.path or "sweep configuration"
        if self.line:
            where += f":{self.line}"
        return f"{where}: {self.args[0]}"


@dataclass(frozen=True)
class Step:
    action: str  # click | fill | wait_for | press | goto
    target: str
    value: str = ""


@dataclass(frozen=True)
class PageIgnore:
    rule: str
    reason: str
    selector: str = ""  # only findings on this (normalized) selector, when given


@dataclass(frozen=True)
class PageSpec:
    url: str
    name: str = ""
    steps: tuple[Step, ...] = ()
    ignores: tuple[PageIgnore, ...] = ()
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    wait_for: str = ""
    timeout: float | None = None
    # Line of this page's entry in the config file (the physical location of findings with no
    # component source); 0 when the page came from the command line or a sitemap.
    line: int = 0

    @property
    def label(self) -> str:
        return self.name or self.url


@dataclass(frozen=True)
class SweepConfig:
    pages: tuple[PageSpec, ...] = ()
    base_url: str = ""
    serve: Path | None = None
    timeout: float = 30.0
    viewport: tuple[int, int] = (1280, 800)
    allowed_origins: tuple[str, ...] = ()
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    phi_labels: tuple[str, ...] = ()
    tab_stops: int = 40
    focus_settle_ms: int = 0
    screenshots_per_page: int = 20
    mask_screenshots: bool = True
    wait_for: str = ""
    # The config file, POSIX and relative to the report root ("" when there is none).
    source: str = ""
    path: Path | None = None

    def rule_enabled(self, rule_id: str) -> bool:
        if any(selector_matches(s, rule_id) for s in self.ignore):
            return rule_id in self.select
        return not self.select or any(selector_matches(s, rule_id) for s in self.select)


def _line_of(text: str, pattern: str, start: int = 0) -> int:
    regex = re.compile(pattern, re.MULTILINE)
    match = regex.search(text, start)
    return text.count("\n", 0, match.start()) + 1 if match else 0


def _page_lines(text: str) -> list[int]:
    """Line number of each `[[pages]]` header (or inline `pages = [` entry) in file order."""
    lines = [
        text.count("\n", 0, m.start()) + 1 for m in re.finditer(r"^[ \t]*\[\[\s*pages\s*\]\]", text, re.M)
    ]
    return lines


def _strings(value: object, key: str, source: str, line: int) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise SweepConfigError(f"`{key}` must be a list of strings", source, line)
    return tuple(value)


def _steps(raw: object, source: str, line: int) -> tuple[Step, ...]:
    if not isinstance(raw, list):
        raise SweepConfigError('`steps` must be a list of tables like { click = "selector" }', source, line)
    steps: list[Step] = []
    for item in raw:
        if not isinstance(item, dict):
            raise SweepConfigError('each step must be a table like { click = "selector" }', source, line)
        actions = [k for k in item if k in STEP_ACTIONS]
        extra = set(item) - STEP_ACTIONS - {"value"}
        if len(actions) != 1 or extra:
            raise SweepConfigError(
                f"a step needs exactly one of {sorted(STEP_ACTIONS)} (and `value` for fill/press); "
                f"got {sorted(item)}",
                source,
                line,
            )
        action = actions[0]
        value = item.get("value", "")
        if action == "fill" and "value" not in item:
            raise SweepConfigError("a fill step needs `value`", source, line)
        steps.append(Step(action=action, target=str(item[action]), value=str(value)))
    return tuple(steps)


def _ignores(raw: object, source: str, line: int) -> tuple[PageIgnore, ...]:
    if not isinstance(raw, list):
        raise SweepConfigError(
            "`ignore` of a page must be a list of { rule = ..., reason = ... }", source, line
        )
    out: list[PageIgnore] = []
    for item in raw:
        if not isinstance(item, dict) or not isinstance(item.get("rule"), str):
            raise SweepConfigError("each page ignore needs `rule` and `reason`", source, line)
        reason = str(item.get("reason", "")).strip()
        if not reason:
            raise SweepConfigError(f"page ignore of {item['rule']} needs a `reason`", source, line)
        unknown = set(item) - {"rule", "reason", "selector"}
        if unknown:
            raise SweepConfigError(f"unknown keys in page ignore: {sorted(unknown)}", source, line)
        out.append(PageIgnore(rule=item["rule"], reason=reason, selector=str(item.get("selector", ""))))
    return tuple(out)


def parse_sweep_config(
    data: Mapping[str, Any], text: str = "", source: str = "", base_dir: Path | None = None
) -> SweepConfig:
    unknown_top = set(data) - {"sweep", "pages"}
    if unknown_top:
        key = sorted(unknown_top)[0]
        raise SweepConfigError(
            f"unknown key `{key}` (expected [sweep] and [[pages]])",
            source,
            _line_of(text, rf"^[ \t]*\[?\s*{re.escape(key)}"),
        )
    sweep = data.get("sweep", {})
    if not isinstance(sweep, dict):
        raise SweepConfigError("[sweep] must be a table", source)
    for key in sweep:
        if key not in SWEEP_KEYS:
            raise SweepConfigError(
                f"unknown key `{key}` in [sweep]", source, _line_of(text, rf"^[ \t]*{re.escape(key)}\s*=")
            )

    def line(key: str) -> int:
        return _line_of(text, rf"^[ \t]*{re.escape(key)}\s*=")

    viewport = sweep.get("viewport", {"width": 1280, "height": 800})
    if not isinstance(viewport, dict) or set(viewport) - {"width", "height"}:
        raise SweepConfigError("`viewport` must be { width = N, height = N }", source, line("viewport"))
    kwargs: dict[str, Any] = {}
    for key in ("include", "exclude", "select", "ignore", "allowed_origins", "phi_labels"):
        if key in sweep:
            kwargs[key] = _strings(sweep[key], key, source, line(key))
    for key in ("base_url", "wait_for"):
        if key in sweep:
            if not isinstance(sweep[key], str):
                raise SweepConfigError(f"`{key}` must be a string", source, line(key))
            kwargs[key] = sweep[key]
    for key, kind in (
        ("timeout", (int, float)),
        ("tab_stops", int),
        ("focus_settle_ms", int),
        ("screenshots_per_page", int),
        ("mask_screenshots", bool),
    ):
        if key in sweep:
            value = sweep[key]
            if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
                raise SweepConfigError(f"`{key}` has the wrong type", source, line(key))
            kwargs[key] = float(value) if key == "timeout" else value
    serve: Path | None = None
    if "serve" in sweep:
        if not isinstance(sweep["serve"], str):
            raise SweepConfigError("`serve` must be a directory path", source, line("serve"))
        serve = ((base_dir or Path(".")) / sweep["serve"]).resolve()
        if not serve.is_dir():
            raise SweepConfigError(
                f"`serve` directory does not exist: {sweep['serve']}", source, line("serve")
            )

    raw_pages = data.get("pages", [])
    if not isinstance(raw_pages, list):
        raise SweepConfigError("`pages` must be an array of tables ([[pages]])", source)
    page_lines = _page_lines(text)
    pages: list[PageSpec] = []
    for index, raw in enumerate(raw_pages):
        page_line = page_lines[index] if index < len(page_lines) else 0
        if not isinstance(raw, dict):
            raise SweepConfigError("each page must be a table", source, page_line)
        unknown = set(raw) - PAGE_KEYS
        if unknown:
            raise SweepConfigError(f"unknown keys in page: {sorted(unknown)}", source, page_line)
        if not isinstance(raw.get("url"), str) or not raw["url"]:
            raise SweepConfigError("each page needs a `url`", source, page_line)
        timeout = raw.get("timeout")
        pages.append(
            PageSpec(
                url=raw["url"],
                name=str(raw.get("name", "")),
                steps=_steps(raw.get("steps", []), source, page_line),
                ignores=_ignores(raw.get("ignore", []), source, page_line),
                include=_strings(raw.get("include", []), "include", source, page_line),
                exclude=_strings(raw.get("exclude", []), "exclude", source, page_line),
                wait_for=str(raw.get("wait_for", "")),
                timeout=float(timeout) if isinstance(timeout, (int, float)) else None,
                line=page_line,
            )
        )
    return SweepConfig(
        pages=tuple(pages),
        serve=serve,
        viewport=(int(viewport.get("width", 1280)), int(viewport.get("height", 800))),
        source=source,
        **kwargs,
    )


def load_sweep_config(path: Path, display: str = "") -> SweepConfig:
    source = display or path.as_posix()
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SweepConfigError(f"cannot read: {exc.strerror}", source) from exc
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"line (\d+)", str(exc))
        raise SweepConfigError(
            f"invalid TOML: {exc}", source, int(match.group(1)) if match else None
        ) from exc
    config = parse_sweep_config(data, text, source, base_dir=path.parent)
    return _with(config, path=path.resolve())


def _with(config: SweepConfig, **changes: Any) -> SweepConfig:
    from dataclasses import replace

    return replace(config, **changes)


@dataclass
class PageFilter:
    """Rule selection for one page: global select/ignore plus the page's own ignores."""

    config: SweepConfig
    page: PageSpec
    used: set[int] = field(default_factory=set)

    def ignore_for(self, rule_id: str, selector: str) -> PageIgnore | None:
        for index, ignore in enumerate(self.page.ignores):
            if selector_matches(ignore.rule, rule_id) and (
                not ignore.selector or ignore.selector == selector
            ):
                self.used.add(index)
                return ignore
        return None
