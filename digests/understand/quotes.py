"""Every direct quotation in an article body, with its speaker.

``find_quotes(article, people=None)`` returns :class:`~digests.models.Quote` objects whose
``text`` is verbatim ``article.body[start:end]`` (marks and the comma before the attribution
trimmed). Speakers are found as a careful reader would: attribution verbs before or after the
quote, pronouns and descriptions ("the Ukrainian leader") resolved through the people found,
split quotes, quotes carried over a paragraph break. Scare quotes and short fragments are
``minor``; the one or two most informative quotes are ``key``.
"""

from __future__ import annotations

import re

from ..models import Article, Person, Quote
from ._attribution import attribute
from ._quote_spans import QuoteSpan, quote_spans
from ._text import paragraph_spans
from .people import PeopleIndex, index_people

__all__ = ["find_quotes"]

_WORD = re.compile(r"[\w'’]+")


def _bag(text: str) -> list[str]:
    return [w.lower().replace("’", "'") for w in _WORD.findall(text)]


def _is_minor(body: str, q: QuoteSpan, sentence_start: int) -> bool:
    """Scare quotes, titles, fragments: short and woven into running text."""
    text = body[q.start:q.end]
    n = len(_bag(text))
    before = body[sentence_start: q.open_mark].rstrip()
    woven = bool(before) and before[-1] not in ",:"
    return n <= 6 and (woven or (n <= 3 and text[-1:] not in ".!?" and body[q.close_mark + 1: q.close_mark + 3]
                                 .strip()[:1] not in {",", ""}))


def _standalone(body: str, q: QuoteSpan, paragraphs: list[tuple[int, int]]) -> bool:
    ps, pe = paragraphs[q.paragraph]
    return not body[ps:q.open_mark].strip() and not body[q.close_mark + 1:pe].strip(" ”\".,")


def _pull_quote(body: str, q: QuoteSpan, spans: list[QuoteSpan], paragraphs: list[tuple[int, int]]) -> bool:
    """A paragraph that is nothing but a quote repeated elsewhere (a pull quote or heading)."""
    if not _standalone(body, q, paragraphs):
        return False
    words = set(_bag(body[q.start:q.end]))
    if not words:
        return False
    for other in spans:
        if other is q:
            continue
        other_words = set(_bag(body[other.start:other.end]))
        if len(words & other_words) >= 0.9 * len(words) and (
                len(other_words) > len(words) or not _standalone(body, other, paragraphs)):
            return True
    return False


def _choose_key(quotes: list[Quote]) -> None:
    candidates = [q for q in quotes if not q.minor and q.speaker and len(_bag(q.text)) >= 8]
    if not candidates:
        return
    # A quote that reads as a whole sentence ("We will…") beats a clause picked out of one
    # ("is going to have to…"); then a speaker with a role; then length, up to a point.
    ranked = sorted(
        candidates,
        key=lambda q: (q.text[:1].isupper() or not q.text[:1].isalpha(), bool(q.speaker_role), min(len(_bag(q.text)), 40)),
        reverse=True,
    )
    for q in ranked[: 2 if len(candidates) >= 4 else 1]:
        q.key = True


def find_quotes(article: Article, people: list[Person] | None = None) -> list[Quote]:
    """Each direct quotation in ``article.body`` with its speaker's full name and role."""
    body = article.body
    index: PeopleIndex = index_people(body)
    if people is not None:
        index = _with_given_people(index, people)
    spans = quote_spans(body)
    paragraphs = paragraph_spans(body)
    speakers = attribute(body, spans, index)
    quotes = []
    for q, who in zip(spans, speakers):
        if _pull_quote(body, q, spans, paragraphs):
            continue
        person = index.people[who] if isinstance(who, int) else None
        sentence_start = body.rfind(". ", paragraphs[q.paragraph][0], q.open_mark)
        quotes.append(Quote(
            text=body[q.start:q.end],
            speaker=person.name if person else who,  # a description ("WeWork spokesperson") when unnamed
            speaker_role=(person.roles[0] if person and person.roles else None),
            minor=_is_minor(body, q, max(sentence_start, paragraphs[q.paragraph][0])),
            start=q.start,
            end=q.end,
        ))
    _choose_key(quotes)
    return quotes


def _with_given_people(index: PeopleIndex, people: list[Person]) -> PeopleIndex:
    """Prefer the caller's names and roles for the people we found (same name or alias)."""
    by_name = {}
    for p in people:
        for form in [p.name, *p.aliases]:
            by_name[form] = p
    merged = []
    for p in index.people:
        given = by_name.get(p.name) or next((by_name[a] for a in p.aliases if a in by_name), None)
        merged.append(given if given is not None and given.kind == p.kind else p)
    return PeopleIndex(merged, index.mentions)
