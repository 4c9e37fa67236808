"""From the store to a composed :class:`~digests.answers.Digest`: load the window's
articles with their key quotes and hand them to the pure ``compose`` stage."""

from __future__ import annotations

from datetime import datetime, timezone
from urllib.parse import urlsplit

from digests.answers import Digest
from digests.compose import DigestFilter, StoryArticle, compose
from digests.store import ArticleRow, Store

__all__ = ["build_digest", "story_article"]


def _source_name(row: ArticleRow) -> str:
    if row.site_name:
        return row.site_name
    host = urlsplit(row.url).hostname
    if host:
        return host.removeprefix("www.")
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
    return compose(
        articles, since=since, until=until, filters=filters or DigestFilter(), title=title, max_items=max_items, now=until,
        window=window,
    )
