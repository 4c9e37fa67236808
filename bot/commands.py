"""The command core: every chat command implemented once, for every platform.

An adapter turns a platform event into a :class:`Request`, awaits :func:`handle`, and renders
the returned answer (content, not text) with its platform's renderer. Permission checks live
here; the adapters only say what rights the platform proved:

* ``Request.is_operator``: a configured operator admin (``[telegram] admins``, ``[slack] admins``,
  or a Slack workspace admin/owner). Only they change global state (``/sources add|remove``)
  and only they see sources' local paths and raw errors (in a private chat).
* ``Request.is_admin``: an admin of *this* chat (Telegram creator/administrator, a post in
  one's own channel). They manage this chat's subscription and nothing else: anyone can
  create a group and be its creator.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot import messages as msg
from digests.answers import (
    Answer,
    ArticleList,
    ArticleRef,
    HelpText,
    Notice,
    SourceList,
    SourceView,
    SubscriptionList,
)
from digests.compose import DigestFilter, parse_since
from digests.digest_builder import build_digest
from digests.store import ArticleRow, Store
from digests.urlpolicy import SourceOrigin, UrlVerdict, check_chat_source_url, is_local_url

__all__ = ["COMMANDS", "Request", "Services", "SourceUrlCheck", "handle", "parse_command", "public_source_view"]

SourceUrlCheck = Callable[[str], Awaitable[UrlVerdict]]  # the URL policy for a URL typed in a chat
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Request:
    """A command as any platform delivers it."""

    command: str  # without the slash, lower-case: "who"
    args: tuple[str, ...] = ()
    platform: str = "console"  # telegram | slack | console
    chat_id: str = "console"
    user_id: str = "console"
    chat_kind: str = "private"  # private | group | channel
    is_admin: bool = False  # an admin of this chat: may manage this chat's subscription
    is_operator: bool = False  # a configured operator admin: may change what every chat gets

    @property
    def text(self) -> str:
        return " ".join(self.args)


@dataclass
class Services:
    """What commands need: the store and the configured defaults."""

    store: Store
    default_since: str = "24h"
    default_timezone: str = "UTC"
    default_digest_time: str = "08:00"
    digest_title: str = "Your news digest"
    max_items: int = 30
    check_source_url: SourceUrlCheck = check_chat_source_url
    now: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))


def parse_command(text: str, bot_username: str | None = None) -> Request | None:
    """Split "/who@mybot Andrii Yermak" into a request; None when it is not a command
    (or is addressed to another bot)."""
    text = text.strip()
    if not text.startswith("/") or not text[1:2].strip():
        return None
    head, *rest = text[1:].split(maxsplit=1)
    command, _, target = head.partition("@")
    if target and bot_username and target.lower() != bot_username.lower():
        return None
    return Request(command=command.lower(), args=tuple(rest[0].split()) if rest else ())


def _ref(row: ArticleRow) -> ArticleRef:
    return ArticleRef(
        title=row.display_title, url=row.url, published=row.published or row.fetched_at,
        source=row.site_name or row.source, summary=list(row.summary[:2]),
    )


async def who(req: Request, s: Services) -> Answer:
    if not req.args:
        return Notice(msg.WHO_USAGE, "warning")
    card = await s.store.people.who(req.text)
    return card if card.matches else Notice(msg.WHO_UNKNOWN.format(query=req.text), "info")


async def digest(req: Request, s: Services) -> Answer:
    sub = await s.store.subscriptions.get(req.platform, req.chat_id)
    now = s.now()
    since = (sub.last_digest_at if sub and sub.last_digest_at else None) or now - parse_since(s.default_since)
    topic = req.text or None
    filters = DigestFilter(
        keywords=tuple(sub.keywords) if sub else (), sources=tuple(sub.sources) if sub else (),
        people=tuple(sub.people) if sub else (), topic=topic,
    )
    # "Since my last digest" means since it was sent: what arrived after, whatever its date.
    window = "arrived" if sub and sub.last_digest_at else "published"
    return await build_digest(s.store, since=since, until=now, filters=filters, title=s.digest_title,
                              max_items=s.max_items, window=window)


async def latest(req: Request, s: Services) -> Answer:
    n = 10
    if req.args:
        if not req.args[0].isdigit() or not 1 <= int(req.args[0]) <= 50:
            return Notice(msg.LATEST_BAD_N, "warning")
        n = int(req.args[0])
    rows = await s.store.articles.latest(n)
    return ArticleList(title=msg.latest_title(len(rows)), articles=[_ref(r) for r in rows], empty_message=msg.LATEST_EMPTY)


async def search(req: Request, s: Services) -> Answer:
    if not req.args:
        return Notice(msg.SEARCH_USAGE, "warning")
    rows = await s.store.articles.search(req.text, limit=10)
    return ArticleList(
        title=f"Search: {req.text}", articles=[_ref(r) for r in rows], empty_message=msg.SEARCH_EMPTY.format(query=req.text)
    )


def _needs_admin(req: Request) -> bool:
    """Managing a group's or channel's subscription takes an admin of that chat (or an operator);
    in a private chat the asker is the whole chat."""
    return req.chat_kind != "private" and not (req.is_admin or req.is_operator)


async def subscribe(req: Request, s: Services) -> Answer:
    if _needs_admin(req):
        return Notice(msg.NOT_ALLOWED.format(action="subscribe this chat"), "error")
    existing = await s.store.subscriptions.get(req.platform, req.chat_id)
    fields: dict = {"chat_kind": req.chat_kind, "created_by": req.user_id}
    if req.args:
        fields["keywords"] = [w.strip(",").lower() for w in req.args if w.strip(",")]
    if existing is None:
        fields.update(timezone=s.default_timezone, digest_time=s.default_digest_time)
    sub, created = await s.store.subscriptions.upsert(req.platform, req.chat_id, **fields)
    keywords = f" about {', '.join(sub.keywords)}" if sub.keywords else ""
    template = msg.SUBSCRIBED if created else msg.RESUBSCRIBED
    return Notice(template.format(time=sub.digest_time, tz=sub.timezone, keywords=keywords), "success")


async def unsubscribe(req: Request, s: Services) -> Answer:
    if _needs_admin(req):
        return Notice(msg.NOT_ALLOWED.format(action="unsubscribe this chat"), "error")
    removed = await s.store.subscriptions.remove(req.platform, req.chat_id)
    return Notice(msg.UNSUBSCRIBED if removed else msg.NOT_SUBSCRIBED, "success" if removed else "info")


_TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


def parse_setting(arg: str) -> tuple[str, str] | Notice:
    key, sep, value = arg.partition("=")
    key = {"tz": "timezone", "timezone": "timezone", "time": "digest_time", "mode": "mode"}.get(key.lower())
    if not sep or key is None:
        return Notice(msg.BAD_SETTING.format(value=arg), "warning")
    if key == "timezone":
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            return Notice(msg.BAD_TIMEZONE.format(value=value), "warning")
    elif key == "digest_time":
        match = _TIME.match(value)
        if not match:
            return Notice(msg.BAD_TIME.format(value=value), "warning")
        value = f"{int(match[1]):02d}:{match[2]}"
    elif value not in ("digest", "alerts", "both"):
        return Notice(msg.BAD_MODE.format(value=value), "warning")
    return key, value


async def settings(req: Request, s: Services) -> Answer:
    sub = await s.store.subscriptions.get(req.platform, req.chat_id)
    if not req.args:
        if sub is None:
            return Notice(msg.NOT_SUBSCRIBED, "info")
        return SubscriptionList(title="Settings of this chat", subscriptions=[sub.view()])
    if _needs_admin(req):
        return Notice(msg.NOT_ALLOWED.format(action="change this chat's settings"), "error")
    changes: dict[str, str] = {}
    for arg in req.args:
        parsed = parse_setting(arg)
        if isinstance(parsed, Notice):
            return parsed
        changes[parsed[0]] = parsed[1]
    if sub is None:
        changes.setdefault("timezone", s.default_timezone)
        changes.setdefault("digest_time", s.default_digest_time)
    sub, _ = await s.store.subscriptions.upsert(req.platform, req.chat_id, chat_kind=req.chat_kind, **changes)
    return SubscriptionList(title=msg.SETTINGS_SAVED, subscriptions=[sub.view()])


def _is_local(record) -> bool:
    return record.kind in ("file", "folder") or "://" not in record.url or is_local_url(record.url)


def public_source_view(record, *, detailed: bool) -> SourceView:
    """A source as a chat may see it. Only an operator in a private chat sees local paths and
    errors (redacted of secrets): to anyone else a path tells where the host keeps its files,
    and a raw network error works as a port scanner."""
    from bot.logs import redact

    if detailed:
        return SourceView(id=record.id, url=record.url, kind=record.kind, title=record.title,
                          last_success=record.last_success_at,
                          last_error=redact(record.last_error) if record.last_error else None, failures=record.failures)
    local = _is_local(record)
    return SourceView(
        id=record.id, url="" if local else record.url, kind=record.kind,
        title=msg.LOCAL_SOURCE if local else record.title, last_success=record.last_success_at,
        last_error=msg.SOURCE_FAILING if record.last_error else None, failures=record.failures,
    )


async def _url_allowed(url: str, s: Services) -> bool:
    """The URL policy's verdict (digests/urlpolicy.py); fail closed on anything else."""
    try:
        verdict = await s.check_source_url(url)
    except Exception:
        log.info("chat source URL check failed", exc_info=True)
        return False
    if not verdict.allowed:
        log.info("chat source URL refused", extra={"reason": verdict.detail})
        return False
    return True


