"""Query plans for the store benchmarks: run an async call with its statements captured, then
show each statement's plan's top node (PostgreSQL ``EXPLAIN ANALYZE``, SQLite ``EXPLAIN
QUERY PLAN``), so a figure over its target comes with the reason."""

from __future__ import annotations

import time

from sqlalchemy import event

from digests.store import Store

__all__ = ["captured_statements", "plan_top_nodes"]


async def captured_statements(store: Store, call) -> list[tuple[str, object, float]]:
    """(SQL, parameters, ms) of every statement ``await call()`` runs."""
    seen: list[tuple[str, object, float]] = []

    def before(conn, cursor, statement, parameters, context, executemany):
        context._bench_started = time.perf_counter()

    def after(conn, cursor, statement, parameters, context, executemany):
        seen.append((statement, parameters, (time.perf_counter() - context._bench_started) * 1000))

    engine = store.engine.sync_engine
    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    try:
        await call()
    finally:
        event.remove(engine, "before_cursor_execute", before)
        event.remove(engine, "after_cursor_execute", after)
    return seen


async def plan_top_nodes(store: Store, call, lines: int = 2) -> list[str]:
    """For each statement of ``call``: its time and the first lines of its plan."""
    out = []
    for statement, parameters, ms in await captured_statements(store, call):
        first = " ".join(statement.split())[:90]
        async with store.engine.connect() as conn:
            raw = (await conn.get_raw_connection()).driver_connection
            if store.dialect == "postgresql":
                # asyncpg's own connection: the statement keeps its $n placeholders.
                rows = await raw.fetch(f"EXPLAIN ANALYZE {statement}", *(parameters or ()))
                plan = [r[0] for r in rows]
            else:
                result = await conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", tuple(parameters or ()))
                plan = [r[-1] for r in result.all()]
        out.append(f"  {ms:6.2f} ms  {first}")
        out.extend(f"      {p.strip()}" for p in plan[:lines])
    return out

