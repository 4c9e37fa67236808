"""A scheduled digest links to its page in the web archive when ``[web] base_url`` is set, and
that page exists: the link a channel receives is never a dead one."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

from aiohttp.test_utils import TestClient, TestServer

from bot.digest_jobs import JobSettings, enqueue_due_digest
from bot.web import WebSettings, create_app
from digests.store.archive import open_readonly_engine
from tests.web.seed import seed_archive

BASE = "https://news.example.org/archive/"


async def _due_digest(store, platform: str, settings: JobSettings) -> tuple[list[dict], datetime]:
    await seed_archive(store)
    sub, _ = await store.subscriptions.upsert(platform, "C1", timezone="UTC", digest_time="08:00",
                                              created_by="test")
    # Tomorrow 08:30: the digest due at 08:00 covers the day before it, when the seed arrived.
    now = (datetime.now(UTC) + timedelta(days=1)).replace(hour=8, minute=30, second=0, microsecond=0)
    assert await enqueue_due_digest(store, sub.id, now, settings) >= 1
    rows = [r for r in await store.outbox.list(limit=100) if r.platform == platform]
    return [json.loads(r.payload) if isinstance(r.payload, str) else r.payload for r in rows], now


async def test_telegram_digest_links_to_its_archive_page_and_the_page_is_there(tmp_path):
    from digests.store import Store

    target = str(tmp_path / "p.db")
    async with await Store.open(target) as store:
        payloads, _ = await _due_digest(store, "telegram", JobSettings(web_base_url=BASE))
        last = payloads[-1]["text"]
        [link] = re.findall(r'<a href="([^"]+/digests/[^"]+)">This digest on the web</a>', last)
        assert link.startswith(BASE.rstrip("/") + "/digests/")
        readonly = open_readonly_engine(target)
        client = TestClient(TestServer(create_app(store, readonly, WebSettings(base_url=BASE)), host="127.0.0.1"))
        await client.start_server()
        try:
            response = await client.get(link.removeprefix(BASE.rstrip("/")))
            assert response.status == 200
            assert "Your news digest" in await response.text()
        finally:
            await client.close()
            await readonly.dispose()


async def test_slack_digest_links_too_and_nothing_links_without_a_base_url(tmp_path):
    from digests.store import Store

    async with await Store.open(str(tmp_path / "s.db")) as store:
        payloads, _ = await _due_digest(store, "slack", JobSettings(web_base_url=BASE))
        assert "/digests/" in json.dumps(payloads[-1]) and "This digest on the web" in json.dumps(payloads[-1])
    async with await Store.open(str(tmp_path / "n.db")) as store:
        payloads, _ = await _due_digest(store, "telegram", JobSettings())
        assert "This digest on the web" not in json.dumps(payloads)
