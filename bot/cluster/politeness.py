"""Per-host politeness that holds across the cluster, not per process.

Each HTTP request of an ingest worker goes through :class:`PoliteTransport` (an httpx
transport wrapped around the real one, handed to the existing
:class:`~digests.fetch.Fetcher`), which

* waits out the host's shared cool-down (a ``newsdigest_host_cooldowns`` row, written when
  any worker got a 429/503 with ``Retry-After`` from that host);
* holds one of ``per_host_concurrency`` cluster-wide slots for the host while the request
  and its body are in flight: PostgreSQL session advisory locks
  ``pg_try_advisory_lock(hashtext(host), slot)`` (polled, never the blocking form) on a
  pooled connection. A worker killed
  mid-request loses its connection and PostgreSQL frees its slots at once, so a dead
  worker never keeps a host blocked.

The Fetcher's own per-process limits still apply underneath; these only make them global.
"""

from __future__ import annotations

import asyncio
import logging
import random
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from digests.fetch import parse_retry_after
from digests.urls import host_of

log = logging.getLogger(__name__)

__all__ = ["HostCooldowns", "HostSlots", "PoliteTransport", "host_key"]

_RETRY_STATUSES = (429, 503)


def host_key(url: str) -> str:
    """Who we are polite to: the host, plus the port when it is not the default (as the
    Fetcher counts hosts)."""
    try:
        port = httpx.URL(url).port
    except (httpx.InvalidURL, ValueError):
        port = None
    host = host_of(url)
    return f"{host}:{port}" if port and port not in (80, 443) else host


class HostSlots:
    """At most ``per_host`` requests to one host in the whole cluster."""

    def __init__(self, conninfo: str, per_host: int, *, max_held: int = 8, wait_ms: float = 200) -> None:
        from psycopg_pool import AsyncConnectionPool

        self.per_host = max(1, per_host)
        self.wait_ms = wait_ms
        # One connection per slot held by this process; kwargs: autocommit, so a lock is
        # never tied to a transaction and an idle connection holds nothing else.
        self._pool = AsyncConnectionPool(conninfo, min_size=1, max_size=max_held, open=False, timeout=300,
                                         kwargs={"autocommit": True})

    async def open(self) -> None:
        await self._pool.open(wait=True)

    async def close(self) -> None:
        await self._pool.close()

    async def acquire(self, host: str) -> tuple[Any, int]:
        """Wait for a free slot of ``host``; returns (connection, slot) to pass to release.

        Only ``pg_try_advisory_lock``, polled: a blocking ``pg_advisory_lock`` cut short by
        ``lock_timeout`` may still have been granted when the error arrives, and the pooled
        connection would then hold the slot without knowing it (advisory locks are re-entrant,
        so it would keep re-taking it while other workers never get it). And whatever goes
        wrong once a lock statement was sent (an error, a cancelled task), the connection is
        closed, not pooled: closing frees every lock it may hold, so a pooled connection
        always holds none."""
        start = random.randrange(self.per_host)  # spread processes over the slots
        while True:
            conn = await self._pool.getconn()
            try:
                slot = await self._try_slots(conn, host, start)
            except BaseException:
                await self._discard(conn)
                raise
            if slot is not None:
                return conn, slot
            await self._pool.putconn(conn)
            # All taken: look again soon (jittered, so waiting processes do not poll in step).
            await asyncio.sleep(random.uniform(0.25, 1.0) * self.wait_ms / 1000)

    async def _try_slots(self, conn: Any, host: str, start: int) -> int | None:
        for i in range(self.per_host):
            slot = (start + i) % self.per_host
            row = await (await conn.execute("SELECT pg_try_advisory_lock(hashtext(%s), %s)", (host, slot))).fetchone()
            if row and row[0]:
                return slot
        return None

    async def _discard(self, conn: Any) -> None:
        """Close a connection whose locks we are not sure of, then hand it back (the pool
        replaces a closed connection)."""
        try:
            await conn.close()
        except BaseException:
            log.warning("could not close a host-slot connection", exc_info=True)
        finally:
            await self._pool.putconn(conn)

    async def release(self, host: str, held: tuple[Any, int]) -> None:
        conn, slot = held
        try:
            row = await (await conn.execute("SELECT pg_advisory_unlock(hashtext(%s), %s)", (host, slot))).fetchone()
        except BaseException as exc:
            await self._discard(conn)  # its locks go with it
            if not isinstance(exc, Exception):
                raise
            log.warning("could not release a host slot; its connection was closed instead", exc_info=True)
            return
        if not (row and row[0]):
            log.warning("a host slot was not held at release", extra={"host": host, "slot": slot})
        await self._pool.putconn(conn)


