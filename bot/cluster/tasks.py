"""The cluster's jobs, run by whichever worker takes them from procrastinate's queue.

* ``newsdigest.ingest_source(source_id)`` polls one source with the existing
  :class:`~digests.ingest.IngestWorker`. ``queueing_lock="src:<id>"``: a source waits in the
  queue at most once; ``lock="src:<id>"``: it is never polled by two workers at once.
* ``newsdigest.compose_digest(subscription_id)`` turns one owed digest into outbox rows
  (``bot.digest_jobs.enqueue_due_digest``: conditional on ``last_digest_at``, so a re-run or
  a second leader enqueues nothing twice), then asks for its delivery.
* ``newsdigest.deliver_chat(platform, chat_id)`` sends one chat's due outbox rows, in order,
  through the existing :class:`~bot.delivery.Deliverer`. ``lock="chat:<platform>:<id>"``:
  one chat is served by one worker at a time, so its messages keep their order.

A job's own failures (the database went away) are retried by procrastinate with backoff;
a source's or a message's failures are handled where they always were (the source's
failure backoff, the outbox's retries and dead letters), so a job normally succeeds.
Jobs of a killed worker are put back in the queue by the leader (``bot/cluster/leader.py``).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Callable

log = logging.getLogger(__name__)

__all__ = [
    "WorkerRuntime", "RUNTIME_KEY", "register", "defer_ingest", "defer_compose", "defer_deliver",
    "INGEST_TASK", "COMPOSE_TASK", "DELIVER_TASK",
]

INGEST_TASK = "newsdigest.ingest_source"
COMPOSE_TASK = "newsdigest.compose_digest"
DELIVER_TASK = "newsdigest.deliver_chat"
RUNTIME_KEY = "newsdigest"
MESSAGES_PER_JOB = 50  # then the job hands the chat back to the queue: fairness between chats
RECENT_REFRESH_SECONDS = 30.0  # how stale one worker's view of other workers' articles may get


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)


@dataclass
class WorkerRuntime:
    """What a worker process shares between its jobs (passed as procrastinate's
    ``additional_context[RUNTIME_KEY]``)."""

    store: Any
    app: Any  # the procrastinate App, to defer follow-up jobs
    ingest: Any = None  # IngestWorker, in ingest workers
    deliverer: Any = None  # Deliverer, in deliver workers
    settings: Any = None  # bot.digest_jobs.JobSettings
    clock: Callable[[], datetime] = _utcnow
    _recent_loaded: float = 0.0

    def refresh_recent(self) -> None:
        """IngestWorker caches the recent articles' signatures (near-duplicates, stories)
        once per process; other workers store articles too, so the cache is dropped every
        RECENT_REFRESH_SECONDS and reloaded from the database at the next save."""
        now = time.monotonic()
        if self.ingest is not None and now - self._recent_loaded > RECENT_REFRESH_SECONDS:
            self.ingest.forget_recent()
            self._recent_loaded = now


def _runtime(context: Any) -> WorkerRuntime:
    return context.additional_context[RUNTIME_KEY]


async def _defer(app: Any, task: str, key: str, **kwargs: Any) -> bool:
    """Defer one job unless the same one is already waiting; True when queued now."""
    from procrastinate.exceptions import AlreadyEnqueued

    try:
        await app.tasks[task].configure(lock=key, queueing_lock=key).defer_async(**kwargs)
    except AlreadyEnqueued:
        return False
    return True


async def defer_ingest(app: Any, source_id: int) -> bool:
    return await _defer(app, INGEST_TASK, f"src:{source_id}", source_id=source_id)


async def defer_compose(app: Any, subscription_id: int) -> bool:
    return await _defer(app, COMPOSE_TASK, f"digest:{subscription_id}", subscription_id=subscription_id)


async def defer_deliver(app: Any, platform: str, chat_id: str) -> bool:
    return await _defer(app, DELIVER_TASK, f"chat:{platform}:{chat_id}", platform=platform, chat_id=str(chat_id))


async def ingest_source(context: Any, source_id: int) -> dict:
    rt = _runtime(context)
    record = await rt.store.sources.get(source_id)
    now = rt.clock()
    if record is None or not record.enabled:
        return {"skipped": "gone or disabled"}
    if record.next_poll_at is not None and record.next_poll_at > now:
        return {"skipped": "not due"}  # polled by an earlier job in the meantime
    rt.refresh_recent()
    report = await rt.ingest.ingest_source(record)
    return {"new": report.new, "skipped": report.skipped, "errors": len(report.errors)}


async def compose_digest(context: Any, subscription_id: int) -> dict:
    from bot.digest_jobs import enqueue_due_digest

    rt = _runtime(context)
    queued = await enqueue_due_digest(rt.store, subscription_id, rt.clock(), rt.settings)
    if queued:
        sub = await rt.store.subscriptions.by_id(subscription_id)
        if sub is not None:
            await defer_deliver(rt.app, sub.platform, sub.chat_id)
    return {"queued": queued}


async def deliver_chat(context: Any, platform: str, chat_id: str) -> dict:
    rt = _runtime(context)
    deliverer = rt.deliverer
    if platform not in deliverer.senders:
        log.warning("no sender for this platform in this worker", extra={"platform": platform})
        return {"sent": 0}
    sent = 0
    for _ in range(MESSAGES_PER_JOB):
        rows = await rt.store.outbox.claim(deliverer.worker_id, 1, deliverer.clock(), deliverer.lease_seconds,
                                           platforms=[platform], chat_id=chat_id)
        if not rows:
            return {"sent": sent}
        report = await deliverer.deliver(rows[0])
        sent += report.sent + report.recovered
    await defer_deliver(rt.app, platform, chat_id)  # more to send: back of the queue
    return {"sent": sent, "continued": True}


def register(app: Any) -> None:
    from procrastinate import RetryStrategy

    from bot.cluster.engine import DELIVER_QUEUE, DIGEST_QUEUE, INGEST_QUEUE

    retry = RetryStrategy(max_attempts=6, exponential_wait=2)
    app.task(name=INGEST_TASK, queue=INGEST_QUEUE, pass_context=True, retry=retry)(ingest_source)
    app.task(name=COMPOSE_TASK, queue=DIGEST_QUEUE, pass_context=True, retry=retry)(compose_digest)
    # Sending what is composed comes before composing more: a worker busy with 10,000
    # digests at 08:00 still sends the first ones at once.
    app.task(name=DELIVER_TASK, queue=DELIVER_QUEUE, pass_context=True, retry=retry, priority=10)(deliver_chat)
