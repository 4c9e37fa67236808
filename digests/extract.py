"""Extraction: a fetched page (HTML or saved text) to a clean :class:`Article`.

trafilatura finds the main text; we call it in precision mode without comments, keeping
its link markup so link text stays in sentences and the body's links are known. The page
is parsed once, by trafilatura's own loader: trafilatura works on a copy of that tree,
and the tree itself then gives the metadata (canonical URL, JSON-LD, Open Graph), the
page's own related-story blocks, and body containers that trafilatura left out because an
ad split them. Last, paragraphs that are page furniture go, by the line rules in
:mod:`digests.textfile` (shared with saved text pages).

The page structure is read with lxml directly rather than BeautifulSoup: on the benchmark
pages a BeautifulSoup parse alone costs as much as trafilatura's whole extraction.
"""

from __future__ import annotations

import re
from copy import copy
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urljoin, urlsplit

import lxml.html
import trafilatura
from charset_normalizer import from_bytes
from lxml import etree
from trafilatura import load_html
from trafilatura.xml import xmltotxt

from digests.extract_furniture import drop_furniture
from digests.extract_meta import PageMeta, read_metadata
from digests.headline import clean_title, generate_title
from digests.models import Article, FetchedPage, Link, Rejected
from digests.textfile import (
    too_short,
    boilerplate_kind,
    extract_text,
    teaser_title,
)

__all__ = ["decode_html", "extract", "extract_html"]

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([\w.:-]+)""", re.IGNORECASE)
# output_format="txt": the body tree is all we use, so trafilatura need not also render it
# as text (the "python" format's only difference).
# Links stay on: measured without them, trafilatura's choice of blocks lost on the held-out
# pages. But with them it can drop the text before the first link of a <div> paragraph and
# glue link text to the next word: _repair_div_paragraphs mends those from the page, and the
# links themselves are collected from the page by _page_links.
_TRAFILATURA_OPTIONS = dict(include_comments=False, favor_precision=True, include_links=True,
                            with_metadata=False, include_tables=True, output_format="txt")
# The second opinion: trafilatura's default (recall-leaning) mode, still without comments.
_DEFAULT_OPTIONS = {**_TRAFILATURA_OPTIONS, "favor_precision": False}
# Text that is about the page, not the story: licences, rights, cookies, terms.
_NOTICE = re.compile(
    r"\b(?:licen[cs]ed? under|licen[cs]e\b|creative commons|all rights reserved|rights reserved|"
    r"terms (?:of|and) (?:use|service|conditions)|privacy (?:policy|notice)|cookies?\b|"
    r"republish|reproduc(?:e|ed|tion)\b|without (?:the )?(?:prior )?(?:written )?permission|"
    r"copyright\b|©)", re.IGNORECASE)
TINY_BODY_CHARS = 400  # shorter than this (a short brief is ~500), a body is worth a second opinion
_WORDS = re.compile(r"\w+")
_PARAGRAPH_STARTING = etree.XPath("//p[starts-with(normalize-space(.), $probe)]")
_PLAIN_TAG = re.compile(r"[a-z][a-z0-9]*\Z")


def decode_html(data: bytes, declared: str | None = None) -> str:
    """Page bytes as text: the declared charset, else the page's <meta charset>, else UTF-8,
    else charset_normalizer's best guess."""
    candidates = [declared] if declared else []
    if match := _META_CHARSET.search(data[:8192]):
        candidates.append(match.group(1).decode("ascii"))
    for encoding in [*candidates, "utf-8"]:
        try:
            return data.decode(encoding)
        except (LookupError, UnicodeDecodeError):
            continue
    guess = from_bytes(data).best()
    return str(guess) if guess is not None else data.decode("utf-8", errors="replace")


def extract(page: FetchedPage) -> Article | Rejected:
    """The article in ``page``: plain text goes to :func:`extract_text`, the rest is HTML."""
    text = page.text or (decode_html(page.content, page.encoding) if page.content else "")
    kind = page.content_type.split(";")[0].strip().lower()
    path = urlsplit(page.url).path.lower()
    if kind == "text/plain" or path.endswith(".txt"):
        result = extract_text(text, page.url)
    elif kind and "html" not in kind and "xml" not in kind:
        return Rejected(page.url, "not_html", f"content type {kind!r} is not a web page")
    else:
        result = extract_html(text, page.url)
    if isinstance(result, Article):
        result.source = page.requested_url or page.url
        if page.url not in (result.url, *result.alternate_urls) and result.url != page.url:
            result.alternate_urls.append(page.url)
    return result


