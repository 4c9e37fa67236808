"""The URL policy as a hostile chat user and a hostile feed would probe it: every numeric
spelling of loopback, every private range, names that resolve inward, local files in every
spelling, and the local-file reader against FIFOs, devices, directories and lying sizes.
No network: names are answered by an injected resolver."""

from __future__ import annotations

import asyncio
import os
import sys
import time

import pytest

from digests.errors import BodyTooLarge, FetchError
from digests.urlpolicy import (
    FetchScope,
    Refusal,
    SourceOrigin,
    UrlPolicy,
    UrlRefused,
    check_chat_source_url,
    read_local_file,
)

PUBLIC = "93.184.216.34"  # a globally routable address (never connected to here)


class FakeDNS:
    """A resolver answering from a table; records every question."""

    def __init__(self, table: dict[str, list[str]] | None = None) -> None:
        self.table = table or {}
        self.asked: list[str] = []

    async def __call__(self, host: str, port: int) -> list[str]:
        self.asked.append(host)
        if host not in self.table:
            raise OSError(f"no such host {host}")
        return self.table[host]


LOOPBACK_AND_PRIVATE_LITERALS = [
    "http://127.0.0.1/",
    "http://127.0.0.1:5432/",
    "http://2130706433/",  # 127.0.0.1 as one decimal number
    "http://0x7f000001/",  # ... as one hex number
    "http://127.1/",  # ... short form
    "http://0177.0.0.1/",  # ... octal first part
    "http://0x7f.0.0.1/",
    "http://[::1]/",
    "http://[::ffff:127.0.0.1]/",  # IPv4-mapped loopback
    "http://[::ffff:7f00:1]/",
    "http://[64:ff9b::7f00:1]/",  # NAT64 of loopback
    "http://[2002:7f00:1::]/",  # 6to4 of loopback
    "http://169.254.169.254/latest/meta-data/",  # cloud metadata
    "http://[::ffff:169.254.169.254]/",
    "http://10.1.2.3/",
    "http://172.16.0.1/",
    "http://192.168.1.1/admin",
    "http://100.64.0.1/",  # shared address space (CGNAT)
    "http://0.0.0.0/",
    "http://0/",
    "http://[::]/",
    "http://[fe80::1]/",
    "http://[fc00::1]/",
    "http://224.0.0.1/",
    "http://240.0.0.1/",
    "https://127.0.0.1:8443/feed.xml",
]


@pytest.mark.parametrize("url", LOOPBACK_AND_PRIVATE_LITERALS)
async def test_chat_source_on_a_non_public_address_is_refused_in_every_spelling(url):
    dns = FakeDNS()
    verdict = await check_chat_source_url(url, policy=UrlPolicy(resolver=dns))
    assert not verdict.allowed
    assert verdict.reason is Refusal.PRIVATE_ADDRESS, verdict.detail
    assert dns.asked == []  # a number is a number: never handed to DNS, which might answer otherwise


async def test_chat_source_named_localhost_is_refused_with_the_real_resolver():
    verdict = await check_chat_source_url("http://localhost:5432/")
    assert not verdict.allowed and verdict.reason in (Refusal.PRIVATE_ADDRESS, Refusal.UNRESOLVABLE)


@pytest.mark.parametrize("answer", [["127.0.0.1"], ["10.0.0.7"], ["::1"], ["169.254.169.254"],
                                    [PUBLIC, "192.168.0.10"], ["not-an-address"]])
async def test_chat_source_whose_name_resolves_inward_is_refused(answer):
    dns = FakeDNS({"intranet.example": answer})
    verdict = await check_chat_source_url("https://intranet.example/feed", policy=UrlPolicy(resolver=dns))
    assert not verdict.allowed and verdict.reason is Refusal.PRIVATE_ADDRESS
    assert dns.asked == ["intranet.example"]


async def test_chat_source_whose_name_resolves_to_public_addresses_is_allowed_and_pinned():
    dns = FakeDNS({"news.example": [PUBLIC, "2606:2800:220:1:248:1893:25c8:1946"]})
    verdict = await check_chat_source_url("https://news.example/rss", policy=UrlPolicy(resolver=dns))
    assert verdict.allowed
    assert verdict.addresses == (PUBLIC, "2606:2800:220:1:248:1893:25c8:1946")  # what the fetcher connects to


async def test_unresolvable_or_slow_dns_is_refused_within_the_resolve_timeout():
    async def never_answers(host, port):
        await asyncio.sleep(30)

    started = time.monotonic()
    slow = await check_chat_source_url("http://slow.example/", policy=UrlPolicy(resolver=never_answers, resolve_timeout=0.3))
    assert time.monotonic() - started < 3
    missing = await check_chat_source_url("http://missing.example/", policy=UrlPolicy(resolver=FakeDNS()))
    assert not slow.allowed and slow.reason is Refusal.UNRESOLVABLE
    assert not missing.allowed and missing.reason is Refusal.UNRESOLVABLE


@pytest.mark.parametrize("url", ["file:///etc/passwd", "file://localhost/etc/passwd", "FILE:/etc/passwd", "/etc/passwd",
                                 "etc/passwd", "~/.ssh/id_rsa", "ftp://example.com/x", "gopher://example.com/",
                                 "javascript:alert(1)", "data:text/html,hi"])
async def test_chat_source_that_is_not_http_is_refused(url):
    verdict = await check_chat_source_url(url, policy=UrlPolicy(resolver=FakeDNS({"example.com": [PUBLIC]})))
    assert not verdict.allowed and verdict.reason is Refusal.SCHEME


