"""Small pieces every renderer shares: time formatting, whitespace clean-up, safe truncation.

Nothing here knows a platform's markup. Truncation works on plain text (before escaping) and
can measure length in Python characters or in UTF-16 code units (what Telegram counts).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields
from datetime import datetime, timezone
from typing import TypeVar
from urllib.parse import quote, urlsplit

import regex

from digests.answers import SourceView, SubscriptionView
from digests.urls import host_of  # re-exported: renderers and compose name hosts the same way as dedup

__all__ = [
    "ELLIPSIS",
    "LEVEL_ICONS",
    "utf16_len",
    "one_line",
    "truncate",
    "truncate_escaped",
    "format_time",
    "format_window",
    "item_meta",
    "quote_attribution",
    "web_url",
    "host_of",
    "aware",
    "Caps",
    "fit",
    "subscription_lines",
    "source_lines",
]

T = TypeVar("T")
MAX_LINK_URL = 2000
ELLIPSIS = "…"
LEVEL_ICONS = {"info": "ℹ️", "success": "✅", "warning": "⚠️", "error": "❌"}

# A user-perceived character (extended grapheme cluster: a flag, a keycap, a letter with its
# accents, an emoji with its modifiers and joiners); truncation never cuts inside one.
_GRAPHEME = regex.compile(r"\X")
# Clusters are short; a window this far past the cut settles the last boundary before it.
_GRAPHEME_LOOKAHEAD = 64
_PRINTABLE_ASCII = "".join(chr(code) for code in range(0x21, 0x7F))


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units: characters outside the BMP (most emoji) count 2."""
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def one_line(text: str | None) -> str:
    """Article text squeezed onto one line (titles and names may carry newlines and tabs)."""
    return " ".join((text or "").split())


def _safe_cut(text: str, cut: int) -> int:
    """The last grapheme boundary at or before ``cut`` (so 🇺🇦 or 1️⃣ is kept whole or dropped)."""
    if cut <= 0 or cut >= len(text):
        return max(0, min(cut, len(text)))
    best = 0
    for match in _GRAPHEME.finditer(text, 0, cut + _GRAPHEME_LOOKAHEAD):
        if match.end() > cut:
            break
        best = match.end()
    return best


def _cut_index(text: str, limit: int, cost: Callable[[str], int]) -> int:
    """Index of the longest prefix whose cost is at most ``limit``."""
    used = 0
    for index, ch in enumerate(text):
        used += cost(ch)
        if used > limit:
            return index
    return len(text)


def _truncate_with(text: str, limit: int, cost: Callable[[str], int]) -> str:
    if sum(cost(ch) for ch in text) <= limit:
        return text
    room = limit - cost(ELLIPSIS)
    if room <= 0:
        return ELLIPSIS if limit >= cost(ELLIPSIS) else ""
    cut = _safe_cut(text, _cut_index(text, room, cost))
    # Prefer ending on a word boundary when one is close to the cut.
    space = text.rfind(" ", 0, cut)
    if space > cut * 0.8:
        cut = space
    return text[:cut].rstrip() + ELLIPSIS


def truncate(text: str, limit: int, *, units: str = "chars") -> str:
    """``text`` shortened to at most ``limit`` (characters, or UTF-16 units with
    ``units="utf16"``), ending with "…" when something was cut. Cuts at a word boundary when
    one is near, never inside a grapheme (a flag, keycap, emoji sequence or letter with its accents)."""
    cost = (lambda ch: 2 if ord(ch) > 0xFFFF else 1) if units == "utf16" else (lambda ch: 1)
    return _truncate_with(text, limit, cost)


def truncate_escaped(text: str, limit: int, escape: Callable[[str], str]) -> str:
    """Plain ``text`` shortened so that ``escape(result)`` is at most ``limit`` UTF-16 units
    (Slack counts the escaped text: one "&" costs five; UTF-16 is the stricter count)."""
    return _truncate_with(text, limit, lambda ch: utf16_len(escape(ch)))


