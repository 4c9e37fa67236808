"""Issue 11 end to end, as a hostile feed and a hostile chat user would try it: the real
IngestWorker, Fetcher and a SQLite Store against servers on loopback. Each test checks what
a user would notice: nothing stored, nothing read from disk, nothing reached on the private
network, a clear error per item, and a pass that ends on time.

Loopback is all a test may touch, so where a "public" host is needed 127.0.0.2 stands in
for one (the policy is told that this one address is public; every other loopback,
private and link-local address keeps its real verdict)."""

from __future__ import annotations

import asyncio
import os
import socket
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

import digests.fetch as fetch_module
from digests import urlpolicy
from digests.errors import BodyTooLarge
from digests.fetch import Fetcher, FetchPolicy
from digests.ingest import IngestOptions, IngestWorker
from digests.store import Store
from digests.urlpolicy import FetchScope, Refusal, SourceOrigin, UrlRefused
from tests.httpserver import LocalHTTPServer
from tests.news_factory import article_html, rss_feed

FAST = FetchPolicy(connect_timeout=2, read_timeout=2, total_timeout=4, retries=1, backoff_base=0.05, backoff_max=0.2)
STAND_IN = "127.0.0.2"  # plays a public host


# -- observing the disk and the network honestly ---------------------------------------------

_WATCHED: set[str] = set()
_OPENED: list[str] = []


def _audit(event: str, args: tuple) -> None:
    # Every open() and os.open() in this process raises the "open" audit event, whoever calls it.
    if event != "open" or not _WATCHED or not isinstance(args[0], (str, bytes)):
        return
    try:
        path = os.path.realpath(os.fsdecode(args[0]))
    except (OSError, ValueError):
        return
    if path in _WATCHED:
        _OPENED.append(path)


sys.addaudithook(_audit)  # audit hooks cannot be removed; it does nothing while _WATCHED is empty


@pytest.fixture
def opened_files():
    """watch(path) makes any later open of that file show up in the returned list."""
    def watch(path) -> None:
        _WATCHED.add(os.path.realpath(path))

    _OPENED.clear()
    yield watch, _OPENED
    _WATCHED.clear()
    _OPENED.clear()


@pytest.fixture
def local_reads(monkeypatch):
    """Every call the fetcher makes to read_local_file, recorded (and still performed)."""
    calls: list[str] = []
    real = fetch_module.read_local_file

    def spy(path, limit, url=None):
        calls.append(path)
        return real(path, limit, url)

    monkeypatch.setattr(fetch_module, "read_local_file", spy)
    return calls


@pytest.fixture
async def store(tmp_path):
    s = await Store.open(str(tmp_path / "news.db"))
    try:
        yield s
    finally:
        await s.close()


@pytest.fixture
def stand_in_is_public(monkeypatch):
    real = urlpolicy.is_public_address
    monkeypatch.setattr(urlpolicy, "is_public_address", lambda ip: str(ip) == STAND_IN or real(ip))


