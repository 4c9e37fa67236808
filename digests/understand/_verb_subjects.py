"""The reader's lookups: entities near a position, pronouns and descriptions resolved, and the
subject of a speech verb (see ``_subjects`` for where a reader looks for it).

:class:`VerbSubjects` is the base of the attribution reader in ``_attribution``; it keeps the
state that reading builds up (``history``, ``gender``, ``cursor``) but never changes it except
to learn a gender from a resolved pronoun.
"""

from __future__ import annotations

import re

from ._lexicon import (
    ABBREVIATED_TITLES,
    LEADER_TITLES,
    PERSON_PRONOUNS,
    ROLE_HEADS,
    ROLE_MODIFIERS,
)
from ._subjects import nearest_before, phrase_after
from ._text import Token, norm_word
from .people import PeopleIndex

__all__ = ["CLOSING_MARKS", "OPENING_MARKS", "ORG_HEADS", "PREPOSITIONS", "SUBJECT_PRONOUNS", "VerbSubjects", "is_role_word"]

ORG_HEADS = {"company", "firm", "group", "ministry", "agency", "department", "organization", "organisation",
              "label", "statement", "network", "government", "union", "party", "office", "committee",
              "council", "club", "team", "studio", "service", "board", "campaign", "spokesperson",
              "spokesman", "spokeswoman", "kremlin", "police", "commission"}
PREPOSITIONS = {"of", "to", "for", "with", "by", "from", "at", "in", "on", "about", "against", "into", "the",
                 "over", "under", "than", "between", "among", "toward", "towards", "via"}
SUBJECT_PRONOUNS = {"he", "she", "they", "it"}
OPENING_MARKS = {"“", "\"", "'", "«", "„", "「"}
CLOSING_MARKS = {"”", "\"", "''", "»"}
_CONJUNCTIONS = {"as", "and", "but", "when", "while", "after", "before", "because", "since", "although",
                 "though", "if", "once", "so", "then", "meanwhile"}


def is_role_word(word: str) -> bool:
    low = norm_word(word)
    return low in ROLE_HEADS or low in ROLE_MODIFIERS or ABBREVIATED_TITLES.get(low) in ROLE_HEADS


def _words(text: str) -> set[str]:
    out = set()
    for w in re.findall(r"[\w'’\-.]+", text.lower()):
        w = w.rstrip(".")
        out.add(ABBREVIATED_TITLES.get(w, w))
    return out


