"""One token, one budget: the platforms' rate limits shared by every deliver worker.

Each platform says which buckets a message to one chat takes from
(:meth:`bot.platforms.Platform.rates`: per chat, per group, per bot). Each worker's own
limiter only sees its own sends, so in cluster mode every send first takes a token from a bucket row in PostgreSQL
(``newsdigest_rate_buckets``), updated atomically in one statement::

    tokens = min(burst, tokens + elapsed * rate) - 1

A negative result is a reservation: the caller waits ``-tokens / rate`` seconds, so
concurrent callers are spaced evenly instead of retrying in a storm. A wait longer than
``max_wait`` gives the token back and becomes :class:`~bot.senders.RetryLater`: the outbox
retries the row later (not counted as an attempt) and the worker serves other chats.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from sqlalchemy import text

from bot.platforms import Rate
from bot.platforms import platform as platform_named
from bot.senders import RetryLater

log = logging.getLogger(__name__)

__all__ = ["Rate", "SharedBuckets", "BudgetedSender", "platform_rates"]

_TAKE = text("""
INSERT INTO newsdigest_rate_buckets AS b (name, tokens, at) VALUES (:name, :burst - 1, clock_timestamp())
ON CONFLICT (name) DO UPDATE SET
    tokens = LEAST(:burst, b.tokens + EXTRACT(EPOCH FROM clock_timestamp() - b.at) * :rate) - 1,
    at = clock_timestamp()
RETURNING tokens
""")
_GIVE_BACK = text("UPDATE newsdigest_rate_buckets SET tokens = tokens + 1 WHERE name = :name")


class SharedBuckets:
    def __init__(self, engine: Any) -> None:
        self._engine = engine

    async def take(self, name: str, rate: Rate, *, max_wait: float) -> float:
        """Take one token of bucket ``name``; waits for it (returns the seconds waited) or
        raises RetryLater when it is more than ``max_wait`` away."""
        async with self._engine.begin() as conn:
            tokens = (await conn.execute(_TAKE, {"name": name, "burst": rate.burst, "rate": rate.per_second})).scalar_one()
        if tokens >= 0:
            return 0.0
        wait = -tokens / rate.per_second
        if wait > max_wait:
            async with self._engine.begin() as conn:
                await conn.execute(_GIVE_BACK, {"name": name})
            raise RetryLater(f"shared rate budget {name}: next slot in {wait:.1f}s", wait)
        await asyncio.sleep(wait)
        return wait


def platform_rates(config: Any, platform: str, chat_id: str) -> list[tuple[str, Rate]]:
    """The buckets one message to ``chat_id`` takes from, most specific first (the
    platform's :meth:`~bot.platforms.Platform.rates`)."""
    return platform_named(platform).rates(config, chat_id)


class BudgetedSender:
    """A :class:`~bot.senders.Sender` that takes its shared tokens before each send."""

    def __init__(self, inner: Any, buckets: SharedBuckets, config: Any, *, max_wait: float = 10.0) -> None:
        self.inner = inner
        self.platform = inner.platform
        self.buckets = buckets
        self.config = config
        self.max_wait = max_wait
        self.waited = 0.0  # seconds spent waiting for shared tokens (benchmark figure)

    async def send(self, chat_id: str, payload: dict[str, Any], idempotency_key: str) -> str:
        for name, rate in platform_rates(self.config, self.platform, chat_id):
            self.waited += await self.buckets.take(name, rate, max_wait=self.max_wait)
        return await self.inner.send(chat_id, payload, idempotency_key)

    async def already_sent(self, chat_id: str, idempotency_key: str) -> str | None:
        return await self.inner.already_sent(chat_id, idempotency_key)

    def __getattr__(self, name: str) -> Any:  # report_rejected, close, ... of the real sender
        return getattr(self.inner, name)
