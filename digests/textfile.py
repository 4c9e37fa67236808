"""Articles from text saved from a news page (a browser's "save as text", a copy-paste).

Such a file holds a date line, the article, then whatever the page showed around it: ad
labels, "follow us" calls, photo captions, inline teasers for other stories, the author's
bio, "More on ..." and "Read next" lists, previous/next links. Nothing marks where the
article ends, so we read the file the way a person does:

1. the *footer* starts at the first line that only ever follows an article (a correction
   notice, the author box, previous/next links, a list-of-headlines block);
2. inside the article, lines that are page furniture (see :func:`boilerplate_kind`) go;
   an inline teaser block (a "Related"-style label, the teaser headline, its blurb) goes
   to ``related``;
3. the footer is mined for the author and the related headlines.

The line rules in :func:`boilerplate_kind` are shared with HTML extraction.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timezone
from zoneinfo import ZoneInfo

from digests.headline import generate_title
from digests.models import Article, Link, Rejected

__all__ = ["extract_text", "parse_dateline", "boilerplate_kind", "teaser_title", "is_related_label", "MIN_BODY_CHARS",
           "body_length", "too_short"]

MIN_BODY_CHARS = 250  # shorter than a news brief: an error page, a stub, a list
# Chinese and Japanese characters (and Hangul syllables) each carry about a word: a 200-character
# Japanese brief says as much as 500 Latin characters. Counted with these weights against the floor.
_WIDE = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_HANGUL = re.compile(r"[\uac00-\ud7a3]")


def body_length(text: str) -> int:
    """The length of ``text`` as the too-short floor counts it: a CJK character counts 3, a
    Hangul syllable 2 (Korean separates words by spaces), anything else 1."""
    return len(text) + 2 * len(_WIDE.findall(text)) + len(_HANGUL.findall(text))


def too_short(body: str) -> bool:
    return body_length(body) < MIN_BODY_CHARS
_SHORT = 300  # page furniture is short; a long paragraph is prose whatever words it holds

_RELATED_LABEL = re.compile(
    r"^(?:read next|read more|read also|also read|see also|related(?: (?:articles?|stories|posts?|content|"
    r"coverage|news|topics|reading|links))?|more (?:on|from|about) .{1,60}|more (?:stories|news|articles)|"
    r"other topics(?: of interest)?|recommended(?: for you| stories| reading)?|you (?:may|might) also like|"
    r"don'?t miss|most (?:read|popular|viewed)|trending(?: now| stories)?|top stories|editor'?s picks|"
    r"latest (?:news|stories)|also on .{1,40}|more|also)[\s.:…|!]*$"
    # a lead-in to a list of links: "Read more about the minerals deal:"
    r"|^(?:read more|read also|see more|more|related|also read|see also)\b.{0,150}:$",
    re.IGNORECASE,
)
_TEASER_PREFIX = re.compile(
    r"^\[?(?:read more|see more|read also|also read|read next|related(?: post| article| story| reading)?|"
    r"see also|more on this|more|also|also on \S+\.\w+|don'?t miss|recommended|watch|listen)\s*[:|»›\-–—]\s*(.{8,})",
    re.IGNORECASE,
)
_ALSO_ON = re.compile(r"^also on \S+\.[a-z]{2,}\s+(.{8,})", re.IGNORECASE)
_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("ad", re.compile(r"^(?:advertisement|advertising|ad|sponsored(?: content)?|story continues below(?: advertisement)?|"
                      r"continue reading below|scroll to continue.*)[\s.:]*$", re.I)),
    ("social", re.compile(r"\b(?:join us on|follow (?:us|him|her|them|our\b[\w ]{0,40}?) on\b|"
                          r"(?-i:[Ff]ollow [A-Z][\w.]*(?: [A-Z][\w.]*){0,4}) on (?:twitter|facebook|instagram|telegram|"
                          r"youtube|linkedin|tiktok|threads|bluesky|x)\b|like this story|share (?:this|it) with|"
                          r"share this (?:article|story))", re.I)),
    ("newsletter", re.compile(r"\b(?:sign up|subscribe)\b.{0,80}\b(?:newsletters?|inbox|e-?mail alerts)\b|"
                              r"\bnewsletters?\b.{0,80}\b(?:sign up|subscribe)\b|(?:delivered|straight) (?:to|into) your inbox|"
                              r"right in your inbox", re.I)),
    ("contact", re.compile(r"\b(?:have a (?:news )?tip\?|(?:may|can) be reached at|tell us what you think|"
                           r"click here for more information|we'?d like to hear what you think)", re.I)),
    ("correction", re.compile(r"\b(?:to suggest a correction|highlight the text and press|spotted an error|report an error)\b", re.I)),
    ("caption", re.compile(r"\((?:photo|photograph|image|picture|foto)s?(?: by| credit)?\s*[:/]?[^)]*\)\s*$|"
                           r"\bhandout (?:photo|photograph|picture|image)\b|^(?:photo|image|picture)(?: credit)?\s*:\s|"
                           r"[(/]\s*(?-i:AFP|AP|Reuters|EPA|Getty Images|Anadolu|Xinhua|TASS)(?: Photo)?\s*\)\s*$", re.I)),
    ("credit", re.compile(r"^\(?(?:reporting by|additional reporting by|writing by|editing by)\b|"
                          r"\bcontributed reporting\b.{0,60}$|^source\s*:\s*\S.{0,60}$", re.I)),
    ("taxonomy", re.compile(r"^(?:filed under|tags?|categor(?:y|ies)|topics?)\s*:\s*.{0,200}$", re.I)),
    ("readtime", re.compile(r"^(?:reading time|read time|tempo de leitura|lesezeit|temps de lecture)\s*:?.{0,20}$|"
                            r"^\d+\s*min(?:ute)?s?\s+read$", re.I)),
    ("comments", re.compile(r"^(?:\d+\s+)?comments?\s*(?:\(\d+\))?$|^(?:leave|add|post) a comment\b", re.I)),
    ("copyright", re.compile(r"^(?:©|\(c\)|copyright\b)", re.I)),
    ("shortcode", re.compile(r"^\[(\w+)\b[^\]]*\].*\[/\1\]$")),
    ("updated", re.compile(r"^(?:updated|last updated)(?: at| on)?\s*:?\s*[\w ,:.]{0,40}$", re.I)),
    ("prevnext", re.compile(r"^(?:[«‹<←]\s*(?:previous|prev|next)\b|(?:previous|prev|next)\s*[»›>→]|"
                            r"(?:previous|next) (?:article|story|post)\b|(?:previous|next)$)", re.I)),
]


def is_related_label(line: str) -> bool:
    """True for a heading that introduces other stories ("Read Next", "More on Trump")."""
    return len(line) <= 160 and bool(_RELATED_LABEL.match(line.strip()))


def teaser_title(line: str) -> str | None:
    """The headline in a one-line teaser ("Read more: X", "Also on site.com X"), else None."""
    line = line.strip()
    if len(line) > _SHORT:  # before the patterns: most lines are long paragraphs
        return None
    match = _TEASER_PREFIX.match(line) or _ALSO_ON.match(line)
    if not match:
        return None
    return match.group(1).strip(" []")


def boilerplate_kind(line: str) -> str | None:
    """Which kind of page furniture ``line`` is ("ad", "social", "caption", ...), or None."""
    line = line.strip()
    if not line:
        return None
    if is_related_label(line):
        return "label"
    if teaser_title(line) is not None:
        return "teaser"
    if len(line) > _SHORT and not line.endswith(")"):
        return None
    for kind, pattern in _PATTERNS:
        if pattern.search(line):
            return kind
    return None


# --- dates --------------------------------------------------------------------------

_DATE_LINE = re.compile(
    r"^\s*(?:date|published|posted|posted on|published on)?\s*:?\s*(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{1,2}):(\d{2}))?", re.I
)
_UPDATED = re.compile(
    r"updated\s*:?\s*(?:([A-Z][a-z]{2,8})\.?\s+(\d{1,2}),?\s+)?(\d{1,2}):(\d{2})\s*(a\.?m\.?|p\.?m\.?)?,?\s*"
    r"(?:\(?([A-Z][\w\- ]{1,20}?)\s+time\b|([A-Z]{2,5})\b)?",
    re.I,
)
_MONTHS = {m: i for i, m in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], start=1)}
# Places news sites name their clock after ("Kyiv time"), and common zone abbreviations.
_ZONES = {
    "kyiv": "Europe/Kyiv", "kiev": "Europe/Kyiv", "moscow": "Europe/Moscow", "london": "Europe/London",
    "paris": "Europe/Paris", "berlin": "Europe/Berlin", "brussels": "Europe/Brussels", "warsaw": "Europe/Warsaw",
    "new york": "America/New_York", "washington": "America/New_York", "eastern": "America/New_York",
    "pacific": "America/Los_Angeles", "tokyo": "Asia/Tokyo", "beijing": "Asia/Shanghai",
    "hong kong": "Asia/Hong_Kong", "sydney": "Australia/Sydney", "jerusalem": "Asia/Jerusalem",
    "et": "America/New_York", "est": "America/New_York", "edt": "America/New_York",
    "pt": "America/Los_Angeles", "pst": "America/Los_Angeles", "pdt": "America/Los_Angeles",
    "cet": "Europe/Paris", "cest": "Europe/Paris", "eet": "Europe/Kyiv", "eest": "Europe/Kyiv",
    "bst": "Europe/London", "gmt": "UTC", "utc": "UTC", "msk": "Europe/Moscow",
}


def _zone(name: str | None) -> ZoneInfo | None:
    key = (name or "").strip().lower()
    return ZoneInfo(_ZONES[key]) if key in _ZONES else None


def parse_dateline(line: str) -> tuple[datetime, datetime | None] | None:
    """``(published, updated)`` from a saved page's date line, or None if it is not one.

    " date 2025-02-12 [UPDATED: Feb. 12, 18:10, Kyiv time.]" gives 2025-02-12 and
    2025-02-12 18:10 Europe/Kyiv. A date without a clock is midnight in the zone the line
    names, else UTC.
    """
    match = _DATE_LINE.match(line)
    if not match or len(line) > 120:
        return None
    year, month, day = (int(match.group(i)) for i in (1, 2, 3))
    updated = None
    zone: ZoneInfo | timezone = timezone.utc
    found = _UPDATED.search(line, match.end())
    if found:
        zone = _zone(found.group(6) or found.group(7)) or timezone.utc
        hour, minute = int(found.group(3)), int(found.group(4))
        if found.group(5) and found.group(5).lower().startswith("p") and hour < 12:
            hour += 12
        up_month = _MONTHS.get((found.group(1) or "")[:3].lower(), month)
        up_day = int(found.group(2)) if found.group(2) else day
        updated = datetime(year, up_month, up_day, hour, minute, tzinfo=zone)
    clock = time(int(match.group(4)), int(match.group(5))) if match.group(4) else time(0, 0)
    published = datetime.combine(date(year, month, day), clock, tzinfo=zone)
    return published, updated


# --- reading a saved page -----------------------------------------------------------

_BYLINE = re.compile(r"^[Bb]y\s+([A-Z][\w.'’-]+(?:\s+[A-Z][\w.'’-]+){1,3})(?:\s*(?:,|and|\|).*)?$")
_NAME = re.compile(r"^[A-Z][\w.'’-]+(?:\s+[A-Z][\w.'’-]+){1,3}$")
_BIO = re.compile(r"^([A-Z][\w.'’-]+(?:\s+[A-Z][\w.'’-]+){1,3}) (?:is|was|has been|covers|writes|reports)\b")
_AGO = re.compile(r"^(?:\d+\s*(?:s|m|min|mins|h|hr|hrs|d|w)\s+ago|\d+\s+\w+\s+ago|just now|yesterday)$", re.I)
_PREV_NEXT = re.compile(r"^[«‹<←]?\s*(?:previous|prev|next)(?: article| story| post)?\s*[»›>→]?\s*(.*)$", re.I)
_SENTENCE_END = re.compile(r"[.!…”\"’)]$")


def _is_prose(line: str) -> bool:
    """Article text rather than a headline: long, or a sentence (headlines may ask questions)."""
    return len(line) >= 140 or (bool(_SENTENCE_END.search(line)) and len(line.split()) >= 6)


def _is_headline(line: str) -> bool:
    words = line.split()
    return 3 <= len(words) <= 25 and not line.endswith((".", ":")) and boilerplate_kind(line) is None


def _footer_start(lines: list[str]) -> int:
    """Index of the first line that only ever comes after an article."""
    for i, line in enumerate(lines):
        nxt = lines[i + 1] if i + 1 < len(lines) else ""
        if boilerplate_kind(line) in ("correction", "prevnext"):
            return i
        if _NAME.match(line) and (nxt == line or (nxt.startswith(line + " ") and _BIO.match(nxt))):
            return i  # the author box: a name line, repeated or followed by the bio
        if is_related_label(line) and not any(_is_prose(rest) for rest in lines[i + 1 : i + 40]
                                              if not _BIO.match(rest)):
            return i  # a list of headlines with no article text after it
    return len(lines)


def _footer_related(footer: list[str]) -> list[str]:
    """Headlines listed in the footer: a line followed by "By ...", or prev/next titles."""
    titles: list[str] = []
    for i, line in enumerate(footer):
        nxt = footer[i + 1] if i + 1 < len(footer) else ""
        prev_next = _PREV_NEXT.match(line)
        if prev_next and boilerplate_kind(line) == "prevnext" and len(prev_next.group(1).split()) >= 3:
            titles.append(prev_next.group(1).strip())
        elif nxt.lower().startswith("by ") and _is_headline(line):
            titles.append(line)
        elif (is_related_label(footer[i - 1]) if i else False) and _is_headline(line) and not _AGO.match(nxt):
            if not nxt.lower().startswith("by ") and not (nxt.startswith(line) or line.startswith(nxt)):
                titles.append(line)  # a bare list of headlines under a label
    # a list item often shows "Headline Category" and then "Headline": keep the headline
    return [t for t in titles if not any(t != o and t.startswith(o + " ") for o in titles)]


def _footer_author(footer: list[str]) -> str | None:
    for i, line in enumerate(footer):
        bio = _BIO.match(line)
        if bio and any(prev == bio.group(1) for prev in footer[max(0, i - 3) : i]):
            return bio.group(1)
        if _NAME.match(line) and i + 1 < len(footer) and footer[i + 1] == line:
            return line
    return None


def _drop_teaser_blocks(lines: list[str], related: list[str]) -> list[str]:
    """Remove inline teaser blocks: a label, the teaser headline, and its one-paragraph blurb."""
    kept: list[str] = []
    skip = 0
    for i, line in enumerate(lines):
        if skip:
            skip -= 1
            continue
        if is_related_label(line) and i + 1 < len(lines) and _is_headline(lines[i + 1]):
            related.append(lines[i + 1])
            if kept and kept[-1] == lines[i + 1]:
                kept.pop()  # the same headline shown above the label (an image link)
            blurb = i + 2 < len(lines) and len(lines[i + 2]) <= 400 and not lines[i + 2].startswith(("“", '"'))
            skip = 2 if blurb else 1
            continue
        kept.append(line)
    return kept


def extract_text(text: str, url: str) -> Article | Rejected:
    """An :class:`Article` from text saved from a news page, or why there is none."""
    lines = [" ".join(line.split()) for line in text.splitlines()]
    lines = [line for line in lines if line]
    if not lines:
        return Rejected(url, "empty", "the file holds no text")
    published = updated = None
    head = next((i for i, line in enumerate(lines[:5]) if parse_dateline(line)), None)
    if head is not None:
        published, updated = parse_dateline(lines.pop(head))  # type: ignore[misc]
    authors: list[str] = []
    byline = _BYLINE.match(lines[0]) if lines else None
    if byline:
        authors.append(byline.group(1))
        lines.pop(0)
    end = _footer_start(lines)
    body_lines, footer = lines[:end], lines[end:]
    related: list[str] = []
    body_lines = _drop_teaser_blocks(body_lines, related)
    for line in body_lines:
        title = teaser_title(line)
        if title and not title.endswith(":"):
            related.append(title)
    body_lines = [line for line in body_lines if boilerplate_kind(line) is None]
    related += _footer_related(footer)
    if not authors and (author := _footer_author(footer)):
        authors.append(author)
    body = "\n\n".join(body_lines)
    if too_short(body):
        return Rejected(url, "too_short", f"only {len(body)} characters of article text")
    unique = list(dict.fromkeys(t for t in related if t not in body_lines))
    return Article(
        url=url,
        title=generate_title(body),
        title_generated=True,
        body=body,
        authors=authors,
        published=published,
        updated=updated,
        related=[Link(title=t, url="") for t in unique],
        source=url,
    )