class HostCooldowns:
    """A host that said Retry-After is left alone by every worker until then. The row is
    read at most every ``refresh_seconds`` per host and process (a cool-down is seconds
    long; one extra query per request would cost more than it saves)."""

    def __init__(self, engine: Any, *, max_seconds: float = 30.0, refresh_seconds: float = 1.0) -> None:
        self._engine = engine
        self.max_seconds = max_seconds
        self.refresh_seconds = refresh_seconds
        self._known: dict[str, tuple[float, datetime | None]] = {}  # host -> (read at, until)

    async def until(self, host: str) -> datetime | None:
        from sqlalchemy import text

        loop_now = asyncio.get_running_loop().time()
        read_at, until = self._known.get(host, (float("-inf"), None))
        if loop_now - read_at >= self.refresh_seconds:
            async with self._engine.connect() as conn:
                until = (await conn.execute(text("SELECT until FROM newsdigest_host_cooldowns WHERE host = :h"),
                                            {"h": host})).scalar()
            self._known[host] = (loop_now, until)
        return until

    async def wait(self, host: str) -> None:
        until = await self.until(host)
        if until is not None:
            wait = (until - datetime.now(UTC)).total_seconds()
            if wait > 0:
                await asyncio.sleep(min(wait, self.max_seconds))

    async def hold(self, host: str, seconds: float) -> None:
        from sqlalchemy import text

        until = datetime.now(UTC) + timedelta(seconds=min(seconds, self.max_seconds))
        async with self._engine.begin() as conn:
            await conn.execute(text(
                "INSERT INTO newsdigest_host_cooldowns (host, until) VALUES (:h, :u) "
                "ON CONFLICT (host) DO UPDATE SET until = GREATEST(newsdigest_host_cooldowns.until, EXCLUDED.until)"
            ), {"h": host, "u": until})
        self._known[host] = (asyncio.get_running_loop().time(), until)
        log.info("host cool-down shared", extra={"host": host, "seconds": seconds})


class _ReleasingStream(httpx.AsyncByteStream):
    """The response body; closing it (the Fetcher always does) frees the host slot."""

    def __init__(self, stream: Any, release) -> None:
        self._stream = stream
        self._release = release

    async def __aiter__(self):
        async for chunk in self._stream:
            yield chunk

    async def aclose(self) -> None:
        try:
            await self._stream.aclose()
        finally:
            await self._release()


class PoliteTransport(httpx.AsyncBaseTransport):
    def __init__(self, slots: HostSlots, cooldowns: HostCooldowns, inner: httpx.AsyncBaseTransport | None = None) -> None:
        self.slots = slots
        self.cooldowns = cooldowns
        self.inner = inner or httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        host = host_key(str(request.url))
        await self.cooldowns.wait(host)
        held = await self.slots.acquire(host)
        released = False

        async def release() -> None:
            nonlocal released
            if not released:
                released = True
                await self.slots.release(host, held)

        try:
            response = await self.inner.handle_async_request(request)
        except BaseException:
            await release()
            raise
        if response.status_code in _RETRY_STATUSES:
            seconds = parse_retry_after(response.headers.get("retry-after"))
            if seconds:
                await self.cooldowns.hold(host, seconds)
        response.stream = _ReleasingStream(response.stream, release)
        return response

    async def aclose(self) -> None:
        await self.inner.aclose()
