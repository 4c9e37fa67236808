#!/usr/bin/env python3
"""Quote, speaker, people and role quality on every evaluation set, side by side, in one run.

Run from the repo root:  python benchmarks/quote_quality.py [--errors SET] [--polnear-limit N]

Sets (the development / held-out split is fixed in benchmarks/quote_splits.py):
- seed: ../shared/seeds/*.gold.json; body = the .txt between ``body_starts_with`` and ``body_ends_with``;
- gold-dev, gold-held: tests/gold/*.gold.json; each names its page (``source``) in
  ../shared/bench/extraction/dev/, whose gold ``articleBody`` is the body;
- polnear-dev, polnear-held: ../shared/bench/quotes/polnear-train/ (title line, blank line, body).
Every set is scored by ../shared/tools/quote_score.py (micro-averaged over its pages).
Targets (issue 12) are printed next to the figures. ``--errors SET`` prints the scorer's
per-page misses for a development set only: held-out errors are never shown.
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
sys.path.insert(0, str(ROOT / "benchmarks"))

from quote_splits import gold_is_held_out, polnear_is_held_out

from digests.models import Article, to_jsonable
from digests.understand.people import find_people
from digests.understand.quotes import find_quotes

SHARED = ROOT.parent / "shared"
SCORER = SHARED / "tools" / "quote_score.py"
GROUND_TRUTH = SHARED / "bench" / "extraction" / "dev" / "ground-truth.json"
SEED = SHARED / "seeds" / "kyivpost-2025-02-12-bessent-kyiv"
POLNEAR = SHARED / "bench" / "quotes" / "polnear-train"
METRICS = ["quote_recall", "quote_precision", "shown_quote_precision", "attribution",
           "people_precision", "people_recall", "role_accuracy"]
SHORT = {"quote_recall": "q.recall", "quote_precision": "q.prec", "shown_quote_precision": "shown.prec",
         "attribution": "speaker", "people_precision": "ppl.prec", "people_recall": "ppl.rec",
         "role_accuracy": "role"}
_ALL_95 = {m: 0.95 for m in METRICS}
TARGETS = {
    "seed": _ALL_95,
    "gold-dev": {},
    "gold-held": {"attribution": 0.92, "people_precision": 0.90, "people_recall": 0.92, "role_accuracy": 0.85},
    "polnear-dev": {},
    "polnear-held": {"attribution": 0.93, "quote_recall": 0.95},
}
NO_PEOPLE = {"polnear-dev", "polnear-held"}  # polnear gold lists no people: those figures mean nothing
DEV_SETS = {"gold-dev", "polnear-dev"}


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
        "people": [to_jsonable(p) for p in people],  # the scorer leaves kind "org" out of the people figures
    }


def bodies() -> dict[str, list[tuple[Path, str, str]]]:
    """Set name → [(gold file, body, url)]."""
    sets: dict[str, list[tuple[Path, str, str]]] = {name: [] for name in TARGETS}
    sets["seed"].append((SEED.with_suffix(".gold.json"), seed_body(), "file://seed"))
    truth = json.loads(GROUND_TRUTH.read_text(encoding="utf-8"))
    for gold_path in sorted((ROOT / "tests" / "gold").glob("*.gold.json")):
        page = truth[json.loads(gold_path.read_text(encoding="utf-8"))["source"]]
        name = "gold-held" if gold_is_held_out(gold_path) else "gold-dev"
        sets[name].append((gold_path, normalise_paragraphs(page["articleBody"]), page["url"]))
    for gold_path in sorted((POLNEAR / "gold").glob("*.json")):
        text = (POLNEAR / "text" / (gold_path.stem + ".txt")).read_text(encoding="utf-8")
        name = "polnear-held" if polnear_is_held_out(gold_path) else "polnear-dev"
        sets[name].append((gold_path, normalise_paragraphs(text), f"polnear:{gold_path.stem}"))
    return sets


def score(name: str, items: list[tuple[Path, str, str]], workdir: Path, verbose: bool) -> dict[str, float]:
    pairs = []
    for i, (gold_path, body, url) in enumerate(items):
        out = workdir / f"{name}-{i}.analysis.json"
        out.write_text(json.dumps(analyse(body, url), ensure_ascii=False), encoding="utf-8")
        pairs.append(f"{gold_path}\t{out}\n")
    pairs_file = workdir / f"{name}.tsv"
    pairs_file.write_text("".join(pairs), encoding="utf-8")
    cmd = [sys.executable, str(SCORER), "--pairs", str(pairs_file)] + (["--verbose"] if verbose else [])
    stdout = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    if verbose:
        print(stdout, end="")
    last = stdout.strip().splitlines()[-1]
    return {k: float(v) for k, v in (item.split("=") for item in last.split())}


def main(argv: list[str]) -> int:
    if not SHARED.exists():
        print("../shared not present (benchmark corpora live outside the package)")
        return 1
    errors_for = argv[argv.index("--errors") + 1] if "--errors" in argv else None
    if errors_for is not None and errors_for not in DEV_SETS:
        print(f"--errors is for development sets only ({', '.join(sorted(DEV_SETS))})")
        return 2
    limit = int(argv[argv.index("--polnear-limit") + 1]) if "--polnear-limit" in argv else None
    sets = bodies()
    results = {}
    with tempfile.TemporaryDirectory(prefix="quote-quality-") as tmp:
        for name, items in sets.items():
            if limit is not None and name.startswith("polnear"):
                items = items[:limit]
            if errors_for is not None and name != errors_for:
                continue
            results[name] = (len(items), score(name, items, Path(tmp), name == errors_for))
    header = f"{'set':<14}{'pages':>6}" + "".join(f"{SHORT[m]:>17}" for m in METRICS)
    print(header)
    for name, (n, figures) in results.items():
        cells = []
        for m in METRICS:
            if name in NO_PEOPLE and m.startswith(("people", "role")):
                cells.append(f"{'—':>17}")
                continue
            target = TARGETS[name].get(m)
            mark = "" if target is None else (f" (≥{target:.2f}{'' if figures[m] >= target else '!'})")
            cells.append(f"{figures[m]:.3f}{mark}".rjust(17))
        print(f"{name:<14}{n:>6}" + "".join(cells))
    print("(≥t) = issue-12 target; '!' = below target. polnear has no people gold: people/role not scored.")
    print()
    for name, (n, figures) in results.items():  # machine-readable, for benchmarks/gates.py
        print(f"# {name} ({n} pages)")
        print(" ".join(f"{k}={v:.4f}" for k, v in figures.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