def _norm(text: str) -> str:
    return " ".join(_WORDS.findall(text.lower()))


@lru_cache(maxsize=1)
def _trafilatura_copies_its_input() -> bool:
    """Whether ``bare_extraction`` works on a copy of a tree it is given (trafilatura 2.3
    does), leaving the tree for our metadata; if not, it gets a copy from us."""
    tree = load_html("<html><body><nav><a href='/'>Home</a> <a href='/a'>About</a></nav><article><p>"
                     + "A sentence of an article about a town. " * 12 + "</p></article></body></html>")
    before = etree.tostring(tree)
    trafilatura.bare_extraction(tree, **_TRAFILATURA_OPTIONS)
    return etree.tostring(tree) == before


# Menus, headers and footers hold most of a page's links and never the story's.
_LINKS = etree.XPath("//a[@href][not(ancestor::nav or ancestor::header or ancestor::footer)]")
_LINK_CONTEXT_WORDS = 4  # words either side of a link's text that must be in the body too


def _page_links(tree: lxml.html.HtmlElement, paragraphs: list[str], base: str) -> list[Link]:
    """The links of the page whose text, read with a few words around it, is in the body.

    A separate pass over the page's own <a> elements, so extraction runs without link markup.
    The words around a link tell a "Home" menu entry from the word "home" in a sentence; a
    link that is a whole paragraph by itself (a bulleted teaser) counts as in the body.
    """
    normalised = [_norm(p) for p in paragraphs]
    whole = set(normalised)
    body = " " + " ".join(normalised) + " "
    vocabulary = set(body.split())
    contexts: dict[etree._Element, list[str]] = {}  # keyed by the element: keeps its proxy alive
    links = []
    for anchor in _LINKS(tree):
        target = anchor.get("href").strip()
        if not target or target.startswith(("#", "javascript:", "mailto:")):
            continue
        title = " ".join(anchor.text_content().split())
        words = _norm(title).split()
        # the word test first: most of a page's links are menus whose words are not in the story
        if not words or not vocabulary.issuperset(words) or f" {' '.join(words)} " not in body:
            continue
        parent = anchor.getparent()
        if parent not in contexts:
            contexts[parent] = _norm(parent.text_content()).split()
        around = contexts[parent]
        at = next((i for i in range(len(around) - len(words) + 1) if around[i:i + len(words)] == words), None)
        if at is None:
            continue
        window = around[max(0, at - _LINK_CONTEXT_WORDS):at + len(words) + _LINK_CONTEXT_WORDS]
        phrase = " ".join(window)
        if phrase in whole or len(window) >= 4 and f" {phrase} " in body:
            links.append(Link(title=title, url=urljoin(base, target)))
    return links


# <div>s used as paragraphs: a direct link child, text of their own, no block inside.
_DIV_PARAGRAPHS = etree.XPath("//div[a][text()[normalize-space()]][not(.//div|.//p|.//li|.//table|.//ul|.//ol)]")


def _squash(text: str) -> str:
    """The word characters only: equal for two renderings that differ in spacing alone."""
    return "".join(_WORDS.findall(text.lower()))


def _repair_div_paragraphs(tree: lxml.html.HtmlElement, paragraphs: list[str]) -> list[str]:
    """Paragraphs that lost their start before a link, or had a link's text glued to the next
    word, replaced by the page's own <div> paragraph text."""
    repairs: dict[str, str] = {}
    for div in _DIV_PARAGRAPHS(tree):
        full = " ".join(div.text_content().split())
        if len(full) < 40:
            continue
        whole = _squash(full)
        repairs.setdefault(whole, full)
        first_link = div.find("a")
        before = (div.text or "") + "".join(e.text_content() + (e.tail or "") for e in first_link.itersiblings(preceding=True))
        if _squash(before):
            repairs.setdefault(whole[len(_squash(before)):], full)
    if not repairs:
        return paragraphs
    mended = []
    for para in paragraphs:
        full = repairs.get(_squash(para)) if len(para) >= 20 else None
        mended.append(full if full and _norm(full) != _norm(para) else para)
    return mended


