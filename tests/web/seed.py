"""A small archive seeded through the normal store API: Yermak across many days (so the
chart has bars and quote marks), two Johnsons (an ambiguous name), a hostile headline, a
failing source, a dead letter and archived digests built by the real digest builder."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from digests.digest_builder import build_digest
from digests.models import Analysis, Article, Link, Person, Quote
from digests.store import Store
from digests.store.archive_schema import create_archive_tables, record_digest

__all__ = ["ADMIN_TOKEN", "HOSTILE_QUOTE", "HOSTILE_TITLE", "Seeded", "seed_archive"]

HOSTILE_TITLE = 'Council <script>window.__pwned=1</script> "votes" & <img src=x onerror="window.__pwned=2">'
HOSTILE_QUOTE = 'We said "no" & <b>meant</b> it</blockquote><script>window.__pwned=3</script>'
ADMIN_TOKEN = "test-admin-token-5c1f"
ROLE = "head of Ukraine's presidential office"


@dataclass
class Seeded:
    yermak_id: int
    hostile_article_id: int
    hostile_story: str
    digest_slugs: list[str]  # newest first
    dead_letter_id: int
    failing_source_id: int


def _quote(body: str, text: str, speaker: str, role: str | None, *, key: bool = False) -> Quote:
    start = body.index(text)
    return Quote(text, speaker=speaker, speaker_role=role, key=key, start=start, end=start + len(text))


def _yermak(day: int, now: datetime, quoted: bool) -> Analysis:
    said = f"We will keep talking on day {day}"
    body = (f"Andrii Yermak, the {ROLE}, met partners in Geneva (report {day}).\n\n"
            + (f"\"{said},\" Yermak told reporters." if quoted else "Yermak did not speak to reporters."))
    article = Article(url=f"https://news.example.org/yermak-{day}", title=f"Yermak in Geneva, round {day}", body=body,
                      published=now - timedelta(days=day, hours=1), site_name="Example News",
                      source="https://news.example.org/feed.xml",
                      related=[Link(f"Background {day}", f"https://news.example.org/bg-{day}")])
    return Analysis(article=article, headline=article.title, summary=[body.split("\n\n")[0]],
                    quotes=[_quote(body, said, "Andrii Yermak", ROLE, key=True)] if quoted else [],
                    people=[Person("Andrii Yermak", aliases=["Yermak"], roles=[ROLE], mentions=2)])


def _johnson(name: str, role: str, slug: str, now: datetime) -> Analysis:
    body = f"{name}, the {role}, spoke on Monday.\n\n\"We will act,\" {name} said."
    article = Article(url=f"https://news.example.org/{slug}", title=f"{name} speaks", body=body,
                      published=now - timedelta(hours=3), site_name="Other Times")
    return Analysis(article=article, headline=article.title, summary=[body.split("\n\n")[0]],
                    quotes=[_quote(body, "We will act", name, role)],
                    people=[Person(name, aliases=["Johnson"], roles=[role], mentions=2)])


def _hostile(now: datetime) -> Analysis:
    body = f"The council met on Tuesday.\n\n\"{HOSTILE_QUOTE},\" said Mara <Evil> O'Neil."
    article = Article(url="https://news.example.org/hostile", title=HOSTILE_TITLE, body=body,
                      published=now - timedelta(hours=2), site_name='Evil "Site" & <Co>',
                      related=[Link("<script>window.__pwned=4</script>", "javascript:window.__pwned=5")])
    return Analysis(article=article, headline=HOSTILE_TITLE, summary=[body.split("\n\n")[0] + " <script>window.__pwned=6</script>"],
                    quotes=[_quote(body, HOSTILE_QUOTE, "Mara O'Neil", "<i>councillor</i> & chair", key=True)],
                    people=[Person("Mara O'Neil", roles=["<i>councillor</i> & chair"], mentions=1)])


async def seed_archive(store: Store, now: datetime | None = None) -> Seeded:
    now = now or datetime.now(UTC)
    async with store.engine.begin() as conn:
        await create_archive_tables(conn)
    yermak_id = None
    for day in range(0, 60, 3):
        await store.articles.save(_yermak(day, now, quoted=day % 2 == 0), story_id=f"yermak-{day}")
    # The same story on a second site: the digest lists it under "also".
    wire = _yermak(0, now, quoted=False)
    wire.article.url, wire.article.site_name = "https://wire.example.com/yermak-geneva", "Wire Service"
    wire.article.title = wire.headline = "Yermak holds Geneva talks"
    await store.articles.save(wire, story_id="yermak-0")
    for name, role, slug in [("Boris Johnson", "former British prime minister", "bj"), ("Mike Johnson", "House speaker", "mj")]:
        await store.articles.save(_johnson(name, role, slug, now))
    hostile = await store.articles.save(_hostile(now), story_id="hostile-story")
    card = await store.people.who("Andrii Yermak")
    assert card.matches, "seeding failed: Yermak not indexed"

    good, _ = await store.sources.add("https://news.example.org/feed.xml", "feed", title="Example News")
    await store.sources.record_success(good.id, now=now - timedelta(minutes=5))
    bad, _ = await store.sources.add("https://broken.example.net/rss", "feed", title="Broken <Feed>")
    for _ in range(3):
        await store.sources.record_failure(bad.id, "HTTP 503 from upstream", now=now - timedelta(minutes=1))

    sub, _ = await store.subscriptions.upsert("telegram", "42", keywords=["Geneva"])
    await store.outbox.enqueue(sub.id, "telegram", "42", "digest:dead:0", {"text": "hello"})
    dead = (await store.outbox.list(state="pending"))[0]
    await store.outbox.mark_dead(dead.id, "Forbidden: bot was blocked by the user")

    slugs = []
    for days_ago in (2, 1, 0):  # oldest first, so slugs[-1] is the newest
        until = now - timedelta(days=days_ago)
        digest = await build_digest(store, since=until - timedelta(days=1), until=until, title="Morning digest")
        async with store.engine.begin() as conn:
            slugs.append(await record_digest(conn, digest, subscription_id=sub.id, keywords=sub.keywords, now=until))
    yermak_id = card.matches and (await _person_id(store, "Andrii Yermak"))
    return Seeded(yermak_id=yermak_id, hostile_article_id=hostile.article_id, hostile_story="hostile-story",
                  digest_slugs=slugs[::-1], dead_letter_id=dead.id, failing_source_id=bad.id)


async def _person_id(store: Store, name: str) -> int:
    from digests.store.archive import ArchiveReader

    pid = await ArchiveReader(store.engine).person_id_by_name(name)
    assert pid is not None
    return pid
