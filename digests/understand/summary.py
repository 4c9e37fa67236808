"""Extractive summaries and generated headlines.

:func:`summarize` picks 2-3 sentences verbatim from ``Article.body``: each candidate is
scored by a news-lead prior (reporters put the news first), centrality (how much the
sentence shares with the rest of the article, via TextRank over word overlap), a
length preference (a full sentence carries more than a fragment) and a penalty for
direct quotes (colour, not news). Boilerplate-looking sentences are never candidates.
Picks that repeat an earlier pick, or that would take the summary past MAX_WORDS words, are
skipped; photo captions ("(pictured)", "Label: caption") are never candidates. The result is
in article order.

:func:`make_headline` turns the lead sentence into a one-line headline when the page
had none, cutting at a clause boundary and marking the cut with "…".

Weights were tuned on the development halves of the BBC and CNN/DM sets
(benchmarks/summary_quality.py, split by benchmarks/extraction_splits.py) with general
features only; nothing is specific to a document or a site.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from functools import lru_cache
from operator import mul

from digests.models import Article
from digests.similarity import content_terms
from digests.understand.sentences import split_sentences

__all__ = ["make_headline", "score_sentences", "summarize", "word_count"]

# News is written lead first: the prior for a sentence's position, LEAD_WEIGHT / (1 + position)
# ** LEAD_DECAY, is as strong as the best centrality and fades slowly (0.5 at the 4th sentence).
# Developed on the dev halves of BBC and CNN/DM (benchmarks/summary_quality.py): the earlier,
# weaker prior (0.5, decay 1.0) let long central sentences deep in a CNN/DM story beat its lead.
LEAD_WEIGHT = 1.0
LEAD_DECAY = 0.5
CENTRALITY_WEIGHT = 1.0  # TextRank score, scaled so the article's best sentence is 1
LENGTH_WEIGHT = 0.5  # up to this much for sentences of IDEAL_WORDS words or more
IDEAL_WORDS = 25
QUOTE_PENALTY = 0.2  # sentences that are mostly a direct quote
REDUNDANCY = 0.6  # skip a pick whose word overlap with an earlier pick exceeds this
MIN_WORDS = 6
KEEP_LEAD = True  # the first real sentence is always in: it is the news
MAX_WORDS = 90  # a summary is read at a glance: lead-3 of a news story is ~75 words
MAX_SCORED = 80  # only the first sentences compete: keeps TextRank (quadratic) fast on long pieces

_QUOTE_CHARS = re.compile(r"[\"“”]")
_BOILERPLATE = re.compile(
    r"^(?:read more|click here|sign up|subscribe|follow us|share this|related:|see also|"
    r"watch:|listen:|advertisement|photo:|image:|picture:|pictured:|caption:|credit:|"
    r"getty images|reuters/|ap photo|copyright|all rights reserved|scroll down)"
    r"|(?:\((?:photo|image|picture|credit)[^)]*\)|getty images|/reuters|ap photo)\s*$"
    r"|\b(?:click here|read more|sign up for|subscribe to our|newsletter|follow us on)\b",
    re.IGNORECASE,
)
# A photo caption: a direction marker ("(pictured)", "(left)", ", right,"), or a one- or
# two-word label before a colon ("Strain: Lee Rowlands, right, and ..."). Never a summary line.
_CAPTION = re.compile(
    r"\((?:pictured|left|right|centre|center|above|below|top|bottom|inset|file photo|far left|far right|"
    r"second (?:left|right)|front|back|seated|standing)\b[^)]{0,40}\)|\bpictured\b|"
    r",\s(?:left|right|centre|center|above|below|inset)\s?,|"
    r"^[A-Z][\w'’-]*(?:\s[\w'’-]+)?:\s+(?=[A-Z‘'\"“])(?!.*\b(?:said|says|told|added)\b.{0,3}$)",
)
_SPEECH_LABEL = re.compile(r"^[A-Z][\w'’-]*(?:\s[\w'’-]+)?\s(?:said|says|told|added|asked|wrote):")
_FIGURE_TOKEN = re.compile(r"\S*\d\S*")
_READER_QUESTION = re.compile(r"\b(?:you|your|yours|we)\b", re.IGNORECASE)


_UNSPACED = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")  # kana and Han


@lru_cache(maxsize=4096)  # asked for the same sentence by the candidate test, the score and the budget
def word_count(sentence: str) -> int:
    """Words of a sentence; Chinese and Japanese write no spaces, so two of their characters
    count as a word (about what a reader takes in as one)."""
    unspaced = len(_UNSPACED.findall(sentence))
    if not unspaced:
        return len(sentence.split())
    spaced = [t for t in _UNSPACED.sub(" ", sentence).split() if any(c.isalnum() for c in t)]
    return len(spaced) + (unspaced + 1) // 2


def _is_candidate(sentence: str) -> bool:
    """False for fragments that make poor summary lines: too short, captions, calls to
    action, questions to the reader, headings (no final punctuation), lines of figures."""
    end = sentence.rstrip("\"'”’)]」』）")
    if not end or end[-1] not in ".!?…。！？":
        return False  # a heading or photo caption, not a sentence
    words = word_count(sentence)
    if words < MIN_WORDS or _BOILERPLATE.search(sentence):
        return False
    if _CAPTION.search(sentence) and not _SPEECH_LABEL.match(sentence):
        return False
    if len(_FIGURE_TOKEN.findall(sentence)) * 2 >= words:
        return False  # a date line, a fixture list, a table row: figures, not a sentence
    if end.endswith("?") and (_READER_QUESTION.search(sentence) or not _QUOTE_CHARS.search(sentence)):
        return False  # "What do you think?" / rhetorical questions
    if _splits_a_quote(sentence):
        return False  # read alone, half a quotation passes someone's words off as fact
    return True


_CLOSING_STRAIGHT = re.compile(r"[,.!?]\"(?=\s|$)")


def _splits_a_quote(sentence: str) -> bool:
    """True when the sentence starts or ends inside a quotation that another sentence
    opens or closes ("…in the spring,” said Kershaw." after the quote's first sentence)."""
    if sentence.count("“") != sentence.count("”"):
        return True
    straight = sentence.count('"')
    if straight % 2:
        first = sentence.index('"')
        return bool(_CLOSING_STRAIGHT.match(sentence, first - 1)) if first else False
    return False


def _quote_share(sentence: str) -> float:
    """Fraction of the sentence's characters inside double quotes."""
    inside = sum(len(m) for m in re.findall(r"[\"“]([^\"”]*)[\"”]", sentence))
    return inside / max(len(sentence), 1)


def _similarities(bags: list[Counter[str]]) -> list[list[float]]:
    """TextRank's word-overlap similarity for every pair of bags (0 on the diagonal):
    shared words (with counts) over the sum of the logs of the two lengths (+1).

    Computed from the words' postings, so only pairs that share a word cost anything:
    intersecting Counters pair by pair made a long article's summary cost more than the
    rest of its analysis. Integer counts and the same float operations give the same figures.
    """
    n = len(bags)
    postings: dict[str, list[tuple[int, int]]] = {}
    for i, bag in enumerate(bags):
        for word, count in bag.items():
            postings.setdefault(word, []).append((i, count))
    shared: list[dict[int, int]] = [{} for _ in range(n)]  # shared[i][j] for j > i
    for posting in postings.values():
        for k, (i, ci) in enumerate(posting):
            row = shared[i]
            for j, cj in posting[k + 1:]:
                row[j] = row.get(j, 0) + (min(cj, ci))
    logs = [math.log(sum(bag.values()) + 1) for bag in bags]
    sim = [[0.0] * n for _ in range(n)]
    for i, row in enumerate(shared):
        for j, count in row.items():
            # float addition commutes exactly: sim[i][j] == sim[j][i]
            sim[i][j] = sim[j][i] = count / (logs[i] + logs[j])
    return sim


def _textrank(bags: list[Counter[str]], iterations: int = 30, damping: float = 0.85) -> list[float]:
    n = len(bags)
    if n == 0:
        return []
    sim = _similarities(bags)
    out_sum = [sum(row) or 1.0 for row in sim]
    # weights[i][j]: the weight of the edge j -> i, 0.0 where there is none
    weights = [[sim[j][i] / out_sum[j] if sim[j][i] else 0.0 for j in range(n)] for i in range(n)]
    # A sentence linked to most others sums over the whole row: adding 0.0 leaves a float sum
    # unchanged, so this equals the sum over its edges alone, without looking each source up.
    # A sparsely linked one sums over its edges only.
    sources = [None if sum(map(bool, row)) * 2 > n else [j for j in range(n) if row[j]] for row in weights]
    edges = [row if js is None else [row[j] for j in js] for row, js in zip(weights, sources)]
    rank = [1.0] * n
    base = 1 - damping
    for _ in range(iterations):
        get = rank.__getitem__
        rank = [base + damping * sum(map(mul, ws, rank if js is None else map(get, js)))
                for js, ws in zip(sources, edges)]
    top = max(rank) or 1.0
    return [r / top for r in rank]


def score_sentences(sentences: list[str]) -> list[float]:
    """Summary-worthiness of each sentence (higher is better; -inf for non-candidates)."""
    bags = [Counter(content_terms(s)) for s in sentences]
    centrality = _textrank(bags)
    scores = []
    for i, sentence in enumerate(sentences):
        if not _is_candidate(sentence):
            scores.append(float("-inf"))
            continue
        words = word_count(sentence)
        score = LEAD_WEIGHT / (1 + i) ** LEAD_DECAY
        score += CENTRALITY_WEIGHT * centrality[i]
        score += LENGTH_WEIGHT * min(words, IDEAL_WORDS) / IDEAL_WORDS
        score -= QUOTE_PENALTY * min(1.0, 2 * _quote_share(sentence))
        scores.append(score)
    return scores


def _redundant(bag: Counter[str], chosen: list[Counter[str]]) -> bool:
    size = sum(bag.values()) or 1
    return any(sum((bag & other).values()) / size > REDUNDANCY for other in chosen)


def summarize(article: Article, max_sentences: int = 3) -> list[str]:
    """Up to ``max_sentences`` sentences of ``article.body``, verbatim and in article order."""
    sentences = split_sentences(article.body)[:MAX_SCORED]
    if max_sentences <= 0 or not sentences:
        return []
    scores = score_sentences(sentences)
    order = sorted(range(len(sentences)), key=lambda i: (-scores[i], i))
    lead = next((i for i, s in enumerate(scores) if s != float("-inf")), None)
    if KEEP_LEAD and lead is not None:
        order.remove(lead)
        order.insert(0, lead)
    picked: list[int] = []
    bags: list[Counter[str]] = []
    words = 0
    for i in order:
        if len(picked) >= max_sentences or scores[i] == float("-inf"):
            break
        size = word_count(sentences[i])
        if picked and MAX_WORDS is not None and words + size > MAX_WORDS:
            continue  # a shorter sentence further down may still fit
        bag = Counter(content_terms(sentences[i]))
        if _redundant(bag, bags):
            continue
        picked.append(i)
        bags.append(bag)
        words += size
    if not picked:  # nothing looked like a sentence: fall back to the first lines
        picked = list(range(min(max_sentences, len(sentences))))
    return [sentences[i] for i in sorted(picked)]


# --- headlines ---------------------------------------------------------------------

# Where a long lead sentence can be cut and still read as a headline: before a
# subordinate clause or after a clause-closing comma/colon/dash.
_CLAUSE_BREAK = re.compile(
    r"\s*[,;:–—]\s+|\s+-\s+|\s+(?=(?:which|who|whose|while|after|before|as|because|"
    r"although|though|when|where|amid|despite|following|according|but|and|with|in|on|at|"
    r"for|to|from|by|that)\b)"
)


def make_headline(article: Article, max_chars: int = 110) -> str:
    """One line from the lead sentence; cut at a clause boundary (then a word boundary)
    to at most ``max_chars`` characters, ending with "…" only when cut."""
    first = next((s for s in split_sentences(article.body) if _is_candidate(s)), None)
    if first is None:
        first = next(iter(split_sentences(article.body)), article.title or "")
    lead = " ".join(first.split())
    if len(lead) <= max_chars:
        return lead
    budget = max_chars - 1  # room for the ellipsis
    floor = max(budget // 2, 1)  # a cut shorter than this throws away too much
    cut = None
    for m in _CLAUSE_BREAK.finditer(lead, 0, budget + 1):
        if floor <= m.start() <= budget:
            cut = m.start()
    if cut is None:
        space = lead.rfind(" ", 0, budget + 1)
        cut = space if space > 0 else budget
    return lead[:cut].rstrip(" ,;:–—-(\"“'") + "…"
