"""The distributed engine: a procrastinate App on the store's PostgreSQL database.

procrastinate keeps its jobs in tables of the same database, so the cluster needs nothing
beyond PostgreSQL. This module turns the store URL into a psycopg conninfo, creates the
procrastinate schema (once, whichever process starts first) plus the few cluster tables
(host politeness, shared rate budgets), and builds the App with the task definitions of
``bot/cluster/tasks.py`` registered under stable names.

procrastinate ships its schema (``schema.sql``, always the latest) and one SQL script per
change (``procrastinate/sql/migrations``) but does not track which ran: that is left to the
application. ``newsdigest_procrastinate_migrations`` records them here, so upgrading
procrastinate (within the pinned range) applies exactly the new scripts at the next start.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

from digests.errors import ConfigError

log = logging.getLogger(__name__)

__all__ = [
    "DELIVER_QUEUE",
    "DIGEST_QUEUE",
    "HEARTBEAT_SECONDS",
    "INGEST_QUEUE",
    "STALLED_AFTER_SECONDS",
    "build_app",
    "conninfo_from_url",
    "ensure_schema",
    "is_postgres",
    "procrastinate_migrations",
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


_MIGRATIONS_TABLE = """
CREATE TABLE IF NOT EXISTS newsdigest_procrastinate_migrations (
    name text PRIMARY KEY,
    applied_at timestamptz NOT NULL DEFAULT now()
);
"""
# A database made before newsdigest recorded procrastinate's migrations: which releases its
# schema already contains, told by what each release's pre-migration created. newsdigest has
# always required procrastinate 3, whose schema.sql includes everything up to 03.00.00;
# releases after the last probe (unknown to this code) count as not applied.
_BASELINE_PROBES = {
    "03.01.00": "SELECT to_regclass('procrastinate_workers') IS NOT NULL",
    "03.02.00": "SELECT EXISTS (SELECT 1 FROM pg_proc WHERE proname = 'procrastinate_defer_jobs_v1')",
    "03.03.00": "SELECT EXISTS (SELECT 1 FROM pg_proc WHERE proname = 'procrastinate_fetch_job_v2'"
                " AND prosrc LIKE '%other_jobs%')",
    "03.04.00": "SELECT EXISTS (SELECT 1 FROM pg_proc WHERE proname = 'procrastinate_retry_job_v2')",
}
_ALWAYS_IN_BASELINE = "03.00.00"


def procrastinate_migrations(directory: str | Path | None = None) -> list[Path]:
    """procrastinate's own migration scripts (``procrastinate/sql/migrations``) in the order
    they apply: by name, ``MM.mm.pp_NN_<pre|post>_...sql`` sorts pre before post."""
    if directory is None:
        from procrastinate.schema import SchemaManager

        directory = SchemaManager.get_migrations_path()
    return sorted(Path(directory).glob("*.sql"), key=lambda p: p.name)


async def _baseline(conn: Any, names: list[str]) -> list[str]:
    """The migrations an existing, unrecorded procrastinate schema already contains."""
    present = {}
    for version, probe in _BASELINE_PROBES.items():
        present[version] = bool((await (await conn.execute(probe)).fetchone())[0])  # type: ignore[arg-type]
    last_probe = max(_BASELINE_PROBES)
    applied = []
    for name in names:
        version = name[:8]
        if version <= _ALWAYS_IN_BASELINE or present.get(version, False):
            applied.append(name)
        elif version not in present and version < last_probe:
            applied.append(name)  # a release between probes that changed nothing we can see
    return applied


async def ensure_schema(conninfo: str, *, migrations_dir: str | Path | None = None) -> list[str]:
    """Create procrastinate's schema and the cluster tables if missing, and apply
    procrastinate's pending migrations (after a ``pip install -U``). Several processes
    start at once: an advisory lock makes one of them do it while the others wait, and
    each applied script is recorded, so none runs twice. Returns the scripts applied now.

    Stop every worker of the older version before starting the upgraded ones: the
    "post" scripts remove what older workers still call (procrastinate's own advice)."""
    import psycopg
    from procrastinate.schema import SchemaManager

    scripts = procrastinate_migrations(migrations_dir)
    names = [p.name for p in scripts]
    applied_now: list[str] = []
    async with await psycopg.AsyncConnection.connect(conninfo, autocommit=True) as conn:
        await conn.execute("SELECT pg_advisory_lock(%s)", (_SCHEMA_LOCK,))
        try:
            tracked = (await (await conn.execute(
                "SELECT to_regclass('newsdigest_procrastinate_migrations')")).fetchone())[0] is not None
            found = (await (await conn.execute("SELECT to_regclass('procrastinate_jobs')")).fetchone())[0]
            await conn.execute(_MIGRATIONS_TABLE)  # type: ignore[arg-type]
            if found is None:
                log.info("creating the procrastinate schema")
                async with conn.transaction():
                    await conn.execute(SchemaManager.get_schema())  # type: ignore[arg-type]
                    await _record(conn, names)  # schema.sql is the latest: every script is in it
            elif not tracked:
                await _record(conn, await _baseline(conn, names))
            done = {row[0] for row in await (await conn.execute(
                "SELECT name FROM newsdigest_procrastinate_migrations")).fetchall()}
            for script in scripts:
                if script.name in done:
                    continue
                log.warning("applying procrastinate migration", extra={"migration": script.name})
                async with conn.transaction():
                    await conn.execute(script.read_text(encoding="utf-8"))  # type: ignore[arg-type]
                    await _record(conn, [script.name])
                applied_now.append(script.name)
            await conn.execute(_CLUSTER_TABLES)  # type: ignore[arg-type]
        finally:
            await conn.execute("SELECT pg_advisory_unlock(%s)", (_SCHEMA_LOCK,))
    return applied_now


async def _record(conn: Any, names: list[str]) -> None:
    async with conn.cursor() as cur:
        await cur.executemany(
            "INSERT INTO newsdigest_procrastinate_migrations (name) VALUES (%s) ON CONFLICT DO NOTHING",
            [(n,) for n in names])


def build_app(conninfo: str, *, pool_size: int = 4) -> Any:
    """The procrastinate App with newsdigest's tasks. Not opened: ``async with app.open_async()``."""
    from procrastinate import App, PsycopgConnector

    from bot.cluster import tasks

    connector = PsycopgConnector(conninfo=conninfo, min_size=1, max_size=max(2, pool_size))
    app = App(connector=connector)
    tasks.register(app)
    return app
