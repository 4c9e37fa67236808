"""The people index: one person across articles, their roles with dates, mentions and quotes.

Identity: ``names.person_key`` folds spelling and transliteration ("Zelenskiy" and "Zelensky"
share a key); people are looked up by surname key and then compared with ``names.same_person``
so two different Johnsons stay two.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Integer,
    bindparam,
    desc,
    func,
    literal_column,
    null,
    select,
    text,
    union_all,
    update,
)
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


# /who's statements are built once (bound parameters, fixed shapes): building a SQLAlchemy
# statement per call costs more than running it, and a fixed shape hits the compiled cache.
_LATEST_MENTION = (
    select(M.c.article_id).where(M.c.person_id == P.c.id)
    .order_by(M.c.published.desc(), M.c.article_id.desc()).limit(1).scalar_subquery()
)
_WHO_PEOPLE = select(
    P.c.id, P.c.name, P.c.role, P.c.aliases, P.c.key, P.c.kind,
    select(func.count()).where(M.c.person_id == P.c.id).scalar_subquery().label("mentions"),
    _LATEST_MENTION.label("latest_article"),
).where((P.c.key == bindparam("key")) | (P.c.surname_key == bindparam("skey")) | (P.c.surname_key == bindparam("key")))
_WHO_ROLES = (
    select(R.c.person_id, R.c.role, func.max(R.c.seen_at).label("seen"))
    .where(R.c.person_id.in_(bindparam("ids", expanding=True)))
    .group_by(R.c.person_id, R.c.role)
    .order_by(R.c.person_id, desc("seen"), R.c.role)
)
_WHO_QUOTES = (
    select(Q.c.text, Q.c.speaker, Q.c.speaker_role, Q.c.published, A.c.url, A.c.title, A.c.headline)
    .join(A, A.c.id == Q.c.article_id)
    .where(Q.c.person_id == bindparam("pid"), Q.c.minor.is_(False))
    .order_by(Q.c.published.desc(), Q.c.article_id.desc(), Q.c.position)
    .limit(bindparam("n", type_=Integer))
)
_ARTICLE_COLUMNS = (A.c.id.label("article_id"), A.c.title, A.c.headline, A.c.url, A.c.published, A.c.site_name, A.c.source)
# The best match's latest articles (M.article_id equals A.id, so ordering by the mentions
# columns lets ix_mentions_person_latest give the order), then the namesakes' latest one each
# (found by _LATEST_MENTION), in one round trip.
_BEST_ARTICLES = (
    select(literal_column("0").label("branch"), M.c.published.label("mentioned"), *_ARTICLE_COLUMNS)
    .join(A, A.c.id == M.c.article_id)
    .where(M.c.person_id == bindparam("pid"))
    .order_by(M.c.published.desc(), M.c.article_id.desc())
    .limit(bindparam("n", type_=Integer))
    .subquery()
)
_OTHER_ARTICLES = select(literal_column("1").label("branch"), null().label("mentioned"), *_ARTICLE_COLUMNS).where(
    A.c.id.in_(bindparam("ids", expanding=True))
)
_WHO_ARTICLES_UNION = union_all(select(*_BEST_ARTICLES.c), _OTHER_ARTICLES).subquery()
_WHO_ARTICLES = select(_WHO_ARTICLES_UNION).order_by(
    _WHO_ARTICLES_UNION.c.branch, _WHO_ARTICLES_UNION.c.mentioned.desc(), _WHO_ARTICLES_UNION.c.article_id.desc()
)


class PeopleRepository:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def who(self, query: str, *, quotes: int = 5, articles: int = 5, candidates: int = 5) -> WhoCard:
        """Everyone the store knows by this name: full name, best role, quotes, articles.

        Four round trips whatever the store's size (people with their mention counts, roles,
        quotes, articles), each an index range bounded by the candidates' own rows: a round
        trip costs more than any of these queries, so there is one per kind, not per candidate."""
        query = " ".join(query.split())
        if not query:
            return WhoCard(query=query)
        key = person_key(query)
        async with self._engine.connect() as conn:
            rows = (await conn.execute(_WHO_PEOPLE, {"key": key, "skey": surname_key(query)})).all()
            if len(query.split()) > 1:
                rows = [r for r in rows if r.key == key or same_person(r.name, query)]
            # People before organisations: an org that shares a surname key never outranks a person.
            cards = sorted(rows, key=lambda r: (r.kind != "person", -r.mentions, r.name))[:candidates]
            result = WhoCard(query=query)
            if not cards:
                return result
            # The best-known match gets quotes and articles; other candidates (namesakes)
            # are listed with their roles and latest article so the asker can pick one by full name.
            best = cards[0]
            roles: dict[int, list[str]] = {}
            for pid, role, _seen in (await conn.execute(_WHO_ROLES, {"ids": [r.id for r in cards]})).all():
                kept = roles.setdefault(pid, [])
                if len(kept) < 10:
                    kept.append(role)
            quote_rows = (await conn.execute(_WHO_QUOTES, {"pid": best.id, "n": quotes})).all() if quotes else []
            others = [r.latest_article for r in cards[1:] if r.latest_article is not None]
            article_rows = (await conn.execute(_WHO_ARTICLES, {"pid": best.id, "n": articles, "ids": others})).all()
            best_articles = [a for a in article_rows if a.branch == 0]
            by_id = {a.article_id: a for a in article_rows if a.branch == 1}
            for rank, r in enumerate(cards):
                if rank == 0:
                    mine = best_articles
                else:
                    mine = [by_id[r.latest_article]] if r.latest_article in by_id else []
                result.matches.append(_card(r, roles.get(r.id, []), quote_rows if rank == 0 else [], mine))
        return result


def _card(r, roles: list[str], quote_rows: list, article_rows: list) -> PersonCard:
    return PersonCard(
        name=r.name,
        # PersonCard has no kind field yet: an organisation's card says so in its role line.
        role=r.role if r.kind == "person" else ("organisation" + (f", {r.role}" if r.role else "")),
        roles=roles,
        mentions=r.mentions,
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