async def test_the_config_switch_widens_operator_item_links_but_never_chat_sources():
    wide = UrlPolicy(resolver=FakeDNS(), allow_private_item_hosts=True)
    assert not (await check_chat_source_url("http://127.0.0.1/", policy=wide)).allowed
    chat_feed = FetchScope.source("https://news.example/rss", SourceOrigin.CHAT)
    assert not (await wide.check("http://10.0.0.1/story", chat_feed.item())).allowed
    operator_feed = FetchScope.source("https://news.example/rss", SourceOrigin.OPERATOR)
    assert (await wide.check("http://10.0.0.1/story", operator_feed.item())).allowed


# -- the operator's column of the table ------------------------------------------------------


async def test_operator_source_may_be_on_a_private_address_and_its_own_host_links_too():
    policy = UrlPolicy(resolver=FakeDNS())
    scope = FetchScope.source("http://127.0.0.1:8080/feed.xml")
    assert (await policy.check("http://127.0.0.1:8080/feed.xml", scope)).allowed
    assert (await policy.check("http://127.0.0.1:8080/news/1.html", scope.item())).allowed
    for elsewhere in ("http://10.0.0.2/x", "http://169.254.169.254/latest/", "http://[::1]:8080/x"):
        verdict = await policy.check(elsewhere, scope.item())
        assert not verdict.allowed and verdict.reason is Refusal.PRIVATE_ADDRESS, elsewhere


async def test_operator_local_source_is_a_file_on_this_host_only(tmp_path):
    policy = UrlPolicy(resolver=FakeDNS())
    target = tmp_path / "feed.xml"
    for url in (target.as_uri(), f"file://localhost{target}", str(target)):
        verdict = await policy.check(url)
        assert verdict.allowed and verdict.local_path == str(target), url
    for url in (f"file://anyhost{target}", f"file://192.168.1.5{target}"):
        verdict = await policy.check(url)
        assert not verdict.allowed and verdict.reason is Refusal.FILE_HOST


@pytest.mark.parametrize("link", ["file:///etc/passwd", "file://localhost/etc/passwd", "file://anyhost/etc/passwd",
                                  "FILE:/etc/passwd", "File:///etc/passwd", "/etc/passwd", "etc/passwd",
                                  "file:///%65tc/passwd", "%66ile:///etc/passwd", " file:///etc/passwd",
                                  "fi\tle:///etc/passwd", "C:/Windows/win.ini", "ftp://127.0.0.1/x"])
@pytest.mark.parametrize("origin", list(SourceOrigin))
async def test_a_feed_item_link_is_never_a_local_file(link, origin):
    scope = FetchScope.source("http://127.0.0.1:8080/feed.xml", origin)
    verdict = await UrlPolicy(resolver=FakeDNS(), allow_private_item_hosts=True).check(link, scope.item())
    assert not verdict.allowed and verdict.reason is Refusal.SCHEME
    assert verdict.local_path is None


# -- reading local files (operator sources only) --------------------------------------------


async def _read_in_thread(path, limit):
    # A FIFO that blocked would hang this thread; the wait_for bounds the test either way.
    return await asyncio.wait_for(asyncio.to_thread(read_local_file, str(path), limit), timeout=5)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")
async def test_a_fifo_is_refused_at_once_not_waited_on(tmp_path):
    fifo = tmp_path / "story.html"
    os.mkfifo(fifo)
    link = tmp_path / "link.html"
    link.symlink_to(fifo)
    for path in (fifo, link):
        started = time.monotonic()
        with pytest.raises(UrlRefused) as caught:
            await _read_in_thread(path, 1024)
        assert caught.value.reason is Refusal.NOT_REGULAR_FILE
        assert time.monotonic() - started < 2


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="no /dev/zero")
async def test_dev_zero_is_refused_not_read_forever():
    with pytest.raises(UrlRefused) as caught:
        await _read_in_thread("/dev/zero", 1024)
    assert caught.value.reason is Refusal.NOT_REGULAR_FILE


async def test_a_directory_is_refused(tmp_path):
    with pytest.raises(UrlRefused) as caught:
        await _read_in_thread(tmp_path, 1024)
    assert caught.value.reason is Refusal.NOT_REGULAR_FILE


async def test_a_file_over_the_cap_is_refused_and_one_at_the_cap_is_read(tmp_path):
    big = tmp_path / "big.html"
    big.write_bytes(b"x" * 4097)
    with pytest.raises(BodyTooLarge):
        await _read_in_thread(big, 4096)
    exact = tmp_path / "exact.html"
    exact.write_bytes(b"y" * 4096)
    assert await _read_in_thread(exact, 4096) == b"y" * 4096


def test_a_file_over_the_cap_is_refused_before_any_of_it_is_read(tmp_path, monkeypatch):
    big = tmp_path / "big.html"
    big.write_bytes(b"x" * (1 << 20))
    reads: list[int] = []
    real_read = os.read
    monkeypatch.setattr(os, "read", lambda fd, n: reads.append(n) or real_read(fd, n))
    with pytest.raises(BodyTooLarge):
        read_local_file(str(big), 4096)
    assert reads == []  # the size on disk said enough


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="needs /proc")
async def test_a_file_whose_size_lies_is_still_capped_while_reading():
    # /proc files are regular files that report size 0: only the read loop's count can stop them.
    assert os.stat("/proc/self/maps").st_size == 0
    with pytest.raises(BodyTooLarge):
        await _read_in_thread("/proc/self/maps", 64)


async def test_a_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(FetchError, match="no such file"):
        await _read_in_thread(tmp_path / "missing.html", 1024)
