"""Fixtures for the web archive: a seeded SQLite store, the app served on a real local
port (aiohttp's TestServer), and a client for it."""

from __future__ import annotations

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.web import WebSettings, create_app
from digests.store import Store
from digests.store.archive import open_readonly_engine
from tests.web.seed import ADMIN_TOKEN, seed_archive


@pytest.fixture
async def seeded_store(tmp_path):
    target = str(tmp_path / "web.db")
    store = await Store.open(target)
    seeded = await seed_archive(store)
    readonly = open_readonly_engine(target)
    try:
        yield store, readonly, seeded
    finally:
        await readonly.dispose()
        await store.close()


async def _client(seeded_store, **settings):
    store, readonly, seeded = seeded_store
    app = create_app(store, readonly, WebSettings(**settings))
    client = TestClient(TestServer(app, host="127.0.0.1"))
    await client.start_server()
    return client


@pytest.fixture
async def client(seeded_store):
    """The site with admin pages enabled (token ADMIN_TOKEN)."""
    c = await _client(seeded_store, admin_token=ADMIN_TOKEN)
    try:
        yield c
    finally:
        await c.close()


@pytest.fixture
async def client_without_admin(seeded_store):
    c = await _client(seeded_store, admin_token=None)
    try:
        yield c
    finally:
        await c.close()


@pytest.fixture
def seeded(seeded_store):
    return seeded_store[2]
