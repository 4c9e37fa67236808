"""A cluster on one machine for tests and benchmarks: newsdigest role processes
(``python -m bot --db URL run --role ...``) against a PostgreSQL database, local news sites
(``tests/httpserver.py``) and the fake Telegram / Slack servers.

Everything the processes share is the database and the config file written here; they are
real OS processes, so ``kill()`` is a real ``kill -9``.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from html import escape
from pathlib import Path

from sqlalchemy import func, select, text

from digests.store import Store, schema
from tests.httpserver import LocalHTTPServer
from tests.news_factory import article_text

REPO = Path(__file__).resolve().parents[2]

__all__ = ["Cluster", "NewsSite", "add_subscriptions", "wait_until", "article_count", "outbox_counts"]


def _page(seed: int, title: str, published: datetime) -> str:
    body = "\n".join(f"<p>{escape(p)}</p>" for p in article_text(seed))
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title>'
            f'<meta property="og:title" content="{escape(title)}">'
            f'<meta property="article:published_time" content="{published.isoformat()}"></head>'
            f"<body><article><h1>{escape(title)}</h1><p>By Jane Reporter</p>{body}</article></body></html>")


def _rss(base: str, items: list[tuple[str, str, datetime]]) -> bytes:
    entries = "".join(f"<item><title>{escape(t)}</title><link>{base}{p}</link><guid>{base}{p}</guid>"
                      f"<pubDate>{format_datetime(when)}</pubDate></item>" for p, t, when in items)
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Feed</title>'
            f"<link>{base}/</link><description>test</description>{entries}</channel></rss>").encode()


@dataclass
class NewsSite:
    """``feeds`` RSS feeds of ``per_feed`` distinct articles each, spread over ``servers``
    local HTTP servers (each one a host for politeness); every feed also lists ``overlap``
    articles of the next feed, so workers race to store the same URL."""

    feeds: int
    per_feed: int
    servers: int = 1
    overlap: int = 0
    hours: float = 48.0  # articles are published over the last ``hours``
    http: list[LocalHTTPServer] = field(default_factory=list)
    feed_urls: list[str] = field(default_factory=list)
    article_urls: set[str] = field(default_factory=set)

    def start(self) -> "NewsSite":
        now = datetime.now(timezone.utc)
        self.http = [LocalHTTPServer() for _ in range(self.servers)]
        total = self.feeds * self.per_feed
        items: list[list[tuple[str, str, datetime]]] = []
        for f in range(self.feeds):
            server = self.http[f % self.servers]
            own = []
            for i in range(self.per_feed):
                seed = f * self.per_feed + i
                when = now - timedelta(hours=self.hours) * (seed + 0.5) / total
                path = f"/f{f}/a{i}.html"
                self.article_urls.add(server.static(path, _page(seed, f"Story {seed}: {article_text(seed, 1)[0][:60]}", when)))
                own.append((path, f"Story {seed}", when))
            items.append(own)
        for f in range(self.feeds):
            server = self.http[f % self.servers]
            nxt = (f + 1) % self.feeds
            borrowed = [(f"{self.http[nxt % self.servers].base_url}{p}", t, w) for p, t, w in items[nxt][: self.overlap]]
            mine = [(f"{server.base_url}{p}", t, w) for p, t, w in items[f]]
            self.feed_urls.append(server.static(f"/f{f}/feed.xml", _rss("", mine + borrowed),
                                                content_type="application/rss+xml; charset=utf-8"))
        return self

    def peak_in_flight(self) -> int:
        return max(s.peak_in_flight() for s in self.http)

    def close(self) -> None:
        for s in self.http:
            s.close()


def write_config(path: Path, *, telegram_url: str = "", slack_url: str = "", per_host: int = 2) -> Path:
    lines = ["[ingest]", f"per_host_concurrency = {per_host}", "poll_interval_minutes = 600",
             "[logging]", 'level = "WARNING"', 'format = "text"']
    if telegram_url:
        lines += ["[telegram]", f'base_url = "{telegram_url}"']
    if slack_url:
        lines += ["[slack]", f'api_base_url = "{slack_url}"']
    path.write_text("\n".join(lines) + "\n")
    return path


@dataclass
class Cluster:
    database: str
    config: Path
    logs: Path
    env: dict[str, str] = field(default_factory=dict)
    procs: dict[str, subprocess.Popen] = field(default_factory=dict)

    def start(self, name: str, role: str, *extra: str) -> subprocess.Popen:
        env = {**os.environ, "PYTHONPATH": str(REPO), **self.env}
        env.pop("NEWSDIGEST_DB", None)
        out = open(self.logs / f"{name}.log", "wb")
        proc = subprocess.Popen([sys.executable, "-m", "bot", "--config", str(self.config), "--db", self.database,
                                 "run", "--role", role, *extra], cwd=self.logs, env=env, stdout=out, stderr=out)
        self.procs[name] = proc
        return proc

    def kill(self, name: str) -> None:
        """kill -9: no clean-up of any kind."""
        self.procs[name].send_signal(signal.SIGKILL)
        self.procs[name].wait(10)

    def alive(self, name: str) -> bool:
        return self.procs[name].poll() is None

    def log(self, name: str) -> str:
        return (self.logs / f"{name}.log").read_text(errors="replace")

    def stop_all(self, timeout: float = 20.0) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for proc in self.procs.values():
            try:
                proc.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)


async def wait_until(predicate, timeout: float, *, every: float = 0.5, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while True:
        value = await predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g}s waiting for {what}")
        await asyncio.sleep(every)


async def article_count(store: Store) -> int:
    return await store.articles.count()


async def outbox_counts(store: Store) -> dict[str, int]:
    return await store.outbox.counts_by_state()


async def add_subscriptions(store: Store, telegram: int, slack: int, *, due: datetime) -> list[int]:
    """``telegram`` + ``slack`` digest subscriptions, all owing the digest due at ``due``
    (created two days ago, last digest an hour before ``due``), inserted in one transaction
    so the leader sees them all at once."""
    when = due.astimezone(timezone.utc)
    rows = [dict(platform="telegram", chat_id=str(100000 + i)) for i in range(telegram)]
    rows += [dict(platform="slack", chat_id=f"C{i:06d}") for i in range(slack)]
    S = schema.subscriptions
    async with store.engine.begin() as conn:
        await conn.execute(S.insert(), [dict(
            r, chat_kind="private" if r["platform"] == "telegram" else "channel", mode="digest", timezone="UTC",
            digest_time=when.strftime("%H:%M"), keywords=[], sources=[], people=[], paused=False,
            created_at=when - timedelta(days=2), last_digest_at=when - timedelta(hours=1), last_alert_article_id=0,
        ) for r in rows])
        ids = (await conn.execute(select(S.c.id).order_by(S.c.id))).scalars().all()
    return list(ids)


async def duplicate_article_urls(store: Store) -> int:
    U = schema.article_urls
    async with store.engine.connect() as conn:
        sub = select(U.c.url).group_by(U.c.url).having(func.count() > 1).subquery()
        return (await conn.execute(select(func.count()).select_from(sub))).scalar_one()


async def leader_node(store: Store) -> str | None:
    """The node of the current scheduler leader (None before the first one starts)."""
    async with store.engine.connect() as conn:
        found = (await conn.execute(text("SELECT to_regclass('newsdigest_leader')"))).scalar()
        if found is None:
            return None
        return (await conn.execute(text("SELECT node FROM newsdigest_leader WHERE id = 1"))).scalar()
