"""What the scheduled jobs do: turn due digests and new articles into outbox rows.

Each function reads the subscription from the database, composes, renders for the chat's
platform, and enqueues every part *and* advances the subscription's marker
(``last_digest_at`` / ``last_alert_article_id``) in one transaction. The marker update is
conditional (only forward), so two schedulers racing, or a job re-run after a crash,
enqueue nothing twice; the idempotency keys are a second line of defence.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.platforms import platform as platform_named
from bot.scheduler import due_digest_times
from digests.answers import Answer, Digest
from digests.compose import DigestFilter, compose, parse_since
from digests.digest_builder import build_digest, story_article
from digests.store import ArticleRow, Store, Subscription, schema
from digests.store.archive_schema import digest_slug, record_digest
from digests.store.outbox import NewMessage

log = logging.getLogger(__name__)

__all__ = [
    "ALERT_SCAN_LIMIT",
    "JobSettings",
    "digest_key",
    "enqueue_alerts",
    "enqueue_due_digest",
    "enqueue_due_digests",
    "enqueue_preview_digest",
    "payloads_for",
]

S = schema.subscriptions
ALERT_SCAN_LIMIT = 500  # newest articles looked at per alert batch: bounds the work of a burst


@dataclass(frozen=True)
class JobSettings:
    title: str = "Your news digest"
    max_items: int = 30
    default_since: str = "24h"
    alert_max_items: int = 10
    skip_empty_digests: bool = True  # an empty morning digest is noise: advance silently
    web_base_url: str = ""  # [web] base_url: scheduled digests link to their archive page

    @classmethod
    def from_config(cls, config: Any) -> "JobSettings":
        """The one place the jobs' settings are read from a Config (single process and cluster)."""
        return cls(title=config.digest.title, max_items=config.digest.max_items,
                   default_since=config.digest.default_since, alert_max_items=config.scheduler.alert_max_items,
                   web_base_url=config.web.base_url)


def payloads_for(platform: str, answer: Answer) -> list[dict[str, Any]]:
    """The answer rendered for ``platform`` as JSON-ready outbox payloads (one per message)."""
    return platform_named(platform).payloads(answer)


def digest_key(sub_id: int, due: datetime, part: int) -> str:
    return f"digest:{sub_id}:{due.astimezone(UTC).isoformat()}:{part}"


def _filters(sub: Subscription) -> DigestFilter:
    return DigestFilter(keywords=tuple(sub.keywords), sources=tuple(sub.sources), people=tuple(sub.people))


def _messages(sub: Subscription, answer: Answer, key_of) -> list[NewMessage]:
    return [
        NewMessage(sub.id, sub.platform, sub.chat_id, key_of(part), payload)
        for part, payload in enumerate(payloads_for(sub.platform, answer))
    ]


async def enqueue_due_digest(store: Store, subscription_id: int, now: datetime, settings: JobSettings) -> int:
    """Enqueue the digest this subscription owes at ``now`` (at most one); returns the
    number of messages queued."""
    sub = await store.subscriptions.by_id(subscription_id)
    if sub is None:
        return 0
    due_times = due_digest_times(sub, now)
    if not due_times:
        return 0
    due = due_times[-1]
    since = sub.last_digest_at or due - timedelta(days=1)
    digest = await build_digest(store, since=since, until=due, filters=_filters(sub), title=settings.title,
                                max_items=settings.max_items, window="arrived")
    previous = sub.last_digest_at
    if settings.web_base_url and not digest.is_empty:  # the page record_digest below creates
        digest.permalink = f"{settings.web_base_url.rstrip('/')}/digests/{digest_slug(sub.id, due)}"

    async def advance(conn: AsyncConnection) -> bool:
        # Only forward, and only if nobody advanced it since we read it.
        cond = S.c.last_digest_at.is_(None) if previous is None else S.c.last_digest_at == previous
        result = await conn.execute(update(S).where(S.c.id == sub.id, cond).values(last_digest_at=due))
        if result.rowcount != 1:
            return False
        if not digest.is_empty:  # the web archive's permalink, in the same transaction as the messages
            await record_digest(conn, digest, subscription_id=sub.id, keywords=sub.keywords, now=now)
        return True

    messages = [] if digest.is_empty and settings.skip_empty_digests else _messages(sub, digest, lambda p: digest_key(sub.id, due, p))
    queued = await store.outbox.enqueue_many(messages, now=now, guard=advance)
    log.info("digest due", extra={"subscription": sub.id, "due": due.isoformat(), "messages": queued,
                                  "stories": len(digest.items)})
    return queued


