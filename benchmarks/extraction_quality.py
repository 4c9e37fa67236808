"""Article-body F1 on the 88 dev pages: our ``extract`` next to plain ``trafilatura.extract``.

    python benchmarks/extraction_quality.py [--per-doc]

Both sides' predictions go to a temporary directory and are scored by the benchmark's own
scorer (../shared/tools/extraction_score.py), run as a subprocess. The trafilatura columns
use its defaults and, as the reference figure, ``include_comments=False``.

The first table is all 88 pages (the gate reads its "newsdigest extract" row). The second
puts ours and trafilatura's defaults side by side on the development half, the held-out half
(benchmarks/extraction_splits.py) and all pages: rules are developed on the first only, and
a change is kept only when the held-out half does not lose. ``--per-doc`` lists the worst
pages of the development half only, so held-out pages are never looked at one by one.
Last, published dates: per half, pages with a date and how many agree with htmldate.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import trafilatura
from htmldate import find_date

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.extraction_splits import split_ids
from digests.extract import decode_html, extract
from digests.models import Article, FetchedPage

SHARED = Path("../shared")
DEV = SHARED / "bench/extraction/dev"
SCORER = SHARED / "tools/extraction_score.py"
ACCEPTANCE_F1 = 0.965


def _score(truth: dict, predictions: dict[str, str], folder: Path, name: str,
           per_doc: bool = False) -> dict[str, str]:
    truth_path, path = folder / f"{name}.truth.json", folder / f"{name}.json"
    truth_path.write_text(json.dumps(truth), encoding="utf-8")
    path.write_text(json.dumps({k: {"articleBody": predictions.get(k, "")} for k in truth}), encoding="utf-8")
    command = [sys.executable, str(SCORER), str(truth_path), str(path)]
    output = subprocess.run(command + (["--per-doc"] if per_doc else []), check=True,
                            capture_output=True, text=True).stdout
    if per_doc:
        print(f"--- {name} (worst first)\n" + "\n".join(output.strip().splitlines()[:25]))
    return dict(item.split("=", 1) for item in output.strip().splitlines()[-1].split())


def _print_dates(dates: dict[str, tuple[datetime | None, datetime | None]], parts: dict[str, list[str]]) -> None:
    """Published dates: how many pages get one, how many of those agree with htmldate within
    a day; the pages of the development half that do not are listed."""
    print("\n# published dates (ours vs htmldate, original_date=True)")
    for part, ids in parts.items():
        dated = [i for i in ids if dates[i][0] is not None]
        agree = [i for i in dated if dates[i][1] is not None and abs(dates[i][0].date() - dates[i][1].date()) <= timedelta(days=1)]
        print(f"dates-{part} pages={len(ids)} dated={len(dated)} agree_htmldate={len(agree)} "
              f"htmldate_dated={sum(dates[i][1] is not None for i in ids)}")
    for i in parts["dev"]:
        ours, theirs = dates[i]
        if ours is None or theirs is None or abs(ours.date() - theirs.date()) > timedelta(days=1):
            print(f"  dev {i[:12]} ours={ours.isoformat() if ours else None} htmldate={theirs.date() if theirs else None}")


def main() -> None:
    per_doc = "--per-doc" in sys.argv
    if not DEV.exists():
        sys.exit(f"{DEV} not found: run from the repository root with ../shared present")
    truth = json.loads((DEV / "ground-truth.json").read_text(encoding="utf-8"))
    ours, plain, plain_nocomments, dates = {}, {}, {}, {}
    for path in sorted((DEV / "html").glob("*.html")):
        html = decode_html(path.read_bytes())
        url = truth.get(path.stem, {}).get("url") or f"https://example.invalid/{path.stem}"
        result = extract(FetchedPage(url=url, requested_url=url, text=html, content_type="text/html"))
        ours[path.stem] = result.body if isinstance(result, Article) else ""
        guess = find_date(html, extensive_search=True, original_date=True, outputformat="%Y-%m-%d")
        dates[path.stem] = (result.published if isinstance(result, Article) else None,
                            datetime.fromisoformat(guess).replace(tzinfo=UTC) if guess else None)
        plain[path.stem] = trafilatura.extract(html) or ""
        plain_nocomments[path.stem] = trafilatura.extract(html, include_comments=False) or ""
    parts = split_ids(sorted(truth))
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        rows = {
            "trafilatura.extract (defaults)": _score(truth, plain, folder, "trafilatura_defaults"),
            "trafilatura.extract (no comments)": _score(truth, plain_nocomments, folder, "trafilatura"),
            "newsdigest extract": _score(truth, ours, folder, "ours"),
        }
        halves = {}
        for part, ids in parts.items():
            sub = {k: truth[k] for k in ids}
            halves[part] = (_score(sub, ours, folder, f"ours-{part}", per_doc and part == "dev"),
                            _score(sub, plain, folder, f"trafilatura-{part}"))
    print(f"{'extractor':36} {'F1':>6} {'prec':>6} {'recall':>6} {'exact':>6}  pages")
    for name, row in rows.items():
        print(f"{name:36} {row['f1']:>6} {row['precision']:>6} {row['recall']:>6} {row['accuracy']:>6}  {row['pages']}")
    print("\n# halves (benchmarks/extraction_splits.py): ours vs trafilatura defaults")
    print(f"{'half':6} {'pages':>5}  {'ours F1':>8} {'prec':>6} {'recall':>6}  {'traf F1':>8} {'prec':>6} {'recall':>6}")
    for part, (mine, theirs) in halves.items():
        print(f"{part:6} {mine['pages']:>5}  {mine['f1']:>8} {mine['precision']:>6} {mine['recall']:>6}"
              f"  {theirs['f1']:>8} {theirs['precision']:>6} {theirs['recall']:>6}")
    for part, (mine, _) in halves.items():
        print(f"extraction-{part} f1={mine['f1']} pages={mine['pages']}")
    _print_dates(dates, parts)
    ours_f1 = float(rows["newsdigest extract"]["f1"])
    verdict = "meets" if ours_f1 >= ACCEPTANCE_F1 else "BELOW"
    print(f"ours {verdict} the acceptance floor F1 >= {ACCEPTANCE_F1}")


if __name__ == "__main__":
    main()
