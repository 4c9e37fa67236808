"""Articles: saving an analysed article (with its URLs, links, people and quotes) in one
transaction, dedup look-ups, listing and search."""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, literal_column, or_, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from digests.answers import QuoteRef
from digests.models import Analysis, Link
from digests.store import schema
from digests.store.db import as_utc, utcnow
from digests.store.people import save_people

__all__ = ["ArticleRow", "SaveResult", "ArticleRepository", "guid_key"]

A = schema.articles
U = schema.article_urls
L = schema.links


def guid_key(guid: str) -> str:
    """Feed GUIDs live in the URL index under their own prefix (a GUID is not always a URL)."""
    return f"guid:{guid}"


@dataclass
class ArticleRow:
    id: int
    url: str
    title: str
    title_generated: bool
    headline: str | None
    source: str
    site_name: str | None
    authors: list[str]
    published: datetime | None
    fetched_at: datetime | None
    summary: list[str]
    story_id: str
    language: str | None = None
    body: str = ""
    urls: list[str] = field(default_factory=list)
    related: list[Link] = field(default_factory=list)
    vector: dict | None = None  # top terms (loaded for digest windows only)

    @property
    def display_title(self) -> str:
        return self.headline or self.title


@dataclass
class SaveResult:
    article_id: int
    created: bool  # False when it was a duplicate: its URLs were added to the stored article


def _row(m, *, with_body: bool = False) -> ArticleRow:
    return ArticleRow(
        id=m["id"], url=m["url"], title=m["title"], title_generated=bool(m["title_generated"]),
        headline=m["headline"], source=m["source"], site_name=m["site_name"], authors=list(m["authors"] or []),
        published=as_utc(m["published"]), fetched_at=as_utc(m["fetched_at"]), summary=list(m["summary"] or []),
        story_id=m["story_id"], language=m["language"], body=m["body"] if with_body else "",
    )


_LIST_COLUMNS = [c for c in A.c if c.name not in ("body", "vector")]


# How many of the newest articles search scans before it asks the substring index.
_SEARCH_PROBE = 2000


