"""/metrics end to end: the real app (store, ingest worker, Telegram sender, deliverer) with
the metrics listener, a local feed, the fake Bot API forcing one 429; the scrape must say
exactly what happened."""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot.app import NewsdigestApp
from bot.config import MetricsConfig, Secrets, StoreConfig, TelegramConfig, load_config
from bot.health import start_observability
from bot.metrics import Metrics, digest_due_time, error_kind
from bot.scheduler import latest_due_time
from digests.ingest import IngestReport
from digests.models import Rejected
from tests.news_factory import article_html, rss_feed
from tests.platforms.fake_telegram import TOKEN, FakeTelegram

CHAT = 4242


def sample(text: str, name: str, **labels: str) -> float:
    """The value of one sample of a scrape (0.0 when the series was never touched)."""
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            if s.name == name and all(s.labels.get(k) == v for k, v in labels.items()):
                return s.value
    return 0.0


class StepClock:
    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now


async def scrape(port: int, path: str = "/metrics") -> tuple[int, str]:
    async with aiohttp.ClientSession() as session:
        async with session.get(f"http://127.0.0.1:{port}{path}") as response:
            return response.status, await response.text()


async def test_scrape_counts_exactly_what_happened(tmp_path, http_server, monkeypatch):
    monkeypatch.chdir(tmp_path)
    items = []
    for seed in (11, 12, 13):
        http_server.static(f"/news/{seed}", article_html(seed).encode())
        items.append((f"/news/{seed}", f"Story {seed}"))
    feed_url = http_server.static("/feed.xml", rss_feed(http_server.base_url, items),
                                  content_type="application/rss+xml")
    async with FakeTelegram() as tg:
        base = load_config(None, env={})
        config = replace(base, store=StoreConfig(database=str(tmp_path / "m.db")),
                         telegram=TelegramConfig(base_url=tg.base_url),
                         metrics=MetricsConfig(enabled=True, listen="127.0.0.1:0"),
                         secrets=Secrets(telegram_bot_token=TOKEN))
        # A day ahead: the subscription made now owes the digest due before then, whose window
        # (the day before it) holds the articles read now.
        clock = StepClock(datetime.now(UTC) + timedelta(days=1))
        async with NewsdigestApp(config, demo=False, clock=clock) as app:
            obs = app.observability  # [metrics] enabled: the app started it, wired to its own parts
            assert obs is not None and obs.server is not None
            await app.store.sources.add(feed_url, "feed")
            await app.store.subscriptions.upsert("telegram", str(CHAT), digest_time="08:00", timezone="UTC")
            status, before = await scrape(obs.server.port)
            assert status == 200 and sample(before, "newsdigest_articles_ingested_total") == 0

            tg._blocked_until[CHAT] = time.monotonic() + 1  # the fake's flood penalty: next send is a 429
            first = await app.run_once()
            assert first.ingested == 3 and first.delivery.retried == 1 and len(tg.rate_limited) == 1
            clock.now += timedelta(seconds=5)  # past the 429's retry_after on the app's clock
            _, middle = await scrape(obs.server.port)
            assert sample(middle, "newsdigest_outbox_depth") == first.digests_queued >= 1
            assert sample(middle, "newsdigest_outbox_oldest_age_seconds") == pytest.approx(5, abs=0.01)

            second = await app.deliverer.run_once()
            sent = tg.sent(CHAT)
            assert second.sent == len(sent) == first.digests_queued
            _, text = await scrape(obs.server.port)

    assert sample(text, "newsdigest_articles_ingested_total") == 3
    assert sample(text, "newsdigest_messages_sent_total", platform="telegram") == len(sent)
    assert sample(text, "newsdigest_rate_limited_total", platform="telegram") == 1
    assert sample(text, "newsdigest_messages_failed_total", platform="telegram", reason="rate_limited") == 1
    assert sample(text, "newsdigest_dead_letters_total", platform="telegram") == 0
    assert sample(text, "newsdigest_outbox_depth") == 0 and sample(text, "newsdigest_outbox_oldest_age_seconds") == 0
    assert sample(text, "newsdigest_analysis_seconds_count") == 3
    assert sample(text, "newsdigest_fetch_errors_total") == 0
    # One digest: its lateness is the app clock at send minus the due time.
    due = latest_due_time("08:00", "UTC", clock.now - timedelta(seconds=5))
    assert sample(text, "newsdigest_digest_lateness_seconds_count") == 1
    assert abs(sample(text, "newsdigest_digest_lateness_seconds_sum") - (clock.now - due).total_seconds()) < 1e-6


