"""The fetcher against a real local HTTP server (tests/httpserver.py), plus charset decoding."""

from __future__ import annotations

import asyncio
import socket
import time
from email.utils import formatdate

import pytest

from digests.charset import decode_body
from digests.errors import (
    BodyTooLarge,
    FetchError,
    HTTPStatusError,
    NetworkError,
    TooManyRedirects,
)
from digests.fetch import FetchPolicy, Fetcher, parse_retry_after
from tests.httpserver import LocalHTTPServer, Reply

RUSSIAN = (
    "<html><head><title>Новости</title></head><body><p>Правительство объявило о новых мерах "
    "поддержки малого бизнеса. Министр экономики заявил, что программа начнёт работать уже в "
    "следующем месяце и охватит более десяти тысяч предприятий по всей стране.</p></body></html>"
)
FRENCH = (
    "<html><head><title>Actualités</title></head><body><p>Le gouvernement a annoncé mercredi "
    "une série de mesures destinées à soutenir les entreprises fragilisées. « Nous ne "
    "laisserons personne de côté », a déclaré la ministre, précisant que les aides seraient "
    "versées dès la fin du mois.</p></body></html>"
)


def policy(**overrides) -> FetchPolicy:
    """Small timeouts and backoff so failures show up in milliseconds."""
    defaults = dict(connect_timeout=2, read_timeout=2, total_timeout=10, retries=3,
                    backoff_base=0.01, backoff_max=2)
    return FetchPolicy(**{**defaults, **overrides})


async def test_fetch_returns_decoded_page_with_validators(http_server: LocalHTTPServer):
    url = http_server.static(
        "/story", "<p>Grüße aus Köln</p>", content_type="text/html; charset=utf-8",
        headers={"ETag": '"v1"', "Last-Modified": "Tue, 04 Mar 2025 09:30:00 GMT"},
    )
    async with Fetcher(policy()) as fetcher:
        page = await fetcher.fetch(url)
    assert page.status == 200 and not page.not_modified
    assert page.text == "<p>Grüße aus Köln</p>"
    assert page.content == "<p>Grüße aus Köln</p>".encode()
    assert page.encoding == "utf-8"
    assert page.etag == '"v1"' and page.last_modified == "Tue, 04 Mar 2025 09:30:00 GMT"
    assert page.url == page.requested_url == url
    assert http_server.requests[0].header("User-Agent").startswith("newsdigest/")


async def test_conditional_get_second_fetch_is_not_modified(http_server: LocalHTTPServer):
    url = http_server.conditional(
        "/feed.xml", "<rss/>", etag='"abc"', last_modified="Tue, 04 Mar 2025 09:30:00 GMT"
    )
    async with Fetcher(policy()) as fetcher:
        first = await fetcher.fetch(url)
        second = await fetcher.fetch(url, etag=first.etag, last_modified=first.last_modified)
        by_date = await fetcher.fetch(url, last_modified=first.last_modified)
    assert first.content == b"<rss/>" and not first.not_modified
    assert second.not_modified and second.status == 304
    assert second.content == b"" and second.text == ""
    assert second.etag == '"abc"'  # still known, so the caller can store it again
    assert by_date.not_modified
    sent = http_server.requests[1]
    assert sent.header("If-None-Match") == '"abc"'
    assert sent.header("If-Modified-Since") == "Tue, 04 Mar 2025 09:30:00 GMT"


async def test_retries_503_then_succeeds(http_server: LocalHTTPServer):
    url = http_server.sequence("/flaky", [Reply(503), Reply(503), Reply(200, "finally")])
    async with Fetcher(policy()) as fetcher:
        page = await fetcher.fetch(url)
    assert page.text == "finally"
    assert http_server.hits("/flaky") == 3


async def test_gives_up_after_retries_with_status(http_server: LocalHTTPServer):
    url = http_server.sequence("/down", [Reply(502)])
    async with Fetcher(policy(retries=2)) as fetcher:
        with pytest.raises(HTTPStatusError) as caught:
            await fetcher.fetch(url)
    assert caught.value.status == 502
    assert http_server.hits("/down") == 3  # first try + 2 retries


async def test_no_retry_on_404(http_server: LocalHTTPServer):
    url = http_server.static("/gone", "missing", status=404)
    async with Fetcher(policy()) as fetcher:
        with pytest.raises(HTTPStatusError) as caught:
            await fetcher.fetch(url)
    assert caught.value.status == 404
    assert "HTTP 404" in str(caught.value)
    assert http_server.hits("/gone") == 1


async def test_retry_after_seconds_is_honoured(http_server: LocalHTTPServer):
    url = http_server.sequence(
        "/busy", [Reply(429, headers={"Retry-After": "1"}), Reply(200, "ok")]
    )
    async with Fetcher(policy()) as fetcher:
        started = time.monotonic()
        page = await fetcher.fetch(url)
        elapsed = time.monotonic() - started
    assert page.text == "ok"
    first, second = http_server.requests
    assert second.at - first.at >= 0.95
    assert elapsed >= 0.95


