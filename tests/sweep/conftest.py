"""One Chromium for the whole test session, and loopback servers for the fixture pages and the demo."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from phi_lint.sweep.runner import BrowserSession
from phi_lint.sweep.server import StaticServer

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "fixtures" / "sweep"
DEMO = REPO / "examples" / "sweep-site"


@pytest.fixture(scope="session")
def browser_session() -> Iterator[BrowserSession]:
    # Never skipped: a missing /usr/bin/chromium is a failure (CI installs Debian's chromium).
    session = BrowserSession()
    try:
        yield session
    finally:
        session.close()


@pytest.fixture(scope="session")
def fixture_server() -> Iterator[StaticServer]:
    with StaticServer(FIXTURES) as server:
        yield server


@pytest.fixture
def site(tmp_path: Path) -> Iterator[tuple[Path, StaticServer]]:
    """A throw-away site directory served on 127.0.0.1 (write pages into it)."""
    root = tmp_path / "site"
    root.mkdir()
    with StaticServer(root) as server:
        yield root, server
