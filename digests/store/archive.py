"""Read-only queries for the web archive: archived digests, stories, an article's quotes
and people, a person's roles over time and daily mentions.

Public pages use an engine opened read-only (:func:`open_readonly_engine`), so a bug in a
page can never write to the store.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import event, func, select
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from digests.store import schema
from digests.store.archive_schema import sent_digests
from digests.store.articles import ArticleRepository, ArticleRow
from digests.store.db import as_utc, database_url

__all__ = [
    "ArchiveReader",
    "ArchivedDigest",
    "ArticleDetail",
    "MentionSeries",
    "PersonDetail",
    "PersonLink",
    "QuoteRow",
    "RoleSpan",
    "drop_dead_letter",
    "open_readonly_engine",
    "person_id_from_slug",
    "person_slug",
]

A, P, Q, M, R, D = schema.articles, schema.people, schema.quotes, schema.mentions, schema.person_roles, sent_digests


def _sqlite_readonly(dbapi_conn, _record) -> None:
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA query_only=ON")  # refuses every write on this connection
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def open_readonly_engine(target: str) -> AsyncEngine:
    """An engine for the same database that cannot write (SQLite ``query_only``, PostgreSQL
    ``default_transaction_read_only``). The store must already exist and be migrated."""
    url = database_url(target)
    if make_url(url).get_backend_name() == "sqlite":
        engine = create_async_engine(url, connect_args={"timeout": 30})
        event.listen(engine.sync_engine, "connect", _sqlite_readonly)
        return engine
    return create_async_engine(
        url, pool_size=5, max_overflow=5, pool_pre_ping=True,
        connect_args={"server_settings": {"default_transaction_read_only": "on"}},
    )


def person_slug(person_id: int, name: str) -> str:
    """``/people/12-andrii-yermak``: the id makes it unique, the name makes it readable."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    words = re.findall(r"[a-z0-9]+", ascii_name)
    return f"{person_id}-{'-'.join(words)}" if words else str(person_id)


def person_id_from_slug(slug: str) -> int | None:
    match = re.match(r"(\d{1,18})(?:-|$)", slug)
    return int(match.group(1)) if match else None


@dataclass
class ArchivedDigest:
    slug: str
    title: str
    since: datetime
    until: datetime
    created_at: datetime
    keywords: list[str]
    content: dict[str, Any]  # the Digest as JSON: sections -> items (headline, summary, key_quote...)

    @property
    def items(self) -> list[dict[str, Any]]:
        return [item for section in self.content.get("sections", []) for item in section.get("items", [])]


@dataclass
class QuoteRow:
    text: str
    speaker: str | None
    speaker_role: str | None
    person_id: int | None
    article_id: int
    published: datetime | None
    key: bool = False
    minor: bool = False  # a scare quote or fragment: listed on the article, not on the story


@dataclass
class PersonLink:
    id: int
    name: str
    role: str | None
    slug: str


@dataclass
class ArticleDetail:
    article: ArticleRow
    quotes: list[QuoteRow]
    people: list[PersonLink]


@dataclass
class RoleSpan:
    role: str
    first_seen: datetime | None
    last_seen: datetime | None
    articles: int


@dataclass
class PersonDetail:
    link: PersonLink
    kind: str
    aliases: list[str]
    mentions: int
    roles: list[RoleSpan] = field(default_factory=list)  # most recent first
    quotes_by_article: list[tuple[ArticleRow, list[QuoteRow]]] = field(default_factory=list)


@dataclass
class MentionSeries:
    """Per day over a window: articles naming the person and quotes by them."""

    days: list[date]
    articles: list[int]
    quotes: list[int]


def _digest(m) -> ArchivedDigest:
    return ArchivedDigest(
        slug=m["slug"], title=m["title"], since=as_utc(m["since"]), until=as_utc(m["until"]),
        created_at=as_utc(m["created_at"]), keywords=list(m["keywords"] or []), content=dict(m["content"] or {}),
    )