async def test_retry_after_http_date_is_honoured(http_server: LocalHTTPServer):
    # HTTP dates have one-second resolution: ask for 3 s, expect at least 1 s of waiting.
    when = formatdate(time.time() + 3, usegmt=True)
    url = http_server.sequence("/busy", [Reply(503, headers={"Retry-After": when}), Reply(200)])
    async with Fetcher(policy()) as fetcher:
        await fetcher.fetch(url)
    first, second = http_server.requests
    assert second.at - first.at >= 0.95


async def test_retry_after_longer_than_backoff_max_is_capped(http_server: LocalHTTPServer):
    url = http_server.sequence("/busy", [Reply(503, headers={"Retry-After": "3600"}), Reply(200)])
    async with Fetcher(policy(backoff_max=0.2)) as fetcher:
        started = time.monotonic()
        await fetcher.fetch(url)
    assert time.monotonic() - started < 2


def test_parse_retry_after_forms():
    now = 1_741_080_600.0  # Tue, 04 Mar 2025 09:30:00 GMT
    assert parse_retry_after("7") == 7
    assert parse_retry_after("Tue, 04 Mar 2025 09:30:05 GMT", now=now) == pytest.approx(5)
    assert parse_retry_after("Tue, 04 Mar 2025 09:00:00 GMT", now=now) == 0  # in the past
    assert parse_retry_after("soon") is None and parse_retry_after(None) is None


async def test_retry_after_cools_down_only_that_host(http_server: LocalHTTPServer):
    with LocalHTTPServer() as other_host:
        busy = http_server.sequence(
            "/a", [Reply(429, headers={"Retry-After": "1"}), Reply(200, "a")]
        )
        same_host = http_server.static("/b", "b")
        elsewhere = other_host.static("/c", "c")
        async with Fetcher(policy()) as fetcher:
            first = asyncio.create_task(fetcher.fetch(busy))
            await asyncio.sleep(0.2)  # the 429 has arrived and set the cool-down
            started = time.monotonic()
            other = await fetcher.fetch(elsewhere)
            other_elapsed = time.monotonic() - started
            same = await fetcher.fetch(same_host)
            await first
    assert other.text == "c" and other_elapsed < 0.5
    assert same.text == "b"
    throttled_at = http_server.requests[0].at
    b_request = next(r for r in http_server.requests if r.path == "/b")
    assert b_request.at - throttled_at >= 0.95  # waited out the host's cool-down


async def test_hanging_host_times_out(http_server: LocalHTTPServer):
    url = http_server.hang("/hang")
    async with Fetcher(policy(read_timeout=0.3, retries=0)) as fetcher:
        started = time.monotonic()
        with pytest.raises(NetworkError) as caught:
            await fetcher.fetch(url)
    assert time.monotonic() - started < 2
    assert "0.3s" in str(caught.value)


async def test_trickling_host_hits_the_overall_deadline(http_server: LocalHTTPServer):
    url = http_server.trickle("/drip", interval=0.05)
    async with Fetcher(policy(read_timeout=1, total_timeout=0.8)) as fetcher:
        started = time.monotonic()
        with pytest.raises(NetworkError) as caught:
            await fetcher.fetch(url)
    assert time.monotonic() - started < 2
    assert "within 0.8s" in str(caught.value)


async def test_huge_streamed_body_is_cut_off_early(http_server: LocalHTTPServer):
    size = 20 * 2**20
    url = http_server.huge("/big", size)
    async with Fetcher(policy(max_bytes=2 * 2**20)) as fetcher:
        with pytest.raises(BodyTooLarge):
            await fetcher.fetch(url)
    stats = http_server.streams["/big"]
    assert stats.done.wait(5), "server still streaming after the client gave up"
    assert stats.client_closed and not stats.completed
    assert stats.bytes_sent < size


async def test_declared_content_length_too_large_is_rejected_before_reading(
    http_server: LocalHTTPServer,
):
    size = 20 * 2**20
    url = http_server.huge("/big", size, content_length=True)
    async with Fetcher(policy(max_bytes=2**20)) as fetcher:
        with pytest.raises(BodyTooLarge):
            await fetcher.fetch(url)
    stats = http_server.streams["/big"]
    assert stats.done.wait(5)
    assert not stats.completed


async def test_redirects_followed_to_final_url(http_server: LocalHTTPServer):
    final = http_server.static("/final", "here")
    http_server.redirect("/moved", "/final", status=301)
    start = http_server.redirect("/old", http_server.url("/moved"))
    async with Fetcher(policy()) as fetcher:
        page = await fetcher.fetch(start)
    assert page.text == "here"
    assert page.url == final and page.requested_url == start


