"""The recent articles a new one is compared with: near-duplicate fingerprints and an inverted
index of term vectors, so finding the closest story costs the terms shared, not a pass over
every recent article."""

from __future__ import annotations

import math
from collections import defaultdict

from digests.similarity import near_duplicate

__all__ = ["RecentArticles"]

_MASK64 = (1 << 64) - 1


class RecentArticles:
    def __init__(self) -> None:
        self._fingerprints: list[tuple[int, int]] = []  # (article id, unsigned fingerprint)
        self._postings: dict[str, list[tuple[int, float]]] = defaultdict(list)
        self._norms: dict[int, float] = {}
        self._stories: dict[int, str] = {}

    def __len__(self) -> int:
        return len(self._stories)

    def add(self, article_id: int, story_id: str, fingerprint: int | None, vector: dict[str, float] | None) -> None:
        self._stories[article_id] = story_id
        if fingerprint is not None:
            self._fingerprints.append((article_id, fingerprint & _MASK64))
        if vector:
            for term, weight in vector.items():
                self._postings[term].append((article_id, weight))
            self._norms[article_id] = math.sqrt(sum(w * w for w in vector.values()))

    def duplicate_of(self, fingerprint: int) -> int | None:
        """The first recent article whose text is a near-identical copy."""
        fingerprint &= _MASK64
        return next((aid for aid, other in self._fingerprints if near_duplicate(fingerprint, other)), None)

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
