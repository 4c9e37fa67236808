"""Opening the database: a file path or a SQLAlchemy URL, SQLite (WAL) or PostgreSQL,
upgraded in place to the current schema.

A database is never silently replaced: a SQLite file that is empty (0 bytes), not SQLite at
all, or SQLite without newsdigest's ``meta`` table is refused with one line saying what to do,
whoever opens it. ``read_only=True`` (the CLI's read commands) opens SQLite with
``mode=ro`` and PostgreSQL with ``default_transaction_read_only``, never creates or upgrades a
schema, and says so when there is no database yet. A new database file is created 0600 in a
folder created 0700 (SQLite creates its -wal/-shm journals with the database file's mode).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import event, inspect, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from digests.errors import StoreError
from digests.store import schema

log = logging.getLogger(__name__)

__all__ = ["SCHEMA_VERSION", "as_utc", "database_url", "one_line_error", "open_engine", "utcnow"]

_SQLITE_MAGIC = b"SQLite format 3\x00"


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(value: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes: they were stored as UTC."""
    if value is None:
        return None
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def database_url(target: str) -> str:
    """A file path becomes a SQLite URL; sync driver names get their async twins."""
    if "://" not in target:
        path = Path(target).expanduser()
        if not path.parent.exists():
            path.parent.mkdir(parents=True, mode=0o700)
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


async def _v3_source_origin(conn: AsyncConnection) -> None:
    await schema.add_source_origin(conn)


async def _v4_archive_tables(conn: AsyncConnection) -> None:
    from digests.store.archive_schema import (
        create_archive_tables,  # the web archive's own metadata
    )

    await create_archive_tables(conn)


async def _v5_lookup_indexes(conn: AsyncConnection) -> None:
    await schema.add_lookup_indexes(conn)


async def _v6_search_index(conn: AsyncConnection) -> None:
    await schema.add_search_index(conn)


MIGRATIONS: list[Migration] = [_v1_create_tables, _v2_outbox_subscription_index, _v3_source_origin,
                               _v4_archive_tables, _v5_lookup_indexes, _v6_search_index]
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


def _sqlite_read_only_pragmas(dbapi_conn, _record) -> None:
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA query_only=ON")  # belt and braces over mode=ro
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def one_line_error(exc: BaseException) -> str:
    """The driver's own message, first line only: no SQLAlchemy "Background on this error"
    link, no SQL echo."""
    inner = getattr(exc, "orig", None) or exc
    text_ = str(inner).strip() or type(inner).__name__
    return text_.splitlines()[0]


def _sqlite_path(url: str) -> Path | None:
    parsed = make_url(url)
    if not parsed.drivername.startswith("sqlite") or not parsed.database or parsed.database == ":memory:":
        return None
    return Path(parsed.database)


def _check_sqlite_file(path: Path, *, read_only: bool) -> bool:
    """Refuse what would otherwise be silently replaced; True when the file is to be created."""
    if not path.exists():
        if read_only:
            raise StoreError(f"no database at {path}; run `newsdigest run` or `newsdigest sources add URL` first "
                             "(or pass --db)")
        return True
    if not path.is_file():
        raise StoreError(f"{path} is not a file; pass --db with the path of newsdigest's database")
    with path.open("rb") as f:
        head = f.read(len(_SQLITE_MAGIC))
    if not head:
        raise StoreError(f"{path} is empty (0 bytes), not a newsdigest database: restore it from a backup, "
                         "or move it away to start afresh")
    if head != _SQLITE_MAGIC:
        raise StoreError(f"{path} is not a SQLite database: restore it from a backup, or pass --db with the right path")
    return False


async def _check_schema(engine: AsyncEngine, where: str, *, read_only: bool) -> None:
    """A database with tables but no newsdigest ``meta`` belongs to something else."""
    async with engine.connect() as conn:
        tables = await conn.run_sync(lambda sync: inspect(sync).get_table_names())
        version = await _current_version(conn) if "meta" in tables else 0
    if tables and "meta" not in tables:
        raise StoreError(f"{where} holds another program's tables, not newsdigest's: pass --db with newsdigest's database")
    if read_only and not tables:
        raise StoreError(f"{where} has no newsdigest data yet; run `newsdigest run` or `newsdigest sources add URL` first")
    if read_only and version < SCHEMA_VERSION:
        raise StoreError(f"{where} has schema version {version}; run `newsdigest run` once to upgrade it to {SCHEMA_VERSION}")
    if version > SCHEMA_VERSION:
        raise StoreError(f"database schema version {version} is newer than this newsdigest ({SCHEMA_VERSION}); upgrade newsdigest")


async def _check_read_only(url: str, where: str) -> None:
    look = _create_engine(url, read_only=True)
    try:
        await _check_schema(look, where, read_only=False)
    finally:
        await look.dispose()


def _private_journals(path: Path | None) -> None:
    if path is None:
        return
    for suffix in ("", "-wal", "-shm", "-journal"):
        journal = path.with_name(path.name + suffix)
        try:
            if journal.exists() and journal.stat().st_uid == os.getuid():
                journal.chmod(0o600)
        except OSError:
            pass


def _create_engine(url: str, *, read_only: bool) -> AsyncEngine:
    if url.startswith("sqlite"):
        path = _sqlite_path(url)
        if read_only and path is not None:
            # A URI filename: SQLite itself refuses every write (and never creates the file).
            url = f"sqlite+aiosqlite:///file:{path}?mode=ro&uri=true"
        engine = create_async_engine(url, connect_args={"timeout": 30})
        event.listen(engine.sync_engine, "connect", _sqlite_read_only_pragmas if read_only else _sqlite_pragmas)
        return engine
    connect_args = {}
    if read_only:
        connect_args = {"server_settings": {"default_transaction_read_only": "on"}}
    return create_async_engine(url, pool_size=10, max_overflow=10, pool_pre_ping=True, connect_args=connect_args)


async def open_engine(target: str, *, read_only: bool = False) -> AsyncEngine:
    """Create the engine for a path or URL; migrate the schema unless ``read_only``."""
    url = database_url(target) if not read_only or "://" in target else f"sqlite+aiosqlite:///{Path(target).expanduser()}"
    shown = make_url(url).render_as_string()  # password hidden
    path = _sqlite_path(url)
    creating = path is not None and _check_sqlite_file(path, read_only=read_only)
    try:
        engine = _create_engine(url, read_only=read_only)
    except (ArgumentError, ImportError) as exc:
        raise StoreError(f"cannot use database {shown}: {one_line_error(exc)}") from exc
    where = str(path) if path is not None else shown
    # A new file and its journals are created 0600: SQLite creates with 0644 & ~umask and
    # gives the -wal/-shm files the database file's mode. (The process umask is global, but
    # this runs once, at start-up, before any other work.)
    old_umask = os.umask(0o077) if creating else None
    try:
        if path is not None and not creating and not read_only:
            # Look before the first write (even the WAL pragma rewrites a foreign file's header).
            await _check_read_only(url, where)
        else:
            await _check_schema(engine, where, read_only=read_only)
        if not read_only:
            await migrate(engine)
    except StoreError:
        await engine.dispose()
        raise
    except (SQLAlchemyError, DBAPIError, OSError) as exc:
        await engine.dispose()
        raise StoreError(f"cannot open database {where}: {one_line_error(exc)}") from exc
    finally:
        if old_umask is not None:
            os.umask(old_umask)
    if not read_only:
        _private_journals(path)
    return engine
