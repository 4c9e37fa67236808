"""When things run: a small vocabulary (``daily``, ``every``) over APScheduler 3.11's
AsyncIOScheduler, plus the pure functions that say which digest is due.

APScheduler only decides *when to look*. It is never the record of what was sent: 3.x
recomputes a job's next run when the job is added again and its MemoryJobStore forgets
everything at exit, so a restart would lose or repeat digests if we trusted it. The
database is the record: :func:`latest_due_time` gives the most recent scheduled instant
at or before now, and a digest is enqueued only when that instant is after the
subscription's ``last_digest_at`` (see ``bot/digest_jobs.py``). A process down from 07:00
to 10:00 therefore sends exactly one digest when it comes back, and a restart right after
enqueueing sends nothing twice.

Times are computed in the subscription's IANA zone, date by date, so 08:00 Europe/Kyiv is
05:00Z in summer and 06:00Z in winter. A local time that does not exist on a
spring-forward day (02:30 when clocks jump from 02:00 to 03:00) is read with the offset
before the jump, i.e. one hour later on the wall clock.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, time, timedelta, timezone
from typing import Any, Awaitable, Callable
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

log = logging.getLogger(__name__)

__all__ = [
    "Scheduler",
    "parse_clock_time",
    "local_instant",
    "latest_due_time",
    "next_due_time",
    "due_digest_times",
    "digest_trigger",
]

Job = Callable[[], Awaitable[Any]]


def parse_clock_time(text: str) -> time:
    """"08:00" as a time; ValueError otherwise."""
    hours, sep, minutes = text.strip().partition(":")
    if not sep or not hours.isdigit() or not minutes.isdigit():
        raise ValueError(f"not a HH:MM time: {text!r}")
    return time(int(hours), int(minutes))


def local_instant(day: date, at: time, zone: ZoneInfo) -> datetime:
    """``at`` on ``day`` in ``zone``, as an aware UTC datetime. Round-tripping through UTC
    normalises a wall time skipped by DST to the instant just after the jump."""
    return datetime.combine(day, at, tzinfo=zone).astimezone(timezone.utc)


def latest_due_time(digest_time: str, tz: str, now: datetime) -> datetime:
    """The most recent scheduled instant at or before ``now`` (UTC)."""
    zone, at = ZoneInfo(tz), parse_clock_time(digest_time)
    today = now.astimezone(zone).date()
    for back in range(0, 3):  # today, else yesterday (two days covers any offset change)
        candidate = local_instant(today - timedelta(days=back), at, zone)
        if candidate <= now:
            return candidate
    raise AssertionError("unreachable: a day earlier is always in the past")


def next_due_time(digest_time: str, tz: str, now: datetime) -> datetime:
    """The first scheduled instant strictly after ``now`` (UTC)."""
    zone, at = ZoneInfo(tz), parse_clock_time(digest_time)
    today = now.astimezone(zone).date()
    for ahead in range(0, 3):
        candidate = local_instant(today + timedelta(days=ahead), at, zone)
        if candidate > now:
            return candidate
    raise AssertionError("unreachable: a day later is always in the future")


def due_digest_times(sub, now: datetime) -> list[datetime]:
    """The digest instants ``sub`` still owes at ``now``: none, or just the latest one.
    Missed days are not replayed one by one: the window of the one digest sent at
    catch-up starts at ``last_digest_at``, so it covers them. A new subscription owes
    nothing scheduled before it was created."""
    if getattr(sub, "paused", False) or not getattr(sub, "wants_digest", True):
        return []
    due = latest_due_time(sub.digest_time, sub.timezone, now)
    after = sub.last_digest_at or sub.created_at
    if after is not None and due <= after:
        return []
    return [due]


def digest_trigger(digest_time: str, tz: str, jitter_seconds: int = 0) -> CronTrigger:
    """A daily CronTrigger at ``digest_time`` in ``tz``; APScheduler 3.11 adds a uniform
    delay in [0, jitter) so a thousand 08:00 digests do not fire in one millisecond (and
    never fire early, which would make the job find nothing due)."""
    at = parse_clock_time(digest_time)
    return CronTrigger(hour=at.hour, minute=at.minute, second=0, timezone=ZoneInfo(tz), jitter=jitter_seconds or None)


class Scheduler:
    """``daily`` and ``every`` jobs on the running event loop. Job ids are ours: adding a
    job with an existing id replaces it. A job that is still running when its next turn
    comes is skipped (max_instances=1), and late runs coalesce into one."""

    def __init__(self, *, misfire_grace_seconds: int = 3600) -> None:
        self._scheduler = AsyncIOScheduler(
            timezone=timezone.utc,
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": misfire_grace_seconds},
        )

    def daily(self, at: str, job: Job, *, id: str, tz: str = "UTC", jitter_seconds: int = 0) -> None:
        self._scheduler.add_job(_guarded(id, job), digest_trigger(at, tz, jitter_seconds), id=id, name=id,
                                replace_existing=True)

    def every(self, interval: timedelta, job: Job, *, id: str, jitter_seconds: int = 0, first_run: datetime | None = None) -> None:
        trigger = IntervalTrigger(seconds=max(1, int(interval.total_seconds())), jitter=jitter_seconds or None)
        extra = {"next_run_time": first_run} if first_run is not None else {}
        self._scheduler.add_job(_guarded(id, job), trigger, id=id, name=id, replace_existing=True, **extra)

    def remove(self, id: str) -> bool:
        if self._scheduler.get_job(id) is None:
            return False
        self._scheduler.remove_job(id)
        return True

    def job_ids(self) -> list[str]:
        return [job.id for job in self._scheduler.get_jobs()]

    def next_run_time(self, id: str) -> datetime | None:
        job = self._scheduler.get_job(id)
        return getattr(job, "next_run_time", None) if job else None

    @property
    def running(self) -> bool:
        return self._scheduler.running

    def start(self) -> None:
        """Needs a running event loop (APScheduler 3.11 takes the running one)."""
        if not self._scheduler.running:
            self._scheduler.start()

    def shutdown(self) -> None:
        """Stop firing; a job already running finishes on its own (the app awaits it)."""
        if self._scheduler.running:
            self._scheduler.shutdown(wait=False)


def _guarded(name: str, job: Job) -> Job:
    """A failing job logs and waits for its next turn instead of killing the scheduler."""

    async def run() -> None:
        try:
            await job()
        except Exception:  # noqa: BLE001 - the next run retries; the reason is logged
            log.exception("scheduled job failed", extra={"job": name})

    return run
