"""Split news text into sentences.

Every sentence returned is an exact substring of the input with only surrounding
whitespace stripped, so callers (summaries, quote offsets) can always find it again.

The splitter looks for candidate ends (``.``, ``!``, ``?``, ``…`` with any closing
quotes or brackets) followed by whitespace, then vetoes candidates that news style
makes ambiguous: titles ("Mr. Smith"), dates ("Feb. 5"), initials ("John F. Kennedy"),
dotted acronyms mid-sentence ("U.S. officials"), and quotes followed by their
attribution (``"Why now?" Smith asked.``). Paragraph breaks always end a sentence.

Text built from web pages also glues sentences without any end mark: a photo caption runs
into the prose ("…barely recognisable (pictured) Police said…"), or a quotation stops
without a full stop before the next sentence ("…an 'eradicable error' The case…"). Two
further candidate ends catch those: a photo marker such as "(pictured)", and a closing
quote mark, each followed by a capitalised common sentence opener.
"""

from __future__ import annotations

import re
from functools import lru_cache

__all__ = ["sentence_spans", "split_sentences"]

# Titles and words that are practically never the last word of a sentence.
_NEVER_FINAL = frozenset(
    ["mr", "mrs", "ms", "mx", "dr", "prof", "rev", "fr", "sr", "jr", "gen", "lt", "col", "maj", "capt", "cmdr", "adm", "sgt", "cpl", "pvt", "gov", "sen", "rep", "hon", "pres", "supt", "insp", "det", "amb", "atty", "st", "mt", "ft", "messrs", "mme", "mlle"]
)
# Words that can end a sentence but usually do not when a number follows ("No. 10", "Jan. 28").
_BEFORE_NUMBER = frozenset(
    ["jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "no", "nos", "vol", "p", "pp", "fig", "art", "sec", "ch", "ed", "op"]
)
# Abbreviations that often end a sentence too ("Apple Inc. The company ..."): split only
# when the next word looks like a sentence start rather than a continuing proper noun.
_AMBIGUOUS = frozenset(["inc", "ltd", "co", "corp", "plc", "llc", "bros", "etc", "al", "vs", "approx", "est", "dept", "univ", "assn"])
# Common sentence openers: after an ambiguous abbreviation ("U.S.", "Inc.", "p.m.") a
# capitalised word from this list means a new sentence, any other capital a proper noun.
_OPENERS = frozenset(
    ["a", "an", "the", "he", "she", "it", "they", "we", "i", "you", "his", "her", "its", "their", "our", "my", "your", "this", "that", "these", "those", "there", "here", "but", "and", "or", "so", "yet", "if", "when", "while", "as", "after", "before", "in", "on", "at", "for", "from", "by", "with", "to", "of", "some", "many", "most", "all", "no", "not", "one", "two", "three", "both", "each", "every", "other", "such", "however", "meanwhile", "also", "still", "then", "now", "later", "earlier", "last", "next", "officials", "police", "critics", "according", "under", "over", "since", "until", "what", "who", "why", "how", "where", "which"]
)
_SPEECH_VERBS = (
    "said|says|asked|asks|added|adds|told|tells|wrote|writes|replied|replies|shouted|"
    "insisted|insists|explained|explains|continued|recalled|warned|warns|noted|notes|argued"
)

# Candidate end: terminal punctuation (an ellipsis counts), closing quotes/brackets, space.
_CANDIDATE = re.compile(r"(?:\.{3}|…|[.!?。！？])+[\"'”’)\]」』）]*(?=\s)")
# Chinese and Japanese end marks: no space follows them, and none of the Latin vetoes apply.
_CJK_END = re.compile(r"[。！？]+[」』”’）)]*(?=\S)")
_CLOSING_QUOTE = re.compile(r"[\"'”’]$")
_WORD_BEFORE = re.compile(r"([A-Za-z][A-Za-z.]*)\.$")
_DOTTED = re.compile(r"^(?:[A-Za-z]\.){2,}$")  # U.S. / e.g. / a.m.
_ATTRIBUTION = re.compile(
    r"(?:[A-Z][\w.'’-]*\s+){1,3}(?:" + _SPEECH_VERBS + r")\b"
    r"|(?:he|she|they|it|we|I)\s+(?:" + _SPEECH_VERBS + r")\b"
)
# A photo-direction marker ends a caption; a closing quote after a word may end a sentence
# that lost its full stop. Either is a boundary only when a sentence opener follows.
_GLUED = re.compile(
    r"\((?:pictured|left|right|centre|center|above|below|top|bottom|inset|file(?: photo| picture)?|"
    r"far (?:left|right)|second (?:left|right|from (?:left|right)))\)(?=\s)"
    r"|(?<=\w)[’'”\"](?=\s)",
    re.IGNORECASE,
)
# an opening quote at a word start, for each closing one
_OPENED = {close: re.compile(rf"(?:^|(?<=[^\w])){re.escape(open_)}(?=\w)", re.MULTILINE)
           for close, open_ in {"’": "‘", "'": "'", "”": "“", '"': '"'}.items()}
_PARAGRAPH_BREAK = re.compile(r"\n[ \t\r\f\v]*\n\s*")
_NEXT_WORD = re.compile(r"\s*([\"'“‘(\[]*)(\S*)")


def _next_starts_sentence(following: str) -> bool:
    """The text after a candidate end begins like a sentence (capital, digit, opening quote)."""
    m = _NEXT_WORD.match(following)
    if not m or not m.group(2):
        return bool(m and m.group(1))
    first = m.group(2)[0]
    caseless = first.isalpha() and not first.islower() and not first.isupper()  # Hangul, kana, Han, Arabic
    return first.isupper() or first.isdigit() or caseless or (bool(m.group(1)) and not first.islower())


def _next_word(following: str) -> str:
    m = _NEXT_WORD.match(following)
    return re.sub(r"[^\w’'-]+$", "", m.group(2)) if m else ""


def _is_boundary(chunk: str, end: int, mark: str) -> bool:
    """Decide whether the candidate ``mark`` ending at ``end`` in ``chunk`` ends a sentence."""
    following = chunk[end:]
    if not following.strip():
        return True
    if not _next_starts_sentence(following):
        return False
    before = chunk[: end - len(mark)] + mark.rstrip("\"'”’)]")
    nxt = _next_word(following)
    attribution = _ATTRIBUTION.match(following.lstrip()) if _CLOSING_QUOTE.search(mark) else None
    if attribution and not following.lstrip()[attribution.end():].lstrip().startswith(":"):
        # "Why now?" Smith asked. -- the quote and its attribution are one sentence
        # (but not: "…increase.' They added: 'Because…", where a new sentence opens a quote).
        return False
    if mark.startswith(("...", "…")) and not nxt[:1].isupper():
        return False
    m = _WORD_BEFORE.search(before)
    if not m or not before.endswith("."):
        return True
    word = m.group(1)
    bare = word.rstrip(".").lower()
    nxt_is_number = nxt[:1].isdigit()
    if "." not in word[:-1] and bare in _NEVER_FINAL:
        return False
    if bare in _BEFORE_NUMBER and nxt_is_number:
        return False
    if len(word) == 1 and word.isupper():
        # An initial ("John F. Kennedy"), unless a common opener follows ("... plan B. The ...").
        return nxt.lower() in _OPENERS
    if _DOTTED.match(word + ".") or bare in _AMBIGUOUS:
        if word[0].islower() and "." in word:  # e.g. / i.e. / a.m. mid-sentence
            return nxt.lower() in _OPENERS and not word.lower().startswith(("e.g", "i.e"))
        return nxt.lower() in _OPENERS or nxt_is_number and bare in _AMBIGUOUS
    return True


def _glued_boundary(block: str, start: int, m: re.Match[str]) -> bool:
    """A caption marker or closing quote at ``m``, not an end mark, ending a sentence."""
    nxt = _next_word(block[m.end():])
    if not nxt[:1].isupper() or nxt.lower() not in _OPENERS:
        return False
    mark = m.group(0)
    if mark.startswith("("):
        return True
    # the quote must close one this sentence opened at a word start: not an apostrophe
    return _OPENED[mark].search(block, start, m.start()) is not None


def _split_block(block: str, offset: int) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    start = 0
    ends: list[tuple[re.Match[str], bool | None]] = [(m, False) for m in _CANDIDATE.finditer(block)]
    extra = [(m, True) for m in _GLUED.finditer(block)] + [(m, None) for m in _CJK_END.finditer(block)]
    if extra:  # most blocks have neither: no sort
        ends = sorted(ends + extra, key=lambda item: item[0].end())
    for m, glued in ends:
        if m.start() < start:
            continue  # inside an end already taken ('…error.' is one end mark, not two)
        if glued is None:
            spans.append((offset + start, offset + m.end()))
            start = m.end()
        elif glued:
            if block[m.end():m.end() + 1].isspace() and block[m.start() - 1:m.start()] not in ".!?…" \
                    and _glued_boundary(block, start, m):
                spans.append((offset + start, offset + m.end()))
                start = m.end()
        elif _is_boundary(block, m.end(), m.group(0)):
            spans.append((offset + start, offset + m.end()))
            start = m.end()
    spans.append((offset + start, offset + len(block)))
    return spans


def _line_breaks(block: str) -> list[tuple[int, int]]:
    """Single newlines inside a paragraph: a break after a heading-like line (no final
    punctuation, next line capitalised), otherwise just wrapped text."""
    pieces: list[tuple[int, int]] = []
    start = 0
    for m in re.finditer(r"\n", block):
        line = block[start : m.start()].rstrip()
        rest = block[m.end() :].lstrip()
        wrapped = (not line) or line[-1] in ",;:-–(" or (rest[:1].islower())
        if not wrapped:
            pieces.append((start, m.start()))
            start = m.end()
    pieces.append((start, len(block)))
    return pieces


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """``(start, end)`` offsets of each sentence in ``text``, surrounding whitespace excluded."""
    return list(_sentence_spans(text))


@lru_cache(maxsize=8)  # the summary and the headline split the same body
def _sentence_spans(text: str) -> tuple[tuple[int, int], ...]:
    spans: list[tuple[int, int]] = []
    pos = 0
    blocks: list[tuple[int, int]] = []
    for m in _PARAGRAPH_BREAK.finditer(text):
        blocks.append((pos, m.start()))
        pos = m.end()
    blocks.append((pos, len(text)))
    for b_start, b_end in blocks:
        block = text[b_start:b_end]
        for l_start, l_end in _line_breaks(block):
            spans.extend(_split_block(block[l_start:l_end], b_start + l_start))
    out: list[tuple[int, int]] = []
    for s, e in spans:
        piece = text[s:e]
        if not piece.strip():
            continue
        s += len(piece) - len(piece.lstrip())
        e -= len(piece) - len(piece.rstrip())
        out.append((s, e))
    return tuple(out)


def split_sentences(text: str) -> list[str]:
    """Sentences of ``text`` in order, each an exact (whitespace-stripped) substring."""
    return [text[s:e] for s, e in sentence_spans(text)]