class ArticleRepository:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._search_index: bool | None = None  # looked up on first use

    async def known_urls(self, urls: list[str]) -> set[str]:
        """Which of these URLs (or guid keys) are already stored."""
        if not urls:
            return set()
        found: set[str] = set()
        async with self._engine.connect() as conn:
            for i in range(0, len(urls), 500):
                chunk = urls[i : i + 500]
                found.update(r[0] for r in (await conn.execute(select(U.c.url).where(U.c.url.in_(chunk)))).all())
        return found

    async def id_for_urls(self, urls: list[str]) -> int | None:
        if not urls:
            return None
        async with self._engine.connect() as conn:
            row = (await conn.execute(select(U.c.article_id).where(U.c.url.in_(urls)).limit(1))).first()
        return row[0] if row else None

    async def recent_signatures(self, since: datetime) -> list[tuple[int, str, int | None, dict | None]]:
        """(id, story_id, fingerprint, vector) of articles fetched or published since ``since``:
        what a new article is compared with for near-duplicates and story clusters."""
        async with self._engine.connect() as conn:
            rows = (
                await conn.execute(
                    select(A.c.id, A.c.story_id, A.c.fingerprint, A.c.vector).where(
                        or_(A.c.published >= since, A.c.fetched_at >= since)
                    )
                )
            ).all()
        return [(r[0], r[1], r[2], r[3]) for r in rows]

    async def add_urls(self, article_id: int, urls: list[str]) -> None:
        async with self._engine.begin() as conn:
            await _insert_urls(conn, article_id, urls)

    async def save(
        self,
        analysis: Analysis,
        *,
        source_id: int | None = None,
        fingerprint: int | None = None,
        vector: dict | None = None,
        story_id: str | None = None,
        duplicate_of: int | None = None,
    ) -> SaveResult:
        """Store an analysed article once. Every URL it was seen under is indexed; if any of
        them (or ``duplicate_of``) is already stored, only the new URLs are added."""
        art = analysis.article
        urls = _urls_of(analysis)
        existing = duplicate_of or await self.id_for_urls(urls)
        if existing:
            await self.add_urls(existing, urls)
            return SaveResult(existing, False)
        now = utcnow()
        try:
            async with self._engine.begin() as conn:
                result = await conn.execute(
                    A.insert().values(
                        url=art.url, guid=art.guid, source_id=source_id, source=art.source, title=art.title,
                        title_generated=art.title_generated, headline=analysis.headline, authors=list(art.authors),
                        published=art.published, updated=art.updated, fetched_at=now, site_name=art.site_name,
                        language=art.language, image=art.image, description=art.description, body=art.body,
                        summary=list(analysis.summary), fingerprint=fingerprint, vector=vector,
                        story_id=story_id or uuid.uuid4().hex[:16],
                    )
                )
                article_id = result.inserted_primary_key[0]
                await _insert_urls(conn, article_id, urls)
                link_rows = [dict(article_id=article_id, kind="related", title=l.title, url=l.url) for l in art.related]
                link_rows += [dict(article_id=article_id, kind="body", title=l.title, url=l.url) for l in art.links]
                if link_rows:
                    await conn.execute(L.insert(), link_rows)
                await save_people(conn, article_id, analysis, published=art.published or now)
        except IntegrityError:
            # Another worker stored the same URL between our look-up and insert.
            existing = await self.id_for_urls(urls)
            if existing is None:
                raise
            await self.add_urls(existing, urls)
            return SaveResult(existing, False)
        return SaveResult(article_id, True)

    async def get(self, article_id: int) -> ArticleRow | None:
        async with self._engine.connect() as conn:
            row = (await conn.execute(select(A).where(A.c.id == article_id))).first()
            if row is None:
                return None
            article = _row(row._mapping, with_body=True)
            article.urls = [r[0] for r in (await conn.execute(select(U.c.url).where(U.c.article_id == article_id))).all()]
            rel = await conn.execute(select(L.c.title, L.c.url).where(L.c.article_id == article_id, L.c.kind == "related"))
            article.related = [Link(r[0], r[1]) for r in rel.all()]
        return article

    async def count(self) -> int:
        async with self._engine.connect() as conn:
            return (await conn.execute(select(func.count()).select_from(A))).scalar_one()

    async def latest(self, limit: int = 20, *, since: datetime | None = None, after_id: int | None = None) -> list[ArticleRow]:
        """Newest first, by published time (fetch time when the page gave none)."""
        when = func.coalesce(A.c.published, A.c.fetched_at)
        query = select(*_LIST_COLUMNS)
        if since is not None:
            query = query.where(when >= since)
        if after_id is not None:
            query = query.where(A.c.id > after_id)
        query = query.order_by(when.desc(), A.c.id.desc()).limit(limit)
        async with self._engine.connect() as conn:
            rows = (await conn.execute(query)).all()
        return [_row(r._mapping) for r in rows]

    async def in_window(self, since: datetime, until: datetime, *, by: str = "published", limit: int = 2000) -> list[ArticleRow]:
        """Articles of a digest window, with body and related links (for composing); ``by``
        "published" (fetch time when undated) or "arrived" (fetch time)."""
        when = A.c.fetched_at if by == "arrived" else func.coalesce(A.c.published, A.c.fetched_at)
        async with self._engine.connect() as conn:
            rows = (
                await conn.execute(
                    select(A).where(when >= since, when <= until).order_by(when.desc(), A.c.id.desc()).limit(limit)
                )
            ).all()
            articles = [_row(r._mapping, with_body=True) for r in rows]
            for article, r in zip(articles, rows):
                article.vector = r._mapping["vector"]
            by_id = {a.id: a for a in articles}
            ids = list(by_id)
            for i in range(0, len(ids), 500):
                rel = await conn.execute(
                    select(L.c.article_id, L.c.title, L.c.url).where(L.c.article_id.in_(ids[i : i + 500]), L.c.kind == "related")
                )
                for aid, title, url in rel.all():
                    by_id[aid].related.append(Link(title, url))
        return articles

    async def search(self, query: str, limit: int = 10) -> list[ArticleRow]:
        """Articles whose title or body contains every word of the query, newest first.

        Two steps, each exact: the newest ``_SEARCH_PROBE`` articles are scanned first (a
        common word fills the page there, and any match outside them is older than all of
        them); otherwise the candidates come from the substring index (FTS5 trigram on
        SQLite, pg_trgm GIN on PostgreSQL) and are checked with the same condition."""
        words = [w for w in query.split() if w.strip()]
        if not words:
            return []
        when = func.coalesce(A.c.published, A.c.fetched_at)
        matches = _contains_all(words, A.c.title, A.c.body)
        if self._engine.dialect.name == "sqlite":
            # SQLite walks ix_articles_when down to the K-th newest key and stops at the
            # ``limit``-th match (ties at the bound are in: they are as new as the bound).
            bound = select(when).order_by(when.desc(), A.c.id.desc()).offset(_SEARCH_PROBE - 1).limit(1).scalar_subquery()
            probe = select(*_LIST_COLUMNS).where(when >= bound, *matches).order_by(when.desc(), A.c.id.desc()).limit(limit)
        else:
            # PostgreSQL: the newest K as a subquery that exposes its ordering key, so the
            # outer query keeps the order and stops at the ``limit``-th match (a bound would
            # tempt the planner to the GIN index, which is slow for common words).
            newest = (
                select(*_LIST_COLUMNS, A.c.body.label("body"), when.label("newest_first"))
                .order_by(when.desc(), A.c.id.desc())
                .limit(_SEARCH_PROBE)
                .subquery("newest")
            )
            probe = (
                select(*[newest.c[c.name] for c in _LIST_COLUMNS])
                .where(*_contains_all(words, newest.c.title, newest.c.body))
                .order_by(newest.c.newest_first.desc(), newest.c.id.desc())
                .limit(limit)
            )
        async with self._engine.connect() as conn:
            rows = (await conn.execute(probe)).all()
            if len(rows) < limit:
                rows = (await conn.execute(await self._indexed_search(conn, words, matches, when, limit))).all()
        return [_row(r._mapping) for r in rows]

    async def _indexed_search(self, conn: AsyncConnection, words: list[str], matches: list, when, limit: int):
        if self._search_index is None:
            self._search_index = await schema.has_search_index(conn)
        # The trigram index knows substrings of 3+ characters; shorter words are only checked.
        indexed = [w for w in words if len(w) >= 3]
        stmt = select(*_LIST_COLUMNS).where(*matches)
        if self._search_index and indexed and conn.dialect.name == "sqlite":
            phrase = _trigram_query(indexed)
            candidates = select(literal_column("rowid")).select_from(text("articles_fts")).where(text("articles_fts MATCH :q"))
            stmt = stmt.where(A.c.id.in_(candidates)).params(q=phrase)
        elif self._search_index and indexed:
            # Materialised: the planner must take the candidates from the GIN index, not walk
            # the newest-first index hoping to meet a rare word early.
            found = select(A.c.id).where(*matches).cte("found").prefix_with("MATERIALIZED")
            stmt = select(*_LIST_COLUMNS).where(A.c.id.in_(select(found.c.id)))
        return stmt.order_by(when.desc(), A.c.id.desc()).limit(limit)

    async def people_names(self, article_ids: list[int]) -> dict[int, list[str]]:
        """The people named in each article (for people filters)."""
        P, M = schema.people, schema.mentions
        names: dict[int, list[str]] = {}
        async with self._engine.connect() as conn:
            for i in range(0, len(article_ids), 500):
                rows = await conn.execute(
                    select(M.c.article_id, P.c.name).join(P, P.c.id == M.c.person_id)
                    .where(M.c.article_id.in_(article_ids[i : i + 500]))
                )
                for aid, name in rows.all():
                    names.setdefault(aid, []).append(name)
        return names

    async def key_quotes(self, article_ids: list[int]) -> dict[int, QuoteRef]:
        """The best quote of each article: marked key first, then the earliest non-minor one."""
        Q = schema.quotes
        best: dict[int, QuoteRef] = {}
        async with self._engine.connect() as conn:
            for i in range(0, len(article_ids), 500):
                rows = await conn.execute(
                    select(Q.c.article_id, Q.c.text, Q.c.speaker, Q.c.speaker_role, Q.c.key, Q.c.position)
                    .where(Q.c.article_id.in_(article_ids[i : i + 500]), Q.c.minor.is_(False))
                    .order_by(Q.c.article_id, Q.c.key.desc(), Q.c.position)
                )
                for aid, text, speaker, role, _key, _pos in rows.all():
                    best.setdefault(aid, QuoteRef(text=text, speaker=speaker, speaker_role=role))
        return best


