"""Why extraction reads pages with lxml and not BeautifulSoup: time per page on the 88 dev
pages for a bare parse with lxml, a BeautifulSoup parse (with lxml as its parser, its fastest),
and trafilatura's whole extraction, in one run.

    python benchmarks/parser_speed.py [--repeat N]      (BeautifulSoup: pip install beautifulsoup4)

Each page counts with its fastest of N runs; the runners take turns page by page, so all see
the same load. beautifulsoup4 is not a dependency of newsdigest: without it, its row says so.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import lxml.html
import trafilatura

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from digests.extract import decode_html  # noqa: E402

DEV = Path(__file__).resolve().parents[2] / "shared" / "bench" / "extraction" / "dev" / "html"


def _fastest(fn, text: str, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        fn(text)
        best = min(best, time.perf_counter() - started)
    return best


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    if not DEV.exists():
        print("../shared not present (benchmark corpora live outside the package)")
        return 1
    texts = [decode_html(p.read_bytes()) for p in sorted(DEV.glob("*.html"))]
    runners = {"lxml.html parse": lxml.html.fromstring,
               "trafilatura.extract (whole extraction)": lambda t: trafilatura.extract(t)}
    try:
        from bs4 import BeautifulSoup

        runners["BeautifulSoup(html, 'lxml') parse"] = lambda t: BeautifulSoup(t, "lxml")
    except ImportError:
        print("BeautifulSoup: not installed (pip install beautifulsoup4) - row skipped")
    totals = dict.fromkeys(runners, 0.0)
    for text in texts:
        for name, fn in runners.items():
            totals[name] += _fastest(fn, text, args.repeat)
    base = totals["trafilatura.extract (whole extraction)"]
    print(f"{'runner':<42}{'ms/page':>10}{'x trafilatura':>15}")
    for name, total in totals.items():
        print(f"{name:<42}{total / len(texts) * 1000:>10.1f}{total / base:>15.2f}")
    print(f"({len(texts)} pages, fastest of {args.repeat} runs each)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
