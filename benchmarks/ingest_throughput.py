"""Ingest throughput: N articles from local feeds, end to end (fetch, extract, analyse, store).

Prints articles/s and peak memory for newsdigest's worker (analysis in a thread, and in a
process pool), next to a reference loop that only fetches each page with httpx and runs
trafilatura.extract on it (no analysis, no store), all in one run. The HTTP server runs in
its own process so it does not share our interpreter's lock.

    python benchmarks/ingest_throughput.py [--articles 1000] [--feeds 10]
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing as mp
import resource
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.httpserver import LocalHTTPServer  # noqa: E402
from tests.news_factory import article_html, rss_feed  # noqa: E402


def _serve(n_articles: int, n_feeds: int, port_queue, stop_event) -> None:
    server = LocalHTTPServer()
    per_feed = n_articles // n_feeds
    for f in range(n_feeds):
        items = []
        for i in range(per_feed):
            seed = f * per_feed + i
            path = f"/f{f}/story-{seed}.html"
            server.static(path, article_html(seed).encode())
            items.append((path, f"Story {seed}"))
        server.static(f"/feed{f}.xml", rss_feed(server.base_url, items), content_type="application/rss+xml")
    port_queue.put(server.base_url)
    stop_event.wait()
    server.close()


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def run_newsdigest(base_url: str, n_feeds: int, processes: int) -> tuple[int, float]:
    from digests.fetch import Fetcher, FetchPolicy
    from digests.ingest import IngestWorker
    from digests.store import Store

    with tempfile.TemporaryDirectory() as tmp:
        store = await Store.open(str(Path(tmp) / "bench.db"))
        for f in range(n_feeds):
            await store.sources.add(f"{base_url}/feed{f}.xml", "feed")
        executor = ProcessPoolExecutor(processes) if processes else None
        policy = FetchPolicy(per_host_concurrency=16, global_concurrency=32)
        started = time.perf_counter()
        async with Fetcher(policy) as fetcher:
            report = await IngestWorker(store, fetcher, executor=executor).run_once(all_sources=True)
        elapsed = time.perf_counter() - started
        if executor:
            executor.shutdown()
        count = await store.articles.count()
        await store.close()
    assert count == report.new, (count, report)
    if report.errors:
        print(f"  errors: {report.errors[:3]}")
    return count, elapsed


async def run_reference(base_url: str, n_feeds: int) -> tuple[int, float]:
    import feedparser
    import httpx
    import trafilatura

    started = time.perf_counter()
    done = 0
    async with httpx.AsyncClient() as client:
        for f in range(n_feeds):
            feed = feedparser.parse((await client.get(f"{base_url}/feed{f}.xml")).content)
            for entry in feed.entries:
                html = (await client.get(entry.link)).text
                if trafilatura.extract(html):
                    done += 1
    return done, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--feeds", type=int, default=10)
    args = parser.parse_args()
    ctx = mp.get_context("spawn")
    port_queue, stop = ctx.Queue(), ctx.Event()
    server = ctx.Process(target=_serve, args=(args.articles, args.feeds, port_queue, stop), daemon=True)
    server.start()
    base_url = port_queue.get(timeout=120)
    try:
        print(f"{args.articles} articles from {args.feeds} local feeds (2 cores)")
        print(f"{'run':40} {'articles':>8} {'seconds':>8} {'art/s':>8} {'peak MB':>8}")
        for label, coro in [
            ("reference: httpx + trafilatura.extract", run_reference(base_url, args.feeds)),
            ("newsdigest ingest (analysis in thread)", run_newsdigest(base_url, args.feeds, 0)),
            ("newsdigest ingest (2 analysis procs)", run_newsdigest(base_url, args.feeds, 2)),
        ]:
            count, elapsed = asyncio.run(coro)
            print(f"{label:40} {count:>8} {elapsed:>8.1f} {count / elapsed:>8.1f} {_peak_mb():>8.0f}")
        print("target: >= 20 articles/s end to end (newsdigest rows); peak MB is this process's max RSS so far")
    finally:
        stop.set()
        server.join(5)


if __name__ == "__main__":
    main()
