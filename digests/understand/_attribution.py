"""Who said each quote: attribution verbs before or after it, pronouns, descriptions, carry-over.

The document is read in order, as a reader would: each sentence's subject and each quote's
speaker become the "salient" entities that a later "he said" or "the company said" refers to.
"""

from __future__ import annotations

import re

from ._descriptions import describe_speaker, modifies_title
from ._lexicon import ABBREVIATED_TITLES, LEADER_TITLES, PERSON_PRONOUNS, SPEECH_VERBS
from ._quote_spans import QuoteSpan
from ._text import Token, norm_word, paragraph_spans, sentence_spans, tokens_in
from .people import PeopleIndex

__all__ = ["attribute"]

_ORG_HEADS = {"company", "firm", "group", "ministry", "agency", "department", "organization", "organisation",
              "label", "statement", "network", "government", "union", "party", "office", "committee",
              "council", "club", "team", "studio", "service", "board", "campaign", "spokesperson",
              "spokesman", "spokeswoman", "kremlin", "police", "commission"}
_GAP_OK = {"the", "a", "an", "also", "later", "then", "once", "again", "has", "had", "have", "who", "was",
           "is", "he", "she", "they", "it", "of", "for", "to", "and", "at", "on", "in", "as", "by", "but",
           "would", "will", "after", "when", "before", "this", "that", "last", "earlier", "previously"}
_PREPOSITIONS = {"of", "to", "for", "with", "by", "from", "at", "in", "on", "about", "against", "into", "the",
                 "over", "under", "than", "between", "among", "toward", "towards", "via"}
_SUBJECT_PRONOUNS = {"he", "she", "they", "it"}


def _words(text: str) -> set[str]:
    out = set()
    for w in re.findall(r"[\w'’\-.]+", text.lower()):
        w = w.rstrip(".")
        out.add(ABBREVIATED_TITLES.get(w, w))
    return out


class _Reader:
    def __init__(self, body: str, index: PeopleIndex):
        self.body, self.index = body, index
        self.history: list[int] = []  # entity indices, most recent last
        self.gender: dict[int, str] = {}

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
        return None

    def resolve_description(self, words: list[str], exclude: set[int]) -> int | None:
        """"the Ukrainian leader" → the person whose role says Ukrainian President."""
        words = [ABBREVIATED_TITLES.get(w, w) for w in words if w not in {"the", "a", "an"}]
        if not words:
            return None
        head = words[-1]
        if head in _ORG_HEADS:
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

    def subject_of(self, start: int, end: int, exclude: set[int]) -> int | None:
        """The first entity named (or pronoun) in body[start:end], resolved."""
        toks = tokens_in(self.body, start, end)
        mentions = self.mentions_in(start, end)
        prev = ""
        for tok in toks:
            m = next((m for m in mentions if m[0] == tok.start), None)
            if m and m[2] not in exclude and not self.possessive(m[1]) and prev not in _PREPOSITIONS \
                    and not self._modifier(m, mentions):
                return m[2]
            low = norm_word(tok.text).split("'")[0]
            prev = low
            if low in _SUBJECT_PRONOUNS and not tok.possessive:
                return self.resolve_pronoun(low, exclude)
            if low == "the":
                desc = self._description_at(toks, toks.index(tok))
                if desc and desc[-1] in _ORG_HEADS:
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
        gap = toks[:verb]
        gap_text_start = gap[0].start if gap else toks[verb].start
        if gap and not self._gap_is_subject(gap):
            return None
        # "he told Cook": whoever is told is not the speaker.
        after_verb_end = toks[min(len(toks) - 1, verb + 4)].end
        if words[verb] in {"told", "tells", "telling"}:
            exclude = {m[2] for m in self.mentions_in(toks[verb].end, after_verb_end)}
        if gap:
            found = self.subject_of(gap_text_start, toks[verb].start, exclude)
            return found if found is not None else describe_speaker(gap)
        found = self.subject_of(toks[verb].end, toks[min(len(toks) - 1, verb + 12)].end, exclude)
        return found if found is not None else describe_speaker(toks[verb + 1:])

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
        verbs = [i for i, t in enumerate(toks) if norm_word(t.text) in SPEECH_VERBS]
        if not verbs:
            return None
        v = verbs[-1]
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

    def remember(self, entity: int | str | None) -> None:
        if isinstance(entity, int):
            self.history.append(entity)


def attribute(body: str, spans: list[QuoteSpan], index: PeopleIndex) -> list[int | str | None]:
    """The speaking entity (index into ``index.people``) for each span, a description
    ("WeWork spokesperson") when the speaker is not named, or None."""
    reader = _Reader(body, index)
    speakers: list[int | str | None] = [None] * len(spans)
    protected = [(q.open_mark, q.close_mark + 1) for q in spans]
    last_para_speaker: int | str | None = None
    for p_index, (ps, pe) in enumerate(paragraph_spans(body)):
        para_speaker: int | str | None = None
        last_sentence: tuple[int, int, int | None] = (ps, ps, None)
        for ss, se in sentence_spans(body, ps, pe, protected):
            qs = [i for i, q in enumerate(spans) if ss <= q.open_mark < se]
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
            last_para_speaker = subject if subject is not None and reader.reports_speech(ss, se, protected) \
                else None
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
