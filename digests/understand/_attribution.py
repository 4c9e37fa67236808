"""Who said each quote: attribution verbs before or after it, pronouns, descriptions, carry-over.

The document is read in order, as a reader would: each sentence's subject and each quote's
speaker become the "salient" entities that a later "he said" or "the company said" refers to.
"""

from __future__ import annotations

from ._descriptions import describe_speaker, modifies_title
from ._gender import estimate_genders
from ._lexicon import SPEECH_VERBS
from ._quote_spans import QuoteSpan
from ._subjects import clause_end
from ._text import Token, norm_word, paragraph_spans, sentence_spans, tokens_in
from ._verb_subjects import (
    CLOSING_MARKS,
    OPENING_MARKS,
    ORG_HEADS,
    PREPOSITIONS,
    SUBJECT_PRONOUNS,
    VerbSubjects,
)
from .people import PeopleIndex

__all__ = ["attribute"]

_CLAUSE_WORDS = {"and", "but", "or", "so", "while", "because", "before", "after", "when", "that", "which",
                 "as", "since", "although", "though", "if", "until"}
_GAP_OK = {"the", "a", "an", "also", "later", "then", "once", "again", "has", "had", "have", "who", "was",
           "is", "he", "she", "they", "it", "of", "for", "to", "and", "at", "on", "in", "as", "by", "but",
           "would", "will", "after", "when", "before", "this", "that", "last", "earlier", "previously"}


