"""The ingestion worker end to end: a local HTTP server serves feeds and pages, the real
fetcher, extractor, analyser and store (SQLite always, PostgreSQL when configured)."""

from __future__ import annotations

import asyncio

import pytest

from digests.fetch import Fetcher, FetchPolicy
from digests.ingest import IngestWorker
from tests.httpserver import Reply
from tests.news_factory import article_html, atom_feed, rss_feed

FAST = FetchPolicy(connect_timeout=2, read_timeout=1, total_timeout=4, retries=2, backoff_base=0.05, backoff_max=0.5)


def serve_articles(server, seeds, prefix="/news"):
    items = []
    for seed in seeds:
        path = f"{prefix}/story-{seed}.html"
        server.static(path, article_html(seed).encode())
        items.append((path, f"Story {seed}"))
    return items


async def ingest_all(store, policy=FAST):
    async with Fetcher(policy) as fetcher:
        return await IngestWorker(store, fetcher).run_once(all_sources=True)


async def test_feed_items_are_fetched_extracted_and_stored(store, http_server):
    items = serve_articles(http_server, range(5))
    feed = http_server.static("/rss.xml", rss_feed(http_server.base_url, items), content_type="application/rss+xml")
    await store.sources.add(feed, "feed")
    report = await ingest_all(store)
    assert report.new == 5 and report.errors == [] and report.rejected == []
    rows = await store.articles.latest(10)
    assert len(rows) == 5
    stored = await store.articles.get(rows[0].id)
    assert stored.title.startswith("Story ")
    assert "Read next" not in stored.body and "Copyright" not in stored.body
    assert stored.summary and all(s in stored.body for s in stored.summary)
    source = (await store.sources.list())[0]
    assert source.failures == 0 and source.last_success_at is not None


async def test_conditional_get_costs_no_parsing(store, http_server):
    items = serve_articles(http_server, range(2))
    feed = http_server.conditional("/rss.xml", rss_feed(http_server.base_url, items), etag='"v1"',
                                   content_type="application/rss+xml")
    await store.sources.add(feed, "feed")
    first = await ingest_all(store)
    assert first.new == 2
    second = await ingest_all(store)
    assert second.not_modified == 1 and second.new == 0
    assert http_server.hits("/news/story-0.html") == 1  # the 304 led to no item fetch
    assert [r.headers.get("if-none-match") for r in http_server.requests if r.path == "/rss.xml"] == [None, '"v1"']


async def test_transient_item_errors_are_retried_and_permanent_ones_reported(store, http_server):
    items = serve_articles(http_server, [1])
    http_server.sequence("/news/flaky.html", [Reply(503), Reply(503), Reply(200, article_html(2).encode(),
                                                                           {"Content-Type": "text/html"})])
    http_server.static("/news/gone.html", b"not here", status=404)
    items += [("/news/flaky.html", "Flaky"), ("/news/gone.html", "Gone")]
    feed = http_server.static("/rss.xml", rss_feed(http_server.base_url, items), content_type="application/rss+xml")
    await store.sources.add(feed, "feed")
    report = await ingest_all(store)
    assert report.new == 2
    assert http_server.hits("/news/flaky.html") == 3
    assert http_server.hits("/news/gone.html") == 1  # no retry on 404
    assert any("404" in e for e in report.errors)


async def test_a_hanging_host_a_huge_body_and_a_redirect_loop_do_not_block_the_others(store, http_server):
    good = serve_articles(http_server, range(3))
    http_server.hang("/news/hang.html", seconds=30)
    http_server.huge("/news/huge.html", size=20 * 2**20)
    http_server.redirect_loop("/news/loop-a.html", "/news/loop-b.html")
    items = good + [("/news/hang.html", "Hang"), ("/news/huge.html", "Huge"), ("/news/loop-a.html", "Loop")]
    feed = http_server.static("/rss.xml", rss_feed(http_server.base_url, items), content_type="application/rss+xml")
    await store.sources.add(feed, "feed")
    report = await asyncio.wait_for(ingest_all(store), timeout=30)
    assert report.new == 3
    joined = " | ".join(report.errors)
    assert "huge.html" in joined and "loop-a.html" in joined and "hang.html" in joined
    assert http_server.streams["/news/huge.html"].bytes_sent < 20 * 2**20


async def test_a_dead_source_is_backed_off_and_reported_without_blocking_others(store, http_server):
    items = serve_articles(http_server, range(2))
    good = http_server.static("/rss.xml", rss_feed(http_server.base_url, items), content_type="application/rss+xml")
    await store.sources.add(good, "feed")
    await store.sources.add("http://127.0.0.1:9/rss.xml", "feed")  # nothing listens on port 9
    report = await ingest_all(store)
    assert report.new == 2 and len(report.errors) == 1
    dead = await store.sources.get("http://127.0.0.1:9/rss.xml")
    assert dead.failures == 1 and dead.last_error and dead.next_poll_at > dead.last_fetch_at
    assert [s.url for s in await store.sources.due()] == [] or dead.id not in [s.id for s in await store.sources.due()]


async def test_feed_with_a_wrong_declared_encoding_keeps_its_text(store, http_server):
    title = "Київ і Львів: новини"
    http_server.static("/news/ua.html", article_html(7, title=title).encode("utf-8"))
    # Says iso-8859-1 in the header, but the bytes are UTF-8.
    feed = http_server.static("/rss.xml", rss_feed(http_server.base_url, [("/news/ua.html", title)]),
                              content_type="application/rss+xml; charset=iso-8859-1")
    await store.sources.add(feed, "feed")
    report = await ingest_all(store)
    assert report.new == 1
    row = (await store.articles.latest(1))[0]
    assert row.title == title


