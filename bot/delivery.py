"""The delivery loop: outbox rows to chats, with retries that never block other chats.

Delivery is at-least-once. The window for a duplicate is a crash after the platform
accepted a message and before ``mark_sent`` committed: the row stays ``sending`` until its
lease expires, then it is claimed again with ``recovered=True``. The deliverer first asks
``sender.already_sent(chat, key)``: Slack can answer (the key travels in message metadata),
so nothing is posted twice there; Telegram cannot look, so the message is sent again.

What each failure does:

* ``RetryLater``    — back to pending after its seconds; only this chat waits (per-chat
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
import os
import random
import socket
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Awaitable, Callable

from bot.config import DeliveryConfig
from bot.senders import ChatMigrated, ChatUnavailable, MessageRejected, RetryLater, Sender
from digests.store import Store
from digests.store.outbox import OutboxRow

log = logging.getLogger(__name__)

__all__ = ["Deliverer", "DeliveryReport", "backoff_delay", "AdminReport"]

AdminReport = Callable[[OutboxRow, str], Awaitable[None]]
Clock = Callable[[], datetime]


@dataclass
class DeliveryReport:
    sent: int = 0
    retried: int = 0
    dead: int = 0
    recovered: int = 0  # leased rows found already posted (no second post)
    errors: list[str] = field(default_factory=list)

    def merge(self, other: "DeliveryReport") -> None:
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
    return datetime.now(timezone.utc)


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
    ) -> None:
        self.store = store
        self.senders = senders
        self.config = config or DeliveryConfig()
        self.admin_report = admin_report
        self.clock = clock
        self.worker_id = worker_id or f"{socket.gethostname()}:{os.getpid()}:{id(self):x}"
        self.lease_seconds = lease_seconds
        self.batch_size = batch_size
        self.wake = asyncio.Event()  # set by whoever enqueues, so sends start at once

    async def run_once(self, *, max_rounds: int = 1000) -> DeliveryReport:
        """Deliver everything due now. Each round claims at most one row per chat (per-chat
        order), so a three-part digest takes three rounds; a chat that must wait drops out."""
        report = DeliveryReport()
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

    async def run_forever(self, stop: asyncio.Event, *, idle_seconds: float = 5.0) -> None:
        """Deliver until ``stop`` is set. A batch in flight is finished; a cancelled send
        leaves its row leased, and the lease expiry brings it back after a restart."""
        while not stop.is_set():
            try:
                await self.run_once()
            except Exception:  # noqa: BLE001 - e.g. the database was briefly locked: try again
                log.exception("delivery round failed")
            self.wake.clear()
            waiters = [asyncio.ensure_future(stop.wait()), asyncio.ensure_future(self.wake.wait())]
            try:
                await asyncio.wait(waiters, timeout=idle_seconds, return_when=asyncio.FIRST_COMPLETED)
            finally:
                for w in waiters:
                    w.cancel()

    async def deliver(self, row: OutboxRow) -> DeliveryReport:
        """Send one claimed row and record the outcome."""
        report = DeliveryReport()
        sender = self.senders[row.platform]
        outbox = self.store.outbox
        try:
            if row.recovered:
                existing = await sender.already_sent(row.chat_id, row.idempotency_key)
                if existing:
                    await outbox.mark_sent(row.id, existing, self.clock())
                    report.recovered += 1
                    return report
            message_id = await sender.send(row.chat_id, row.payload, row.idempotency_key)
        except RetryLater as exc:
            rate_limited = exc.seconds is not None
            delay = max(1.0, exc.seconds) if rate_limited else self._backoff(row.attempts)
            if not rate_limited and row.attempts >= self.config.max_attempts:
                return await self._dead(row, f"gave up after {row.attempts} attempts: {exc}", report)
            await outbox.mark_retry(row.id, f"retry later: {exc}", self.clock() + timedelta(seconds=delay),
                                    refund_attempt=rate_limited)
            report.retried += 1
        except MessageRejected as exc:
            reason = f"rejected by {row.platform}: {exc}"
            await self._dead(row, reason, report)
            await self._tell_admin(row, reason)
        except ChatUnavailable as exc:
            reason = f"chat unavailable: {exc}"
            await self._dead(row, reason, report)
            await outbox.drop_chat(row.platform, row.chat_id, reason, except_id=row.id)
            if row.subscription_id is not None:
                await self.store.subscriptions.pause(row.subscription_id, str(exc))
            log.warning("chat unavailable, subscription paused", extra={"chat": row.chat_id, "reason": str(exc)})
        except ChatMigrated as exc:
            await self.store.subscriptions.migrate_chat(row.platform, row.chat_id, exc.new_chat_id)
            await outbox.move_chat(row.platform, row.chat_id, exc.new_chat_id)
            await outbox.mark_retry(row.id, f"chat migrated to {exc.new_chat_id}", self.clock(), refund_attempt=True)
            report.retried += 1
        except asyncio.CancelledError:
            raise  # the row stays leased; it is recovered after the lease
        except Exception as exc:  # noqa: BLE001 - unknown failures are retried, then dead-lettered
            error = f"{type(exc).__name__}: {exc}"
            report.errors.append(error)
            if row.attempts >= self.config.max_attempts:
                return await self._dead(row, f"gave up after {row.attempts} attempts: {error}", report)
            await outbox.mark_retry(row.id, error, self.clock() + timedelta(seconds=self._backoff(row.attempts)))
            report.retried += 1
        else:
            await outbox.mark_sent(row.id, str(message_id) if message_id is not None else None, self.clock())
            report.sent += 1
        return report

    def _backoff(self, attempts: int) -> float:
        return backoff_delay(attempts, self.config.retry_base_seconds, self.config.retry_max_seconds)

    async def _dead(self, row: OutboxRow, reason: str, report: DeliveryReport) -> DeliveryReport:
        await self.store.outbox.mark_dead(row.id, reason)
        report.dead += 1
        log.warning("message dead-lettered", extra={"outbox_id": row.id, "chat": row.chat_id, "reason": reason})
        return report

    async def _tell_admin(self, row: OutboxRow, reason: str) -> None:
        if self.admin_report is None or row.idempotency_key.startswith("admin:"):
            return  # a rejected admin report is not reported again
        try:
            await self.admin_report(row, reason)
        except Exception:  # noqa: BLE001 - the dead letter already records the reason
            log.exception("admin report failed", extra={"outbox_id": row.id})