class _Reader(VerbSubjects):
    def __init__(self, body: str, index: PeopleIndex, protected: list[tuple[int, int]] | None = None):
        self.body, self.index = body, index
        self.history: list[int] = []  # entity indices, most recent last
        self.cursor = 0  # start of the sentence being read
        self.protected = protected or []  # the quotes' spans, marks included
        # known from honorifics, gendered roles and pronoun agreement; learned as pronouns resolve
        self.gender: dict[int, str] = estimate_genders(body, index, protected or [])

    def subject_of(self, start: int, end: int, exclude: set[int]) -> int | None:
        """The first entity named (or pronoun) in body[start:end], resolved."""
        toks = tokens_in(self.body, start, end)
        skip = clause_end(toks)
        if skip:
            found = self.subject_of(toks[skip].start, end, exclude)
            if found is not None:
                return found  # "When asked about Vale, Dorn said": the subject follows the clause
        mentions = self.mentions_in(start, end)
        prev = ""
        for tok in toks:
            m = next((m for m in mentions if m[0] == tok.start), None)
            if m and m[2] not in exclude and not self.possessive(m[1]) and prev not in PREPOSITIONS \
                    and not self._modifier(m, mentions):
                return m[2]
            low = norm_word(tok.text).split("'")[0]
            prev = low
            if low in SUBJECT_PRONOUNS and not tok.possessive:
                return self.resolve_pronoun(low, exclude)
            if low == "the":
                desc = self._description_at(toks, toks.index(tok))
                if desc and desc[-1] in ORG_HEADS:
                    # "The company that runs the AMAs, Dick Clark Productions, denies…"
                    later = [m for m in mentions if m[0] > tok.start and self.kind(m[2]) == "org"]
                    apposed = [m for m in later if self.body[:m[0]].rstrip().endswith(",")]
                    if apposed or later:
                        return (apposed or later)[0][2]
                found = self.resolve_description(desc, exclude) if desc else None
                if found is not None:
                    return found
        return None

    def _modifier(self, m: tuple[int, int, int], mentions: list[tuple[int, int, int]]) -> bool:
        """"Trump senior communications adviser Jason Miller": Trump only modifies Miller's title."""
        nxt = next((n for n in mentions if n[0] > m[1]), None)
        return nxt is not None and self.kind(nxt[2]) == "person" and \
            modifies_title(tokens_in(self.body, m[1], nxt[0]))

    def _description_at(self, toks: list[Token], i: int) -> list[str] | None:
        words = []
        for tok in toks[i: i + 5]:
            low = norm_word(tok.text)
            if low in SPEECH_VERBS or not tok.text[0].isalpha() or low in {"that", "who", "which"}:
                break
            words.append(low)
        return words if len(words) >= 2 else None

    # -- attribution ---------------------------------------------------------------------
    def after(self, q: QuoteSpan, limit: int) -> int | None:
        """"…," Trump wrote / "…," said Waltz / "…," the Ukrainian leader said."""
        toks = tokens_in(self.body, q.close_mark + 1, limit)
        if toks and toks[0].text == ",":
            toks = toks[1:]  # «…», said X: the comma stands outside the closing mark
        exclude: set[int] = set()
        words = [norm_word(t.text) for t in toks]
        if words[:2] == ["according", "to"]:
            return self.subject_of(toks[1].end, limit, exclude) if len(toks) > 2 else None
        apposed = self._apposed_speaker(toks, words)
        if apposed is not None:
            return apposed
        verb = next((i for i, w in enumerate(words[:16]) if w in SPEECH_VERBS), None)
        if verb is None:
            return None
        if toks[-1].text == ":" and limit < len(self.body) and self.body[limit] in OPENING_MARKS:
            return None  # "“A.” Dorn said: “B.”": Dorn introduces the next quote, not this one
        gap = toks[:verb]
        gap_text_start = gap[0].start if gap else toks[verb].start
        # "he told Cook": whoever is told is not the speaker.
        after_verb_end = toks[min(len(toks) - 1, verb + 4)].end
        if words[verb] in {"told", "tells", "telling"}:
            exclude = {m[2] for m in self.mentions_in(toks[verb].end, after_verb_end)}
        if gap and len(gap) <= 30 and norm_word(gap[0].text) not in PREPOSITIONS - {"the"}:
            near = self.subject_at_verb(toks, verb, exclude)
            if not isinstance(near, bool) and self._starts_its_clause(gap, near):
                return near  # "…," the White House spokesman, Ida Vale, said on Monday.
        if gap and not self._gap_is_subject(gap):
            return None
        if gap:
            found = self.subject_of(gap_text_start, toks[verb].start, exclude)
            return found if found is not None else describe_speaker(gap)
        found = self.speaker_after_verb(toks, verb, exclude)
        if found is not None:
            return found
        found = self.subject_of(toks[verb].end, toks[min(len(toks) - 1, verb + 12)].end, exclude)
        return found if found is not None else describe_speaker(toks[verb + 1:])

    def _starts_its_clause(self, gap: list[Token], entity: int | None) -> bool:
        """Whether nothing but a title stands between the last comma before ``entity``'s name in
        the gap and the name: "…," the spokesman, Ida Vale, said — not "…" from the port before
        noon, and Vale said (a new clause, whose verb is not the quote's)."""
        named = [m for m in self.mentions_in(gap[0].start, gap[-1].end) if m[2] == entity]
        if entity is None or not named:
            return True  # a pronoun right before the verb
        start = named[-1][0]
        lead = [t for t in gap if t.end <= start]
        comma = max((i for i, t in enumerate(lead) if t.text == ","), default=-1)
        return not any(norm_word(t.text) in _CLAUSE_WORDS for t in lead[comma + 1:])

    def _apposed_speaker(self, toks: list[Token], words: list[str]) -> int | None:
        """"…," Trump, the 2016 GOP frontrunner and polling leader in South Carolina, said."""
        if len(toks) < 4:
            return None
        m = next((m for m in self.mentions_in(toks[0].start, toks[-1].end) if m[0] == toks[0].start), None)
        if m is None or self.kind(m[2]) != "person":
            return None
        i = next((i for i, t in enumerate(toks) if t.start >= m[1]), len(toks))
        if i >= len(toks) or toks[i].text != ",":
            return None
        close = next((j for j in range(i + 1, min(len(toks), i + 40)) if toks[j].text in {",", ".", ";"}), None)
        if close is None or toks[close].text != ",":
            return None
        after = words[close + 1: close + 3]
        if after[:1] and (after[0] in SPEECH_VERBS or (after[0].endswith("ly") and after[1:2]
                                                           and after[1] in SPEECH_VERBS)):
            return m[2]
        return None

    def _gap_is_subject(self, gap: list[Token]) -> bool:
        # "state Sen. Jason Holsman (D) said": a parenthesised party label is not part of the gap
        inside = False
        kept = []
        for t in gap:
            if t.text in {"(", ")"}:
                inside = t.text == "("
            elif not inside:
                kept.append(t)
        gap = kept
        if not gap:
            return True
        mentions = self.mentions_in(gap[0].start, gap[-1].end)
        covered = {t.start for t in gap for m in mentions if m[0] <= t.start < m[1]}
        depth = 0
        for t in gap:
            if t.text == ",":
                depth = 1 - depth if t is not gap[0] else depth
                continue
            if depth or t.start in covered:
                continue
            low = norm_word(t.text)
            if low in _GAP_OK or t.text[0].isupper() or low.endswith("ly") or t.text in {"”", "\""}:
                continue
            if len(gap) <= 6:
                continue  # short descriptions: "the Ukrainian leader", "the veteran winger"
            return False
        return len(gap) <= 14

    def before(self, seg_start: int, q: QuoteSpan, sentence_start: int) -> int | None:
        """Morrison told the committee, "…" / Parise said: "…" / he added that "…"."""
        toks = tokens_in(self.body, seg_start, q.open_mark)
        if seg_start > sentence_start and not any(norm_word(t.text) in SPEECH_VERBS for t in toks):
            # "Vale said that “A” and “B”" / "On “This Week,” Vale said …, “C”": the sentence's
            # verb stands before an earlier quote; read the sentence without its quotes.
            toks = [t for t in tokens_in(self.body, sentence_start, q.open_mark)
                    if not any(a <= t.start < b for a, b in self.protected)]
            seg_start = sentence_start
        # "When Vale suggested a deal, Dorn fired back: “…”": a verb inside an opening adverbial
        # clause is not the quote's, nor is an infinitive ("refusing to say the words").
        opening = clause_end(toks) if seg_start == sentence_start else 0
        verbs = [i for i, t in enumerate(toks) if i >= opening and norm_word(t.text) in SPEECH_VERBS
                 and not (i and norm_word(toks[i - 1].text) == "to")]
        if not verbs:
            return None
        v = verbs[-1]
        inverted = v == 0 or toks[v - 1].text in CLOSING_MARKS or (
            v == 1 and toks[0].text == ",")  # the segment starts right after the last quote
        if inverted and norm_word(toks[v].text) not in {"told", "tells", "tell"} and not toks[v].text.endswith("ing"):
            # "…,'' said Ada Miller, a co-author of ''Title''": the inverted verb's subject follows it
            found = self.speaker_after_verb(toks, v, set())
            if found is not None:
                return found
        if toks[v].text.endswith("ing") and v and toks[v - 1].text == ",":
            # "Ada Vale echoed the criticism, saying …": the participle's subject is the clause's
            found = self.clause_subject(toks, v - 1)
            if found is not None:
                return found
        for candidate in reversed(verbs):
            near = self.subject_at_verb(toks, candidate, set())
            if near is True:
                continue  # "Vale said he … and added, “…”": the earlier verb's subject
            if near is not False:
                return near
            break
        found = self.subject_of(seg_start, toks[v].start, set()) if v else None
        if found is None and seg_start > sentence_start:
            found = self.subject_of(sentence_start, toks[v].start, set())
        if found is None and v:
            found = describe_speaker(tokens_in(self.body, sentence_start, toks[v].start))
        return found

    def reports_speech(self, ss: int, se: int, protected: list[tuple[int, int]]) -> bool:
        """A sentence of reported speech ("X said he …") or one introducing a quote ("X continued:")."""
        if self.body[ss:se].rstrip().endswith(":"):
            return True
        return any(norm_word(t.text) in SPEECH_VERBS for t in tokens_in(self.body, ss, se)
                   if not any(a <= t.start < b for a, b in protected))

    def names_anyone(self, start: int, end: int) -> bool:
        """Whether body[start:end] names an entity, says "he"/"she"/"they" or has a speech verb."""
        if self.mentions_in(start, end):
            return True
        return any(norm_word(t.text) in SUBJECT_PRONOUNS or norm_word(t.text) in SPEECH_VERBS
                   or norm_word(t.text) in {"i", "we", "you"} for t in tokens_in(self.body, start, end))

    def remember(self, entity: int | str | None) -> None:
        if isinstance(entity, int):
            self.history.append(entity)


