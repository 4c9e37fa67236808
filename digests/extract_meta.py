"""What a page says about its article besides the text: canonical URL, headline, authors,
dates, site, language, image, and the page's own related-story blocks.

Sources, most trusted first: JSON-LD (what the publisher tells search engines), Open
Graph / article:* meta tags, then plain HTML (<h1>, <title>, <time>, <html lang>).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin

import lxml.html
from lxml import etree

from digests.models import Link
from digests.textfile import is_related_label

__all__ = ["PageMeta", "parse_datetime", "read_metadata"]

_ARTICLE_TYPES = {"article", "newsarticle", "blogposting", "reportagenewsarticle", "analysisnewsarticle",
                  "opinionnewsarticle", "reviewnewsarticle", "backgroundnewsarticle", "liveblogposting",
                  "techarticle", "scholarlyarticle", "report", "webpage", "medicalwebpage", "claimreview",
                  "satiricalarticle", "socialmediaposting"}
# A published date before this, or later than now, is a placeholder ("0001-01-01") or a typo.
_EARLIEST = datetime(1990, 1, 1, tzinfo=UTC)
_TRAILING_COMMA = re.compile(r",\s*([}\]])")
_RELATED_CLASS = re.compile(r"related|read-?next|more-?(?:stories|news|articles)|recommend|recirc|also-?read",
                            re.IGNORECASE)
_MAX_RELATED = 30
# Short text nodes only: the label check then runs on a few hundred small strings per page.
# The cheap length test comes first: normalising a page's long script texts is not cheap.
_SHORT_TEXTS = etree.XPath("//text()[string-length(.) <= 200][string-length(normalize-space(.)) > 2]")


@dataclass
class PageMeta:
    url: str
    title: str | None = None
    authors: list[str] = field(default_factory=list)
    published: datetime | None = None
    updated: datetime | None = None
    site_name: str | None = None
    language: str | None = None
    image: str | None = None
    description: str | None = None
    related: list[Link] = field(default_factory=list)
    link_base: str = ""  # what relative links in the page resolve against


def parse_datetime(value: str | None) -> datetime | None:
    """An aware datetime from ISO 8601 or RFC 2822 text; naive values are taken as UTC."""
    value = (value or "").strip()
    if not value:
        return None
    parsed = None
    iso = re.sub(r"([+-]\d{2})(\d{2})$", r"\1:\2", value.replace("Z", "+00:00").replace(" ", "T", 1))
    for candidate in (iso, iso[:19], iso[:10]):
        try:
            parsed = datetime.fromisoformat(candidate)
            break
        except ValueError:
            continue
    if parsed is None:
        try:
            parsed = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _json_ld_objects(tree: lxml.html.HtmlElement) -> list[dict]:
    found: list[dict] = []
    for script in tree.iterfind('.//script[@type="application/ld+json"]'):
        text = script.text or ""
        try:
            data = json.loads(text)
        except ValueError:
            try:  # a trailing comma, the commonest hand-edit slip, must not hide the whole block
                data = json.loads(_TRAILING_COMMA.sub(r"\1", text))
            except ValueError:
                continue
        stack = data if isinstance(data, list) else [data]
        while stack:
            item = stack.pop(0)
            if isinstance(item, dict):
                found.append(item)
                stack.extend(item.get("@graph") or [])
            elif isinstance(item, list):
                stack.extend(item)
    return found


def _types(obj: dict) -> set[str]:
    kind = obj.get("@type") or []
    return {str(k).lower() for k in (kind if isinstance(kind, list) else [kind])}


def _names(value: object) -> list[str]:
    """Author names from a JSON-LD author value (a string, an object or a list of them)."""
    items = value if isinstance(value, list) else [value]
    names = []
    for item in items:
        name = item.get("name") if isinstance(item, dict) else item
        if isinstance(name, str) and name.strip() and "://" not in name:
            names.append(" ".join(name.split()))
    return names


def _first(value: object) -> str | None:
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict):
        value = value.get("url") or value.get("name")
    return value.strip() if isinstance(value, str) and value.strip() else None


def _meta_index(tree: lxml.html.HtmlElement) -> dict[str, str]:
    """<meta> contents by their property/name/itemprop, first one winning."""
    index: dict[str, str] = {}
    for node in tree.iter("meta"):
        content = (node.get("content") or node.get("datetime") or "").strip()
        for attr in ("property", "name", "itemprop"):
            key = node.get(attr)
            if key and content:
                index.setdefault(key.strip().lower(), content)
    return index


def _meta(index: dict[str, str], *keys: str) -> str | None:
    return next((index[k.lower()] for k in keys if k.lower() in index), None)


def _related_blocks(tree: lxml.html.HtmlElement, base: str) -> list[Link]:
    """Links listed under a "Related"/"Read next"-style heading or in a related-class box."""
    containers = []
    for text in _SHORT_TEXTS(tree):
        if not is_related_label(" ".join(text.split())):
            continue  # tested first: few texts are labels, and each parent costs an lxml proxy
        node = text.getparent()
        if node is None or node.tag in ("script", "style", "a"):
            continue
        if node.getparent() is not None:
            parent = node.getparent()
            containers.append(parent if parent.find(".//a") is not None else node.getnext())
    for node in tree.iter("aside", "section", "div", "ul", "nav"):
        cls, ident = node.get("class"), node.get("id")
        if not (cls or ident):
            continue  # most boxes: nothing to match
        if _RELATED_CLASS.search(f"{cls or ''} {ident or ''}") and len(containers) < 50:
            containers.append(node)
    links: list[Link] = []
    for container in containers:
        if container is None:
            continue
        for a in container.iter("a"):
            title = " ".join(a.text_content().split())
            href = a.get("href") or ""
            if len(title.split()) >= 4 and href and not href.startswith(("#", "javascript:", "mailto:")):
                links.append(Link(title=title, url=urljoin(base, href)))
    return list(dict.fromkeys(links))[:_MAX_RELATED]


def _link_base(tree: lxml.html.HtmlElement, url: str, page_url: str) -> str:
    """What relative links resolve against: the page's <base href>, else where it was read
    from; a page saved to disk resolves them against its canonical web address instead
    (a link "/business/x.html" in a saved page means the site's, not the disk's)."""
    base_tag = tree.find(".//base[@href]")
    if base_tag is not None:
        return urljoin(url, base_tag.get("href").strip())
    if url.startswith("file:") and page_url.startswith(("http://", "https://")):
        return page_url
    return url


def _plain(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.lower()))


def _choose_title(candidates: list[str | None], site_names: list[str | None]) -> str | None:
    """The first headline candidate, most trusted first (JSON-LD, og:title, twitter:title,
    <h1>, <title>), that is not the site's banner: a page's only <h1>, or a WebPage object's
    headline, is sometimes the site's name."""
    found = [" ".join(c.split()) for c in candidates if isinstance(c, str) and c.strip()]
    banners = {_plain(n) for n in site_names if n and _plain(n)}
    for candidate in found:
        if _plain(candidate) and _plain(candidate) not in banners:
            return candidate
    return found[0] if found else None


