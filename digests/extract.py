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
from functools import lru_cache
from urllib.parse import urljoin, urlsplit

import lxml.html
import trafilatura
from charset_normalizer import from_bytes
from lxml import etree
from trafilatura import load_html
from trafilatura.xml import xmltotxt

from digests.headline import clean_title, generate_title
from digests.extract_meta import PageMeta, read_metadata
from digests.models import Article, FetchedPage, Link, Rejected
from digests.textfile import MIN_BODY_CHARS, boilerplate_kind, extract_text, teaser_title

__all__ = ["extract", "extract_html", "decode_html"]

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([\w.:-]+)""", re.I)
# output_format="txt": the body tree is all we use, so trafilatura need not also render it
# as text (the "python" format's only difference).
_TRAFILATURA_OPTIONS = dict(include_comments=False, favor_precision=True, include_links=True,
                            with_metadata=False, include_tables=True, output_format="txt")
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


def _body_links(body: etree._Element, base: str) -> list[Link]:
    links = []
    for ref in body.iter("ref"):
        target, title = ref.get("target") or "", " ".join("".join(ref.itertext()).split())
        if title and target and not target.startswith(("#", "javascript:", "mailto:")):
            links.append(Link(title=title, url=urljoin(base, target)))
    return links


def _split_body_paragraphs(tree: lxml.html.HtmlElement, paragraphs: list[str]) -> list[str]:
    """Paragraphs from sibling containers of the one holding the first paragraph.

    Sites often cut an article into several containers of the same class around ad slots;
    trafilatura keeps the first one. Containers of the very same tag and class hold the rest.
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
    if not cls:
        return []
    extra: list[str] = []
    seen: set[str] | None = None  # the kept paragraphs, normalised when first needed
    if _PLAIN_TAG.match(container.tag):  # let libxml2 pick the boxes: no Python object per <div>
        boxes = tree.xpath(f"descendant::{container.tag}[@class = $cls]", cls=cls)
    else:
        boxes = [other for other in tree.iterfind(f".//{container.tag}") if other.get("class") == cls]
    for other in boxes:
        if other is container:
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
    given = tree if _trafilatura_copies_its_input() else copy(tree)
    document = trafilatura.bare_extraction(given, url=meta.link_base or url, **_TRAFILATURA_OPTIONS)
    if document is None or document.body is None:
        return Rejected(url, "empty", "no main text found in the page")
    links = _body_links(document.body, meta.link_base or meta.url)
    etree.strip_tags(document.body, "ref")
    paragraphs = xmltotxt(document.body, include_formatting=False).split("\n")
    paragraphs += _split_body_paragraphs(tree, paragraphs)
    related = list(meta.related)
    paragraphs = _clean_paragraphs(paragraphs, meta.title or "", related, links)
    body = "\n\n".join(paragraphs)
    if len(body) < MIN_BODY_CHARS:
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
