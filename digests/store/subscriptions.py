"""Subscriptions: one per chat (platform + chat id), with time zone, digest time, filters, mode."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from digests.answers import SubscriptionView
from digests.store import schema
from digests.store.db import as_utc, utcnow

__all__ = ["Subscription", "SubscriptionRepository", "MODES"]

S = schema.subscriptions
MODES = ("digest", "alerts", "both")


@dataclass
class Subscription:
    id: int
    platform: str
    chat_id: str
    chat_kind: str = "private"
    title: str | None = None
    mode: str = "digest"
    timezone: str = "UTC"
    digest_time: str = "08:00"
    keywords: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    people: list[str] = field(default_factory=list)
    paused: bool = False
    pause_reason: str | None = None
    created_by: str | None = None
    created_at: datetime | None = None
    last_digest_at: datetime | None = None
    last_alert_article_id: int = 0
    last_alert_at: datetime | None = None

    @property
    def wants_digest(self) -> bool:
        return self.mode in ("digest", "both")

    @property
    def wants_alerts(self) -> bool:
        return self.mode in ("alerts", "both")

    def view(self) -> SubscriptionView:
        return SubscriptionView(
            id=self.id, platform=self.platform, chat_id=self.chat_id, mode=self.mode, timezone=self.timezone,
            digest_time=self.digest_time, keywords=list(self.keywords), sources=list(self.sources),
            people=list(self.people), paused=self.paused, pause_reason=self.pause_reason,
        )


def _sub(row) -> Subscription:
    m = row._mapping
    return Subscription(
        id=m["id"], platform=m["platform"], chat_id=m["chat_id"], chat_kind=m["chat_kind"], title=m["title"],
        mode=m["mode"], timezone=m["timezone"], digest_time=m["digest_time"], keywords=list(m["keywords"] or []),
        sources=list(m["sources"] or []), people=list(m["people"] or []), paused=bool(m["paused"]),
        pause_reason=m["pause_reason"], created_by=m["created_by"], created_at=as_utc(m["created_at"]),
        last_digest_at=as_utc(m["last_digest_at"]), last_alert_article_id=m["last_alert_article_id"] or 0,
        last_alert_at=as_utc(m["last_alert_at"]),
    )


_EDITABLE = {"chat_kind", "title", "mode", "timezone", "digest_time", "keywords", "sources", "people", "created_by"}


class SubscriptionRepository:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def get(self, platform: str, chat_id: str) -> Subscription | None:
        async with self._engine.connect() as conn:
            row = (await conn.execute(select(S).where(S.c.platform == platform, S.c.chat_id == str(chat_id)))).first()
        return _sub(row) if row else None

    async def by_id(self, subscription_id: int) -> Subscription | None:
        async with self._engine.connect() as conn:
            row = (await conn.execute(select(S).where(S.c.id == subscription_id))).first()
        return _sub(row) if row else None

    async def list(self, *, platform: str | None = None, active_only: bool = False) -> list[Subscription]:
        query = select(S).order_by(S.c.id)
        if platform:
            query = query.where(S.c.platform == platform)
        if active_only:
            query = query.where(S.c.paused.is_(False))
        async with self._engine.connect() as conn:
            return [_sub(r) for r in (await conn.execute(query)).all()]

    async def upsert(self, platform: str, chat_id: str, **fields) -> tuple[Subscription, bool]:
        """Create the chat's subscription or update the given fields; resumes a paused one."""
        unknown = set(fields) - _EDITABLE
        if unknown:
            raise ValueError(f"unknown subscription fields: {sorted(unknown)}")
        if "mode" in fields and fields["mode"] not in MODES:
            raise ValueError(f"mode must be one of {', '.join(MODES)}")
        chat_id = str(chat_id)
        existing = await self.get(platform, chat_id)
        async with self._engine.begin() as conn:
            if existing:
                await conn.execute(
                    update(S).where(S.c.id == existing.id).values(paused=False, pause_reason=None, **fields)
                )
            else:
                try:
                    await conn.execute(
                        S.insert().values(platform=platform, chat_id=chat_id, created_at=utcnow(), paused=False, **fields)
                    )
                except IntegrityError:
                    pass
        sub = await self.get(platform, chat_id)
        assert sub is not None
        return sub, existing is None

    async def update(self, subscription_id: int, **values) -> None:
        async with self._engine.begin() as conn:
            await conn.execute(update(S).where(S.c.id == subscription_id).values(**values))

    async def pause(self, subscription_id: int, reason: str) -> None:
        await self.update(subscription_id, paused=True, pause_reason=reason[:500])

    async def migrate_chat(self, platform: str, old_chat_id: str, new_chat_id: str) -> None:
        """A Telegram group became a supergroup: its subscription follows the new id."""
        async with self._engine.begin() as conn:
            await conn.execute(
                update(S).where(S.c.platform == platform, S.c.chat_id == str(old_chat_id)).values(chat_id=str(new_chat_id))
            )

    async def remove(self, platform: str, chat_id: str) -> bool:
        async with self._engine.begin() as conn:
            result = await conn.execute(delete(S).where(S.c.platform == platform, S.c.chat_id == str(chat_id)))
        return result.rowcount > 0