def _quote(m) -> QuoteRow:
    return QuoteRow(text=m["text"], speaker=m["speaker"], speaker_role=m["speaker_role"], person_id=m["person_id"],
                    article_id=m["article_id"], published=as_utc(m["published"]), key=bool(m["key"]),
                    minor=bool(m["minor"]))


class ArchiveReader:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self.articles = ArticleRepository(engine)

    async def digests_page(self, page: int = 1, per_page: int = 20, *, keyword: str | None = None) -> tuple[list[ArchivedDigest], int]:
        """Archived digests newest first, one page, and the total count. ``keyword``: only
        digests of subscriptions filtering on it (case-insensitive)."""
        query = select(D).order_by(D.c.until.desc(), D.c.id.desc())
        async with self._engine.connect() as conn:
            if keyword is None:
                total = (await conn.execute(select(func.count()).select_from(D))).scalar_one()
                rows = (await conn.execute(query.limit(per_page).offset((page - 1) * per_page))).all()
                return [_digest(r._mapping) for r in rows], total
            # JSON containment differs per dialect; the archive is small enough to filter here.
            wanted = keyword.casefold()
            matching = [_digest(r._mapping) for r in (await conn.execute(query)).all()]
        matching = [d for d in matching if wanted in {k.casefold() for k in d.keywords}]
        return matching[(page - 1) * per_page : page * per_page], len(matching)

    async def digest(self, slug: str) -> ArchivedDigest | None:
        async with self._engine.connect() as conn:
            row = (await conn.execute(select(D).where(D.c.slug == slug))).first()
        return _digest(row._mapping) if row else None

    async def story(self, story_id: str, limit: int = 50) -> list[ArticleRow]:
        """The articles of one story (its sources), oldest first."""
        async with self._engine.connect() as conn:
            ids = (await conn.execute(
                select(A.c.id).where(A.c.story_id == story_id).order_by(func.coalesce(A.c.published, A.c.fetched_at), A.c.id).limit(limit)
            )).scalars().all()
        rows = [await self.articles.get(i) for i in ids]
        return [r for r in rows if r is not None]

    async def article(self, article_id: int) -> ArticleDetail | None:
        row = await self.articles.get(article_id)
        if row is None:
            return None
        async with self._engine.connect() as conn:
            quotes = [_quote(r._mapping) for r in (await conn.execute(
                select(Q).where(Q.c.article_id == article_id).order_by(Q.c.position))).all()]
            people = (await conn.execute(
                select(P.c.id, P.c.name, P.c.role).join(M, M.c.person_id == P.c.id)
                .where(M.c.article_id == article_id).order_by(M.c.count.desc(), P.c.name))).all()
        return ArticleDetail(row, quotes, [PersonLink(p.id, p.name, p.role, person_slug(p.id, p.name)) for p in people])

    async def person_id_by_name(self, name: str) -> int | None:
        """The id behind a name on a ``/who`` card (the best-known one when names repeat)."""
        async with self._engine.connect() as conn:
            rows = (await conn.execute(
                select(P.c.id, func.count(M.c.article_id).label("n")).outerjoin(M, M.c.person_id == P.c.id)
                .where(P.c.name == name).group_by(P.c.id).order_by(func.count(M.c.article_id).desc(), P.c.id).limit(1)
            )).first()
        return rows[0] if rows else None

    async def person_link(self, person_id: int) -> PersonLink | None:
        """Just the name and role (for the chart, which needs nothing more)."""
        async with self._engine.connect() as conn:
            p = (await conn.execute(select(P.c.id, P.c.name, P.c.role).where(P.c.id == person_id))).first()
        return PersonLink(p.id, p.name, p.role, person_slug(p.id, p.name)) if p else None

    async def person(self, person_id: int, *, max_articles: int = 50) -> PersonDetail | None:
        async with self._engine.connect() as conn:
            p = (await conn.execute(select(P).where(P.c.id == person_id))).first()
            if p is None:
                return None
            mentions = (await conn.execute(select(func.count()).select_from(M).where(M.c.person_id == person_id))).scalar_one()
            spans = (await conn.execute(
                select(R.c.role, func.min(R.c.seen_at), func.max(R.c.seen_at), func.count(func.distinct(R.c.article_id)))
                .where(R.c.person_id == person_id).group_by(R.c.role).order_by(func.max(R.c.seen_at).desc())
            )).all()
            quotes = [_quote(r._mapping) for r in (await conn.execute(
                select(Q).where(Q.c.person_id == person_id)
                .order_by(Q.c.published.desc(), Q.c.article_id.desc(), Q.c.position).limit(500))).all()]
        link = PersonLink(p.id, p.name, p.role, person_slug(p.id, p.name))
        detail = PersonDetail(link=link, kind=p.kind, aliases=list(p.aliases or []), mentions=mentions,
                              roles=[RoleSpan(r[0], as_utc(r[1]), as_utc(r[2]), r[3]) for r in spans])
        grouped: dict[int, list[QuoteRow]] = {}
        for q in quotes:
            grouped.setdefault(q.article_id, []).append(q)
        wanted = list(grouped)[:max_articles]
        rows = await self._article_rows(wanted)
        detail.quotes_by_article = [(rows[i], grouped[i]) for i in wanted if i in rows]
        return detail

    async def _article_rows(self, ids: list[int]) -> dict[int, ArticleRow]:
        """Listing fields of many articles in one query (no body, URLs or links)."""
        if not ids:
            return {}
        cols = [A.c.id, A.c.url, A.c.title, A.c.title_generated, A.c.headline, A.c.source, A.c.site_name,
                A.c.authors, A.c.published, A.c.fetched_at, A.c.summary, A.c.story_id, A.c.language]
        async with self._engine.connect() as conn:
            found = (await conn.execute(select(*cols).where(A.c.id.in_(ids)))).all()
        return {
            m["id"]: ArticleRow(
                id=m["id"], url=m["url"], title=m["title"], title_generated=bool(m["title_generated"]),
                headline=m["headline"], source=m["source"], site_name=m["site_name"], authors=list(m["authors"] or []),
                published=as_utc(m["published"]), fetched_at=as_utc(m["fetched_at"]), summary=list(m["summary"] or []),
                story_id=m["story_id"], language=m["language"],
            )
            for m in (r._mapping for r in found)
        }

    async def mention_series(self, person_id: int, *, days: int = 90, today: date | None = None) -> MentionSeries:
        """Articles naming the person and quotes by them, per UTC day, the last ``days`` days."""
        today = today or datetime.now(UTC).date()
        first = today - timedelta(days=days - 1)
        since = datetime(first.year, first.month, first.day, tzinfo=UTC)
        async with self._engine.connect() as conn:
            article_days = (await conn.execute(
                select(M.c.published).where(M.c.person_id == person_id, M.c.published >= since))).scalars().all()
            quote_days = (await conn.execute(
                select(Q.c.published).where(Q.c.person_id == person_id, Q.c.published >= since, Q.c.minor.is_(False))
            )).scalars().all()
        calendar = [first + timedelta(days=i) for i in range(days)]
        index = {d: i for i, d in enumerate(calendar)}
        articles, quote_counts = [0] * days, [0] * days
        for values, counts in ((article_days, articles), (quote_days, quote_counts)):
            for value in values:
                i = index.get(as_utc(value).date()) if value else None
                if i is not None:
                    counts[i] += 1
        return MentionSeries(calendar, articles, quote_counts)


# -- the one admin write (uses the writable engine, never the read-only one) ----------------


async def drop_dead_letter(engine: AsyncEngine, row_id: int) -> bool:
    """Delete a dead letter the operator gave up on; False when it is not a dead letter."""
    O = schema.outbox
    async with engine.begin() as conn:
        result = await conn.execute(O.delete().where(O.c.id == row_id, O.c.state == "dead"))
    return (result.rowcount or 0) > 0
