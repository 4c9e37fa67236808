"""A big generated store for the store benchmarks (who_latency.py, search_latency.py).

Articles, people, mentions, roles and quotes shaped like real ones: 5,000 people with surnames
shared by several, 3 people and 2 quotes per article. Titles and bodies are real news
sentences (random ones from ../shared's BBC texts, so words and letter sequences have real
frequencies: what a substring index's cost depends on), and name the article's people; without
../shared, words from a made-up Zipf-distributed vocabulary. Rows go in with the drivers' bulk paths (one executemany transaction per
batch on SQLite, COPY on PostgreSQL), then the statistics are refreshed (ANALYZE; VACUUM on
PostgreSQL so index-only scans work), as an operator would after a bulk load.
"""

from __future__ import annotations

import json
import math
import os
import random
import statistics
import tempfile
import re
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import text

from digests.store import Store, schema
from digests.store.people import surname_key
from digests.understand.names import person_key

__all__ = ["FillResult", "fill", "news_sentences", "on_each_backend", "percentiles", "vocabulary"]

SHARED_TEXTS = Path(__file__).resolve().parents[2] / "shared" / "bench" / "summaries" / "dev-bbc" / "text"

FIRST = ["Anna", "Boris", "Carla", "Dmytro", "Elena", "Farid", "Greta", "Hiro", "Ines", "Jonas", "Kateryna", "Liam",
         "Maya", "Nikolai", "Olga", "Pablo", "Queenie", "Rafael", "Sofia", "Taras"]
# Letters only: names are keyed by their letters, so digits would make every surname the same.
_SYLLABLES = ["ko", "va", "len", "mar", "ti", "sha", "ber", "no", "ru", "gel", "da", "pin", "sol", "fe", "ka", "mo"]
LAST = sorted({(a + b + c).capitalize() + "son" for a in _SYLLABLES for b in _SYLLABLES for c in _SYLLABLES[:6]})
ROLES = ["Minister of Finance", "mayor", "spokesperson", "Chief of Staff", "CEO", "coach", "senator", "analyst"]
_WORD_SYLLABLES = ["al", "be", "cor", "dan", "em", "fro", "gu", "hil", "ist", "jo", "kla", "lum", "mer", "nat", "op",
                   "pre", "qua", "ros", "sti", "tur", "un", "vel", "wix", "yor", "zen"]


def vocabulary(size: int = 15_000, seed: int = 3) -> tuple[list[str], list[float]]:
    """Made-up words and their cumulative Zipf weights (word i has weight 1 / (i + 1))."""
    rng = random.Random(seed)
    words: list[str] = []
    seen: set[str] = set()
    while len(words) < size:
        word = "".join(rng.choice(_WORD_SYLLABLES) for _ in range(rng.randint(2, 4)))
        if word not in seen:
            seen.add(word)
            words.append(word)
    cum, total = [], 0.0
    for i in range(size):
        total += 1.0 / (i + 1)
        cum.append(total)
    return words, cum


def news_sentences() -> tuple[list[str], list[str]]:
    """(titles, sentences) of the BBC texts in ../shared; empty when it is not there."""
    titles: list[str] = []
    sentences: list[str] = []
    if not SHARED_TEXTS.exists():
        return titles, sentences
    for path in sorted(SHARED_TEXTS.glob("*.txt")):
        lines = [line.strip() for line in path.read_text(encoding="utf-8", errors="replace").splitlines() if line.strip()]
        if not lines:
            continue
        titles.append(lines[0])
        for line in lines[1:]:
            sentences.extend(s for s in re.split(r"(?<=[.!?])\s+", line) if len(s) > 20)
    return titles, sentences


class FillResult:
    def __init__(self, surnames: list[str], words: list[str]) -> None:
        self.surnames = surnames  # one per person, in id order
        self.words = words  # the words of the generated text, most frequent first


def _people(n_people: int, rng: random.Random) -> list[dict]:
    people = []
    for pid in range(1, n_people + 1):
        name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        people.append(dict(id=pid, key=person_key(name), surname_key=surname_key(name), name=name, kind="person",
                           role=rng.choice(ROLES), aliases=[name.split()[-1]], last_seen=None))
    return people


def _sqlite_time(value: datetime) -> str:
    # SQLAlchemy's SQLite DateTime storage format (naive UTC).
    return value.replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")


_COLUMNS = {
    "people": ["id", "key", "surname_key", "name", "kind", "role", "aliases", "last_seen"],
    "articles": ["id", "url", "source", "title", "title_generated", "authors", "published", "fetched_at", "body",
                 "summary", "story_id"],
    "mentions": ["person_id", "article_id", "count", "published"],
    "person_roles": ["person_id", "article_id", "role", "seen_at"],
    "quotes": ["id", "article_id", "person_id", "position", "text", "minor", "key", "published"],
}
_JSON = {"aliases", "authors", "summary"}


