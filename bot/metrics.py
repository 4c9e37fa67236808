"""Prometheus metrics: one :class:`Metrics` (with its own ``CollectorRegistry``) per app.

Counters move where things happen (the deliverer, the ingest report, the senders' 429s);
the outbox gauges are read from the database at scrape time (``await metrics.refresh()``),
so they are right in every process of a cluster, whoever did the work::

    metrics = Metrics()
    instrument(metrics, deliverer=app.deliverer, ingest=app.ingest, store=app.store)
    await metrics.refresh(); text = metrics.render()

Names follow Prometheus conventions (``_total`` counters, ``_seconds`` units). Labels are
small sets (platform, error kind) except ``host`` on back-offs, bounded by the sources.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from concurrent.futures import Executor, Future
from datetime import UTC, datetime
from typing import Any

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.exposition import CONTENT_TYPE_LATEST

log = logging.getLogger(__name__)

__all__ = ["CONTENT_TYPE_LATEST", "Metrics", "digest_due_time", "error_kind", "instrument", "timed_executor"]

_SECONDS_BUCKETS = (0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)
_LATENESS_BUCKETS = (1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 4 * 3600, 24 * 3600)
_HTTP_STATUS = re.compile(r"\bHTTP (\d{3})\b")


def error_kind(text: str) -> str:
    """A small label for one ingest error line (``"<url>: HTTP 503"`` → ``http_5xx``)."""
    lowered = text.lower()
    if "internal error" in lowered:
        return "internal"
    status = _HTTP_STATUS.search(text)
    if status:
        return f"http_{status.group(1)[0]}xx"
    for marker, kind in (("timed out", "timeout"), ("timeout", "timeout"), ("redirect", "redirects"),
                         ("larger than", "too_large"), ("feed", "feed"), ("connect", "network"),
                         ("network", "network"), ("resolve", "network")):
        if marker in lowered:
            return kind
    return "other"


def digest_due_time(idempotency_key: str) -> datetime | None:
    """The due instant of the first message of a digest (``digest:<sub>:<iso>:0``, see
    ``bot/digest_jobs.digest_key``); None for other messages and later parts."""
    if not idempotency_key.startswith("digest:"):
        return None
    body = idempotency_key[len("digest:"):]
    _, _, rest = body.partition(":")
    stamp, _, part = rest.rpartition(":")
    if part != "0":
        return None
    try:
        due = datetime.fromisoformat(stamp)
    except ValueError:
        return None
    return due if due.tzinfo else due.replace(tzinfo=UTC)


class Metrics:
    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry if registry is not None else CollectorRegistry()
        r = self.registry
        self.articles_ingested = Counter("newsdigest_articles_ingested", "New articles stored", registry=r)
        self.fetch_errors = Counter("newsdigest_fetch_errors", "Sources or items that failed, by kind", ["kind"],
                                    registry=r)
        self.host_backoffs = Counter("newsdigest_host_backoffs", "Times a host asked us to wait (429/503)",
                                     ["host"], registry=r)
        self.analysis_seconds = Histogram("newsdigest_analysis_seconds", "Extraction and analysis of one page",
                                          buckets=_SECONDS_BUCKETS, registry=r)
        self.messages_sent = Counter("newsdigest_messages_sent", "Messages the platform accepted", ["platform"],
                                     registry=r)
        self.messages_failed = Counter("newsdigest_messages_failed", "Send attempts that failed", ["platform", "reason"],
                                       registry=r)
        self.rate_limited = Counter("newsdigest_rate_limited", "429 answers from the platform", ["platform"],
                                    registry=r)
        self.dead_letters = Counter("newsdigest_dead_letters", "Messages given up on", ["platform"], registry=r)
        self.digest_lateness = Histogram("newsdigest_digest_lateness_seconds", "From a digest's due time to its send",
                                         buckets=_LATENESS_BUCKETS, registry=r)
        self.who_latency = Histogram("newsdigest_who_latency_seconds", "Answering /who", buckets=_SECONDS_BUCKETS,
                                     registry=r)
        self.outbox_depth = Gauge("newsdigest_outbox_depth", "Messages not yet sent nor given up on", registry=r)
        self.outbox_oldest_age = Gauge("newsdigest_outbox_oldest_age_seconds",
                                       "Age of the oldest unsent message (0 when empty)", registry=r)
        self.outbox_dead = Gauge("newsdigest_outbox_dead", "Dead letters kept in the outbox", registry=r)
        self.store_up = Gauge("newsdigest_store_up", "1 when the last scrape could read the database", registry=r)
        self._store: Any = None
        self._clock: Callable[[], datetime] = lambda: datetime.now(UTC)

    # -- recording ----------------------------------------------------------------------------

    def record_ingest(self, report: Any) -> None:
        """One ``digests.ingest.IngestReport``: new articles, failed sources/items by kind,
        and rejected pages whose reason is an HTTP status (``http_404``)."""
        self.articles_ingested.inc(getattr(report, "new", 0))
        for line in getattr(report, "errors", ()) or ():
            self.fetch_errors.labels(error_kind(str(line))).inc()
        for rejected in getattr(report, "rejected", ()) or ():
            reason = str(getattr(rejected, "reason", ""))
            if reason.startswith("http_") and reason[5:].isdigit():
                self.fetch_errors.labels(f"http_{reason[5]}xx").inc()

    def record_backoff(self, host: str, seconds: float | None = None) -> None:
        self.host_backoffs.labels(host).inc()

    def record_sent(self, platform: str, idempotency_key: str = "", now: datetime | None = None) -> None:
        self.messages_sent.labels(platform).inc()
        due = digest_due_time(idempotency_key)
        if due is not None:
            self.digest_lateness.observe(max(0.0, ((now or self._clock()) - due).total_seconds()))

    def record_failed(self, platform: str, reason: str) -> None:
        self.messages_failed.labels(platform, reason).inc()

    def record_rate_limited(self, platform: str) -> None:
        self.rate_limited.labels(platform).inc()

    def record_dead(self, platform: str) -> None:
        self.dead_letters.labels(platform).inc()

    def observe_who(self, seconds: float) -> None:
        self.who_latency.observe(seconds)

    # -- scraping -----------------------------------------------------------------------------

    def bind_store(self, store: Any, clock: Callable[[], datetime] | None = None) -> None:
        self._store = store
        if clock is not None:
            self._clock = clock

    async def refresh(self) -> None:
        """Read the outbox gauges from the database (called before each scrape)."""
        if self._store is None:
            return
        from sqlalchemy import func, select

        from digests.store import schema
        from digests.store.db import as_utc
        from digests.store.outbox import UNFINISHED

        table = schema.outbox
        try:
            async with self._store.engine.connect() as conn:
                depth, oldest = (await conn.execute(
                    select(func.count(), func.min(table.c.created_at)).where(table.c.state.in_(UNFINISHED)))).one()
                dead = (await conn.execute(
                    select(func.count()).select_from(table).where(table.c.state == "dead"))).scalar_one()
        except Exception as exc:  # noqa: BLE001 - a scrape reports the database down, never fails
            log.warning("metrics: cannot read the outbox", extra={"error": str(exc)})
            self.store_up.set(0)
            return
        self.store_up.set(1)
        self.outbox_depth.set(depth)
        oldest = as_utc(oldest) if oldest is not None else None
        self.outbox_oldest_age.set(max(0.0, (self._clock() - oldest).total_seconds()) if oldest else 0.0)
        self.outbox_dead.set(dead)

    def render(self) -> bytes:
        return generate_latest(self.registry)


class _TimedExecutor(Executor):
    """Wraps the analysis executor; each finished job's wall time (submit to result) is
    observed. With a thread pool that is the work itself; with a process pool it includes
    the wait for a free process, which is also what an operator wants to see grow."""

    def __init__(self, inner: Executor | None, histogram: Histogram) -> None:
        if inner is None:
            from concurrent.futures import ThreadPoolExecutor

            inner = self._own = ThreadPoolExecutor(thread_name_prefix="newsdigest-analysis")
        else:
            self._own = None
        self.inner = inner
        self._histogram = histogram

    def submit(self, fn, /, *args, **kwargs) -> Future:  # type: ignore[override]
        started = time.perf_counter()
        future = self.inner.submit(fn, *args, **kwargs)
        future.add_done_callback(lambda _f: self._histogram.observe(time.perf_counter() - started))
        return future

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        if self._own is not None:
            self._own.shutdown(wait=wait, cancel_futures=cancel_futures)


def timed_executor(executor: Executor | None, metrics: Metrics) -> Executor:
    return _TimedExecutor(executor, metrics.analysis_seconds)


def instrument(metrics: Metrics, *, deliverer: Any = None, ingest: Any = None, store: Any = None,
               fetcher: Any = None, clock: Callable[[], datetime] | None = None) -> None:
    """Connect the parts a process runs to ``metrics``: the deliverer counts sends, the
    ingest worker's reports are recorded and its analysis timed, the store feeds the gauges,
    and a fetcher with an ``on_backoff(host, seconds)`` hook reports per-host back-offs."""
    if fetcher is not None and hasattr(fetcher, "on_backoff"):
        fetcher.on_backoff = metrics.record_backoff
    if deliverer is not None:
        deliverer.metrics = metrics
    if ingest is not None and not getattr(ingest, "_newsdigest_metrics", None):
        run_once = ingest.run_once

        async def recorded_run_once(*args: Any, **kwargs: Any) -> Any:
            report = await run_once(*args, **kwargs)
            metrics.record_ingest(report)
            return report

        ingest.run_once = recorded_run_once
        ingest.executor = timed_executor(getattr(ingest, "executor", None), metrics)
        ingest._newsdigest_metrics = metrics
    if store is not None:
        metrics.bind_store(store, clock)
