"""One answer of each kind, with text that needs escaping: shared by the renderer tests of
digests/ (text, markdown, console) and of bot/ (Telegram, Slack)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from digests.answers import (
    ArticleList, ArticleRef, Button, Digest, DigestItem, DigestSection, HelpText, Notice, PersonCard,
    QuoteRef, SourceList, SourceView, SubscriptionList, SubscriptionView, WhoCard,
)
from digests.models import Link

__all__ = ["NASTY", "WHEN", "digest", "every_answer", "item", "person"]

WHEN = datetime(2024, 3, 5, 9, 30, tzinfo=timezone.utc)
NASTY = 'Tom & Jerry <b>bold</b> </a> &amp; "quoted" _*[]()~ 😀𝕏'


def item(n: int, *, headline: str | None = None, quote: str = "We will act.", url: str | None = None) -> DigestItem:
    return DigestItem(
        story_id=f"s{n}", headline=headline or f"Headline {n}", url=url or f"https://news.example/{n}",
        source="Example News", published=WHEN,
        summary=[f"Sentence one of story {n}.", "Sentence two has more words in it to take room."],
        key_quote=QuoteRef(text=quote, speaker="Jane Roe", speaker_role="Minister of Finance"),
        also=[Link("Other Site", f"https://other.example/{n}")],
        related=[Link("Background", f"https://news.example/{n}/background")],
    )


def digest(items: list[DigestItem], title: str = "Morning digest", **kwargs) -> Digest:
    return Digest(title=title, since=WHEN - timedelta(days=1), until=WHEN,
                  sections=[DigestSection(title=None, items=items)], **kwargs)


def person(name: str = "Jane Roe", quotes: int = 2) -> PersonCard:
    return PersonCard(
        name=name, role="Minister of Finance", roles=["Minister of Finance", "MP for Leeds"], mentions=3,
        quotes=[QuoteRef(f"Quote {n} & <more>", name, "Minister", f"https://news.example/q{n}", f"Article {n}", WHEN)
                for n in range(quotes)],
        articles=[ArticleRef(f"Article {n}", f"https://news.example/a{n}", WHEN, "Example News", ["Summary."])
                  for n in range(2)],
    )


def every_answer() -> list:
    """One of each answer type, with text that needs escaping."""
    return [
        digest([item(1, headline=NASTY), item(2)], buttons=[Button("Next page", "/digest --page 2")]),
        Digest(title="Morning digest", since=WHEN, until=WHEN, empty_message="No new stories since 5 Mar."),
        WhoCard(query="Nobody <x>"),
        WhoCard(query="Jane", matches=[person()]),
        WhoCard(query="Roe", matches=[person("Jane Roe"), person("John Roe")]),
        ArticleList(title="Latest", articles=[ArticleRef(NASTY, "https://a.example/1", WHEN, "A & B", [NASTY])]),
        ArticleList(title="Search: <q>"),
        Notice("Subscribed to <b>&lt;everything&gt;</b>", "success"),
        HelpText(commands=[("/who NAME", "who is <NAME>?"), ("/digest [36h]", "stories & quotes")], intro="Hi!"),
        HelpText(commands=[]),
        Notice(""),
        Digest(title="", since=WHEN, until=WHEN, sections=[DigestSection("", [item(1, headline="")])]),
        SubscriptionList(title="Your subscriptions", subscriptions=[SubscriptionView(
            1, "telegram", "42", "digest", "Europe/Kyiv", "08:00", keywords=["AT&T", "<ai>"], paused=True,
            pause_reason="bot was blocked")]),
        SubscriptionList(title="Your subscriptions"),
        SourceList(title="Sources", sources=[SourceView(1, "https://feeds.example/rss?a=1&b=2", "rss",
                                                        "Feed <One>", WHEN, "HTTP 503 <html>", 2)]),
    ]
