"""Page steps (fill, press, click, wait_for), per-page ignores as suppressions, and unused ignores."""

from __future__ import annotations

from pathlib import Path

from phi_lint.findings import NotificationKind, SuppressionKind
from phi_lint.sweep.config import PageIgnore, PageSpec, Step, SweepConfig
from phi_lint.sweep.runner import BrowserSession, SweepOptions
from phi_lint.sweep.server import StaticServer

SEARCH = """<!doctype html><html lang="en"><head><title>Search</title></head><body><main><h1>Search</h1>
<label for="q">Patient</label><input id="q" name="q">
<button type="button" id="more" onclick="document.getElementById('extra').hidden = false">More</button>
<div id="results"></div><div id="extra" hidden><img src="x.png"></div>
<script>
  document.getElementById("q").addEventListener("keydown", (e) => {
    if (e.key !== "Enter" || e.target.value !== "ada") return;
    setTimeout(() => { document.getElementById("results").innerHTML =
      '<table><tr><th>Patient</th><th>MRN</th></tr>' +
      '<tr><th>Ada</th><td>MRN 0012345</td></tr></table>'; }, 200);
  });
</script></main></body></html>"""


def test_steps_reveal_content_before_the_scan(
    browser_session: BrowserSession, site: tuple[Path, StaticServer]
) -> None:
    root, server = site
    (root / "search.html").write_text(SEARCH)
    steps = (
        Step("fill", "#q", "ada"),
        Step("press", "#q", "Enter"),
        Step("wait_for", "#results table"),
        Step("click", "#more"),
    )
    ignores = (
        PageIgnore("axe/image-alt", "decorative, tracked in A11Y-7"),
        PageIgnore("axe/region", "no such finding here"),
    )
    page = PageSpec(url="/search.html", name="search", steps=steps, ignores=ignores, line=12)
    config = SweepConfig(
        pages=(page,), base_url=server.base_url, select=("a11y/phi-table-name", "axe/image-alt", "axe/region")
    )
    result = browser_session.sweep(config, SweepOptions())
    by_rule = {f.rule_id: f for f in result.run.findings}
    assert set(by_rule) == {"a11y/phi-table-name", "axe/image-alt"}
    assert by_rule["a11y/phi-table-name"].severity.value == "error"  # MRN column and value
    image = by_rule["axe/image-alt"]
    assert image.suppression is not None and image.suppression.kind is SuppressionKind.EXTERNAL
    assert image.suppression.justification == "decorative, tracked in A11Y-7"
    assert [f.rule_id for f in result.run.unsuppressed] == ["a11y/phi-table-name"]
    [unused] = [n for n in result.run.notifications if n.kind is NotificationKind.CONFIG]
    assert unused.rule_id == "axe/region" and unused.line == 12 and "matched no finding" in unused.message


def test_a_failing_step_is_a_page_error(
    browser_session: BrowserSession, site: tuple[Path, StaticServer]
) -> None:
    root, server = site
    (root / "search.html").write_text(SEARCH)
    page = PageSpec(url="/search.html", name="search", steps=(Step("click", "#no-such-button"),))
    result = browser_session.sweep(
        SweepConfig(pages=(page,), base_url=server.base_url, timeout=2), SweepOptions()
    )
    [error] = [n for n in result.run.notifications if n.kind is NotificationKind.PAGE_ERROR]
    assert "step click '#no-such-button' failed: timed out after 2s" in error.message
    assert result.run.findings == ()


REDIRECT = """<!doctype html><html lang="en"><head><title>Loading</title></head><body><main><h1>Loading</h1>
<div class="slds-spinner_container"><div class="slds-spinner" style="width:20px;height:20px"></div></div>
<script>setTimeout(() => location.replace("/record.html"), 300);</script></main></body></html>"""
RECORD = """<!doctype html><html lang="en"><head><title>Record</title></head><body><main><h1>Record</h1>
<img src="x.png"></main></body></html>"""


def test_client_side_redirect_while_waiting(
    browser_session: BrowserSession, site: tuple[Path, StaticServer]
) -> None:
    """Lightning redirects in the browser (home -> record page) while phi-lint waits: it waits for the
    new document instead of failing the page."""
    root, server = site
    (root / "home.html").write_text(REDIRECT)
    (root / "record.html").write_text(RECORD)
    config = SweepConfig(
        pages=(PageSpec(url="/home.html"),), base_url=server.base_url, timeout=10, select=("axe/image-alt",)
    )
    result = browser_session.sweep(config, SweepOptions())
    assert [n.message for n in result.run.notifications] == []
    assert [f.rule_id for f in result.run.findings] == ["axe/image-alt"]
