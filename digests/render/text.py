"""Answers as plain text (terminal) and as Markdown.

Both go through :func:`outline`, a flat list of typed lines (title, entry, quote, links, ...)
that says what each piece is; ``render_text``, ``render_markdown`` and the rich console
renderer only decide how each kind looks. Long quotes are cut to keep a screen readable.
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass, field
from typing import Literal

from digests.answers import (
    Answer, ArticleList, ArticleRef, Digest, DigestItem, HelpText, Notice, PersonCard, QuoteRef,
    SourceList, SubscriptionList, WhoCard,
)
from digests.models import Link
from digests.formatting import (
    LEVEL_ICONS, format_time, format_window, item_meta, one_line, quote_attribution, source_lines,
    subscription_lines, truncate, web_url,
)

__all__ = ["Line", "outline", "render_text", "render_markdown", "escape_markdown"]

QUOTE_LIMIT = 1000
WIDTH = 88

Kind = Literal["title", "subtitle", "heading", "entry", "meta", "para", "quote", "links", "command"]


@dataclass
class Line:
    """One piece of an answer: ``text`` is plain (unescaped) article or UI text."""

    kind: Kind
    text: str = ""
    url: str | None = None  # for "entry": where the title links to
    links: list[Link] = field(default_factory=list)  # for "links": label is ``text``
    extra: str = ""  # "quote": attribution; "command": description


def _item_lines(title: str, url: str, source: str, published, summary: list[str],
                quote: QuoteRef | None = None, with_source: bool = False) -> list[Line]:
    lines = [Line("entry", one_line(title) or "(untitled)", url=url)]
    meta = item_meta(source, published)
    if meta:
        lines.append(Line("meta", meta))
    if summary:
        lines.append(Line("para", " ".join(one_line(s) for s in summary)))
    if quote and quote.text.strip():
        lines += _quote_lines(quote, with_source)
    return lines


def _quote_lines(quote: QuoteRef, with_source: bool) -> list[Line]:
    lines = [Line("quote", truncate(one_line(quote.text), QUOTE_LIMIT),
                  extra=quote_attribution(quote.speaker, quote.speaker_role))]
    if with_source and (quote.url or quote.article_title):
        label = " · ".join(p for p in (one_line(quote.article_title), format_time(quote.published)) if p)
        lines.append(Line("links", "Source", links=[Link(label or "source", quote.url)]))
    return lines


def _digest(digest: Digest) -> list[Line]:
    lines = [Line("title", one_line(digest.title)), Line("subtitle", format_window(digest.since, digest.until))]
    if digest.is_empty:
        return lines + [Line("para", digest.empty_message or "No new stories.")]
    for section in digest.sections:
        if section.title:
            lines.append(Line("heading", one_line(section.title)))
        for item in section.items:
            lines += _digest_item(item)
    if digest.permalink:
        lines.append(Line("links", "On the web", links=[Link("this digest", digest.permalink)]))
    return lines


def _digest_item(item: DigestItem) -> list[Line]:
    lines = _item_lines(item.headline, item.url, item.source, item.published, item.summary, item.key_quote)
    if item.also:
        lines.append(Line("links", "Also", links=item.also))
    if item.related:
        lines.append(Line("links", "Related", links=item.related))
    return lines


def _person(card: PersonCard) -> list[Line]:
    lines = [Line("title", one_line(card.name))]
    if card.role:
        lines.append(Line("subtitle", one_line(card.role)))
    others = [one_line(r) for r in card.roles if one_line(r) and one_line(r) != one_line(card.role)]
    if others:
        lines.append(Line("meta", "Also: " + "; ".join(others[:5])))
    lines.append(Line("para", f"Named in {card.mentions} article{'s' if card.mentions != 1 else ''}."))
    if card.quotes:
        lines.append(Line("heading", "Quotes"))
        for quote in card.quotes:
            lines += _quote_lines(quote, with_source=True)
    if card.articles:
        lines.append(Line("heading", "Articles"))
        for ref in card.articles:
            lines += _article(ref)
    return lines


def _article(ref: ArticleRef) -> list[Line]:
    return _item_lines(ref.title, ref.url, ref.source, ref.published, ref.summary[:2])


def _who(card: WhoCard) -> list[Line]:
    query = one_line(card.query)
    if not card.matches:
        return [Line("para", f"I found no one called “{query}” in the stored articles.")]
    if not card.ambiguous:
        return _person(card.matches[0])
    lines = [Line("para", f"“{query}” could be {len(card.matches)} people:")]
    for person in card.matches:
        lines.append(Line("entry", one_line(person.name)))
        role = f"{one_line(person.role)} · " if person.role else ""
        lines.append(Line("meta", f"{role}{person.mentions} article{'s' if person.mentions != 1 else ''}"))
    return lines + [Line("para", "Ask again with the full name to see one of them.")]


def _entries(title: str, entries: list[tuple[str, str]], empty: str) -> list[Line]:
    lines = [Line("title", one_line(title))]
    for head, rest in entries:
        lines.append(Line("entry", head))
        lines += [Line("meta", line) for line in rest.split("\n") if line]
    return lines if entries else lines + [Line("para", empty)]


def outline(answer: Answer) -> list[Line]:
    """``answer`` as typed lines, for any text-like renderer (never empty)."""
    return _outline(answer) or [Line("para", "Nothing to show.")]


def _outline(answer: Answer) -> list[Line]:
    if isinstance(answer, Digest):
        return _digest(answer)
    if isinstance(answer, WhoCard):
        return _who(answer)
    if isinstance(answer, ArticleList):
        lines = [Line("title", one_line(answer.title))]
        for ref in answer.articles:
            lines += _article(ref)
        return lines if answer.articles else lines + [Line("para", answer.empty_message)]
    if isinstance(answer, Notice):
        text = f"{LEVEL_ICONS.get(answer.level, '')} {answer.text}".strip()
        return [Line("para", text)] if text else []
    if isinstance(answer, HelpText):
        lines = [Line("para", answer.intro)] if answer.intro.strip() else []
        return lines + [Line("command", one_line(u), extra=one_line(d)) for u, d in answer.commands]
    if isinstance(answer, SubscriptionList):
        return _entries(answer.title, subscription_lines(answer.subscriptions), "No subscriptions yet.")
    if isinstance(answer, SourceList):
        return _entries(answer.title, source_lines(answer.sources), "No sources yet.")
    raise TypeError(f"can't render {type(answer).__name__}")


# --- plain text ------------------------------------------------------------------------


def _wrap(text: str, indent: str) -> str:
    return "\n".join(textwrap.fill(p, WIDTH, initial_indent=indent, subsequent_indent=indent)
                     for p in text.split("\n") if p.strip()) or indent.rstrip()


def _plain_links(links: list[Link]) -> str:
    return ", ".join(f"{one_line(l.title)} <{l.url}>" if l.url else one_line(l.title) for l in links)


def render_text(answer: Answer) -> str:
    """Readable plain text for a terminal: no markup, long lines wrapped."""
    out: list[str] = []
    for line in outline(answer):
        if line.kind == "title":
            out += [line.text, "=" * min(len(line.text), WIDTH)]
        elif line.kind == "subtitle":
            out.append(line.text)
        elif line.kind == "heading":
            out += ["", line.text, "-" * min(len(line.text), WIDTH)]
        elif line.kind == "entry":
            out += ["", f"• {line.text}"] + ([f"  {line.url}"] if line.url else [])
        elif line.kind in ("meta", "para"):
            out.append(_wrap(line.text, "  "))
        elif line.kind == "quote":
            out.append(_wrap(f"“{line.text}”", "  > ") + (f"\n  >   — {line.extra}" if line.extra else ""))
        elif line.kind == "links":
            out.append(_wrap(f"{line.text}: {_plain_links(line.links)}", "  "))
        elif line.kind == "command":
            out.append(f"  {line.text:<24} {line.extra}")
    return "\n".join(out).strip("\n") + "\n"


# --- Markdown --------------------------------------------------------------------------

_MD_SPECIALS = re.compile(r"([\\`*_\[\]<>|~&#])")
_MD_LINE_START = re.compile(r"^([-+=]|\d+(?=[.)]))")


def escape_markdown(text: str) -> str:
    """Article text safe in CommonMark/GFM: inline specials backslash-escaped, and a leading
    "-", "+", "=" or "1." that would start a list or heading neutralised."""
    escaped = _MD_SPECIALS.sub(r"\\\1", text)
    return _MD_LINE_START.sub(lambda m: m.group(1) + "\\" if m.group(1)[0].isdigit() else "\\" + m.group(1),
                              escaped)


def _md_link(label: str, url: str | None) -> str:
    text = escape_markdown(one_line(label)) or "link"
    href = web_url(url)
    if not href:
        return text
    return f"[{text}](<{href.replace('<', '%3C').replace('>', '%3E')}>)"


def render_markdown(answer: Answer) -> str:
    """Markdown (CommonMark + GFM) with every piece of article text escaped."""
    out: list[str] = []
    for line in outline(answer):
        text = escape_markdown(line.text)
        if line.kind == "title":
            out += [f"# {text}", ""]
        elif line.kind == "subtitle":
            out += [f"*{text}*", ""]
        elif line.kind == "heading":
            out += [f"## {text}", ""]
        elif line.kind == "entry":
            out += [f"### {_md_link(line.text, line.url) if line.url else text}", ""]
        elif line.kind == "meta":
            out += [f"*{text}*", ""]
        elif line.kind == "para":
            out += [text, ""]
        elif line.kind == "quote":
            out += [f"> “{text}”"] + ([f"> — {escape_markdown(line.extra)}"] if line.extra else []) + [""]
        elif line.kind == "links":
            out += [f"{text}: " + ", ".join(_md_link(l.title, l.url) for l in line.links), ""]
        elif line.kind == "command":
            out.append(f"- `{line.text.replace('`', 'ʹ')}` — {escape_markdown(line.extra)}")
    return "\n".join(out).strip("\n") + "\n"