_PUBLISHED_KEYS = ("article:published_time", "og:published_time", "datePublished", "pubdate", "publish-date",
                   "date", "dc.date", "DC.date.issued", "sailthru.date", "parsely-pub-date")


def plausible_date(value: datetime | None, now: datetime | None = None) -> datetime | None:
    """``value`` unless it is a placeholder or a typo: before 1990 or more than a day ahead."""
    now = now or datetime.now(UTC)
    if value is None or value < _EARLIEST or (value - now).total_seconds() > 86400:
        return None
    return value


def _published(tree: lxml.html.HtmlElement, article: dict, objects: list[dict], metas: dict[str, str]) -> datetime | None:
    """The first plausible publication date among every candidate, most trusted first: the
    article's JSON-LD, any other JSON-LD object of an article type (a ClaimReview beside an
    undated WebPage), the meta tags, a <time> element; else htmldate's reading of the page."""
    candidates: list[object] = [article.get("datePublished")]
    candidates += [o.get("datePublished") for o in objects if o is not article and _types(o) & _ARTICLE_TYPES]
    candidates += [metas.get(k.lower()) for k in _PUBLISHED_KEYS]
    candidates += [t.get("datetime") for t in tree.iterfind(".//time[@datetime]")][:3]
    for value in candidates:
        found = plausible_date(parse_datetime(_first(value)))
        if found is not None:
            return found
    return _htmldate(tree)


