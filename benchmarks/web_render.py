"""Web archive page latency on a store of many generated articles (default 100,000).

Fills the store like ``who_latency.py`` (bulk inserts: 5,000 people, 3 people and 2 quotes
per article), archives 30 digests built by the real digest builder, then times full HTTP
requests (in-process aiohttp server, read-only engine) for a digest page and for person
pages of random people; prints median and p95 per page type, and one chart render.

    python benchmarks/web_render.py [--articles 100000] [--requests 200]
    (target: p95 <= 50 ms for each page type and for a chart render)
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import func, select
from who_latency import fill

from bot.web import WebSettings, create_app
from bot.web.chart import ChartData, render_mentions_chart
from digests.digest_builder import build_digest
from digests.store import Store, schema
from digests.store.archive import open_readonly_engine, person_slug
from digests.store.archive_schema import create_archive_tables, record_digest


def chart_render_times(n: int = 30) -> dict[str, list[float]]:
    """render_mentions_chart alone (no database), a 90-day chart, after one warm-up."""
    rng = random.Random(1)
    days = [date(2026, 9, 6) + timedelta(days=i) for i in range(90)]
    data = ChartData("Andrii Yermak", days, [rng.randint(0, 6) for _ in days], [int(rng.random() < 0.3) for _ in days])
    render_mentions_chart(data)
    times: dict[str, list[float]] = {}
    for fmt in ("png", "svg"):
        for _ in range(n):
            start = time.perf_counter()
            render_mentions_chart(data, fmt)
            times.setdefault(f"chart render {fmt}", []).append((time.perf_counter() - start) * 1000)
    return times


def _p95(values: list[float]) -> float:
    return sorted(values)[max(0, int(len(values) * 0.95) - 1)]


async def _time(client: TestClient, paths: list[str]) -> list[float]:
    took = []
    for path in paths:
        start = time.perf_counter()
        response = await client.get(path)
        await response.read()
        took.append((time.perf_counter() - start) * 1000)
        assert response.status == 200, (path, response.status)
    return took


async def main(n_articles: int, n_requests: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        target = str(Path(tmp) / "bench.db")
        store = await Store.open(target)
        t0 = time.perf_counter()
        await fill(store, n_articles)
        async with store.engine.connect() as conn:
            newest = (await conn.execute(select(func.max(schema.articles.c.fetched_at)))).scalar_one()
        async with store.engine.begin() as conn:
            await create_archive_tables(conn)
        slugs = []
        for day in range(30):
            until = newest - timedelta(days=day)
            digest = await build_digest(store, since=until - timedelta(days=1), until=until, max_items=30)
            async with store.engine.begin() as conn:
                slugs.append(await record_digest(conn, digest, subscription_id=1, now=until))
        print(f"filled {n_articles} articles and {len(slugs)} digests in {time.perf_counter() - t0:.0f} s")
        async with store.engine.connect() as conn:
            people = (await conn.execute(select(schema.people.c.id, schema.people.c.name))).all()
        rng = random.Random(3)
        readonly = open_readonly_engine(target)
        client = TestClient(TestServer(create_app(store, readonly, WebSettings())))
        await client.start_server()
        try:
            await _time(client, ["/digests", f"/digests/{slugs[0]}", f"/people/{person_slug(*people[0])}"])  # warm-up
            results = {
                "digest index": await _time(client, [f"/digests?page={rng.randint(1, 2)}" for _ in range(n_requests)]),
                "digest page": await _time(client, [f"/digests/{rng.choice(slugs)}" for _ in range(n_requests)]),
                "person page": await _time(client, [f"/people/{person_slug(*rng.choice(people))}" for _ in range(n_requests)]),
                "chart png (uncached)": await _time(
                    client, [f"/people/{person_slug(*p)}/mentions.png" for p in rng.sample(people, min(50, n_requests))]),
            }
        finally:
            await client.close()
            await readonly.dispose()
            await store.close()
        results.update(chart_render_times())
        for name, took in results.items():
            print(f"{name:22s} n={len(took):4d} median {statistics.median(took):6.1f} ms  p95 {_p95(took):6.1f} ms")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    asyncio.run(main(args.articles, args.requests))
