"""The outbox: idempotent enqueue, leases, per-chat order, dead letters."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone

import pytest

from digests.store import Store
from tests.store_fixtures import store, store_target  # noqa: F401 - SQLite, and PostgreSQL when configured
from digests.store.outbox import NewMessage, content_hash

T0 = datetime(2026, 3, 1, 8, 0, tzinfo=timezone.utc)




async def test_enqueue_is_idempotent_by_key(store):
    assert await store.outbox.enqueue(None, "telegram", "42", "digest:1:x:0", {"text": "hi"}, now=T0) is True
    assert await store.outbox.enqueue(None, "telegram", "42", "digest:1:x:0", {"text": "changed"}, now=T0) is False
    rows = await store.outbox.list()
    assert len(rows) == 1
    assert rows[0].payload == {"text": "hi"} and rows[0].state == "pending"
    assert rows[0].content_hash == content_hash({"text": "hi"})


def test_content_hash_ignores_key_order():
    assert content_hash({"a": 1, "b": [1, 2]}) == content_hash({"b": [1, 2], "a": 1})
    assert content_hash({"a": 1}) != content_hash({"a": 2})


async def test_guard_false_inserts_nothing(store):
    async def refuse(conn):
        return False

    inserted = await store.outbox.enqueue_many([NewMessage(None, "slack", "C1", "k1", {"text": "x"})], guard=refuse)
    assert inserted == 0
    assert await store.outbox.list() == []


async def test_claim_takes_only_the_earliest_unfinished_row_of_each_chat(store):
    for key, chat in [("a1", "A"), ("a2", "A"), ("b1", "B")]:
        await store.outbox.enqueue(None, "telegram", chat, key, {"text": key}, now=T0)
    first = await store.outbox.claim("w", 10, T0, 60)
    assert sorted(r.idempotency_key for r in first) == ["a1", "b1"]
    # a2 waits while a1 is being sent...
    assert await store.outbox.claim("w", 10, T0, 60) == []
    a1 = next(r for r in first if r.idempotency_key == "a1")
    await store.outbox.mark_sent(a1.id, "m1", T0)
    # ...and becomes claimable once a1 is sent.
    assert [r.idempotency_key for r in await store.outbox.claim("w", 10, T0, 60)] == ["a2"]


async def test_a_row_waiting_for_retry_holds_its_chat_but_not_others(store):
    for key, chat in [("a1", "A"), ("a2", "A"), ("b1", "B"), ("b2", "B")]:
        await store.outbox.enqueue(None, "telegram", chat, key, {"text": key}, now=T0)
    claimed = {r.idempotency_key: r for r in await store.outbox.claim("w", 10, T0, 60)}
    await store.outbox.mark_retry(claimed["a1"].id, "429", T0 + timedelta(seconds=30))
    await store.outbox.mark_sent(claimed["b1"].id, "m", T0)
    assert [r.idempotency_key for r in await store.outbox.claim("w", 10, T0 + timedelta(seconds=1), 60)] == ["b2"]
    later = await store.outbox.claim("w", 10, T0 + timedelta(seconds=31), 60)
    assert [r.idempotency_key for r in later] == ["a1"]


async def test_dead_row_does_not_block_the_chat(store):
    await store.outbox.enqueue(None, "slack", "C", "c1", {"text": "1"}, now=T0)
    await store.outbox.enqueue(None, "slack", "C", "c2", {"text": "2"}, now=T0)
    (row,) = await store.outbox.claim("w", 10, T0, 60)
    await store.outbox.mark_dead(row.id, "rejected: bad blocks")
    assert [r.idempotency_key for r in await store.outbox.claim("w", 10, T0, 60)] == ["c2"]
    (dead,) = await store.outbox.failed()
    assert dead.idempotency_key == "c1" and dead.last_error == "rejected: bad blocks"


async def test_expired_sending_lease_is_recovered_and_flagged(store):
    await store.outbox.enqueue(None, "telegram", "1", "k", {"text": "x"}, now=T0)
    (row,) = await store.outbox.claim("crashed-worker", 10, T0, lease_seconds=60)
    assert row.state == "sending" and row.attempts == 1 and not row.recovered
    # The worker died before marking: nobody can take the row while the lease holds...
    assert await store.outbox.claim("other", 10, T0 + timedelta(seconds=59), 60) == []
    # ...and after it expires the row comes back, flagged as possibly already posted.
    (again,) = await store.outbox.claim("other", 10, T0 + timedelta(seconds=61), 60)
    assert again.id == row.id and again.recovered and again.attempts == 2 and again.claimed_by == "other"


async def test_claim_only_for_platforms_with_a_sender(store):
    await store.outbox.enqueue(None, "telegram", "1", "t", {"text": "x"}, now=T0)
    await store.outbox.enqueue(None, "console", "console", "c", {"text": "x"}, now=T0)
    rows = await store.outbox.claim("w", 10, T0, 60, platforms=["console"])
    assert [r.idempotency_key for r in rows] == ["c"]
    assert (await store.outbox.by_key("t")).state == "pending"


async def test_concurrent_claims_never_share_a_row(store_target):
    async with await Store.open(store_target) as a, await Store.open(store_target) as b:
        for i in range(40):
            await a.outbox.enqueue(None, "slack", f"C{i}", f"k{i}", {"text": str(i)}, now=T0)
        ids: list[int] = []
        for _ in range(10):  # racing workers may come back short-handed, never with a shared row
            results = await asyncio.gather(*(s.outbox.claim(f"w{n}", 10, T0, 60) for n, s in enumerate([a, b, a, b])))
            ids += [r.id for rows in results for r in rows]
    assert len(ids) == len(set(ids))
    assert sorted(ids) == list(range(1, 41))


async def test_counts_depth_and_refunded_attempts(store):
    for i in range(3):
        await store.outbox.enqueue(None, "slack", f"C{i}", f"k{i}", {"text": "x"}, now=T0)
    rows = await store.outbox.claim("w", 10, T0, 60)
    await store.outbox.mark_sent(rows[0].id, "ts", T0)
    await store.outbox.mark_dead(rows[1].id, "gone")
    await store.outbox.mark_retry(rows[2].id, "rate limited", T0, refund_attempt=True)
    assert await store.outbox.counts_by_state() == {"pending": 1, "sending": 0, "sent": 1, "dead": 1}
    assert await store.outbox.pending_depth() == 1
    assert (await store.outbox.get(rows[2].id)).attempts == 0