async def test_undeclared_charset_page_is_not_mojibake(store, http_server):
    title = "Économie : la Banque de France prévoit une légère reprise"
    page = article_html(8, title=title, charset=None).encode("cp1252")
    url = http_server.static("/news/fr.html", page, content_type="text/html")
    async with Fetcher(FAST) as fetcher:
        report = await IngestWorker(store, fetcher).ingest_targets([url])
    assert report.new == 1
    assert (await store.articles.latest(1))[0].title == title


async def test_malformed_feeds(store, http_server):
    items = serve_articles(http_server, [11])
    broken = rss_feed(http_server.base_url, items).replace(b"</channel></rss>", b"<item><title>unclosed & bad")
    usable = http_server.static("/usable.xml", broken, content_type="application/rss+xml")
    garbage = http_server.static("/garbage.xml", b"\x00\x01 this is not xml <<<", content_type="application/rss+xml")
    await store.sources.add(usable, "feed")
    await store.sources.add(garbage, "feed")
    report = await ingest_all(store)
    assert report.new == 1
    assert len(report.errors) == 1 and "garbage.xml" in report.errors[0]
    assert (await store.sources.get(garbage)).failures == 1


async def test_duplicates_across_feeds_and_wire_copies_are_stored_once(store, http_server):
    items = serve_articles(http_server, range(3))
    # The same wire story on another site: same text, different page chrome and URL.
    http_server.static("/mirror/wire.html", article_html(0, title="Wire: Story 0").encode())
    feed_a = http_server.static("/a.xml", rss_feed(http_server.base_url, items), content_type="application/rss+xml")
    feed_b = http_server.static("/b.xml", atom_feed(http_server.base_url, items[:2] + [("/mirror/wire.html", "Wire copy")]),
                                content_type="application/atom+xml")
    await store.sources.add(feed_a, "feed")
    await store.sources.add(feed_b, "feed")
    report = await ingest_all(store)
    assert await store.articles.count() == 3
    assert report.new == 3
    first = next(a for a in await store.articles.latest(10) if a.url.endswith("story-0.html"))
    stored = await store.articles.get(first.id)
    assert any(u.endswith("/mirror/wire.html") for u in stored.urls)


async def test_local_files_folders_and_tracking_urls(store, http_server, tmp_path):
    folder = tmp_path / "saved"
    folder.mkdir()
    (folder / "one.html").write_text(article_html(21))
    (folder / "two.txt").write_text("date 2026-11-20\n\n" + "\n\n".join(
        __import__("tests.news_factory", fromlist=["article_text"]).article_text(22)))
    (folder / "ignored.pdf").write_bytes(b"%PDF")
    await store.sources.add(str(folder), "folder")
    report = await ingest_all(store)
    assert report.new == 2
    again = await ingest_all(store)
    assert again.new == 0 and again.skipped == 2

    url = http_server.static("/news/t.html", article_html(23).encode())
    async with Fetcher(FAST) as fetcher:
        worker = IngestWorker(store, fetcher)
        assert (await worker.ingest_targets([url + "?utm_source=x&fbclid=y"])).new == 1
        assert (await worker.ingest_targets([url])).new == 0


async def test_a_feed_ttl_or_max_age_slows_polling_never_speeds_it(store, http_server):
    items = serve_articles(http_server, [41])
    ttl_feed = rss_feed(http_server.base_url, items).replace(b"<description>test</description>",
                                                            b"<description>test</description><ttl>120</ttl>")
    slow = http_server.static("/ttl.xml", ttl_feed, content_type="application/rss+xml")
    cached = http_server.static("/cached.xml", rss_feed(http_server.base_url, []), content_type="application/rss+xml",
                                headers={"Cache-Control": "public, max-age=3600"})
    eager = http_server.static("/eager.xml", rss_feed(http_server.base_url, []), content_type="application/rss+xml",
                               headers={"Cache-Control": "max-age=10"})
    for url in (slow, cached, eager):
        await store.sources.add(url, "feed", poll_interval_s=900)
    await ingest_all(store)
    gaps = {}
    for url in (slow, cached, eager):
        s = await store.sources.get(url)
        gaps[url] = (s.next_poll_at - s.last_success_at).total_seconds()
    assert 0.85 * 7200 <= gaps[slow] <= 1.15 * 7200
    assert 0.85 * 3600 <= gaps[cached] <= 1.15 * 3600
    assert 0.85 * 900 <= gaps[eager] <= 1.15 * 900  # a short max-age never polls faster than configured


async def test_a_bug_on_one_page_loses_nothing_else_and_is_retried(store, http_server, monkeypatch):
    """Fault injection: the analysis raises on one page (as a bug in our rules would)."""
    import digests.ingest as ingest_module

    items = serve_articles(http_server, range(3))
    feed = http_server.conditional("/rss.xml", rss_feed(http_server.base_url, items), etag='"v1"',
                                   content_type="application/rss+xml")
    await store.sources.add(feed, "feed")
    real = ingest_module.analyze_page

    def buggy(page, **kwargs):
        if page.url.endswith("story-1.html"):
            raise IndexError("list index out of range")
        return real(page, **kwargs)

    monkeypatch.setattr(ingest_module, "analyze_page", buggy)
    report = await ingest_all(store)
    assert report.new == 2
    assert any("story-1.html" in e and "IndexError" in e for e in report.errors)
    assert (await store.sources.get(feed)).etag is None  # validators not kept: the next poll refetches

    monkeypatch.setattr(ingest_module, "analyze_page", real)  # the bug is fixed
    again = await ingest_all(store)
    assert again.new == 1 and again.skipped == 2
