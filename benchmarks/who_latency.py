"""/who latency on a store of many generated articles (default 100,000), SQLite and PostgreSQL
side by side in one run; with ``--search``, /search on the same store too.

The store is filled by ``bigstore.fill`` (5,000 people with surnames shared by several, 3
people and 2 quotes per article, real news sentences; bulk inserts, then ANALYZE), then
``store.people.who(surname)`` is timed for random people; prints median and p95 next to the
target, and when p95 is over it, the plan's top node of each statement of the slowest call.

    python benchmarks/who_latency.py [--articles 100000] [--queries 300] [--search]
    (PostgreSQL runs when NEWSDIGEST_TEST_POSTGRES_URL is set; target p95 <= 10 ms)
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bigstore import fill, on_each_backend, percentiles
from plans import plan_top_nodes
from search_latency import measure_search, print_search

from digests.store import Store

TARGET_P95_MS = 10.0


async def measure_who(store: Store, surnames: list[str], n_queries: int) -> tuple[float, float, float, list[str]]:
    """(median ms, p95 ms, matches per query, plan lines when over target)."""
    rng = random.Random(1)
    for name in rng.sample(surnames, 20):  # warm-up
        await store.people.who(name)
    timings, matches, slowest = [], 0, ("", 0.0)
    for name in rng.choices(surnames, k=n_queries):
        t = time.perf_counter()
        card = await store.people.who(name)
        ms = (time.perf_counter() - t) * 1000
        timings.append(ms)
        matches += len(card.matches)
        slowest = max(slowest, (name, ms), key=lambda s: s[1])
    med, p95 = percentiles(timings)
    plans = []
    if p95 > TARGET_P95_MS:
        plans = [f"  over target: plans of the slowest call, /who {slowest[0]} ({slowest[1]:.1f} ms)"]
        plans += await plan_top_nodes(store, lambda: store.people.who(slowest[0]))
    return med, p95, matches / n_queries, plans


async def run(label: str, target: str, args) -> None:
    store = await Store.open(target)
    try:
        started = time.perf_counter()
        filled = await fill(store, args.articles)
        fill_s = time.perf_counter() - started
        med, p95, per_query, plans = await measure_who(store, filled.surnames, args.queries)
        print(f"{label:12} {med:>10.2f} {p95:>8.2f} {TARGET_P95_MS:>10.1f} {fill_s:>8.1f} {per_query:>14.2f}", flush=True)
        for line in plans:
            print(line, flush=True)
        if args.search:
            print_search(label, await measure_search(store, filled, args.search_queries, args.reference_queries))
    finally:
        await store.close()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--search", action="store_true", help="also time /search on the same store")
    parser.add_argument("--search-queries", type=int, default=40, help="per kind of search query")
    parser.add_argument("--reference-queries", type=int, default=5, help="per kind, for the full-scan reference")
    parser.add_argument("--backend", choices=["both", "sqlite", "postgresql"], default="both",
                        help="one backend only (to run the two in parallel processes)")
    args = parser.parse_args()
    print(f"/who on {args.articles:,} articles, {args.queries} queries of random surnames", flush=True)
    print(f"{'backend':12} {'median ms':>10} {'p95 ms':>8} {'target p95':>10} {'fill s':>8} {'matches/query':>14}")
    await on_each_backend(run, args, "who.db")


if __name__ == "__main__":
    asyncio.run(main())
