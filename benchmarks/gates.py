"""Quality gates for CI: runs the quality benchmarks and fails when a figure drops below
its floor. The floors are the issues' acceptance targets; raising one is fine, lowering one
needs a reason in the commit that does it.

    python benchmarks/gates.py            (needs ../shared)
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
FIGURE = re.compile(r"(\w+)=([+-]?[0-9.]+)")  # margins can be negative


def run(script: str) -> str:
    result = subprocess.run([sys.executable, str(HERE / script)], capture_output=True, text=True, timeout=1800)
    print(result.stdout)
    if result.returncode != 0:
        print(result.stderr, file=sys.stderr)
        raise SystemExit(f"{script} failed with exit code {result.returncode}")
    return result.stdout


def figures_after(output: str, header: str) -> dict[str, float]:
    lines = output.splitlines()
    for i, line in enumerate(lines):
        if line.startswith(header):
            return {k: float(v) for k, v in FIGURE.findall(lines[i + 1])}
    raise SystemExit(f"no '{header}' section in the output")


def check(name: str, value: float, floor: float, failures: list[str]) -> None:
    ok = value >= floor
    print(f"{'ok  ' if ok else 'FAIL'} {name}: {value:.3f} (floor {floor})")
    if not ok:
        failures.append(name)


def main() -> int:
    failures: list[str] = []

    out = run("extraction_quality.py")
    ours = next(l for l in out.splitlines() if l.startswith("newsdigest extract"))
    check("extraction F1 on 88 dev pages", float(ours.split()[2]), 0.965, failures)
    # The held-out half (benchmarks/extraction_splits.py) was never developed on.
    held = re.search(r"^extraction-held f1=([0-9.]+)", out, re.M)
    check("extraction F1, held-out half", float(held.group(1)), 0.975, failures)

    out = run("quote_quality.py")
    seed = figures_after(out, "# seed")
    # Own gold pages, split into development and held-out halves (benchmarks/quote_splits.py).
    for part in ("gold-dev", "gold-held"):
        own = figures_after(out, f"# {part}")
        check(f"{part}: quote F1", own["quote_f1"], 0.95, failures)
        check(f"{part}: attribution", own["attribution"], 0.92, failures)
        check(f"{part}: people recall", own["people_recall"], 0.9, failures)
        check(f"{part}: role accuracy", own["role_accuracy"], 0.85, failures)
    # PolNeAR train, split by publisher: regression floors a little under what was measured
    # (0.920 / 0.875), not the targets (0.93), which are not met yet.
    for part, floor in (("polnear-dev", 0.90), ("polnear-held", 0.86)):
        polnear = figures_after(out, f"# {part}")
        check(f"{part}: quote recall", polnear["quote_recall"], 0.95, failures)
        check(f"{part}: attribution", polnear["attribution"], floor, failures)
    for key, floor in (("quote_precision", 0.95), ("quote_recall", 0.95), ("attribution", 0.95),
                       ("people_recall", 0.9), ("role_accuracy", 0.9)):
        check(f"seed: {key}", seed[key], floor, failures)

    out = run("summary_quality.py")
    ours_r1 = float(re.search(r"^ours\s+rouge1=([0-9.]+)", out, re.M).group(1))
    lead_r1 = float(re.search(r"^lead-3\s+rouge1=([0-9.]+)", out, re.M).group(1))
    check("summary ROUGE-1 minus lead-3 ROUGE-1 (BBC dev)", ours_r1 - lead_r1, 10.0, failures)
    cnndm = re.search(r"^cnndm-all\s.*margin=([+-][0-9.]+)", out, re.M)
    check("summary ROUGE-1 minus lead-3 ROUGE-1 (CNN/DM dev)", float(cnndm.group(1)), 0.0, failures)

    if failures:
        print(f"{len(failures)} gate(s) failed: {', '.join(failures)}")
        return 1
    print("all quality gates passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
