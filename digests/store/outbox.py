"""The outbox: every message is a row here before it is sent, so a crash loses nothing.

States::

    pending ──claim──▶ sending ──▶ sent
       ▲                  │
       └──── retry ◀──────┤
                          └──▶ dead   (rejected, chat gone, or max attempts: reason kept)

* ``enqueue`` is idempotent: the UNIQUE ``idempotency_key`` makes a second insert of the
  same message (after a restart, or from a second scheduler) a no-op.
* ``claim`` leases rows to one worker for ``lease_seconds``. A row left in ``sending`` past
  its lease (the process died between send and mark) is claimable again, flagged
  ``recovered`` so the deliverer can ask the platform whether it already went out. A
  lease whose worker is known to have exited is ended early (``release_claims``).
* Per-chat order: a row is only claimed when no earlier row of the same chat is still
  pending or sending, so a digest's parts arrive in order and a rate-limited chat waits
  without holding up the others.
* ``attempts`` counts claims, so a message that crashes the process every time still ends
  up dead instead of looping forever.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Awaitable, Callable, Iterable

from sqlalchemy import and_, exists, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from digests.store import schema
from digests.store.db import as_utc, utcnow

__all__ = ["OutboxRow", "NewMessage", "OutboxRepository", "content_hash", "STATES", "UNFINISHED"]

O = schema.outbox
STATES = ("pending", "sending", "sent", "dead")
UNFINISHED = ("pending", "sending")

# Runs inside the enqueue transaction; returning False aborts it (nothing is inserted).
Guard = Callable[[AsyncConnection], Awaitable[bool]]


class _Abort(Exception):
    """The guard said no: roll the enqueue transaction back."""


def content_hash(payload: dict[str, Any]) -> str:
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class NewMessage:
    subscription_id: int | None
    platform: str
    chat_id: str
    idempotency_key: str
    payload: dict[str, Any]


@dataclass
class OutboxRow:
    id: int
    subscription_id: int | None
    platform: str
    chat_id: str
    idempotency_key: str
    content_hash: str
    payload: dict[str, Any]
    state: str
    attempts: int
    next_attempt_at: datetime | None
    claimed_by: str | None = None
    claimed_until: datetime | None = None
    last_error: str | None = None
    platform_message_id: str | None = None
    created_at: datetime | None = None
    sent_at: datetime | None = None
    recovered: bool = False  # claimed from an expired 'sending' lease: it may already be posted


def _row(m, recovered: bool = False) -> OutboxRow:
    return OutboxRow(
        id=m["id"], subscription_id=m["subscription_id"], platform=m["platform"], chat_id=m["chat_id"],
        idempotency_key=m["idempotency_key"], content_hash=m["content_hash"], payload=dict(m["payload"] or {}),
        state=m["state"], attempts=m["attempts"], next_attempt_at=as_utc(m["next_attempt_at"]),
        claimed_by=m["claimed_by"], claimed_until=as_utc(m["claimed_until"]), last_error=m["last_error"],
        platform_message_id=m["platform_message_id"], created_at=as_utc(m["created_at"]), sent_at=as_utc(m["sent_at"]),
        recovered=recovered,
    )


def _claimable(now: datetime):
    pending_due = and_(O.c.state == "pending", O.c.next_attempt_at <= now)
    lease_expired = and_(O.c.state == "sending", or_(O.c.claimed_until.is_(None), O.c.claimed_until < now))
    return or_(pending_due, lease_expired)


class OutboxRepository:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    # -- enqueue ----------------------------------------------------------------------------

    def _insert_ignoring_duplicates(self, values: list[dict]):
        dialect = self._engine.dialect.name
        if dialect == "postgresql":
            return postgresql.insert(O).values(values).on_conflict_do_nothing(index_elements=["idempotency_key"])
        if dialect == "sqlite":
            return sqlite.insert(O).values(values).on_conflict_do_nothing(index_elements=["idempotency_key"])
        raise NotImplementedError(f"outbox needs SQLite or PostgreSQL, not {dialect}")

    async def enqueue_many(
        self, messages: Iterable[NewMessage], *, now: datetime | None = None, guard: Guard | None = None
    ) -> int:
        """Insert the messages whose keys are new, in one transaction; returns how many.
        ``guard`` runs first in the same transaction (e.g. advancing a subscription's
        ``last_digest_at``): if it returns False nothing is inserted."""
        now = now or utcnow()
        values = [
            dict(
                subscription_id=m.subscription_id, platform=m.platform, chat_id=str(m.chat_id),
                idempotency_key=m.idempotency_key, content_hash=content_hash(m.payload), payload=m.payload,
                state="pending", attempts=0, next_attempt_at=now, created_at=now,
            )
            for m in messages
        ]
        inserted = 0
        try:
            async with self._engine.begin() as conn:
                if guard is not None and not await guard(conn):
                    raise _Abort
                for value in values:  # one statement per row: rowcount says which keys were new
                    inserted += (await conn.execute(self._insert_ignoring_duplicates([value]))).rowcount or 0
        except _Abort:
            return 0
        return inserted

    async def enqueue(
        self, subscription_id: int | None, platform: str, chat_id: str, idempotency_key: str, payload: dict[str, Any],
        *, now: datetime | None = None,
    ) -> bool:
        """Queue one message; False when a message with this key was queued before."""
        message = NewMessage(subscription_id, platform, str(chat_id), idempotency_key, payload)
        return await self.enqueue_many([message], now=now) == 1

    # -- claim and mark ---------------------------------------------------------------------

    async def claim(
        self, worker_id: str, limit: int, now: datetime, lease_seconds: float = 120.0,
        *, platforms: Iterable[str] | None = None, chat_id: str | None = None,
    ) -> list[OutboxRow]:
        """Lease up to ``limit`` due rows (at most one per chat: its earliest unfinished one).
        ``chat_id`` (with one platform in ``platforms``) claims for that chat only: a cluster
        delivery job owns one chat at a time."""
        earlier = O.alias("earlier")
        blocked = exists().where(
            earlier.c.platform == O.c.platform, earlier.c.chat_id == O.c.chat_id, earlier.c.id < O.c.id,
            earlier.c.state.in_(UNFINISHED),
        )
        candidates = select(O.c.id, O.c.state).where(_claimable(now), ~blocked).order_by(O.c.id).limit(limit)
        if platforms is not None:
            candidates = candidates.where(O.c.platform.in_(list(platforms)))
        if chat_id is not None:
            candidates = candidates.where(O.c.chat_id == str(chat_id))
        if self._engine.dialect.name == "postgresql":
            candidates = candidates.with_for_update(skip_locked=True, of=O)
        until = now + timedelta(seconds=lease_seconds)
        async with self._engine.begin() as conn:
            found = (await conn.execute(candidates)).all()
            if not found:
                return []
            was_sending = {r[0] for r in found if r[1] == "sending"}
            # The claimable condition is checked again: on SQLite another process may have
            # claimed a row between our SELECT and this UPDATE; RETURNING gives what we got.
            result = await conn.execute(
                update(O)
                .where(O.c.id.in_([r[0] for r in found]), _claimable(now))
                .values(state="sending", claimed_by=worker_id, claimed_until=until, attempts=O.c.attempts + 1)
                .returning(*O.c)
            )
            rows = [_row(r._mapping, recovered=r._mapping["id"] in was_sending) for r in result.all()]
        return sorted(rows, key=lambda r: r.id)

    async def leased_claimers(self, now: datetime) -> list[str]:
        """The workers holding unexpired leases on ``sending`` rows."""
        query = select(O.c.claimed_by).where(
            O.c.state == "sending", O.c.claimed_by.is_not(None), O.c.claimed_until >= now
        ).distinct()
        async with self._engine.connect() as conn:
            return [r[0] for r in (await conn.execute(query)).all()]

    async def release_claims(self, worker_ids: Iterable[str]) -> int:
        """End the leases of workers known to have exited: their ``sending`` rows become
        claimable now (and are claimed as recovered: they may have been posted)."""
        ids = list(worker_ids)
        if not ids:
            return 0
        async with self._engine.begin() as conn:
            result = await conn.execute(
                update(O).where(O.c.state == "sending", O.c.claimed_by.in_(ids)).values(claimed_until=None)
            )
        return result.rowcount or 0

    async def settle_sent(self, entries: Iterable[tuple[int, str, str | None]], now: datetime | None = None) -> int:
        """Rows a platform is known to have accepted, as (id, idempotency key, message id): the
        unfinished ones become ``sent`` (a sent journal found after a crash). The key must
        match, so a stale entry can never settle another message."""
        now = now or utcnow()
        settled = 0
        async with self._engine.begin() as conn:
            for row_id, key, message_id in entries:
                result = await conn.execute(
                    update(O).where(O.c.id == row_id, O.c.idempotency_key == key, O.c.state.in_(UNFINISHED))
                    .values(state="sent", platform_message_id=message_id, sent_at=now, claimed_by=None,
                            claimed_until=None)
                )
                settled += result.rowcount or 0
        return settled

    async def mark_sent(self, row_id: int, platform_message_id: str | None, now: datetime | None = None) -> None:
        await self._set(row_id, state="sent", platform_message_id=platform_message_id, sent_at=now or utcnow(),
                        claimed_by=None, claimed_until=None)

    async def mark_retry(
        self, row_id: int, error: str, next_attempt_at: datetime, *, refund_attempt: bool = False
    ) -> None:
        """Back to pending until ``next_attempt_at``. ``refund_attempt`` for waits that are not
        the message's fault (a rate limit, a chat migration)."""
        values: dict[str, Any] = dict(state="pending", last_error=error[:1000], next_attempt_at=next_attempt_at,
                                      claimed_by=None, claimed_until=None)
        if refund_attempt:
            values["attempts"] = func.max(O.c.attempts - 1, 0) if self._engine.dialect.name == "sqlite" else func.greatest(O.c.attempts - 1, 0)
        await self._set(row_id, **values)

    async def mark_dead(self, row_id: int, reason: str) -> None:
        await self._set(row_id, state="dead", last_error=reason[:1000], claimed_by=None, claimed_until=None)

    async def move_chat(self, platform: str, old_chat_id: str, new_chat_id: str) -> int:
        """A chat changed id: its unsent rows follow it."""
        async with self._engine.begin() as conn:
            result = await conn.execute(
                update(O).where(O.c.platform == platform, O.c.chat_id == str(old_chat_id), O.c.state.in_(UNFINISHED))
                .values(chat_id=str(new_chat_id))
            )
        return result.rowcount or 0

    async def drop_chat(self, platform: str, chat_id: str, reason: str, *, except_id: int | None = None) -> int:
        """The chat is gone: its other pending rows go to the dead letters too."""
        query = update(O).where(O.c.platform == platform, O.c.chat_id == str(chat_id), O.c.state == "pending")
        if except_id is not None:
            query = query.where(O.c.id != except_id)
        async with self._engine.begin() as conn:
            result = await conn.execute(query.values(state="dead", last_error=reason[:1000]))
        return result.rowcount or 0

    async def _set(self, row_id: int, **values: Any) -> None:
        async with self._engine.begin() as conn:
            await conn.execute(update(O).where(O.c.id == row_id).values(**values))

    # -- reading ----------------------------------------------------------------------------

    async def get(self, row_id: int) -> OutboxRow | None:
        async with self._engine.connect() as conn:
            row = (await conn.execute(select(O).where(O.c.id == row_id))).first()
        return _row(row._mapping) if row else None

    async def by_key(self, idempotency_key: str) -> OutboxRow | None:
        async with self._engine.connect() as conn:
            row = (await conn.execute(select(O).where(O.c.idempotency_key == idempotency_key))).first()
        return _row(row._mapping) if row else None

    async def list(self, *, state: str | None = None, chat_id: str | None = None, limit: int = 1000) -> list[OutboxRow]:
        query = select(O).order_by(O.c.id).limit(limit)
        if state:
            query = query.where(O.c.state == state)
        if chat_id is not None:
            query = query.where(O.c.chat_id == str(chat_id))
        async with self._engine.connect() as conn:
            return [_row(r._mapping) for r in (await conn.execute(query)).all()]

    async def counts_by_state(self) -> dict[str, int]:
        async with self._engine.connect() as conn:
            rows = (await conn.execute(select(O.c.state, func.count()).group_by(O.c.state))).all()
        counts = {state: 0 for state in STATES}
        counts.update({state: n for state, n in rows})
        return counts

    async def pending_depth(self) -> int:
        """Messages not yet delivered nor given up on."""
        async with self._engine.connect() as conn:
            return (await conn.execute(select(func.count()).select_from(O).where(O.c.state.in_(UNFINISHED)))).scalar_one()

    async def failed(self, limit: int = 20) -> list[OutboxRow]:
        """Dead letters, newest first, each with the reason it was given up on."""
        async with self._engine.connect() as conn:
            rows = (await conn.execute(select(O).where(O.c.state == "dead").order_by(O.c.id.desc()).limit(limit))).all()
        return [_row(r._mapping) for r in rows]
