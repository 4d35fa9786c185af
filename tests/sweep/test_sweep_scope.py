"""include/exclude selectors scope axe and phi-lint's own checks alike (also inside shadow roots)."""

from __future__ import annotations

from pathlib import Path

from phi_lint.sweep.config import PageSpec, SweepConfig
from phi_lint.sweep.runner import BrowserSession, SweepOptions
from phi_lint.sweep.server import StaticServer

PAGE = """<!doctype html><html lang="en"><head><title>Scope</title></head><body><main><h1>Scope</h1>
<section id="app"><table><tr><th>Patient</th><th>SSN</th></tr><tr><th>Ada</th><td>1</td></tr></table>
<img src="a.png"></section>
<aside class="third-party"><table><tr><th>Ad</th><th>Price</th></tr><tr><th>X</th><td>1</td></tr></table>
<img src="b.png"><c-widget></c-widget></aside>
<script>document.querySelector("c-widget").attachShadow({ mode: "open" }).innerHTML =
  '<table><tr><th>Ad</th><th>Price</th></tr><tr><th>Y</th><td>2</td></tr></table>';</script>
</main></body></html>"""


def test_exclude_and_include(browser_session: BrowserSession, site: tuple[Path, StaticServer]) -> None:
    root, server = site
    (root / "scope.html").write_text(PAGE)
    rules = ("a11y/phi-table-name", "axe/image-alt")
    everything = SweepConfig(pages=(PageSpec(url="/scope.html"),), base_url=server.base_url, select=rules)
    excluded = SweepConfig(
        pages=everything.pages, base_url=server.base_url, select=rules, exclude=(".third-party",)
    )
    included = SweepConfig(pages=everything.pages, base_url=server.base_url, select=rules, include=("aside",))

    def found(config: SweepConfig) -> list[tuple[str, str]]:
        result = browser_session.sweep(config, SweepOptions())
        return sorted((f.rule_id, f.property("selector")) for f in result.run.findings)

    assert len(found(everything)) == 5
    assert found(excluded) == [
        ("a11y/phi-table-name", "#app > table"),
        ("axe/image-alt", 'img[src="a.png"]'),
    ]
    assert [rule for rule, _ in found(included)] == ["a11y/phi-table-name"] * 2 + ["axe/image-alt"]


TOP = """<!doctype html><html lang="en"><head><title>Top</title></head><body><main><h1>Top</h1>
<iframe src="inner.html" title="Visualforce page"></iframe></main></body></html>"""
INNER = """<!doctype html><html lang="en"><head><title>Inner</title></head><body><main><h1>Inner</h1>
<img src="x.png"><table><tr><th>SSN</th><th>Name</th></tr><tr><th>1</th><td>2</td></tr></table>
<label for="pw">Password</label>
<input id="pw" type="password" autocomplete="current-password" onpaste="return false">
</main></body></html>"""


def test_frames_are_checked_with_frame_paths(
    browser_session: BrowserSession, site: tuple[Path, StaticServer]
) -> None:
    root, server = site
    (root / "top.html").write_text(TOP)
    (root / "inner.html").write_text(INNER)
    config = SweepConfig(
        pages=(PageSpec(url="/top.html"),),
        base_url=server.base_url,
        select=("a11y/phi-table-name", "a11y/accessible-authentication", "axe/image-alt"),
    )
    result = browser_session.sweep(config, SweepOptions())
    assert sorted((f.rule_id, f.property("selector")) for f in result.run.findings) == [
        ("a11y/accessible-authentication", "body > main > iframe |> #pw"),
        ("a11y/phi-table-name", "body > main > iframe |> body > main > table"),
        ("axe/image-alt", "iframe |> img"),
    ]
