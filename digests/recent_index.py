"""The recent articles a new one is compared with: near-duplicate fingerprints split into LSH
bands and an inverted index of term vectors, so a near-duplicate look-up costs the articles
sharing a band and finding the closest story costs the terms shared, not a pass over every
recent article."""

from __future__ import annotations

import math
from collections import defaultdict

from digests.similarity import NEAR_DUPLICATE_BITS, near_duplicate

__all__ = ["BANDS", "RecentArticles", "bands"]

_MASK64 = (1 << 64) - 1
# Pigeonhole: two fingerprints at most NEAR_DUPLICATE_BITS apart differ in at most that many
# of NEAR_DUPLICATE_BITS + 1 bands, so they agree on at least one whole band. Looking up only
# the articles that share a band therefore misses no near-duplicate (exact, not approximate).
BANDS = NEAR_DUPLICATE_BITS + 1
_BAND_BITS = 64 // BANDS


def bands(fingerprint: int) -> list[int]:
    """The fingerprint's LSH bands (unsigned), lowest bits first; the last band takes the rest."""
    fingerprint &= _MASK64
    out = [(fingerprint >> (i * _BAND_BITS)) & ((1 << _BAND_BITS) - 1) for i in range(BANDS - 1)]
    out.append(fingerprint >> ((BANDS - 1) * _BAND_BITS))
    return out


class RecentArticles:
    def __init__(self) -> None:
        self._fingerprints: list[tuple[int, int]] = []  # (article id, unsigned fingerprint)
        # One table per band: band value -> positions in _fingerprints.
        self._bands: list[dict[int, list[int]]] = [defaultdict(list) for _ in range(BANDS)]
        self._postings: dict[str, list[tuple[int, float]]] = defaultdict(list)
        self._norms: dict[int, float] = {}
        self._stories: dict[int, str] = {}

    def __len__(self) -> int:
        return len(self._stories)

    def add(self, article_id: int, story_id: str, fingerprint: int | None, vector: dict[str, float] | None) -> None:
        self._stories[article_id] = story_id
        if fingerprint is not None:
            for table, value in zip(self._bands, bands(fingerprint)):
                table[value].append(len(self._fingerprints))
            self._fingerprints.append((article_id, fingerprint & _MASK64))
        if vector:
            for term, weight in vector.items():
                self._postings[term].append((article_id, weight))
            self._norms[article_id] = math.sqrt(sum(w * w for w in vector.values()))

    def duplicate_of(self, fingerprint: int) -> int | None:
        """The first recent article (in the order they were added) whose text is a
        near-identical copy; only the articles sharing a band with it are compared."""
        fingerprint &= _MASK64
        candidates: set[int] = set()
        for table, value in zip(self._bands, bands(fingerprint)):
            candidates.update(table.get(value, ()))
        for position in sorted(candidates):
            aid, other = self._fingerprints[position]
            if near_duplicate(fingerprint, other):
                return aid
        return None

    def closest_story(self, vector: dict[str, float]) -> tuple[float, str | None]:
        """(cosine, story id) of the most similar recent article; ties go to the oldest."""
        if not vector:
            return 0.0, None
        dots: dict[int, float] = defaultdict(float)
        for term, weight in vector.items():
            for aid, other in self._postings.get(term, ()):
                dots[aid] += weight * other
        norm = math.sqrt(sum(w * w for w in vector.values()))
        best_score, best_id = 0.0, None
        for aid, dot in dots.items():
            score = dot / (norm * self._norms[aid]) if norm and self._norms.get(aid) else 0.0
            if score > best_score or (score == best_score and best_id is not None and aid < best_id):
                best_score, best_id = score, aid
        return best_score, (self._stories[best_id] if best_id is not None else None)
