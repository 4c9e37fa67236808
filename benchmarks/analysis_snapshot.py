"""Dump everything the per-article pipeline produces, to compare two versions byte for byte.

    python benchmarks/analysis_snapshot.py OUT.jsonl
    cmp before.jsonl after.jsonl   # or: diff

One JSON line per input, in a fixed order:
- the 88 dev pages through ``analyze_page`` (article, summary, headline, quotes, people);
- the seed's saved text page through ``analyze_page`` (text/plain);
- the quote benchmark's bodies (six gold pages and the seed body) through
  ``find_people`` / ``find_quotes`` on their own, and ``find_quotes`` without people;
- the BBC dev set through ``summarize`` and ``make_headline``;
- 50 synthetic pages of the ingest benchmark through ``analyze_page``.
A speed-up must leave this file unchanged.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from digests.analyze import analyze_page  # noqa: E402
from digests.extract import decode_html  # noqa: E402
from digests.models import FetchedPage, to_jsonable  # noqa: E402
from digests.understand.people import find_people  # noqa: E402
from digests.understand.quotes import find_quotes  # noqa: E402
from digests.understand.summary import make_headline, summarize  # noqa: E402

SHARED = ROOT.parent / "shared"
DEV = SHARED / "bench/extraction/dev"
SEED = SHARED / "seeds/kyivpost-2025-02-12-bessent-kyiv.txt"
BBC = SHARED / "bench/summaries/dev-bbc"


def _records():
    truth = json.loads((DEV / "ground-truth.json").read_text(encoding="utf-8"))
    for path in sorted((DEV / "html").glob("*.html")):
        url = truth.get(path.stem, {}).get("url") or f"https://example.invalid/{path.stem}"
        page = FetchedPage(url=url, requested_url=url, text=decode_html(path.read_bytes()), content_type="text/html")
        yield f"dev/{path.stem}", to_jsonable(analyze_page(page))
    seed = FetchedPage(url=SEED.resolve().as_uri(), requested_url=str(SEED), text=SEED.read_text(encoding="utf-8"),
                       content_type="text/plain")
    yield "seed/page", to_jsonable(analyze_page(seed))

    import quote_quality
    from summary_quality import article_from_bbc

    from digests.models import Article

    bodies = []
    for gold_path in sorted((ROOT / "tests/gold").glob("*.gold.json")):
        gold = json.loads(gold_path.read_text(encoding="utf-8"))
        bodies.append((gold_path.stem, quote_quality.normalise_paragraphs(truth[gold["source"]]["articleBody"])))
    bodies.append(("seed-body", quote_quality.seed_body()))
    for name, body in bodies:
        article = Article(url="x", title="", body=body)
        people = find_people(article)
        yield f"quotes/{name}", {"people": to_jsonable(people), "quotes": to_jsonable(find_quotes(article, people)),
                                 "quotes_alone": to_jsonable(find_quotes(article))}
    for path in sorted((BBC / "text").glob("*.txt")):
        article = article_from_bbc(path)
        yield f"bbc/{path.name}", {"summary": summarize(article), "headline": make_headline(article)}

    from tests.news_factory import article_html

    for seed_no in range(50):
        url = f"http://127.0.0.1/f0/story-{seed_no}.html"
        page = FetchedPage(url=url, requested_url=url, text=article_html(seed_no), content_type="text/html")
        yield f"synthetic/{seed_no}", to_jsonable(analyze_page(page))


def main() -> None:
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    with open(sys.argv[1], "w", encoding="utf-8") as out:
        for key, record in _records():
            out.write(json.dumps({"key": key, **record}, ensure_ascii=False, sort_keys=True) + "\n")


if __name__ == "__main__":
    main()