async def test_redirect_loop_raises(http_server: LocalHTTPServer):
    url = http_server.redirect_loop("/a", "/b")
    async with Fetcher(policy()) as fetcher:
        with pytest.raises(TooManyRedirects, match="loop"):
            await fetcher.fetch(url)
    assert http_server.hits() == 2  # noticed on the way back to /a, no spinning


async def test_too_many_redirects_raises(http_server: LocalHTTPServer):
    for hop in range(6):
        http_server.redirect(f"/r{hop}", f"/r{hop + 1}")
    http_server.static("/r6", "end")
    async with Fetcher(policy(max_redirects=3)) as fetcher:
        with pytest.raises(TooManyRedirects, match="more than 3"):
            await fetcher.fetch(http_server.url("/r0"))


async def test_per_host_concurrency_is_limited(http_server: LocalHTTPServer):
    url = http_server.static("/slow", "x", delay=0.3)
    async with Fetcher(policy(per_host_concurrency=2)) as fetcher:
        pages = await asyncio.gather(*(fetcher.fetch(f"{url}?n={n}") for n in range(6)))
    assert all(p.text == "x" for p in pages)
    assert http_server.hits("/slow") == 6
    assert http_server.peak_in_flight("/slow") == 2


async def test_connection_refused_is_a_network_error():
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    async with Fetcher(policy(retries=1)) as fetcher:
        with pytest.raises(NetworkError, match="could not connect"):
            await fetcher.fetch(f"http://127.0.0.1:{port}/")


async def test_wrong_declared_charset_is_overruled_by_utf8(http_server: LocalHTTPServer):
    url = http_server.static("/fr", FRENCH.encode("utf-8"),
                             content_type="text/html; charset=iso-8859-1")
    async with Fetcher(policy()) as fetcher:
        page = await fetcher.fetch(url)
    assert page.text == FRENCH and page.encoding == "utf-8"


@pytest.mark.parametrize(("text", "encoding"), [(RUSSIAN, "windows-1251"), (FRENCH, "latin-1")])
async def test_undeclared_charset_is_detected(http_server: LocalHTTPServer, text, encoding):
    url = http_server.static("/page", text.encode(encoding), content_type="text/html")
    async with Fetcher(policy()) as fetcher:
        page = await fetcher.fetch(url)
    assert page.text == text


async def test_binary_body_is_not_decoded(http_server: LocalHTTPServer):
    url = http_server.static("/img", b"\x89PNG\r\n\x1a\n\x00\x01", content_type="image/png")
    async with Fetcher(policy()) as fetcher:
        page = await fetcher.fetch(url)
    assert page.content.startswith(b"\x89PNG") and page.text == ""


async def test_local_files_by_path_and_file_url(tmp_path):
    story = tmp_path / "story.html"
    story.write_bytes(RUSSIAN.encode("windows-1251"))
    async with Fetcher(policy()) as fetcher:
        by_path = await fetcher.fetch(str(story))
        by_url = await fetcher.fetch(story.as_uri())
        with pytest.raises(FetchError, match="no such file"):
            await fetcher.fetch(str(tmp_path / "missing.html"))
    assert by_path.text == by_url.text == RUSSIAN
    assert by_path.url == story.as_uri() and by_path.requested_url == str(story)
    assert by_path.content_type == "text/html"


# -- decode_body directly ------------------------------------------------------------


def test_bom_wins_over_everything():
    body = "\ufeffПривет".encode("utf-8")
    assert decode_body(body, "text/html; charset=windows-1251") == ("Привет", "utf-8")
    assert decode_body("Привет".encode("utf-16"), "")[0] == "Привет"


def test_document_declarations_are_used():
    meta = '<html><head><meta charset="windows-1251"></head><body>Привет мир</body></html>'
    http_equiv = ('<html><head><meta http-equiv="Content-Type" content="text/html; '
                  'charset=koi8-r"></head><body>Привет мир</body></html>')
    xml = '<?xml version="1.0" encoding="windows-1251"?><rss><title>Привет мир</title></rss>'
    assert decode_body(meta.encode("windows-1251"), "text/html")[0] == meta
    assert decode_body(http_equiv.encode("koi8-r"), "text/html")[0] == http_equiv
    assert decode_body(xml.encode("windows-1251"), "application/xml")[0] == xml


def test_header_charset_is_used_for_legacy_bytes():
    text, encoding = decode_body(FRENCH.encode("latin-1"), "text/html; charset=ISO-8859-1")
    assert text == FRENCH and encoding == "cp1252"  # the web reads latin-1 as windows-1252


def test_bogus_declared_charset_falls_back_to_evidence():
    text, _ = decode_body(FRENCH.encode("utf-8"), "text/html; charset=no-such-charset")
    assert text == FRENCH
