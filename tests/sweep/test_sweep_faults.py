"""Faults of one page are reported with its URL and the sweep goes on; an interrupted sweep still
writes what it found."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from phi_lint.findings import NotificationKind
from phi_lint.sweep.config import PageSpec, SweepConfig
from phi_lint.sweep.runner import BrowserSession, SweepOptions
from phi_lint.sweep.server import StaticServer

BAD_IMG = (
    '<!doctype html><html lang="en"><head><title>Good</title></head><body><main><h1>Good</h1>'
    '<img src="x.png"></main></body></html>'
)


def test_faulty_pages_are_reported_and_the_sweep_goes_on(
    browser_session: BrowserSession, site: tuple[Path, StaticServer]
) -> None:
    root, server = site
    (root / "good.html").write_text(BAD_IMG)
    (root / "spinner.html").write_text(
        '<!doctype html><html lang="en"><head><title>Busy</title></head><body><main><h1>Busy</h1>'
        '<div class="slds-spinner_container">'
        '<div class="slds-spinner" style="width:20px;height:20px"></div></div>'
        "</main></body></html>"
    )
    (root / "leave.html").write_text(
        '<!doctype html><html lang="en"><head><title>Leave</title></head><body><main><h1>Leave</h1></main>'
        '<script>location.replace("http://127.0.0.2:9/elsewhere?ssn=123-45-6789")</script></body></html>'
    )
    pages = (
        PageSpec(url="/missing.html?mrn=MRN0012345", name="missing"),
        PageSpec(url="/spinner.html", name="spinner"),
        PageSpec(url="/__phi_lint/hang", name="hang"),
        PageSpec(url="/leave.html", name="leave"),
        PageSpec(url="chrome://crash", name="crash"),
        PageSpec(url="/good.html", name="good"),
    )
    config = SweepConfig(pages=pages, base_url=server.base_url, timeout=2, tab_stops=3)
    result = browser_session.sweep(config, SweepOptions(workers=2))
    errors = {
        n.message.split(" ", 1)[0]: n.message
        for n in result.run.notifications
        if n.kind is NotificationKind.PAGE_ERROR
    }
    assert set(errors) == {"missing", "spinner", "hang", "leave", "crash"}, errors
    assert f"({server.base_url}/missing.html): HTTP 404" in errors["missing"]
    assert "did not finish rendering within 2s (1 spinner(s) still visible)" in errors["spinner"]
    assert "timed out after 2s" in errors["hang"]
    assert "navigated off the allowlist to http://127.0.0.2:9/elsewhere" in errors["leave"]
    assert "renderer crashed" in errors["crash"]
    # No query string (patient data) in any message.
    assert not any("123-45-6789" in m or "MRN0012345" in m for m in errors.values())
    assert [f.rule_id for f in result.run.findings] == ["axe/image-alt"]
    assert result.run.scanned == 1 and result.run.incomplete


def test_interrupted_sweep_writes_what_it_found(tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    (site / "good.html").write_text(BAD_IMG)
    config = tmp_path / "sweep.toml"
    config.write_text(
        '[sweep]\nserve = "site"\ntimeout = 60\n\n[[pages]]\nurl = "/good.html"\n\n'
        '[[pages]]\nurl = "/__phi_lint/hang"\n\n[[pages]]\nurl = "/good.html?again=1"\n'
    )
    out = tmp_path / "out.sarif"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "phi_lint.sweep.cli",
            "--config",
            str(config),
            "--format",
            "sarif",
            "-o",
            str(out),
        ],
        stderr=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert proc.stderr is not None
    deadline = time.monotonic() + 60
    for line in proc.stderr:
        if "[1/3]" in line or time.monotonic() > deadline:
            break
    time.sleep(0.5)  # the second page is now hanging
    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=60) == 130
    log = json.loads(out.read_text())
    run = log["runs"][0]
    assert [r["ruleId"] for r in run["results"]] == ["axe/image-alt"]
    notes = [n["message"]["text"] for n in run["invocations"][0].get("toolExecutionNotifications", [])]
    assert any("sweep interrupted: 1 of 3 page(s) scanned" in n for n in notes), notes
    assert run["invocations"][0]["executionSuccessful"] is False
