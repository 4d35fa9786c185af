"""Sitemaps, shards + merge, and signing in with `sf org open` (a stand-in `sf` on PATH)."""

from __future__ import annotations

import json
import os
import stat
import tempfile
from pathlib import Path

import pytest

from phi_lint.cli import main
from phi_lint.sweep.server import StaticServer

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "examples" / "sweep-site"
PAGE = (
    '<!doctype html><html lang="en"><head><title>{title}</title></head>'
    "<body><main><h1>x</h1>{body}</main></body></html>"
)


def sweep_sarif(out: Path, *args: str) -> int:
    """`phi-lint sweep ARGS --format sarif -o OUT`, its exit code."""
    return main(["sweep", *args, "--format", "sarif", "-o", str(out)])


def test_sitemap_pages_are_swept(site: tuple[Path, StaticServer], tmp_path: Path) -> None:
    root, server = site
    (root / "a.html").write_text(PAGE.format(title="A", body='<img src="x.png">'))
    (root / "b.html").write_text(PAGE.format(title="B", body=""))
    (root / "sitemap.xml").write_text(
        '<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        f"<url><loc>{server.url('/a.html')}</loc></url><url><loc>{server.url('/b.html')}</loc></url></urlset>"
    )
    out = tmp_path / "out.json"
    code = sweep_sarif(out, "--sitemap", server.url("/sitemap.xml"), "-q", "--select", "axe")
    assert code == 1
    run = json.loads(out.read_text())["runs"][0]
    assert [r["ruleId"] for r in run["results"]] == ["axe/image-alt"]
    assert run["properties"]["phi-lint"]["pages"] == "2"


def test_shards_split_the_pages_and_merge_back(tmp_path: Path) -> None:
    parts = []
    for k in (1, 2):
        out = tmp_path / f"sweep-{k}.sarif"
        code = sweep_sarif(
            out,
            *("--config", str(DEMO / "sweep.toml"), "--shard", f"{k}/2", "-q"),
            *("--select", "a11y/phi-in-title,axe/image-alt,a11y/accessible-authentication"),
        )
        assert code in (0, 1)
        parts.append(out)
    pages = [int(json.loads(p.read_text())["runs"][0]["properties"]["phi-lint"]["pages"]) for p in parts]
    assert sum(pages) == 4 and all(pages)
    merged = tmp_path / "sweep.sarif"
    assert main(["merge", *map(str, parts), "-o", str(merged)]) == 0
    runs = json.loads(merged.read_text())["runs"]
    assert len(runs) == 1
    assert sorted(r["ruleId"] for r in runs[0]["results"]) == [
        "a11y/accessible-authentication",
        "a11y/accessible-authentication",
        "a11y/phi-in-title",
        "axe/image-alt",
    ]


FAKE_SF = """#!/bin/sh
# Stand-in for the Salesforce CLI: prints a single-use front-door URL as `sf org open --url-only --json` does.
echo '{{"status": 0, "result": {{"url": "{url}"}}}}'
"""
FRONTDOOR = """<!doctype html><html lang="en"><head><title>Signing in</title></head><body>
<script>document.cookie = "sid=granted; path=/";
location.replace("/lightning/page/home.html");</script></body></html>"""
HOME = """<!doctype html><html lang="en"><head><title>Home</title></head><body><main><h1>Home</h1>
<script>if (!document.cookie.includes("sid=granted")) document.title = "Login needed, MRN 0099887";</script>
</main></body></html>"""


def test_sf_org_sign_in_keeps_the_session_and_no_secret(
    site: tuple[Path, StaticServer],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    root, server = site
    (root / "secur").mkdir()
    (root / "secur" / "frontdoor.html").write_text(FRONTDOOR)
    (root / "lightning" / "page").mkdir(parents=True)
    (root / "lightning" / "page" / "home.html").write_text(HOME)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    sf = bin_dir / "sf"
    sf.write_text(FAKE_SF.format(url=server.url("/secur/frontdoor.html?sid=00DSECRETSESSION")))
    sf.chmod(sf.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    # Python's temp dir only (Chromium's own sockets need a short TMPDIR).
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    out = tmp_path / "out.sarif"
    code = sweep_sarif(
        out,
        server.url("/lightning/page/home.html"),
        "--sf-org",
        "clinic-uat",
        "--select",
        "a11y/phi-in-title",
    )
    assert code == 0, out.read_text()  # signed in: the page did not fall back to the "login" title
    captured = capsys.readouterr()
    for text in (out.read_text(), captured.out, captured.err):
        assert "SECRETSESSION" not in text and "frontdoor.html?" not in text
    assert list((tmp_path / "tmp").iterdir()) == []  # the storage state file is deleted
