"""Opening the database: a file path or a SQLAlchemy URL, SQLite (WAL) or PostgreSQL,
upgraded in place to the current schema."""

from __future__ import annotations

import logging
from datetime import datetime, timezone
from pathlib import Path
from typing import Awaitable, Callable

from sqlalchemy import event, inspect, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from digests.errors import StoreError
from digests.store import schema

log = logging.getLogger(__name__)

__all__ = ["database_url", "open_engine", "as_utc", "utcnow", "SCHEMA_VERSION"]


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def as_utc(value: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes: they were stored as UTC."""
    if value is None:
        return None
    if value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc)


def database_url(target: str) -> str:
    """A file path becomes a SQLite URL; sync driver names get their async twins."""
    if "://" not in target:
        path = Path(target).expanduser()
        path.parent.mkdir(parents=True, exist_ok=True)
        return f"sqlite+aiosqlite:///{path}"
    try:
        url = make_url(target)
    except ArgumentError as exc:
        raise StoreError(f"not a database URL or path: {target!r}") from exc
    driver = url.drivername
    if driver in ("sqlite", "sqlite+pysqlite"):
        url = url.set(drivername="sqlite+aiosqlite")
    elif driver in ("postgresql", "postgres", "postgresql+psycopg2"):
        url = url.set(drivername="postgresql+asyncpg")
    return url.render_as_string(hide_password=False)


# Each step upgrades the schema by one version, in place. Version 1 creates the tables
# (create_all only adds what is missing, so it is safe on a partly created database);
# later versions append steps here, never edit old ones.
Migration = Callable[[AsyncConnection], Awaitable[None]]


async def _v1_create_tables(conn: AsyncConnection) -> None:
    await conn.run_sync(schema.metadata.create_all)


async def _v2_outbox_subscription_index(conn: AsyncConnection) -> None:
    await conn.execute(
        text("CREATE INDEX IF NOT EXISTS ix_outbox_subscription ON outbox (subscription_id, created_at)")
    )


MIGRATIONS: list[Migration] = [_v1_create_tables, _v2_outbox_subscription_index]
SCHEMA_VERSION = len(MIGRATIONS)


async def _current_version(conn: AsyncConnection) -> int:
    has_meta = await conn.run_sync(lambda sync: inspect(sync).has_table("meta"))
    if not has_meta:
        return 0
    row = (await conn.execute(select(schema.meta.c.value).where(schema.meta.c.key == "schema_version"))).first()
    return int(row[0]) if row else 0


async def migrate(engine: AsyncEngine) -> int:
    """Bring the database to SCHEMA_VERSION; returns the version it was at."""
    async with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            # Several processes may open the database at once: one migrates, others wait.
            await conn.execute(text("SELECT pg_advisory_xact_lock(74290311)"))
        before = await _current_version(conn)
        if before > SCHEMA_VERSION:
            raise StoreError(
                f"database schema version {before} is newer than this newsdigest ({SCHEMA_VERSION}); upgrade newsdigest"
            )
        for version in range(before, SCHEMA_VERSION):
            await MIGRATIONS[version](conn)
            log.info("schema upgraded", extra={"to_version": version + 1})
        if before != SCHEMA_VERSION:
            await conn.execute(schema.meta.delete().where(schema.meta.c.key == "schema_version"))
            await conn.execute(schema.meta.insert().values(key="schema_version", value=str(SCHEMA_VERSION)))
    return before


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")  # readers don't block the writer
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


async def open_engine(target: str) -> AsyncEngine:
    """Create the engine for a path or URL and migrate the schema."""
    url = database_url(target)
    try:
        if url.startswith("sqlite"):
            engine = create_async_engine(url, connect_args={"timeout": 30})
            event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        else:
            engine = create_async_engine(url, pool_size=10, max_overflow=10, pool_pre_ping=True)
    except (ArgumentError, ImportError) as exc:
        raise StoreError(f"cannot use database {make_url(url).render_as_string()}: {exc}") from exc
    try:
        await migrate(engine)
    except (SQLAlchemyError, DBAPIError, OSError) as exc:
        await engine.dispose()
        raise StoreError(f"cannot open database {make_url(url).render_as_string()}: {exc}") from exc
    return engine
