"""A host slot whose lock was granted by PostgreSQL while the client saw an error (a
``lock_timeout`` that fired as the lock was handed over, a task cancelled mid-query) must not
stay held by a pooled connection: another process must get the slot.

The race is injected, not waited for: the pool hands out connections whose lock statements run
for real on the server and then raise, exactly as the lost answer would look to the client.
"""

from __future__ import annotations

import asyncio

import pytest

from tests.store_fixtures import NO_POSTGRES, POSTGRES_URL, fresh_postgres

pytest.importorskip("psycopg_pool", reason="the cluster needs the scale extra: pip install -e '.[scale]'")
pytestmark = [pytest.mark.postgres, pytest.mark.skipif(not POSTGRES_URL, reason=NO_POSTGRES)]

HOST = "slow.example"


class _GrantedThenFailed:
    """A connection proxy: the first lock statement that the server grants raises ``error``
    afterwards, so the client never learns it holds the lock."""

    def __init__(self, conn, error: BaseException, armed: list[bool]) -> None:
        self._conn, self._error, self._armed = conn, error, armed

    async def execute(self, query, params=None):
        cursor = await self._conn.execute(query, params)
        if self._armed[0] and "advisory_lock(" in query and "unlock" not in query:
            row = await cursor.fetchone()
            if row is None or row[0] in (True, ""):  # pg_advisory_lock returns void, try_ returns true
                self._armed[0] = False
                raise self._error
            await cursor.scroll(0, mode="absolute")
        return cursor

    def __getattr__(self, name):
        return getattr(self._conn, name)


def _inject(slots, error: BaseException) -> list[bool]:
    armed = [True]
    pool = slots._pool
    real_getconn, real_putconn = pool.getconn, pool.putconn

    async def getconn(*args, **kwargs):
        return _GrantedThenFailed(await real_getconn(*args, **kwargs), error, armed)

    async def putconn(conn):
        await real_putconn(conn._conn if isinstance(conn, _GrantedThenFailed) else conn)

    pool.getconn, pool.putconn = getconn, putconn
    return armed


@pytest.fixture
async def conninfo():
    from bot.cluster.engine import conninfo_from_url, ensure_schema

    async for url in fresh_postgres():
        await ensure_schema(conninfo_from_url(url))
        yield conninfo_from_url(url)


def _lock_timeout_error():
    import psycopg

    return psycopg.errors.LockNotAvailable("canceling statement due to lock timeout")


@pytest.mark.parametrize("make_error", [_lock_timeout_error, asyncio.CancelledError, lambda: OSError("connection reset")],
                         ids=["lock timeout", "cancelled", "connection error"])
async def test_a_lock_granted_as_the_client_failed_does_not_leak_the_slot(conninfo, make_error):
    from bot.cluster.politeness import HostSlots

    worker, other = (HostSlots(conninfo, per_host=1, max_held=2, wait_ms=20) for _ in range(2))
    await worker.open()
    await other.open()
    try:
        armed = _inject(worker, make_error())
        with pytest.raises(BaseException):
            await asyncio.wait_for(worker.acquire(HOST), 5)
        assert not armed[0]  # the fault did fire after a granted lock
        # Another process gets the host's only slot: nothing holds it any more.
        held = await asyncio.wait_for(other.acquire(HOST), 3)
        await other.release(HOST, held)
        # And the worker itself still works afterwards, and takes turns with the other.
        mine = await asyncio.wait_for(worker.acquire(HOST), 3)
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(other.acquire(HOST), 0.3)  # one slot: taken by the worker
        await worker.release(HOST, mine)
        held = await asyncio.wait_for(other.acquire(HOST), 3)
        await other.release(HOST, held)
    finally:
        await worker.close()
        await other.close()


async def test_many_contended_acquires_never_exceed_the_slots_and_all_finish(conninfo):
    from bot.cluster.politeness import HostSlots

    pools = [HostSlots(conninfo, per_host=2, max_held=4, wait_ms=20) for _ in range(3)]
    for p in pools:
        await p.open()
    holding, peak, done = 0, 0, 0

    async def fetch(slots: HostSlots) -> None:
        nonlocal holding, peak, done
        held = await slots.acquire(HOST)
        holding += 1
        peak = max(peak, holding)
        await asyncio.sleep(0.01)
        holding -= 1
        await slots.release(HOST, held)
        done += 1

    try:
        await asyncio.wait_for(asyncio.gather(*(fetch(p) for p in pools for _ in range(20))), 60)
    finally:
        for p in pools:
            await p.close()
    assert peak == 2 and done == 60
