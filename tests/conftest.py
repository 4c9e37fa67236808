"""Fixtures shared by every test folder. Keep it small: folder-specific fixtures go in that
folder's own conftest.py."""

from __future__ import annotations

import logging
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


@pytest.fixture(autouse=True)
def _logging_as_it_was() -> Iterator[None]:
    """A CLI test run with -vv configures logging for the whole process; put the root handlers
    and the library loggers' levels back afterwards, so one test's log setup never leaks into
    the next (nor prints debug lines from a background thread at the end of the run)."""
    from bot.logs import LIBRARY_LOGGERS

    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    levels = {name: logging.getLogger(name).level for name in LIBRARY_LOGGERS}
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    for name, old in levels.items():
        logging.getLogger(name).setLevel(old)
