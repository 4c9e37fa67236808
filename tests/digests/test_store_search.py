"""Search and /who over the indexed paths (schema v5/v6), on SQLite and PostgreSQL: the answers
are what a full scan of every title and body gives, whichever path finds them."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select, text

from digests.models import Person, Quote
from digests.store import Store, articles, schema
from digests.store.articles import _LIST_COLUMNS, _contains_all
from tests.digests.test_store import T0, make_analysis

A = schema.articles

BODIES = [
    ("Harbour reopens", "The harbour at Odesa reopened after repairs."),
    ("Grain deal", "Ships left the HARBOUR with grain; talks on 100%_done deals went on."),
    ("Budget vote", "The budget passed by 12 votes."),
    ("Київ talks", "Делегації зустрілися у Києві, harbourmaster said."),
    ("Football", "A match report: 2-1 after extra time."),
    ("Rare earth", "Minerals in Ukraine; the harbour-side plant."),
    ("İstanbul summit", "Leaders met in İSTANBUL and Straße talks."),
]


async def _fill(store: Store) -> None:
    for i, (title, body) in enumerate(BODIES * 3):
        await store.articles.save(make_analysis(f"https://a.example/{i}", title=title, body=body,
                                                published=T0 + timedelta(hours=i % 7, minutes=i)))


async def _full_scan(store: Store, query: str, limit: int = 10) -> list[str]:
    when = func.coalesce(A.c.published, A.c.fetched_at)
    stmt = (select(*_LIST_COLUMNS).where(*_contains_all(query.split(), A.c.title, A.c.body))
            .order_by(when.desc(), A.c.id.desc()).limit(limit))
    async with store.engine.connect() as conn:
        return [r.url for r in (await conn.execute(stmt)).all()]


QUERIES = ["harbour", "arbou", "HARBOUR grain", "100%_done", "100%_gone", "2-1", "by 12", "Києві", "harbour-side",
           "nothing-like-this", "a", "the harbour", "İstanbul", "İSTANBUL", "stanbul", "Straße", "STRASSE"]


async def test_search_answers_equal_a_full_scan_on_both_paths(store, monkeypatch):
    await _fill(store)
    for probe in (2, 1000):  # 2: the newest-first probe rarely fills a page, so the index answers
        monkeypatch.setattr(articles, "_SEARCH_PROBE", probe)
        for query in QUERIES:
            for limit in (1, 3, 10):
                found = [a.url for a in await store.articles.search(query, limit=limit)]
                assert found == await _full_scan(store, query, limit), (probe, query, limit)
    assert len(await store.articles.search("arbou", limit=50)) == 12  # inside a word, any case


async def test_search_finds_substrings_inside_words_and_ignores_case(store, monkeypatch):
    monkeypatch.setattr(articles, "_SEARCH_PROBE", 1)
    await _fill(store)
    hits = [a.title for a in await store.articles.search("ARBOURMAST", limit=50)]
    assert hits and set(hits) == {"Київ talks"}
    assert await store.articles.search("harbour budget") == []  # every word, not any


async def test_search_index_follows_inserts_and_deletes(store, monkeypatch):
    monkeypatch.setattr(articles, "_SEARCH_PROBE", 1)
    await _fill(store)
    gone = (await store.articles.search("Odesa", limit=1))[0]
    async with store.engine.begin() as conn:
        await conn.execute(A.delete().where(A.c.id == gone.id))
    assert gone.id not in [a.id for a in await store.articles.search("Odesa", limit=50)]
    await store.articles.save(make_analysis("https://b.example/new", title="Quayside", body="A new quayside crane."))
    assert [a.url for a in await store.articles.search("aysid")] == ["https://b.example/new"]


async def test_search_works_on_a_store_upgraded_from_v4(tmp_path, monkeypatch):
    """Articles stored before the index existed are found after the upgrade."""
    monkeypatch.setattr(articles, "_SEARCH_PROBE", 1)
    path = str(tmp_path / "old.db")
    async with await Store.open(path) as store:
        await _fill(store)
        async with store.engine.begin() as conn:
            for statement in ("DROP TABLE articles_fts",
                              "DROP TRIGGER articles_fts_insert", "DROP TRIGGER articles_fts_delete",
                              "DROP TRIGGER articles_fts_update", "DROP INDEX ix_articles_when",
                              "UPDATE meta SET value = '4' WHERE key = 'schema_version'"):
                await conn.execute(text(statement))
    async with await Store.open(path) as store:
        assert [a.url for a in await store.articles.search("Odesa", limit=50)] == await _full_scan(store, "Odesa", 50)
        assert len(await store.articles.search("Odesa", limit=50)) == 3


async def test_who_lists_namesakes_with_their_latest_article_and_roles_newest_first(store):
    for day, (name, role) in enumerate([("Boris Johnson", "prime minister"), ("Dustin Johnson", "golfer"),
                                        ("Boris Johnson", "former prime minister"), ("Boris Johnson", "author")]):
        await store.articles.save(make_analysis(
            f"https://c.example/{day}", title=f"Story {day}", published=T0 + timedelta(days=day),
            people=[Person(name, roles=[role])], quotes=[Quote(f"Quote {day}", speaker=name)],
        ))
    card = await store.people.who("Johnson")
    assert [(m.name, m.mentions) for m in card.matches] == [("Boris Johnson", 3), ("Dustin Johnson", 1)]
    boris, dustin = card.matches
    assert boris.roles == ["author", "former prime minister", "prime minister"]
    assert [a.url for a in boris.articles] == ["https://c.example/3", "https://c.example/2", "https://c.example/0"]
    assert [q.text for q in boris.quotes] == ["Quote 3", "Quote 2", "Quote 0"]
    assert [a.url for a in dustin.articles] == ["https://c.example/1"] and dustin.quotes == []
    assert dustin.roles == ["golfer"]
    only = await store.people.who("Johnson", articles=1, quotes=0)
    assert [a.url for a in only.matches[0].articles] == ["https://c.example/3"] and only.matches[0].quotes == []
