"""Evidence that a one-word "name" is an organisation or a group, not a person.

A reader who meets "Vellum" alone does not know; "Vellum CEO Ada Marsh", "Vellum's website",
"Vellum employees" or "its products" right after it say it is a company. "Republicans" or
"Texans" (a capitalised plural whose singular the article also uses) are a group of people, not one. People in news copy are almost always introduced by a full name, so
these cues are only applied to names the article never gives in full.
"""

from __future__ import annotations

import re

__all__ = ["is_group_plural", "org_cue_after"]

# Nouns that follow a company's name but not a person's ("Vellum CEO", "Vellum's shareholders").
_CORPORATE_NOUNS = frozenset(
    ["ceo", "cfo", "coo", "cto", "founder", "co-founder", "cofounder", "website", "site", "app", "employees",
     "shareholders", "stock", "shares", "products", "product", "stores", "store", "headquarters", "subsidiary",
     "executives", "brand", "platform", "customers", "users", "devices", "earnings", "revenue", "board",
     "spokesperson", "engineers", "software", "servers", "service", "services"]
)
_AFTER = re.compile(r"^(?:['’]s)?\s+([A-Za-z][\w\-]*)")


def org_cue_after(body: str, end: int) -> bool:
    """Whether the words right after a mention ending at ``end`` mark it as a company."""
    m = _AFTER.match(body[end: end + 40])
    return bool(m) and m.group(1).lower() in _CORPORATE_NOUNS


def is_group_plural(word: str, body: str) -> bool:
    """"Republicans", "Democrats", "Texans": a capitalised plural naming a group."""
    if len(word) < 5 or not word.endswith("s") or word.endswith(("ss", "'s", "’s")) or not word[1:].islower():
        return False
    singular = word[:-1]
    return re.search(rf"\b{re.escape(singular)}\b", body) is not None
