"""The dataclasses that flow between the pipeline's stages.

Stages take and return these, never dicts: ``fetch`` gives a :class:`FetchedPage`,
``extract`` turns it into an :class:`Article` (or a :class:`Rejected` saying why not),
``analyze`` adds quotes, people and a summary (:class:`Analysis`), ``compose`` builds a
:class:`Digest` from stored articles. Everything here is plain data: no I/O, no platform.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any, Literal

__all__ = [
    "Link",
    "FetchedPage",
    "Article",
    "Rejected",
    "Quote",
    "Person",
    "Analysis",
    "FeedEntry",
    "Feed",
    "to_jsonable",
]


@dataclass(frozen=True)
class Link:
    """A hyperlink: its visible text and absolute URL."""

    title: str
    url: str


@dataclass
class FetchedPage:
    """What the fetcher got for one URL (or read from one local file).

    ``text`` is already decoded with the right charset; ``content`` keeps the raw bytes
    for parsers (feedparser) that sniff encodings themselves.
    """

    url: str  # final URL after redirects (or file:// URL)
    requested_url: str
    status: int = 200
    content: bytes = b""
    text: str = ""
    content_type: str = ""
    encoding: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    not_modified: bool = False  # a 304: nothing to parse
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Article:
    """A clean article: metadata and body text without boilerplate.

    ``body`` holds paragraphs separated by one blank line. ``related`` holds the page's
    own related-article links ("Read next", "More on ...") which are never part of the body;
    ``links`` holds links that appear inside the body.
    """

    url: str  # canonical URL (or file:// URL for local files)
    title: str
    body: str
    title_generated: bool = False  # True when the page had no headline and we built one
    authors: list[str] = field(default_factory=list)
    published: datetime | None = None  # timezone-aware
    updated: datetime | None = None
    site_name: str | None = None
    language: str | None = None
    image: str | None = None
    related: list[Link] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    source: str = ""  # what the user asked for: feed URL, page URL or file path
    guid: str | None = None  # the feed item's id, when it came from a feed
    alternate_urls: list[str] = field(default_factory=list)  # other URLs seen for this article
    description: str | None = None  # the feed's or page's own summary, if any

    @property
    def paragraphs(self) -> list[str]:
        return [p for p in self.body.split("\n\n") if p.strip()]


@dataclass(frozen=True)
class Rejected:
    """A stage declined an input and says why (``reason`` is a short machine word,
    ``detail`` a sentence for people)."""

    url: str
    reason: str  # e.g. "too_short", "not_html", "empty", "http_404"
    detail: str = ""


@dataclass
class Quote:
    """A direct quotation, verbatim from the article body.

    ``start``/``end`` are character offsets into ``Article.body`` (so the text can be checked
    to be verbatim). ``minor`` marks scare quotes and fragments ("rare earth"): kept, but never
    a key quote. ``key`` marks the one or two most informative quotes.
    """

    text: str
    speaker: str | None = None  # full name of a person, or an organisation's name
    speaker_role: str | None = None
    minor: bool = False
    key: bool = False
    start: int = -1
    end: int = -1


@dataclass
class Person:
    """Someone (or an organisation, ``kind="org"``) named in the body."""

    name: str  # the fullest form used in the article, e.g. "Andrii Yermak"
    aliases: list[str] = field(default_factory=list)  # other forms used, e.g. ["Yermak"]
    roles: list[str] = field(default_factory=list)  # best first, e.g. ["Presidential Chief of Staff"]
    mentions: int = 0
    kind: Literal["person", "org"] = "person"


@dataclass
class Analysis:
    """An article plus what we understood of it."""

    article: Article
    summary: list[str] = field(default_factory=list)  # 2-3 sentences, each verbatim from the body
    headline: str | None = None  # one line; generated when the page had none
    quotes: list[Quote] = field(default_factory=list)
    people: list[Person] = field(default_factory=list)


@dataclass
class FeedEntry:
    """One item of an RSS/Atom feed."""

    link: str
    title: str = ""
    guid: str | None = None
    published: datetime | None = None
    summary: str | None = None
    authors: list[str] = field(default_factory=list)


@dataclass
class Feed:
    """A parsed RSS/Atom feed."""

    url: str
    title: str = ""
    entries: list[FeedEntry] = field(default_factory=list)
    ttl_minutes: int | None = None  # RSS <ttl>, used to space polls
    bozo: str | None = None  # feedparser's complaint when the XML was ill-formed but usable


def to_jsonable(value: Any) -> Any:
    """Dataclasses, datetimes and lists turned into JSON-ready values."""
    if hasattr(value, "__dataclass_fields__"):
        return {k: to_jsonable(v) for k, v in asdict(value).items()}
    if isinstance(value, dict):
        return {k: to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_jsonable(v) for v in value]
    if isinstance(value, datetime):
        return value.isoformat()
    return value
