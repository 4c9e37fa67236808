"""When digests are due (time zones, DST, restarts) and how alerts are batched.

The clock is a parameter everywhere: nothing here sleeps for hours."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import update

from digests.store import schema

from bot.digest_jobs import JobSettings, enqueue_alerts, enqueue_due_digest, enqueue_due_digests
from bot.scheduler import Scheduler, digest_trigger, due_digest_times, latest_due_time, next_due_time
from digests.models import Analysis, Article
from digests.store import Store
from tests.store_fixtures import store, store_target  # noqa: F401 - SQLite, and PostgreSQL when configured

KYIV = ZoneInfo("Europe/Kyiv")
UTC = timezone.utc
SETTINGS = JobSettings(title="Morning digest", alert_max_items=10)


def kyiv(*args) -> datetime:
    return datetime(*args, tzinfo=KYIV).astimezone(UTC)




async def add_article(store: Store, n: int, title: str, published: datetime, *, story: str | None = None) -> int:
    body = (f"{title}. This is the body of demo article number {n}, long enough to be a real article. "
            "It has several sentences so that summaries and keyword filters have text to look at. ") * 3
    article = Article(url=f"https://news.example/{n}", title=title, body=body, published=published, site_name="Example")
    result = await store.articles.save(Analysis(article=article, summary=[f"{title} happened."]), story_id=story or f"s{n}")
    # Fetched as soon as it was published (scheduled digests window on arrival).
    async with store.engine.begin() as conn:
        await conn.execute(update(schema.articles).where(schema.articles.c.id == result.article_id).values(fetched_at=published))
    return result.article_id


async def subscribe(store: Store, chat: str, *, created: datetime, platform: str = "console", **fields):
    sub, _ = await store.subscriptions.upsert(platform, chat, **fields)
    await store.subscriptions.update(sub.id, created_at=created)
    return await store.subscriptions.by_id(sub.id)


# -- pure due-time arithmetic ----------------------------------------------------------------


@pytest.mark.parametrize(
    "local_day, expected_utc",
    [
        ((2026, 3, 28), datetime(2026, 3, 28, 6, 0, tzinfo=UTC)),  # winter, UTC+2
        ((2026, 3, 29), datetime(2026, 3, 29, 5, 0, tzinfo=UTC)),  # clocks went forward at 03:00
        ((2026, 10, 24), datetime(2026, 10, 24, 5, 0, tzinfo=UTC)),  # summer, UTC+3
        ((2026, 10, 25), datetime(2026, 10, 25, 6, 0, tzinfo=UTC)),  # clocks went back at 04:00
    ],
)
def test_0800_kyiv_fires_at_the_right_utc_instant_across_dst(local_day, expected_utc):
    noon = kyiv(*local_day, 12, 0)
    assert latest_due_time("08:00", "Europe/Kyiv", noon) == expected_utc
    assert next_due_time("08:00", "Europe/Kyiv", noon - timedelta(hours=6)) == expected_utc
    # APScheduler's trigger agrees with our arithmetic (jitter 0).
    trigger = digest_trigger("08:00", "Europe/Kyiv")
    assert trigger.get_next_fire_time(None, noon - timedelta(hours=6)).astimezone(UTC) == expected_utc


def test_latest_due_time_before_todays_slot_is_yesterdays():
    assert latest_due_time("08:00", "Europe/Kyiv", kyiv(2026, 3, 29, 7, 59)) == datetime(2026, 3, 28, 6, 0, tzinfo=UTC)
    assert latest_due_time("08:00", "Europe/Kyiv", kyiv(2026, 3, 29, 8, 0)) == datetime(2026, 3, 29, 5, 0, tzinfo=UTC)


def test_a_thousand_0800_subscriptions_get_spread_fire_times():
    now = kyiv(2026, 6, 1, 7, 0)
    slot = kyiv(2026, 6, 1, 8, 0)
    times = [digest_trigger("08:00", "Europe/Kyiv", 60).get_next_fire_time(None, now) for _ in range(1000)]
    offsets = [(t - slot).total_seconds() for t in times]
    assert all(0 <= o < 60 for o in offsets)  # never early (the job would find nothing due), at most a minute late
    assert len({round(o, 3) for o in offsets}) > 900  # not all in the same millisecond
    assert max(offsets) - min(offsets) > 45


async def test_scheduler_vocabulary_jitters_1000_daily_jobs_and_runs_interval_jobs():
    scheduler = Scheduler()
    ran = asyncio.Event()

    async def job():
        ran.set()

    for i in range(1000):
        scheduler.daily("08:00", job, id=f"digest:{i}", tz="America/New_York", jitter_seconds=60)
    scheduler.every(timedelta(hours=1), job, id="ingest", first_run=datetime.now(UTC))
    scheduler.start()
    try:
        await asyncio.wait_for(ran.wait(), 5)
        runs = [scheduler.next_run_time(f"digest:{i}") for i in range(1000)]
        local = {r.astimezone(ZoneInfo("America/New_York")).strftime("%H:%M") for r in runs}
        assert local == {"08:00"}
        assert len(set(runs)) > 900
        scheduler.daily("09:30", job, id="digest:0", tz="UTC")  # same id replaces
        assert len(scheduler.job_ids()) == 1001
        assert scheduler.next_run_time("digest:0").astimezone(UTC).strftime("%H:%M") == "09:30"
    finally:
        scheduler.shutdown()


# -- digests: the database decides ------------------------------------------------------------


async def test_process_down_0700_to_1000_sends_exactly_one_digest_at_restart(store):
    yesterday_0800 = kyiv(2026, 3, 28, 8, 0)
    sub = await subscribe(store, "kyiv", created=kyiv(2026, 3, 1, 0, 0), timezone="Europe/Kyiv", digest_time="08:00")
    await store.subscriptions.update(sub.id, last_digest_at=yesterday_0800)
    await add_article(store, 1, "Council votes on the new bridge", kyiv(2026, 3, 28, 12, 0))
    await add_article(store, 2, "Tram line reopens", kyiv(2026, 3, 29, 7, 30))
    await add_article(store, 3, "Late news after the digest", kyiv(2026, 3, 29, 9, 0))

    restart = kyiv(2026, 3, 29, 10, 0)  # down since 07:00: the 08:00 digest was missed
    assert await enqueue_due_digests(store, restart, SETTINGS) == 1
    (row,) = await store.outbox.list()
    assert row.idempotency_key == "digest:1:2026-03-29T05:00:00+00:00:0"
    assert "Council votes on the new bridge" in row.payload["text"] and "Tram line reopens" in row.payload["text"]
    assert "Late news after the digest" not in row.payload["text"]  # after the due time: tomorrow's digest
    assert (await store.subscriptions.by_id(sub.id)).last_digest_at == kyiv(2026, 3, 29, 8, 0)

    # Running the check again (the cron job firing late, a second scheduler) adds nothing.
    assert await enqueue_due_digests(store, restart + timedelta(minutes=5), SETTINGS) == 0
    # Next morning: exactly the next digest, starting where the last one ended.
    assert await enqueue_due_digests(store, kyiv(2026, 3, 30, 8, 0, 30), SETTINGS) == 1
    rows = await store.outbox.list()
    assert len(rows) == 2 and "Late news after the digest" in rows[1].payload["text"]
    assert "Tram line reopens" not in rows[1].payload["text"]


async def test_restart_right_after_enqueueing_does_not_enqueue_again(store_target):
    path = store_target
    at = kyiv(2026, 6, 2, 8, 0, 20)
    async with await Store.open(path) as first:
        sub = await subscribe(first, "c", created=kyiv(2026, 5, 1, 0, 0), timezone="Europe/Kyiv")
        await add_article(first, 1, "Something happened", kyiv(2026, 6, 1, 20, 0))
        assert await enqueue_due_digest(first, sub.id, at, SETTINGS) == 1
    async with await Store.open(path) as second:  # a new process, a fresh scheduler
        assert await enqueue_due_digests(second, at + timedelta(seconds=5), SETTINGS) == 0
        assert len(await second.outbox.list()) == 1


async def test_racing_schedulers_enqueue_one_digest(store):
    sub = await subscribe(store, "c", created=kyiv(2026, 5, 1, 0, 0), timezone="Europe/Kyiv")
    await add_article(store, 1, "Something happened", kyiv(2026, 6, 1, 20, 0))
    at = kyiv(2026, 6, 2, 8, 0, 20)
    results = await asyncio.gather(*(enqueue_due_digest(store, sub.id, at, SETTINGS) for _ in range(5)))
    assert sum(results) == 1 and len(await store.outbox.list()) == 1


async def test_long_outage_sends_one_digest_covering_every_missed_day(store):
    sub = await subscribe(store, "c", created=datetime(2026, 1, 1, tzinfo=UTC), timezone="UTC", digest_time="07:00")
    await store.subscriptions.update(sub.id, last_digest_at=datetime(2026, 2, 1, 7, 0, tzinfo=UTC))
    await add_article(store, 1, "Monday story", datetime(2026, 2, 2, 9, 0, tzinfo=UTC))
    await add_article(store, 2, "Wednesday story", datetime(2026, 2, 4, 9, 0, tzinfo=UTC))
    assert await enqueue_due_digests(store, datetime(2026, 2, 5, 12, 0, tzinfo=UTC), SETTINGS) == 1
    (row,) = await store.outbox.list()
    assert "Monday story" in row.payload["text"] and "Wednesday story" in row.payload["text"]


async def test_new_subscription_owes_nothing_from_before_it_existed(store):
    sub = await subscribe(store, "c", created=kyiv(2026, 6, 2, 10, 0), timezone="Europe/Kyiv")
    assert due_digest_times(sub, kyiv(2026, 6, 2, 10, 5)) == []
    assert due_digest_times(sub, kyiv(2026, 6, 3, 8, 0)) == [kyiv(2026, 6, 3, 8, 0)]


async def test_empty_window_advances_without_a_message(store):
    sub = await subscribe(store, "c", created=datetime(2026, 1, 1, tzinfo=UTC), timezone="UTC")
    assert await enqueue_due_digest(store, sub.id, datetime(2026, 2, 1, 9, 0, tzinfo=UTC), SETTINGS) == 0
    assert await store.outbox.list() == []
    assert (await store.subscriptions.by_id(sub.id)).last_digest_at == datetime(2026, 2, 1, 8, 0, tzinfo=UTC)


async def test_paused_and_alert_only_subscriptions_get_no_digest(store):
    created = datetime(2026, 1, 1, tzinfo=UTC)
    paused = await subscribe(store, "p", created=created)
    await store.subscriptions.pause(paused.id, "bot removed")
    await subscribe(store, "a", created=created, mode="alerts")
    await add_article(store, 1, "Story", datetime(2026, 2, 1, 7, 0, tzinfo=UTC))
    assert await enqueue_due_digests(store, datetime(2026, 2, 1, 9, 0, tzinfo=UTC), SETTINGS) == 0


# -- alerts -----------------------------------------------------------------------------------


async def test_a_burst_of_200_articles_gives_one_bounded_alert_per_chat(store):
    created = datetime(2026, 1, 1, tzinfo=UTC)
    console = await subscribe(store, "term", created=created, mode="alerts")
    tg = await subscribe(store, "777", created=created, platform="telegram", mode="both")
    for sub in (console, tg):
        await store.subscriptions.update(sub.id, last_alert_at=created)  # alerted before: no baseline skip
    start = datetime(2026, 2, 1, 6, 0, tzinfo=UTC)
    ids = [await add_article(store, n, f"Breaking item {n}", start + timedelta(seconds=n)) for n in range(200)]
    now = start + timedelta(hours=1)

    queued = await enqueue_alerts(store, now, SETTINGS)
    rows = await store.outbox.list()
    assert queued == len(rows)
    console_rows = [r for r in rows if r.platform == "console"]
    tg_rows = [r for r in rows if r.platform == "telegram"]
    assert len(console_rows) == 1 and 1 <= len(tg_rows) <= 3  # bounded, whatever the burst size
    text = console_rows[0].payload["text"]
    assert "200 stories" in text and "+190 more" in text
    assert text.count("• Breaking item") == 10  # alert_max_items listed
    assert console_rows[0].idempotency_key == f"alerts:{console.id}:{max(ids)}:0"
    assert (await store.subscriptions.by_id(console.id)).last_alert_article_id == max(ids)
    # Nothing new: nothing sent. One more article: one more small alert.
    assert await enqueue_alerts(store, now + timedelta(minutes=10), SETTINGS) == 0
    await add_article(store, 500, "One more thing", now)
    assert await enqueue_alerts(store, now + timedelta(minutes=20), SETTINGS) >= 2
    last = [r for r in await store.outbox.list() if r.platform == "console"][-1]
    assert "One more thing" in last.payload["text"] and "Breaking item" not in last.payload["text"]


async def test_alerts_respect_keyword_filters_and_start_at_subscription(store):
    sub = await subscribe(store, "term", created=datetime(2026, 2, 1, 12, tzinfo=UTC), mode="alerts", keywords=["bridge"])
    # Stored before the subscription existed (fetched_at is the real clock, i.e. later): use ids instead.
    await store.subscriptions.update(sub.id, last_alert_at=datetime(2026, 2, 1, 12, tzinfo=UTC))
    await add_article(store, 1, "New bridge opens", datetime(2026, 2, 1, 13, tzinfo=UTC))
    await add_article(store, 2, "Weather is fine", datetime(2026, 2, 1, 13, tzinfo=UTC))
    assert await enqueue_alerts(store, datetime(2026, 2, 1, 14, tzinfo=UTC), SETTINGS) == 1
    (row,) = await store.outbox.list()
    assert "New bridge opens" in row.payload["text"] and "Weather is fine" not in row.payload["text"]


async def test_an_article_fetched_after_the_digest_goes_into_the_next_one(store):
    """Published 07:50 but fetched 08:10: not lost between two digests."""
    sub = await subscribe(store, "late", created=kyiv(2026, 3, 1, 0, 0), timezone="Europe/Kyiv", digest_time="08:00")
    await store.subscriptions.update(sub.id, last_digest_at=kyiv(2026, 3, 27, 8, 0))
    article_id = await add_article(store, 7, "Harbour dredging contract signed", kyiv(2026, 3, 28, 7, 50))
    async with store.engine.begin() as conn:
        await conn.execute(update(schema.articles).where(schema.articles.c.id == article_id)
                           .values(fetched_at=kyiv(2026, 3, 28, 8, 10)))
    await enqueue_due_digests(store, kyiv(2026, 3, 28, 8, 5), SETTINGS)
    assert all("Harbour dredging" not in r.payload["text"] for r in await store.outbox.list())
    await enqueue_due_digests(store, kyiv(2026, 3, 29, 8, 5), SETTINGS)
    texts = [r.payload["text"] for r in await store.outbox.list()]
    assert sum("Harbour dredging contract signed" in t for t in texts) == 1
