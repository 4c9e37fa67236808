"""What the command core answers: content, never pre-formatted text.

Each platform's renderer (``digests/render/``) decides how an answer looks within that
platform's limits. All text fields here are plain text straight from articles: renderers
must escape them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal, Union

from digests.models import Link

__all__ = [
    "QuoteRef",
    "ArticleRef",
    "PersonCard",
    "WhoCard",
    "DigestItem",
    "DigestSection",
    "Digest",
    "ArticleList",
    "Notice",
    "HelpText",
    "SubscriptionView",
    "SubscriptionList",
    "SourceView",
    "SourceList",
    "Button",
    "Answer",
]


@dataclass(frozen=True)
class Button:
    """An action a platform may render as an inline button ("next page", "more quotes").
    ``command`` is what the core receives when it is pressed, e.g. "/digest --page 2"."""

    label: str
    command: str


@dataclass
class QuoteRef:
    """A quote with where it was said."""

    text: str
    speaker: str | None
    speaker_role: str | None = None
    url: str = ""
    article_title: str = ""
    published: datetime | None = None


@dataclass
class ArticleRef:
    title: str
    url: str
    published: datetime | None = None
    source: str = ""  # site name or host
    summary: list[str] = field(default_factory=list)


@dataclass
class PersonCard:
    """One person as the store knows them across articles."""

    name: str
    role: str | None  # best current role
    roles: list[str] = field(default_factory=list)
    mentions: int = 0  # number of articles naming them
    quotes: list[QuoteRef] = field(default_factory=list)  # latest first
    articles: list[ArticleRef] = field(default_factory=list)  # latest first


@dataclass
class WhoCard:
    """Answer to ``/who NAME``: no match, one match, or candidates when ambiguous."""

    query: str
    matches: list[PersonCard] = field(default_factory=list)

    @property
    def ambiguous(self) -> bool:
        return len(self.matches) > 1


@dataclass
class DigestItem:
    """One story in a digest (a cluster of articles shown once)."""

    story_id: str
    headline: str
    url: str
    source: str  # site name or host of the main article
    published: datetime | None = None
    summary: list[str] = field(default_factory=list)  # 2-3 sentences
    key_quote: QuoteRef | None = None
    also: list[Link] = field(default_factory=list)  # the same story elsewhere
    related: list[Link] = field(default_factory=list)  # the page's own related links
    score: float = 0.0


@dataclass
class DigestSection:
    title: str | None  # None when the digest is short and has a single unnamed section
    items: list[DigestItem] = field(default_factory=list)


@dataclass
class Digest:
    title: str
    since: datetime
    until: datetime
    sections: list[DigestSection] = field(default_factory=list)
    empty_message: str | None = None  # set when the window holds no story
    buttons: list[Button] = field(default_factory=list)
    permalink: str | None = None  # this digest's page in the web archive, when it has one

    @property
    def items(self) -> list[DigestItem]:
        return [item for section in self.sections for item in section.items]

    @property
    def is_empty(self) -> bool:
        return not self.items


@dataclass
class ArticleList:
    """Answer to ``/latest`` and ``/search``."""

    title: str
    articles: list[ArticleRef] = field(default_factory=list)
    empty_message: str = "Nothing found."
    buttons: list[Button] = field(default_factory=list)


@dataclass
class Notice:
    """A short message: confirmation, refusal, error."""

    text: str
    level: Literal["info", "success", "warning", "error"] = "info"


@dataclass
class HelpText:
    commands: list[tuple[str, str]]  # (usage, description)
    intro: str = ""


@dataclass
class SubscriptionView:
    id: int
    platform: str
    chat_id: str
    mode: str  # "digest" | "alerts" | "both"
    timezone: str
    digest_time: str  # "HH:MM"
    keywords: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    people: list[str] = field(default_factory=list)
    paused: bool = False
    pause_reason: str | None = None


@dataclass
class SubscriptionList:
    title: str
    subscriptions: list[SubscriptionView] = field(default_factory=list)


@dataclass
class SourceView:
    id: int
    url: str
    kind: str
    title: str | None = None
    last_success: datetime | None = None
    last_error: str | None = None
    failures: int = 0


@dataclass
class SourceList:
    title: str
    sources: list[SourceView] = field(default_factory=list)


Answer = Union[WhoCard, Digest, ArticleList, Notice, HelpText, SubscriptionList, SourceList]
