"""Who is named in an article body, with their aliases and roles.

``find_people(article)`` reads ``article.body`` only (bylines and author bios are not body).
Roles come from titles before a name ("US Treasury Secretary Scott Bessent"), appositives
after it ("Mike Waltz, the national security adviser,"), and "Role, Name" lines.
Organisations appear (``kind="org"``) only when they speak ("the ministry said").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from functools import lru_cache

from ..models import Article, Person
from ._lexicon import SPEECH_VERBS
from ._mentions import RawMention, scan_mentions
from ._org_cues import is_group_plural, org_cue_after
from .names import best_role, fold_token

__all__ = ["PeopleIndex", "find_people", "index_people", "speaks"]


@dataclass
class PeopleIndex:
    """People (and organisations) plus where each is mentioned: (start, end, index into people)."""

    people: list[Person] = field(default_factory=list)
    mentions: list[tuple[int, int, int]] = field(default_factory=list)


def _folded(words: list[str]) -> list[str]:
    return [fold_token(w) for w in words]


def index_people(body: str) -> PeopleIndex:
    """People and organisations named in ``body``, with where each is mentioned.

    Reading a body is the costliest step of the analysis and :func:`find_people` and
    :func:`~digests.understand.quotes.find_quotes` both need it, so the last few bodies'
    indexes are kept. Each call gets its own copies of the people: a caller that edits
    them cannot change what the next caller sees.
    """
    cached = _read_body(body)
    people = [replace(p, aliases=list(p.aliases), roles=list(p.roles)) for p in cached.people]
    return PeopleIndex(people, list(cached.mentions))


@lru_cache(maxsize=8)
def _read_body(body: str) -> PeopleIndex:
    raw = sorted(scan_mentions(body), key=lambda m: m.start)
    people: list[Person] = []
    keys: list[list[str]] = []  # folded name words per person
    assigned: list[tuple[RawMention, int]] = []
    # 1. Full names (two or more words) found people; a shorter form that ends a longer one is an alias.
    persons = [m for m in raw if m.kind == "person"]
    for m in sorted(persons, key=lambda m: -len(m.words)):
        if len(m.words) < 2:
            continue
        folded = _folded(m.words)
        match = _longer_match(keys, folded, len(m.words) - 1)
        if match is None:
            people.append(Person(name=" ".join(m.words)))
            keys.append(folded)
    # 1b. Agreement across the article: a name that is never given person evidence (a title,
    # an appositive, a speech verb) and that the article also uses as an organisation or a
    # place ("in Fort Worth", "Sierra Nevada Corporation") is not a person anywhere.
    _retype_places_and_orgs(people, raw)
    # 2. Attach every mention to a person, most recently mentioned first when several fit.
    last_seen: dict[int, int] = {}
    for m in persons:
        folded = _folded(m.words)
        candidates = [i for i, k in enumerate(keys) if k[-len(folded):] == folded and
                      (len(folded) == len(k) or len(folded) < len(k))]
        if len(folded) >= 2:
            exact = [i for i in candidates if keys[i] == folded]
            candidates = exact or candidates
        candidates = [i for i in candidates if people[i].kind == "person"]
        if not candidates:
            if not m.evidence:
                continue
            people.append(Person(name=" ".join(m.words)))
            keys.append(folded)
            candidates = [len(people) - 1]
        index = max(candidates, key=lambda i: (last_seen.get(i, -1), -i))
        last_seen[index] = m.start
        assigned.append((m, index))
    # 3. Organisations: all kept for the quote finder (a later "they said" may point back to one).
    org_groups: dict[str, list[RawMention]] = {}
    for m in raw:
        if m.kind == "org":
            org_groups.setdefault(" ".join(m.words), []).append(m)
    for name, ms in org_groups.items():
        people.append(Person(name=name, kind="org"))
        for m in ms:
            assigned.append((m, len(people) - 1))
    mentions = []
    for m, index in assigned:
        person = people[index]
        person.mentions += 1
        surface = " ".join(m.words)
        if surface != person.name and surface not in person.aliases:
            person.aliases.append(surface)
        for role in m.roles:
            if role not in person.roles and role.lower() not in {r.lower() for r in person.roles}:
                person.roles.append(role)
        mentions.append((m.start, m.end, index))
    for person in people:
        if person.roles:
            best = best_role(person.roles)
            person.roles = [best] + [r for r in person.roles if r != best]
    _retype_one_word_names(body, people)
    used = {index for _, _, index in mentions}
    keep = [i for i in range(len(people)) if i in used]
    remap = {old: new for new, old in enumerate(keep)}
    return PeopleIndex([people[i] for i in keep],
                       sorted((s, e, remap[i]) for s, e, i in mentions))


def _retype_places_and_orgs(people: list[Person], raw: list[RawMention]) -> None:
    org_prefixes: set[tuple[str, ...]] = set()
    with_evidence: set[tuple[str, ...]] = set()
    for m in raw:
        words = tuple(_folded(m.words))
        if m.kind == "org":
            org_prefixes.update(words[:n] for n in range(2, len(words) + 1))
        elif m.evidence:
            with_evidence.add(words)
    if not org_prefixes:
        return
    for person in people:
        words = tuple(_folded(person.name.split()))
        if words in org_prefixes and words not in with_evidence:
            person.kind = "org"


def _retype_one_word_names(body: str, people: list[Person]) -> None:
    """"Vellum founder Ada Marsh", "Republicans": a one-word name the article never gives in full
    that is used as a company or names a group is not a person (see ``_org_cues``)."""
    for person in people:
        if person.kind != "person" or " " in person.name:
            continue
        # every occurrence counts, also inside another's title ("Vellum founder Ada Marsh")
        uses = re.finditer(rf"\b{re.escape(person.name)}\b", body)
        if is_group_plural(person.name, body) or any(org_cue_after(body, m.end()) for m in uses):
            person.kind = "org"


def _longer_match(keys: list[list[str]], folded: list[str], _: int) -> int | None:
    for i, k in enumerate(keys):
        if len(k) > len(folded) and k[-len(folded):] == folded:
            return i
        if k == folded:
            return i
    return None


def speaks(body: str, index: PeopleIndex, entity: int) -> bool:
    """Whether some mention of ``entity`` is the subject of a speech verb in its sentence."""
    for start, end, e in index.mentions:
        if e != entity:
            continue
        if body[max(0, start - 16): start].lower().endswith("according to "):
            return True
        clause = re.split(r"[.;:!?\n“”\"]", body[end: end + 120])[0]
        clause = re.sub(r",\s*(which|who|that)\b[^,]*,", " ", clause)  # skip a relative clause
        for word in clause.replace(",", " ").split()[:4]:
            low = word.lower()
            if low in SPEECH_VERBS:
                return True
            if not (low in {"have", "has", "had", "also", "twice", "again", "later"} or low.endswith("ly")):
                break
    return False


def find_people(article: Article) -> list[Person]:
    """Each person named in the body, with aliases, roles (best first) and mention count."""
    index = index_people(article.body)
    return [p for i, p in enumerate(index.people) if p.kind == "person" or speaks(article.body, index, i)]
