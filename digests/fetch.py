"""The HTTP fetcher: one polite, bounded, retrying GET per call.

    async with Fetcher(FetchPolicy()) as fetcher:
        page = await fetcher.fetch(url, etag=old.etag, last_modified=old.last_modified)
        if page.not_modified: ...

Guarantees, so one bad host cannot stall or flood the bot:

* at most ``global_concurrency`` requests in flight, and ``per_host_concurrency`` per host;
* ``connect_timeout`` / ``read_timeout`` per socket operation, and ``total_timeout`` for the
  whole call (network time plus backoff sleeps; time spent queueing for a concurrency slot is
  not counted), so a server trickling one byte a second still fails;
* retries with exponential backoff and full jitter on 5xx, 429 and network errors; other
  4xx fail at once; ``Retry-After`` (seconds or HTTP date, capped by ``backoff_max``) is
  honoured and puts the whole host on cool-down, not just this request;
* conditional GET: a 304 gives ``FetchedPage(not_modified=True)`` with no body;
* the body is counted while streaming and the connection dropped past ``max_bytes``;
* redirects are followed by hand, so loops and long chains fail with ``TooManyRedirects``.

``file://`` URLs and plain paths are read from disk, so tests and the CLI use the same call.
"""

from __future__ import annotations

import asyncio
import mimetypes
import random
import time
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import httpx

from digests.charset import decode_body
from digests.errors import (
    BodyTooLarge,
    FetchError,
    HTTPStatusError,
    NetworkError,
    TooManyRedirects,
)
from digests.models import FetchedPage
from digests.urls import host_of

__all__ = ["FetchPolicy", "Fetcher", "parse_retry_after", "is_local"]

_REDIRECTS = {301, 302, 303, 307, 308}
_TEXT_HINTS = ("text/", "xml", "json", "html", "javascript")


@dataclass(frozen=True)
class FetchPolicy:
    connect_timeout: float = 10
    read_timeout: float = 20
    total_timeout: float = 60
    max_bytes: int = 5 * 1024 * 1024
    max_redirects: int = 5
    retries: int = 3
    backoff_base: float = 0.5
    backoff_max: float = 30
    global_concurrency: int = 16
    per_host_concurrency: int = 2
    user_agent: str = "newsdigest/0.1 (+https://github.com/newsdigest/newsdigest)"


class _Retryable(Exception):
    """One attempt failed in a way worth retrying; ``error`` is what we raise if we give up."""

    def __init__(self, error: FetchError, retry_after: float | None = None) -> None:
        super().__init__(str(error))
        self.error = error
        self.retry_after = retry_after


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None or when.tzinfo is None:
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def is_local(url: str) -> bool:
    """True for ``file://`` URLs and plain filesystem paths (anything without a web scheme)."""
    scheme = urlsplit(url).scheme.lower()
    return scheme == "file" or scheme == "" or (len(scheme) == 1 and url[1:3] in (":\\", ":/"))


def _host_key(url: str) -> str:
    """Who we are being polite to: the host, plus the port when it is not the default."""
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        port = None
    host = host_of(url)
    return f"{host}:{port}" if port and port not in (80, 443) else host


def _is_text(content_type: str) -> bool:
    media = content_type.split(";", 1)[0].strip().lower()
    return not media or any(hint in media for hint in _TEXT_HINTS)


def _describe(exc: httpx.HTTPError, policy: FetchPolicy) -> str:
    if isinstance(exc, httpx.ConnectTimeout):
        return f"could not connect within {policy.connect_timeout:g}s"
    if isinstance(exc, httpx.ReadTimeout):
        return f"server sent nothing for {policy.read_timeout:g}s"
    if isinstance(exc, httpx.TimeoutException):
        return f"timed out ({type(exc).__name__})"
    if isinstance(exc, httpx.ConnectError):
        return f"could not connect: {exc or 'connection refused'}"
    if isinstance(exc, httpx.RemoteProtocolError):
        return f"server broke the HTTP protocol or closed the connection: {exc}"
    return f"network error ({type(exc).__name__}): {exc}"