class VerbSubjects:
    body: str
    index: PeopleIndex
    history: list[int]
    gender: dict[int, str]
    cursor: int

    # -- lookups ---------------------------------------------------------------------------
    def mentions_in(self, start: int, end: int) -> list[tuple[int, int, int]]:
        return [m for m in self.index.mentions if start <= m[0] and m[1] <= end]

    def kind(self, entity: int) -> str:
        return self.index.people[entity].kind

    def possessive(self, end: int) -> bool:
        return self.body[end: end + 2] in {"’s", "'s", "‘s"}

    def resolve_pronoun(self, word: str, exclude: set[int]) -> int | None:
        word = word.lower()
        if word in {"they", "it"}:
            return next((e for e in reversed(self.history[-8:]) if self.kind(e) == "org" and e not in exclude),
                        None)
        gender = PERSON_PRONOUNS.get(word)
        for e in reversed(self.history[-12:]):
            if self.kind(e) != "person" or e in exclude:
                continue
            if gender and self.gender.get(e, gender) != gender:
                continue
            self.gender[e] = gender
            return e
        # No subject or speaker fits ("Vale, a congressman, met Ada Olin. … she said"): the most
        # recent person named before this sentence who agrees.
        for start, _, e in reversed(self.index.mentions):
            if start >= self.cursor or start < self.cursor - 1500:
                continue
            if self.kind(e) == "person" and e not in exclude and self.gender.get(e, gender) == gender:
                return e
        return None

    def resolve_description(self, words: list[str], exclude: set[int]) -> int | None:
        """"the Ukrainian leader" → the person whose role says Ukrainian President."""
        words = [ABBREVIATED_TITLES.get(w, w) for w in words if w not in {"the", "a", "an"}]
        if not words:
            return None
        head = words[-1]
        if head in ORG_HEADS:
            return next((e for e in reversed(self.history[-10:]) if self.kind(e) == "org"), None)
        best, best_score = None, 0
        recency = {e: i for i, e in enumerate(self.history)}
        for e, person in enumerate(self.index.people):
            if person.kind != "person" or e in exclude or not person.roles:
                continue
            role_words = set().union(*(_words(r) for r in person.roles))
            if head in role_words:
                score = 2
            elif head in LEADER_TITLES and role_words & LEADER_TITLES:
                score = 1
            else:
                continue
            score += len(set(words[:-1]) & role_words)
            key = (score, recency.get(e, -1))
            if best is None or key > best_score:
                best, best_score = e, key
        return best

    # -- the subject of a speech verb ------------------------------------------------------
    def subject_at_verb(self, toks: list[Token], verb: int, exclude: set[int]) -> int | None | bool:
        """The name or pronoun right before ``toks[verb]`` ("…, Mr. Dorn said"), resolved.

        False when the verb's subject is not a plain name or pronoun there, and True when the
        verb shares an earlier verb's subject ("Vale said he … and added, …").
        """
        for i, must_start in nearest_before(toks, verb):
            found = self._subject_word(toks, i, must_start, exclude)
            if found is not None:
                return found
        return False

    def _subject_word(self, toks: list[Token], i: int, must_start: int, exclude: set[int]) -> int | None | bool:
        tok = toks[i]
        low = norm_word(tok.text)
        if low in {"and", "but"} and must_start < 0:
            return True
        if low in SUBJECT_PRONOUNS and not tok.possessive and must_start < 0:
            return self.resolve_pronoun(low, exclude)
        if tok.possessive:
            return None
        m = next((m for m in self.mentions_in(max(0, tok.end - 200), tok.end) if m[1] == tok.end), None)
        if m is None or m[2] in exclude:
            return None
        # the appositive is the name itself, perhaps with its title, after a role
        # ("the spokesman, Navy Capt. Ida Vale, said"; not "the capital, Vellport, said")
        if must_start >= 0 and (
                must_start < 2 or not is_role_word(toks[must_start - 2].text) or self.kind(m[2]) != "person"
                or not all(is_role_word(t.text) or t.start >= m[0] for t in toks[must_start: i + 1])):
            return None
        before = [t for t in toks[:i + 1] if t.end <= m[0]]
        if before and norm_word(before[-1].text) in PREPOSITIONS:
            return None  # "a spokesman for Vale said": Vale is not the one speaking
        return m[2]

    def clause_subject(self, toks: list[Token], end: int) -> int | None:
        """The nearest name before ``toks[end]`` in subject position: after the sentence start, a
        comma, a closing quote mark or a conjunction, never after a preposition."""
        for i in range(end - 1, -1, -1):
            tok = toks[i]
            m = next((m for m in self.mentions_in(max(0, tok.start - 200), tok.end) if m[1] == tok.end), None)
            if m is None:
                if norm_word(tok.text) in SUBJECT_PRONOUNS and not tok.possessive and \
                        (i == 0 or toks[i - 1].text in CLOSING_MARKS or norm_word(toks[i - 1].text) in _CONJUNCTIONS):
                    return self.resolve_pronoun(norm_word(tok.text), set())
                continue
            start = next((j for j in range(i, -1, -1) if toks[j].start <= m[0]), 0)
            if tok.possessive:
                continue
            if start == 0 or toks[start - 1].text in CLOSING_MARKS or toks[start - 1].text == "," or \
                    norm_word(toks[start - 1].text) in _CONJUNCTIONS or is_role_word(toks[start - 1].text):
                return m[2]
        return None

    def speaker_after_verb(self, toks: list[Token], verb: int, exclude: set[int]) -> int | None:
        """"said Idaho supplement executive Jo Varn of Boise, who…": the phrase's last person."""
        end = phrase_after(toks, verb + 1)
        if end <= verb + 1:
            return None
        inside = [m for m in self.mentions_in(toks[verb + 1].start, toks[end - 1].end) if m[2] not in exclude]
        people = [m for m in inside if self.kind(m[2]) == "person" and not self.possessive(m[1])]
        return people[-1][2] if people else None
