"""Titles: tidy a page's own headline, or build one from the lead when the page has none.

A saved text page often has no headline line; a digest still needs one line to show.
The lead sentence of a news story is written to carry the news, so its main clause makes
a fair headline once trimmed at a natural break (a comma, a dash, or before a
preposition or conjunction) to a readable length.
"""

from __future__ import annotations

import re

__all__ = ["generate_title", "clean_title"]

MAX_TITLE_CHARS = 100
_MIN_WORDS = 5

# Words a headline can end just before without leaving a dangling phrase.
_BREAK_WORDS = {
    "to", "in", "on", "at", "for", "after", "before", "as", "while", "with", "and", "but",
    "which", "that", "who", "during", "amid", "over", "from", "by", "since", "when", "where",
}
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"”’)]?\s+(?=[A-Z“\"‘(])")
# Abbreviations whose full stop does not end a sentence ("Feb. 12", "U.S. officials").
_ABBREVIATION_END = re.compile(r"(?:\b[A-Z]\.|\b(?:Mr|Mrs|Ms|Dr|St|Gen|Gov|Sen|Rep|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec|No|vs|Inc|Corp|Ltd)\.)$")
_CLAUSE_BREAK = re.compile(r",\s|\s[–—-]\s|;\s|:\s")
_TRAILING_TIME = re.compile(
    r"\s+(?:on|this|last|late|early)\s+(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|"
    r"morning|afternoon|evening|night|week|weekend)$",
    re.IGNORECASE,
)


def _first_sentence(text: str) -> str:
    for match in _SENTENCE_END.finditer(text):
        candidate = text[: match.start()].rstrip()
        if not _ABBREVIATION_END.search(candidate) and len(candidate.split()) >= _MIN_WORDS:
            return candidate
    return text.strip()


def _cut_at_break(words: list[str], max_chars: int) -> list[str]:
    """The longest prefix under ``max_chars`` that ends just before a break word."""
    best = 0
    length = 0
    for i, word in enumerate(words):
        if length + len(word) > max_chars:
            break
        if i >= _MIN_WORDS and word.lower().strip(",;:") in _BREAK_WORDS:
            best = i
        length += len(word) + 1
    return words[:best] if best else []


def generate_title(body: str, max_chars: int = MAX_TITLE_CHARS) -> str:
    """A one-line title built from the lead sentence of ``body`` (no trailing full stop)."""
    lead = next((p.strip() for p in body.split("\n") if len(p.split()) >= 3), body.strip())
    sentence = _first_sentence(" ".join(lead.split())).rstrip(" .")
    clause = _CLAUSE_BREAK.split(sentence, maxsplit=1)[0]
    if len(clause.split()) >= _MIN_WORDS:
        sentence = clause
    if len(sentence) > max_chars:
        words = sentence.split()
        trimmed = _cut_at_break(words, max_chars)
        if trimmed:
            sentence = " ".join(trimmed)
        else:
            sentence = sentence[:max_chars].rsplit(" ", 1)[0] + "…"
    sentence = _TRAILING_TIME.sub("", sentence).rstrip(" ,;:")
    return sentence


_SEPARATORS = (" | ", " - ", " – ", " — ", " :: ", " · ")


def clean_title(title: str, site_name: str | None = None) -> str:
    """``title`` without a trailing (or leading) " | Site name" part."""
    title = " ".join(title.split())
    for sep in _SEPARATORS:
        if sep not in title:
            continue
        head, _, tail = title.rpartition(sep)
        if site_name and site_name.lower() in tail.lower() or len(tail.split()) <= 3 < len(head.split()):
            return head.strip()
        first, _, rest = title.partition(sep)
        if site_name and site_name.lower() in first.lower():
            return rest.strip()
    return title
