"""Where the direct quotations are: paired marks, quotes running over a paragraph break.

Besides “…” and "…", news copy writes quotations as ''…'' (NYT archives), „…“ (German, Polish),
«…» (French, Russian) and 「…」 (CJK): each opening mark is closed only by its own closers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ._text import paragraph_spans

__all__ = ["QuoteSpan", "quote_spans"]

_OPEN, _CLOSE, _STRAIGHT = "“", "”", '"'
_DOUBLED = "''"
_MARK = re.compile("''|[“”\"«»„「」]")  # only these matter: jump from one to the next
# Which marks close a quotation opened by each mark. “ and " keep their old pairing (either
# closes either) because pages mix curly and straight marks.
_CLOSERS = {_OPEN: {_CLOSE, _STRAIGHT}, _STRAIGHT: {_CLOSE, _STRAIGHT}, _DOUBLED: {_DOUBLED, _CLOSE},
            "«": {"»"}, "„": {"“", "”"}, "「": {"」"}}


@dataclass
class QuoteSpan:
    start: int  # text offsets (marks, spaces and the comma before the attribution trimmed off)
    end: int
    open_mark: int  # offset of the opening mark
    close_mark: int  # offset of the closing mark's last character; the paragraph end when the quote runs on
    paragraph: int
    runs_on: bool = False  # no closing mark: the quote continues in the next paragraph
    continues: bool = False  # this quote carries on one left open in the previous paragraph


def _trim(body: str, start: int, end: int) -> tuple[int, int]:
    while start < end and body[start].isspace():
        start += 1
    while end > start and body[end - 1].isspace():
        end -= 1
    if end > start and body[end - 1] == ",":
        end -= 1
        while end > start and body[end - 1].isspace():
            end -= 1
    return start, end


def quote_spans(body: str) -> list[QuoteSpan]:
    out: list[QuoteSpan] = []
    open_before = False
    for p_index, (ps, pe) in enumerate(paragraph_spans(body)):
        opened: int | None = None
        opener = ""
        first_in_paragraph = True
        for mark in _MARK.finditer(body, ps, pe):
            i, ch = mark.start(), mark.group()
            if opened is not None and ch in _CLOSERS[opener]:
                start, end = _trim(body, opened + len(opener), i)
                if end > start:
                    out.append(QuoteSpan(start, end, opened, mark.end() - 1, p_index,
                                         continues=open_before and first_in_paragraph and opened == ps))
                first_in_paragraph = False
                opened = None
            elif opened is None and ch in _CLOSERS:
                opened, opener = i, ch
        if opened is not None:
            start, end = _trim(body, opened + len(opener), pe)
            if end > start:
                out.append(QuoteSpan(start, end, opened, pe, p_index, runs_on=True,
                                     continues=open_before and first_in_paragraph and opened == ps))
        open_before = opened is not None
    return out
