"""Speakers a reader names by description, and names that only modify a title.

- "said a WeWork spokesperson", "the doctor said", "officers announced": no name is given, but a
  reader still knows who spoke; the description (without its article) is the speaker.
- "Trump senior communications adviser Jason Miller said", "says Disney director X": the first
  name only modifies the title of the second, who is the one speaking.
"""

from __future__ import annotations

from ._lexicon import ROLE_HEADS, ROLE_MODIFIERS, SPEECH_VERBS
from ._text import Token, is_cap, norm_word

__all__ = ["describe_speaker", "modifies_title"]

_DETERMINERS = {"a", "an", "the", "one", "another", "two", "three", "several", "some"}
# Nouns for speakers that are groups or unnamed people (role heads count too).
_SPEAKER_NOUNS = frozenset(
    ["police", "officers", "officials", "protesters", "demonstrators", "witnesses", "residents", "sources", "users", "supporters", "critics", "neighbours", "neighbors", "parents", "mother", "father", "wife", "husband", "son", "daughter", "friend", "man", "woman", "people", "aides", "staffers", "employees", "workers", "doctors", "experts", "analysts", "lawyers", "students", "teachers", "spokesperson", "spokesman", "spokeswoman"]
)
_STOP = {"when", "who", "which", "that", "in", "on", "at", "by", "with", "from", "to", "and", "but", "as"}


def _speaker_noun(low: str) -> bool:
    return low in _SPEAKER_NOUNS or low in ROLE_HEADS or (low.endswith("s") and low[:-1] in ROLE_HEADS)


def describe_speaker(toks: list[Token]) -> str | None:
    """The description at the start of ``toks`` ("a WeWork spokesperson …") when it names a speaker."""
    words: list[Token] = []
    for i, tok in enumerate(toks[:6]):
        low = norm_word(tok.text)
        if i == 0 and low in _DETERMINERS:
            continue
        if not tok.text[0].isalpha() or low in SPEECH_VERBS or low in _STOP:
            break
        words.append(tok)
        if tok.possessive:
            continue  # "the governor's office": the head comes later
    # the head is the last noun before the stop: "a WeWork spokesperson when contacted"
    if not words or not _speaker_noun(norm_word(words[-1].text)) or words[-1].possessive:
        return None
    if len(words) > 4:
        return None
    return " ".join(t.text for t in words)


def modifies_title(between: list[Token]) -> bool:
    """Whether the tokens between two names are a title the second name holds ("senior … adviser")."""
    if not between or len(between) > 5 or between[0].text == ",":
        return False
    if not all(norm_word(t.text) in ROLE_HEADS or norm_word(t.text) in ROLE_MODIFIERS or is_cap(t.text)
               for t in between):
        return False
    return norm_word(between[-1].text) in ROLE_HEADS