# Class names page builders and grid systems give to every box on a page: two boxes sharing
# one of them say nothing about being parts of the same article.
_LAYOUT_CLASS = re.compile(
    r"(?:elementor|et_pb|et-pb|vc|wpb|fl|wp-block|gb|kt|uk|tdb|td|jeg|mk|avia|x|cs|bricks|oxy|brxe|"
    r"sqs|fusion|siteorigin|so|panel|ct|themify|tve|thrv|divi|beaver|astra|kadence|spectra|uagb)[-_].*"
    r"|(?:has|is)-.+|row|col(?:umns?)?(?:[-_].+)?|container(?:[-_].+)?|wrap(?:per)?|inner|outer|clearfix|"
    r"section|grid(?:[-_].+)?|block|blocks|widget(?:[-_].+)?|module|component|box|text|content|item|"
    r"span\d+|(?:xs|sm|md|lg|xl|[a-z])-\d+|pull-\w+|float-\w+|clear|group|layout|cell|unit",
    re.IGNORECASE)
# A region of reader comments: its boxes are never the article's rest.
_COMMENT_REGION = re.compile(r"comment|respond|discuss|disqus|repl(?:y|ies)|forum|talkback", re.IGNORECASE)
MAX_SPLIT_BOXES = 12  # an article cut around ad slots has a few parts, not dozens


def _is_layout_class(cls: str) -> bool:
    return all(_LAYOUT_CLASS.fullmatch(token) for token in cls.split())


def _in_comment_region(element: etree._Element) -> bool:
    return any(_COMMENT_REGION.search((e.get("class") or "") + " " + (e.get("id") or ""))
               for e in element.iterancestors())


def _split_body_paragraphs(tree: lxml.html.HtmlElement, paragraphs: list[str]) -> list[str]:
    """Paragraphs from sibling containers of the one holding the first paragraph.

    Sites often cut an article into several containers of the same class around ad slots;
    trafilatura keeps the first one. Containers of the very same tag and class hold the rest,
    unless the class is a page builder's or grid's generic one (every widget of the page has
    it), the class is on too many boxes, or a box sits among reader comments.
    """
    first = next((p for p in paragraphs if len(p) > 60), "")
    probe = first[:60]
    if len(probe) < 40:
        return []
    found = _PARAGRAPH_STARTING(tree, probe=" ".join(probe.split()))
    if not found:
        return []
    container = found[0].getparent()
    cls = container.get("class") if container is not None else None
    if not cls or _is_layout_class(cls):
        return []
    if _PLAIN_TAG.match(container.tag):  # let libxml2 pick the boxes: no Python object per <div>
        boxes = tree.xpath(f"descendant::{container.tag}[@class = $cls]", cls=cls)
    else:
        boxes = [other for other in tree.iterfind(f".//{container.tag}") if other.get("class") == cls]
    if len(boxes) > MAX_SPLIT_BOXES:
        return []
    extra: list[str] = []
    seen: set[str] | None = None  # the kept paragraphs, normalised when first needed
    for other in boxes:
        if other is container or _in_comment_region(other):
            continue
        for p in other.iter("p"):
            text = " ".join(p.text_content().split())
            if len(text) <= 20:
                continue
            if seen is None:
                seen = {_norm(p) for p in paragraphs}
            if _norm(text) not in seen:
                extra.append(text)
    # one stray paragraph is more likely a pull quote or a promo box than the article's rest
    return extra if len(extra) >= 2 and sum(map(len, extra)) > 400 else []


def _is_headline(text: str) -> bool:
    """Looks like a headline: a few words, no closing punctuation of a sentence."""
    return 3 <= len(text.split()) <= 25 and not re.search(r"[.!?:;,”\"’]$", text)


def _clean_paragraphs(paragraphs: list[str], title: str, related: list[Link],
                      links: list[Link]) -> list[str]:
    """Drop the repeated headline and page furniture; teasers become related links.

    A teaser is a "Read more: ..." line, a headline listed under a "Related"-style label,
    or a bulleted list item that is nothing but a link with a headline for text.
    """
    by_title = {_norm(link.title): link for link in links}
    title_norm = _norm(title) if title else ""

    def teaser(headline: str) -> None:
        headline = headline.lstrip("-•* ").strip()
        related.append(by_title.get(_norm(headline)) or Link(title=headline, url=""))

    kept, after_label = [], False
    for para in paragraphs:
        text = " ".join(para.split())
        if not text or (title and _norm(text) == title_norm):
            continue
        kind = boilerplate_kind(text)
        bullet = text.startswith(("- ", "• ", "* "))
        if kind == "teaser":
            teaser(teaser_title(text) or text)
            after_label = True
        elif kind is None and (after_label and (bullet or _is_headline(text))
                               or bullet and _is_headline(text[2:]) and _norm(text) in by_title):
            teaser(text)
        elif kind is None:
            kept.append(text)
            after_label = False
        else:
            after_label = kind == "label" or after_label
    return kept


