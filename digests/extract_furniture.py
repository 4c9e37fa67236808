"""Page furniture that survives extraction as whole paragraphs, found by general line rules.

Both trafilatura and the per-line rules of :mod:`digests.textfile` keep these on news pages:

- a line that is nothing but a date ("Published 10:04 AM EST, Mon November 18, 2019");
- a "Tags" / "Topics" label and the tag list under it, one short tag a line;
- a photo caption ending in a © credit ("The harbour at dawn. © Jane Doe");
- a press release's "About <company>" footer: the label and everything after it, when it is
  the tail of the text and not most of it, and the paragraph under the label starts with the
  name it announces ("About Acme Corp" / "Acme Corp is a leading ...");
- an unlabelled list of other headlines: three or more headline-like lines in a row, with no
  prose between them, that are the texts of links (an article's own subheadings are each
  followed by prose, and a list of points is not linked line by line).

Every rule works on one paragraph or a run of them, never on a site's markup or names.
"""

from __future__ import annotations

import re

__all__ = ["drop_furniture", "is_dateline", "is_headline_like"]

_DATE_WORDS = (
    r"jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|"
    r"oct(?:ober)?|nov(?:ember)?|dec(?:ember)?|mon(?:day)?|tue(?:s|sday)?|wed(?:nesday)?|thu(?:rs|rsday)?|"
    r"fri(?:day)?|sat(?:urday)?|sun(?:day)?|am|pm|a\.m|p\.m|gmt|utc|bst|cet|cest|eet|est|edt|cst|cdt|"
    r"mst|mdt|pst|pdt|et|pt|ist|jst|kst|aest|aedt|published|updated|posted|modified|last|first|on|at|"
    r"date|time|of|the|st|nd|rd|th|hours?|ago|today|yesterday"
)
_DATE_TOKEN = re.compile(rf"(?:{_DATE_WORDS})\b\.?|\d{{1,4}}(?:st|nd|rd|th|h)?\b|[\s,.:;|/\-–—()\[\]•·]+", re.IGNORECASE)
# a calendar date, not a bare clock time: "4:14 p.m." heads a live blog's entry, which is content
_HAS_DATE = re.compile(r"\b(?:19|20)\d\d\b|\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+\d", re.IGNORECASE)
_YEAR = re.compile(r"\b(?:19|20)\d\d\b")
_DATE_LABEL = re.compile(r"\b(?:published|updated|posted|modified)\b", re.IGNORECASE)
_TAGS_LABEL = re.compile(r"^(?:tags?|tagged(?: (?:with|in|as))?|topics?|keywords?|filed under|related topics|"
                         r"more about|categories|category)\s*[:：]?$", re.IGNORECASE)
_COPYRIGHT_CAPTION = re.compile(r"(?:©|\(c\)|copyright)\s*(?:\d{4}\s*)?[\w .,'’&/@-]{0,60}\)?$", re.IGNORECASE)
_ABOUT = re.compile(r"^(?i:about (?:the )?)((?:[A-Z0-9][\w&.,'’-]*(?:\s+|$)){1,6})$")
_WORDS = re.compile(r"\w+")
_SENTENCE_END = re.compile(r"[.!?:;…\"”’)]$")
MAX_TAG_WORDS = 4
MIN_HEADLINE_RUN = 3
ABOUT_TAIL_SHARE = 0.4  # an "About X" footer is a tail: less than this share of the text


def is_dateline(text: str) -> bool:
    """A line that is only a date and/or time, with at most a label ("Updated:") around it."""
    if len(text) > 90 or not _HAS_DATE.search(text) or _DATE_TOKEN.sub("", text).strip():
        return False
    # two dates without a label are a span ("29 November 2018 | 20 January 2019": an event's
    # dates, part of the story), two with one are the page's ("Published ... | Updated ...")
    return len(_YEAR.findall(text)) < 2 or bool(_DATE_LABEL.search(text))


def is_headline_like(text: str) -> bool:
    """A headline: 4-20 words, a capital first, no closing punctuation of a sentence."""
    text = text.lstrip("-•* ").strip()
    words = text.split()
    return 4 <= len(words) <= 20 and text[:1].isupper() and not _SENTENCE_END.search(text)


def _is_tag(text: str) -> bool:
    text = text.lstrip("-•*# ").strip()
    return 0 < len(text.split()) <= MAX_TAG_WORDS and not _SENTENCE_END.search(text)


def _is_copyright_caption(text: str) -> bool:
    return len(text) <= 300 and bool(_COPYRIGHT_CAPTION.search(text))


def _starts_with_name(text: str, name: str) -> bool:
    first = name.split()[0].rstrip(".,").lower()
    words = text.lower().split()
    return bool(words) and (words[0].strip("“\"'") == first or words[0] == "the" and len(words) > 1 and words[1] == first)


def _about_footer_start(paragraphs: list[str]) -> int | None:
    """Where an "About <company>" footer starts, if the text ends with one."""
    total = sum(map(len, paragraphs)) or 1
    tail = 0
    for i in range(len(paragraphs) - 1, 0, -1):
        tail += len(paragraphs[i])
        if tail > ABOUT_TAIL_SHARE * total:
            return None
        label = _ABOUT.match(paragraphs[i]) if len(paragraphs[i]) <= 80 else None
        if label and i + 1 < len(paragraphs) and _starts_with_name(paragraphs[i + 1], label.group(1)):
            return i
    return None


def _norm(text: str) -> str:
    return " ".join(_WORDS.findall(text.lower()))


def _headline_runs(paragraphs: list[str], link_titles: set[str]) -> set[int]:
    """Indexes of runs of MIN_HEADLINE_RUN or more linked headline-like lines in a row."""
    out: set[int] = set()
    run: list[int] = []
    for i, text in enumerate([*paragraphs, ""]):
        if text and is_headline_like(text) and _norm(text) in link_titles:
            run.append(i)
            continue
        if len(run) >= MIN_HEADLINE_RUN:
            out.update(run)
        run = []
    return out


def drop_furniture(paragraphs: list[str], link_titles: set[str] = frozenset()) -> tuple[list[str], list[str]]:
    """``(kept, headlines)``: the paragraphs without furniture, and the headlines of the
    unlabelled lists that were dropped (the caller may turn them into related links).
    ``link_titles``: the texts of the page's links, normalised as by :func:`_norm`."""
    about = _about_footer_start(paragraphs)
    if about is not None:
        paragraphs = paragraphs[:about]
    listed = _headline_runs(paragraphs, link_titles)
    kept, headlines, in_tags = [], [], False
    for i, text in enumerate(paragraphs):
        if in_tags and _is_tag(text):
            continue
        in_tags = False
        if _TAGS_LABEL.match(text):
            in_tags = True
        elif i in listed:
            headlines.append(text.lstrip("-•* ").strip())
        elif not (is_dateline(text) or _is_copyright_caption(text)):
            kept.append(text)
    return kept, headlines
