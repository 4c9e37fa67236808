#!/usr/bin/env python3
"""Summary quality: our 3-sentence summaries vs the Lead-3 baseline, on BBC and CNN/DM.

Run from the repo root:

    python benchmarks/summary_quality.py [--set DIR ...] [--out FILE]

For each set (default: ../shared/bench/summaries/dev-bbc, then dev-cnndm) it builds an
Article per text (the first line of a BBC file is the headline: it goes to ``Article.title``,
never into the body, exactly as the scorer's Lead-N baseline skips it; a CNN/DM text is one
line of body), writes our summaries for *all* documents as JSONL, and runs
``../shared/tools/summary_score.py`` on our predictions and with ``--lead 3``, on the whole
set and on its development and held-out halves (benchmarks/extraction_splits.py: rules are
developed on the first half only).

Output: the first set's ``ours`` and ``lead-3`` lines come first (benchmarks/gates.py reads
them), then one line per set and half: ``<set>-<half> ours rouge1=.. lead3 rouge1=.. margin=..``.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.extraction_splits import split_ids
from digests.models import Article
from digests.understand.summary import summarize

SETS = ROOT / ".." / "shared" / "bench" / "summaries"
DEFAULT_SETS = [SETS / "dev-bbc", SETS / "dev-cnndm"]
SCORER = ROOT / ".." / "shared" / "tools" / "summary_score.py"
_R1 = re.compile(r"rouge1=([0-9.]+)")


def article_from_bbc(path: Path) -> Article:
    """Headline line -> title; the rest (paragraphs, blank-line separated) -> body.

    The headline rule is the scorer's: a first line that does not end with a full stop
    and is followed by a blank line.
    """
    lines = path.read_text(encoding="utf-8").strip().splitlines()
    title = ""
    if len(lines) > 2 and not lines[1].strip() and not re.search(r"\.[\"”’')]*$", lines[0].strip()):
        title, lines = lines[0].strip(), lines[2:]
    paragraphs = [line.strip() for line in lines if line.strip()]
    return Article(url=path.resolve().as_uri(), title=title, body="\n\n".join(paragraphs))


def write_predictions(texts: list[Path], out: Path, max_sentences: int) -> int:
    with out.open("w", encoding="utf-8") as fh:
        for path in texts:
            article = article_from_bbc(path)
            summary = summarize(article, max_sentences=max_sentences)
            # guard the promise the digest relies on: every line is verbatim from the body
            assert all(s in article.body for s in summary), path
            fh.write(json.dumps({"source": str(path), "summary": summary}, ensure_ascii=False) + "\n")
    return len(texts)


def score(args: list[str]) -> str:
    result = subprocess.run([sys.executable, str(SCORER), *args], capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"summary_score.py failed ({result.returncode}): {result.stderr.strip()}")
    return result.stdout.strip()


def _subset(set_dir: Path, stems: list[str], folder: Path) -> Path:
    """A set folder holding only ``stems`` (symlinks), so the scorer averages over them."""
    for sub in ("ref", "text"):
        (folder / sub).mkdir(parents=True)
        for stem in stems:
            (folder / sub / f"{stem}.txt").symlink_to((set_dir / sub / f"{stem}.txt").resolve())
    return folder


def run_set(set_dir: Path, tmp: Path, out: Path | None, n: int) -> list[str]:
    texts = sorted((set_dir / "text").glob("*.txt"))
    predictions = out or tmp / f"{set_dir.name}.jsonl"
    write_predictions(texts, predictions, n)
    lines = []
    for part, stems in split_ids(p.stem for p in texts).items():
        folder = set_dir if part == "all" else _subset(set_dir, stems, tmp / f"{set_dir.name}-{part}")
        ours = score([str(folder), str(predictions)])
        lead = score([str(folder), "--lead", str(n)])
        if part == "all":
            lines[:0] = [f"set={set_dir.name} docs={len(texts)} sentences={n}", f"ours   {ours}", f"lead-{n} {lead}"]
        margin = float(_R1.search(ours).group(1)) - float(_R1.search(lead).group(1))
        lines.append(f"{set_dir.name.removeprefix('dev-')}-{part:4} docs={len(stems):4} "
                     f"ours rouge1={_R1.search(ours).group(1)} lead{n} rouge1={_R1.search(lead).group(1)} "
                     f"margin={margin:+.2f}")
    return lines


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--set", type=Path, action="append", help="folder with text/ and ref/ (repeatable)")
    ap.add_argument("--out", type=Path, help="keep the predictions JSONL here (one set only)")
    ap.add_argument("-n", "--sentences", type=int, default=3)
    args = ap.parse_args()
    sets = args.set or DEFAULT_SETS
    missing = [s for s in sets if not (s / "text").is_dir()]
    if missing or not SCORER.exists():
        print(f"needs {missing or sets} with text/ and {SCORER} (../shared is not part of the package)",
              file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory() as tmp:
        for set_dir in sets:
            for line in run_set(set_dir, Path(tmp), args.out if len(sets) == 1 else None, args.sentences):
                print(line)
            print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
