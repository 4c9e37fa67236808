"""Telegram delivery: one morning digest to 1,000 subscribed chats within Telegram's limits.

The digest is rendered with ``render_telegram`` and posted by ``TelegramSender`` (real PTB Bot,
real HTTP) to the fake Bot API (``tests/platforms/fake_telegram.py``) with Telegram's real
limits: 30 messages/s overall, 1/s per chat, 20/min per group or channel; over any of them
the fake answers 429. A simple delivery loop (``--workers`` tasks, each chat's messages in
order, waiting out ``RetryLater``) stands in for the outbox. Prints messages/s against the
30 msg/s ceiling (target >= 25), the 429s Telegram had to send (target 0) and errors the loop
could not handle (target 0), and checks every chat got its messages exactly once, in order.

    python benchmarks/telegram_delivery.py [--chats 1000] [--groups 0.3] [--items 6] [--workers 64]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import time
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.config import Secrets, TelegramConfig  # noqa: E402
from bot.senders import DeliveryError, RetryLater  # noqa: E402
from bot.telegram import TelegramSender, telegram_payload  # noqa: E402
from bot.telegram.render import render_telegram  # noqa: E402
from digests.answers import Digest, DigestItem, DigestSection, QuoteRef  # noqa: E402
from tests.platforms.fake_telegram import TOKEN, FakeTelegram  # noqa: E402

CEILING = 30.0
TARGET = 25.0


def morning_digest(n_items: int) -> Digest:
    """A digest shaped like a real one: headline, source, two summary sentences, a quote."""
    until = datetime(2025, 3, 5, 7, 0, tzinfo=timezone.utc)
    items = [
        DigestItem(
            story_id=f"s{i}", headline=f"Story {i}: talks on energy prices & grain exports resume in Geneva",
            url=f"https://news.example.org/2025/03/story-{i}", source="Example News",
            published=until - timedelta(hours=i + 1),
            summary=[f"Negotiators met for a {i + 2}nd day on Tuesday to discuss a framework for energy prices.",
                     "Officials said a draft could be ready by the end of the week, though several points remain open."],
            key_quote=QuoteRef(text="We are closer than we were a month ago, but nothing is agreed until everything is agreed",
                               speaker="Andrii Yermak", speaker_role="head of the presidential office"),
        )
        for i in range(n_items)
    ]
    return Digest(title="Your news digest", since=until - timedelta(hours=24), until=until,
                  sections=[DigestSection(title=None, items=items)])


def chat_ids(n: int, group_share: float, rng: random.Random) -> list[str]:
    n_groups = round(n * group_share)
    ids = [str(-1001000000000 - i) for i in range(n_groups)] + [str(100000 + i) for i in range(n - n_groups)]
    rng.shuffle(ids)
    return ids


async def deliver(sender: TelegramSender, chats: list[str], payloads: list[dict], workers: int) -> Counter:
    """Each worker takes a chat and sends its messages in order, waiting out RetryLater."""
    stats: Counter = Counter()
    queue: asyncio.Queue[str] = asyncio.Queue()
    for chat in chats:
        queue.put_nowait(chat)

    async def worker() -> None:
        while not queue.empty():
            chat = queue.get_nowait()
            for i, payload in enumerate(payloads):
                while True:
                    try:
                        await sender.send(chat, payload, f"digest:{chat}:{i}")
                        stats["sent"] += 1
                        break
                    except RetryLater as exc:
                        stats["retry_later"] += 1
                        await asyncio.sleep(exc.seconds if exc.seconds is not None else 1.0)
                    except DeliveryError as exc:
                        stats[f"unhandled {type(exc).__name__}"] += 1
                        break

    await asyncio.gather(*(worker() for _ in range(workers)))
    return stats


async def main(args: argparse.Namespace) -> int:
    rng = random.Random(7)
    messages = render_telegram(morning_digest(args.items))
    payloads = [telegram_payload(m) for m in messages]
    chats = chat_ids(args.chats, args.groups, rng)
    async with FakeTelegram() as fake:
        config = TelegramConfig(base_url=fake.base_url)
        async with TelegramSender.from_config(config, Secrets(telegram_bot_token=TOKEN)) as sender:
            started = time.monotonic()
            stats = await deliver(sender, chats, payloads, args.workers)
            elapsed = time.monotonic() - started
        delivered = fake.sent()
        per_chat: dict[int, list[str]] = {}
        for m in delivered:
            per_chat.setdefault(m.chat_id, []).append(m.text)
        expected = [p["text"] for p in payloads]
        wrong = sum(1 for chat in chats if per_chat.get(int(chat)) != expected)
        refused = len(fake.rate_limited)

    rate = len(delivered) / elapsed if elapsed else 0.0
    unhandled = sum(v for k, v in stats.items() if k.startswith("unhandled"))
    print(f"digest: {args.items} stories rendered as {len(messages)} message(s) per chat")
    print(f"chats: {len(chats)} ({sum(c.startswith('-') for c in chats)} groups/channels), workers: {args.workers}")
    print(f"delivered: {len(delivered)} messages in {elapsed:.1f} s")
    print(f"throughput: {rate:.1f} msg/s (Telegram ceiling {CEILING:.0f} msg/s; target >= {TARGET:.0f})")
    print(f"429 answers from Telegram: {refused} (target 0); RetryLater waits in the loop: {stats['retry_later']}")
    print(f"unhandled errors: {unhandled} (target 0); chats missing, duplicated or out of order: {wrong}")
    ok = rate >= TARGET and refused == 0 and unhandled == 0 and wrong == 0
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--chats", type=int, default=1000)
    parser.add_argument("--groups", type=float, default=0.3, help="share of group/channel chats")
    parser.add_argument("--items", type=int, default=6, help="stories in the digest")
    parser.add_argument("--workers", type=int, default=64, help="concurrent delivery tasks")
    sys.exit(asyncio.run(main(parser.parse_args())))
