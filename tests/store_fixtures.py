"""Store fixtures: ``store`` runs a test on SQLite always and on PostgreSQL when
NEWSDIGEST_TEST_POSTGRES_URL is set (each PostgreSQL test gets a fresh database)."""

from __future__ import annotations

import os
import uuid

import pytest
from sqlalchemy.engine import make_url

from digests.store import Store

POSTGRES_URL = os.environ.get("NEWSDIGEST_TEST_POSTGRES_URL")
NO_POSTGRES = "NEWSDIGEST_TEST_POSTGRES_URL is not set (e.g. postgresql://postgres@127.0.0.1:5432/test); .ci/run sets it"

__all__ = ["store", "store_target", "postgres_database", "fresh_postgres", "POSTGRES_URL", "NO_POSTGRES"]


async def _admin(sql: str) -> None:
    import asyncpg

    url = make_url(POSTGRES_URL)
    conn = await asyncpg.connect(
        host=url.host or "127.0.0.1", port=url.port or 5432, user=url.username or "postgres",
        password=url.password, database=url.database or "postgres",
    )
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def fresh_postgres():
    """A fresh, empty PostgreSQL database URL (asyncpg driver), dropped afterwards."""
    if not POSTGRES_URL:
        pytest.skip(NO_POSTGRES)
    name = f"nd_test_{uuid.uuid4().hex[:12]}"
    await _admin(f'CREATE DATABASE "{name}"')
    url = make_url(POSTGRES_URL).set(drivername="postgresql+asyncpg", database=name)
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        await _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
async def postgres_database():
    async for url in fresh_postgres():
        yield url


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def store_target(request, tmp_path):
    """A database target (path or URL) for each backend."""
    if request.param == "sqlite":
        yield str(tmp_path / "test.db")
    else:
        async for url in fresh_postgres():
            yield url


@pytest.fixture
async def store(store_target):
    s = await Store.open(store_target)
    try:
        yield s
    finally:
        await s.close()
