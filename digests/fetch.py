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
* redirects are followed by hand, so loops and long chains fail with ``TooManyRedirects``;
* every URL and every redirect hop is checked by :mod:`digests.urlpolicy` under the
  :class:`~digests.urlpolicy.FetchScope` the caller passes (default: an operator's source);
  a checked public address is connected to directly (Host header and SNI keep the name), so
  DNS rebinding cannot swap it;
* bodies are read raw and decoded by :mod:`digests.decompress` (bounded, one coding only);
* a :class:`HostBreaker` shared by one ingest pass skips a host after it timed out N times.

``file://`` URLs and plain paths are read from disk (regular files only, capped, with a
deadline) for operator sources only, so tests and the CLI use the same call.
"""

from __future__ import annotations

import asyncio
import mimetypes
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import httpx

from digests.charset import decode_body
from digests.decompress import ACCEPT_ENCODING, read_body
from digests.errors import (
    FetchError,
    HTTPStatusError,
    NetworkError,
    TooManyRedirects,
)
from digests.models import FetchedPage
from digests.urlpolicy import (
    FetchScope,
    Refusal,
    Resolver,
    UrlPolicy,
    UrlRefused,
    UrlVerdict,
    read_local_file,
    system_resolver,
)
from digests.urls import host_of

__all__ = ["FetchPolicy", "FetchTimeout", "Fetcher", "HostBreaker", "HostSkipped", "parse_retry_after"]

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
    # Operator sources' item links may reach private addresses on any host, not only the
    # source's own. Never applies to chat-added sources.
    allow_private_item_hosts: bool = False


class FetchTimeout(NetworkError):
    """No complete response within the time limits (after retries)."""


class HostSkipped(FetchError):
    """The host timed out too often in this pass; not asked again until the next one."""


@dataclass
class HostBreaker:
    """Counts timed-out attempts per host during one ingest pass; ``limit`` of them open the
    breaker (checked before a request and again once it holds the host's slot)."""

    limit: int = 2
    timeouts: dict[str, int] = field(default_factory=dict)

    def is_open(self, host: str) -> bool:
        return self.limit > 0 and self.timeouts.get(host, 0) >= self.limit

    def record_timeout(self, host: str) -> None:
        self.timeouts[host] = self.timeouts.get(host, 0) + 1

    def tripped(self) -> list[str]:
        return [h for h in self.timeouts if self.is_open(h)]


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

    ``transport`` replaces the network (an ``httpx.MockTransport`` in tests); ``resolver``
    replaces DNS for the URL policy (``async (host, port) -> [addresses]``).
    """

    def __init__(
        self, policy: FetchPolicy | None = None, *, transport: httpx.AsyncBaseTransport | None = None,
        resolver: Resolver | None = None,
    ) -> None:
        self.policy = policy or FetchPolicy()
        p = self.policy
        self.url_policy = UrlPolicy(resolver=resolver or system_resolver,
                                    allow_private_item_hosts=p.allow_private_item_hosts,
                                    resolve_timeout=p.connect_timeout)
        self._client = httpx.AsyncClient(
            transport=transport,
            follow_redirects=False,  # by hand, to count hops and spot loops
            timeout=httpx.Timeout(
                connect=p.connect_timeout, read=p.read_timeout, write=p.read_timeout, pool=None
            ),
            limits=httpx.Limits(max_connections=p.global_concurrency),
            headers={"User-Agent": p.user_agent, "Accept-Encoding": ACCEPT_ENCODING},
        )
        self._global = asyncio.Semaphore(p.global_concurrency)
        self._per_host: dict[str, asyncio.Semaphore] = {}
        self._cooldown_until: dict[str, float] = {}  # host -> loop.time() it may be asked again
        # Called as on_backoff(host, seconds) when a host asks us to wait (429/503 Retry-After):
        # the /metrics per-host back-off counter hooks in here.
        self.on_backoff: Callable[[str, float], None] | None = None

    async def __aenter__(self) -> Fetcher:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._client.aclose()

    # -- public ------------------------------------------------------------------------

    async def fetch(
        self, url: str, *, etag: str | None = None, last_modified: str | None = None,
        scope: FetchScope | None = None, breaker: HostBreaker | None = None,
    ) -> FetchedPage:
        """The page at ``url``. ``scope`` says whose URL it is (default: an operator's source);
        the URL policy refuses what that scope may not read (:class:`UrlRefused`)."""
        scope = scope or FetchScope.source(url)
        verdict = await self.url_policy.check(url, scope)
        if not verdict.allowed:
            raise UrlRefused(verdict)
        if verdict.local_path is not None:
            try:
                async with asyncio.timeout(self.policy.total_timeout):
                    return await asyncio.to_thread(self._read_local, url, verdict.local_path)
            except TimeoutError:
                raise FetchTimeout(url, f"file not read within {self.policy.total_timeout:g}s") from None
        _check_breaker(breaker, url, _host_key(url))
        return await self._fetch_remote(url, etag, last_modified, scope, breaker)

    async def _fetch_remote(
        self, url: str, etag: str | None, last_modified: str | None, scope: FetchScope,
        breaker: HostBreaker | None = None,
    ) -> FetchedPage:
        loop = asyncio.get_running_loop()
        budget = self.policy.total_timeout
        attempt = 0
        while True:
            started = loop.time()
            try:
                return await self._attempt(url, etag, last_modified, budget, scope, breaker)
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
        self, url: str, etag: str | None, last_modified: str | None, budget: float, scope: FetchScope,
        breaker: HostBreaker | None = None,
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
            verdict = await self.url_policy.check(current, scope)  # every hop, the origin's rules
            if not verdict.allowed:
                raise UrlRefused(UrlVerdict(url, False, verdict.reason, f"redirect to {current}: {verdict.detail}"))
            if verdict.local_path is not None:  # the first URL's local file was read by fetch()
                raise UrlRefused(UrlVerdict(url, False, Refusal.SCHEME,
                                            f"redirect to {current}: a redirect never leads to a local file"))
            host = _host_key(current)
            _check_breaker(breaker, url, host)
            await self._wait_for_cooldown(host)
            async with self._host_slot(host), self._global:
                # Checked again once the slot is ours: requests queued behind a slow host's
                # first ones must not each wait out the timeout the breaker already counted.
                _check_breaker(breaker, url, host)
                started = loop.time()
                try:
                    async with asyncio.timeout(max(budget, 0.001)):
                        page_or_next = await self._request(url, current, headers, verdict.addresses, breaker)
                except TimeoutError:
                    if breaker is not None:
                        breaker.record_timeout(host)  # inside the slot, before a waiter takes it
                    raise FetchTimeout(
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

    async def _send(self, url: str, current: str, headers: dict[str, str], addresses: tuple[str, ...]) -> httpx.Response:
        """Send to one of the checked ``addresses`` (by name when there are none), trying
        the next address when one refuses the connection."""
        for i, address in enumerate(addresses or (None,)):
            try:
                request = self._client.build_request("GET", current, headers=headers)
                if address is not None:  # pinned: connect to the checked IP, keep the name
                    host = request.url.host
                    request.headers["Host"] = request.url.netloc.decode("ascii")
                    request.url = request.url.copy_with(host=address)
                    request.extensions = {**request.extensions, "sni_hostname": host}
            except httpx.InvalidURL as exc:
                raise FetchError(url, f"invalid URL: {exc}") from None
            try:
                return await self._client.send(request, stream=True)
            except httpx.UnsupportedProtocol as exc:
                raise FetchError(url, f"unsupported URL: {exc}") from None
            except httpx.ConnectError:
                if i + 1 >= len(addresses):
                    raise
        raise AssertionError("unreachable")

    async def _request(self, url: str, current: str, headers: dict[str, str],
                       addresses: tuple[str, ...] = (), breaker: HostBreaker | None = None) -> FetchedPage | str:
        """The page, or the next URL when the server redirects. Each timed-out attempt
        counts against the host in ``breaker``."""
        try:
            response = await self._send(url, current, headers, addresses)
        except httpx.TransportError as exc:
            raise _Retryable(_network_error(url, exc, self.policy, breaker, _host_key(current))) from None
        try:
            return await self._handle(url, current, response, headers)
        except httpx.TransportError as exc:  # while reading the body
            raise _Retryable(_network_error(url, exc, self.policy, breaker, _host_key(current))) from None
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
                if self.on_backoff is not None:
                    self.on_backoff(host, wait)
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
        # Raw bytes: httpx must not inflate anything; our bounded decoder does.
        return await read_body(response.aiter_raw(), response.headers, self.policy.max_bytes, url)

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

    def _read_local(self, url: str, path: str) -> FetchedPage:
        content = read_local_file(path, self.policy.max_bytes, url)
        resolved = Path(path).resolve()
        content_type = mimetypes.guess_type(resolved.name)[0] or ""
        text, encoding = decode_body(content, content_type)
        return FetchedPage(
            url=resolved.as_uri(), requested_url=url, content=content, text=text,
            content_type=content_type, encoding=encoding,
        )


def _network_error(url: str, exc: httpx.HTTPError, policy: FetchPolicy,
                   breaker: HostBreaker | None = None, host: str = "") -> NetworkError:
    timed_out = isinstance(exc, httpx.TimeoutException)
    if timed_out and breaker is not None:
        breaker.record_timeout(host)
    return (FetchTimeout if timed_out else NetworkError)(url, _describe(exc, policy))


def _check_breaker(breaker: HostBreaker | None, url: str, host: str) -> None:
    if breaker is not None and breaker.is_open(host):
        raise HostSkipped(url, f"{host} timed out {breaker.limit} times in this pass; skipped until the next")