class Fetcher:
    """Owns one ``httpx.AsyncClient``; use as ``async with Fetcher(policy) as f``.

    ``transport`` replaces the network (an ``httpx.MockTransport`` in tests).
    """

    def __init__(
        self, policy: FetchPolicy | None = None, *, transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        self.policy = policy or FetchPolicy()
        p = self.policy
        self._client = httpx.AsyncClient(
            transport=transport,
            follow_redirects=False,  # by hand, to count hops and spot loops
            timeout=httpx.Timeout(
                connect=p.connect_timeout, read=p.read_timeout, write=p.read_timeout, pool=None
            ),
            limits=httpx.Limits(max_connections=p.global_concurrency),
            headers={"User-Agent": p.user_agent},
        )
        self._global = asyncio.Semaphore(p.global_concurrency)
        self._per_host: dict[str, asyncio.Semaphore] = {}
        self._cooldown_until: dict[str, float] = {}  # host -> loop.time() it may be asked again

    async def __aenter__(self) -> Fetcher:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._client.aclose()

    # -- public ------------------------------------------------------------------------

    async def fetch(
        self, url: str, *, etag: str | None = None, last_modified: str | None = None
    ) -> FetchedPage:
        if is_local(url):
            return await asyncio.to_thread(self._read_local, url)
        if urlsplit(url).scheme.lower() not in ("http", "https"):
            raise FetchError(url, f"unsupported URL scheme {urlsplit(url).scheme!r}")

        loop = asyncio.get_running_loop()
        budget = self.policy.total_timeout
        attempt = 0
        while True:
            started = loop.time()
            try:
                return await self._attempt(url, etag, last_modified, budget)
            except _Retryable as failure:
                budget -= loop.time() - started
                attempt += 1
                delay = self._backoff(attempt, failure.retry_after)
                if attempt > self.policy.retries or delay >= budget:
                    raise failure.error from None
                await asyncio.sleep(delay)
                budget -= delay

    # -- one attempt, following redirects ----------------------------------------------

    async def _attempt(
        self, url: str, etag: str | None, last_modified: str | None, budget: float
    ) -> FetchedPage:
        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        seen = [url]
        current = url
        loop = asyncio.get_running_loop()
        while True:
            host = _host_key(current)
            await self._wait_for_cooldown(host)
            async with self._host_slot(host), self._global:
                started = loop.time()
                try:
                    async with asyncio.timeout(max(budget, 0.001)):
                        page_or_next = await self._request(url, current, headers)
                except TimeoutError:
                    raise NetworkError(
                        url, f"no complete response within {self.policy.total_timeout:g}s"
                    ) from None
                budget -= loop.time() - started
            if isinstance(page_or_next, FetchedPage):
                return page_or_next
            current = page_or_next
            if current in seen:
                chain = " -> ".join(seen + [current])
                raise TooManyRedirects(url, f"redirect loop: {chain}")
            seen.append(current)
            if len(seen) > self.policy.max_redirects + 1:
                raise TooManyRedirects(url, f"more than {self.policy.max_redirects} redirects")

    async def _request(self, url: str, current: str, headers: dict[str, str]) -> FetchedPage | str:
        """The page, or the next URL when the server redirects."""
        try:
            request = self._client.build_request("GET", current, headers=headers)
        except httpx.InvalidURL as exc:
            raise FetchError(url, f"invalid URL: {exc}") from None
        try:
            response = await self._client.send(request, stream=True)
        except httpx.UnsupportedProtocol as exc:
            raise FetchError(url, f"unsupported URL: {exc}") from None
        except httpx.TransportError as exc:
            raise _Retryable(NetworkError(url, _describe(exc, self.policy))) from None
        try:
            return await self._handle(url, current, response, headers)
        except httpx.TransportError as exc:  # while reading the body
            raise _Retryable(NetworkError(url, _describe(exc, self.policy))) from None
        except httpx.DecodingError as exc:  # e.g. a corrupt gzip body: retrying won't help
            raise FetchError(url, f"could not decode the response body: {exc}") from None
        finally:
            # Closing a half-read stream drops the connection: the server stops sending.
            await response.aclose()

    async def _handle(
        self, url: str, current: str, response: httpx.Response, request_headers: dict[str, str]
    ) -> FetchedPage | str:
        status = response.status_code
        host = _host_key(current)
        if status in _REDIRECTS and response.headers.get("location"):
            try:
                return urljoin(current, response.headers["location"].strip())
            except ValueError:
                raise FetchError(url, f"bad redirect location {response.headers['location']!r}")
        if status == 429 or status >= 500:
            retry_after = parse_retry_after(response.headers.get("retry-after"))
            if retry_after is not None and status in (429, 503):
                wait = min(retry_after, self.policy.backoff_max)
                loop = asyncio.get_running_loop()
                self._cooldown_until[host] = max(
                    self._cooldown_until.get(host, 0.0), loop.time() + wait
                )
            else:
                retry_after = None
            raise _Retryable(HTTPStatusError(url, status, retry_after), retry_after)
        if status >= 400 or (status >= 300 and status != 304):
            raise HTTPStatusError(url, status)

        headers = {k.lower(): v for k, v in response.headers.items()}
        page = FetchedPage(
            url=current,
            requested_url=url,
            status=status,
            content_type=headers.get("content-type", ""),
            etag=headers.get("etag"),
            last_modified=headers.get("last-modified"),
            headers=headers,
        )
        if status == 304:
            # Servers may omit the validators on a 304; the ones we sent are still current.
            page.not_modified = True
            page.etag = page.etag or request_headers.get("If-None-Match")
            page.last_modified = page.last_modified or request_headers.get("If-Modified-Since")
            return page
        page.content = await self._read_capped(url, response)
        if _is_text(page.content_type):
            page.text, page.encoding = decode_body(page.content, page.content_type)
        return page

    async def _read_capped(self, url: str, response: httpx.Response) -> bytes:
        limit = self.policy.max_bytes
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            raise BodyTooLarge(url, limit)
        chunks: list[bytes] = []
        size = 0
        async for chunk in response.aiter_bytes():  # decompressed: a gzip bomb is caught too
            size += len(chunk)
            if size > limit:
                raise BodyTooLarge(url, limit)
            chunks.append(chunk)
        return b"".join(chunks)

    # -- politeness ----------------------------------------------------------------------

    def _host_slot(self, host: str) -> asyncio.Semaphore:
        if host not in self._per_host:
            self._per_host[host] = asyncio.Semaphore(self.policy.per_host_concurrency)
        return self._per_host[host]

    async def _wait_for_cooldown(self, host: str) -> None:
        loop = asyncio.get_running_loop()
        while (wait := self._cooldown_until.get(host, 0.0) - loop.time()) > 0:
            await asyncio.sleep(wait)

    def _backoff(self, attempt: int, retry_after: float | None) -> float:
        if retry_after is not None:
            return min(retry_after, self.policy.backoff_max)
        ceiling = min(self.policy.backoff_max, self.policy.backoff_base * 2 ** (attempt - 1))
        return random.uniform(0, ceiling)  # "full jitter": spreads retries of many clients

    # -- local files ---------------------------------------------------------------------

    def _read_local(self, url: str) -> FetchedPage:
        parts = urlsplit(url)
        path = Path(unquote(parts.path) if parts.scheme.lower() == "file" else url).expanduser()
        try:
            size = path.stat().st_size
            if size > self.policy.max_bytes:
                raise BodyTooLarge(url, self.policy.max_bytes)
            content = path.read_bytes()
        except FileNotFoundError:
            raise FetchError(url, "no such file") from None
        except IsADirectoryError:
            raise FetchError(url, "is a directory, not a file") from None
        except OSError as exc:
            raise FetchError(url, f"cannot read file: {exc.strerror or exc}") from None
        content_type = mimetypes.guess_type(path.name)[0] or ""
        text, encoding = decode_body(content, content_type)
        file_url = path.resolve().as_uri()
        return FetchedPage(
            url=file_url,
            requested_url=url,
            content=content,
            text=text,
            content_type=content_type,
            encoding=encoding,
        )