class TinyServer:
    """A static server on any loopback address (LocalHTTPServer is 127.0.0.1 only)."""

    def __init__(self, host: str, port: int = 0) -> None:
        self.routes: dict[str, tuple[int, dict[str, str], bytes]] = {}
        self.requests: list[tuple[str, str]] = []  # (path, Host header)
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                outer.requests.append((self.path, self.headers.get("Host", "")))
                status, headers, body = outer.routes.get(self.path, (404, {}, b"not found"))
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args) -> None:
                pass

        server_class = type("Server", (ThreadingHTTPServer,), {
            "address_family": socket.AF_INET6 if ":" in host else socket.AF_INET, "daemon_threads": True})
        self._httpd = server_class((host, port), Handler)
        self.port = self._httpd.server_address[1]
        self.base = f"http://[{host}]:{self.port}" if ":" in host else f"http://{host}:{self.port}"
        threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def page(self, path: str, body: bytes | str, content_type: str = "text/html; charset=utf-8") -> str:
        self.routes[path] = (200, {"Content-Type": content_type}, body.encode() if isinstance(body, str) else body)
        return self.base + path

    def redirect(self, path: str, to: str) -> str:
        self.routes[path] = (302, {"Location": to}, b"")
        return self.base + path

    def close(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()


@pytest.fixture
def tiny_servers():
    started: list[TinyServer] = []

    def start(host: str, port: int = 0) -> TinyServer:
        started.append(TinyServer(host, port))
        return started[-1]

    yield start
    for server in started:
        server.close()


def secret_page(marker: str) -> str:
    sentence = f"Internal note {marker}: the council approved the secret budget after months of debate."
    return article_html(99, title=f"Internal {marker}", paragraphs=[sentence] * 6)


def feed_of(links: list[str], base: str = "http://feed.invalid") -> bytes:
    """An RSS feed whose items point at exactly these links (absolute or not)."""
    return rss_feed("", [(link, f"Item {i}") for i, link in enumerate(links)], title="Hostile feed").replace(
        b"<link>/</link>", f"<link>{base}/</link>".encode())


async def everything_stored(store: Store) -> str:
    rows = await store.articles.latest(1000)
    return "\n".join(f"{a.title}\n{a.body}" for a in [await store.articles.get(r.id) for r in rows])


async def ingest(store: Store, policy: FetchPolicy = FAST, options: IngestOptions | None = None, resolver=None):
    async with Fetcher(policy, resolver=resolver) as fetcher:
        return await asyncio.wait_for(IngestWorker(store, fetcher, options).run_once(all_sources=True), timeout=40)


class FakeDNS:
    def __init__(self, table: dict[str, list[str]]) -> None:
        self.table = table

    async def __call__(self, host: str, port: int) -> list[str]:
        if host not in self.table:
            raise OSError(f"no such host {host}")
        return self.table[host]


# -- 1. feed item links that point at local files ----------------------------------------------


def file_link_spellings(path: str) -> list[str]:
    encoded = "".join(c if c == "/" else f"%{ord(c):02X}" for c in path)
    return [f"file://{path}", f"file://localhost{path}", f"file://anyhost{path}", f"FILE:{path}", f"File://{path}",
            f"file://{encoded}", f" file://{path}", path, os.path.relpath(path), f"file://127.0.0.1{path}"]


async def test_feed_items_linking_local_files_read_and_store_nothing(store, http_server, tmp_path, opened_files,
                                                                      local_reads):
    watch, opened = opened_files
    marker = f"MARKER-{uuid.uuid4().hex}"
    secret = tmp_path / "secret.html"
    secret.write_text(secret_page(marker))
    watch(secret)
    links = file_link_spellings(str(secret))
    if sys.platform.startswith("linux"):
        links += ["file:///dev/zero", "file://localhost/dev/zero"]
    if hasattr(os, "mkfifo"):
        fifo = tmp_path / "fifo.html"
        os.mkfifo(fifo)
        links.append(fifo.as_uri())  # would hang a reader forever
    http_server.static("/news/real.html", article_html(1))
    links.append(http_server.url("/news/real.html"))  # one honest item: the pass itself works
    feed = http_server.static("/rss.xml", feed_of(links, http_server.base_url), content_type="application/rss+xml")
    await store.sources.add(feed, "feed")  # an operator's source: the most trusted kind

    report = await ingest(store)

    assert report.new == 1, report.errors
    stored = await everything_stored(store)
    assert marker not in stored and "Story 1" in stored
    assert await store.articles.search(marker) == []
    assert opened == [] and local_reads == []  # the secret file was never opened, nothing read from disk
    assert len(report.errors) == len(links) - 1  # every other item: one clear line
    refused = [e for e in report.errors if "refused by the URL policy" in e]
    # The bare and relative paths were made absolute against the feed's URL by the feed
    # parser: they went to the feed's web server (a 404), not to the disk.
    assert len(refused) + sum("HTTP 404" in e for e in report.errors) == len(report.errors)


async def test_local_feed_file_with_local_item_links_reads_none_of_them(store, tmp_path, opened_files, local_reads):
    watch, opened = opened_files
    marker = f"MARKER-{uuid.uuid4().hex}"
    secret = tmp_path / "secret.html"
    secret.write_text(secret_page(marker))
    watch(secret)
    # A feed file on disk (an operator source) has no web base, so bare paths stay paths.
    feed = tmp_path / "feed.xml"
    feed.write_bytes(feed_of(file_link_spellings(str(secret)), base=tmp_path.as_uri()))
    await store.sources.add(str(feed), "feed")

    report = await ingest(store)

    assert report.new == 0 and await store.articles.count() == 0
    assert opened == [] and local_reads == [str(feed)]  # the feed itself, nothing else
    assert len(report.errors) == len(file_link_spellings(str(secret)))
    assert all("refused by the URL policy" in e for e in report.errors), report.errors


async def test_refused_links_are_final_so_the_feed_keeps_its_conditional_get(store, http_server, tmp_path):
    http_server.static("/news/real.html", article_html(2))
    links = [f"file://{tmp_path}/x.html", http_server.url("/news/real.html")]
    feed = http_server.conditional("/rss.xml", feed_of(links, http_server.base_url), etag='"v1"')
    await store.sources.add(feed, "feed")
    first = await ingest(store)
    second = await ingest(store)
    assert first.new == 1 and len(first.errors) == 1
    assert second.not_modified == 1 and second.errors == []  # not re-downloaded and re-refused every poll


# -- 2. redirects from a feed's host into the private network ------------------------------------


async def test_chat_source_item_redirecting_inward_is_refused_at_the_hop(store, http_server, tiny_servers,
                                                                        stand_in_is_public):
    marker = f"MARKER-{uuid.uuid4().hex}"
    http_server.static("/secret.html", secret_page(marker))  # the internal service, on 127.0.0.1
    v6 = tiny_servers("::1")
    v6.page("/secret.html", secret_page(marker))
    site = tiny_servers(STAND_IN)
    site.page("/news/ok.html", article_html(3))
    hops = {
        "/news/a.html": f"{http_server.base_url}/secret.html",  # 127.0.0.1, another port
        "/news/b.html": f"http://2130706433:{http_server.port}/secret.html",
        "/news/c.html": "http://169.254.169.254/latest/meta-data/iam/security-credentials/",
        "/news/d.html": f"{v6.base}/secret.html",  # [::1]
        "/news/e.html": f"http://intranet.invalid:{http_server.port}/secret.html",  # a name for 127.0.0.1
        "/news/f.html": f"file://{'/etc/passwd'}",
    }
    for path, to in hops.items():
        site.redirect(path, to)
    links = [f"http://news.invalid:{site.port}{p}" for p in ["/news/ok.html", *hops]]
    site.page("/rss.xml", feed_of(links, f"http://news.invalid:{site.port}"), "application/rss+xml")
    dns = FakeDNS({"news.invalid": [STAND_IN], "intranet.invalid": ["127.0.0.1"]})
    await store.sources.add(f"http://news.invalid:{site.port}/rss.xml", "feed", origin=SourceOrigin.CHAT)

    report = await ingest(store, resolver=dns)

    assert report.new == 1, report.errors
    assert marker not in await everything_stored(store)
    assert http_server.hits() == 0 and v6.requests == []  # the internal services saw nothing
    assert len(report.errors) == len(hops)
    assert all("refused by the URL policy" in e and "redirect to" in e for e in report.errors), report.errors
    assert {host for _, host in site.requests} == {f"news.invalid:{site.port}"}  # asked by name, at the checked address


async def test_operator_source_item_may_redirect_within_its_own_host_only(store, http_server, tiny_servers):
    other_port = LocalHTTPServer()  # same host (127.0.0.1), another port: the operator's own machine
    try:
        other_port.static("/local.html", article_html(4))
        v6 = tiny_servers("::1")
        v6.page("/x.html", article_html(5))
        elsewhere = tiny_servers(STAND_IN)
        elsewhere.page("/x.html", article_html(6))
        hops = {"/news/same-host.html": other_port.url("/local.html"),
                "/news/metadata.html": "http://169.254.169.254/latest/meta-data/",
                "/news/v6.html": f"{v6.base}/x.html",
                "/news/other-loopback.html": f"{elsewhere.base}/x.html"}
        for path, to in hops.items():
            http_server.redirect(path, to)
        feed = http_server.static("/rss.xml", feed_of([http_server.url(p) for p in hops], http_server.base_url),
                                  content_type="application/rss+xml")
        await store.sources.add(feed, "feed")

        report = await ingest(store)

        assert report.new == 1 and other_port.hits("/local.html") == 1
        assert v6.requests == [] and elsewhere.requests == []
        assert len(report.errors) == 3 and all("refused by the URL policy" in e for e in report.errors)
    finally:
        other_port.close()


async def test_operator_source_redirecting_to_a_local_file_is_refused(http_server, tmp_path, local_reads):
    secret = tmp_path / "secret.html"
    secret.write_text(secret_page("x"))
    url = http_server.redirect("/feed.xml", secret.as_uri())
    async with Fetcher(FAST) as fetcher:
        with pytest.raises(UrlRefused) as caught:
            await fetcher.fetch(url)
    assert caught.value.reason is Refusal.SCHEME and local_reads == []


# -- 3. sources a chat user adds ------------------------------------------------------------------


@pytest.mark.parametrize("host", ["127.0.0.1", "2130706433", "0x7f000001", "127.1", "[::ffff:127.0.0.1]", "localhost"])
async def test_chat_source_on_loopback_is_never_fetched(store, http_server, host):
    http_server.static("/rss.xml", feed_of([http_server.url("/x.html")]), content_type="application/rss+xml")
    url = f"http://{host}:{http_server.port}/rss.xml"
    assert not (await urlpolicy.check_chat_source_url(url)).allowed  # what /sources add asks first
    await store.sources.add(url, "feed", origin=SourceOrigin.CHAT)  # a row stored before the policy existed

    report = await ingest(store)

    assert http_server.hits() == 0 and await store.articles.count() == 0
    assert len(report.errors) == 1 and "refused by the URL policy" in report.errors[0]
    assert (await store.sources.get(url)).failures == 1


async def test_dns_rebinding_cannot_move_the_connection(http_server, tiny_servers, stand_in_is_public, monkeypatch):
    """The policy's lookup says "public" (the stand-in); the lookup a connection would make
    answers the internal service (127.0.0.1, same port). The chat fetch must use the first."""
    marker = f"MARKER-{uuid.uuid4().hex}"
    http_server.static("/page.html", secret_page(marker))
    public = tiny_servers(STAND_IN, http_server.port)
    public.page("/page.html", article_html(7))
    real_getaddrinfo = socket.getaddrinfo

    def rebinding_getaddrinfo(host, *args, **kwargs):  # anyio asks with the name IDNA-encoded
        name = host.decode("ascii") if isinstance(host, bytes) else host
        return real_getaddrinfo("127.0.0.1" if name == "rebind.invalid" else host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", rebinding_getaddrinfo)
    url = f"http://rebind.invalid:{http_server.port}/page.html"
    async with Fetcher(FAST, resolver=FakeDNS({"rebind.invalid": [STAND_IN]})) as fetcher:
        chat = await fetcher.fetch(url, scope=FetchScope.source(url, SourceOrigin.CHAT))
        assert http_server.hits() == 0 and public.requests == [("/page.html", f"rebind.invalid:{http_server.port}")]
        assert marker not in chat.text
        # Control: an operator source on its own host connects by name, so the second
        # lookup is what it gets; the rebinding above was real, and only pinning beat it.
        operator = await fetcher.fetch(url, scope=FetchScope.source(url))
    assert marker in operator.text and http_server.hits() == 1


async def test_a_resolver_that_flips_to_private_never_gets_a_connection_there(http_server, tiny_servers,
                                                                               stand_in_is_public):
    http_server.static("/page.html", secret_page("x"))
    public = tiny_servers(STAND_IN, http_server.port)
    public.page("/page.html", article_html(8))
    answers = iter([[STAND_IN]] + [["127.0.0.1"]] * 10)

    async def flipping(host, port):
        return next(answers)

    url = f"http://flip.invalid:{http_server.port}/page.html"
    async with Fetcher(FAST, resolver=flipping) as fetcher:
        try:
            await fetcher.fetch(url, scope=FetchScope.source(url, SourceOrigin.CHAT))
        except UrlRefused as refused:  # a later check (every hop is checked) saw the private answer
            assert refused.reason is Refusal.PRIVATE_ADDRESS
        else:
            assert public.requests == [("/page.html", f"flip.invalid:{http_server.port}")]
    assert http_server.hits() == 0


# -- 4. local files of operator sources ----------------------------------------------------------


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
async def test_operator_fifo_device_directory_and_oversize_files_are_refused_without_hanging(store, tmp_path):
    fifo = tmp_path / "fifo.html"
    os.mkfifo(fifo)
    big = tmp_path / "big.html"
    big.write_bytes(b"<p>" + b"x" * 5000 + b"</p>")
    policy = FetchPolicy(total_timeout=3, max_bytes=4096)
    started = time.monotonic()
    async with Fetcher(policy) as fetcher:
        for target, reason in [(str(fifo), Refusal.NOT_REGULAR_FILE), (fifo.as_uri(), Refusal.NOT_REGULAR_FILE),
                               ("/dev/zero", Refusal.NOT_REGULAR_FILE), ("file://localhost/dev/zero", Refusal.NOT_REGULAR_FILE),
                               (str(tmp_path), Refusal.NOT_REGULAR_FILE)]:
            with pytest.raises(UrlRefused) as caught:
                await asyncio.wait_for(fetcher.fetch(target), timeout=5)
            assert caught.value.reason is reason, target
        with pytest.raises(BodyTooLarge):
            await fetcher.fetch(str(big))
        report = await asyncio.wait_for(IngestWorker(store, fetcher).ingest_targets([str(fifo), str(big), "/dev/zero"]), 10)
    assert time.monotonic() - started < 5
    assert report.new == 0 and len(report.errors) == 3 and await store.articles.count() == 0


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
async def test_operator_folder_with_a_fifo_and_a_device_link_stores_only_the_real_page(store, tmp_path):
    folder = tmp_path / "inbox"
    folder.mkdir()
    (folder / "story.html").write_text(article_html(9))
    os.mkfifo(folder / "fifo.html")
    (folder / "zero.html").symlink_to("/dev/zero")
    await store.sources.add(str(folder), "folder")
    report = await ingest(store)
    assert report.new == 1 and await store.articles.count() == 1


async def test_operator_file_sources_read_file_urls_as_the_policy_does(store, tmp_path, monkeypatch):
    story = tmp_path / "story.html"
    story.write_text(article_html(11))
    folder = tmp_path / "inbox"
    folder.mkdir()
    (folder / "other.html").write_text(article_html(12))
    marker = f"MARKER-{uuid.uuid4().hex}"
    # file://anyhost/PATH must not be read as the relative path anyhost/PATH either.
    monkeypatch.chdir(tmp_path)
    decoy = tmp_path / "anyhost" / str(story).lstrip("/")
    decoy.parent.mkdir(parents=True)
    decoy.write_text(secret_page(marker))
    await store.sources.add(f"file://localhost{story}", "file")
    await store.sources.add(f"file://localhost{folder}", "folder")
    await store.sources.add(f"file://anyhost{story}", "file")

    report = await ingest(store)

    assert report.new == 2, report.errors
    assert marker not in await everything_stored(store)
    assert len(report.errors) == 1 and "names another host" in report.errors[0]


# -- 5. a slow host among normal feeds -----------------------------------------------------------

SLOW = FetchPolicy(connect_timeout=2, read_timeout=5, total_timeout=2, retries=0, per_host_concurrency=2)


def normal_feeds(server: LocalHTTPServer, feeds: int, items: int) -> list[str]:
    urls = []
    for f in range(feeds):
        links = []
        for i in range(items):
            seed = 1000 + f * 100 + i
            links.append(server.static(f"/f{f}/story-{i}.html", article_html(seed)))
        urls.append(server.static(f"/f{f}/rss.xml", feed_of(links, server.base_url), content_type="application/rss+xml"))
    return urls


async def test_a_trickling_host_is_cut_off_by_the_breaker_and_retried_next_pass(store, http_server):
    trickler = LocalHTTPServer()
    try:
        for url in normal_feeds(http_server, feeds=4, items=3):
            await store.sources.add(url, "feed")
        slow_links = [trickler.trickle(f"/slow/{i}.html", interval=1.0) for i in range(20)]
        slow_feed = trickler.conditional("/rss.xml", feed_of(slow_links, trickler.base_url), etag='"v1"')
        await store.sources.add(slow_feed, "feed")
        options = IngestOptions(host_timeouts_per_pass=2)

        started = time.monotonic()
        first = await ingest(store, SLOW, options)
        took = time.monotonic() - started

        assert first.new == 12  # every normal item, in the same pass
        # Two timeouts (run side by side) open the breaker; the other 18 are skipped at once.
        assert took < 2 * SLOW.total_timeout + 2, f"pass took {took:.1f}s"
        assert len(first.errors) == 20 and sum("skipped until the next" in e for e in first.errors) >= 16
        assert trickler.hits() <= 1 + options.host_timeouts_per_pass * SLOW.per_host_concurrency

        for i in range(20):  # the host recovers: nothing was dropped, every item comes next pass
            trickler.static(f"/slow/{i}.html", article_html(2000 + i))
        second = await ingest(store, SLOW, options)
        assert second.new == 20 and second.errors == []
        assert await store.articles.count() == 32
    finally:
        trickler.close()


async def test_the_source_deadline_stops_starting_items_and_the_rest_come_next_pass(store, http_server):
    links = [http_server.static(f"/news/{i}.html", article_html(3000 + i), delay=0.8) for i in range(8)]  # 6.4 s in a row
    feed = http_server.conditional("/rss.xml", feed_of(links, http_server.base_url), etag='"v1"')
    await store.sources.add(feed, "feed")
    policy = FetchPolicy(connect_timeout=2, read_timeout=3, total_timeout=3, retries=0, per_host_concurrency=1)
    deadline = 1.6

    started = time.monotonic()
    first = await ingest(store, policy, IngestOptions(source_deadline=deadline))
    took = time.monotonic() - started

    assert 1 <= first.new < 8 and took < deadline + 2.0, (first.new, took)
    assert sum("deadline passed" in e for e in first.errors) == 8 - first.new
    assert all(r.at - started < deadline + 0.5 for r in http_server.requests)  # nothing started after it
    second = await ingest(store, policy, IngestOptions(source_deadline=30))
    assert first.new + second.new == 8 and await store.articles.count() == 8
