"""Build a :class:`~digests.answers.Digest` from stored articles: window, filter, cluster, rank.

Pure: no I/O, no clock unless ``now`` is left out (then ``until`` stands in for it).

* Window: an article belongs when ``since <= published <= until``. Articles without a date
  never match a window (the store should fill ``published`` with the first-seen time).
* Filters: kinds combine with AND (keywords AND sources AND people AND topic), values within
  a kind with OR. A story passes when any of its articles passes.
* Clustering: articles sharing a ``story_id`` are one story, shown once. The main article is
  the one with the most complete summary (then the earliest); the others become ``also``.
* Ranking: recency decay + number of distinct sources + keyword hits; ties go to the newer
  story, then the smaller ``story_id``, so the order never depends on input order.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from digests.answers import Digest, DigestItem, DigestSection, QuoteRef
from digests.models import Link
from digests.formatting import aware, format_time, host_of, one_line

__all__ = ["StoryArticle", "DigestFilter", "compose", "parse_since"]

SECTION_THRESHOLD = 8  # more items than this and the digest gets named sections
RECENCY_HALF_LIFE_HOURS = 12.0
SOURCE_WEIGHT = 0.5  # per doubling of distinct sources
KEYWORD_WEIGHT = 0.25  # per distinct filter keyword found, up to four
MAX_RELATED = 3
MAX_SUMMARY = 3


@dataclass
class StoryArticle:
    """One stored article as compose needs it (the store builds these)."""

    article_id: int
    story_id: str
    title: str
    url: str
    source: str  # site name or host
    published: datetime | None
    summary: list[str] = field(default_factory=list)
    key_quote: QuoteRef | None = None
    related: list[Link] = field(default_factory=list)
    text: str = ""  # title + summary + start of body, for keyword matching
    people: list[str] = field(default_factory=list)
    topic: str | None = None
    arrived: datetime | None = None  # when we stored it (scheduled digests window on this)


@dataclass(frozen=True)
class DigestFilter:
    """What a subscription wants; empty tuples mean "anything"."""

    keywords: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()  # hosts ("bbc.co.uk"), URLs or site names ("BBC News")
    people: tuple[str, ...] = ()
    topic: str | None = None


def compose(
    articles: list[StoryArticle],
    *,
    since: datetime,
    until: datetime,
    filters: DigestFilter = DigestFilter(),
    title: str = "Your news digest",
    max_items: int = 30,
    now: datetime | None = None,
    window: str = "published",
) -> Digest:
    """The digest of ``articles`` published (``window="arrived"``: stored) between ``since``
    and ``until``. Scheduled digests window on arrival: an article published at 07:50 but
    fetched at 08:10 belongs to the next morning's digest, not to neither."""
    since, until = aware(since), aware(until)
    now = aware(now) if now else until
    stamp = (lambda a: a.arrived or a.published) if window == "arrived" else (lambda a: a.published)
    in_window = [a for a in articles if stamp(a) and since <= aware(stamp(a)) <= until]
    stories: dict[str, list[StoryArticle]] = defaultdict(list)
    for article in in_window:
        stories[article.story_id].append(article)

    ranked: list[tuple[float, DigestItem, str | None]] = []
    for story_id, members in stories.items():
        matching = [a for a in members if _matches(a, filters)]
        if not matching:
            continue
        item, topic = _build_item(story_id, members, matching, filters, now)
        ranked.append((item.score, item, topic))
    if not ranked:
        return Digest(title=title, since=since, until=until,
                      empty_message=f"No new stories since {format_time(since)}.")
    ranked.sort(key=lambda entry: (-entry[0], -_timestamp(entry[1].published), entry[1].story_id))
    ranked = ranked[:max_items]
    return Digest(title=title, since=since, until=until,
                  sections=_sections([(item, topic) for _, item, topic in ranked]))


_SPAN = re.compile(r"(\d+)\s*(minutes?|mins?|m|hours?|h|days?|d|weeks?|w)(?![a-z])", re.IGNORECASE)
_UNIT_MINUTES = {"m": 1, "h": 60, "d": 24 * 60, "w": 7 * 24 * 60}
_MAX_SPAN = timedelta(days=36_600)


def parse_since(text: str) -> timedelta:
    """"90m", "36h", "30d", "2w" (or "1d12h") as a timedelta; ValueError with a sentence
    a user can act on otherwise."""
    cleaned = (text or "").strip()
    hint = "use a number and a unit, e.g. 90m, 36h, 30d or 2w"
    if not cleaned:
        raise ValueError(f"No time span given: {hint}.")
    pos, minutes = 0, 0
    for match in _SPAN.finditer(cleaned):
        if cleaned[pos:match.start()].strip():
            break
        minutes += int(match.group(1)) * _UNIT_MINUTES[match.group(2)[0].lower()]
        pos = match.end()
    if pos == 0 or cleaned[pos:].strip():
        raise ValueError(f"Can't read {cleaned!r} as a time span: {hint}.")
    if minutes <= 0:
        raise ValueError(f"The time span {cleaned!r} is empty: {hint}.")
    if minutes > _MAX_SPAN.total_seconds() / 60:
        raise ValueError(f"The time span {cleaned!r} is longer than 100 years.")
    return timedelta(minutes=minutes)


# --- filtering -------------------------------------------------------------------------


def _has_words(haystack: str, needle: str) -> bool:
    """Case-insensitive whole-word (or whole-phrase) match."""
    words = needle.split()
    if not words:
        return False
    pattern = r"(?<!\w)" + r"\s+".join(re.escape(w) for w in words) + r"(?!\w)"
    return re.search(pattern, haystack, re.IGNORECASE) is not None


