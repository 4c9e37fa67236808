"""Bounded bodies, tried as a hostile server would: a 1 MB gzip that inflates to 1 GB,
stacked and unknown codings, a Content-Length that announces too much, a body that never
ends. What a user notices: the fetch fails fast with a clear error and memory stays near the
cap; honest gzip/deflate pages still read normally."""

from __future__ import annotations

import gzip
import os
import time
import tracemalloc
import zlib
from collections.abc import AsyncIterator

import pytest

from digests.decompress import (
    ACCEPT_ENCODING,
    SLICE,
    BoundedDecoder,
    ContentEncodingError,
    decoder_for,
    read_body,
)
from digests.errors import BodyTooLarge
from digests.fetch import Fetcher, FetchPolicy
from tests.httpserver import LocalHTTPServer

CAP = 5 * 2**20  # the fetcher's default max_bytes
FAST = FetchPolicy(connect_timeout=2, read_timeout=3, total_timeout=6, retries=0, max_bytes=CAP)
PAGE = ("<html><body>" + "<p>A council approved the bridge budget after a long debate.</p>" * 200 + "</body></html>").encode()


def compressed_zeros(total: int, wbits: int, *, level: int = 9) -> bytes:
    """``total`` zero bytes compressed, built a megabyte at a time (never held inflated)."""
    packer = zlib.compressobj(level, zlib.DEFLATED, wbits)
    zeros = bytes(2**20)
    parts = [packer.compress(zeros) for _ in range(total // len(zeros))]
    return b"".join(parts) + packer.flush()


@pytest.fixture(scope="module")
def gzip_bomb() -> bytes:
    bomb = compressed_zeros(2**30, 31)  # 1 GiB of zeros
    assert len(bomb) < 1_100_000  # about 1 MB on the wire
    return bomb


def chunks_of(data: bytes, size: int = 64 * 1024) -> list[bytes]:
    return [data[i : i + size] for i in range(0, len(data), size)]


class CountingStream:
    """An async raw body that counts how many chunks the reader pulled."""

    def __init__(self, pieces: list[bytes]) -> None:
        self.pieces, self.pulled = pieces, 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for piece in self.pieces:
            self.pulled += 1
            yield piece


def serve(server: LocalHTTPServer, path: str, body: bytes, headers: list[tuple[str, str]], *, then_hang: float = 0) -> str:
    """A route that sends exactly these header lines (repeats allowed) and this body."""
    def route(h, req):
        h.send_response(200)
        for name, value in headers:
            h.send_header(name, value)
        h.send_header("Connection", "close")
        h.end_headers()
        h.close_connection = True
        try:
            h.wfile.write(body)
            h.wfile.flush()
        except OSError:
            return
        if then_hang:
            server._stopping.wait(then_hang)

    return server.add(path, route)


# -- the decoder itself ----------------------------------------------------------------------


def test_gzip_bomb_is_cut_at_the_cap_with_bounded_output(gzip_bomb):
    decoder = BoundedDecoder("gzip", CAP, "http://bomb.example/")
    fed, pieces = 0, chunks_of(gzip_bomb)
    tracemalloc.start()
    try:
        with pytest.raises(BodyTooLarge):
            for piece in pieces:
                fed += len(piece)
                decoder.feed(piece)  # output dropped after each feed, as a streaming reader would
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert decoder.total <= CAP + SLICE and decoder.peak_slice <= SLICE
    assert fed <= 2 * 64 * 1024  # a few kilobytes of a 1 MB bomb were enough to pass 5 MB
    # One feed may return up to the cap in slices before the count trips: cap + a constant.
    assert peak < CAP + 2**20, f"decoder allocated {peak / 2**20:.1f} MB at its peak"


async def test_read_body_of_a_gzip_bomb_stays_near_the_cap(gzip_bomb):
    stream = CountingStream(chunks_of(gzip_bomb))  # the input is not counted: it is the network's
    tracemalloc.start()
    try:
        with pytest.raises(BodyTooLarge):
            await read_body(stream, {"content-encoding": "gzip"}, CAP, "http://bomb.example/")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < CAP + 4 * 2**20, f"peak {peak / 2**20:.1f} MB for a {CAP / 2**20:.0f} MB cap"
    assert stream.pulled < len(stream.pieces)  # stopped early, did not drain the bomb


def test_deflate_bomb_zlib_wrapped_and_raw_are_cut_at_the_cap():
    for wbits in (15, -15):
        bomb = compressed_zeros(64 * 2**20, wbits)
        decoder = BoundedDecoder("deflate", CAP, "http://bomb.example/")
        with pytest.raises(BodyTooLarge):
            for piece in chunks_of(bomb):
                decoder.feed(piece)
        assert decoder.total <= CAP + SLICE


@pytest.mark.parametrize("coding,pack", [
    ("gzip", gzip.compress),
    ("x-gzip", gzip.compress),
    ("GZIP", gzip.compress),
    ("deflate", zlib.compress),  # as the RFC says: zlib-wrapped
    ("deflate", lambda b: zlib.compress(b)[2:-4]),  # as many servers send it: raw
    ("gzip", lambda b: gzip.compress(b[:1000]) + gzip.compress(b[1000:])),  # two members: one body
])
@pytest.mark.parametrize("piece", [1, 7, 4096])
def test_honest_compressed_bodies_decode_exactly_in_any_chunking(coding, pack, piece):
    decoder = decoder_for(coding, CAP, "http://news.example/")
    out = [b for chunk in chunks_of(pack(PAGE), piece) for b in decoder.feed(chunk)] + decoder.finish()
    assert b"".join(out) == PAGE


@pytest.mark.parametrize("header", ["gzip, gzip", "gzip,deflate", "deflate, gzip", "gzip, identity, gzip"])
def test_stacked_encodings_are_refused(header):
    with pytest.raises(ContentEncodingError, match="stacked"):
        decoder_for(header, CAP, "http://news.example/")


@pytest.mark.parametrize("header", ["compress", "zstd", "x-bzip2", "exi", "gzip;q=1", "br"])
def test_unknown_encodings_are_refused(header):
    if header == "br" and "br" in ACCEPT_ENCODING:
        pytest.skip("a bounded brotli module is installed here, so br is supported")
    with pytest.raises(ContentEncodingError, match="unsupported"):
        decoder_for(header, CAP, "http://news.example/")


@pytest.mark.parametrize("header", [None, "", "identity", " Identity "])
async def test_identity_is_passed_through(header):
    headers = {} if header is None else {"content-encoding": header}
    assert decoder_for(header, CAP, "u") is None
    assert await read_body(CountingStream(chunks_of(PAGE, 999)), headers, CAP, "u") == PAGE


async def test_corrupt_gzip_is_a_clear_error():
    body = bytearray(gzip.compress(PAGE))
    body[20:40] = os.urandom(20)
    with pytest.raises(ContentEncodingError, match="corrupt gzip"):
        await read_body(CountingStream([bytes(body)]), {"content-encoding": "gzip"}, CAP, "u")


# -- Content-Length and streaming caps ------------------------------------------------------


async def test_declared_length_over_the_cap_is_refused_before_a_byte_is_read():
    stream = CountingStream([b"x" * 1024] * 10)
    with pytest.raises(BodyTooLarge):
        await read_body(stream, {"content-length": str(CAP + 1)}, CAP, "u")
    assert stream.pulled == 0


async def test_body_without_length_is_refused_while_streaming():
    stream = CountingStream([b"x" * 65536] * 1000)  # 64 MB that never announced itself
    with pytest.raises(BodyTooLarge):
        await read_body(stream, {}, CAP, "u")
    assert stream.pulled == CAP // 65536 + 1


async def test_compressed_body_over_the_cap_on_the_wire_is_refused():
    raw = gzip.compress(os.urandom(CAP + 65536), compresslevel=1)  # incompressible: wire size > cap
    stream = CountingStream(chunks_of(raw))
    with pytest.raises(BodyTooLarge):
        await read_body(stream, {"content-encoding": "gzip"}, 2**20, "u")
    assert stream.pulled <= 2**20 // 65536 + 1


# -- through the real fetcher and a local server --------------------------------------------


async def test_fetcher_refuses_a_gzip_bomb_fast(http_server, gzip_bomb):
    url = serve(http_server, "/bomb", gzip_bomb, [("Content-Type", "text/html"), ("Content-Encoding", "gzip")])
    started = time.monotonic()
    async with Fetcher(FAST) as fetcher:
        with pytest.raises(BodyTooLarge):
            await fetcher.fetch(url)
    assert time.monotonic() - started < 3


@pytest.mark.parametrize("lines", [
    [("Content-Encoding", "gzip, gzip")],
    [("Content-Encoding", "gzip"), ("Content-Encoding", "gzip")],  # the same, as two header lines
])
async def test_fetcher_refuses_stacked_gzip(http_server, lines):
    double = gzip.compress(gzip.compress(PAGE))
    url = serve(http_server, "/double", double, [("Content-Type", "text/html"), *lines])
    async with Fetcher(FAST) as fetcher:
        with pytest.raises(ContentEncodingError, match="stacked"):
            await fetcher.fetch(url)


async def test_fetcher_reads_honest_gzip_and_deflate_pages(http_server):
    for path, coding, body in [("/gz", "gzip", gzip.compress(PAGE)), ("/df", "deflate", zlib.compress(PAGE))]:
        serve(http_server, path, body, [("Content-Type", "text/html; charset=utf-8"), ("Content-Encoding", coding)])
    async with Fetcher(FAST) as fetcher:
        for path in ("/gz", "/df"):
            page = await fetcher.fetch(http_server.url(path))
            assert page.content == PAGE and "bridge budget" in page.text
    assert "gzip" in (http_server.requests[0].header("accept-encoding") or "")


async def test_fetcher_refuses_an_announced_oversize_body_without_waiting_for_it(http_server):
    # The server announces 50 MB, sends a little, then stalls: only the Content-Length check
    # can answer at once; reading would wait for the read timeout.
    url = serve(http_server, "/announced", b"x" * 1000, [("Content-Type", "text/html"), ("Content-Length", str(50 * 2**20))],
                then_hang=10)
    started = time.monotonic()
    async with Fetcher(FAST) as fetcher:
        with pytest.raises(BodyTooLarge):
            await fetcher.fetch(url)
    assert time.monotonic() - started < FAST.read_timeout / 2


async def test_fetcher_cuts_an_endless_body_and_hangs_up(http_server):
    url = http_server.huge("/endless", 200 * 2**20)
    async with Fetcher(FAST) as fetcher:
        with pytest.raises(BodyTooLarge):
            await fetcher.fetch(url)
    stats = http_server.streams["/endless"]
    assert stats.done.wait(5) and stats.client_closed and stats.bytes_sent < 200 * 2**20

