"""Raw name mentions in a body: runs of capitalised words split into a title part and a name part."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ._lexicon import HONORIFICS, NON_NAME_CAPS, ORG_WORDS, ROLE_MODIFIERS, SPEECH_VERBS
from ._roles import is_role_head, role_after, role_before
from ._text import Token, is_cap, norm_word, paragraph_spans, tokens_in

__all__ = ["RawMention", "scan_mentions"]

_PARTICLES = {"de", "van", "von", "der", "den", "bin", "al", "da", "di", "la", "le", "du", "dos", "del", "ter"}
_SAID_FIRST = {"said", "says", "added", "asked", "wrote", "explained", "noted", "continued", "recalled",
               "replied", "insisted", "tweeted", "writes", "adds", "asks"}
_CLOSERS = {",", "”", "\"", "?", "!"}
_FUNCTION_WORDS = {"the", "a", "an", "this", "that", "these", "those", "in", "on", "at", "of", "for", "to", "from",
                   "by", "with", "and", "or", "but", "if", "when", "while", "after", "before", "since", "as",
                   "so", "then", "now", "yet", "there", "here", "it", "he", "she", "they", "we", "i", "you",
                   "his", "her", "their", "our", "my", "your", "its", "others", "some", "many", "most", "few",
                   "several", "both", "all", "each", "every", "meanwhile", "also", "still", "even", "only",
                   "because", "although", "though", "unless", "whether", "until", "despite", "during", "like",
                   "unlike", "however", "instead", "perhaps", "indeed"}
# "Forest Hill police officers", "Fort Worth residents": a name that modifies these is a place or an org.
_PLACE_NOUNS_AFTER = {"police", "officers", "officials", "residents", "area", "county", "hotel", "airport",
                      "authorities", "headquarters", "campus", "suburb", "neighborhood", "neighbourhood"}
_MONTHS = {"jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "january",
           "february", "march", "april", "may", "june", "july", "august", "september", "october", "november",
           "december"}
_PLACE_PREPS = {"the", "in", "at", "near", "across", "into", "outside", "inside", "throughout", "around"}


@dataclass
class RawMention:
    start: int
    end: int
    words: list[str]  # the name words, e.g. ["Andrii", "Yermak"]
    kind: str  # "person" (has a name part), "org"
    roles: list[str]
    evidence: bool  # a title, honorific, appositive role or speech verb says this is a person
    paragraph: int


def _acronym(word: str) -> bool:
    letters = word.replace(".", "")
    return len(letters) >= 2 and letters.isupper() and letters.isalpha()


def _demonym_like(word: str) -> bool:
    return _acronym(word) or bool(re.search(r"(an|ese|ish|i)$", word))


def _runs(toks: list[Token], text: str) -> list[list[int]]:
    runs, cur = [], []
    for i, tok in enumerate(toks):
        low = tok.text.lower()
        if cur and "\n" in text[toks[i - 1].end: tok.start]:
            runs.append(cur)
            cur = []
        if is_cap(tok.text) or (cur and low in _PARTICLES and i + 1 < len(toks) and is_cap(toks[i + 1].text)):
            cur.append(i)
            if tok.possessive:
                runs.append(cur)
                cur = []
        else:
            if cur:
                runs.append(cur)
            cur = []
    if cur:
        runs.append(cur)
    return runs


def _dateline_end(toks: list[Token]) -> int:
    """Index after a dateline ("NEW YORK -", "COLUMBIA, S.C. —", "WASHINGTON (AP) —"): a place, never a name."""
    for i, tok in enumerate(toks[:10]):
        if tok.text in {"-", "--", "—", "–"}:
            return i + 1 if i and any(t.text[0].isalpha() for t in toks[:i]) else 0
        if tok.text in {",", "(", ")"} or (tok.text[0].isalpha() and tok.text.isupper()) or (
                i and (tok.text.isdigit() or norm_word(tok.text) in _MONTHS)):
            continue  # "PHILADELPHIA, July 25 (UPI) —"
        return 0
    return 0


def _verb_form(word: str, initial: bool) -> bool:
    """"Hosting Cook", "Getting Disney": a capitalised gerund or adverb is not a given name."""
    low = word.lower()
    return len(low) > 5 and (low.endswith("ing") or _adverb(low) or (initial and low.endswith("ed")))


def _adverb(low: str) -> bool:
    return low.endswith("ally") or (low.endswith("ly") and len(low) > 7)


def _quoted_title(body: str, start: int, end: int) -> bool:
    """A name that is the whole of a quotation ("Mary Poppins") is a title, not a person."""
    return body[start - 1: start] in {"“", '"'} and body[end: end + 2].lstrip(",.")[:1] in {"”", '"'}


def _sentence_initial(toks: list[Token], i: int) -> bool:
    if i == 0:
        return True
    prev = toks[i - 1].text
    if prev == '"':  # a straight mark opens a quote only when it sticks to the word after it
        return toks[i - 1].end == toks[i].start
    return prev in {".", "!", "?", "“", ":", "—", "–", "("}


def _surname_like_title(words: list[str]) -> bool:
    """A title word ending a run is a surname after a middle initial ("Peter T. King") or after a
    title and a given name ("Senator Angus King"): offices do not follow given names."""
    if len(words) < 2 or norm_word(words[-1]) in HONORIFICS:
        return False
    before = words[-2]
    if len(before.rstrip(".")) == 1 and before[0].isupper():
        return True
    return len(words) >= 3 and (is_role_head(words[-3]) or norm_word(words[-3]) in HONORIFICS) and \
        not is_role_head(before) and norm_word(before) not in ROLE_MODIFIERS and norm_word(before) not in ORG_WORDS \
        and norm_word(before) not in NON_NAME_CAPS and not _acronym(before) and before[1:].islower()


def _name_split(words: list[str]) -> int:
    """Index where the name part of a run starts (len(words) when there is none)."""
    last = words[-1]
    if is_role_head(last) and _surname_like_title(words):
        return _name_split(words[:-1] + ["Surname"])  # "Rep. Peter T. King": a title word as a surname
    if norm_word(last) in ORG_WORDS or is_role_head(last) or (_acronym(last) and len(last.replace(".", "")) > 2):
        return len(words)  # an organisation, an acronym or a bare title: no person here
    k = len(words) - 1
    for j in range(len(words) - 2, -1, -1):
        w = words[j]
        low = norm_word(w)
        if is_role_head(w) or low in ROLE_MODIFIERS or low in HONORIFICS or low in ORG_WORDS or (
                _acronym(w) and len(w.replace(".", "")) > 2):
            break
        k = j
    while k < len(words) and norm_word(words[k]) in NON_NAME_CAPS:
        k += 1
    # "American Marc Fogel", "envoy for Ukraine Keith Kellogg": a place or demonym before a full name.
    if len(words) - k >= 3 and re.search(r"(ian|ean|ese|ish|can)$", words[k]):
        k += 1
    return k


def scan_mentions(body: str) -> list[RawMention]:
    lower_words = set(re.findall(r"\b[a-z][a-z'’\-]+\b", body))
    out: list[RawMention] = []
    for p_index, (ps, pe) in enumerate(paragraph_spans(body)):
        toks = tokens_in(body, ps, pe)
        toks = toks[_dateline_end(toks):]
        runs = _runs(toks, body)
        words = [t for t in toks if t.text[0].isalpha()]
        title_case = len(words) >= 4 and sum(is_cap(t.text) for t in words) >= 0.7 * len(words)
        name_tokens: set[int] = set()
        plans = []
        for run in runs:
            while run and (norm_word(toks[run[0]].text) in _FUNCTION_WORDS
                           or (len(run) > 1 and _verb_form(toks[run[0]].text, _sentence_initial(toks, run[0])))):
                run = run[1:]
            if run and _quoted_title(body, toks[run[0]].start, toks[run[-1]].end):
                continue
            if not run:
                continue
            words = [toks[i].text for i in run]
            k = _name_split(words)
            if k < len(run) and _sentence_initial(toks, run[k]) and words[k].lower() in lower_words:
                k += 1  # "Big Machine have…", "Teachers chanted": an ordinary word opening a sentence
            if len(words) - k >= 3 and run[0] > 0 and norm_word(toks[run[0] - 1].text) in {"of", "for", "to"}:
                k += 1
            plans.append((run, k))
            if len(run) - k >= 2:
                name_tokens.update(run[k:])
        for run, k in plans:
            found = _mention(body, toks, run, k, name_tokens, lower_words, p_index)
            # Title-case lines (headlines, teasers) are not prose: keep only "Role, Name" lines.
            out.extend(m for m in found if not title_case or (m.kind == "person" and m.roles))
    return out


def _mention(body, toks, run, k, name_tokens, lower_words, p_index) -> list[RawMention]:
    words = [toks[i].text for i in run]
    first, last = toks[run[0]], toks[run[-1]]
    if last.possessive:  # the mention ends before "’s"
        last = Token(last.start, last.start + len(last.text), last.text)
    if k >= len(words):
        if any(norm_word(w) in ORG_WORDS for w in words) or any(_acronym(w) for w in words):
            return [RawMention(first.start, last.end, words, "org", [], False, p_index)]
        return []
    name = words[k:]
    prefix = words[:k]
    start_i = run[k]
    ntok = toks[start_i]
    evidence = False
    if any(_acronym(w) and len(w.replace(".", "")) > 2 for w in name) or len(name) > 4:
        return []
    if len(name) == 1 and name[0].lower() in lower_words:
        return []  # a capitalised common word ("Teachers", "Customers")
    if len(name) == 1 and _acronym(name[0]):
        return []  # "VR", "AR", "OH": two capitals are a label, an abbreviation or a state, not a person
    blocked = name_tokens - set(run[k:])
    roles = []
    before = role_before(toks, start_i, body, blocked)
    honorific = bool(prefix) and norm_word(prefix[-1]) in HONORIFICS  # "Mr. Sanders", "Mrs. Clinton"
    if prefix and not before and not honorific and not all(_demonym_like(w) for w in prefix):
        return [RawMention(first.start, last.end, words, "org", [], False, p_index)]
    if before:
        roles.append(before)
    if honorific or before:
        evidence = True
    after = role_after(toks, run[-1] + 1, body, blocked)
    if after:
        roles.append(after)
        evidence = True
    end_i = run[-1]
    # "Ukrainian Presidential Chief of Staff, Andrii Yermak" / "his lawyer, Rudy Giuliani,"
    if start_i >= 2 and toks[start_i - 1].text == "," and (end_i + 1 >= len(toks) or toks[end_i + 1].text in {",", "."}):
        line_role = role_before(toks, start_i - 1, body, blocked)
        if line_role and is_role_head(toks[start_i - 2].text):
            roles.append(line_role)
            evidence = True
    nxt = [t for t in toks[end_i + 1: end_i + 4] if t.text not in {","}]
    if len(name) == 1 and _sentence_initial(toks, start_i):
        nxt = []  # "Others said": a lone capitalised word opening a sentence is weak evidence
    if nxt and norm_word(nxt[0].text) in SPEECH_VERBS or (
            len(nxt) > 1 and nxt[0].text.endswith("ly") and norm_word(nxt[1].text) in SPEECH_VERBS):
        evidence = True
    if start_i >= 2 and norm_word(toks[start_i - 1].text) in _SAID_FIRST and toks[start_i - 2].text in _CLOSERS:
        evidence = True  # "…," said Waltz
    if not evidence and len(name) > 1:
        common = sum(w.lower() in lower_words for w in name)
        if common * 2 >= len(name) or any(_adverb(w.lower()) for w in name):
            return []  # capitalised ordinary words ("BILLIONS of Dollars Globally")
    inside_org = start_i >= 2 and norm_word(toks[start_i - 1].text) in {"of", "for"} and \
        is_cap(toks[start_i - 2].text) and not is_role_head(toks[start_i - 2].text)
    place_noun_after = end_i + 1 < len(toks) and toks[end_i + 1].text in _PLACE_NOUNS_AFTER
    # "the Kestrel reported", "the Vellport Gazette said": a bare name after "the" is a title or an
    # outlet even when it speaks; people take "the" only with a role ("the actor Ada Marsh").
    after_the = start_i >= 1 and norm_word(toks[start_i - 1].text) == "the" and (
        end_i + 1 >= len(toks) or not toks[end_i + 1].text[0].isalpha()
        or norm_word(toks[end_i + 1].text) in SPEECH_VERBS)  # not a modifier: "the Vale campaign"
    if not prefix and not before and not after and (inside_org or after_the or not evidence and (
            (start_i >= 1 and norm_word(toks[start_i - 1].text) in _PLACE_PREPS) or place_noun_after)):
        return [RawMention(ntok.start, last.end, name, "org", [], False, p_index)]
    found = [RawMention(ntok.start, last.end, name, "person", roles, evidence, p_index)]
    # "Joe and Hunter Biden": the lone first name shares the following surname.
    if len(name) == 1 and end_i + 2 < len(toks) and norm_word(toks[end_i + 1].text) == "and":
        nxt_run_words = []
        j = end_i + 2
        while j < len(toks) and is_cap(toks[j].text):
            nxt_run_words.append(toks[j].text)
            j += 1
        # A given name is Capitalised-lower-case: "SpaceX and Blue Origin" shares no surname.
        if len(nxt_run_words) == 2 and not any(is_role_head(w) for w in nxt_run_words) \
                and not _sentence_initial(toks, start_i) and not prefix and name[0][1:].islower():
            found[0] = RawMention(ntok.start, last.end, [name[0], nxt_run_words[-1]], "person", roles, True,
                                  p_index)
    return found