def test_each_app_has_its_own_registry():
    a, b = Metrics(), Metrics()
    a.record_sent("slack")
    assert sample(a.render().decode(), "newsdigest_messages_sent_total", platform="slack") == 1
    assert sample(b.render().decode(), "newsdigest_messages_sent_total", platform="slack") == 0


def test_ingest_report_errors_are_counted_by_kind():
    metrics = Metrics()
    report = IngestReport(new=2, errors=["https://a.example/feed: HTTP 503", "https://b.example/x: internal error: KeyError: 1",
                                         "https://c.example/feed: read timed out"],
                          rejected=[Rejected("https://d.example/gone", "http_404"), Rejected("https://e.example/", "too_short")])
    metrics.record_ingest(report)
    text = metrics.render().decode()
    assert sample(text, "newsdigest_articles_ingested_total") == 2
    assert {kind: sample(text, "newsdigest_fetch_errors_total", kind=kind)
            for kind in ("http_5xx", "internal", "timeout", "http_4xx")} == {
        "http_5xx": 1, "internal": 1, "timeout": 1, "http_4xx": 1}
    assert error_kind("https://x.example/: something odd") == "other"


def test_only_the_first_part_of_a_digest_has_a_due_time():
    due = datetime(2026, 12, 4, 8, 0, tzinfo=UTC)
    assert digest_due_time(f"digest:7:{due.isoformat()}:0") == due
    assert digest_due_time(f"digest:7:{due.isoformat()}:1") is None
    assert digest_due_time("alert:7:123") is None


async def test_metrics_off_by_default(tmp_path):
    config = replace(load_config(None, env={}), store=StoreConfig(database=str(tmp_path / "x.db")))
    assert await start_observability(config) is None


def test_a_fetcher_with_a_backoff_hook_reports_per_host():
    from bot.metrics import instrument

    class Fetcher:
        on_backoff = None

    metrics, fetcher = Metrics(), Fetcher()
    instrument(metrics, fetcher=fetcher)
    fetcher.on_backoff("slow.example", 30.0)
    fetcher.on_backoff("slow.example", 30.0)
    assert sample(metrics.render().decode(), "newsdigest_host_backoffs_total", host="slow.example") == 2


async def test_who_answers_are_timed_while_metrics_are_on_and_not_after(tmp_path):
    from bot.commands import Request, Services, handle
    from digests.store import Store

    config = replace(load_config(None, env={}), store=StoreConfig(database=str(tmp_path / "w.db")),
                     metrics=MetricsConfig(enabled=True, listen="127.0.0.1:0"))
    async with await Store.open(config.database) as store:
        obs = await start_observability(config, store=store)
        try:
            await handle(Request("who", ("Yermak",)), Services(store=store))
            await handle(Request("latest"), Services(store=store))  # not /who: not timed
            _, text = await scrape(obs.server.port)
        finally:
            await obs.aclose()
        assert sample(text, "newsdigest_who_latency_seconds_count") == 1
        await handle(Request("who", ("Yermak",)), Services(store=store))  # metrics closed: no observer left
        assert sample(obs.metrics.render().decode(), "newsdigest_who_latency_seconds_count") == 1


async def test_a_host_asking_us_to_wait_is_counted_per_host(http_server):
    from bot.metrics import instrument
    from digests.fetch import FetchPolicy, Fetcher
    from tests.httpserver import Reply

    url = http_server.sequence("/busy", [Reply(429, headers={"Retry-After": "0"}), Reply(200, body=b"ok")])
    metrics = Metrics()
    async with Fetcher(FetchPolicy(backoff_base=0.01, backoff_max=0.1)) as fetcher:
        instrument(metrics, fetcher=fetcher)
        await fetcher.fetch(url)
    host = url.split("/")[2]
    assert sample(metrics.render().decode(), "newsdigest_host_backoffs_total", host=host) == 1
