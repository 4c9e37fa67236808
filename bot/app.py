"""Start-up and shut-down in one place (like python-telegram-bot's Application)::

    async with NewsdigestApp(config) as app:
        await app.run_once()          # ingest, enqueue what is due, deliver, return
        await app.serve(stop_event)   # or: run until stop_event is set (SIGINT/SIGTERM)

Start order: store, fetcher and ingest worker, senders (each enabled platform of
``bot.platforms``, else the console), deliverer, then (``serve`` only) the delivery loop,
the catch-up (ingest, enqueue what is owed), the chat adapters and the scheduler. Stop
order is the reverse. Stopping is safe at any moment: every message is an outbox row
before it is sent, and an interrupted send is recovered from its lease.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
from collections.abc import Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from rich.console import Console

from bot.config import Config
from bot.delivery import Deliverer, DeliveryReport
from bot.digest_jobs import (
    JobSettings,
    enqueue_alerts,
    enqueue_due_digest,
    enqueue_due_digests,
    enqueue_preview_digest,
)
from bot.health import start_observability
from bot.platforms import Platform, active_platforms, admin_report, any_enabled, open_senders, start_adapters
from bot.scheduler import Scheduler
from bot.sent_journal import journal_dir_for
from bot.status import AppStatus, collect_status
from digests.store import Store

log = logging.getLogger(__name__)

__all__ = ["DEMO_DIR", "NewsdigestApp", "RunReport", "install_signal_handlers"]

DEMO_DIR = Path(__file__).resolve().parent / "demo"
INGEST_TICK = timedelta(seconds=60)  # how often due sources are looked for (each has its own interval)
SYNC_TICK = timedelta(seconds=60)  # how often subscription changes reach the scheduler
STOP_GRACE_SECONDS = 15.0  # in-flight sends get this long; then rows stay leased for recovery


@dataclass
class RunReport:
    ingested: int = 0
    ingest_errors: list[str] = field(default_factory=list)
    digests_queued: int = 0
    alerts_queued: int = 0
    delivery: DeliveryReport = field(default_factory=DeliveryReport)


def _utcnow() -> datetime:
    return datetime.now(UTC)


class NewsdigestApp:
    def __init__(
        self,
        config: Config,
        *,
        demo: bool | None = None,
        clock: Callable[[], datetime] = _utcnow,
        console: Console | None = None,
        fetcher: Any = None,
    ) -> None:
        self.config = config
        self.has_tokens = any_enabled(config.secrets)
        self.demo = (not self.has_tokens) if demo is None else demo  # demo by default only without tokens
        self.clock = clock
        self.console = console
        self.settings = JobSettings.from_config(config)
        self._fetcher = fetcher  # tests may pass a fake; otherwise one is opened in start()
        self._stack = AsyncExitStack()
        self.store: Store | None = None
        self.ingest: Any = None
        self.senders: dict[str, Any] = {}
        self.platforms: list[Platform] = []  # the ones this app posts to (senders' keys)
        self.adapters: list[Any] = []
        self.deliverer: Deliverer | None = None
        self.scheduler: Scheduler | None = None
        self._scheduled: dict[int, tuple] = {}
        self.observability: Any = None  # /healthz and /metrics, when [metrics] enabled

    # -- lifecycle --------------------------------------------------------------------------

    async def __aenter__(self) -> NewsdigestApp:
        try:
            await self.start()
        except BaseException:
            await self._stack.aclose()
            raise
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._stack.aclose()

    async def start(self) -> None:
        self.store = await Store.open(self.config.database)
        self._stack.push_async_callback(self.store.close)
        await self._start_ingest()
        await self._start_senders()
        self.deliverer = Deliverer(self.store, self.senders, self.config.delivery, admin_report(self.config, self.senders),
                                   clock=self.clock,
                                   journal_dir=journal_dir_for(self.config.database))
        self._stack.callback(self.deliverer.close)
        self.observability = await start_observability(
            self.config, store=self.store, deliverer=self.deliverer, ingest=self.ingest, fetcher=self._fetcher,
            scheduler_state=lambda: "leader", clock=self.clock)  # one process: it always schedules
        if self.observability is not None:
            self._stack.push_async_callback(self.observability.aclose)
        if self.config.web.enabled:
            await self._start_web()
        if self.demo:
            await self.store.sources.add(str(DEMO_DIR), "folder", title="newsdigest demo articles",
                                         poll_interval_s=self.config.ingest.poll_interval_minutes * 60)
        for name, chat in self._home_chats():
            await self.store.subscriptions.upsert(
                name, chat, title="this terminal", created_by="newsdigest run",
                **({} if await self.store.subscriptions.get(name, chat) else {
                    "timezone": self.config.scheduler.default_timezone,
                    "digest_time": self.config.scheduler.default_digest_time,
                }),
            )

    def _home_chats(self) -> list[tuple[str, str]]:
        """(platform, chat) of each home chat this app posts to: the console's terminal."""
        return [(p.name, p.home_chat) for p in self.platforms if p.home_chat is not None]

    async def _start_web(self) -> None:
        """The read-only web archive beside the bot (``[web] enabled``), on its own task."""
        from bot.cli_web import ADMIN_TOKEN_ENV, serve_web

        web = self.config.web
        stop = asyncio.Event()
        task = asyncio.create_task(serve_web(self.config.database, web.listen, web.port, base_url=web.base_url,
                                             admin_token=os.environ.get(ADMIN_TOKEN_ENV), stop=stop,
                                             store=self.store),
                                   name="newsdigest-web")
        task.add_done_callback(_log_failure)

        async def close() -> None:
            stop.set()
            await asyncio.wait([task], timeout=STOP_GRACE_SECONDS)

        self._stack.push_async_callback(close)

    async def _start_ingest(self) -> None:
        # Seam: digests.ingest belongs to the ingestion worker; imported lazily so the
        # scheduler and delivery parts run (and are tested) without it.
        from bot.runtime import analysis_executor, fetch_policy, ingest_options
        from digests.fetch import Fetcher
        from digests.ingest import IngestWorker

        if self._fetcher is None:
            self._fetcher = await self._stack.enter_async_context(Fetcher(fetch_policy(self.config.ingest)))
        executor = analysis_executor(self.config.ingest)
        if executor is not None:
            self._stack.callback(executor.shutdown, cancel_futures=True)
        self.ingest = IngestWorker(self.store, self._fetcher, ingest_options(self.config.ingest), executor=executor)

    async def _start_senders(self) -> None:
        self.platforms = active_platforms(self.config.secrets)
        if not self.has_tokens:
            log.info("no chat tokens set: messages are printed here")
        self.senders.update(await open_senders(self.config, self._stack, self.platforms, console=self.console))

    async def _start_adapters(self) -> None:
        from bot.runtime import services

        self.adapters += await start_adapters(self.config, services(self.store, self.config), self._stack,
                                              self.platforms, self.senders)

    # -- work -------------------------------------------------------------------------------

    async def ingest_once(self, report: RunReport) -> None:
        if self.ingest is None:
            return
        result = await self.ingest.run_once()
        report.ingested += result.new
        report.ingest_errors += result.errors

    async def run_once(self) -> RunReport:
        """Ingest due sources, enqueue owed digests and alerts (and the console preview),
        deliver everything due. What ``newsdigest run --once`` does, and the start-up
        catch-up of ``serve``."""
        report = RunReport()
        await self.catch_up(report)
        report.delivery = await self.deliverer.run_once()
        return report

    async def catch_up(self, report: RunReport) -> None:
        """Ingest due sources, then enqueue the digests and alerts owed now (no delivery)."""
        await self.ingest_once(report)
        now = self.clock()
        report.digests_queued += await enqueue_due_digests(self.store, now, self.settings)
        report.alerts_queued += await enqueue_alerts(self.store, now, self.settings)
        for name, chat in self._home_chats():
            sub = await self.store.subscriptions.get(name, chat)
            if sub is not None:
                report.digests_queued += await enqueue_preview_digest(self.store, sub, now, self.settings)

    async def serve(self, stop: asyncio.Event) -> RunReport:
        """Run the delivery loop, catch up, then run the adapters and the scheduler until
        ``stop`` is set; then stop them in reverse order.

        The delivery loop starts first: messages queued before a restart go out at once
        instead of waiting behind the catch-up ingest (which can take minutes)."""
        report = RunReport()
        delivery = asyncio.create_task(self.deliverer.run_forever(stop, report=report.delivery),
                                       name="newsdigest-delivery")
        try:
            await self.catch_up(report)
            self.deliverer.wake.set()
            await self._start_adapters()
            self.scheduler = Scheduler()
            self._schedule_jobs()
            await self.sync_subscriptions()
            self.scheduler.start()
            await stop.wait()
        finally:
            if self.scheduler is not None:
                self.scheduler.shutdown()
            if not stop.is_set():  # failed while starting: nothing to wait for
                delivery.cancel()
            done, _ = await asyncio.wait([delivery], timeout=STOP_GRACE_SECONDS)
            if not done:
                delivery.cancel()  # the rows in flight stay leased: recovered at next start
                log.warning("stopped with sends in flight; they are retried after restart")
        return report

    def _schedule_jobs(self) -> None:
        assert self.scheduler is not None
        self.scheduler.every(INGEST_TICK, self._ingest_job, id="ingest")
        self.scheduler.every(SYNC_TICK, self.sync_subscriptions, id="subscriptions")
        self.scheduler.every(timedelta(minutes=max(1, self.config.scheduler.alert_batch_minutes)), self._alerts_job,
                             id="alerts")

    async def _ingest_job(self) -> None:
        await self.ingest_once(RunReport())

    async def _alerts_job(self) -> None:
        if await enqueue_alerts(self.store, self.clock(), self.settings):
            self.deliverer.wake.set()

    async def _digest_job(self, subscription_id: int) -> None:
        if await enqueue_due_digest(self.store, subscription_id, self.clock(), self.settings):
            self.deliverer.wake.set()

    async def sync_subscriptions(self) -> None:
        """One daily job per active digest subscription; changed ones are rescheduled and
        checked at once (a time moved to earlier today is owed now, not tomorrow)."""
        assert self.scheduler is not None
        seen = set()
        for sub in await self.store.subscriptions.list():
            seen.add(sub.id)
            wanted = (sub.digest_time, sub.timezone) if sub.wants_digest and not sub.paused else None
            if self._scheduled.get(sub.id, "new") == wanted:
                continue
            self._scheduled[sub.id] = wanted
            job_id = f"digest:{sub.id}"
            if wanted is None:
                self.scheduler.remove(job_id)
                continue
            self.scheduler.daily(sub.digest_time, lambda sid=sub.id: self._digest_job(sid), id=job_id, tz=sub.timezone,
                                 jitter_seconds=self.config.scheduler.digest_jitter_seconds)
            await self._digest_job(sub.id)
        for gone in set(self._scheduled) - seen:
            self.scheduler.remove(f"digest:{gone}")
            del self._scheduled[gone]

    async def status(self) -> AppStatus:
        return await collect_status(self.store, self.clock())


def _log_failure(task: asyncio.Task) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("web archive stopped", extra={"error": str(task.exception())})


def install_signal_handlers(stop: asyncio.Event) -> None:
    """The first SIGINT/SIGTERM sets ``stop`` (a clean shutdown); the handler then steps
    aside, so a second Ctrl-C interrupts at once the usual way."""
    loop = asyncio.get_running_loop()

    def first(sig: signal.Signals) -> None:
        log.warning("stopping (signal %s); press Ctrl-C again to force", sig.name)
        stop.set()
        loop.remove_signal_handler(sig)

    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, first, sig)
        except (NotImplementedError, RuntimeError):  # Windows, or not the main thread
            signal.signal(sig, lambda *_: loop.call_soon_threadsafe(stop.set))
