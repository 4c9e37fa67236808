"""Who may do what, as a hostile chat user would try it: every row of the permission table
(notes/readme-B.md, README "Security model") on both platforms, through the real adapters
against the local fakes (tests/platforms/).

Each actor tries three things: ``/subscribe`` in their chat (a chat's own setting), ``/sources
add`` (global state: every chat's digests) and ``/sources`` (which must not show a local path or
a raw network error to anyone but an operator in a private chat).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.commands import Services
from bot.config import Secrets, SlackConfig, TelegramConfig
from bot.slack import SlackAdapter
from bot.telegram import FloodLimiter, FloodLimits, TelegramAdapter
from digests.store import Store
from digests.urlpolicy import UrlVerdict
from tests.platforms.fake_slack import FakeSlack, signed_request, slash_command_body
from tests.platforms.fake_telegram import TOKEN, FakeLimits, FakeTelegram

OPERATOR_TG = 777
RAW_ERROR = "Server disconnected without sending a response (127.0.0.1:5432)"
ADDED = "https://feeds.example.org/{who}.xml"


@dataclass(frozen=True)
class Row:
    who: str
    may_subscribe: bool
    may_add_sources: bool
    sees_detail: bool  # local paths and raw errors in the /sources listing


async def _allow_any_url(url: str) -> UrlVerdict:
    return UrlVerdict(url, allowed=True)  # the URL policy is tested on the fetch side; here only the rights are


async def _seed(store: Store, tmp_path: Path) -> str:
    """The operator's sources: a local folder and a feed on a private address that fails."""
    secret_dir = tmp_path / "operator-private" / "feeds"
    secret_dir.mkdir(parents=True)
    await store.sources.add(str(secret_dir), "folder")
    failing, _ = await store.sources.add("http://10.0.0.7:5432/feed.xml", "feed")
    await store.sources.record_failure(failing.id, RAW_ERROR)
    return str(secret_dir)


def _check_listing(text: str, row: Row, local_path: str) -> None:
    if row.sees_detail:
        assert local_path in text and "Server disconnected" in text, row
    else:
        assert local_path not in text and "operator-private" not in text, row
        assert "Server disconnected" not in text and "without sending" not in text, row
        assert "could not be fetched" in text, row


# -- Telegram ---------------------------------------------------------------------------------------

TELEGRAM_ROWS = [
    # (row, chat id, chat type, user id, member status in that chat)
    (Row("plain user, private chat", True, False, False), 501, "private", 501, None),
    (Row("plain member of a group", False, False, False), -1001, "supergroup", 601, "member"),
    (Row("creator of their own group", True, False, False), -1002, "supergroup", 602, "creator"),
    (Row("administrator of a group", True, False, False), -1003, "supergroup", 603, "administrator"),
    (Row("post in their own channel", True, False, False), -1004, "channel", None, None),
    (Row("configured admin, private chat", True, True, True), OPERATOR_TG, "private", OPERATOR_TG, None),
    (Row("configured admin in a group", True, True, False), -1005, "supergroup", OPERATOR_TG, "member"),
]


@pytest.fixture
async def telegram(tmp_path):
    fast = FakeLimits(per_chat_interval=0.0, group_messages=1000, group_window=1.0)
    async with FakeTelegram(limits=fast) as server:
        store = await Store.open(str(tmp_path / "tg.db"))
        local_path = await _seed(store, tmp_path)
        config = TelegramConfig(base_url=server.base_url, admins=(str(OPERATOR_TG),))
        limiter = FloodLimiter(FloodLimits(per_chat_interval=0.0, group_messages=1000, group_window=1.0))
        adapter = TelegramAdapter(config, Secrets(telegram_bot_token=TOKEN), Services(store, check_source_url=_allow_any_url),
                                  limiter=limiter, poll_timeout=1.0)
        await adapter.start()
        try:
            yield server, store, local_path
        finally:
            await adapter.stop()
            await store.close()