async def sources(req: Request, s: Services) -> Answer:
    if not req.args:
        detailed = req.is_operator and req.chat_kind == "private"
        return SourceList(title="Sources", sources=[public_source_view(r, detailed=detailed)
                                                    for r in await s.store.sources.list()])
    action, *rest = req.args
    if action not in ("add", "remove") or len(rest) != 1:
        return Notice(msg.SOURCES_USAGE, "warning")
    if not req.is_operator:  # the sources are every chat's: a chat admin is not enough
        return Notice(msg.OPERATOR_ONLY.format(action=f"{action} sources"), "error")
    url = rest[0].strip("<>")
    if action == "remove":
        removed = await s.store.sources.remove(url)
        return Notice((msg.SOURCE_REMOVED if removed else msg.SOURCE_UNKNOWN).format(url=url), "success" if removed else "warning")
    if not url.lower().startswith(("http://", "https://")):
        return Notice(msg.SOURCE_BAD_URL.format(url=url), "warning")
    if not await _url_allowed(url, s):
        return Notice(msg.SOURCE_REFUSED, "warning")
    _, created = await _add_chat_source(s.store, url)
    return Notice((msg.SOURCE_ADDED if created else msg.SOURCE_EXISTS).format(url=url), "success" if created else "info")


async def _add_chat_source(store: Store, url: str):
    return await store.sources.add(url, "feed", origin=SourceOrigin.CHAT)


