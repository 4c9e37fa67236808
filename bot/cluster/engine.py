"""The distributed engine: a procrastinate App on the store's PostgreSQL database.

procrastinate keeps its jobs in tables of the same database, so the cluster needs nothing
beyond PostgreSQL. This module turns the store URL into a psycopg conninfo, creates the
procrastinate schema (once, whichever process starts first) plus the few cluster tables
(host politeness, shared rate budgets), and builds the App with the task definitions of
``bot/cluster/tasks.py`` registered under stable names.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy.engine import make_url

from digests.errors import ConfigError

log = logging.getLogger(__name__)

__all__ = [
    "INGEST_QUEUE", "DELIVER_QUEUE", "DIGEST_QUEUE", "is_postgres", "conninfo_from_url", "ensure_schema",
    "build_app", "HEARTBEAT_SECONDS", "STALLED_AFTER_SECONDS",
]

INGEST_QUEUE = "ingest"
DELIVER_QUEUE = "deliver"
DIGEST_QUEUE = "digest"  # composing digests: CPU work, run by the deliver workers
HEARTBEAT_SECONDS = 2.0  # procrastinate worker heartbeat
STALLED_AFTER_SECONDS = 10.0  # a worker silent this long is dead: its jobs are retried
_SCHEMA_LOCK = 74290312  # next to the store's migration lock (74290311)

_CLUSTER_TABLES = """
CREATE TABLE IF NOT EXISTS newsdigest_host_cooldowns (
    host text PRIMARY KEY,
    until timestamptz NOT NULL
);
CREATE TABLE IF NOT EXISTS newsdigest_rate_buckets (
    name text PRIMARY KEY,
    tokens double precision NOT NULL,
    at timestamptz NOT NULL
);
CREATE TABLE IF NOT EXISTS newsdigest_leader (
    id int PRIMARY KEY,
    node text NOT NULL,
    since timestamptz NOT NULL,
    seen timestamptz NOT NULL
);
"""


def is_postgres(database: str) -> bool:
    from digests.store import database_url

    return database_url(database).startswith("postgresql")


def conninfo_from_url(database: str) -> str:
    """``postgresql+asyncpg://user:pw@host:5432/db`` (the store's form) as a libpq conninfo
    URL that psycopg accepts."""
    from digests.store import database_url

    url = make_url(database_url(database))
    if not url.drivername.startswith("postgresql"):
        raise ConfigError(f"the cluster needs a PostgreSQL database, not {url.drivername}")
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


async def ensure_schema(conninfo: str) -> None:
    """Create procrastinate's schema and the cluster tables if missing. Several processes
    start at once: an advisory lock makes one of them do it while the others wait."""
    import psycopg
    from procrastinate.schema import SchemaManager

    async with await psycopg.AsyncConnection.connect(conninfo, autocommit=True) as conn:
        await conn.execute("SELECT pg_advisory_lock(%s)", (_SCHEMA_LOCK,))
        try:
            found = await (await conn.execute("SELECT to_regclass('procrastinate_jobs')")).fetchone()
            if found is None or found[0] is None:
                log.info("creating the procrastinate schema")
                await conn.execute(SchemaManager.get_schema())  # type: ignore[arg-type]
            await conn.execute(_CLUSTER_TABLES)  # type: ignore[arg-type]
        finally:
            await conn.execute("SELECT pg_advisory_unlock(%s)", (_SCHEMA_LOCK,))


def build_app(conninfo: str, *, pool_size: int = 4) -> Any:
    """The procrastinate App with newsdigest's tasks. Not opened: ``async with app.open_async()``."""
    from procrastinate import App, PsycopgConnector

    from bot.cluster import tasks

    connector = PsycopgConnector(conninfo=conninfo, min_size=1, max_size=max(2, pool_size))
    app = App(connector=connector)
    tasks.register(app)
    return app
