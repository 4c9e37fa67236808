"""One trickling host among normal feeds: do the normal feeds' articles arrive as fast as
without it, and how long does the ingest pass last?

    python benchmarks/slow_host.py [--feeds 20] [--items 5] [--slow-items 20] [--total-timeout 3] [--repeat 3]

Real IngestWorker + Store (SQLite in a temp dir) + Fetcher against local HTTP servers, one
server (so one host) per feed. The trickling host serves its feed at once and each of its
items one byte a second, forever. Scenarios, each on a fresh store:

* reference: the normal feeds alone;
* trickler, breaker on: the defaults (a host that times out twice in a pass is skipped);
* trickler, breaker off (``host_timeouts_per_pass=0``): what the breaker saves.

Printed per scenario: when every normal article was stored (seconds from the pass start),
how long the whole pass lasted, and how many requests the trickling host got. Then the
breaker scenario's next pass, with the host recovered, shows its items were not dropped.
The servers run in this process (their threads only sleep or write small static pages).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from digests.fetch import Fetcher, FetchPolicy
from digests.ingest import IngestOptions, IngestWorker
from digests.store import Store
from tests.httpserver import LocalHTTPServer
from tests.news_factory import article_html, rss_feed


def normal_sites(feeds: int, items: int) -> tuple[list[LocalHTTPServer], list[str]]:
    servers, urls = [], []
    for f in range(feeds):
        server = LocalHTTPServer()
        pages = []
        for i in range(items):
            path = f"/news/{f}-{i}.html"
            server.static(path, article_html(10_000 + f * 1000 + i))
            pages.append((path, f"Story {f}-{i}"))
        urls.append(server.static("/rss.xml", rss_feed(server.base_url, pages), content_type="application/rss+xml"))
        servers.append(server)
    return servers, urls


def trickling_site(items: int) -> tuple[LocalHTTPServer, str]:
    server = LocalHTTPServer()
    pages = [(f"/slow/{i}.html", f"Slow {i}") for i in range(items)]
    for path, _ in pages:
        server.trickle(path, interval=1.0)  # one byte a second: no read timeout ever fires
    # With validators: if a pass wrongly saved them, the next one would get a 304 and never
    # fetch the items it could not finish.
    feed = server.conditional("/rss.xml", rss_feed(server.base_url, pages), etag='"slow-v1"')
    return server, feed


async def one_pass(store: Store, policy: FetchPolicy, options: IngestOptions, normal_expected: int) -> dict:
    """Run one ingest pass; note when the store first held ``normal_expected`` articles."""
    before = await store.articles.count()
    started = time.perf_counter()
    normal_done: list[float] = []

    async def watch() -> None:
        while await store.articles.count() - before < normal_expected:
            await asyncio.sleep(0.02)
        normal_done.append(time.perf_counter() - started)

    watcher = asyncio.create_task(watch())
    async with Fetcher(policy) as fetcher:
        report = await IngestWorker(store, fetcher, options).run_once(all_sources=True)
    took = time.perf_counter() - started
    await asyncio.sleep(0.05)
    watcher.cancel()
    return {"report": report, "pass": took, "normal": normal_done[0] if normal_done else None}


async def scenario(name: str, args, *, trickle: bool, breaker: int, workdir: Path) -> dict:
    servers, urls = normal_sites(args.feeds, args.items)
    slow = feed = None
    if trickle:
        slow, feed = trickling_site(args.slow_items)
    policy = FetchPolicy(connect_timeout=2, read_timeout=5, total_timeout=args.total_timeout)
    options = IngestOptions(host_timeouts_per_pass=breaker)
    store = await Store.open(str(workdir / f"{name.replace(' ', '_').replace(',', '')}.db"))
    try:
        if feed:
            await store.sources.add(feed, "feed")  # first in line: the worst place for it
        for url in urls:
            await store.sources.add(url, "feed")
        result = await one_pass(store, policy, options, args.feeds * args.items)
        result["slow_hits"] = slow.hits() - 1 if slow else 0
        if slow and breaker:
            for i in range(args.slow_items):  # the host recovers
                slow.static(f"/slow/{i}.html", article_html(50_000 + i))
            again = await one_pass(store, policy, options, 0)
            result["next_pass_new"] = again["report"].new
        return result
    finally:
        await store.close()
        for server in servers + ([slow] if slow else []):
            server.close()


async def main_async(args) -> None:
    normal = args.feeds * args.items
    print(f"slow host: {args.feeds} normal feeds x {args.items} items (one host each) + one host trickling "
          f"1 byte/s with {args.slow_items} items; total_timeout={args.total_timeout:g}s, per-host concurrency 2, "
          f"breaker default {IngestOptions().host_timeouts_per_pass} timeouts/pass; median of {args.repeat} runs")
    scenarios = [("reference (no trickler)", False, 2),
                 ("trickler, breaker on", True, IngestOptions().host_timeouts_per_pass),
                 ("trickler, breaker off", True, 0)]
    runs: dict[str, list[dict]] = {name: [] for name, _, _ in scenarios}
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(args.repeat):  # interleaved, so a busy moment on the machine hits all alike
            for name, trickle, breaker in scenarios:
                runs[name].append(await scenario(f"{name} {r}", args, trickle=trickle, breaker=breaker, workdir=Path(tmp)))
    print(f"{'scenario':26} {'normal stored':>13} {'all normal at':>14} {'pass':>8} {'slow-host reqs':>14} {'errors':>7}  runs (normal at)")
    summary = {}
    for name, results in runs.items():
        stored = min(min(x["report"].new, normal) for x in results)
        at = [x["normal"] for x in results]
        median_at = statistics.median(at) if None not in at else None
        median_pass = statistics.median(x["pass"] for x in results)
        summary[name] = (median_at, median_pass, results)
        shown = f"{median_at:.2f}s" if median_at is not None else "never"
        each = " ".join(f"{a:.2f}" if a is not None else "never" for a in at)
        print(f"{name:26} {stored:>6}/{normal:<6} {shown:>14} {median_pass:7.2f}s {results[-1]['slow_hits']:>14} "
              f"{len(results[-1]['report'].errors):>7}  {each}")
    (ref_at, ref_pass, _), (on_at, on_pass, on_runs), (off_at, off_pass, _) = summary.values()
    recovered = min(x.get("next_pass_new", 0) for x in on_runs)
    print(f"all normal articles stored: {ref_at:.2f}s without the trickler, {on_at:.2f}s with it (breaker on), "
          f"{off_at:.2f}s with it (breaker off)")
    print(f"pass duration: {ref_pass:.2f}s reference, {on_pass:.2f}s breaker on "
          f"(bound ~ {IngestOptions().host_timeouts_per_pass} x {args.total_timeout:g}s), {off_pass:.2f}s breaker off")
    print(f"next pass after the host recovered: {recovered} of {args.slow_items} slow items stored (worst run)")
    print(f"slow_host: normal_ref_s={ref_at:.2f} normal_with_trickler_s={on_at:.2f} pass_ref_s={ref_pass:.2f} "
          f"pass_with_trickler_s={on_pass:.2f} pass_no_breaker_s={off_pass:.2f} next_pass_recovered={recovered}")


def main() -> None:
    logging.getLogger("digests").setLevel(logging.ERROR)  # one "item failed" line per trickled item is noise here
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feeds", type=int, default=20)
    parser.add_argument("--items", type=int, default=5)
    parser.add_argument("--slow-items", type=int, default=20)
    parser.add_argument("--total-timeout", type=float, default=3.0)
    parser.add_argument("--repeat", type=int, default=3, help="runs per scenario; medians are printed")
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()
