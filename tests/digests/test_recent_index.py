"""The inverted index gives the same closest story as comparing with every article."""

import random

from digests.recent_index import RecentArticles
from digests.similarity import cosine, fingerprint, term_vector
from tests.news_factory import article_text


def test_closest_story_matches_brute_force_cosine():
    rng = random.Random(3)
    index, vectors = RecentArticles(), {}
    for aid in range(1, 120):
        vec = term_vector(" ".join(article_text(aid, paragraphs=2)))
        vectors[aid] = (f"s{aid % 40}", vec)
        index.add(aid, f"s{aid % 40}", None, vec)
    for seed in rng.sample(range(1000, 5000), 25):
        query = term_vector(" ".join(article_text(seed, paragraphs=2)))
        brute = max(((cosine(query, v), -aid, sid) for aid, (sid, v) in vectors.items()))
        score, story = index.closest_story(query)
        assert abs(score - brute[0]) < 1e-9 and story == brute[2]


def test_duplicate_of_finds_the_wire_copy_only():
    index = RecentArticles()
    text = " ".join(article_text(7))
    index.add(1, "s1", fingerprint(text), None)
    index.add(2, "s2", fingerprint(" ".join(article_text(8))), None)
    assert index.duplicate_of(fingerprint(text + " Copyright Other Site.")) == 1
    assert index.duplicate_of(fingerprint(" ".join(article_text(9)))) is None
    assert index.closest_story({}) == (0.0, None)


def test_band_lookup_gives_the_same_duplicate_as_comparing_with_every_article():
    """Fingerprints 0-6 bits from stored ones (both sides of the 3-bit threshold), signed and
    unsigned: the banded look-up answers exactly what the pass over every article answers."""
    from digests.similarity import near_duplicate

    rng = random.Random(11)
    index, stored = RecentArticles(), []
    for aid in range(1, 400):
        fp = rng.getrandbits(64) if aid % 5 else stored[rng.randrange(len(stored))][1] ^ (1 << rng.randrange(64))
        fp = fp - (1 << 64) if fp >= 1 << 63 else fp  # stored signed, as the database holds it
        stored.append((aid, fp & ((1 << 64) - 1)))
        index.add(aid, f"s{aid}", fp, None)
    for _ in range(600):
        base = rng.choice(stored)[1]
        for bit in rng.sample(range(64), rng.randrange(7)):
            base ^= 1 << bit
        brute = next((aid for aid, other in stored if near_duplicate(base, other)), None)
        assert index.duplicate_of(base) == brute
