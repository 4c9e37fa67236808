"""The scheduler role: one leader at a time, any number of standbys.

APScheduler 3.x keeps its jobs in memory and cannot share a job store, so only one process
may schedule. Leadership is a PostgreSQL session advisory lock (``pg_try_advisory_lock``)
held on a dedicated connection: when the leader dies its connection dies and PostgreSQL
frees the lock at once; a standby tries every ``standby_poll`` seconds and takes over.
A leader that loses its connection (network split) notices at its next check and stops.

The leader only *enqueues* (everything it does is idempotent, so a short overlap of an old
and a new leader is harmless):

* due sources → ``ingest_source`` jobs (one waiting job per source: queueing lock);
* subscriptions owing a digest → ``compose_digest`` jobs; the worker that takes one runs
  ``bot.digest_jobs.enqueue_due_digest``, whose conditional ``last_digest_at`` update makes
  a digest enqueued once per due time whichever node was leader;
* alerts → outbox rows (``enqueue_alerts``, same guard);
* chats with due outbox rows (new, retried, or left leased by a dead worker) → ``deliver_chat``;
* jobs of dead workers (no heartbeat for ``STALLED_AFTER_SECONDS``) → back in the queue.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import text

from bot.cluster import tasks
from bot.cluster.engine import STALLED_AFTER_SECONDS

log = logging.getLogger(__name__)

__all__ = [
    "LeaderLock",
    "LeaderTicks",
    "busy_keys",
    "chats_with_due_messages",
    "current_leader",
    "recover_stalled_jobs",
    "run_scheduler",
]

LEADER_LOCK_KEY = 7429031300


@dataclass(frozen=True)
class LeaderTicks:
    sources: float = 5.0
    digests: float = 10.0
    outbox: float = 2.0
    stalled: float = 5.0
    check: float = 2.0  # is the lock connection still alive?
    standby_poll: float = 3.0


class LeaderLock:
    """``pg_try_advisory_lock`` on a connection of its own, kept open while leading."""

    def __init__(self, conninfo: str) -> None:
        self.conninfo = conninfo
        self._conn: Any = None

    async def try_acquire(self) -> bool:
        import psycopg

        try:
            if self._conn is None or self._conn.closed:
                self._conn = await psycopg.AsyncConnection.connect(
                    self.conninfo, autocommit=True, connect_timeout=5,
                    keepalives=1, keepalives_idle=5, keepalives_interval=2, keepalives_count=2)
            row = await (await self._conn.execute("SELECT pg_try_advisory_lock(%s)", (LEADER_LOCK_KEY,))).fetchone()
            return bool(row and row[0])
        except Exception as exc:  # noqa: BLE001 - the database is unreachable: stay standby
            log.warning("leader lock unavailable: %s", exc)
            await self.release()
            return False

    async def still_held(self) -> bool:
        try:
            async with asyncio.timeout(5):
                await self._conn.execute("SELECT 1")
            return True
        except Exception:  # noqa: BLE001 - connection gone: so is the lock
            return False

    async def release(self) -> None:
        if self._conn is not None:
            try:
                # Unlock first: closing frees the lock too, but only once the server backend
                # has exited, which a standby asking at once can beat.
                if not self._conn.closed:
                    async with asyncio.timeout(2):
                        await self._conn.execute("SELECT pg_advisory_unlock_all()")
            except Exception:  # noqa: BLE001 - connection already gone: so is the lock
                pass
            try:
                await self._conn.close()
            except Exception:  # noqa: BLE001
                pass
            self._conn = None


async def recover_stalled_jobs(app: Any, seconds: float = STALLED_AFTER_SECONDS) -> int:
    """Put the jobs of workers silent for ``seconds`` back in the queue (procrastinate 3.x
    marks workers by heartbeat; it leaves recovering their jobs to the application)."""
    from procrastinate.jobs import Status

    recovered = 0
    for job in await app.job_manager.get_stalled_jobs(seconds_since_heartbeat=seconds):
        try:
            await app.job_manager.retry_job(job)
            recovered += 1
            log.warning("job of a dead worker retried", extra={"job_id": job.id, "task": job.task_name})
        except Exception:  # noqa: BLE001 - an identical job is already waiting (queueing lock): it does the work
            await app.job_manager.finish_job_by_id_async(job.id, Status.FAILED, delete_job=False)
            log.warning("job of a dead worker dropped: the same job is queued", extra={"job_id": job.id,
                                                                                     "task": job.task_name})
    return recovered


_DUE_CHATS = text("""
SELECT DISTINCT o.platform, o.chat_id FROM outbox o
 WHERE ((o.state = 'pending' AND o.next_attempt_at <= :now)
        OR (o.state = 'sending' AND (o.claimed_until IS NULL OR o.claimed_until < :now)))
   AND NOT EXISTS (SELECT 1 FROM outbox e WHERE e.platform = o.platform AND e.chat_id = o.chat_id
                    AND e.id < o.id AND e.state IN ('pending', 'sending'))
 LIMIT :limit
