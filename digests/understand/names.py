"""Name normalisation and cross-article identity for the people index.

``person_key`` folds a name to a comparison key that survives transliteration variants
("Zelensky", "Zelenskiy", "Zelenskyy" → one key); ``same_person`` decides whether two name
forms can denote one person; ``best_role`` picks the most specific of several role strings.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from ._lexicon import HONORIFICS

__all__ = ["person_key", "same_person", "best_role", "name_parts", "fold_token"]

_SUFFIXES = {"jr", "sr", "ii", "iii", "iv"}


def _ascii(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@lru_cache(maxsize=1 << 16)  # pure and asked for every name word of every mention
def fold_token(token: str) -> str:
    """One name word folded across common transliteration variants (general rules only)."""
    t = _ascii(token).lower()
    t = re.sub(r"[^a-z]", "", t)
    if not t:
        return t
    # Digraph and letter variants that transliterations of the same name disagree on.
    for a, b in (("kh", "h"), ("zh", "j"), ("ck", "k"), ("ph", "f"), ("w", "v"), ("ou", "u"),
                 ("ii", "i"), ("iy", "i"), ("yy", "i"), ("ij", "i"), ("yi", "i"), ("y", "i"),
                 ("ie", "i"), ("c", "k"), ("q", "k"), ("x", "ks")):
        t = t.replace(a, b)
    t = re.sub(r"(.)\1+", r"\1", t)  # doubled letters: Mohammed / Mohamed
    if len(t) > 4 and t.endswith("i"):
        t = t[:-1]  # -iy / -yy / -y / -i endings collapse
    return t


def name_parts(name: str) -> list[str]:
    """The words of a name without honorifics, suffixes or possessives."""
    words = re.findall(r"[^\W\d_][\w'’\-.]*", name)
    out = []
    for w in words:
        w = re.sub(r"[’']s$", "", w).rstrip(".")
        low = w.lower()
        if low in HONORIFICS or low in _SUFFIXES:
            continue
        out.append(w)
    return out


def person_key(name: str) -> str:
    """A key for grouping one person's name forms: folded surname, plus folded first initial.

    "Volodymyr Zelensky" and "Volodymyr Zelenskyy" give the same key; a bare surname gives
    only the surname part, so callers match it to full names through :func:`same_person`.
    """
    parts = name_parts(name)
    if not parts:
        return ""
    surname = fold_token(parts[-1])
    if len(parts) == 1:
        return surname
    return f"{surname}|{fold_token(parts[0])[:1]}"


def same_person(a: str, b: str, context: list[str] | None = None) -> bool:
    """Whether name forms ``a`` and ``b`` can denote the same person.

    Full names must agree on the folded surname and on the first name (or its initial, or a
    nickname prefix such as "Mike"/"Michael" is NOT assumed: different first names are
    different people). A bare surname matches a full name only when ``context`` (the other
    names in play, e.g. the article's people) holds exactly one full name with that surname.
    """
    pa, pb = name_parts(a), name_parts(b)
    if not pa or not pb:
        return False
    if fold_token(pa[-1]) != fold_token(pb[-1]):
        return False
    if len(pa) > 1 and len(pb) > 1:
        fa, fb = fold_token(pa[0]), fold_token(pb[0])
        if len(pa[0].rstrip(".")) == 1 or len(pb[0].rstrip(".")) == 1:
            return fa[:1] == fb[:1]
        return fa == fb
    if len(pa) == 1 and len(pb) == 1:
        return True
    if context is None:
        return False
    full = pb if len(pa) == 1 else pa
    surname = fold_token(full[-1])
    fulls = {person_key(c) for c in context if len(name_parts(c)) > 1
             and fold_token(name_parts(c)[-1]) == surname}
    return len(fulls) <= 1 and (not fulls or person_key(" ".join(full)) in fulls)


def best_role(roles: list[str]) -> str:
    """The most specific, most complete role: more content words first, then longer, then earlier."""
    if not roles:
        return ""

    def score(item: tuple[int, str]) -> tuple[int, int, int]:
        index, role = item
        words = [w for w in re.findall(r"[\w.'’\-]+", role) if w.lower() not in {"the", "a", "an", "of"}]
        return (len(words), len(role), -index)

    return max(enumerate(roles), key=score)[1]
