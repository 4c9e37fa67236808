"""Where the subject of a speech verb is, read the way a reader parses a clause.

- The speaker is the name nearest the verb, not the first name in the sentence:
  "Asked whether the plan had hurt Mr. Vale, Mr. Dorn said: …" is Dorn's; "Senate minority
  leader Ana Ruiz told reporters" is Ruiz's, not the Senate's. Between name and verb a reader
  skips adverbs, a time ("on Monday"), a parenthesis ("(R-Ohio)") and an appositive
  (", a professor at Kell University,").
- After the verb ("said Idaho supplement executive Jo Varn of Boise, who …") the speaker is the
  last name of the noun phrase, which ends at a comma, a relative pronoun or a preposition.
- A sentence that opens with an adverbial clause ("When asked about Vale, …", "In an interview
  with Dorn, …") has its subject after the clause's comma.
"""

from __future__ import annotations

from ._lexicon import NON_NAME_CAPS
from ._text import Token, norm_word

__all__ = ["CLAUSE_OPENERS", "clause_end", "nearest_before", "phrase_after"]

_SKIP_BEFORE_VERB = {"also", "later", "then", "once", "again", "had", "has", "have", "would", "will", "previously",
                     "earlier", "recently", "today", "yesterday", "tonight", "first", "finally",
                     "simply", "just", "soon", "still", "even", "never", "himself", "herself", "last", "this",
                     "that", "week", "month", "year", "night", "morning", "afternoon", "evening", "weekend"}
_TIME_WORDS = {"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "january",
               "february", "march", "april", "june", "july", "august", "september", "october", "november",
               "december", "jan", "feb", "aug", "sept", "oct", "nov", "dec"}
_TIME_PREPS = {"on", "in", "at", "last", "this", "earlier", "late", "early"}
# Words that open a sentence-initial adverbial clause or phrase (never "according": its object speaks).
CLAUSE_OPENERS = frozenset(
    {"when", "while", "after", "before", "as", "if", "although", "though", "because", "since", "once", "in",
     "at", "on", "during", "asked", "speaking", "noting", "of", "with", "despite", "unlike", "like",
     "following", "until", "whether", "responding", "pressed", "challenged", "interviewed", "writing",
     "addressing", "referring", "reacting", "commenting", "from", "for", "about", "over", "throughout",
     "upon", "given", "without", "amid", "outside", "inside", "later", "earlier", "still"})
_SUBJECT_STARTS = {"the", "a", "an", "he", "she", "they", "it", "his", "her", "their", "its", "one", "two"}
_HARD_STOPS = {".", ";", ":", "“", "”", "\"", "''", "!", "?"}
_PHRASE_STOPS = {",", ".", ";", ":", "(", "—", "–", "who", "which", "that", "of", "at", "in", "from", "with",
                 "for", "on", "to", "about", "and", "according", "during", "after", "before", "when", "as"}


def _skippable(tok: Token) -> bool:
    low = norm_word(tok.text)
    return low in _SKIP_BEFORE_VERB or low in _TIME_WORDS or (low.endswith("ly") and len(low) > 4
                                                                   and not tok.text[0].isupper())


def nearest_before(toks: list[Token], verb: int) -> list[tuple[int, int]]:
    """Where the verb's subject may end, nearest first: (index of its last word, index the name
    must start at, or -1 when it may start anywhere). [] when the subject is not plain.

    Walks back from ``toks[verb]`` over adverbs, times and a parenthesis. At an appositive's
    comma both the appositive itself when it is a whole name ("the spokesman, Ida Vale, said")
    and the word before each earlier comma ("Ida Vale, the spokesman, said"; appositives may
    hold commas: "Ida Vale, secretary for refugees, and migration, said") are candidates.
    """
    i = verb - 1
    while i >= 0:
        tok = toks[i]
        low = norm_word(tok.text)
        if _skippable(tok) or (low in _TIME_PREPS and i + 1 < verb and norm_word(toks[i + 1].text) in _TIME_WORDS):
            i -= 1
            continue
        if tok.text == ")":
            j = next((j for j in range(i - 1, max(-1, i - 12), -1) if toks[j].text == "("), None)
            if j is None:
                return []
            i = j - 1
            continue
        if tok.text == ",":
            floor = next((j for j in range(i - 1, max(-1, i - 40), -1) if toks[j].text in _HARD_STOPS), max(-1, i - 40))
            commas = [j for j in range(i - 1, floor, -1) if toks[j].text == ","]
            out = [(i - 1, (commas[0] + 1) if commas else floor + 1)] if i >= 1 else []
            return out + [(j - 1, -1) for j in commas if j >= 1]
        return [(i, -1)]
    return []


def phrase_after(toks: list[Token], start: int) -> int:
    """End index (exclusive) in ``toks`` of the noun phrase that begins at ``start``."""
    i = start
    while i < len(toks) and i - start < 12:
        tok = toks[i]
        low = norm_word(tok.text)
        if low in _PHRASE_STOPS and not (tok.text[0].isupper() and i > start and low not in NON_NAME_CAPS):
            break
        i += 1
    return i


def clause_end(toks: list[Token]) -> int:
    """Index just after the comma that closes a sentence-initial adverbial clause (0 when there is none).

    ``toks`` starts at the sentence. "When asked about it, Dorn said" → the index of "Dorn".
    """
    if not toks or not (norm_word(toks[0].text) in CLAUSE_OPENERS or (
            toks[0].text[0].isupper() and toks[0].text.endswith("ing") and len(toks[0].text) > 5)):
        return 0  # "Filling in for Vale at a rally, Dorn said …": a participle opens a clause too
    for i, tok in enumerate(toks[:45]):
        if tok.text in {".", ";", ":", "“", "\"", "”"}:
            return 0
        # "In a long, frank interview with Vale, Dorn said": a comma inside the clause is followed
        # by a lower-case word; the clause's own comma by the subject.
        if tok.text == "," and i + 1 < len(toks) and (
                toks[i + 1].text[0].isupper() or norm_word(toks[i + 1].text) in _SUBJECT_STARTS):
            return i + 1
    return 0
