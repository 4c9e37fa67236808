"""``newsdigest run --role scheduler|ingest|deliver|bots``: one process, one role.

Every role is stateless apart from the database: start as many ingest and deliver workers
as wanted, on any machines, one or more schedulers (one leads, the others stand by), and
the chat adapters as ``bots``. ``--role all`` (the default) is the embedded single-process
mode of ``bot/app.py`` and never comes here.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from contextlib import AsyncExitStack
from typing import Any

from bot.config import Config
from bot.health import start_observability, wait_without_token
from bot.platforms import admin_report, any_enabled, open_senders, platforms, start_adapters
from digests.errors import ConfigError, DigestError

log = logging.getLogger(__name__)

__all__ = [
    "CLUSTER_ROLES",
    "DEFAULT_CONCURRENCY",
    "LEASE_SECONDS",
    "ROLES",
    "check_cluster_ready",
    "node_name",
    "open_cluster_store",
    "run_role",
]

ROLES = ("all", "scheduler", "ingest", "deliver", "bots")
CLUSTER_ROLES = ROLES[1:]
DEFAULT_CONCURRENCY = {"ingest": 4, "deliver": 32}  # deliver jobs mostly wait on rate limits
# An outbox row claimed by a worker that then dies is sent again after this. It must
# exceed the longest send: shared-budget wait (10 s) + Telegram slot wait (5 s) + HTTP (20 s).
LEASE_SECONDS = 45.0


def node_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def check_cluster_ready(config: Config, role: str) -> None:
    """One clear line instead of a traceback when a cluster role cannot run here."""
    from bot.cluster.engine import is_postgres

    if not is_postgres(config.database):
        raise ConfigError(f"--role {role} needs a PostgreSQL database shared by all processes "
                          f"(e.g. NEWSDIGEST_DB=postgresql://user@host/newsdigest); --role all runs on SQLite")
    try:
        import procrastinate  # noqa: F401
        import psycopg_pool  # noqa: F401
    except ImportError as exc:
        # No square brackets in the message: the CLI prints errors with rich markup.
        raise ConfigError(f"--role {role} needs newsdigest's 'scale' extra "
                          f"(pip install procrastinate psycopg-pool): {exc}") from None


async def open_cluster_store(database: str, *, pool_size: int = 4) -> Any:
    """The store with a small connection pool: many processes share one PostgreSQL."""
    from sqlalchemy.ext.asyncio import create_async_engine

    from digests.store import Store, database_url
    from digests.store.db import migrate

    engine = create_async_engine(database_url(database), pool_size=pool_size, max_overflow=pool_size,
                                 pool_pre_ping=True)
    try:
        await migrate(engine)
    except Exception as exc:
        await engine.dispose()
        raise DigestError(f"cannot open the cluster database: {exc}") from exc
    return Store(engine)


async def run_role(config: Config, role: str, stop: asyncio.Event, *, concurrency: int | None = None) -> None:
    """Run ``role`` until ``stop`` is set."""
    from bot.cluster.engine import build_app, conninfo_from_url, ensure_schema
    from bot.digest_jobs import JobSettings

    check_cluster_ready(config, role)
    conninfo = conninfo_from_url(config.database)
    await ensure_schema(conninfo)
    node = node_name()
    settings = JobSettings.from_config(config)
    async with AsyncExitStack() as stack:
        store = await open_cluster_store(config.database)
        stack.push_async_callback(store.close)
        app = build_app(conninfo)
        await stack.enter_async_context(app.open_async())
        log.info("cluster role starting", extra={"role": role, "node": node})
        if role not in ROLES:
            raise ConfigError(f"unknown role {role!r} (known: {', '.join(ROLES)})")
        runtime = None
        tokens = any_enabled(config.secrets)
        if role == "ingest":
            runtime = await _ingest_runtime(stack, store, app, config, conninfo)
        elif role == "deliver" and tokens:
            runtime = await _deliver_runtime(stack, store, app, config, settings, node)
        observability = await start_observability(
            config, role=role, store=store, deliverer=getattr(runtime, "deliverer", None),
            ingest=getattr(runtime, "ingest", None), fetcher=getattr(getattr(runtime, "ingest", None), "fetcher", None))
        if observability is not None:
            stack.push_async_callback(observability.aclose)
        if role in ("deliver", "bots") and not tokens:
            # Exiting here would be a restart loop under a container's restart policy.
            await wait_without_token(role, stop, observability.health if observability else None)
        elif role == "scheduler":
            from bot.cluster.leader import run_scheduler

            await run_scheduler(store, app, settings, config, conninfo, stop, node=node)
        elif role == "ingest":
            await _work(app, runtime, ["ingest"], concurrency or DEFAULT_CONCURRENCY["ingest"], node, stop)
        elif role == "deliver":
            await _work(app, runtime, ["deliver", "digest"], concurrency or DEFAULT_CONCURRENCY["deliver"], node, stop)
        elif role == "bots":
            await _bots(stack, store, config)
            await stop.wait()


async def _ingest_runtime(stack: AsyncExitStack, store: Any, app: Any, config: Config, conninfo: str) -> Any:
    from bot.cluster.politeness import HostCooldowns, HostSlots, PoliteTransport
    from bot.cluster.tasks import WorkerRuntime
    from bot.runtime import analysis_executor, fetch_policy, ingest_options
    from digests.fetch import Fetcher
    from digests.ingest import IngestWorker

    slots = HostSlots(conninfo, config.ingest.per_host_concurrency, max_held=min(8, config.ingest.global_concurrency))
    await slots.open()
    stack.push_async_callback(slots.close)
    transport = PoliteTransport(slots, HostCooldowns(store.engine))
    fetcher = await stack.enter_async_context(Fetcher(fetch_policy(config.ingest), transport=transport))
    executor = analysis_executor(config.ingest)
    if executor is not None:
        stack.callback(executor.shutdown, cancel_futures=True)
    ingest = IngestWorker(store, fetcher, ingest_options(config.ingest), executor=executor)
    return WorkerRuntime(store=store, app=app, ingest=ingest)


async def _deliver_runtime(stack: AsyncExitStack, store: Any, app: Any, config: Config, settings: Any, node: str) -> Any:
    from bot.cluster.budget import BudgetedSender, SharedBuckets
    from bot.cluster.tasks import WorkerRuntime
    from bot.delivery import Deliverer

    enabled = [p for p in platforms() if p.enabled(config.secrets)]
    if not enabled:
        raise ConfigError(f"--role deliver needs a chat token ({_token_hint()})")
    senders = await open_senders(config, stack, enabled)
    buckets = SharedBuckets(store.engine)
    budgeted = {name: BudgetedSender(s, buckets, config) for name, s in senders.items()}
    deliverer = Deliverer(store, budgeted, config.delivery, admin_report(config, senders),
                          worker_id=node, lease_seconds=LEASE_SECONDS)
    return WorkerRuntime(store=store, app=app, deliverer=deliverer, settings=settings)


def _token_hint() -> str:
    return ", ".join(p.label for p in platforms() if p.home_chat is None)


async def _work(app: Any, runtime: Any, queues: list[str], concurrency: int, node: str, stop: asyncio.Event) -> None:
    from bot.cluster.engine import HEARTBEAT_SECONDS, STALLED_AFTER_SECONDS
    from bot.cluster.tasks import RUNTIME_KEY

    worker = asyncio.create_task(app.run_worker_async(
        queues=queues, concurrency=concurrency, name=node, install_signal_handlers=False,
        update_heartbeat_interval=HEARTBEAT_SECONDS, stalled_worker_timeout=STALLED_AFTER_SECONDS,
        additional_context={RUNTIME_KEY: runtime}, shutdown_graceful_timeout=15.0, fetch_job_polling_interval=2.0,
    ), name=f"procrastinate-worker-{node}")
    stopping = asyncio.create_task(stop.wait())
    try:
        await asyncio.wait([worker, stopping], return_when=asyncio.FIRST_COMPLETED)
    finally:
        stopping.cancel()
        if not worker.done():
            worker.cancel()  # procrastinate stops gracefully: running jobs get the grace time
        try:
            await worker
        except asyncio.CancelledError:
            pass


async def _bots(stack: AsyncExitStack, store: Any, config: Config) -> None:
    from bot.runtime import services

    enabled = [p for p in platforms() if p.enabled(config.secrets)]
    if not await start_adapters(config, services(store, config), stack, enabled, {}):
        raise ConfigError(f"--role bots needs a chat token ({_token_hint()})")