def attribute(body: str, spans: list[QuoteSpan], index: PeopleIndex) -> list[int | str | None]:
    """The speaking entity (index into ``index.people``) for each span, a description
    ("WeWork spokesperson") when the speaker is not named, or None."""
    protected = [(q.open_mark, q.close_mark + 1) for q in spans]
    reader = _Reader(body, index, protected)
    speakers: list[int | str | None] = [None] * len(spans)
    last_para_speaker: int | str | None = None
    for p_index, (ps, pe) in enumerate(paragraph_spans(body)):
        para_speaker: int | str | None = None
        last_sentence: tuple[int, int, int | None] = (ps, ps, None)
        for ss, se in sentence_spans(body, ps, pe, protected):
            qs = [i for i, q in enumerate(spans) if ss <= q.open_mark < se]
            reader.cursor = ss
            if qs and body[ss:spans[qs[0]].open_mark].strip():
                # "Vale, the agency head, said that … which he added “…”": the sentence's own
                # subject is the nearest antecedent of a pronoun later in it.
                reader.remember(reader.subject_of(ss, spans[qs[0]].open_mark, set()))
            seg = ss
            for i in qs:
                q = spans[i]
                nxt = next((spans[j].open_mark for j in qs if spans[j].open_mark > q.close_mark), se)
                who = reader.after(q, min(nxt, se)) if q.close_mark < pe else None
                if who is None:
                    who = reader.before(seg, q, ss)
                if who is None and q.continues:
                    who = last_para_speaker
                if who is None and body[ss:q.open_mark].strip() == "":
                    who = para_speaker  # "A," X said. "B." — the second part
                    if who is None and q.open_mark == ps:
                        who = last_para_speaker  # a paragraph that carries on the last speaker's words
                if who is None and para_speaker is not None and not reader.names_anyone(seg, q.open_mark):
                    who = para_speaker  # "…,'' said Vale. Now, ''…''": nobody else is named before it
                if who is None and body[ss:q.open_mark].strip():
                    who = reader.subject_of(ss, q.open_mark, set())  # a fragment woven into a sentence
                speakers[i] = who
                if who is not None:
                    para_speaker = who
                seg = q.close_mark + 1
            subject = _sentence_subject(reader, ss, se, spans, qs)
            last_sentence = (ss, se, subject)
            reader.remember(subject)
            for i in qs:
                reader.remember(speakers[i])
        if para_speaker is not None:
            last_para_speaker = para_speaker
        elif not any(q.paragraph == p_index for q in spans):
            # "X said he … ¶ “…”" / "Cruz continued: ¶ “…”": the quote paragraph is X's.
            ss, se, subject = last_sentence
            # "Vale praised the governor's record. ¶ “…”": a reader gives the quote to the person the
            # paragraph ended on even without a speech verb; an organisation needs one.
            last_para_speaker = subject if subject is not None and (
                reader.kind(subject) == "person" or reader.reports_speech(ss, se, protected)) else None
    return speakers


def _sentence_subject(reader: _Reader, ss: int, se: int, spans: list[QuoteSpan], qs: list[int]) -> int | None:
    """The sentence's subject: its first entity outside quotes."""
    cursor = ss
    for i in qs:
        found = reader.subject_of(cursor, spans[i].open_mark, set()) if spans[i].open_mark > cursor else None
        if found is not None:
            return found
        cursor = spans[i].close_mark + 1
    return reader.subject_of(cursor, se, set()) if cursor < se else None
