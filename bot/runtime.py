"""Config slices turned into the options each stage takes (config is read once, passed down)."""

from __future__ import annotations

from concurrent.futures import Executor, ProcessPoolExecutor

from bot.commands import Services
from bot.config import Config, IngestConfig
from digests.fetch import FetchPolicy
from digests.ingest import IngestOptions
from digests.store import Store

__all__ = ["analysis_executor", "fetch_policy", "ingest_options", "services"]


def fetch_policy(cfg: IngestConfig) -> FetchPolicy:
    return FetchPolicy(
        connect_timeout=cfg.connect_timeout,
        read_timeout=cfg.read_timeout,
        total_timeout=cfg.total_timeout,
        max_bytes=cfg.max_bytes,
        max_redirects=cfg.max_redirects,
        retries=cfg.retries,
        global_concurrency=cfg.global_concurrency,
        per_host_concurrency=cfg.per_host_concurrency,
        user_agent=cfg.user_agent,
        allow_private_item_hosts=cfg.allow_private_item_hosts,
    )


def analysis_executor(cfg: IngestConfig) -> Executor | None:
    """Processes for extraction and analysis (CPU work), or None: the event loop's thread pool."""
    if cfg.analysis_workers <= 0:
        return None
    return ProcessPoolExecutor(max_workers=cfg.analysis_workers)


def ingest_options(cfg: IngestConfig) -> IngestOptions:
    return IngestOptions(max_entries_per_feed=cfg.max_entries_per_feed, source_deadline=cfg.source_deadline,
                         host_timeouts_per_pass=cfg.host_timeouts_per_pass)


def services(store: Store, config: Config) -> Services:
    return Services(
        store=store,
        default_since=config.digest.default_since,
        default_timezone=config.scheduler.default_timezone,
        default_digest_time=config.scheduler.default_digest_time,
        digest_title=config.digest.title,
        max_items=config.digest.max_items,
    )