def aware(moment: datetime) -> datetime:
    """A naive datetime taken as UTC; an aware one unchanged."""
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def format_time(moment: datetime | None) -> str:
    """"5 Mar 2024 14:05 UTC": the moment in its own timezone, with the zone's name."""
    if moment is None:
        return ""
    moment = aware(moment)
    zone = moment.tzname() or moment.strftime("%z")
    return f"{moment.day} {moment.strftime('%b %Y %H:%M')} {zone}".strip()


def format_window(since: datetime, until: datetime) -> str:
    return f"{format_time(since)} – {format_time(until)}"


def item_meta(source: str, published: datetime | None) -> str:
    """"BBC News · 5 Mar 2024 14:05 UTC" (either half may be missing)."""
    return " · ".join(part for part in (one_line(source), format_time(published)) if part)


def quote_attribution(speaker: str | None, role: str | None) -> str:
    """"Jane Doe, Minister of Finance" / "Jane Doe" / "" (unattributed)."""
    return ", ".join(part for part in (one_line(speaker), one_line(role)) if part)


def web_url(url: str | None) -> str | None:
    """An http(s) URL fit for a link, or None (file:// URLs, junk and URLs longer than
    :data:`MAX_LINK_URL`, which no chat would render well, are shown as text).
    Spaces and control characters are percent-encoded; everything else is kept as given."""
    url = (url or "").strip()
    if len(url) > MAX_LINK_URL:
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return quote(url, safe=_PRINTABLE_ASCII)


@dataclass(frozen=True)
class Caps:
    """Most a renderer shows of each free-text field (in the platform's own unit).
    Defaults keep a normal unit well inside every platform's limit; :func:`fit` shrinks them
    for the rare unit (10,000-character quote, dozens of links) that still does not fit."""

    headline: int = 300
    sentence: int = 400
    quote: int = 1000
    name: int = 120
    link: int = 80
    links: int = 5
    text: int = 3000

    def scaled(self, factor: float) -> Caps:
        # at the tightest scales a unit keeps its headline link but drops the extra links
        return Caps(*(max(0 if f.name == "links" else 1, int(getattr(self, f.name) * factor))
                      for f in fields(self)))


_SCALES = (1.0, 0.6, 0.35, 0.2, 0.1, 0.05, 0.02)


def fit(render: Callable[[Caps], T], measure: Callable[[T], int], budget: int,
        fallback: Callable[[T], T]) -> T:
    """``render`` with the loosest caps whose result ``measure``s within ``budget``; when
    even the tightest caps overflow (hundreds of long URLs), ``fallback(last_result)``."""
    for factor in _SCALES:
        result = render(Caps().scaled(factor))
        if measure(result) <= budget:
            return result
    return fallback(result)


def subscription_lines(subscriptions: list[SubscriptionView]) -> list[tuple[str, str]]:
    """(first line, more lines) per subscription, plain text, for any renderer."""
    lines = []
    for sub in subscriptions:
        head = f"#{sub.id} · {sub.mode} · daily at {sub.digest_time} ({sub.timezone})"
        rest = [f"{sub.platform} chat {sub.chat_id}"]
        for label, values in (("Keywords", sub.keywords), ("Sources", sub.sources), ("People", sub.people)):
            if values:
                rest.append(f"{label}: " + ", ".join(one_line(v) for v in values))
        if sub.paused:
            rest.append("Paused" + (f": {one_line(sub.pause_reason)}" if sub.pause_reason else ""))
        lines.append((one_line(head), "\n".join(rest)))
    return lines


def source_lines(sources: list[SourceView]) -> list[tuple[str, str]]:
    """(first line, more lines) per source, plain text, for any renderer."""
    lines = []
    for src in sources:
        head = f"#{src.id} {one_line(src.title) or host_of(src.url) or src.url} ({src.kind})"
        rest = [one_line(src.url)]
        if src.last_success:
            rest.append(f"Last read: {format_time(src.last_success)}")
        if src.last_error:
            failures = f" ({src.failures} failure{'s' if src.failures != 1 else ''} in a row)" if src.failures else ""
            rest.append(f"Last error: {one_line(src.last_error)}{failures}")
        lines.append((one_line(head), "\n".join(rest)))
    return lines
