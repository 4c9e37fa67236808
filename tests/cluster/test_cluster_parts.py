"""The cluster's shared limits and leadership, each against PostgreSQL with two independent
connections pools standing for two processes (fast; the multi-process test is
test_cluster.py)."""

from __future__ import annotations

import asyncio
import time

import pytest
from click.testing import CliRunner

from bot.cli import main
from bot.senders import RetryLater
from tests.store_fixtures import NO_POSTGRES, POSTGRES_URL, fresh_postgres

pytest.importorskip("procrastinate", reason="the cluster needs the scale extra: pip install -e '.[scale]'")


def test_worker_roles_refuse_sqlite_with_one_line(tmp_path):
    result = CliRunner().invoke(main, ["--db", str(tmp_path / "x.db"), "run", "--role", "deliver"])
    assert result.exit_code == 1
    assert "needs a PostgreSQL database" in result.output
    assert "Traceback" not in result.output


def test_store_url_becomes_psycopg_conninfo():
    from bot.cluster.engine import conninfo_from_url

    assert conninfo_from_url("postgresql+asyncpg://u:pw@db.example:6543/news") == "postgresql://u:pw@db.example:6543/news"
    assert conninfo_from_url("postgresql://u@h/n") == "postgresql://u@h/n"


@pytest.fixture
async def cluster_db():
    from bot.cluster.engine import conninfo_from_url, ensure_schema

    async for url in fresh_postgres():
        await ensure_schema(conninfo_from_url(url))
        await ensure_schema(conninfo_from_url(url))  # a second process starting: no error
        yield url


async def _engines(url: str, n: int):
    from sqlalchemy.ext.asyncio import create_async_engine

    return [create_async_engine(url, pool_size=2) for _ in range(n)]


@pytest.mark.postgres
@pytest.mark.skipif(not POSTGRES_URL, reason=NO_POSTGRES)
async def test_shared_bucket_spaces_sends_of_all_workers(cluster_db):
    from bot.cluster.budget import Rate, SharedBuckets

    engines = await _engines(cluster_db, 2)
    try:
        a, b = (SharedBuckets(e) for e in engines)
        rate = Rate(per_second=20.0)
        started = time.monotonic()
        await asyncio.gather(*(bucket.take("telegram:bot", rate, max_wait=5) for bucket in (a, b) for _ in range(10)))
        elapsed = time.monotonic() - started
        # 20 tokens at 20/s with a burst of 1: the last one is 19/20 s after the first
        assert elapsed >= 0.85, elapsed
        # 40 at once: those more than 0.5 s away give their token back and retry later
        results = await asyncio.gather(*(a.take("telegram:bot", rate, max_wait=0.5) for _ in range(40)),
                                       return_exceptions=True)
        later = [r for r in results if isinstance(r, RetryLater)]
        assert len(later) >= 20 and all(r.seconds > 0.5 for r in later)
        assert all(w <= 0.55 for w in results if not isinstance(w, RetryLater))
    finally:
        for e in engines:
            await e.dispose()


@pytest.mark.postgres
@pytest.mark.skipif(not POSTGRES_URL, reason=NO_POSTGRES)
async def test_host_slots_hold_across_processes(cluster_db):
    from bot.cluster.engine import conninfo_from_url
    from bot.cluster.politeness import HostSlots

    conninfo = conninfo_from_url(cluster_db)
    pools = [HostSlots(conninfo, per_host=2, max_held=4, wait_ms=50) for _ in range(2)]
    for p in pools:
        await p.open()
    holding, peak = 0, 0

    async def fetch(slots: HostSlots) -> None:
        nonlocal holding, peak
        held = await slots.acquire("news.example")
        holding += 1
        peak = max(peak, holding)
        await asyncio.sleep(0.05)
        holding -= 1
        await slots.release("news.example", held)

    try:
        await asyncio.gather(*(fetch(p) for p in pools for _ in range(6)))
        other = await pools[0].acquire("other.example")  # another host is not held up
        await pools[0].release("other.example", other)
    finally:
        for p in pools:
            await p.close()
    assert peak == 2


@pytest.mark.postgres
@pytest.mark.skipif(not POSTGRES_URL, reason=NO_POSTGRES)
async def test_one_leader_until_its_connection_goes(cluster_db):
    from bot.cluster.engine import conninfo_from_url
    from bot.cluster.leader import LeaderLock

    conninfo = conninfo_from_url(cluster_db)
    first, second = LeaderLock(conninfo), LeaderLock(conninfo)
    try:
        assert await first.try_acquire()
        assert not await second.try_acquire()
        assert await first.still_held()
        await first.release()  # as when the leader process dies: its connection closes
        assert await second.try_acquire()
        assert not await first.try_acquire()
    finally:
        await first.release()
        await second.release()


async def test_claim_for_one_chat_leaves_the_others(tmp_path):
    """A cluster deliver job owns one chat: its claim must not lease other chats' rows."""
    from datetime import datetime, timezone

    from digests.store import Store
    from digests.store.outbox import NewMessage

    store = await Store.open(str(tmp_path / "t.db"))
    try:
        now = datetime.now(timezone.utc)
        await store.outbox.enqueue_many([NewMessage(None, "slack", chat, f"k:{chat}:{i}", {"text": "x"})
                                         for chat in ("C1", "C2") for i in range(2)], now=now)
        rows = await store.outbox.claim("w", 10, now, platforms=["slack"], chat_id="C2")
        assert [(r.chat_id, r.idempotency_key) for r in rows] == [("C2", "k:C2:0")]
        assert [r.chat_id for r in await store.outbox.claim("w", 10, now, platforms=["slack"])] == ["C1"]
    finally:
        await store.close()
