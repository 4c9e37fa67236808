"""The delivery loop: outbox rows to chats, with retries that never block other chats.

Delivery is at-least-once. The window for a duplicate is a crash after the platform
accepted a message and before ``mark_sent`` committed: the row stays ``sending`` until its
lease expires (or, on this machine, until its worker is seen to have exited), then it is
claimed again with ``recovered=True``. With a sent journal (SQLite databases), the answer
is noted in the same event-loop step that receives it and a restart settles those rows as
sent (``bot/sent_journal.py``): the window shrinks to the answer's way through the network
stack and the HTTP client. Otherwise the deliverer asks ``sender.already_sent(chat, key)``:
Slack can answer (the key travels in message metadata), so nothing is posted twice there;
Telegram cannot look, so the message is sent again.

What each failure does:

* ``RetryLater``    — (``PlatformRateLimited`` when the platform answered 429) back to pending after its seconds; only this chat waits (per-chat
  order holds its later rows), a rate limit does not count as an attempt.
* ``MessageRejected`` — dead at once (retrying cannot help), the admin is told why.
* ``ChatUnavailable`` — dead, the chat's other queued rows too, the subscription paused.
* ``ChatMigrated``  — the subscription and queued rows follow the new chat id; resent there.
* anything else     — retried with exponential backoff and jitter; dead after
  ``max_attempts`` with the last error as the reason.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bot.config import DeliveryConfig
from bot.senders import (
    ChatMigrated,
    ChatUnavailable,
    MessageRejected,
    RetryLater,
    Sender,
    SenderUnavailable,
)
from bot.sent_journal import SentJournal, claimer_is_gone, local_worker_id
from digests.store import Store
from digests.store.outbox import OutboxRow

log = logging.getLogger(__name__)

CREDENTIALS_RETRY_SECONDS = 300.0  # a refused token is retried every five minutes

__all__ = ["AdminReport", "Deliverer", "DeliveryReport", "PlatformRateLimited", "backoff_delay"]


class PlatformRateLimited(RetryLater):
    """The platform itself said 429 (not our own flood limiter): counted per platform in
    ``newsdigest_rate_limited_total``. Senders raise it; everything else sees a RetryLater."""


AdminReport = Callable[[OutboxRow, str], Awaitable[None]]
Clock = Callable[[], datetime]


@dataclass
class DeliveryReport:
    sent: int = 0
    retried: int = 0
    dead: int = 0
    recovered: int = 0  # leased rows found already posted (no second post)
    errors: list[str] = field(default_factory=list)

    def merge(self, other: DeliveryReport) -> None:
        self.sent += other.sent
        self.retried += other.retried
        self.dead += other.dead
        self.recovered += other.recovered
        self.errors += other.errors


def backoff_delay(attempts: int, base: float, cap: float, rand: Callable[[float, float], float] = random.uniform) -> float:
    """Exponential backoff with jitter: half the doubled delay fixed, half random, capped."""
    delay = min(cap, base * (2 ** max(0, attempts - 1)))
    return rand(delay / 2, delay)


def _utcnow() -> datetime:
    return datetime.now(UTC)


class Deliverer:
    def __init__(
        self,
        store: Store,
        senders: dict[str, Sender],
        config: DeliveryConfig | None = None,
        admin_report: AdminReport | None = None,
        *,
        clock: Clock = _utcnow,
        worker_id: str | None = None,
        lease_seconds: float = 120.0,
        batch_size: int = 100,
        journal_dir: Path | None = None,
        metrics: Any = None,
    ) -> None:
        self.store = store
        self.senders = senders
        self.config = config or DeliveryConfig()
        self.admin_report = admin_report
        self.clock = clock
        self.worker_id = worker_id or local_worker_id(self)
        # Where accepted sends are noted before their commit (see bot/sent_journal.py).
        self.journal = SentJournal(journal_dir, self.worker_id) if journal_dir is not None else None
        self.lease_seconds = lease_seconds
        self.batch_size = batch_size
        self.wake = asyncio.Event()  # set by whoever enqueues, so sends start at once
        self.metrics = metrics  # bot.metrics.Metrics, or None

    def _failed(self, row: OutboxRow, reason: str) -> None:
        if self.metrics is not None:
            self.metrics.record_failed(row.platform, reason)

    async def run_once(self, *, max_rounds: int = 1000) -> DeliveryReport:
        """Deliver everything due now. Each round claims at most one row per chat (per-chat
        order), so a three-part digest takes three rounds; a chat that must wait drops out."""
        report = DeliveryReport()
        await self.release_orphans()
        for _ in range(max_rounds):
            rows = await self.store.outbox.claim(
                self.worker_id, self.batch_size, self.clock(), self.lease_seconds, platforms=list(self.senders)
            )
            if not rows:
                break
            semaphore = asyncio.Semaphore(max(1, self.config.senders))

            async def one(row: OutboxRow) -> DeliveryReport:
                async with semaphore:
                    return await self.deliver(row)

            for result in await asyncio.gather(*(one(r) for r in rows)):
                report.merge(result)
        return report

    async def run_forever(
        self, stop: asyncio.Event, *, idle_seconds: float = 5.0, report: DeliveryReport | None = None
    ) -> None:
        """Deliver until ``stop`` is set (what was delivered is added to ``report``). A batch in
        flight is finished; a cancelled send leaves its row leased, and the lease expiry (or
        the next start on this machine, see :meth:`release_orphans`) brings it back."""
        while not stop.is_set():
            try:
                result = await self.run_once()
            except Exception:
                log.exception("delivery round failed")
            else:
                if report is not None:
                    report.merge(result)
            self.wake.clear()
            waiters = [asyncio.ensure_future(stop.wait()), asyncio.ensure_future(self.wake.wait())]
            try:
                await asyncio.wait(waiters, timeout=idle_seconds, return_when=asyncio.FIRST_COMPLETED)
            finally:
                for w in waiters:
                    w.cancel()

    async def release_orphans(self) -> int:
        """Rows leased by a process of this machine that no longer exists (killed, crashed)
        are claimable at once instead of after their lease: a restart resumes delivery (and
        the per-chat order it holds up) immediately. They are still claimed as recovered, so
        ``already_sent`` is asked first. Leases of live processes, of other machines, or
        whose owner cannot be told apart from a live one, run their course."""
        if self.journal is not None:
            await self._settle_orphan_journals()
        claimers = await self.store.outbox.leased_claimers(self.clock())
        gone = [w for w in claimers if w != self.worker_id and claimer_is_gone(w)]
        if not gone:
            return 0
        released = await self.store.outbox.release_claims(gone)
        log.info("released the leases of exited workers", extra={"workers": gone, "rows": released})
        return released

    async def _settle_orphan_journals(self) -> None:
        """Exited workers' journals: what they saw accepted is sent, whatever the outbox says."""
        for path, entries in self.journal.orphans().items():
            settled = await self.store.outbox.settle_sent(
                [(e.row_id, e.idempotency_key, e.platform_message_id) for e in entries], self.clock())
            if settled:
                log.warning("messages accepted before a crash marked sent (not sent again)",
                            extra={"journal": str(path), "rows": settled})
            path.unlink(missing_ok=True)

    def close(self) -> None:
        if self.journal is not None:
            self.journal.close()

    async def deliver(self, row: OutboxRow) -> DeliveryReport:
        """Send one claimed row and record the outcome."""
        report = DeliveryReport()
        sender = self.senders[row.platform]
        outbox = self.store.outbox
        try:
            noted = self.journal.unconfirmed.get(row.id) if self.journal is not None else None
            if noted is not None and noted.idempotency_key == row.idempotency_key:
                # Accepted earlier by this process, but the commit failed: not again.
                await outbox.mark_sent(row.id, noted.platform_message_id, self.clock())
                self.journal.confirmed(row.id)
                report.recovered += 1
                return report
            if row.recovered:
                existing = await sender.already_sent(row.chat_id, row.idempotency_key)
                if existing:
                    await outbox.mark_sent(row.id, existing, self.clock())
                    report.recovered += 1
                    return report
            message_id = await sender.send(row.chat_id, row.payload, row.idempotency_key)
        except RetryLater as exc:
            self._failed(row, "rate_limited" if isinstance(exc, PlatformRateLimited) else "retry")
            if isinstance(exc, PlatformRateLimited) and self.metrics is not None:
                self.metrics.record_rate_limited(row.platform)
            rate_limited = exc.seconds is not None
            delay = max(1.0, exc.seconds) if rate_limited else self._backoff(row.attempts)
            if not rate_limited and row.attempts >= self.config.max_attempts:
                return await self._dead(row, f"gave up after {row.attempts} attempts: {exc}", report)
            await outbox.mark_retry(row.id, f"retry later: {exc}", self.clock() + timedelta(seconds=delay),
                                    refund_attempt=rate_limited)
            report.retried += 1
        except MessageRejected as exc:
            self._failed(row, "rejected")
            reason = f"rejected by {row.platform}: {exc}"
            await self._dead(row, reason, report)
            await self._tell_admin(row, reason)
        except SenderUnavailable as exc:
            self._failed(row, "credentials")
            # The token is wrong for every chat alike: keep the message, don't blame the chat.
            await outbox.mark_retry(row.id, f"{row.platform} credentials refused: {exc}",
                                    self.clock() + timedelta(seconds=CREDENTIALS_RETRY_SECONDS), refund_attempt=True)
            report.retried += 1
            log.error("platform refused the bot's credentials; messages stay queued",
                      extra={"platform": row.platform, "reason": str(exc)})
        except ChatUnavailable as exc:
            self._failed(row, "chat_unavailable")
            reason = f"chat unavailable: {exc}"
            await self._dead(row, reason, report)
            dropped = await outbox.drop_chat(row.platform, row.chat_id, reason, except_id=row.id)
            if self.metrics is not None and dropped:
                self.metrics.dead_letters.labels(row.platform).inc(dropped)
            if row.subscription_id is not None:
                await self.store.subscriptions.pause(row.subscription_id, str(exc))
            log.warning("chat unavailable, subscription paused", extra={"chat": row.chat_id, "reason": str(exc)})
        except ChatMigrated as exc:
            self._failed(row, "chat_migrated")
            await self.store.subscriptions.migrate_chat(row.platform, row.chat_id, exc.new_chat_id)
            await outbox.move_chat(row.platform, row.chat_id, exc.new_chat_id)
            await outbox.mark_retry(row.id, f"chat migrated to {exc.new_chat_id}", self.clock(), refund_attempt=True)
            report.retried += 1
        except asyncio.CancelledError:
            raise  # the row stays leased; it is recovered after the lease
        except Exception as exc:  # noqa: BLE001 - unknown failures are retried, then dead-lettered
            self._failed(row, "error")
            error = f"{type(exc).__name__}: {exc}"
            report.errors.append(error)
            if row.attempts >= self.config.max_attempts:
                return await self._dead(row, f"gave up after {row.attempts} attempts: {error}", report)
            await outbox.mark_retry(row.id, error, self.clock() + timedelta(seconds=self._backoff(row.attempts)))
            report.retried += 1
        else:
            platform_id = str(message_id) if message_id is not None else None
            if self.journal is not None:
                self.journal.record(row.id, row.idempotency_key, platform_id)  # before any await
            sent_at = self.clock()
            await outbox.mark_sent(row.id, platform_id, sent_at)
            if self.journal is not None:
                self.journal.confirmed(row.id)
            report.sent += 1
            if self.metrics is not None:
                self.metrics.record_sent(row.platform, row.idempotency_key, sent_at)
        return report

    def _backoff(self, attempts: int) -> float:
        return backoff_delay(attempts, self.config.retry_base_seconds, self.config.retry_max_seconds)

    async def _dead(self, row: OutboxRow, reason: str, report: DeliveryReport) -> DeliveryReport:
        await self.store.outbox.mark_dead(row.id, reason)
        report.dead += 1
        if self.metrics is not None:
            self.metrics.record_dead(row.platform)
        log.warning("message dead-lettered", extra={"outbox_id": row.id, "chat": row.chat_id, "reason": reason})
        return report

    async def _tell_admin(self, row: OutboxRow, reason: str) -> None:
        if self.admin_report is None or row.idempotency_key.startswith("admin:"):
            return  # a rejected admin report is not reported again
        try:
            await self.admin_report(row, reason)
        except Exception:
            log.exception("admin report failed", extra={"outbox_id": row.id})

