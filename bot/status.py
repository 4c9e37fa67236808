"""``newsdigest status``: what the bot is doing, read from the database alone (so it works
while ``newsdigest run`` is running in another process)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime

from digests.store import Store

from bot.scheduler import next_due_time

__all__ = ["SourceStatus", "NextDigest", "DeadLetter", "AppStatus", "collect_status", "format_status"]


@dataclass
class SourceStatus:
    id: int
    url: str
    kind: str
    enabled: bool
    last_success_at: datetime | None
    last_error: str | None
    failures: int
    next_poll_at: datetime | None


@dataclass
class NextDigest:
    subscription_id: int
    platform: str
    chat_id: str
    mode: str
    timezone: str
    digest_time: str
    next_at: datetime | None  # UTC; None when paused or alerts only
    last_digest_at: datetime | None
    paused: bool
    pause_reason: str | None


@dataclass
class DeadLetter:
    id: int
    platform: str
    chat_id: str
    idempotency_key: str
    attempts: int
    reason: str | None


@dataclass
class AppStatus:
    now: datetime
    sources: list[SourceStatus] = field(default_factory=list)
    outbox: dict[str, int] = field(default_factory=dict)  # state -> rows
    next_digests: list[NextDigest] = field(default_factory=list)
    dead_letters: list[DeadLetter] = field(default_factory=list)

    def as_dict(self) -> dict:
        def plain(value):
            if isinstance(value, datetime):
                return value.isoformat()
            if isinstance(value, dict):
                return {k: plain(v) for k, v in value.items()}
            if isinstance(value, list):
                return [plain(v) for v in value]
            return value

        return plain(asdict(self))


async def collect_status(store: Store, now: datetime, *, dead_limit: int = 20) -> AppStatus:
    sources = [
        SourceStatus(s.id, s.url, s.kind, s.enabled, s.last_success_at, s.last_error, s.failures, s.next_poll_at)
        for s in await store.sources.list()
    ]
    digests = []
    for sub in await store.subscriptions.list():
        scheduled = sub.wants_digest and not sub.paused
        digests.append(NextDigest(
            sub.id, sub.platform, sub.chat_id, sub.mode, sub.timezone, sub.digest_time,
            next_due_time(sub.digest_time, sub.timezone, now) if scheduled else None,
            sub.last_digest_at, sub.paused, sub.pause_reason,
        ))
    dead = [DeadLetter(r.id, r.platform, r.chat_id, r.idempotency_key, r.attempts, r.last_error)
            for r in await store.outbox.failed(dead_limit)]
    return AppStatus(now=now, sources=sources, outbox=await store.outbox.counts_by_state(), next_digests=digests,
                     dead_letters=dead)


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if value else "never"


def format_status(status: AppStatus) -> str:
    """Plain text for a terminal."""
    lines = [f"Status at {_when(status.now)}", "", f"Sources ({len(status.sources)}):"]
    for s in status.sources:
        state = f"error: {s.last_error}" if s.last_error else "ok"
        lines.append(f"  [{s.id}] {s.url} ({s.kind}) last success {_when(s.last_success_at)}; {state}")
    if not status.sources:
        lines.append("  none (add one with: newsdigest sources add URL)")
    lines += ["", "Outbox: " + ", ".join(f"{state} {n}" for state, n in status.outbox.items()), "",
              f"Subscriptions ({len(status.next_digests)}):"]
    for d in status.next_digests:
        when = f"paused: {d.pause_reason}" if d.paused else (
            f"next digest {_when(d.next_at)} ({d.digest_time} {d.timezone})" if d.next_at else "alerts only")
        lines.append(f"  [{d.subscription_id}] {d.platform}:{d.chat_id} mode={d.mode}; {when}")
    if status.dead_letters:
        lines += ["", f"Dead letters ({len(status.dead_letters)} newest):"]
        lines += [f"  #{d.id} {d.platform}:{d.chat_id} after {d.attempts} attempts: {d.reason}" for d in status.dead_letters]
    return "\n".join(lines) + "\n"
