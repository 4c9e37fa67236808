"""The ingestion worker: from sources to stored, analysed articles.

I/O is async (fetching, storing); extraction and analysis are CPU work handed to a thread or a
process pool. Each article is stored in its own transaction, and a feed's validators (ETag,
Last-Modified) are only saved once every item of that response is stored or permanently
refused: a crash or a transient failure mid-feed makes the next poll fetch it again, and the
items already stored are skipped by URL. Nothing is stored twice and nothing silently dropped.
"""

from __future__ import annotations

import asyncio
import logging
import re
import uuid
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path

from digests.analyze import analyze_page
from digests.errors import DigestError, FeedError, FetchError, HTTPStatusError
from digests.feeds import looks_like_feed, parse_feed
from digests.fetch import Fetcher, HostBreaker
from digests.models import Analysis, FetchedPage, Rejected
from digests.recent_index import RecentArticles
from digests.similarity import SAME_STORY_COSINE, fingerprint, term_vector
from digests.store import SourceRecord, Store
from digests.store.articles import guid_key
from digests.targets import file_url, local_files, target_kind
from digests.urlpolicy import (
    FetchScope,
    Refusal,
    SourceOrigin,
    UrlPolicy,
    UrlRefused,
    UrlVerdict,
)
from digests.urls import canonical_url

log = logging.getLogger(__name__)

__all__ = ["IngestOptions", "IngestReport", "IngestWorker", "Progress", "SourceDeadline"]

Progress = Callable[[str, int], None]  # (event, n): "total" adds n to the work, "advance" marks n done


@dataclass(frozen=True)
class IngestOptions:
    max_entries_per_feed: int = 100
    summary_sentences: int = 3
    story_threshold: float = SAME_STORY_COSINE  # cosine above which two articles are one story
    recent_window: timedelta = timedelta(days=3)  # compared for near-duplicates and stories
    source_concurrency: int = 8
    # One source's whole ingest (feed and items) may take this long; items not started by
    # then are fetched at the next poll (the feed's validators are not saved).
    source_deadline: float = 300.0
    # A host that times out this many times in one pass is skipped for the rest of it.
    host_timeouts_per_pass: int = 2


class SourceDeadline(FetchError):
    """The source's ingest ran out of time; what was not fetched is fetched at the next poll."""


@dataclass
class _SourcePass:
    """What every fetch of one source's ingest shares: whose URLs these are, the pass's host
    breaker and the source's deadline (event-loop time)."""

    scope: FetchScope
    breaker: HostBreaker
    deadline: float


@dataclass
class IngestReport:
    sources: int = 0
    new: int = 0
    duplicates: int = 0  # seen again under another URL, or a near-identical wire copy
    skipped: int = 0  # already stored
    not_modified: int = 0
    rejected: list[Rejected] = field(default_factory=list)  # no article in it (too short, not HTML, 404)
    errors: list[str] = field(default_factory=list)  # one line per failed source or item

    def merge(self, other: IngestReport) -> None:
        self.sources += other.sources
        self.new += other.new
        self.duplicates += other.duplicates
        self.skipped += other.skipped
        self.not_modified += other.not_modified
        self.rejected += other.rejected
        self.errors += other.errors


def _entry_page_failure_is_permanent(exc: Exception) -> bool:
    if isinstance(exc, UrlRefused):
        # The policy's verdict on the link will not change by the next poll (a name that did
        # not resolve may): re-downloading the whole feed to refuse it again helps nobody.
        return exc.reason is not Refusal.UNRESOLVABLE
    return isinstance(exc, HTTPStatusError) and 400 <= exc.status < 500 and exc.status not in (408, 429)


