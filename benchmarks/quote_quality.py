#!/usr/bin/env python3
"""Quote and people quality against hand-written gold files, scored by ../shared/tools/quote_score.py.

Run from the repo root:  python benchmarks/quote_quality.py [--verbose]

- tests/gold/*.gold.json: each names its page (``source``) in ../shared/bench/extraction/dev/;
  the article body is that page's gold ``articleBody`` (paragraphs joined by blank lines).
- the seed (../shared/seeds/*.gold.json): body = the .txt between ``body_starts_with`` and
  ``body_ends_with``.
Analysis JSON files go to a temporary directory; the scorer runs once over the six pages
(``--pairs``) and once over the seed, and its totals are printed.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from digests.models import Article, to_jsonable  # noqa: E402
from digests.understand.people import find_people  # noqa: E402
from digests.understand.quotes import find_quotes  # noqa: E402

SHARED = ROOT.parent / "shared"
SCORER = SHARED / "tools" / "quote_score.py"
GROUND_TRUTH = SHARED / "bench" / "extraction" / "dev" / "ground-truth.json"
SEED = SHARED / "seeds" / "kyivpost-2025-02-12-bessent-kyiv"


def normalise_paragraphs(text: str) -> str:
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n|\n", text) if p.strip()]
    return "\n\n".join(paragraphs)


def seed_body() -> str:
    gold = json.loads(SEED.with_suffix(".gold.json").read_text(encoding="utf-8"))
    text = SEED.with_suffix(".txt").read_text(encoding="utf-8")
    start = text.index(gold["body_starts_with"])
    end = text.index(gold["body_ends_with"]) + len(gold["body_ends_with"])
    return normalise_paragraphs(text[start:end])


def analyse(body: str, url: str) -> dict:
    article = Article(url=url, title="", body=body)
    people = find_people(article)
    quotes = find_quotes(article, people)
    for q in quotes:
        assert body[q.start:q.end] == q.text, "quote text must be verbatim"
    return {
        "quotes": [to_jsonable(q) for q in quotes],
        "people": [to_jsonable(p) for p in people if p.kind == "person"],  # gold lists people, not orgs
        "organisations": [to_jsonable(p) for p in people if p.kind == "org"],
    }


def score(pairs: list[tuple[Path, Path]], workdir: Path, name: str, verbose: bool) -> None:
    pairs_file = workdir / f"{name}.tsv"
    pairs_file.write_text("".join(f"{g}\t{a}\n" for g, a in pairs), encoding="utf-8")
    cmd = [sys.executable, str(SCORER), "--pairs", str(pairs_file)] + (["--verbose"] if verbose else [])
    print(f"# {name}: {len(pairs)} page(s)")
    print(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout, end="")


def main(argv: list[str]) -> int:
    if not SHARED.exists():
        print("../shared not present (benchmark corpora live outside the package)")
        return 1
    verbose = "--verbose" in argv
    truth = json.loads(GROUND_TRUTH.read_text(encoding="utf-8"))
    with tempfile.TemporaryDirectory(prefix="quote-quality-") as tmp:
        workdir = Path(tmp)
        pairs = []
        for gold_path in sorted((ROOT / "tests" / "gold").glob("*.gold.json")):
            gold = json.loads(gold_path.read_text(encoding="utf-8"))
            page = truth[gold["source"]]
            out = workdir / f"{gold_path.stem}.analysis.json"
            out.write_text(json.dumps(analyse(normalise_paragraphs(page["articleBody"]), page["url"]),
                                      ensure_ascii=False), encoding="utf-8")
            pairs.append((gold_path, out))
        score(pairs, workdir, "own gold pages", verbose)
        seed_out = workdir / "seed.analysis.json"
        seed_out.write_text(json.dumps(analyse(seed_body(), "file://seed"), ensure_ascii=False), encoding="utf-8")
        score([(SEED.with_suffix(".gold.json"), seed_out)], workdir, "seed", verbose)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