""")


async def chats_with_due_messages(store: Any, now: datetime, limit: int = 5000) -> list[tuple[str, str]]:
    """Chats whose next message may be sent now (the outbox claim's condition)."""
    async with store.engine.connect() as conn:
        return [(r[0], r[1]) for r in (await conn.execute(_DUE_CHATS, {"now": now, "limit": limit})).all()]


_BUSY = text("SELECT queueing_lock FROM procrastinate_jobs WHERE task_name = :task AND status IN ('todo', 'doing') "
             "AND queueing_lock IS NOT NULL")


async def busy_keys(store: Any, task: str) -> set[str]:
    """Queueing locks of ``task``'s jobs waiting or running: no need to defer those again
    (one query instead of one refused defer per source, chat or subscription)."""
    async with store.engine.connect() as conn:
        return {r[0] for r in (await conn.execute(_BUSY, {"task": task})).all()}


async def current_leader(store: Any) -> dict | None:
    async with store.engine.connect() as conn:
        row = (await conn.execute(text("SELECT node, since, seen FROM newsdigest_leader WHERE id = 1"))).first()
    return dict(row._mapping) if row else None


class _Leading:
    """The leader's periodic work, on bot.scheduler.Scheduler (APScheduler 3.x)."""

    def __init__(self, store: Any, app: Any, settings: Any, config: Any, node: str, ticks: LeaderTicks) -> None:
        self.store, self.app, self.settings, self.config, self.node, self.ticks = store, app, settings, config, node, ticks

    @staticmethod
    def _now() -> datetime:
        return datetime.now(UTC)

    async def announce(self) -> None:
        now = self._now()
        async with self.store.engine.begin() as conn:
            await conn.execute(text(
                "INSERT INTO newsdigest_leader (id, node, since, seen) VALUES (1, :node, :now, :now) "
                "ON CONFLICT (id) DO UPDATE SET node = EXCLUDED.node, since = EXCLUDED.since, seen = EXCLUDED.seen"
            ), {"node": self.node, "now": now})

    async def heartbeat(self) -> None:
        async with self.store.engine.begin() as conn:
            await conn.execute(text("UPDATE newsdigest_leader SET seen = :now WHERE id = 1 AND node = :node"),
                               {"now": self._now(), "node": self.node})

    async def sources(self) -> None:
        queued, busy = 0, await busy_keys(self.store, tasks.INGEST_TASK)
        for record in await self.store.sources.due(self._now()):
            if f"src:{record.id}" not in busy:
                queued += await tasks.defer_ingest(self.app, record.id)
        if queued:
            log.info("sources queued", extra={"count": queued})

    async def digests(self) -> None:
        from bot.scheduler import due_digest_times

        now, busy = self._now(), await busy_keys(self.store, tasks.COMPOSE_TASK)
        for sub in await self.store.subscriptions.list(active_only=True):
            if due_digest_times(sub, now) and f"digest:{sub.id}" not in busy:
                await tasks.defer_compose(self.app, sub.id)

    async def alerts(self) -> None:
        from bot.digest_jobs import enqueue_alerts

        await enqueue_alerts(self.store, self._now(), self.settings)

    async def outbox(self) -> None:
        busy = await busy_keys(self.store, tasks.DELIVER_TASK)
        for platform, chat_id in await chats_with_due_messages(self.store, self._now()):
            if f"chat:{platform}:{chat_id}" not in busy:
                await tasks.defer_deliver(self.app, platform, chat_id)

    async def stalled(self) -> None:
        await recover_stalled_jobs(self.app)

    def schedule(self, scheduler: Any) -> None:
        t, first = self.ticks, self._now()
        alert_every = max(1, self.config.scheduler.alert_batch_minutes) * 60
        for name, every, job in (("sources", t.sources, self.sources), ("digests", t.digests, self.digests),
                                 ("alerts", alert_every, self.alerts), ("outbox", t.outbox, self.outbox),
                                 ("stalled", t.stalled, self.stalled), ("leader", t.check, self.heartbeat)):
            scheduler.every(timedelta(seconds=every), job, id=name, first_run=first)


async def run_scheduler(store: Any, app: Any, settings: Any, config: Any, conninfo: str, stop: asyncio.Event,
                        *, node: str, ticks: LeaderTicks | None = None) -> None:
    """Stand by until leadership is ours, lead until ``stop`` or the lock is lost, repeat."""
    from bot.scheduler import Scheduler

    ticks = ticks or LeaderTicks()
    lock = LeaderLock(conninfo)
    leading = _Leading(store, app, settings, config, node, ticks)
    try:
        while not stop.is_set():
            if not await lock.try_acquire():
                await _wait(stop, ticks.standby_poll)
                continue
            log.warning("this node is the scheduler leader", extra={"node": node})
            await leading.announce()
            scheduler = Scheduler(misfire_grace_seconds=60)
            leading.schedule(scheduler)
            scheduler.start()
            try:
                while not stop.is_set():
                    await _wait(stop, ticks.check)
                    if not stop.is_set() and not await lock.still_held():
                        log.error("leader lock lost: standing down", extra={"node": node})
                        break
            finally:
                scheduler.shutdown()
                await lock.release()
    finally:
        await lock.release()


async def _wait(stop: asyncio.Event, seconds: float) -> None:
    try:
        await asyncio.wait_for(stop.wait(), seconds)
    except TimeoutError:
        pass
