"""/search latency on a store of many generated articles (default 100,000), SQLite and
PostgreSQL side by side in one run, next to the reference: the same query as one full scan
(what search was before the substring indexes), whose answers ours must equal.

Query kinds: a person's surname, a common word (the 100 most frequent), a medium one (ranks
500-3,000), a rare one (rank 10,000 on) and two words; ``store.articles.search(q)`` (10 results)
is timed for each. ``who_latency.py --search`` runs the same on its store.

    python benchmarks/search_latency.py [--articles 100000] [--queries 40] [--reference-queries 5]
    (PostgreSQL runs when NEWSDIGEST_TEST_POSTGRES_URL is set; target p95 <= 50 ms)
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

from bigstore import FillResult, fill, on_each_backend, percentiles
from plans import plan_top_nodes
from sqlalchemy import func, select

from digests.store import Store, schema
from digests.store.articles import _LIST_COLUMNS, _contains_all

TARGET_P95_MS = 50.0
A = schema.articles


def query_kinds(filled: FillResult, n: int, seed: int = 2) -> dict[str, list[str]]:
    rng = random.Random(seed)
    words = filled.words
    return {
        "surname": [rng.choice(filled.surnames) for _ in range(n)],
        "common word": [rng.choice(words[:100]) for _ in range(n)],
        "medium word": [rng.choice(words[500:3000]) for _ in range(n)],
        "rare word": [rng.choice(words[10000:] or words[-100:]) for _ in range(n)],
        "two words": [f"{rng.choice(words[:1000])} {rng.choice(words[:5000])}" for _ in range(n)],
    }


async def full_scan(store: Store, query: str, limit: int = 10) -> list[str]:
    """The reference: every article's title and body checked, newest first."""
    when = func.coalesce(A.c.published, A.c.fetched_at)
    stmt = (select(*_LIST_COLUMNS).where(*_contains_all(query.split(), A.c.title, A.c.body))
            .order_by(when.desc(), A.c.id.desc()).limit(limit))
    async with store.engine.connect() as conn:
        return [r.url for r in (await conn.execute(stmt)).all()]


async def measure_search(store: Store, filled: FillResult, n: int, n_reference: int) -> list[tuple]:
    """Per kind: (kind, median, p95, hits/query, ref median, ref p95, answers differing, plan lines)."""
    for q in query_kinds(filled, 5, seed=99)["two words"]:  # warm-up
        await store.articles.search(q)
    out = []
    for kind, queries in query_kinds(filled, n).items():
        timings, hits, slowest = [], 0, ("", 0.0)
        for q in queries:
            t = time.perf_counter()
            rows = await store.articles.search(q)
            ms = (time.perf_counter() - t) * 1000
            timings.append(ms)
            hits += len(rows)
            slowest = max(slowest, (q, ms), key=lambda s: s[1])
        ref_timings, differing = [], 0
        for q in queries[:n_reference]:
            t = time.perf_counter()
            expected = await full_scan(store, q)
            ref_timings.append((time.perf_counter() - t) * 1000)
            differing += [r.url for r in await store.articles.search(q)] != expected
        med, p95 = percentiles(timings)
        plans = []
        if p95 > TARGET_P95_MS:
            plans = [f"  over target: plans of the slowest, /search {slowest[0]} ({slowest[1]:.1f} ms)"]
            plans += await plan_top_nodes(store, lambda q=slowest[0]: store.articles.search(q), lines=3)
        out.append((kind, med, p95, hits / len(queries), *percentiles(ref_timings), differing, plans))
    return out


def print_search(label: str, rows: list[tuple]) -> None:
    print(f"/search on {label}: ours next to the full-scan reference (target p95 <= {TARGET_P95_MS:.0f} ms)")
    print(f"  {'query kind':12} {'median ms':>10} {'p95 ms':>8} {'hits':>5} {'ref median':>11} {'ref p95':>8} {'answers != ref':>15}")
    for kind, med, p95, hits, rmed, rp95, differing, plans in rows:
        print(f"  {kind:12} {med:>10.2f} {p95:>8.2f} {hits:>5.1f} {rmed:>11.1f} {rp95:>8.1f} {differing:>15}")
        for line in plans:
            print(line)
    print(flush=True)


async def run(label: str, target: str, args) -> None:
    store = await Store.open(target)
    try:
        started = time.perf_counter()
        filled = await fill(store, args.articles)
        print(f"{label}: filled {args.articles:,} articles in {time.perf_counter() - started:.1f} s", flush=True)
        print_search(label, await measure_search(store, filled, args.queries, args.reference_queries))
    finally:
        await store.close()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=40, help="per query kind")
    parser.add_argument("--reference-queries", type=int, default=5, help="per query kind, for the full scan")
    parser.add_argument("--backend", choices=["both", "sqlite", "postgresql"], default="both",
                        help="one backend only (to run the two in parallel processes)")
    args = parser.parse_args()
    await on_each_backend(run, args, "search.db")


if __name__ == "__main__":
    asyncio.run(main())
