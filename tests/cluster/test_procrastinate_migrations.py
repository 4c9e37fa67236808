"""procrastinate's schema migrations: a fresh database records every script as applied, an
unrecorded schema (made before this table existed) is recognised, and a script new to the
database is applied exactly once however many processes start together."""

from __future__ import annotations

import asyncio

import pytest

from tests.store_fixtures import postgres_database  # noqa: F401 - fixture

pytestmark = pytest.mark.postgres
pytest.importorskip("procrastinate")


async def _rows(conninfo: str, sql: str) -> list[tuple]:
    import psycopg

    async with await psycopg.AsyncConnection.connect(conninfo, autocommit=True) as conn:
        cursor = await conn.execute(sql)
        return await cursor.fetchall() if cursor.description else []


async def test_fresh_then_upgrade_applies_each_new_script_once(postgres_database, tmp_path):  # noqa: F811
    from bot.cluster.engine import (
        conninfo_from_url,
        ensure_schema,
        procrastinate_migrations,
    )

    conninfo = conninfo_from_url(postgres_database)
    shipped = [p.name for p in procrastinate_migrations()]
    assert await ensure_schema(conninfo) == []  # schema.sql is the latest: nothing to apply
    recorded = {r[0] for r in await _rows(conninfo, "SELECT name FROM newsdigest_procrastinate_migrations")}
    assert recorded == set(shipped)

    # An upgrade: the installed procrastinate now ships one more script (same directory plus
    # one). Three processes start together; the script would fail if it ran twice.
    upgraded = tmp_path / "migrations"
    upgraded.mkdir()
    for p in procrastinate_migrations():
        (upgraded / p.name).write_text(p.read_text(encoding="utf-8"), encoding="utf-8")
    (upgraded / "99.00.00_01_pre_add_test_table.sql").write_text(
        "CREATE TABLE procrastinate_upgrade_probe (id int PRIMARY KEY);\n"
        "INSERT INTO procrastinate_upgrade_probe VALUES (1);\n")
    results = await asyncio.gather(*(ensure_schema(conninfo, migrations_dir=upgraded) for _ in range(3)))
    assert sorted(results, key=len) == [[], [], ["99.00.00_01_pre_add_test_table.sql"]]
    assert await _rows(conninfo, "SELECT id FROM procrastinate_upgrade_probe") == [(1,)]
    assert await ensure_schema(conninfo, migrations_dir=upgraded) == []


async def test_an_unrecorded_schema_is_recognised_not_rebuilt(postgres_database):  # noqa: F811
    from bot.cluster.engine import conninfo_from_url, ensure_schema

    conninfo = conninfo_from_url(postgres_database)
    await ensure_schema(conninfo)
    await _rows(conninfo, "INSERT INTO procrastinate_jobs (queue_name, task_name, args) "
                          "VALUES ('ingest', 'poll', '{}') RETURNING id")
    # As a database made by the previous newsdigest looks: procrastinate's tables, no record.
    await _rows(conninfo, "DROP TABLE newsdigest_procrastinate_migrations")
    assert await ensure_schema(conninfo) == []  # every installed script is seen as applied
    assert await _rows(conninfo, "SELECT count(*) FROM procrastinate_jobs") == [(1,)]  # job kept


async def test_the_baseline_leaves_out_a_release_whose_objects_are_missing(postgres_database):  # noqa: F811
    import psycopg

    from bot.cluster.engine import (
        _baseline,
        conninfo_from_url,
        ensure_schema,
        procrastinate_migrations,
    )

    conninfo = conninfo_from_url(postgres_database)
    await ensure_schema(conninfo)
    names = [p.name for p in procrastinate_migrations()]
    # What a schema from procrastinate 3.3 lacks: 3.4's retry function.
    await _rows(conninfo, "DROP FUNCTION procrastinate_retry_job_v2")
    async with await psycopg.AsyncConnection.connect(conninfo, autocommit=True) as conn:
        seen = await _baseline(conn, names)
    assert [n for n in names if n not in seen] == [n for n in names if n.startswith("03.04.00")]
    assert any(n.startswith("03.03.00") for n in seen)