class IngestWorker:
    def __init__(
        self,
        store: Store,
        fetcher: Fetcher,
        options: IngestOptions | None = None,
        *,
        executor: Executor | None = None,
        progress: Progress | None = None,
    ) -> None:
        self.store = store
        self.fetcher = fetcher
        self.options = options or IngestOptions()
        self.executor = executor  # None: the default thread pool
        self.progress = progress or (lambda event, n: None)
        self._save_lock = asyncio.Lock()
        self._recent: RecentArticles | None = None

    # -- entry points ---------------------------------------------------------------------

    async def run_once(self, *, all_sources: bool = False) -> IngestReport:
        """Poll every due source (or all of them) once; one failing source never blocks others."""
        records = await (self.store.sources.list() if all_sources else self.store.sources.due())
        records = [r for r in records if r.enabled]
        self.progress("total", len(records))
        semaphore = asyncio.Semaphore(self.options.source_concurrency)
        breaker = HostBreaker(self.options.host_timeouts_per_pass)  # shared: a slow host is slow for every source

        async def one(record: SourceRecord) -> IngestReport:
            async with semaphore:
                try:
                    return await self.ingest_source(record, breaker=breaker)
                finally:
                    self.progress("advance", 1)

        report = IngestReport()
        for result in await asyncio.gather(*(one(r) for r in records)):
            report.merge(result)
        return report

    async def ingest_targets(self, targets: list[str]) -> IngestReport:
        """Ingest paths and URLs given on the command line, without adding them as sources."""
        report = IngestReport()
        self.progress("total", len(targets))
        for target in targets:
            kind = target_kind(target)
            record = SourceRecord(
                id=0, url=target, kind=kind, title=None, enabled=True, poll_interval_s=0, etag=None,
                last_modified=None, last_fetch_at=None, last_success_at=None, last_error=None, failures=0,
                next_poll_at=None,
            )
            try:
                report.merge(await self._ingest(record, self._pass(record, HostBreaker(self.options.host_timeouts_per_pass))))
            except DigestError as exc:
                report.errors.append(str(exc))
            except Exception as exc:
                report.errors.append(f"{target}: internal error: {type(exc).__name__}: {exc}")
                log.exception("input failed", extra={"input": target})
            finally:
                self.progress("advance", 1)
        return report

    def _pass(self, record: SourceRecord, breaker: HostBreaker) -> _SourcePass:
        deadline = asyncio.get_running_loop().time() + self.options.source_deadline
        return _SourcePass(FetchScope.source(record.url, record.origin), breaker, deadline)

    async def ingest_source(self, record: SourceRecord, *, breaker: HostBreaker | None = None) -> IngestReport:
        try:
            report = await self._ingest(record, self._pass(record, breaker or HostBreaker(self.options.host_timeouts_per_pass)))
        except (DigestError, OSError) as exc:
            failed = await self.store.sources.record_failure(record.id, str(exc))
            log.warning("source failed", extra={"source": record.url, "error": str(exc), "failures": failed and failed.failures})
            return IngestReport(sources=1, errors=[str(exc)])
        except Exception as exc:
            message = f"{record.url}: internal error: {type(exc).__name__}: {exc}"
            await self.store.sources.record_failure(record.id, message)
            log.exception("source failed", extra={"source": record.url})
            return IngestReport(sources=1, errors=[message])
        return report

    # -- per kind -------------------------------------------------------------------------

    async def _fetch(self, url: str, run: _SourcePass, *, item: bool = False, etag: str | None = None,
                     last_modified: str | None = None) -> FetchedPage:
        """Every fetch of a source's ingest: under the source's URL rules (items under the
        stricter item rules), the pass's host breaker and the source's deadline."""
        if asyncio.get_running_loop().time() >= run.deadline:
            raise SourceDeadline(url, f"not fetched: the source's {self.options.source_deadline:g}s deadline passed")
        try:
            async with asyncio.timeout_at(run.deadline):
                return await self.fetcher.fetch(url, etag=etag, last_modified=last_modified,
                                                scope=run.scope.item() if item else run.scope, breaker=run.breaker)
        except TimeoutError:
            raise SourceDeadline(url, f"not fetched: the source's {self.options.source_deadline:g}s deadline passed") from None

    async def _local_path(self, record: SourceRecord, run: _SourcePass) -> str:
        """A file or folder source's path as the URL policy reads it (``file://localhost/x``
        is ``/x``; ``file://otherhost/x`` is refused, never read as a relative path)."""
        if record.origin is not SourceOrigin.OPERATOR:
            raise UrlRefused(UrlVerdict(record.url, False, Refusal.SCHEME, "local sources are read only for the operator"))
        policy = getattr(self.fetcher, "url_policy", None) or UrlPolicy()  # local URLs never reach DNS
        verdict = await policy.check(record.url, run.scope)
        if not verdict.allowed:
            raise UrlRefused(verdict)
        if verdict.local_path is None:
            raise UrlRefused(UrlVerdict(record.url, False, Refusal.SCHEME, "not a local path"))
        return verdict.local_path

    async def _ingest(self, record: SourceRecord, run: _SourcePass) -> IngestReport:
        if record.kind == "folder":
            return await self._ingest_folder(record, run, await self._local_path(record, run))
        if record.kind == "file":
            path = await self._local_path(record, run)
            if not Path(path).expanduser().is_file():
                raise FetchError(record.url, "no such file")
            report = IngestReport(sources=1)
            await self._ingest_page_url(file_url(path), record, report, run, source_label=record.url)
            await self._record_success(record)
            return report
        page = await self._fetch(record.url, run, etag=record.etag, last_modified=record.last_modified)
        report = IngestReport(sources=1)
        if page.not_modified:
            report.not_modified += 1
            await self._record_success(record, page)
            return report
        if record.kind == "feed" or looks_like_feed(page):
            complete, ttl_minutes = await self._ingest_feed(page, record, report, run)
            await self._record_success(record, page if complete else None, interval_s=_poll_interval(record, page, ttl_minutes))
        else:
            await self._store_page(page, record, report, source_label=record.url)
            await self._record_success(record, page)
        return report

    async def _ingest_folder(self, record: SourceRecord, run: _SourcePass, folder: str) -> IngestReport:
        report = IngestReport(sources=1)
        files = local_files(folder)
        known = await self.store.articles.known_urls([file_url(f) for f in files])
        for path in files:
            url = file_url(path)
            if url in known:
                report.skipped += 1
                continue
            await self._ingest_page_url(url, record, report, run, source_label=str(path))
        await self._record_success(record)
        return report

    async def _ingest_feed(self, page: FetchedPage, record: SourceRecord, report: IngestReport,
                           run: _SourcePass) -> tuple[bool, int | None]:
        """Store the feed's new items; (True when none failed transiently, the feed's TTL)."""
        try:
            feed = parse_feed(page)
        except FeedError:
            if record.kind == "feed":
                raise
            await self._store_page(page, record, report, source_label=record.url)
            return True, None
        if feed.bozo:
            log.info("ill-formed feed read anyway", extra={"source": record.url, "problem": feed.bozo})
        entries = [e for e in feed.entries if e.link][: self.options.max_entries_per_feed]
        keys = {}
        for e in entries:
            keys[id(e)] = [canonical_url(e.link)] + ([guid_key(e.guid)] if e.guid else [])
        known = await self.store.articles.known_urls([k for ks in keys.values() for k in ks])
        fresh = [e for e in entries if not (set(keys[id(e)]) & known)]
        report.skipped += len(entries) - len(fresh)
        self.progress("total", len(fresh))
        results = await asyncio.gather(
            *(self._ingest_entry(e, record, report, run) for e in fresh), return_exceptions=False
        )
        return all(results), feed.ttl_minutes

    async def _ingest_entry(self, entry, record: SourceRecord, report: IngestReport, run: _SourcePass) -> bool:
        try:
            page = await self._fetch(entry.link, run, item=True)  # a link a feed handed us: untrusted
            await self._store_page(page, record, report, source_label=record.url, entry=entry)
            return True
        except FetchError as exc:
            report.errors.append(str(exc))
            log.warning("item failed", extra={"source": record.url, "url": entry.link, "error": str(exc)})
            return _entry_page_failure_is_permanent(exc)
        except Exception as exc:
            report.errors.append(f"{entry.link}: internal error: {type(exc).__name__}: {exc}")
            log.exception("item failed", extra={"source": record.url, "url": entry.link})
            return False  # not stored: the next poll fetches the feed in full and tries again
        finally:
            self.progress("advance", 1)

    async def _ingest_page_url(self, url: str, record: SourceRecord, report: IngestReport, run: _SourcePass, *,
                               source_label: str) -> None:
        page = await self._fetch(url, run)
        await self._store_page(page, record, report, source_label=source_label)

    # -- analysis and storage ---------------------------------------------------------------

    async def _store_page(self, page: FetchedPage, record: SourceRecord, report: IngestReport, *, source_label: str, entry=None) -> None:
        urls = [canonical_url(page.url), canonical_url(page.requested_url)]
        if entry is not None and entry.guid:
            urls.append(guid_key(entry.guid))
        if await self.store.articles.id_for_urls(urls):
            report.skipped += 1
            return
        loop = asyncio.get_running_loop()
        result, signature = await loop.run_in_executor(
            self.executor, partial(_analyze_and_sign, page, self.options.summary_sentences)
        )
        if isinstance(result, Rejected):
            report.rejected.append(result)
            log.info("no article", extra={"url": result.url, "reason": result.reason})
            return
        article = result.article
        article.source = source_label
        if entry is not None:
            article.guid = entry.guid
            article.published = article.published or entry.published
            if not article.authors and entry.authors:
                article.authors = list(entry.authors)
        article.alternate_urls = [u for u in dict.fromkeys([*article.alternate_urls, *urls[:2]]) if u != article.url]
        await self._save(result, signature, record, report)

    async def _save(self, analysis: Analysis, signature: _Signature, record: SourceRecord, report: IngestReport) -> None:
        fp, vector = signature
        async with self._save_lock:
            recent = await self._recent_articles()
            duplicate_of = recent.duplicate_of(fp)
            story_id = None
            if duplicate_of is None:
                score, closest = recent.closest_story(vector)
                if score >= self.options.story_threshold:
                    story_id = closest
            story_id = story_id or uuid.uuid4().hex[:16]
            result = await self.store.articles.save(
                analysis, source_id=record.id or None, fingerprint=_signed64(fp), vector=vector,
                story_id=story_id, duplicate_of=duplicate_of,
            )
            if result.created:
                report.new += 1
                recent.add(result.article_id, story_id, fp, vector)
            else:
                report.duplicates += 1

    async def _recent_articles(self) -> RecentArticles:
        if self._recent is None:
            since = datetime.now(UTC) - self.options.recent_window
            self._recent = RecentArticles()
            for aid, sid, fp, vec in await self.store.articles.recent_signatures(since):
                self._recent.add(aid, sid, fp, vec)
        return self._recent

    def forget_recent(self) -> None:
        """Reload the recent articles from the store on the next save (other workers may
        have stored some since)."""
        self._recent = None

    async def _record_success(self, record: SourceRecord, page: FetchedPage | None = None, *,
                              interval_s: int | None = None) -> None:
        if not record.id:
            return
        if page is None:  # validators cleared: the next poll fetches the whole feed again
            await self.store.sources.record_success(record.id, etag=None, last_modified=None, interval_s=interval_s)
            return
        await self.store.sources.record_success(
            record.id, etag=page.etag or record.etag, last_modified=page.last_modified or record.last_modified,
            interval_s=interval_s,
        )


