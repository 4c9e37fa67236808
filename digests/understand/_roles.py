"""Roles around a name: titles before it, appositives after it, "Role, Name" lines."""

from __future__ import annotations

from ._lexicon import (
    ABBREVIATED_TITLES,
    HONORIFICS,
    ORG_WORDS,
    ROLE_CONNECTORS,
    ROLE_HEADS,
    ROLE_MODIFIERS,
)
from ._text import Token, is_cap, norm_word

__all__ = ["clean_role", "is_role_head", "role_after", "role_before"]

_DETERMINERS = {"the", "a", "an", "his", "her", "their", "its", "our", "my", "your", "another", "one"}
_RELATIVE = {"who", "which", "that", "whose", "whom", "where", "when"}
_LEADING_JUNK = {"the", "a", "an", "and", "of", "for", "to", "at", "on", "in", "after", "before", "when",
                 "while", "as", "but", "so", "then", "if", "with", "by", "from", "said", "says", "another", "one"}


def is_role_head(word: str) -> bool:
    low = norm_word(word)
    if word[:1].isupper() and low in ORG_WORDS:
        return False  # "Center for Economic Strategy" is a place, "center" a position
    return low in ROLE_HEADS or ABBREVIATED_TITLES.get(low) in ROLE_HEADS or low in HONORIFICS


def _role_word(tok: Token) -> bool:
    low = norm_word(tok.text)
    return is_cap(tok.text) or low in ROLE_HEADS or low in ROLE_MODIFIERS


def clean_role(words: list[Token], body: str) -> str | None:
    """The role text from ``words`` (tokens in order) if it holds a role head, else None."""
    while words and (norm_word(words[0].text) in _LEADING_JUNK or norm_word(words[0].text) in HONORIFICS):
        words = words[1:]
    while words and norm_word(words[-1].text) in ROLE_CONNECTORS:
        words = words[:-1]
    if not words or not any(is_role_head(t.text) and norm_word(t.text) not in HONORIFICS for t in words):
        return None
    text = body[words[0].start: words[-1].end]
    if words[-1].possessive:
        text = body[words[0].start: words[-1].end]
    return " ".join(text.split())


def role_before(toks: list[Token], index: int, body: str, blocked: set[int]) -> str | None:
    """Walk back from ``toks[index]`` (exclusive) over title words: "US Treasury Secretary"."""
    taken: list[Token] = []
    i = index - 1
    while i >= 0 and i not in blocked:
        tok = toks[i]
        low = norm_word(tok.text)
        if _role_word(tok) and not (tok.possessive and not is_cap(tok.text)) or low in ROLE_CONNECTORS and taken and i > 0 and (i - 1) not in blocked and _role_word(toks[i - 1]):
            taken.insert(0, tok)
        else:
            break
        i -= 1
    # A sentence-initial capitalised word that is not a title ("Meanwhile") ends the role.
    return clean_role(taken, body)


def role_after(toks: list[Token], index: int, body: str, blocked: set[int]) -> str | None:
    """An appositive after a name: ", the former special envoy to Ukraine," / ", who is the ..."."""
    if index >= len(toks) or toks[index].text != ",":
        return None
    i = index + 1
    if i < len(toks) and norm_word(toks[i].text) == "who" and i + 1 < len(toks) \
            and norm_word(toks[i + 1].text) in {"is", "was"}:
        i += 2
        if i < len(toks) and norm_word(toks[i].text) in {"also", "now", "still"}:
            i += 1  # "Claure, who is also an executive at SoftBank"
    if i >= len(toks):
        return None
    first = toks[i]
    low = norm_word(first.text)
    # ", the former envoy", ", another deportee", and the bare ", CEO and Founder of X,"
    if not (low in _DETERMINERS or low in ROLE_MODIFIERS or (first.possessive and is_cap(first.text))
            or (is_role_head(first.text) and low not in HONORIFICS)):
        return None
    phrase: list[Token] = []
    placed: set[int] = set()
    while i < len(toks) and len(phrase) < 14:
        tok = toks[i]
        if tok.text in {",", ".", ";", ":", "(", ")", "—", "–", "\"", "“", "”"} or norm_word(tok.text) in _RELATIVE:
            break
        if i in blocked:
            if norm_word(toks[i - 1].text) in {"at", "of", "for", "in"} or (i - 1) in placed:
                placed.add(i)  # "… at Blue Origin": a name after "at" is where the role is held
            else:
                return None  # another person's name: a list, not an appositive
        phrase.append(tok)
        i += 1
    if not phrase or (i < len(toks) and toks[i].text in {"“", "\""}):
        return None
    # An appositive names a role; a clause with a verb ("said", "joked") is not one.
    if any(norm_word(t.text) in {"said", "says", "is", "was", "has", "had", "will"} for t in phrase):
        return None
    return clean_role(phrase, body)
