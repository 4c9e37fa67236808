"""Time per page: our ``extract`` against ``trafilatura.extract`` alone, on the 88 dev pages.

    python benchmarks/extraction_speed.py [--repeat N]

Prints milliseconds per page for both and their ratio (target: ours <= 1.3x). When a module
``digests.analyze`` with ``analyze(article)`` exists, also times extraction plus analysis.
Pages are decoded once before timing, so both sides get the same text.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
import time
from pathlib import Path

import trafilatura

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from digests.extract import decode_html, extract  # noqa: E402
from digests.models import Article, FetchedPage  # noqa: E402

DEV = Path("../shared/bench/extraction/dev")


def _pages() -> list[FetchedPage]:
    truth = json.loads((DEV / "ground-truth.json").read_text(encoding="utf-8"))
    pages = []
    for path in sorted((DEV / "html").glob("*.html")):
        url = truth.get(path.stem, {}).get("url") or f"https://example.invalid/{path.stem}"
        pages.append(FetchedPage(url=url, requested_url=url, text=decode_html(path.read_bytes()),
                                 content_type="text/html"))
    return pages


def _per_page(run, pages: list[FetchedPage], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):  # best of N: the machine is shared, the minimum is the least noisy
        start = time.perf_counter()
        for page in pages:
            run(page)
        best = min(best, time.perf_counter() - start)
    return best / len(pages) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    if not DEV.exists():
        sys.exit(f"{DEV} not found: run from the repository root with ../shared present")
    pages = _pages()
    _per_page(extract, pages[:5], 1)  # warm caches and imports
    plain = _per_page(lambda p: trafilatura.extract(p.text, include_comments=False), pages, args.repeat)
    ours = _per_page(extract, pages, args.repeat)
    print(f"pages: {len(pages)}, best of {args.repeat} runs")
    print(f"trafilatura.extract  {plain:7.1f} ms/page")
    print(f"ours extract         {ours:7.1f} ms/page   ratio {ours / plain:.2f}x (target <= 1.30x)")
    try:
        analyze = importlib.import_module("digests.analyze").analyze
    except (ImportError, AttributeError):
        print("digests.analyze.analyze not found: full-analysis timing skipped")
        return

    def full(page: FetchedPage) -> None:
        article = extract(page)
        if isinstance(article, Article):
            analyze(article)

    both = _per_page(full, pages, args.repeat)
    print(f"extract + analyze    {both:7.1f} ms/page   ratio {both / plain:.2f}x vs trafilatura.extract")


if __name__ == "__main__":
    main()