def _htmldate(tree: lxml.html.HtmlElement) -> datetime | None:
    """htmldate's guess from the URL, headers and visible text (a date only: midnight UTC)."""
    try:
        from htmldate import (
            find_date,  # trafilatura's own dependency; imported when needed
        )

        # The quick reading first (URL, headers, markup: ~0.7 ms); the extensive one (free text,
        # dateparser: ~11 ms and a 3 s import) only when it finds nothing.
        found = (find_date(tree, extensive_search=False, original_date=True, outputformat="%Y-%m-%d")
                 or find_date(tree, extensive_search=True, original_date=True, outputformat="%Y-%m-%d"))
    except Exception:  # noqa: BLE001 -- a date guesser must never break extraction
        return None
    return plausible_date(parse_datetime(found)) if found else None


def read_metadata(tree: lxml.html.HtmlElement, url: str) -> PageMeta:
    """Everything but the body that the page tells about its article."""
    objects = _json_ld_objects(tree)
    metas = _meta_index(tree)
    article = next((o for o in objects if _types(o) & _ARTICLE_TYPES and o.get("headline")), None) or \
        next((o for o in objects if _types(o) & _ARTICLE_TYPES), {})
    canonical = tree.find('.//link[@rel="canonical"]')
    canonical_url = (canonical.get("href") if canonical is not None else None) or _meta(metas, "og:url")
    h1 = tree.find(".//h1")
    title_tag = tree.find(".//title")
    publisher = article.get("publisher")
    publisher_name = publisher.get("name") if isinstance(publisher, dict) else None
    site_name = _meta(metas, "og:site_name") or (publisher_name if isinstance(publisher_name, str) else None) \
        or _meta(metas, "application-name")
    title = _choose_title(
        [_first(article.get("headline")), _meta(metas, "og:title"), _meta(metas, "twitter:title"),
         " ".join(h1.text_content().split()) if h1 is not None else None,
         title_tag.text_content().strip() if title_tag is not None else None],
        [site_name, publisher_name if isinstance(publisher_name, str) else None, _meta(metas, "application-name")])
    authors = _names(article.get("author")) or _names(_meta(metas, "author", "article:author", "byl"))
    authors = [re.sub(r"^by\s+", "", a, flags=re.IGNORECASE) for a in authors]
    published = _published(tree, article, objects, metas)
    updated = parse_datetime(_first(article.get("dateModified")) or _meta(
        metas, "article:modified_time", "og:updated_time", "dateModified", "last-modified"))
    language = tree.get("lang") or _meta(metas, "og:locale", "language", "content-language")
    image = _first(article.get("image")) or _meta(metas, "og:image", "twitter:image")
    page_url = urljoin(url, canonical_url.strip()) if canonical_url else url
    base = _link_base(tree, url, page_url)
    return PageMeta(
        url=page_url,
        title=title,
        authors=list(dict.fromkeys(authors)),
        published=published,
        updated=updated,
        site_name=site_name,
        language=language.replace("_", "-").split("-")[0].lower() if language else None,
        image=urljoin(base, image) if image else None,
        description=_meta(metas, "description", "og:description"),
        related=_related_blocks(tree, base),
        link_base=base,
    )
