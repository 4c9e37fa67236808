"""Peak memory of the real Fetcher against decompression bombs and oversize bodies.

    python benchmarks/bomb_memory.py            (about half a minute; loopback only)

A local HTTP server (in this process) serves each case; a fresh Python subprocess per case
runs one ``Fetcher.fetch`` and reports its peak RSS (``resource.getrusage(...).ru_maxrss``)
before and after the fetch. The target is the issue's: the fetch may grow the process by at
most the body cap plus 32 MB, whatever the compression ratio. The bombs are built a
megabyte of zeros at a time, never held inflated.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import subprocess
import sys
import time
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CAP = 5 * 2**20  # FetchPolicy.max_bytes default
SLACK = 32 * 2**20
GIB = 2**30


def compressed_zeros(total: int, wbits: int, *, layers: int = 1) -> bytes:
    """``total`` zero bytes compressed (``layers`` times), streamed a MiB at a time."""
    packer = zlib.compressobj(9, zlib.DEFLATED, wbits)
    zeros = bytes(2**20)
    data = b"".join(packer.compress(zeros) for _ in range(total // len(zeros))) + packer.flush()
    for _ in range(layers - 1):
        packer = zlib.compressobj(9, zlib.DEFLATED, wbits)
        data = packer.compress(data) + packer.flush()
    return data


def build_cases() -> list[dict]:
    gz = compressed_zeros(GIB, 31)
    return [
        {"name": "gzip 1 GB", "body": gz, "headers": [("Content-Encoding", "gzip")], "inflated": GIB},
        {"name": "gzip, gzip 1 GB", "body": compressed_zeros(GIB, 31, layers=2),
         "headers": [("Content-Encoding", "gzip, gzip")], "inflated": GIB},
        # One layer declared: decoding gives the inner 1 MB gzip, under the cap, so it is accepted.
        {"name": "gzip inside gzip, labelled gzip", "body": compressed_zeros(GIB, 31, layers=2),
         "headers": [("Content-Encoding", "gzip")], "inflated": len(gz)},
        {"name": "deflate 1 GB", "body": compressed_zeros(GIB, 15), "headers": [("Content-Encoding", "deflate")],
         "inflated": GIB},
        {"name": "raw deflate 1 GB", "body": compressed_zeros(GIB, -15), "headers": [("Content-Encoding", "deflate")],
         "inflated": GIB},
        {"name": "plain 1 GB, no length", "stream": GIB, "headers": [], "inflated": GIB},
        {"name": "plain 1 GB, Content-Length", "stream": GIB, "headers": [("Content-Length", str(GIB))],
         "inflated": GIB},
    ]


def serve_case(server, path: str, case: dict) -> str:
    """A route sending the case's exact header lines, then its body (or a generated stream)."""
    block = b"0123456789abcdef" * 4096

    def route(h, req):
        h.send_response(200)
        h.send_header("Content-Type", "text/html")
        for name, value in case["headers"]:
            h.send_header(name, value)
        h.send_header("Connection", "close")
        h.end_headers()
        h.close_connection = True
        try:
            if "body" in case:
                h.wfile.write(case["body"])
            else:
                sent = 0
                while sent < case["stream"] and not server._stopping.is_set():
                    h.wfile.write(block)
                    sent += len(block)
        except OSError:  # the client hung up: what it should do
            pass

    return server.add(path, route)


def child(url: str, warmup: str) -> None:
    """One fetch in a fresh process; prints a JSON line with the outcome and peak RSS."""
    from digests.fetch import Fetcher, FetchPolicy

    async def run() -> dict:
        async with Fetcher(FetchPolicy(retries=0, max_bytes=CAP, total_timeout=60)) as fetcher:
            await fetcher.fetch(warmup)  # imports, TLS-less client and pools warmed up
            baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            started = time.perf_counter()
            try:
                page = await fetcher.fetch(url)
                outcome = f"accepted {len(page.content)} bytes"
            except Exception as exc:  # noqa: BLE001 - the expected refusals are FetchErrors; show any
                outcome = f"{type(exc).__name__}: {str(exc).split(': ', 1)[-1]}"
            seconds = time.perf_counter() - started
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return {"outcome": outcome, "seconds": seconds, "baseline_kb": baseline, "peak_kb": peak}

    print(json.dumps(asyncio.run(run())))


def main() -> None:
    from tests.httpserver import LocalHTTPServer

    cases = build_cases()
    print(f"bomb memory: peak RSS of one fetch (fresh process per case); cap {CAP >> 20} MB, "
          f"target growth <= cap + {SLACK >> 20} MB = {(CAP + SLACK) >> 20} MB")
    print(f"{'case':34} {'wire':>9} {'inflates':>9} {'base MB':>8} {'peak MB':>8} {'growth':>8} {'target':>7} "
          f"{'verdict':>7} {'time s':>7}  outcome")
    failures = 0
    with LocalHTTPServer() as server:
        warmup = server.static("/warmup", b"<html><body>ok</body></html>")
        for i, case in enumerate(cases):
            url = serve_case(server, f"/case{i}", case)
            result = subprocess.run([sys.executable, __file__, "--child", url, warmup], capture_output=True, text=True,
                                    timeout=300, cwd=ROOT, check=False)
            if result.returncode != 0:
                print(f"{case['name']:34} child failed: {result.stderr.strip().splitlines()[-1:]}")
                failures += 1
                continue
            r = json.loads(result.stdout.strip().splitlines()[-1])
            growth = (r["peak_kb"] - r["baseline_kb"]) * 1024
            ok = growth <= CAP + SLACK  # an accepted body is at most the cap by construction
            failures += not ok
            wire = len(case["body"]) if "body" in case else case["stream"]
            print(f"{case['name']:34} {_size(wire):>9} {_size(case['inflated']):>9} {r['baseline_kb'] / 1024:8.1f} "
                  f"{r['peak_kb'] / 1024:8.1f} {growth / 2**20:8.1f} {(CAP + SLACK) / 2**20:7.0f} "
                  f"{'ok' if ok else 'FAIL':>7} {r['seconds']:7.2f}  {r['outcome']}")
    print(f"bomb_memory: cases={len(cases)} failures={failures}")
    raise SystemExit(1 if failures else 0)


def _size(n: int) -> str:
    for unit, scale in (("GB", GIB), ("MB", 2**20), ("KB", 2**10)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}"
    return f"{n} B"


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--child", nargs=2, metavar=("URL", "WARMUP"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
    else:
        main()
