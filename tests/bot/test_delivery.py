"""The delivery loop against fake senders: what each platform failure does to the outbox."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from bot.config import DeliveryConfig
from bot.delivery import Deliverer, backoff_delay
from bot.senders import ChatMigrated, ChatUnavailable, MessageRejected, RetryLater, SenderUnavailable
from digests.store import Store
from tests.store_fixtures import store, store_target  # noqa: F401 - SQLite, and PostgreSQL when configured

T0 = datetime(2026, 4, 1, 8, 0, tzinfo=timezone.utc)


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


class FakeSender:
    """Records posts; ``failures[chat]`` is a list of exceptions raised by the next sends."""

    def __init__(self, platform: str = "slack", *, remembers: bool = False) -> None:
        self.platform = platform
        self.remembers = remembers  # like Slack: already_sent can look the key up
        self.posted: list[tuple[str, str, dict]] = []
        self.failures: dict[str, list[Exception]] = {}
        self.already_sent_calls = 0

    async def send(self, chat_id, payload, idempotency_key):
        queue = self.failures.get(chat_id)
        if queue:
            raise queue.pop(0)
        self.posted.append((chat_id, idempotency_key, payload))
        return f"m{len(self.posted)}"

    async def already_sent(self, chat_id, idempotency_key):
        self.already_sent_calls += 1
        if not self.remembers:
            return None
        return next((f"found-{k}" for c, k, _ in self.posted if c == chat_id and k == idempotency_key), None)




async def queue(store, chat, key, platform="slack", sub_id=None):
    await store.outbox.enqueue(sub_id, platform, chat, key, {"text": key}, now=T0)


def deliverer(store, sender, clock, **kwargs):
    config = kwargs.pop("config", DeliveryConfig(max_attempts=3, retry_base_seconds=10, retry_max_seconds=100))
    return Deliverer(store, {sender.platform: sender}, config, clock=clock, **kwargs)


async def test_delivers_everything_due_in_per_chat_order(store):
    sender, clock = FakeSender(), Clock(T0)
    for key in ("a:0", "a:1", "a:2"):
        await queue(store, "A", key)
    await queue(store, "B", "b:0")
    report = await deliverer(store, sender, clock).run_once()
    assert report.sent == 4
    assert [k for c, k, _ in sender.posted if c == "A"] == ["a:0", "a:1", "a:2"]
    assert all(r.state == "sent" and r.platform_message_id for r in await store.outbox.list())


async def test_recovered_lease_asks_already_sent_and_does_not_post_twice(store):
    sender, clock = FakeSender(remembers=True), Clock(T0)
    await queue(store, "C1", "digest:1:t:0")
    # A worker claimed the row, posted it, and died before marking it sent.
    (row,) = await store.outbox.claim("dead-worker", 10, T0, lease_seconds=60)
    await sender.send(row.chat_id, row.payload, row.idempotency_key)
    clock.advance(61)
    report = await deliverer(store, sender, clock).run_once()
    assert report.recovered == 1 and report.sent == 0
    assert len(sender.posted) == 1  # still one post
    stored = await store.outbox.get(row.id)
    assert stored.state == "sent" and stored.platform_message_id == "found-digest:1:t:0"


async def test_recovered_lease_without_lookup_is_resent_at_least_once(store):
    sender, clock = FakeSender("telegram", remembers=False), Clock(T0)
    await queue(store, "42", "k", platform="telegram")
    await store.outbox.claim("dead-worker", 10, T0, lease_seconds=60)
    clock.advance(61)
    report = await deliverer(store, sender, clock).run_once()
    assert sender.already_sent_calls == 1 and report.sent == 1 and len(sender.posted) == 1


async def test_retry_later_delays_only_that_chat(store):
    sender, clock = FakeSender(), Clock(T0)
    await queue(store, "A", "a:0")
    await queue(store, "A", "a:1")
    await queue(store, "B", "b:0")
    sender.failures["A"] = [RetryLater("429 rate limited", 30)]
    d = deliverer(store, sender, clock)
    report = await d.run_once()
    assert [k for _, k, _ in sender.posted] == ["b:0"] and report.retried == 1
    waiting = await store.outbox.by_key("a:0")
    assert waiting.state == "pending" and waiting.next_attempt_at == T0 + timedelta(seconds=30)
    assert waiting.attempts == 0  # a rate limit is not the message's fault
    clock.advance(10)
    await d.run_once()
    assert [k for _, k, _ in sender.posted] == ["b:0"]  # A still waits, a:1 stays behind a:0
    clock.advance(21)
    await d.run_once()
    assert [k for _, k, _ in sender.posted] == ["b:0", "a:0", "a:1"]


async def test_message_rejected_is_dead_at_once_and_reported_to_admin(store):
    sender, clock = FakeSender(), Clock(T0)
    reports = []

    async def admin(row, reason):
        reports.append((row.idempotency_key, reason))

    await queue(store, "A", "bad")
    await queue(store, "A", "good")
    sender.failures["A"] = [MessageRejected("invalid_blocks")]
    report = await deliverer(store, sender, clock, admin_report=admin).run_once()
    assert report.dead == 1 and report.sent == 1
    dead = await store.outbox.by_key("bad")
    assert dead.state == "dead" and "invalid_blocks" in dead.last_error and dead.attempts == 1
    assert reports == [("bad", dead.last_error)]
    assert [k for _, k, _ in sender.posted] == ["good"]  # the chat is not blocked by its dead letter


async def test_chat_unavailable_pauses_the_subscription(store):
    sender, clock = FakeSender(), Clock(T0)
    sub, _ = await store.subscriptions.upsert("slack", "C9")
    await queue(store, "C9", "k0", sub_id=sub.id)
    await queue(store, "C9", "k1", sub_id=sub.id)
    sender.failures["C9"] = [ChatUnavailable("not_in_channel")]
    report = await deliverer(store, sender, clock).run_once()
    assert report.dead == 1 and sender.posted == []
    paused = await store.subscriptions.by_id(sub.id)
    assert paused.paused and "not_in_channel" in paused.pause_reason
    assert {r.state for r in await store.outbox.list()} == {"dead"}  # no point posting k1 either


async def test_a_refused_token_keeps_messages_queued_and_subscriptions_active(store):
    sender, clock = FakeSender(), Clock(T0)
    sub, _ = await store.subscriptions.upsert("slack", "C7")
    await queue(store, "C7", "k0", sub_id=sub.id)
    sender.failures["C7"] = [SenderUnavailable("invalid_auth")] * 5
    d = deliverer(store, sender, clock)
    for _ in range(5):  # more refusals than max_attempts: still not dead, attempts refunded
        await d.run_once()
        clock.advance(301)
    assert not (await store.subscriptions.by_id(sub.id)).paused
    (row,) = await store.outbox.list()
    assert row.state == "pending" and "credentials refused" in row.last_error
    report = await d.run_once()  # the operator fixed the token
    assert report.sent == 1 and [k for _, k, _ in sender.posted] == ["k0"]


async def test_chat_migrated_follows_the_new_id_and_resends(store):
    sender, clock = FakeSender("telegram"), Clock(T0)
    sub, _ = await store.subscriptions.upsert("telegram", "-100")
    await queue(store, "-100", "k0", platform="telegram", sub_id=sub.id)
    await queue(store, "-100", "k1", platform="telegram", sub_id=sub.id)
    sender.failures["-100"] = [ChatMigrated("group upgraded", "-1009999")]
    report = await deliverer(store, sender, clock).run_once()
    assert report.sent == 2
    assert [(c, k) for c, k, _ in sender.posted] == [("-1009999", "k0"), ("-1009999", "k1")]
    assert (await store.subscriptions.by_id(sub.id)).chat_id == "-1009999"


async def test_unknown_errors_back_off_then_die_after_max_attempts_with_reason(store):
    sender, clock = FakeSender(), Clock(T0)
    await queue(store, "A", "flaky")
    sender.failures["A"] = [ConnectionError("reset by peer")] * 5
    d = deliverer(store, sender, clock)
    delays = []
    for _ in range(3):
        before = clock.now
        await d.run_once()
        row = await store.outbox.by_key("flaky")
        if row.state == "dead":
            break
        delays.append((row.next_attempt_at - before).total_seconds())
        clock.now = row.next_attempt_at
    row = await store.outbox.by_key("flaky")
    assert row.state == "dead" and row.attempts == 3
    assert "gave up after 3 attempts" in row.last_error and "reset by peer" in row.last_error
    assert 5 <= delays[0] <= 10 and 10 <= delays[1] <= 20  # doubling, jittered
    assert [d.idempotency_key for d in await store.outbox.failed()] == ["flaky"]


def test_backoff_is_capped_and_jittered():
    assert backoff_delay(1, 5, 3600, rand=lambda lo, hi: hi) == 5
    assert backoff_delay(4, 5, 3600, rand=lambda lo, hi: lo) == 20
    assert backoff_delay(30, 5, 3600, rand=lambda lo, hi: hi) == 3600


async def test_rows_for_platforms_without_a_sender_wait(store):
    sender, clock = FakeSender("slack"), Clock(T0)
    await queue(store, "42", "tg", platform="telegram")
    await queue(store, "C", "sl", platform="slack")
    await deliverer(store, sender, clock).run_once()
    assert (await store.outbox.by_key("tg")).state == "pending" and (await store.outbox.by_key("sl")).state == "sent"