_MAX_AGE = re.compile(r"max-age\s*=\s*(\d+)", re.IGNORECASE)
_MAX_POLL_INTERVAL_S = 24 * 3600


def _poll_interval(record: SourceRecord, page: FetchedPage, ttl_minutes: int | None) -> int | None:
    """A feed that says how long it stays fresh (RSS <ttl>, Cache-Control max-age) is not
    polled more often than that; it can only slow our own interval down (capped at a day)."""
    hints = [record.poll_interval_s]
    if ttl_minutes:
        hints.append(ttl_minutes * 60)
    cache_control = next((v for k, v in page.headers.items() if k.lower() == "cache-control"), "")
    match = _MAX_AGE.search(cache_control)
    if match:
        hints.append(int(match.group(1)))
    interval = min(max(hints), _MAX_POLL_INTERVAL_S)
    return interval if interval != record.poll_interval_s else None


_Signature = tuple[int, dict]


def _analyze_and_sign(page: FetchedPage, summary_sentences: int) -> tuple[Analysis | Rejected, _Signature | None]:
    """CPU work for one page, in the executor: analysis plus the fingerprint and term vector
    the dedup and story look-ups need."""
    result = analyze_page(page, summary_sentences=summary_sentences)
    if isinstance(result, Rejected):
        return result, None
    body = result.article.body
    return result, (fingerprint(body), term_vector(f"{result.headline or result.article.title}\n{body}"))


def _signed64(value: int) -> int:
    """SimHash is unsigned 64-bit; databases store signed BIGINT."""
    return value - (1 << 64) if value >= (1 << 63) else value
