#!/usr/bin/env python3
"""Summary quality on the BBC dev set: our 3-sentence summaries vs the Lead-3 baseline.

Run from the repo root:

    python benchmarks/summary_quality.py [--set ../shared/bench/summaries/dev-bbc] [--out FILE]

It builds an Article per text (the first line of each BBC file is the headline: it goes
to ``Article.title``, never into the body, exactly as the scorer's Lead-N baseline skips
it), writes our summaries for *all* documents as JSONL, then runs
``../shared/tools/summary_score.py`` twice -- on our predictions and with ``--lead 3`` --
and prints both lines one above the other.
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

from digests.models import Article  # noqa: E402
from digests.understand.summary import summarize  # noqa: E402

DEFAULT_SET = ROOT / ".." / "shared" / "bench" / "summaries" / "dev-bbc"
SCORER = ROOT / ".." / "shared" / "tools" / "summary_score.py"


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


def write_predictions(set_dir: Path, out: Path, max_sentences: int) -> int:
    texts = sorted((set_dir / "text").glob("*.txt"))
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


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--set", type=Path, default=DEFAULT_SET, help="folder with text/ and ref/")
    ap.add_argument("--out", type=Path, help="keep the predictions JSONL here")
    ap.add_argument("-n", "--sentences", type=int, default=3)
    args = ap.parse_args()
    if not (args.set / "text").is_dir() or not SCORER.exists():
        print(f"needs {args.set}/text and {SCORER} (../shared is not part of the package)", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory() as tmp:
        out = args.out or Path(tmp) / "summaries.jsonl"
        n = write_predictions(args.set, out, args.sentences)
        ours = score([str(args.set), str(out)])
        lead = score([str(args.set), "--lead", str(args.sentences)])
    print(f"set={args.set.name} docs={n} sentences={args.sentences}")
    print(f"ours   {ours}")
    print(f"lead-{args.sentences} {lead}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