def _source_matches(article: StoryArticle, wanted: str) -> bool:
    wanted = wanted.strip()
    wanted_host = host_of(wanted) if "://" in wanted else wanted.lower().removeprefix("www.")
    host = host_of(article.url)
    if host and wanted_host and (host == wanted_host or host.endswith("." + wanted_host)):
        return True
    return one_line(article.source).casefold() == one_line(wanted).casefold()


def _person_matches(name: str, wanted: str) -> bool:
    """"Yermak" and "andrii yermak" both match "Andrii Yermak"."""
    return _has_words(one_line(name), wanted)


def _matches(article: StoryArticle, filters: DigestFilter) -> bool:
    text = " ".join((article.title, article.text, " ".join(article.summary)))
    if filters.keywords and not any(_has_words(text, k) for k in filters.keywords):
        return False
    if filters.sources and not any(_source_matches(article, s) for s in filters.sources):
        return False
    if filters.people:
        names = list(article.people)
        if article.key_quote and article.key_quote.speaker:
            names.append(article.key_quote.speaker)
        if not any(_person_matches(n, p) for n in names for p in filters.people):
            return False
    if filters.topic and not _has_words(article.topic or "", filters.topic):
        return False
    return True


# --- clustering and ranking ------------------------------------------------------------


def _timestamp(moment: datetime | None) -> float:
    return aware(moment).timestamp() if moment else 0.0


def _completeness(article: StoryArticle) -> tuple:
    """Sort key: fuller summary first, then having a key quote, then earliest, then id."""
    return (-min(len(article.summary), MAX_SUMMARY), article.key_quote is None,
            _timestamp(article.published), article.article_id)


def _url_key(url: str) -> str:
    return url.strip().split("#", 1)[0].rstrip("/").lower()


def _build_item(story_id: str, members: list[StoryArticle], matching: list[StoryArticle],
                filters: DigestFilter, now: datetime) -> tuple[DigestItem, str | None]:
    main = min(matching, key=_completeness)
    others = sorted((a for a in members if a is not main),
                    key=lambda a: (_timestamp(a.published), a.article_id))
    seen = {_url_key(main.url)}
    also: list[Link] = []
    for other in others:
        if _url_key(other.url) not in seen:
            seen.add(_url_key(other.url))
            also.append(Link(title=one_line(other.source) or host_of(other.url) or other.title,
                             url=other.url))
    related: list[Link] = []
    for article in [main, *others]:
        for link in article.related:
            if len(related) < MAX_RELATED and link.url.strip() and _url_key(link.url) not in seen:
                seen.add(_url_key(link.url))
                related.append(link)

    quote = next((a.key_quote for a in [main, *sorted(members, key=_completeness)]
                  if a.key_quote and a.key_quote.text.strip()), None)
    if quote is not None and not quote.url:
        owner = next(a for a in members if a.key_quote is quote)
        quote = replace(quote, url=owner.url, article_title=quote.article_title or owner.title)

    item = DigestItem(
        story_id=story_id,
        headline=one_line(main.title) or "(untitled)",
        url=main.url,
        source=main.source or host_of(main.url),
        published=main.published,
        summary=list(main.summary[:MAX_SUMMARY]),
        key_quote=quote,
        also=also,
        related=related,
        score=_score(members, filters, now),
    )
    topics = Counter(a.topic for a in members if a.topic)
    topic = main.topic or (min(topics, key=lambda t: (-topics[t], t)) if topics else None)
    return item, topic


def _score(members: list[StoryArticle], filters: DigestFilter, now: datetime) -> float:
    newest = max(aware(a.published) for a in members if a.published)
    age_hours = max((now - newest).total_seconds() / 3600, 0.0)
    recency = 0.5 ** (age_hours / RECENCY_HALF_LIFE_HOURS)
    sources = len({one_line(a.source).casefold() or host_of(a.url) for a in members})
    text = " ".join(f"{a.title} {a.text}" for a in members)
    hits = sum(1 for k in set(filters.keywords) if _has_words(text, k))
    return round(recency + SOURCE_WEIGHT * math.log2(sources) + KEYWORD_WEIGHT * min(hits, 4), 6)


def _sections(ranked: list[tuple[DigestItem, str | None]]) -> list[DigestSection]:
    """One untitled section for short digests; otherwise sections by topic (or by source
    when no story has a topic), ordered by their best story. Groups of one story are
    gathered in "Other stories" so a long digest does not become thirty one-item sections."""
    items = [item for item, _ in ranked]
    if len(items) <= SECTION_THRESHOLD:
        return [DigestSection(title=None, items=items)]
    by_topic = any(topic for _, topic in ranked)
    groups: dict[str, list[DigestItem]] = {}
    titles: dict[str, str] = {}  # first spelling seen, e.g. "World" for "world"
    for item, topic in ranked:
        name = one_line(topic) if by_topic else one_line(item.source)
        groups.setdefault(name.casefold(), []).append(item)
        titles.setdefault(name.casefold(), name)
    sections, rest = [], []
    for key, group in groups.items():
        if key and len(group) > 1:
            sections.append(DigestSection(title=titles[key], items=group))
        else:
            rest.extend(group)
    if not sections:
        return [DigestSection(title=None, items=items)]
    if rest:
        rest.sort(key=items.index)
        sections.append(DigestSection(title="Other stories", items=rest))
    return sections