# English letter frequencies (per cent): a trigram of rare letters is held by few articles.
# Any other character (digit, punctuation, another script) counts as rare.
_LETTER_PERCENT = dict(zip("etaoinshrdlcumwfgypbvkjxqz", (12.7, 9.1, 8.2, 7.5, 7.0, 6.7, 6.3, 6.1, 6.0, 4.3, 4.0, 2.8,
                                                          2.8, 2.4, 2.4, 2.2, 2.0, 2.0, 1.9, 1.5, 1.0, 0.8, 0.15, 0.15,
                                                          0.1, 0.07)))


def _trigram_query(words: list[str], per_word: int = 5) -> str:
    """An FTS5 trigram query for articles holding each word's rarest-looking trigrams.

    Any of a word's trigrams is implied by the word, so the answer is a superset of the
    matches, which the LIKE conditions then narrow: exact whatever trigrams are picked. The
    pick only decides the cost: FTS5 reads a trigram's whole posting list, so a common one
    ("the", "son") costs a pass over most of the store, which the whole-word phrase would also
    read. Rarity is guessed from letter frequencies, not looked up (looking it up reads the
    same posting lists)."""
    chosen: set[str] = set()
    for word in words:
        # Sliced from the word as typed: FTS5 folds case itself (str.lower() may change lengths).
        grams = {word[i : i + 3] for i in range(len(word) - 2)}
        chosen.update(sorted(grams, key=lambda g: (math.prod(_LETTER_PERCENT.get(c.lower(), 0.5) for c in g), g))[:per_word])
    return " AND ".join('"' + g.replace('"', '""') + '"' for g in sorted(chosen))


def _contains_all(words: list[str], title, body) -> list:
    """Each word in the title or the body, case-insensitively (LIKE wildcards are literal)."""
    patterns = [f"%{_escape_like(w)}%" for w in words]
    return [or_(title.ilike(p, escape="\\"), body.ilike(p, escape="\\")) for p in patterns]


def _escape_like(word: str) -> str:
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _urls_of(analysis: Analysis) -> list[str]:
    art = analysis.article
    urls = [art.url, *art.alternate_urls]
    if art.guid:
        urls.append(guid_key(art.guid))
    seen: dict[str, None] = {}
    for u in urls:
        if u:
            seen.setdefault(u, None)
    return list(seen)


async def _insert_urls(conn: AsyncConnection, article_id: int, urls: list[str]) -> None:
    known = {r[0] for r in (await conn.execute(select(U.c.url).where(U.c.url.in_(urls)))).all()}
    fresh = [dict(url=u, article_id=article_id) for u in urls if u not in known]
    if fresh:
        await conn.execute(U.insert(), fresh)
