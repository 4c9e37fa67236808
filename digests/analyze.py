"""The pure pipeline for one input: extract, then understand (people, quotes, summary).

CPU-only and synchronous, so the ingestion worker can run it in a thread or another process.
"""

from __future__ import annotations

from digests.extract import extract
from digests.models import Analysis, Article, FetchedPage, Rejected
from digests.understand.people import find_people
from digests.understand.quotes import find_quotes
from digests.understand.summary import make_headline, summarize

__all__ = ["analyze", "analyze_page"]


def analyze(article: Article, *, summary_sentences: int = 3) -> Analysis:
    """Quotes with speakers, people with roles, a short summary and a headline."""
    people = find_people(article)
    quotes = find_quotes(article, people)
    summary = summarize(article, max_sentences=summary_sentences)
    headline = make_headline(article) if article.title_generated or not article.title.strip() else article.title
    return Analysis(article=article, summary=summary, headline=headline, quotes=quotes, people=people)


def analyze_page(page: FetchedPage, *, summary_sentences: int = 3) -> Analysis | Rejected:
    """Extract the article from a fetched page (or local file) and analyse it."""
    result = extract(page)
    if isinstance(result, Rejected):
        return result
    return analyze(result, summary_sentences=summary_sentences)
