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
from typing import Callable

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


def _per_page(runs: dict[str, Callable[[FetchedPage], object]], pages: list[FetchedPage],
              repeat: int) -> dict[str, float]:
    """Milliseconds per page for each runner.

    The machine is shared, so the runners take turns page by page (both see the same load)
    and each page counts with its fastest of ``repeat`` runs.
    """
    best = {name: [float("inf")] * len(pages) for name in runs}
    for _ in range(repeat):
        for i, page in enumerate(pages):
            for name, run in runs.items():
                start = time.perf_counter()
                run(page)
                best[name][i] = min(best[name][i], time.perf_counter() - start)
    return {name: sum(times) / len(pages) * 1000 for name, times in best.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    if not DEV.exists():
        sys.exit(f"{DEV} not found: run from the repository root with ../shared present")
    pages = _pages()
    runs: dict[str, Callable[[FetchedPage], object]] = {
        "trafilatura": lambda p: trafilatura.extract(p.text, include_comments=False),
        "ours": extract,
    }
    _per_page(runs, pages[:5], 1)  # warm caches and imports
    times = _per_page(runs, pages, args.repeat)
    plain, ours = times["trafilatura"], times["ours"]
    print(f"pages: {len(pages)}, fastest of {args.repeat} runs per page, runners interleaved")
    print(f"trafilatura.extract  {plain:7.1f} ms/page")
    print(f"ours extract         {ours:7.1f} ms/page   ratio {ours / plain:.2f}x (target <= 1.30x)")
    try:
        analyze = importlib.import_module("digests.analyze").analyze
    except (ImportError, AttributeError):
        print("digests.analyze.analyze not found: full-analysis timing skipped")
        return
    except Exception as exc:  # another helper's module mid-edit must not hide our figures
        print(f"digests.analyze could not be imported ({type(exc).__name__}: {exc}): full-analysis timing skipped")
        return

    def full(page: FetchedPage) -> None:
        article = extract(page)
        if isinstance(article, Article):
            analyze(article)

    both = _per_page({"full": full}, pages, args.repeat)["full"]
    print(f"extract + analyze    {both:7.1f} ms/page   ratio {both / plain:.2f}x vs trafilatura.extract")

if __name__ == "__main__":
    main()
