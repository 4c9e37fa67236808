"""The people index: one person across articles, their roles with dates, mentions and quotes.

Identity: ``names.person_key`` folds spelling and transliteration ("Zelenskiy" and "Zelensky"
share a key); people are looked up by surname key and then compared with ``names.same_person``
so two different Johnsons stay two.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import desc, func, select, text, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from digests.answers import ArticleRef, PersonCard, QuoteRef, WhoCard
from digests.models import Analysis, Person
from digests.store import schema
from digests.store.db import as_utc
from digests.understand.names import best_role, person_key, same_person

__all__ = ["PeopleRepository", "save_people", "surname_key"]

P = schema.people
R = schema.person_roles
M = schema.mentions
Q = schema.quotes
A = schema.articles


def surname_key(name: str, kind: str = "person") -> str:
    if kind == "org":
        return person_key(name)
    parts = name.split()
    return person_key(parts[-1]) if parts else ""


async def _resolve(conn: AsyncConnection, person: Person, seen: datetime) -> int:
    key, skey = person_key(person.name), surname_key(person.name, person.kind)
    if conn.dialect.name == "postgresql":
        # Two workers meeting the same new person at once must not create it twice.
        await conn.execute(text("SELECT pg_advisory_xact_lock(hashtext(:k))"), {"k": skey})
    rows = (
        await conn.execute(
            select(P.c.id, P.c.key, P.c.name, P.c.role, P.c.aliases, P.c.last_seen).where(
                P.c.surname_key == skey, P.c.kind == person.kind
            )
        )
    ).all()
    matches = [r for r in rows if r.key == key] or [r for r in rows if same_person(r.name, person.name)]
    if not matches:
        # A bare surname ("Zelenskiy") belongs with a known full name of that surname, and a
        # full name claims a record known only by its surname; the role then picks among namesakes.
        bare = len(person.name.split()) == 1
        matches = [r for r in rows if bare or len(r.name.split()) == 1]
    if matches:
        role_words = {w.lower() for role in person.roles for w in role.split()}
        matches.sort(
            key=lambda r: (bool(role_words & set((r.role or "").lower().split())), as_utc(r.last_seen) or seen),
            reverse=True,
        )
        best = matches[0]
        aliases = sorted(set(best.aliases or []) | set(person.aliases) | ({best.name} - {person.name}))
        values: dict = {"aliases": aliases}
        # Keep the fullest form of the name ("Andrii Yermak" over "Yermak").
        if len(person.name.split()) > len(best.name.split()):
            values["name"] = person.name
            values["key"] = key
            values["aliases"] = sorted(set(aliases) - {person.name})
        if person.roles and (best.last_seen is None or as_utc(best.last_seen) <= seen):
            values["role"] = best_role(person.roles)
            values["last_seen"] = seen
        await conn.execute(update(P).where(P.c.id == best.id).values(**values))
        return best.id
    result = await conn.execute(
        P.insert().values(
            key=key, surname_key=skey, name=person.name, kind=person.kind,
            role=best_role(person.roles) if person.roles else None,
            aliases=sorted(set(person.aliases)), last_seen=seen,
        )
    )
    return result.inserted_primary_key[0]


async def save_people(conn: AsyncConnection, article_id: int, analysis: Analysis, *, published: datetime) -> None:
    """Index the article's people, roles, mentions and quotes (inside the caller's transaction)."""
    ids: dict[str, int] = {}
    counts: dict[int, int] = {}
    for person in analysis.people:
        if not person.name.strip():
            continue
        pid = await _resolve(conn, person, published)
        for form in (person.name, *person.aliases):
            ids.setdefault(form, pid)
        counts[pid] = counts.get(pid, 0) + max(1, person.mentions)
        if person.roles:
            await conn.execute(
                R.insert(), [dict(person_id=pid, article_id=article_id, role=r, seen_at=published) for r in person.roles]
            )
    if counts:
        await conn.execute(
            M.insert(), [dict(person_id=p, article_id=article_id, count=c, published=published) for p, c in counts.items()]
        )
    rows = [
        dict(
            article_id=article_id, person_id=ids.get(q.speaker or ""), position=i, text=q.text, speaker=q.speaker,
            speaker_role=q.speaker_role, minor=q.minor, key=q.key, published=published,
        )
        for i, q in enumerate(analysis.quotes)
    ]
    if rows:
        await conn.execute(Q.insert(), rows)


class PeopleRepository:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def who(self, query: str, *, quotes: int = 5, articles: int = 5, candidates: int = 5) -> WhoCard:
        """Everyone the store knows by this name: full name, best role, quotes, articles."""
        query = " ".join(query.split())
        if not query:
            return WhoCard(query=query)
        key = person_key(query)
        skey = surname_key(query)
        async with self._engine.connect() as conn:
            rows = (
                await conn.execute(
                    select(P.c.id, P.c.name, P.c.role, P.c.aliases, P.c.key, P.c.kind).where(
                        (P.c.key == key) | (P.c.surname_key == skey) | (P.c.surname_key == key)
                    )
                )
            ).all()
            if len(query.split()) > 1:
                rows = [r for r in rows if r.key == key or same_person(r.name, query)]
            counts: dict[int, int] = {}
            ids = [r.id for r in rows]
            for i in range(0, len(ids), 500):
                counted = await conn.execute(
                    select(M.c.person_id, func.count()).where(M.c.person_id.in_(ids[i : i + 500])).group_by(M.c.person_id)
                )
                counts.update({pid: n for pid, n in counted.all()})
            cards = [(counts.get(r.id, 0), r) for r in rows]
            # People before organisations: an org that shares a surname key never outranks a person.
            cards.sort(key=lambda c: (c[1].kind != "person", -c[0], c[1].name))
            result = WhoCard(query=query)
            # The best-known match gets quotes and articles; other candidates (namesakes)
            # are listed with their roles so the asker can pick one by full name.
            for rank, (mention_count, r) in enumerate(cards[:candidates]):
                detail = rank == 0
                result.matches.append(
                    await self._card(conn, r, mention_count, quotes if detail else 0, articles if detail else 1)
                )
        return result

    async def _card(self, conn: AsyncConnection, r, mention_count: int, n_quotes: int, n_articles: int) -> PersonCard:
        role_rows = (
            await conn.execute(
                select(R.c.role, func.max(R.c.seen_at).label("seen"))
                .where(R.c.person_id == r.id)
                .group_by(R.c.role)
                .order_by(desc("seen"))
                .limit(10)
            )
        ).all()
        quote_rows = [] if not n_quotes else (
            await conn.execute(
                select(Q.c.text, Q.c.speaker, Q.c.speaker_role, Q.c.published, A.c.url, A.c.title, A.c.headline)
                .join(A, A.c.id == Q.c.article_id)
                .where(Q.c.person_id == r.id, Q.c.minor.is_(False))
                .order_by(Q.c.published.desc(), Q.c.article_id.desc(), Q.c.position)
                .limit(n_quotes)
            )
        ).all()
        article_rows = (
            await conn.execute(
                select(A.c.title, A.c.headline, A.c.url, A.c.published, A.c.site_name, A.c.source)
                .join(M, M.c.article_id == A.c.id)
                .where(M.c.person_id == r.id)
                .order_by(M.c.published.desc(), A.c.id.desc())
                .limit(n_articles)
            )
        ).all()
        return PersonCard(
            name=r.name,
            # PersonCard has no kind field yet: an organisation's card says so in its role line.
            role=r.role if r.kind == "person" else ("organisation" + (f", {r.role}" if r.role else "")),
            roles=[row.role for row in role_rows],
            mentions=mention_count,
            quotes=[
                QuoteRef(
                    text=q.text, speaker=r.name, speaker_role=q.speaker_role or r.role, url=q.url,
                    article_title=q.headline or q.title, published=as_utc(q.published),
                )
                for q in quote_rows
            ],
            articles=[
                ArticleRef(title=a.headline or a.title, url=a.url, published=as_utc(a.published), source=a.site_name or a.source)
                for a in article_rows
            ],
        )
