"""Patient data never reaches a report: planted PHI-like values are absent from every output format,
the progress log, and (as pixels) from masked screenshots."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import pytest

from phi_lint.cli import main
from phi_lint.sweep.cli import write
from phi_lint.sweep.config import PageSpec, SweepConfig, load_sweep_config
from phi_lint.sweep.runner import BrowserSession, SweepOptions, SweepResult
from phi_lint.sweep.server import StaticServer

# Values that appear nowhere in phi-lint's own rule docs (which SARIF descriptors include).
PLANTED = ("078-05-1120", "Zygmunt", "Wroblewski", "0077341", "1961-04-12", "s3cr3tt0k3n")
PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Chart 078-05-1120</title></head>
<body><main><h1>Chart</h1>
<table><thead><tr><th scope="col">Patient</th><th scope="col">SSN</th><th scope="col">DOB</th></tr></thead>
<tbody><tr><td style="color:#ccc">Zygmunt Wroblewski</td>
<td><div class="slds-truncate"
  style="max-width:40px;overflow:hidden;white-space:nowrap;text-overflow:ellipsis">078-05-1120</div></td>
<td>DOB 1961-04-12</td></tr></tbody></table>
<input value="Zygmunt Wroblewski" title="Zygmunt Wroblewski" style="color:#ddd">
<a href="/chart.html?mrn=MRN0077341"><img src="x.png"></a>
<button aria-label="Edit Zygmunt Wroblewski" style="width:10px;height:10px;padding:0;border:0"></button>
<p style="color:#ccc">Zygmunt Wroblewski, MRN 0077341</p>
<label for="pw">Password</label><input id="pw" type="password" value="Zygmunt" onpaste="return false">
</main></body></html>"""
CONFIG = (
    '[sweep]\nserve = "site"\ntab_stops = 5\n\n[[pages]]\nname = "Chart"\n'
    'url = "/chart.html?ssn=078-05-1120&token=s3cr3tt0k3n"\n'
)


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("planted")
    (root / "site").mkdir()
    (root / "site" / "chart.html").write_text(PAGE, encoding="utf-8")
    # The config itself holds the planted URL; reports must not copy it.
    (root / "sweep.toml").write_text(CONFIG, encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def planted_result(planted: Path, browser_session: BrowserSession) -> SweepResult:
    config = load_sweep_config(planted / "sweep.toml")
    return browser_session.sweep(config, SweepOptions(screenshots=True, report_root=planted))


@pytest.mark.parametrize("fmt", ["sarif", "json", "text", "markdown", "github", "html"])
def test_no_planted_value_in_any_format(
    fmt: str, planted_result: SweepResult, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / f"report.{fmt}"
    write(planted_result, fmt, out, tmp_path, tmp_path / "shots")
    text = out.read_text(encoding="utf-8")
    assert "a11y/phi-in-url" in text and "a11y/phi-table-name" in text and "color-contrast" in text
    for value in PLANTED:
        assert value not in text, f"{value} leaked into {fmt}"
    assert list((tmp_path / "shots").glob("*.png"))
    # Notification and property texts too (reporters may print them selectively).
    everything = repr(planted_result.run)
    for value in PLANTED:
        assert value not in everything


def test_no_planted_value_in_the_log(planted: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(
        [
            "sweep",
            "--config",
            str(planted / "sweep.toml"),
            "--format",
            "text",
            "--select",
            "a11y/phi-in-url,a11y/phi-in-title",
        ]
    )
    assert code == 1
    captured = capsys.readouterr()
    assert "phi-in-url" in captured.out and "[1/1]" in captured.err
    for value in PLANTED:
        assert value not in captured.out and value not in captured.err


RED_TABLE = """<!doctype html><html lang="en"><head><title>Red</title></head><body><main><h1>Red</h1>
<table style="font: bold 40px sans-serif"><tr><th scope="col">Patient</th><th scope="col">SSN</th></tr>
<tr><th scope="row" style="color:#ff0000">Ada</th><td style="color:#ff0000">123-45-6789</td></tr></table>
<div class="slds-table" aria-label="Allergies" style="font: bold 40px sans-serif">
<div><div>Allergy</div></div><div><div style="color:#ff0000">Penicillin</div></div></div>
</main></body></html>"""

COUNT_RED = """
async (src) => {
  const img = new Image();
  img.src = src;
  await img.decode();
  const canvas = document.createElement("canvas");
  canvas.width = img.width; canvas.height = img.height;
  const ctx = canvas.getContext("2d");
  ctx.drawImage(img, 0, 0);
  const data = ctx.getImageData(0, 0, img.width, img.height).data;
  let red = 0;
  for (let i = 0; i < data.length; i += 4) if (data[i] > 200 && data[i + 1] < 60 && data[i + 2] < 60) red++;
  return red;
}
"""


async def _red_pixels(browser: Any, png: bytes) -> int:
    page = await browser.new_page()
    try:
        src = "data:image/png;base64," + base64.b64encode(png).decode()
        return int(await page.evaluate(COUNT_RED, src))
    finally:
        await page.close()


# Record values outside tables, in red, inside an element with an axe violation (a <ul> holding a
# <div>: axe's `list`): its screenshot shows them unless they are masked.
RED_VALUES = """<!doctype html><html lang="en"><head><title>Values</title></head><body><main><h1>Values</h1>
<ul style="font: bold 40px sans-serif"><div>
<span class="slds-pill"><span class="slds-pill__label" style="color:#ff0000">Latex allergy</span></span>
<lightning-formatted-phone style="color:#ff0000">415-555-0100</lightning-formatted-phone>
<a href="mailto:ada@example.org" style="color:#ff0000">ada@example.org</a>
<div class="slds-form-element__static" style="color:#ff0000">Ada Lovelace</div>
</div></ul>
</main></body></html>"""


@pytest.mark.parametrize(
    ("page", "select", "shots"),
    [
        # The <table> and the div table: their cells.
        (RED_TABLE, ("a11y/phi-table-name", "a11y/phi-div-table"), 2),
        (RED_VALUES, ("axe/list",), 1),
    ],
    ids=["table-cells", "record-values"],
)
def test_screenshots_mask_patient_data_unless_opted_out(
    browser_session: BrowserSession,
    site: tuple[Path, StaticServer],
    page: str,
    select: tuple[str, ...],
    shots: int,
) -> None:
    root, server = site
    (root / "red.html").write_text(page)
    config = SweepConfig(pages=(PageSpec(url="/red.html"),), base_url=server.base_url, select=select)
    masked = browser_session.sweep(config, SweepOptions(screenshots=True))
    plain = browser_session.sweep(config, SweepOptions(screenshots=True, mask_screenshots=False))
    assert len(masked.screenshots) == len(plain.screenshots) == shots
    for png in plain.screenshots.values():
        assert browser_session.run(_red_pixels(browser_session.browser, png)) > 200
    for png in masked.screenshots.values():
        assert browser_session.run(_red_pixels(browser_session.browser, png)) == 0