async def enqueue_due_digests(store: Store, now: datetime, settings: JobSettings) -> int:
    """The start-up (and safety-net) check: every active subscription's owed digest."""
    total = 0
    for sub in await store.subscriptions.list(active_only=True):
        if due_digest_times(sub, now):
            try:
                total += await enqueue_due_digest(store, sub.id, now, settings)
            except Exception:
                log.exception("digest failed", extra={"subscription": sub.id})
    return total


async def enqueue_preview_digest(store: Store, sub: Subscription, now: datetime, settings: JobSettings) -> int:
    """An unscheduled digest of the last ``default_since`` (the console demo shows one at
    start). It does not move ``last_digest_at``: the morning digest still covers its window."""
    since = now - parse_since(settings.default_since)
    digest = await build_digest(store, since=since, until=now, filters=_filters(sub), title=settings.title,
                                max_items=settings.max_items)
    stamp = now.astimezone(UTC).isoformat()
    return await store.outbox.enqueue_many(_messages(sub, digest, lambda p: f"preview:{sub.id}:{stamp}:{p}"), now=now)


# -- alerts ---------------------------------------------------------------------------------


async def _new_articles(store: Store, after_id: int) -> list[ArticleRow]:
    rows = await store.articles.latest(ALERT_SCAN_LIMIT, after_id=after_id)
    full = [await store.articles.get(r.id) for r in rows]  # bodies, for keyword filters
    return [r for r in full if r is not None]


def _alert_digest(sub: Subscription, rows: list[ArticleRow], quotes: dict, now: datetime, max_items: int,
                  people: dict | None = None) -> Digest:
    articles = [story_article(r, quotes.get(r.id), (people or {}).get(r.id)) for r in rows]
    dates = [a.published for a in articles if a.published]
    since, until = (min(dates), max(max(dates), now)) if dates else (now, now)
    everything = compose(articles, since=since, until=until, filters=_filters(sub), max_items=10_000, now=now)
    total = len(everything.items)
    shown = compose(articles, since=since, until=until, filters=_filters(sub), max_items=max_items, now=now)
    more = total - len(shown.items)
    shown.title = f"New: {total} {'story' if total == 1 else 'stories'}" + (
        f" (top {len(shown.items)} below, +{more} more: /digest)" if more > 0 else "")
    return shown


async def enqueue_alerts(store: Store, now: datetime, settings: JobSettings) -> int:
    """One batched message per alert subscription for the articles stored since its last
    batch (only those matching its filters, grouped by story, at most ``alert_max_items``
    listed). A burst of any size gives one message per chat per batch."""
    subs = [s for s in await store.subscriptions.list(active_only=True) if s.wants_alerts]
    if not subs:
        return 0
    rows = await _new_articles(store, min(s.last_alert_article_id for s in subs))
    if not rows:
        return 0
    quotes = await store.articles.key_quotes([r.id for r in rows])
    people = await store.articles.people_names([r.id for r in rows])
    total = 0
    for sub in subs:
        fresh = [r for r in rows if r.id > sub.last_alert_article_id]
        if sub.last_alert_at is None and sub.created_at is not None:
            # A new subscription starts from its creation, not from the archive.
            fresh = [r for r in fresh if r.fetched_at is None or r.fetched_at >= sub.created_at]
        newest = max((r.id for r in rows if r.id > sub.last_alert_article_id), default=None)
        if newest is None:
            continue
        digest = _alert_digest(sub, fresh, quotes, now, settings.alert_max_items, people) if fresh else None
        previous = sub.last_alert_article_id

        async def advance(conn: AsyncConnection, sub_id=sub.id, previous=previous, newest=newest) -> bool:
            result = await conn.execute(
                update(S).where(S.c.id == sub_id, S.c.last_alert_article_id == previous)
                .values(last_alert_article_id=newest, last_alert_at=now)
            )
            return result.rowcount == 1

        messages = [] if digest is None or digest.is_empty else _messages(
            sub, digest, lambda p, sid=sub.id, newest=newest: f"alerts:{sid}:{newest}:{p}")
        total += await store.outbox.enqueue_many(messages, now=now, guard=advance)
    return total
