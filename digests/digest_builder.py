"""From the store to a composed :class:`~digests.answers.Digest`: load the window's
articles with their key quotes and hand them to the pure ``compose`` stage."""

from __future__ import annotations

from datetime import datetime, timezone

from digests.answers import Digest
from digests.compose import DigestFilter, StoryArticle, compose
from digests.models import Link
from digests.similarity import cosine
from digests.urls import host_of
from digests.store import ArticleRow, Store

__all__ = ["build_digest", "story_article", "SIMILAR_STORY_COSINE"]

# Below the same-story threshold (0.35) but clearly on the same subject.
SIMILAR_STORY_COSINE = 0.2


def _source_name(row: ArticleRow) -> str:
    if row.site_name:
        return row.site_name
    host = host_of(row.url)
    if host:
        return host
    return row.source.rsplit("/", 1)[-1] or "local file"


def story_article(row: ArticleRow, key_quote=None, people: list[str] | None = None) -> StoryArticle:
    body_start = row.body[:2000]
    return StoryArticle(
        article_id=row.id,
        story_id=row.story_id,
        title=row.display_title,
        url=row.url,
        source=_source_name(row),
        published=row.published or row.fetched_at,
        summary=list(row.summary),
        key_quote=key_quote,
        related=list(row.related),
        text=f"{row.display_title}\n{' '.join(row.summary)}\n{body_start}",
        people=list(people or []),
        topic=None,
        arrived=row.fetched_at,
    )


async def build_digest(
    store: Store,
    *,
    since: datetime,
    until: datetime | None = None,
    filters: DigestFilter | None = None,
    title: str = "Your news digest",
    max_items: int = 30,
    window: str = "published",
) -> Digest:
    """``window="published"`` for "the news of the last 24 h"; ``"arrived"`` for scheduled
    digests, so that every stored article lands in exactly one of consecutive digests."""
    until = until or datetime.now(timezone.utc)
    rows = await store.articles.in_window(since, until, by=window)
    ids = [r.id for r in rows]
    quotes = await store.articles.key_quotes(ids)
    people = await store.articles.people_names(ids)
    articles = [story_article(r, quotes.get(r.id), people.get(r.id)) for r in rows]
    digest = compose(
        articles, since=since, until=until, filters=filters or DigestFilter(), title=title, max_items=max_items, now=until,
        window=window,
    )
    _add_similar_stories(digest, rows)
    return digest


def _add_similar_stories(digest: Digest, rows: list[ArticleRow], per_item: int = 2) -> None:
    """After the page's own related links, the stored articles of *other* stories most
    similar to each item (the same story's other sources are already its "also" links)."""
    by_url = {r.url: r for r in rows}
    candidates = [r for r in rows if r.vector]
    for item in digest.items:
        main = by_url.get(item.url)
        if main is None or not main.vector:
            continue
        scored = sorted(
            ((cosine(main.vector, other.vector), other.id, other) for other in candidates if other.story_id != main.story_id),
            key=lambda t: (-t[0], t[1]),
        )
        known = {link.url for link in item.related}
        for score, _, other in scored[:per_item]:
            if score >= SIMILAR_STORY_COSINE and other.url not in known:
                item.related.append(Link(other.display_title, other.url))