@dataclass
class _Body:
    paragraphs: list[str]
    related: list[Link]
    links: list[Link]


def _extract_body(tree: lxml.html.HtmlElement, meta: PageMeta, url: str, options: dict) -> _Body | None:
    """trafilatura's main text with these options, recovered split containers, cleaned."""
    given = tree if _trafilatura_copies_its_input() else copy(tree)
    document = trafilatura.bare_extraction(given, url=meta.link_base or url, **options)
    if document is None or document.body is None:
        return None
    etree.strip_tags(document.body, "ref")
    paragraphs = _repair_div_paragraphs(tree, xmltotxt(document.body, include_formatting=False).split("\n"))
    paragraphs += _split_body_paragraphs(tree, paragraphs)
    links = _page_links(tree, paragraphs, meta.link_base or meta.url)
    related = list(meta.related)
    by_title = {_norm(link.title): link for link in links}
    kept, headlines = drop_furniture(_clean_paragraphs(paragraphs, meta.title or "", related, links), set(by_title))
    related += [by_title[_norm(h)] for h in headlines if _norm(h) in by_title]
    return _Body(kept, related, links)


def _notice_chars(paragraphs: list[str]) -> int:
    """Characters in paragraphs that speak about the page (licence, rights, cookies)."""
    return sum(len(p) for p in paragraphs if _NOTICE.search(p))


def _story_chars(body: _Body) -> int:
    return sum(map(len, body.paragraphs)) - _notice_chars(body.paragraphs)


def _worth_second_opinion(body: _Body) -> bool:
    """A tiny body, or one that is mostly notices, may be the wrong block of the page."""
    total = sum(map(len, body.paragraphs))
    return total < TINY_BODY_CHARS or _notice_chars(body.paragraphs) * 2 > total


def extract_html(html: str, url: str) -> Article | Rejected:
    """The article in an HTML page, or why there is none."""
    if not html or not html.strip():
        return Rejected(url, "empty", "the page is empty")
    if "<" not in html[:2048]:
        return Rejected(url, "not_html", "the page holds no HTML markup")
    tree = load_html(html)  # what trafilatura would parse from the string itself
    if tree is None:
        try:
            lxml.html.fromstring(html)
        except (etree.ParserError, ValueError) as exc:
            return Rejected(url, "not_html", f"the page could not be parsed: {exc}")
        return Rejected(url, "empty", "no main text found in the page")
    meta: PageMeta = read_metadata(tree, url)
    chosen = _extract_body(tree, meta, url, _TRAFILATURA_OPTIONS)
    if chosen is None or _worth_second_opinion(chosen):
        # Precision mode can settle on the wrong block (a licence box, a caption) or on a
        # scrap; trafilatura's default mode then often has the article. Only suspicious
        # bodies pay for the second run.
        second = _extract_body(tree, meta, url, _DEFAULT_OPTIONS)
        if second is not None and (chosen is None or _story_chars(second) > 2 * _story_chars(chosen)):
            chosen = second
    if chosen is None:
        return Rejected(url, "empty", "no main text found in the page")
    paragraphs, related, links = chosen.paragraphs, chosen.related, chosen.links
    body = "\n\n".join(paragraphs)
    if too_short(body):
        return Rejected(url, "too_short", f"only {len(body)} characters of article text")
    related_urls = {link.url for link in related}
    body_links = [link for link in links if link.url not in related_urls and link.url != meta.url]
    related = [link for link in dict.fromkeys(related) if link.url != meta.url]
    title = clean_title(meta.title, meta.site_name) if meta.title else ""
    return Article(
        url=meta.url,
        title=title or generate_title(body),
        title_generated=not title,
        body=body,
        authors=meta.authors,
        published=meta.published,
        updated=meta.updated,
        site_name=meta.site_name,
        language=meta.language,
        image=meta.image,
        related=related,
        links=list(dict.fromkeys(body_links)),
        source=url,
        alternate_urls=[url] if meta.url != url else [],
        description=meta.description,
    )