async def help_(req: Request, s: Services) -> Answer:
    return HelpText(commands=list(msg.COMMANDS), intro=msg.HELP_INTRO)


Handler = Callable[[Request, Services], Awaitable[Answer]]

COMMANDS: dict[str, Handler] = {
    "who": who,
    "digest": digest,
    "latest": latest,
    "search": search,
    "subscribe": subscribe,
    "unsubscribe": unsubscribe,
    "settings": settings,
    "sources": sources,
    "help": help_,
    "start": help_,
}


async def handle(req: Request, services: Services) -> Answer:
    """Run one command; an unknown command answers with a pointer to /help."""
    handler = COMMANDS.get(req.command)
    if handler is None:
        return Notice(msg.UNKNOWN_COMMAND.format(command=req.command), "warning")
    if req.command != "who" or not WHO_TIMERS:
        return await handler(req, services)
    started = time.perf_counter()
    try:
        return await handler(req, services)
    finally:
        elapsed = time.perf_counter() - started
        for observe in list(WHO_TIMERS):
            observe(elapsed)


# Observers of /who answer times (seconds), e.g. the /metrics histogram (bot/metrics.py
# registers one while metrics are on). Process-wide like the metrics themselves, so every
# adapter's commands are counted whichever role built its Services.
WHO_TIMERS: list[Callable[[float], None]] = []

