"""The fake Telegram Bot API, the fake Slack Web API and a local news site, together, for
tests that run ``newsdigest run`` as a separate process (crash tests, manual trials).

Everything runs in one background thread of the caller's process (the two fakes share an
asyncio loop there; the news site is :class:`tests.httpserver.LocalHTTPServer`), so the
process under test talks to them over real HTTP while the test reads what arrived::

    with FakePlatforms(NewsSite(feeds=3, articles_per_feed=40)) as fakes:
        env = {**os.environ, **fakes.env()}           # TELEGRAM_BOT_TOKEN, SLACK_*_TOKEN
        fakes.config_toml()                            # [telegram] base_url, [slack] api_base_url
        ... run newsdigest ...
        fakes.telegram_messages()                      # what Telegram accepted (copies)

As a program it serves until Ctrl-C and prints the URLs and tokens as one JSON line::

    python -m tests.platforms.serve_fakes --feeds 3 --articles 40

The news site: ``/feeds/<n>.xml`` (RSS) lists the feed's articles, newest first; each page
(``/news/<n>/<i>.html``) is a distinct generated article answered after a seeded delay in
``page_delay`` (slow pages make a kill land mid-ingest). With ``reveal_seconds`` the feeds
grow: article ``i`` appears ``i * reveal_seconds / articles_per_feed`` seconds after start,
so later polls find new articles. Articles are dated shortly before the site started, so a
digest due after that includes them.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import signal
import sys
import threading
import time
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from html import escape
from typing import Any, Callable, TypeVar

from tests.httpserver import LocalHTTPServer, RecordedRequest, Reply
from tests.platforms.fake_slack import FakeSlack, PostedMessage
from tests.platforms.fake_telegram import FakeLimits, FakeTelegram, SentMessage

__all__ = ["NewsSite", "FakePlatforms"]

T = TypeVar("T")


@dataclass(frozen=True)
class NewsSite:
    feeds: int = 3
    articles_per_feed: int = 40
    page_delay: tuple[float, float] = (0.05, 0.15)  # seconds, uniform, seeded per page
    listed_at_start: int | None = None  # articles each feed lists at first (None: all of them)
    reveal_seconds: float = 60.0  # the others appear one by one over this long
    seed: int = 0


_SYLLABLES = ["bar", "ven", "tor", "li", "ska", "mon", "dra", "quel", "fen", "ost", "rup", "zin", "hal", "ker", "mir",
              "sol", "tav", "ung", "wex", "yor", "pla", "gri", "nus", "cob", "ard", "bel", "cit", "dun", "eth", "fal"]
_SENTENCES = [
    "The {n1} of {A} {v} the {n2} {n3} after {B} asked for it.",
    "{A} and {B} {v} a {n1} for the {n2} near the {n3}.",
    "Residents of {A} said the {n1} {n2} was {v} by {B} last {n3}.",
    "Officials in {A} {v} {k} {n1} units, while {B} kept the {n2} open.",
    "A {n1} from {A} {v} the {n2}; {B} called the {n3} overdue.",
    "{B} {v} the {n1} {n2} in {A}, with {k} {n3} to follow.",
    "Nobody in {A} expected {B} to have {v} the {n1} so soon.",
    "During the {n1} season, {A} {v} every {n2} that {B} owned.",
    "{k} people watched as {B} {v} the {n1} outside {A}.",
    "Critics of {B} say the {n1} in {A} should never have been {v}.",
    "Before the {n2} vote, {A} quietly {v} the {n1} of {B}.",
    "Engineers from {B} {v} {k} metres of {n1} under {A}.",
]
_VERBS = ["approved", "delayed", "expanded", "reviewed", "funded", "inspected", "questioned", "tested", "rebuilt",
          "opened", "closed", "moved", "sold", "painted", "measured", "cancelled", "restored", "insured", "relocated",
          "audited", "mapped", "drained", "widened", "licensed"]


def article_story(number: int, paragraphs: int = 6) -> tuple[str, list[str]]:
    """A headline and paragraphs about places, people and things of their own: every
    ``number`` (below 900) has its own invented words, so no two articles look like one story
    to the similarity check (shared templates alone stay well under its threshold)."""
    rng = random.Random(number)
    root = _SYLLABLES[number % 30] + _SYLLABLES[(number // 30) % 30]
    names = [(root + rng.choice(_SYLLABLES)).capitalize() for _ in range(5)]
    nouns = [rng.choice(_SYLLABLES) + root for _ in range(15)]
    text = []
    for _ in range(paragraphs):
        sentences = []
        for _ in range(3):
            a, b = rng.sample(names, 2)
            n1, n2, n3 = rng.sample(nouns, 3)
            sentences.append(rng.choice(_SENTENCES).format(A=a, B=b, n1=n1, n2=n2, n3=n3, v=rng.choice(_VERBS),
                                                           k=rng.randint(2, 9999)))
        text.append(" ".join(sentences))
    headline = f"{names[0]} {rng.choice(_VERBS)} the {nouns[0]} of {names[1]}"
    return headline, text


class _Site:
    """The news site's routes on a LocalHTTPServer."""

    def __init__(self, spec: NewsSite, server: LocalHTTPServer) -> None:
        if spec.feeds * spec.articles_per_feed > 900:
            raise ValueError("at most 900 distinct articles")
        self.spec, self.server = spec, server
        self.started = time.monotonic()
        self.dated = datetime.now(timezone.utc).replace(microsecond=0)
        self.feed_urls = [server.handler(f"/feeds/{n}.xml", self._feed(n)) for n in range(spec.feeds)]
        self.article_urls: list[str] = []
        rng = random.Random(spec.seed)
        for n in range(spec.feeds):
            for i in range(spec.articles_per_feed):
                url = server.static(self._path(n, i), self._page(n, i), delay=rng.uniform(*spec.page_delay))
                self.article_urls.append(url)

    @staticmethod
    def _path(n: int, i: int) -> str:
        return f"/news/{n}/{i}.html"

    def _story(self, n: int, i: int) -> tuple[str, list[str]]:
        # Distinct numbers for at most 900 articles: the seed shifts the words, never repeats them.
        return article_story((n * self.spec.articles_per_feed + i + 7 * self.spec.seed) % 900)

    def _published(self, n: int, i: int) -> datetime:
        # Newest last, all before the site started: inside any digest window due after it.
        return self.dated - timedelta(minutes=2 * (self.spec.articles_per_feed - i) + n)

    def _title(self, n: int, i: int) -> str:
        return f"Desk {n}, report {i}: {self._story(n, i)[0]}"

    def _page(self, n: int, i: int) -> str:
        title = self._title(n, i)
        body = "\n".join(f"<p>{escape(p)}</p>" for p in self._story(n, i)[1])
        return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title>'
                f'<meta property="og:title" content="{escape(title)}"><meta name="author" content="Desk {n}">'
                f'<meta property="article:published_time" content="{self._published(n, i).isoformat()}">'
                f"</head><body><nav><a href=\"/\">Home</a></nav><article><h1>{escape(title)}</h1>"
                f"<p class=\"byline\">By Desk {n}</p>\n{body}\n</article><footer>Example News</footer></body></html>")

    def visible(self) -> int:
        """How many articles each feed lists now."""
        spec = self.spec
        first = spec.articles_per_feed if spec.listed_at_start is None else min(spec.listed_at_start, spec.articles_per_feed)
        later = spec.articles_per_feed - first
        if later <= 0:
            return spec.articles_per_feed
        elapsed = time.monotonic() - self.started
        return first + min(later, int(elapsed * later / max(spec.reveal_seconds, 1e-3)))

    def _feed(self, n: int) -> Callable[[RecordedRequest], Reply]:
        def answer(request: RecordedRequest) -> Reply:
            items = []
            for i in reversed(range(self.visible())):
                url = self.server.url(self._path(n, i))
                items.append(f"<item><title>{escape(self._title(n, i))}</title><link>{url}</link><guid>{url}</guid>"
                             f"<pubDate>{format_datetime(self._published(n, i))}</pubDate></item>")
            xml = (f'<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel><title>Desk {n}</title>'
                   f"<link>{self.server.base_url}/</link><description>generated news</description>\n"
                   + "\n".join(items) + "\n</channel></rss>")
            return Reply(200, xml.encode(), {"Content-Type": "application/rss+xml; charset=utf-8"})

        return answer

    def listed_urls(self) -> list[str]:
        return [self.server.url(self._path(n, i)) for n in range(self.spec.feeds) for i in range(self.visible())]


