"""Near-duplicate look-up cost against the size of the recent window: RecentArticles.duplicate_of
(LSH bands) next to the reference, a pass comparing with every recent fingerprint; the two
must give the same answers. Also prints the fingerprint's cost per article.

    python benchmarks/near_duplicates.py [--windows 5000 50000] [--lookups 2000]
    (target: look-up flat in the window size; fingerprint <= 1 ms per article)
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from digests.recent_index import RecentArticles
from digests.similarity import fingerprint, near_duplicate
from tests.news_factory import article_text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--windows", type=int, nargs="+", default=[5000, 50000])
    parser.add_argument("--lookups", type=int, default=2000)
    args = parser.parse_args()
    texts = [" ".join(article_text(i)) for i in range(200)]
    started = time.perf_counter()
    for text in texts:
        fingerprint(text)
    per_article = (time.perf_counter() - started) * 1000 / len(texts)
    print(f"fingerprint: {per_article:.2f} ms per article (target <= 1 ms; {len(texts)} generated articles)")
    print(f"{'window':>8} {'ours µs/lookup':>15} {'reference µs/lookup':>20} {'same answers':>13}")
    for window in args.windows:
        rng = random.Random(window)
        index, stored = RecentArticles(), []
        for aid in range(1, window + 1):
            fp = rng.getrandbits(64)
            stored.append((aid, fp))
            index.add(aid, f"s{aid}", fp, None)
        queries = []
        for _ in range(args.lookups):
            base = rng.choice(stored)[1] if rng.random() < 0.5 else rng.getrandbits(64)
            for bit in rng.sample(range(64), rng.randrange(5)):
                base ^= 1 << bit
            queries.append(base)
        t = time.perf_counter()
        ours = [index.duplicate_of(q) for q in queries]
        ours_us = (time.perf_counter() - t) * 1e6 / len(queries)
        ref_queries = queries[: max(50, len(queries) // 20)]
        t = time.perf_counter()
        ref = [next((aid for aid, other in stored if near_duplicate(q, other)), None) for q in ref_queries]
        ref_us = (time.perf_counter() - t) * 1e6 / len(ref_queries)
        same = ours[: len(ref)] == ref
        print(f"{window:>8} {ours_us:>15.1f} {ref_us:>20.1f} {same!s:>13}")


if __name__ == "__main__":
    main()
