"""Fixtures shared by every test folder. Keep it small: folder-specific fixtures go in that
folder's own conftest.py."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.httpserver import LocalHTTPServer

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"  # benchmark corpora live outside the package
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture
def http_server() -> Iterator[LocalHTTPServer]:
    """A fresh local HTTP server on 127.0.0.1 (see tests/httpserver.py for its API)."""
    server = LocalHTTPServer()
    try:
        yield server
    finally:
        server.close()


@pytest.fixture
def fixtures_dir() -> Path:
    """tests/fixtures: small hand-written inputs committed with the tests."""
    return FIXTURES