async def _insert(conn, dialect: str, table: str, rows: list[tuple]) -> None:
    cols = _COLUMNS[table]
    if dialect == "postgresql":
        raw = (await conn.get_raw_connection()).driver_connection
        await raw.copy_records_to_table(table, records=rows, columns=cols)
        return
    marks = ", ".join("?" for _ in cols)
    await conn.exec_driver_sql(f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({marks})", rows)


def _value(dialect: str, col: str, value):
    if col in _JSON:
        return json.dumps(value)
    if isinstance(value, datetime) and dialect == "sqlite":
        return _sqlite_time(value)
    return value


async def fill(store: Store, n_articles: int, n_people: int = 5000, seed: int = 7) -> FillResult:
    rng = random.Random(seed)
    dialect = store.dialect
    titles, sentences = news_sentences()
    words, cum = vocabulary()
    if sentences:
        counts = Counter(w.lower() for s in sentences for w in re.findall(r"[A-Za-z]{3,}", s))
        words = [w for w, _ in counts.most_common()]
    people = _people(n_people, rng)
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    batch = 10_000
    async with store.engine.begin() as conn:
        # The substring index is built far faster at the end than kept up row by row.
        if dialect == "postgresql":
            await conn.execute(text("DROP INDEX IF EXISTS ix_articles_title_trgm, ix_articles_body_trgm"))
        else:
            for trigger in ("articles_fts_insert", "articles_fts_delete", "articles_fts_update"):
                await conn.execute(text(f"DROP TRIGGER IF EXISTS {trigger}"))
        await _insert(conn, dialect, "people", [tuple(_value(dialect, c, p[c]) for c in _COLUMNS["people"]) for p in people])
    qid = 0
    for start in range(1, n_articles + 1, batch):
        arts, mentions, roles, quotes = [], [], [], []
        for aid in range(start, min(start + batch, n_articles + 1)):
            when = t0 + timedelta(minutes=aid)
            cast = rng.sample(range(1, n_people + 1), 3)
            names = [people[pid - 1]["name"] for pid in cast]
            if sentences:
                parts = rng.sample(sentences, 6)
                title = rng.choice(titles)
            else:
                parts = [" ".join(rng.choices(words, cum_weights=cum, k=15)).capitalize() + "." for _ in range(6)]
                title = " ".join(rng.choices(words, cum_weights=cum, k=6)).capitalize()
            for i, name in enumerate(names):
                parts.insert(1 + 2 * i, f"{name} said so.")
            arts.append((aid, f"https://news.example/{aid}", "bench", title, False, [], when, when,
                         " ".join(parts), ["Summary."], uuid.UUID(int=rng.getrandbits(128)).hex[:16]))
            for pid in cast:
                mentions.append((pid, aid, 2, when))
                roles.append((pid, aid, people[pid - 1]["role"], when))
            for pos in range(2):
                qid += 1
                quotes.append((qid, aid, cast[-1 - pos], pos, f"Quote {qid} about the budget and the harbour.",
                               False, pos == 0, when))
        async with store.engine.begin() as conn:
            for table, rows in (("articles", arts), ("mentions", mentions), ("person_roles", roles), ("quotes", quotes)):
                cols = _COLUMNS[table]
                await _insert(conn, dialect, table, [tuple(_value(dialect, c, v) for c, v in zip(cols, r)) for r in rows])
    async with store.engine.connect() as conn:
        if dialect == "postgresql":
            for table in ("people", "articles", "quotes", "person_roles"):
                await conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"))
            await conn.execute(text("SET maintenance_work_mem = '256MB'"))
            if (await conn.execute(text("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'"))).first():
                for statement in schema.POSTGRES_TRGM:
                    await conn.execute(text(statement))
            await conn.commit()
            await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.exec_driver_sql("VACUUM ANALYZE")
        else:
            if await schema.has_search_index(conn):
                for statement in schema.SQLITE_FTS:  # the triggers again, and a rebuild
                    await conn.execute(text(statement))
            await conn.exec_driver_sql("ANALYZE")
            await conn.commit()
    return FillResult([p["name"].split()[-1] for p in people], words)


def percentiles(timings: list[float]) -> tuple[float, float]:
    """(median, p95) of ``timings``."""
    timings = sorted(timings)
    return statistics.median(timings), timings[max(0, math.ceil(0.95 * len(timings)) - 1)]


async def on_each_backend(run: Callable[[str, str, object], Awaitable[None]], args, filename: str) -> None:
    """``run(label, database, args)`` on a temporary SQLite file, then on a fresh PostgreSQL
    database when NEWSDIGEST_TEST_POSTGRES_URL is set; ``args.backend`` picks one of them."""
    if args.backend in ("both", "sqlite"):
        with tempfile.TemporaryDirectory() as tmp:
            await run("SQLite", str(Path(tmp) / filename), args)
    if args.backend == "sqlite":
        return
    if os.environ.get("NEWSDIGEST_TEST_POSTGRES_URL"):
        from tests.store_fixtures import fresh_postgres

        async for url in fresh_postgres():
            await run("PostgreSQL", url, args)
    else:
        print("PostgreSQL: skipped (NEWSDIGEST_TEST_POSTGRES_URL not set)")
