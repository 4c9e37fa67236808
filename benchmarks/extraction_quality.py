"""Article-body F1 on the 88 dev pages: our ``extract`` next to plain ``trafilatura.extract``.

    python benchmarks/extraction_quality.py [--per-doc]

Both sides' predictions go to a temporary directory and are scored by the benchmark's own
scorer (../shared/tools/extraction_score.py), run as a subprocess. The trafilatura columns
use its defaults and, as the reference figure, ``include_comments=False``.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

import trafilatura

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from digests.extract import decode_html, extract  # noqa: E402
from digests.models import Article, FetchedPage  # noqa: E402

SHARED = Path("../shared")
DEV = SHARED / "bench/extraction/dev"
SCORER = SHARED / "tools/extraction_score.py"
ACCEPTANCE_F1 = 0.965


def _score(predictions: dict[str, str], folder: Path, name: str, per_doc: bool) -> dict[str, str]:
    path = folder / f"{name}.json"
    path.write_text(json.dumps({k: {"articleBody": v} for k, v in predictions.items()}), encoding="utf-8")
    command = [sys.executable, str(SCORER), str(DEV / "ground-truth.json"), str(path)]
    output = subprocess.run(command + (["--per-doc"] if per_doc else []), check=True,
                            capture_output=True, text=True).stdout
    if per_doc:
        print(f"--- {name} (worst first)\n{output}")
    return dict(item.split("=", 1) for item in output.strip().splitlines()[-1].split())


def main() -> None:
    per_doc = "--per-doc" in sys.argv
    if not DEV.exists():
        sys.exit(f"{DEV} not found: run from the repository root with ../shared present")
    truth = json.loads((DEV / "ground-truth.json").read_text(encoding="utf-8"))
    ours, plain, plain_nocomments = {}, {}, {}
    for path in sorted((DEV / "html").glob("*.html")):
        html = decode_html(path.read_bytes())
        url = truth.get(path.stem, {}).get("url") or f"https://example.invalid/{path.stem}"
        result = extract(FetchedPage(url=url, requested_url=url, text=html, content_type="text/html"))
        ours[path.stem] = result.body if isinstance(result, Article) else ""
        plain[path.stem] = trafilatura.extract(html) or ""
        plain_nocomments[path.stem] = trafilatura.extract(html, include_comments=False) or ""
    with tempfile.TemporaryDirectory() as tmp:
        rows = {
            "trafilatura.extract (defaults)": _score(plain, Path(tmp), "trafilatura_defaults", False),
            "trafilatura.extract (no comments)": _score(plain_nocomments, Path(tmp), "trafilatura", per_doc),
            "newsdigest extract": _score(ours, Path(tmp), "ours", per_doc),
        }
    print(f"{'extractor':36} {'F1':>6} {'prec':>6} {'recall':>6} {'exact':>6}  pages")
    for name, row in rows.items():
        print(f"{name:36} {row['f1']:>6} {row['precision']:>6} {row['recall']:>6} {row['accuracy']:>6}  {row['pages']}")
    ours_f1 = float(rows["newsdigest extract"]["f1"])
    verdict = "meets" if ours_f1 >= ACCEPTANCE_F1 else "BELOW"
    print(f"ours {verdict} the acceptance floor F1 >= {ACCEPTANCE_F1}")


if __name__ == "__main__":
    main()