class FakePlatforms:
    """Fake Telegram + fake Slack (one asyncio loop in a thread) + the news site."""

    def __init__(self, site: NewsSite | None = None, *, telegram_limits: FakeLimits | None = None,
                 telegram_time_scale: float = 1.0, slack_rate_per_second: float = 1.0, slack_burst: int = 2) -> None:
        self.site_spec = site or NewsSite()
        self._telegram_args = dict(limits=telegram_limits, time_scale=telegram_time_scale)
        self._slack_args = dict(rate_per_second=slack_rate_per_second, burst=slack_burst)
        self.telegram: FakeTelegram | None = None
        self.slack: FakeSlack | None = None
        self.news: LocalHTTPServer | None = None
        self._site: _Site | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._stop: asyncio.Event | None = None

    # -- lifecycle --------------------------------------------------------------------------

    def start(self) -> "FakePlatforms":
        self.news = LocalHTTPServer()
        # A client killed mid-request resets its connection: expected here, not worth a traceback.
        self.news._httpd.handle_error = _quiet_on_reset(self.news._httpd.handle_error)
        self._site = _Site(self.site_spec, self.news)
        ready: Future = Future()
        self._thread = threading.Thread(target=self._serve, args=(ready,), name="fake-platforms", daemon=True)
        self._thread.start()
        ready.result(timeout=30)
        return self

    def _serve(self, ready: Future) -> None:
        async def main() -> None:
            self._loop = asyncio.get_running_loop()
            self._stop = asyncio.Event()
            try:
                self.telegram = await FakeTelegram(**self._telegram_args).start()
                self.slack = await FakeSlack(**self._slack_args).start()
            except BaseException as exc:  # noqa: BLE001 - reported to start()
                ready.set_exception(exc)
                return
            ready.set_result(True)
            await self._stop.wait()
            await self.telegram.close()
            await self.slack.close()

        asyncio.run(main())

    def close(self) -> None:
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        if self._thread is not None:
            self._thread.join(timeout=10)
        if self.news is not None:
            self.news.close()

    def __enter__(self) -> "FakePlatforms":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- what the process under test needs ---------------------------------------------------

    @property
    def feed_urls(self) -> list[str]:
        return list(self._site.feed_urls)

    @property
    def article_urls(self) -> list[str]:
        """Every article page the site has (listed in the feeds now or later)."""
        return list(self._site.article_urls)

    def listed_article_urls(self) -> list[str]:
        """The articles the feeds list right now."""
        return self._site.listed_urls()

    def env(self) -> dict[str, str]:
        return {"TELEGRAM_BOT_TOKEN": self.telegram.token, "SLACK_BOT_TOKEN": self.slack.bot_token,
                "SLACK_APP_TOKEN": self.slack.app_token}

    def config_toml(self) -> str:
        """The ``[telegram]`` and ``[slack]`` sections pointing newsdigest at the fakes."""
        return (f'[telegram]\nbase_url = "{self.telegram.base_url}"\nmode = "polling"\n\n'
                f'[slack]\napi_base_url = "{self.slack.api_base_url}"\nmode = "socket"\n')

    def describe(self) -> dict[str, Any]:
        return {"telegram_base_url": self.telegram.base_url, "slack_api_base_url": self.slack.api_base_url,
                "feeds": self.feed_urls, **self.env()}

    # -- what arrived (copied in the fakes' loop, so never half-updated) -----------------------

    def _in_loop(self, fn: Callable[[], T]) -> T:
        async def call() -> T:
            return fn()

        return asyncio.run_coroutine_threadsafe(call(), self._loop).result(timeout=10)

    def telegram_messages(self) -> list[SentMessage]:
        return self._in_loop(lambda: list(self.telegram.messages))

    def telegram_calls(self, method: str) -> int:
        return self._in_loop(lambda: len(self.telegram.calls(method)))

    def telegram_rate_limited(self) -> int:
        return self._in_loop(lambda: len(self.telegram.rate_limited))

    def slack_messages(self) -> list[PostedMessage]:
        return self._in_loop(lambda: [m for m in self.slack.messages if m.ephemeral_user is None])

    def slack_calls(self, method: str) -> list[tuple[int, str | None]]:
        """(HTTP status, Slack error) of every call of ``method``."""
        return self._in_loop(lambda: [(c.status, c.error) for c in self.slack.calls if c.method == method])

    def news_hits(self, prefix: str = "/") -> int:
        with self.news._lock:
            return sum(1 for r in self.news.requests if r.path.startswith(prefix))


def _quiet_on_reset(handle_error: Callable[[Any, Any], None]) -> Callable[[Any, Any], None]:
    def handle(request: Any, client_address: Any) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):
            handle_error(request, client_address)

    return handle


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--feeds", type=int, default=3)
    parser.add_argument("--articles", type=int, default=40)
    parser.add_argument("--listed-at-start", type=int, default=None)
    parser.add_argument("--reveal-seconds", type=float, default=60.0)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    site = NewsSite(feeds=args.feeds, articles_per_feed=args.articles, listed_at_start=args.listed_at_start,
                    reveal_seconds=args.reveal_seconds, seed=args.seed)
    done = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: done.set())
    with FakePlatforms(site) as fakes:
        print(json.dumps(fakes.describe()), flush=True)
        done.wait()
        print(json.dumps({"telegram_messages": len(fakes.telegram_messages()),
                          "slack_messages": len(fakes.slack_messages())}), flush=True)


if __name__ == "__main__":
    main()
