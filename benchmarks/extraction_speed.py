"""Time per page on the 88 dev pages: ``trafilatura.extract`` alone, our ``extract``, and our
whole analysis (``analyze_page``: extract, people, quotes, summary), in one run.

    python benchmarks/extraction_speed.py [--repeat N]

Prints milliseconds per page for the three and the two ratios against trafilatura
(targets: extract <= 1.3x, whole analysis <= 2x). Pages are decoded once before timing,
so every runner gets the same text. The machine is shared: the runners take turns page by
page (all see the same load), each page counts with its fastest of N runs, and the load
average is printed before and after.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Callable

import trafilatura

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from digests.analyze import analyze_page  # noqa: E402
from digests.extract import decode_html, extract  # noqa: E402
from digests.models import FetchedPage  # noqa: E402

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


def _load() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.2f} (1 min), {five:.2f} (5 min) on {os.cpu_count()} cores"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    if not DEV.exists():
        sys.exit(f"{DEV} not found: run from the repository root with ../shared present")
    pages = _pages()
    runs: dict[str, Callable[[FetchedPage], object]] = {
        "trafilatura": lambda p: trafilatura.extract(p.text, include_comments=False),
        "extract": extract,
        "analysis": analyze_page,
    }
    _per_page(runs, pages[:5], 1)  # warm caches and imports
    before = _load()
    times = _per_page(runs, pages, args.repeat)
    plain, ours, full = times["trafilatura"], times["extract"], times["analysis"]
    print(f"pages: {len(pages)}, fastest of {args.repeat} runs per page, runners interleaved")
    print(f"before: {before}\nafter:  {_load()}")
    print(f"trafilatura.extract        {plain:7.1f} ms/page")
    print(f"ours extract               {ours:7.1f} ms/page   ratio {ours / plain:.2f}x (target <= 1.30x)")
    print(f"ours analyze_page (all)    {full:7.1f} ms/page   ratio {full / plain:.2f}x (target <= 2.00x)")
    print(f"  of which analysis        {full - ours:7.1f} ms/page")


if __name__ == "__main__":
    main()
