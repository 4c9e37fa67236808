"""Offsets-preserving tokens, paragraphs and sentences for the quote and people finders."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ._lexicon import ABBREVIATIONS, SPEECH_VERBS

__all__ = ["Token", "tokens", "paragraph_spans", "sentence_spans", "is_cap", "norm_word"]

_TOKEN = re.compile(r"[^\W_](?:[\w]|[-'’‘.](?=[^\W_]))*\.?|[,;:()\[\]—–\"“”]|[.!?]+|-+")
_POSSESSIVE = re.compile(r"[’'‘]s$")


@dataclass(frozen=True)
class Token:
    start: int
    end: int
    text: str  # without a possessive 's and without a sentence-final period
    possessive: bool = False


def norm_word(word: str) -> str:
    return word.lower().replace("’", "'").replace("‘", "'").rstrip(".")


def _keeps_period(word: str) -> bool:
    core = word[:-1]
    return (
        norm_word(core) in ABBREVIATIONS
        or "." in core  # U.S., J.D.
        or (len(core) == 1 and core.isupper())  # an initial
    )


def tokens(text: str, offset: int = 0) -> list[Token]:
    """Words and punctuation of ``text`` with offsets (+ ``offset``) into the original string."""
    out: list[Token] = []
    for m in _TOKEN.finditer(text):
        word, start, end = m.group(), m.start() + offset, m.end() + offset
        if word[0].isalnum() or word[0] == "_":
            if word.endswith(".") and not _keeps_period(word):
                word, end = word[:-1], end - 1
                out.append(Token(start, end, *_strip_possessive(word)))
                out.append(Token(end, end + 1, "."))
                continue
            out.append(Token(start, end, *_strip_possessive(word)))
        else:
            out.append(Token(start, end, word))
    return out


def _strip_possessive(word: str) -> tuple[str, bool]:
    if _POSSESSIVE.search(word) and len(word) > 2:
        return word[:-2], True
    if word.endswith(("s’", "s'")) and len(word) > 3:
        return word[:-1], True
    return word, False


def is_cap(word: str) -> bool:
    """A capitalised word or an acronym ("Bessent", "JD", "co-CEO", "U.S.")."""
    if not word or not word[0].isalpha():
        return False
    if word[0].isupper():
        return True
    return any(part[:1].isupper() for part in word.split("-")[1:])


def paragraph_spans(body: str) -> list[tuple[int, int]]:
    """(start, end) of each non-empty paragraph; paragraphs are separated by blank lines."""
    spans = []
    for m in re.finditer(r"(?:[^\n]|\n(?![ \t]*\n))+", body):
        text = m.group()
        if text.strip():
            lead = len(text) - len(text.lstrip())
            spans.append((m.start() + lead, m.start() + len(text.rstrip())))
    return spans


_BOUNDARY = re.compile(r"[.!?…]+[\"”’)\]]*(?=\s+[\"“(\[]?[A-Z0-9‘'])|[.!?]+[\"”’)\]]*\s*$")


def _attribution_follows(text: str) -> bool:
    words = [norm_word(w) for w in re.findall(r"[\w'’.\-]+", text)[:4]]
    return bool(words) and any(w in SPEECH_VERBS for w in words[:4]) and (
        words[0] in SPEECH_VERBS or text.lstrip()[:1].isupper())


def sentence_spans(text: str, start: int, end: int, protected: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Sentences of ``text[start:end]``; never splits inside a ``protected`` (quote) span."""
    out, cursor = [], start
    chunk = text[start:end]
    for m in _BOUNDARY.finditer(chunk):
        stop = start + m.end()
        before = chunk[: m.start()].split()
        last = before[-1] if before else ""
        if chunk[m.start()] == "." and last and _keeps_period(last + "."):
            if norm_word(last) not in {"u.s", "u.k", "co", "inc", "etc", "a.m", "p.m", "d.c"}:
                continue
        if any(a < stop < b for a, b in protected):
            continue
        if chunk[m.end() - 1] in "”\"" and _attribution_follows(text[stop: stop + 60]):
            continue  # "…?" Schiff asked. — the attribution belongs to the quote's sentence
        out.append((cursor, stop))
        cursor = stop
        while cursor < end and text[cursor].isspace():
            cursor += 1
    if cursor < end:
        out.append((cursor, end))
    return out
