"""``/who`` on Slack shows the person's mentions chart as an image block pointing at the web
archive when ``[web] base_url`` is set (Slack fetches images by URL), and the text card alone
otherwise; the fake Slack checks the blocks as Slack does."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from bot.commands import Services
from bot.config import Secrets
from bot.slack import SlackAdapter
from digests.store import Store
from tests.bot.test_slack import SECRET, all_text, command, slack_config, yermak_analysis
from tests.platforms.blockkit import validate_message
from tests.platforms.fake_slack import FakeSlack

BASE = "https://news.example.org"


@pytest.fixture
async def store(tmp_path):
    store = await Store.open(str(tmp_path / "chart.db"))
    await store.articles.save(yermak_analysis(datetime.now(timezone.utc) - timedelta(hours=1)))
    yield store
    await store.close()


async def _who(store, web_base_url: str) -> dict:
    async with FakeSlack() as slack:
        secrets = Secrets(slack_bot_token=slack.bot_token, slack_app_token=slack.app_token, slack_signing_secret=SECRET)
        adapter = SlackAdapter(Services(store=store), slack_config(slack), secrets, web_base_url=web_base_url)
        await adapter.start()
        try:
            status, _, url = await command(adapter, slack, "/who", "Yermak")
            assert status == 200
            await slack.wait_for(lambda: slack.responses_to(url), timeout=5)
            [answer] = slack.responses_to(url)
            return answer
        finally:
            await adapter.stop()


async def test_who_carries_the_archive_chart_when_the_archive_has_a_public_url(store):
    answer = await _who(store, BASE)
    images = [b for b in answer["blocks"] if b["type"] == "image"]
    assert len(images) == 1 and images[0]["image_url"].startswith(f"{BASE}/people/")
    assert images[0]["image_url"].endswith("/mentions.png") and "Andrii Yermak" in images[0]["alt_text"]
    assert validate_message(answer) == [] and "Andrii Yermak" in all_text(answer)


async def test_without_a_base_url_the_card_comes_alone(store):
    answer = await _who(store, "")
    assert not [b for b in answer["blocks"] if b["type"] == "image"]
    assert "Andrii Yermak" in all_text(answer)
