"""Offsets-preserving tokens, paragraphs and sentences for the quote and people finders."""

from __future__ import annotations

import re
from bisect import bisect_left
from functools import lru_cache
from typing import NamedTuple

from ._lexicon import ABBREVIATIONS, NON_NAME_CAPS, SPEECH_VERBS

__all__ = ["Token", "is_cap", "norm_word", "paragraph_spans", "sentence_spans", "tokens", "tokens_in"]

# A word: letters and digits, joined by single hyphens, apostrophes or dots ("co-CEO",
# "U.S."), with a final period; else one punctuation mark, a run of .!? or of hyphens.
_TOKEN = re.compile(r"[^\W_](?:\w+|[-'’‘.](?=[^\W_]))*\.?|[,;:()\[\]—–\"“”]|[.!?]+|-+")
_APOSTROPHES = ("’s", "'s", "‘s")
_new_tuple = tuple.__new__


class Token(NamedTuple):
    # A named tuple rather than a frozen dataclass: a body has thousands of tokens and a
    # frozen dataclass's __init__ costs several times a tuple's.
    start: int
    end: int
    text: str  # without a possessive 's and without a sentence-final period
    possessive: bool = False


@lru_cache(maxsize=1 << 16)
def norm_word(word: str) -> str:
    # cached: the finders ask for the same few thousand words over and over
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
    return _tokenise(text, offset, None)


def _tokenise(text: str, offset: int, matches: list[tuple[int, int, int]] | None) -> list[Token]:
    """:func:`tokens`; with ``matches``, also records each pattern match's (start, end, first token)."""
    out: list[Token] = []
    append = out.append
    record = matches.append if matches is not None else None
    for m in _TOKEN.finditer(text):
        word = m.group()
        start = m.start() + offset
        end = start + len(word)
        if record is not None:
            record((start, end, len(out)))
        first, last = word[0], word[-1]
        # tuple.__new__ makes the same Token as Token(...) without a Python-level call
        if not (first.isalnum() or first == "_"):
            append(_new_tuple(Token, (start, end, word, False)))
        elif last == "." and not _keeps_period(word):
            end -= 1
            append(_word_token(start, end, word[:-1]))
            append(_new_tuple(Token, (end, end + 1, ".", False)))
        elif last != "s" and last != "’" and last != "'":  # no possessive to split off
            append(_new_tuple(Token, (start, end, word, False)))
        else:
            append(_word_token(start, end, word))
    return out


class _BodyTokens:
    """A body's tokens, with the span of the regex match each came from."""

    __slots__ = ("first_token", "match_ends", "match_starts", "tokens")

    def __init__(self, body: str):
        matches: list[tuple[int, int, int]] = []
        self.tokens = _tokenise(body, 0, matches)
        self.match_starts = [start for start, _, _ in matches]
        self.match_ends = [end for _, end, _ in matches]
        # index in tokens of each match's first token, and one past the last token
        self.first_token = [first for _, _, first in matches] + [len(self.tokens)]


@lru_cache(maxsize=8)
def _body_tokens(body: str) -> _BodyTokens:
    return _BodyTokens(body)


def tokens_in(body: str, start: int, end: int) -> list[Token]:
    """``tokens(body[start:end], start)``, read from the body's tokens, computed once.

    The token pattern looks ahead one character at most and never behind, so a slice's
    tokens are the body's tokens inside it whenever no match of the pattern in the body
    crosses either end of the slice; when one does, the slice is tokenised on its own.
    """
    if not 0 <= start < end <= len(body):
        return tokens(body[start:end], start)
    index = _body_tokens(body)
    first = bisect_left(index.match_starts, start)
    last = bisect_left(index.match_starts, end, first)
    if (first and index.match_ends[first - 1] > start) or (last and index.match_ends[last - 1] > end):
        return tokens(body[start:end], start)
    return index.tokens[index.first_token[first]: index.first_token[last]]


def _word_token(start: int, end: int, word: str) -> Token:
    """A word's token with a possessive 's (or the s' of a plural) split off."""
    if word[-1] not in "s’'":  # most words: nothing to strip
        return Token(start, end, word)
    if len(word) > 2 and word.endswith(_APOSTROPHES):
        return Token(start, end, word[:-2], True)
    if len(word) > 3 and word.endswith(("s’", "s'")):
        return Token(start, end, word[:-1], True)
    return Token(start, end, word)


@lru_cache(maxsize=1 << 16)
def is_cap(word: str) -> bool:
    """A capitalised word or an acronym ("Bessent", "JD", "co-CEO", "U.S.")."""
    if not word or not word[0].isalpha():
        return False
    if word[0].isupper():
        return True
    return "-" in word and any(part[:1].isupper() for part in word.split("-")[1:])


def paragraph_spans(body: str) -> list[tuple[int, int]]:
    """(start, end) of each non-empty paragraph; paragraphs are separated by blank lines."""
    return list(_paragraph_spans(body))  # a copy: the cached tuple stays as computed


@lru_cache(maxsize=8)  # the people, quote and attribution passes all ask for the same body
def _paragraph_spans(body: str) -> tuple[tuple[int, int], ...]:
    spans = []
    for m in re.finditer(r"(?:[^\n]|\n(?![ \t]*\n))+", body):
        text = m.group()
        if text.strip():
            lead = len(text) - len(text.lstrip())
            spans.append((m.start() + lead, m.start() + len(text.rstrip())))
    return tuple(spans)


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
            following = re.match(r"\s*([\w'’.\-]+)", chunk[m.end():])
            if norm_word(last) in {"u.s", "u.k"} and following and \
                    following.group(1).lower() not in NON_NAME_CAPS:
                continue  # "said U.S. Attorney Nealy Cox": a title goes on, a new sentence starts "The…"
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
