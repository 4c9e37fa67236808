"""Bounded response bodies: the raw bytes off the socket, counted, then decoded by our own
incremental decompressor, so memory stays under the cap plus a small constant whatever the
compression ratio (a 1 MB gzip that inflates to 1 GB costs cap + ~64 KB, not 1 GB).

* ``Content-Encoding`` must be absent, ``identity``, or exactly one of ``gzip`` / ``x-gzip`` /
  ``deflate`` (and ``br`` when a brotli module with a bounded API is installed). Stacked codings
  (``gzip, gzip``) and unknown ones are refused with :class:`ContentEncodingError`: no real
  news site needs them, and each layer multiplies the ratio.
* A declared ``Content-Length`` over the cap is refused before a byte of the body is read.
* The raw body and the decoded body are each cut off at ``limit`` (:class:`BodyTooLarge`).
"""

from __future__ import annotations

import zlib
from collections.abc import AsyncIterator

from digests.errors import BodyTooLarge, FetchError

__all__ = ["ACCEPT_ENCODING", "SLICE", "BoundedDecoder", "ContentEncodingError", "decoder_for", "read_body"]

SLICE = 64 * 1024  # the most output one decompress step may produce

try:  # brotli is optional; only versions that can bound their output are used
    import brotli  # type: ignore[import-not-found]

    _BROTLI = hasattr(brotli, "Decompressor") and hasattr(brotli.Decompressor(), "can_accept_more_data")
except ImportError:  # pragma: no cover - depends on the environment
    brotli = None
    _BROTLI = False

_CODINGS = {"gzip", "x-gzip", "deflate"} | ({"br"} if _BROTLI else set())
ACCEPT_ENCODING = "gzip, deflate" + (", br" if _BROTLI else "")


class ContentEncodingError(FetchError):
    """Content-Encoding stacked, unknown, or the compressed data is corrupt."""


class BoundedDecoder:
    """Feed compressed chunks, get decoded chunks; raises :class:`BodyTooLarge` as soon as the
    decoded total passes ``limit``. Never holds more than one :data:`SLICE` of output beyond
    what it has returned, whatever the input."""

    def __init__(self, coding: str, limit: int, url: str) -> None:
        self.coding, self.limit, self.url = coding, limit, url
        self.total = 0
        self.peak_slice = 0  # the largest piece of output produced at once (tests check it)
        self._raw_deflate: bool | None = None if coding == "deflate" else False
        self._d = self._new()

    def _new(self):
        if self.coding == "br":
            return brotli.Decompressor()
        if self.coding == "deflate":
            return zlib.decompressobj(-zlib.MAX_WBITS if self._raw_deflate else zlib.MAX_WBITS)
        return zlib.decompressobj(16 + zlib.MAX_WBITS)

    def _count(self, out: bytes) -> bytes:
        self.total += len(out)
        self.peak_slice = max(self.peak_slice, len(out))
        if self.total > self.limit:
            raise BodyTooLarge(self.url, self.limit)
        return out

    def feed(self, data: bytes) -> list[bytes]:
        if self.coding == "br":
            return self._feed_brotli(data)
        if self._raw_deflate is None and data:
            # "deflate" is meant to be zlib-wrapped, but many servers send raw deflate.
            self._raw_deflate = (data[0] & 0x0F) != 8 or (data[0] << 8 | (data[1] if len(data) > 1 else 0x01)) % 31 != 0
            self._d = self._new()
        pieces: list[bytes] = []
        try:
            while data:
                out = self._d.decompress(data, SLICE)
                if out:
                    pieces.append(self._count(out))
                data = self._d.unconsumed_tail
                if self._d.eof:
                    rest = self._d.unused_data
                    if not rest.strip(b"\x00"):
                        break
                    self._d = self._new()  # concatenated gzip members are one body
                    data = rest
                elif not out:
                    break
        except zlib.error as exc:
            raise ContentEncodingError(self.url, f"corrupt {self.coding} body: {exc}") from None
        return pieces

    def _feed_brotli(self, data: bytes) -> list[bytes]:  # pragma: no cover - brotli optional
        pieces = []
        try:
            out = self._d.process(data, output_buffer_limit=SLICE)
            while True:
                if out:
                    pieces.append(self._count(out))
                if self._d.is_finished() or self._d.can_accept_more_data():
                    break  # all output for this input is out
                out = self._d.process(b"", output_buffer_limit=SLICE)
        except brotli.error as exc:
            raise ContentEncodingError(self.url, f"corrupt br body: {exc}") from None
        return pieces

    def finish(self) -> list[bytes]:
        if self.coding == "br":
            return []
        try:
            out = self._d.flush(SLICE) if hasattr(self._d, "flush") else b""
        except zlib.error as exc:
            raise ContentEncodingError(self.url, f"corrupt {self.coding} body: {exc}") from None
        return [self._count(out)] if out else []


def decoder_for(content_encoding: str | None, limit: int, url: str) -> BoundedDecoder | None:
    """The decoder for a Content-Encoding header, None for identity; refuses the rest."""
    codings = [c.strip().lower() for c in (content_encoding or "").split(",")]
    codings = [c for c in codings if c and c != "identity"]
    if not codings:
        return None
    if len(codings) > 1:
        raise ContentEncodingError(url, f"stacked content encodings refused ({content_encoding})")
    if codings[0] not in _CODINGS:
        raise ContentEncodingError(url, f"unsupported content encoding {codings[0]!r}")
    return BoundedDecoder("gzip" if codings[0] == "x-gzip" else codings[0], limit, url)


async def read_body(raw: AsyncIterator[bytes], headers, limit: int, url: str) -> bytes:
    """The decoded body from the raw byte stream of a response with ``headers``."""
    declared = (headers.get("content-length") or "").strip()
    if declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge(url, limit)  # refused before reading: the server said so itself
    decoder = decoder_for(headers.get("content-encoding"), limit, url)
    chunks: list[bytes] = []
    size = 0
    async for chunk in raw:
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge(url, limit)
        chunks.extend(decoder.feed(chunk) if decoder else [chunk])
    if decoder:
        chunks.extend(decoder.finish())
    return b"".join(chunks)
