"""Sweep reports never carry session cookies, storage-state contents, URL tokens or patient data.

A signed-in session (a Playwright storage-state file with a session cookie and a localStorage token) is
given to `phi-lint sweep`; the pages copy the cookie, the token and patient values into places the
checks report on (a PHI table, the title, an image without alt text, aria-labels, link URLs); the page
URLs carry tokens and a patient id in the query string and the fragment; one page fails to load. No
planted value may appear in any report format, the progress log or a screenshot's file name."""

from __future__ import annotations

import io
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from phi_lint.cli import main

COOKIE = "ck9SessionQ7Zr2LmX4vB8nT1"
STORAGE_TOKEN = "st8LocalTokenW3pK6yH9dF2"
URL_TOKEN = "ut5QueryTokenJ2xC7vN4mR8"
FRAGMENT_TOKEN = "fr3HashTokenB6kL9pQ2wE5"
PATIENT = "Wilhelmina Quarrington"
SSN = "219-09-9999"
PLANTED = (COOKIE, STORAGE_TOKEN, URL_TOKEN, FRAGMENT_TOKEN, "Quarrington", SSN)

PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Chart</title></head>
<body><main><h1>Chart</h1>
<table class="slds-table"><thead><tr><th scope="col">Patient</th><th scope="col">SSN</th>
<th scope="col">Session</th></tr></thead>
<tbody><tr><td id="name"></td><td><div class="slds-truncate" id="ssn"
 style="max-width:30px;overflow:hidden;white-space:nowrap;text-overflow:ellipsis"></div></td>
<td id="session"></td></tr></tbody></table>
<img id="avatar" src="avatar.png">
<a id="link" href="#"><img src="x.png"></a>
<button id="btn" style="width:8px;height:8px;padding:0;border:0"></button>
<div role="grid" aria-rowcount="-1"><div role="row"><div role="gridcell" id="cell"></div></div></div>
<script>
  const cookie = document.cookie;
  const token = localStorage.getItem("token") || "";
  const who = "PATIENT";
  document.title = "Chart " + who + " SSN " + cookie + " " + token;
  document.getElementById("name").textContent = who;
  document.getElementById("ssn").textContent = "SSN_VALUE " + token;
  document.getElementById("session").textContent = cookie + " " + token;
  document.getElementById("avatar").src = "avatar.png?sid=" + encodeURIComponent(cookie);
  document.getElementById("link").href = "/chart.html?access_token=" + token + "&patient=" + who;
  document.getElementById("btn").setAttribute("aria-label", "Open " + who + " " + token);
  document.getElementById("cell").textContent = cookie;
</script>
</main></body></html>""".replace("PATIENT", PATIENT).replace("SSN_VALUE", SSN)


def _storage_state(root: Path, origin: str) -> Path:
    host = origin.split("://", 1)[1].split(":")[0]
    state = {
        "cookies": [
            {
                "name": "sid",
                "value": COOKIE,
                "domain": host,
                "path": "/",
                "expires": -1,
                "httpOnly": False,
                "secure": False,
                "sameSite": "Lax",
            },
        ],
        "origins": [{"origin": origin, "localStorage": [{"name": "token", "value": STORAGE_TOKEN}]}],
    }
    path = root / "state.json"
    path.write_text(json.dumps(state), encoding="utf-8")
    return path


@dataclass
class Swept:
    result: Any  # phi_lint.sweep.runner.SweepResult
    log: str
    root: Path


@pytest.fixture(scope="module")
def swept(tmp_path_factory: pytest.TempPathFactory) -> Swept:
    """One real `phi-lint sweep` run (through the CLI, with its progress log); each format is then
    written from the same result by the CLI's own writer."""
    from phi_lint.sweep import cli as sweep_cli
    from phi_lint.sweep.server import StaticServer

    root = tmp_path_factory.mktemp("sweep-secrets")
    site = root / "site"
    site.mkdir()
    (site / "chart.html").write_text(PAGE, encoding="utf-8")
    (site / "avatar.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    captured: list[Any] = []
    real_write = sweep_cli.write
    log = io.StringIO()

    def keep(result: Any, *args: Any) -> None:
        captured.append(result)
        real_write(result, *args)

    with StaticServer(site) as server, pytest.MonkeyPatch.context() as patch:
        patch.setattr(sweep_cli, "write", keep)
        patch.setattr(sys, "stderr", log)
        base = server.base_url.rstrip("/")
        state = _storage_state(root, base)
        code = main(
            [
                "sweep",
                f"{base}/chart.html?access_token={URL_TOKEN}&patient={SSN}#token={FRAGMENT_TOKEN}",
                f"{base}/missing.html?session={URL_TOKEN}",
                "--storage-state",
                str(state),
                "--format",
                "json",
                "--output",
                str(root / "first.json"),
                "--screenshots",
                str(root / "first-shots"),
                "--timeout",
                "20",
            ]
        )
    assert code in (1, 3), log.getvalue()
    (result,) = captured
    return Swept(result, log.getvalue(), root)


def test_the_progress_log_carries_no_planted_value(swept: Swept) -> None:
    assert "chart.html" in swept.log
    assert [value for value in PLANTED if value in swept.log] == []


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "github", "markdown", "html"])
def test_no_cookie_token_or_patient_value_in_sweep_reports(fmt: str, swept: Swept, tmp_path: Path) -> None:
    from phi_lint.sweep.cli import write

    out = tmp_path / f"report.{fmt}"
    shots = tmp_path / "shots"
    write(swept.result, fmt, out, swept.root, shots)
    report = out.read_text(encoding="utf-8")
    assert "a11y/phi-" in report  # the page was swept and its PHI-table findings reported
    assert list(shots.iterdir())  # screenshots were written (masked, named by fingerprint)
    everything = report + " ".join(p.name for p in shots.rglob("*"))
    leaked = [value for value in PLANTED if value in everything]
    assert leaked == [], (fmt, leaked)
