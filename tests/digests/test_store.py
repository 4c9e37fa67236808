"""The store on SQLite (always) and PostgreSQL (when NEWSDIGEST_TEST_POSTGRES_URL is set)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import text

from digests.models import Analysis, Article, Link, Person, Quote
from digests.store import SCHEMA_VERSION, Store
from digests.store.db import database_url

T0 = datetime(2026, 11, 20, 9, 0, tzinfo=timezone.utc)


def make_analysis(url: str, *, title="A story", body="Body text.", people=(), quotes=(), published=T0, guid=None,
                  related=()) -> Analysis:
    article = Article(url=url, title=title, body=body, published=published, guid=guid, related=list(related),
                      source="test", site_name="Example News")
    return Analysis(article=article, summary=[body.split(".")[0] + "."], headline=title, people=list(people),
                    quotes=list(quotes))


def test_database_url_accepts_paths_and_urls(tmp_path):
    assert database_url(str(tmp_path / "x.db")) == f"sqlite+aiosqlite:///{tmp_path / 'x.db'}"
    assert database_url("postgresql://u@h/db").startswith("postgresql+asyncpg://")
    assert database_url("sqlite:///a.db") == "sqlite+aiosqlite:///a.db"


async def test_reopening_keeps_data_and_upgrades_in_place(tmp_path):
    path = str(tmp_path / "n.db")
    async with await Store.open(path) as store:
        await store.sources.add("https://example.org/rss.xml", "feed")
        # Pretend this database was made by the first release (schema version 1).
        async with store.engine.begin() as conn:
            await conn.execute(text("DROP INDEX ix_outbox_subscription"))
            await conn.execute(text("UPDATE meta SET value = '1' WHERE key = 'schema_version'"))
    async with await Store.open(path) as store:
        assert [s.url for s in await store.sources.list()] == ["https://example.org/rss.xml"]
        async with store.engine.connect() as conn:
            version = (await conn.execute(text("SELECT value FROM meta WHERE key='schema_version'"))).scalar_one()
            indexes = (await conn.execute(text("SELECT name FROM sqlite_master WHERE type='index'"))).scalars().all()
        assert int(version) == SCHEMA_VERSION
        assert "ix_outbox_subscription" in indexes


async def test_sqlite_uses_wal(tmp_path):
    async with await Store.open(str(tmp_path / "w.db")) as store:
        async with store.engine.connect() as conn:
            assert (await conn.execute(text("PRAGMA journal_mode"))).scalar_one() == "wal"


async def test_sources_add_list_remove_and_backoff(store):
    record, created = await store.sources.add("https://example.org/rss.xml", "feed", poll_interval_s=600)
    assert created
    again, created = await store.sources.add("https://example.org/rss.xml", "feed")
    assert not created and again.id == record.id
    assert [s.id for s in await store.sources.due()] == [record.id]

    failed = await store.sources.record_failure(record.id, "example.org: HTTP 503")
    assert failed.failures == 1
    failed = await store.sources.record_failure(record.id, "example.org: HTTP 503")
    assert failed.failures == 2
    stored = await store.sources.get(record.id)
    # Backed off: not due now, and the wait grows with failures (600 s doubled twice, +-20%).
    assert stored.next_poll_at - stored.last_fetch_at >= timedelta(seconds=0.8 * 2400)
    assert await store.sources.due() == []
    assert stored.last_error == "example.org: HTTP 503"

    await store.sources.record_success(record.id, etag='"v1"', last_modified=None)
    stored = await store.sources.get(record.id)
    assert stored.failures == 0 and stored.last_error is None and stored.etag == '"v1"'
    assert await store.sources.remove("https://example.org/rss.xml")
    assert not await store.sources.remove("https://example.org/rss.xml")


async def test_an_article_is_stored_once_under_all_its_urls(store):
    first = await store.articles.save(make_analysis("https://a.example/story", guid="tag:a,1"))
    assert first.created
    again = await store.articles.save(make_analysis("https://a.example/story"))
    assert not again.created and again.article_id == first.article_id
    by_guid = await store.articles.save(make_analysis("https://a.example/story?amp=1", guid="tag:a,1"))
    assert by_guid.article_id == first.article_id
    wire_copy = await store.articles.save(make_analysis("https://b.example/copy"), duplicate_of=first.article_id)
    assert not wire_copy.created
    assert await store.articles.count() == 1
    stored = await store.articles.get(first.article_id)
    assert {"https://a.example/story", "https://a.example/story?amp=1", "https://b.example/copy"} <= set(stored.urls)


async def test_related_links_latest_window_and_search(store):
    await store.articles.save(make_analysis("https://a.example/1", title="Rare earth deal", body="Minerals in Ukraine.",
                                            related=[Link("More on minerals", "https://a.example/m")]))
    await store.articles.save(make_analysis("https://a.example/2", title="Football", body="A match report 100%_done.",
                                            published=T0 + timedelta(hours=1)))
    latest = await store.articles.latest(10)
    assert [a.url for a in latest] == ["https://a.example/2", "https://a.example/1"]
    window = await store.articles.in_window(T0 - timedelta(minutes=1), T0 + timedelta(minutes=1))
    assert [a.url for a in window] == ["https://a.example/1"]
    assert window[0].related == [Link("More on minerals", "https://a.example/m")]
    assert [a.url for a in await store.articles.search("rare EARTH")] == ["https://a.example/1"]
    assert [a.url for a in await store.articles.search("100%_done")] == ["https://a.example/2"]
    assert await store.articles.search("100%_gone") == []


async def test_people_index_joins_spellings_and_keeps_namesakes_apart(store):
    zelensky = Person("Volodymyr Zelensky", aliases=["Zelensky"], roles=["Ukrainian President"], mentions=3)
    await store.articles.save(make_analysis(
        "https://a.example/z1", people=[zelensky],
        quotes=[Quote("This is absolutely fair", speaker="Volodymyr Zelensky", speaker_role="Ukrainian President")],
    ))
    later = Person("Zelenskiy", roles=["President of Ukraine"], mentions=1)
    await store.articles.save(make_analysis(
        "https://b.example/z2", published=T0 + timedelta(days=1), people=[later],
        quotes=[Quote("We will not give up", speaker="Zelenskiy"), Quote("serious people", speaker="Zelenskiy", minor=True)],
    ))
    card = await store.people.who("Zelensky")
    assert len(card.matches) == 1
    match = card.matches[0]
    assert match.name == "Volodymyr Zelensky"
    assert match.mentions == 2
    assert [q.text for q in match.quotes] == ["We will not give up", "This is absolutely fair"]  # latest first, no minor
    assert match.quotes[0].url == "https://b.example/z2"
    assert set(match.roles) == {"Ukrainian President", "President of Ukraine"}
    assert [a.url for a in match.articles] == ["https://b.example/z2", "https://a.example/z1"]

    await store.articles.save(make_analysis("https://c.example/j1", people=[Person("Boris Johnson", roles=["former prime minister"])]))
    await store.articles.save(make_analysis("https://c.example/j2", people=[Person("Dustin Johnson", roles=["golfer"])]))
    johnsons = await store.people.who("Johnson")
    assert sorted(m.name for m in johnsons.matches) == ["Boris Johnson", "Dustin Johnson"]
    assert [m.name for m in (await store.people.who("Dustin Johnson")).matches] == ["Dustin Johnson"]
    assert (await store.people.who("Nobody Atall")).matches == []


async def test_subscriptions_upsert_pause_and_migrate(store):
    sub, created = await store.subscriptions.upsert("telegram", "-100", chat_kind="group", timezone="Europe/Kyiv")
    assert created and sub.timezone == "Europe/Kyiv" and sub.mode == "digest"
    await store.subscriptions.pause(sub.id, "bot was kicked")
    assert (await store.subscriptions.by_id(sub.id)).paused
    sub, created = await store.subscriptions.upsert("telegram", "-100", keywords=["ukraine"])
    assert not created and not sub.paused and sub.keywords == ["ukraine"] and sub.timezone == "Europe/Kyiv"
    await store.subscriptions.migrate_chat("telegram", "-100", "-100200")
    assert await store.subscriptions.get("telegram", "-100") is None
    assert (await store.subscriptions.get("telegram", "-100200")).id == sub.id
    with pytest.raises(ValueError):
        await store.subscriptions.upsert("telegram", "-1", mode="sometimes")