@pytest.mark.parametrize("row,chat_id,chat_type,user_id,status", TELEGRAM_ROWS, ids=[r[0].who for r in TELEGRAM_ROWS])
async def test_telegram_permission_table(telegram, row, chat_id, chat_type, user_id, status):
    server, store, local_path = telegram
    server.add_chat(chat_id, chat_type)
    if status:
        server.set_member(chat_id, user_id, status)
    url = ADDED.format(who=chat_id)
    for n, text in enumerate(("/subscribe", f"/sources add {url}", "/sources"), start=1):
        server.push_update(server.make_message_update(text, chat_id=chat_id, chat_type=chat_type, user_id=user_id))
        answers = await server.wait_for(n, chat_id=chat_id)
    listing = answers[-1].plain_text
    assert (await store.subscriptions.get("telegram", str(chat_id)) is not None) == row.may_subscribe, row
    assert (url in [s.url for s in await store.sources.list()]) == row.may_add_sources, row
    _check_listing(listing, row, local_path)


async def test_telegram_group_creator_cannot_remove_the_operators_sources(telegram):
    server, store, _ = telegram
    server.add_chat(-1006, "supergroup")
    server.set_member(-1006, 606, "creator")
    before = [s.url for s in await store.sources.list()]
    server.push_update(server.make_message_update(f"/sources remove {before[1]}", chat_id=-1006,
                                                  chat_type="supergroup", user_id=606))
    [refused] = await server.wait_for(1, chat_id=-1006)
    assert "admin" in refused.plain_text.lower()
    assert [s.url for s in await store.sources.list()] == before


# -- Slack ----------------------------------------------------------------------------------------------

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
SLACK_ROWS = [
    # (row, channel, user)
    (Row("plain user, direct message", True, False, False), "D0ALICE", "U0ALICE"),
    (Row("non-admin in a channel", False, False, False), "C0ALICE", "U0ALICE"),
    (Row("workspace admin in a channel", True, True, False), "C0BOSS", "U0BOSS"),
    (Row("workspace owner, direct message", True, True, True), "D0OWNER", "U0OWNER"),
    (Row("configured admin, direct message", True, True, True), "D0ADMIN", "U0ADMIN"),
    (Row("configured admin in a channel", True, True, False), "C0ADMIN", "U0ADMIN"),
]


@pytest.fixture
async def slack(tmp_path):
    users = {"U0ADMIN": {"name": "admin"}, "U0BOSS": {"name": "boss", "is_admin": True},
             "U0OWNER": {"name": "owner", "is_owner": True}, "U0ALICE": {"name": "alice"}}
    async with FakeSlack(users=users) as fake:
        store = await Store.open(str(tmp_path / "slack.db"))
        local_path = await _seed(store, tmp_path)
        config = SlackConfig(api_base_url=fake.api_base_url, mode="http", http_port=0, admins=("U0ADMIN",))
        secrets = Secrets(slack_bot_token=fake.bot_token, slack_signing_secret=SECRET)
        adapter = SlackAdapter(Services(store, check_source_url=_allow_any_url), config, secrets)
        await adapter.start()
        try:
            yield fake, adapter, store, local_path
        finally:
            await adapter.stop()
            await store.close()


async def _slash(fake: FakeSlack, adapter: SlackAdapter, name: str, text: str, channel: str, user: str) -> str:
    import aiohttp

    url = fake.response_url()
    body = slash_command_body(name, text, channel_id=channel, user_id=user, response_url=url)
    async with aiohttp.ClientSession() as session:
        async with session.post(adapter.http.url, data=body.encode(), headers=signed_request(body, SECRET)) as response:
            assert response.status == 200
    await fake.wait_for(lambda: fake.responses_to(url))
    [answer] = fake.responses_to(url)
    return json.dumps(answer.get("blocks"), ensure_ascii=False) + answer.get("text", "")


@pytest.mark.parametrize("row,channel,user", SLACK_ROWS, ids=[r[0].who for r in SLACK_ROWS])
async def test_slack_permission_table(slack, row, channel, user):
    fake, adapter, store, local_path = slack
    url = ADDED.format(who=channel)
    await _slash(fake, adapter, "/subscribe", "", channel, user)
    await _slash(fake, adapter, "/sources", f"add {url}", channel, user)
    listing = await _slash(fake, adapter, "/sources", "", channel, user)
    assert (await store.subscriptions.get("slack", channel) is not None) == row.may_subscribe, row
    assert (url in [s.url for s in await store.sources.list()]) == row.may_add_sources, row
    _check_listing(listing.replace("\\/", "/"), row, local_path)
