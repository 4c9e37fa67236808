"""Sources (feeds, pages, local files and folders) and their fetch state."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from digests.store import schema
from digests.store.db import as_utc, utcnow
from digests.urlpolicy import SourceOrigin

__all__ = ["SourceRecord", "SourceRepository", "failure_backoff"]

T = schema.sources


@dataclass
class SourceRecord:
    id: int
    url: str
    kind: str
    title: str | None
    enabled: bool
    poll_interval_s: int
    etag: str | None
    last_modified: str | None
    last_fetch_at: datetime | None
    last_success_at: datetime | None
    last_error: str | None
    failures: int
    next_poll_at: datetime | None
    origin: SourceOrigin = SourceOrigin.OPERATOR  # who added it: decides what it may fetch


def _record(row) -> SourceRecord:
    m = row._mapping
    return SourceRecord(
        id=m["id"],
        url=m["url"],
        kind=m["kind"],
        title=m["title"],
        enabled=bool(m["enabled"]),
        poll_interval_s=m["poll_interval_s"],
        etag=m["etag"],
        last_modified=m["last_modified"],
        last_fetch_at=as_utc(m["last_fetch_at"]),
        last_success_at=as_utc(m["last_success_at"]),
        last_error=m["last_error"],
        failures=m["failures"],
        next_poll_at=as_utc(m["next_poll_at"]),
        origin=_origin(m.get("origin")),
    )


def _origin(value: str | None) -> SourceOrigin:
    try:
        return SourceOrigin(value or SourceOrigin.OPERATOR)
    except ValueError:  # an unknown value: the stricter rules
        return SourceOrigin.CHAT


def failure_backoff(failures: int, interval_s: int, cap_s: int = 24 * 3600) -> timedelta:
    """A source that keeps failing is polled less and less often (doubling, capped at a day),
    with jitter so many dead sources do not retry in lockstep."""
    delay = min(cap_s, interval_s * (2 ** min(failures, 12)))
    return timedelta(seconds=delay * random.uniform(0.8, 1.2))


class SourceRepository:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def add(self, url: str, kind: str, title: str | None = None, poll_interval_s: int = 900,
                  origin: SourceOrigin = SourceOrigin.OPERATOR) -> tuple[SourceRecord, bool]:
        """Add a source; returns (record, created). Adding a known URL is not an error (the
        stored origin stays: a chat re-adding an operator's URL changes nothing)."""
        existing = await self.get(url)
        if existing:
            return existing, False
        try:
            async with self._engine.begin() as conn:
                await conn.execute(
                    T.insert().values(
                        url=url, kind=kind, title=title, enabled=True, added_at=utcnow(),
                        poll_interval_s=poll_interval_s, failures=0, origin=SourceOrigin(origin).value,
                    )
                )
        except IntegrityError:  # added concurrently by another process
            pass
        record = await self.get(url)
        assert record is not None
        return record, existing is None

    async def get(self, url_or_id: str | int) -> SourceRecord | None:
        cond = T.c.id == int(url_or_id) if str(url_or_id).isdigit() else T.c.url == str(url_or_id)
        async with self._engine.connect() as conn:
            row = (await conn.execute(select(T).where(cond))).first()
        return _record(row) if row else None

    async def list(self) -> list[SourceRecord]:
        async with self._engine.connect() as conn:
            rows = (await conn.execute(select(T).order_by(T.c.id))).all()
        return [_record(r) for r in rows]

    async def remove(self, url_or_id: str | int) -> bool:
        record = await self.get(url_or_id)
        if record is None:
            return False
        async with self._engine.begin() as conn:
            await conn.execute(delete(T).where(T.c.id == record.id))
        return True

    async def due(self, now: datetime | None = None) -> list[SourceRecord]:
        now = now or utcnow()
        async with self._engine.connect() as conn:
            rows = (
                await conn.execute(
                    select(T)
                    .where(T.c.enabled.is_(True), or_(T.c.next_poll_at.is_(None), T.c.next_poll_at <= now))
                    .order_by(T.c.next_poll_at, T.c.id)
                )
            ).all()
        return [_record(r) for r in rows]

    async def record_success(
        self,
        source_id: int,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        title: str | None = None,
        interval_s: int | None = None,
        now: datetime | None = None,
    ) -> None:
        now = now or utcnow()
        # Validators are replaced every time (None clears them, forcing a full fetch next time).
        values: dict = dict(
            last_fetch_at=now, last_success_at=now, last_error=None, failures=0, etag=etag, last_modified=last_modified
        )
        if title:
            values["title"] = title
        async with self._engine.begin() as conn:
            record = (await conn.execute(select(T.c.poll_interval_s).where(T.c.id == source_id))).first()
            if record is None:
                return
            interval = interval_s or record[0]
            values["next_poll_at"] = now + timedelta(seconds=interval * random.uniform(0.9, 1.1))
            await conn.execute(update(T).where(T.c.id == source_id).values(**values))

    async def record_failure(self, source_id: int, error: str, *, now: datetime | None = None) -> SourceRecord | None:
        now = now or utcnow()
        async with self._engine.begin() as conn:
            row = (await conn.execute(select(T).where(T.c.id == source_id))).first()
            if row is None:
                return None
            record = _record(row)
            failures = record.failures + 1
            await conn.execute(
                update(T)
                .where(T.c.id == source_id)
                .values(
                    last_fetch_at=now,
                    last_error=error[:500],
                    failures=failures,
                    next_poll_at=now + failure_backoff(failures, record.poll_interval_s),
                )
            )
        record.failures, record.last_error = failures, error
        return record
