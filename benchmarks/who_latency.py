"""/who latency on a store of many generated articles (default 100,000), SQLite and PostgreSQL
side by side in one run.

The store is filled with bulk inserts (articles, people, mentions, roles, quotes shaped like
real ones: 5,000 people with surnames shared by several, 3 people and 2 quotes per article),
then ``store.people.who(surname)`` is timed for random people; prints median and p95.

    python benchmarks/who_latency.py [--articles 100000] [--queries 300]
    (PostgreSQL runs when NEWSDIGEST_TEST_POSTGRES_URL is set; target p95 <= 20 ms)
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from digests.store import Store, schema  # noqa: E402
from digests.store.people import surname_key  # noqa: E402
from digests.understand.names import person_key  # noqa: E402

FIRST = ["Anna", "Boris", "Carla", "Dmytro", "Elena", "Farid", "Greta", "Hiro", "Ines", "Jonas", "Kateryna", "Liam",
         "Maya", "Nikolai", "Olga", "Pablo", "Queenie", "Rafael", "Sofia", "Taras"]
# Letters only: names are keyed by their letters, so digits would make every surname the same.
_SYLLABLES = ["ko", "va", "len", "mar", "ti", "sha", "ber", "no", "ru", "gel", "da", "pin", "sol", "fe", "ka", "mo"]
LAST = sorted({(a + b + c).capitalize() + "son" for a in _SYLLABLES for b in _SYLLABLES for c in _SYLLABLES[:6]})
ROLES = ["Minister of Finance", "mayor", "spokesperson", "Chief of Staff", "CEO", "coach", "senator", "analyst"]


async def fill(store: Store, n_articles: int, n_people: int = 5000, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    people = []
    for pid in range(1, n_people + 1):
        name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        people.append(dict(id=pid, key=person_key(name), surname_key=surname_key(name), name=name, kind="person",
                           role=rng.choice(ROLES), aliases=[name.split()[-1]], last_seen=None))
    t0 = datetime(2026, 1, 1, tzinfo=timezone.utc)
    batch = 5000
    async with store.engine.begin() as conn:
        await conn.execute(schema.people.insert(), people)
    qid = 0
    for start in range(1, n_articles + 1, batch):
        ids = range(start, min(start + batch, n_articles + 1))
        arts, mentions, roles, quotes = [], [], [], []
        for aid in ids:
            when = t0 + timedelta(minutes=aid)
            arts.append(dict(id=aid, url=f"https://news.example/{aid}", source="bench", title=f"Story {aid}",
                             title_generated=False, authors=[], published=when, fetched_at=when,
                             body="Body " * 50, summary=["Summary."], story_id=uuid.uuid4().hex[:16]))
            for pid in rng.sample(range(1, n_people + 1), 3):
                mentions.append(dict(person_id=pid, article_id=aid, count=2, published=when))
                roles.append(dict(person_id=pid, article_id=aid, role=people[pid - 1]["role"], seen_at=when))
            for pos in range(2):
                qid += 1
                quotes.append(dict(id=qid, article_id=aid, person_id=mentions[-1 - pos]["person_id"], position=pos,
                                   text=f"Quote {qid} about the budget and the harbour.", speaker=None,
                                   speaker_role=None, minor=False, key=pos == 0, published=when))
        async with store.engine.begin() as conn:
            await conn.execute(schema.articles.insert(), arts)
            await conn.execute(schema.mentions.insert(), mentions)
            await conn.execute(schema.person_roles.insert(), roles)
            await conn.execute(schema.quotes.insert(), quotes)
    if store.dialect == "postgresql":
        async with store.engine.begin() as conn:
            from sqlalchemy import text

            for table in ("people", "articles", "quotes", "person_roles"):
                await conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"))
            await conn.execute(text("ANALYZE"))
    return [p["name"].split()[-1] for p in people]


async def measure(target: str, n_articles: int, n_queries: int) -> tuple[float, float, float, int]:
    store = await Store.open(target)
    try:
        started = time.perf_counter()
        surnames = await fill(store, n_articles)
        fill_s = time.perf_counter() - started
        rng = random.Random(1)
        for name in rng.sample(surnames, 20):  # warm-up
            await store.people.who(name)
        timings, matches = [], 0
        for name in rng.choices(surnames, k=n_queries):
            t = time.perf_counter()
            card = await store.people.who(name)
            timings.append((time.perf_counter() - t) * 1000)
            matches += len(card.matches)
        timings.sort()
        return statistics.median(timings), timings[int(0.95 * len(timings)) - 1], fill_s, matches
    finally:
        await store.close()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=300)
    args = parser.parse_args()
    targets = []
    tmp = tempfile.TemporaryDirectory()
    targets.append(("SQLite", str(Path(tmp.name) / "who.db"), None))
    pg = os.environ.get("NEWSDIGEST_TEST_POSTGRES_URL")
    if pg:
        sys.path.insert(0, str(ROOT))
        from tests.store_fixtures import fresh_postgres

        targets.append(("PostgreSQL", None, fresh_postgres))
    else:
        print("PostgreSQL: skipped (NEWSDIGEST_TEST_POSTGRES_URL not set)")
    print(f"/who on {args.articles:,} articles, {args.queries} queries of random surnames")
    print(f"{'backend':12} {'median ms':>10} {'p95 ms':>8} {'fill s':>8} {'matches/query':>14}")
    for label, path, factory in targets:
        if factory is None:
            med, p95, fill_s, matches = await measure(path, args.articles, args.queries)
        else:
            async for url in factory():
                med, p95, fill_s, matches = await measure(url, args.articles, args.queries)
        print(f"{label:12} {med:>10.2f} {p95:>8.2f} {fill_s:>8.1f} {matches / args.queries:>14.2f}")
    print("target: p95 <= 20 ms", flush=True)
    tmp.cleanup()


if __name__ == "__main__":
    asyncio.run(main())
