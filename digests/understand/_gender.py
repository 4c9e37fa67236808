"""Which people in an article are "he" and which are "she", from the article's own evidence.

A reader knows that "she said" cannot be the man named just before. The evidence used, strongest
first (never a list of names):

- an honorific before a mention: "Mr. Vale" is he, "Mrs./Ms./Miss Vale" is she;
- a gendered role: "congresswoman", "his wife", "actress", "chairman" (not "chair");
- agreement across the article: in sentences (outside quotes) that name exactly one person,
  the he/his/him or she/her pronouns that follow the name vote for that person's gender.
"""

from __future__ import annotations

import re

from ._text import paragraph_spans, sentence_spans
from .people import PeopleIndex

__all__ = ["estimate_genders"]

_HONORIFIC_GENDER = {"mr": "m", "mrs": "f", "ms": "f", "miss": "f", "sir": "m", "dame": "f", "lord": "m",
                     "lady": "f"}
_FEMALE_ROLE_WORDS = {"congresswoman", "spokeswoman", "chairwoman", "businesswoman", "councilwoman",
                      "assemblywoman", "actress", "wife", "mother", "daughter", "sister", "widow", "queen",
                      "princess", "grandmother", "aunt", "niece", "girlfriend", "woman", "first lady"}
_MALE_ROLE_WORDS = {"congressman", "spokesman", "chairman", "businessman", "councilman", "assemblyman",
                    "husband", "father", "son", "brother", "widower", "king", "prince", "grandfather", "uncle",
                    "nephew", "boyfriend", "man"}
_PRONOUN = re.compile(r"\b(he|his|him|himself|she|her|hers|herself)\b", re.IGNORECASE)
_MALE_PRONOUNS = {"he", "his", "him", "himself"}
_HONORIFIC_BEFORE = re.compile(r"\b(Mr|Mrs|Ms|Miss|Sir|Dame|Lord|Lady)\.?\s+$")


def _role_gender(roles: list[str]) -> str | None:
    words = {w for r in roles for w in re.findall(r"[a-z]+", r.lower())}
    female, male = bool(words & _FEMALE_ROLE_WORDS), bool(words & _MALE_ROLE_WORDS)
    if female != male:
        return "f" if female else "m"
    return None


def estimate_genders(body: str, index: PeopleIndex, protected: list[tuple[int, int]]) -> dict[int, str]:
    """Entity index → "m" or "f", for the people the article gives evidence about."""
    out: dict[int, str] = {}
    votes: dict[int, list[int]] = {}
    honorific: dict[int, set[str]] = {}
    for e, person in enumerate(index.people):
        if person.kind == "person":
            g = _role_gender(person.roles)
            if g:
                out[e] = g
    for start, _, e in index.mentions:
        if index.people[e].kind != "person":
            continue
        m = _HONORIFIC_BEFORE.search(body[max(0, start - 6): start])
        if m:
            honorific.setdefault(e, set()).add(_HONORIFIC_GENDER[m.group(1).lower()])
    for e, found in honorific.items():
        if len(found) == 1:  # "Mr. Vale" and "Mrs. Vale" both: two people share the surname
            out[e] = next(iter(found))
    mentions = [m for m in index.mentions if index.people[m[2]].kind == "person"
                and not any(a <= m[0] < b for a, b in protected)]
    cursor = 0
    for ps, pe in paragraph_spans(body):
        previous_only: int | None = None  # the one person the previous sentence named
        for ss, se in sentence_spans(body, ps, pe, protected):
            while cursor < len(mentions) and mentions[cursor][0] < ss:
                cursor += 1
            j = cursor
            named = []
            while j < len(mentions) and mentions[j][0] < se:
                named.append(mentions[j][2])
                j += 1
            opener = _PRONOUN.match(body, ss)
            # "Vale left early. She said …": a sentence-initial pronoun after a sentence naming one person
            if opener and previous_only is not None and opener.group(1).lower() in {"he", "she"} and (
                    not named or named[0] == previous_only):
                tally = votes.setdefault(previous_only, [0, 0])
                tally[0 if opener.group(1).lower() == "he" else 1] += 1
            previous_only = named[0] if len(set(named)) == 1 else (previous_only if not named and opener else None)
    for e, (male, female) in votes.items():
        if e not in out and male != female:
            out[e] = "m" if male > female else "f"
    return out
