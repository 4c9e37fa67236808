"""Cluster throughput: ingest with 1 and with 2 worker processes, delivery against the
platforms' rate ceilings. Real OS processes (``python -m bot run --role ...``) on the
PostgreSQL of NEWSDIGEST_TEST_POSTGRES_URL, local news sites and the fake Telegram/Slack.

    NEWSDIGEST_TEST_POSTGRES_URL=postgresql://postgres@127.0.0.1:5432/test \\
        python benchmarks/cluster_throughput.py [--articles 5000] [--feeds 100] [--hosts 10] \\
        [--telegram-messages 600] [--slack-channels 100] [--slack-messages 600]

Ingest rate is articles stored per second from the first stored article to the last
(process start-up excluded). Delivery: messages accepted by the fake platforms per second.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from digests.store import Store  # noqa: E402
from digests.store.outbox import NewMessage  # noqa: E402
from tests.cluster.harness import Cluster, NewsSite, wait_until, write_config  # noqa: E402
from tests.platforms.fake_slack import FakeSlack  # noqa: E402
from tests.platforms.fake_telegram import TOKEN as TELEGRAM_TOKEN, FakeTelegram  # noqa: E402
from tests.store_fixtures import POSTGRES_URL, fresh_postgres  # noqa: E402


def process_cpu(pid: int) -> float:
    """User + system CPU seconds of a live process (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine_busy() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine so far: other load shows up here."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    tick = os.sysconf("SC_CLK_TCK")
    idle = values[3] + values[4]
    return (sum(values) - idle) / tick, sum(values) / tick


async def ingest_run(workers: int, args) -> dict:
    site = NewsSite(feeds=args.feeds, per_feed=args.articles // args.feeds, servers=args.hosts).start()
    total = len(site.article_urls)
    async for database in fresh_postgres():
        store = await Store.open(database)
        for url in site.feed_urls:
            await store.sources.add(url, "feed", poll_interval_s=36000)
        with tempfile.TemporaryDirectory() as tmp:
            cluster = Cluster(database, write_config(Path(tmp) / "newsdigest.toml", per_host=2), Path(tmp))
            try:
                cluster.start("scheduler", "scheduler")
                for n in range(workers):
                    cluster.start(f"ingest{n}", "ingest")
                await wait_until(lambda: _count_at_least(store, 1), 120, every=0.05, what="a first article")
                first, busy0 = time.monotonic(), machine_busy()
                cpu0 = sum(process_cpu(cluster.procs[f"ingest{n}"].pid) for n in range(workers))
                await wait_until(lambda: _count_at_least(store, total), 1800, every=0.25, what=f"{total} articles")
                seconds, busy1 = time.monotonic() - first, machine_busy()
                cpu = sum(process_cpu(cluster.procs[f"ingest{n}"].pid) for n in range(workers)) - cpu0
                stored = await store.articles.count()
            finally:
                cluster.stop_all()
                await store.close()
    site.close()
    return {"workers": workers, "articles": stored, "seconds": seconds, "rate": (stored - 1) / seconds,
            "peak_per_host": site.peak_in_flight(), "worker_cpu": cpu,
            "machine_busy": (busy1[0] - busy0[0]) / max(1e-9, busy1[1] - busy0[1])}


async def deliver_run(workers: int, args) -> dict:
    async for database in fresh_postgres():
        store = await Store.open(database)
        async with FakeTelegram() as tg, FakeSlack(whole_second_retry_after=False) as slack:
            tg_chats = max(1, args.telegram_messages // 2)  # two messages per chat: 1 s apart in a chat
            messages = [NewMessage(None, "telegram", str(200000 + i % tg_chats), f"bench:tg:{i}", {"text": f"message {i}"})
                        for i in range(args.telegram_messages)]
            messages += [NewMessage(None, "slack", f"C{i % args.slack_channels:05d}", f"bench:sl:{i}",
                                    {"text": f"message {i}", "blocks": []}) for i in range(args.slack_messages)]
            with tempfile.TemporaryDirectory() as tmp:
                cluster = Cluster(database, write_config(Path(tmp) / "newsdigest.toml", telegram_url=tg.base_url,
                                                         slack_url=slack.api_base_url), Path(tmp),
                                  env={"TELEGRAM_BOT_TOKEN": TELEGRAM_TOKEN, "SLACK_BOT_TOKEN": slack.bot_token})
                try:
                    for n in range(workers):
                        cluster.start(f"deliver{n}", "deliver")
                    await asyncio.sleep(4)  # workers up before the clock starts
                    await store.outbox.enqueue_many(messages)
                    cluster.start("scheduler", "scheduler")
                    await wait_until(lambda: _any(tg, slack), 60, every=0.05, what="a first message")
                    first = time.monotonic()
                    await wait_until(lambda: _drained(store), 900, every=0.25, what="the outbox to drain")
                    seconds = time.monotonic() - first
                    tg_times = sorted(m.at for m in tg.messages)
                    sl_count = len(slack.messages)
                finally:
                    cluster.stop_all()
                    await store.close()
    tg_span = (tg_times[-1] - tg_times[0]) if len(tg_times) > 1 else 0.0
    return {"workers": workers, "seconds": seconds, "telegram": len(tg_times),
            "telegram_rate": (len(tg_times) - 1) / tg_span if tg_span else 0.0, "telegram_429": len(tg.rate_limited),
            "slack": sl_count, "slack_429": sum(1 for c in slack.calls if getattr(c, "status", 200) == 429)}


async def _count_at_least(store: Store, n: int) -> bool:
    return await store.articles.count() >= n


async def _any(tg, slack) -> bool:
    return bool(tg.messages or slack.messages)


async def _drained(store: Store) -> bool:
    counts = await store.outbox.counts_by_state()
    return counts["pending"] == 0 and counts["sending"] == 0


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=5000)
    parser.add_argument("--feeds", type=int, default=100)
    parser.add_argument("--hosts", type=int, default=10)
    parser.add_argument("--telegram-messages", type=int, default=600)
    parser.add_argument("--slack-channels", type=int, default=100)
    parser.add_argument("--slack-messages", type=int, default=600)
    parser.add_argument("--skip-ingest", action="store_true")
    parser.add_argument("--skip-deliver", action="store_true")
    args = parser.parse_args()
    if not POSTGRES_URL:
        sys.exit("set NEWSDIGEST_TEST_POSTGRES_URL (e.g. postgresql://postgres@127.0.0.1:5432/test)")
    if not args.skip_ingest:
        runs = [await ingest_run(n, args) for n in (1, 2)]
        print(f"ingest: {args.articles} articles from {args.feeds} feeds on {args.hosts} hosts (per-host limit 2, cluster-wide)")
        for r in runs:
            print(f"  {r['workers']} worker process(es): {r['articles']} articles in {r['seconds']:.1f}s = "
                  f"{r['rate']:.1f} articles/s (peak requests in flight per host: {r['peak_per_host']}; "
                  f"worker CPU {r['worker_cpu']:.0f}s = {r['worker_cpu'] / r['seconds']:.2f} cores; "
                  f"machine {100 * r['machine_busy']:.0f}% busy)")
        print(f"  speed-up 2 vs 1: {runs[1]['rate'] / runs[0]['rate']:.2f}x (target >= 1.7x)")
    if not args.skip_deliver:
        print(f"delivery: {args.telegram_messages} Telegram messages (ceiling 30/s per bot), {args.slack_messages} "
              f"Slack messages over {args.slack_channels} channels (ceiling 1/s per channel = "
              f"{args.slack_channels}/s overall)")
        for n in (1, 2):
            r = await deliver_run(n, args)
            print(f"  {n} deliver worker(s): drained in {r['seconds']:.1f}s; Telegram {r['telegram']} at "
                  f"{r['telegram_rate']:.1f}/s ({r['telegram_429']} x 429); Slack {r['slack']} ({r['slack_429']} x 429)")


if __name__ == "__main__":
    asyncio.run(main())
