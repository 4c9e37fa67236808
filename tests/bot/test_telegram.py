"""The Telegram adapter and sender, running the real PTB Application and Bot over real HTTP
against ``tests/platforms/fake_telegram.py``, with a temporary SQLite store."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import aiohttp
import pytest
from telegram.error import RetryAfter

from bot.config import Secrets
from bot.senders import ChatMigrated, ChatUnavailable, MessageRejected, RetryLater
from bot.telegram import SECRET_HEADER, FloodLimiter, FloodLimits, TelegramAdapter, TelegramSender, delivery_error
from digests.errors import ConfigError
from digests.models import Analysis, Article, Person, Quote
from tests.bot.conftest import TG_ADMIN_USER
from tests.platforms.fake_telegram import FakeLimits, FakeTelegram

# PTB's own RetryAfter constructor reads its deprecated int ``retry_after``.
pytestmark = pytest.mark.filterwarnings("ignore:.*attribute `retry_after`:DeprecationWarning")

GROUP = -1001234
CHANNEL = -1009876

YERMAK_BODY = (
    "Andrii Yermak, the head of Ukraine's presidential office, arrived in Geneva on Sunday for talks "
    "with American officials about a peace framework.\n\n"
    "\"We are working to make sure every step brings a just peace closer,\" Yermak told reporters.\n\n"
    "\"Nothing will be agreed behind Ukraine's back & our partners understand that,\" Yermak said later."
)


def _quote(body: str, text: str, speaker: str, role: str, *, key: bool = False) -> Quote:
    start = body.index(text)
    return Quote(text, speaker=speaker, speaker_role=role, key=key, start=start, end=start + len(text))


def yermak_analysis() -> Analysis:
    """A small hand-written article, with its people and quotes spelled out (verbatim spans)."""
    role = "head of Ukraine's presidential office"
    article = Article(
        url="https://news.example.org/2025/geneva-talks", title="Yermak leads Ukraine's delegation to Geneva",
        body=YERMAK_BODY, published=datetime.now(timezone.utc) - timedelta(hours=2), site_name="Example News",
        source="https://news.example.org/feed.xml",
    )
    quotes = [
        _quote(YERMAK_BODY, "We are working to make sure every step brings a just peace closer", "Andrii Yermak", role, key=True),
        _quote(YERMAK_BODY, "Nothing will be agreed behind Ukraine's back & our partners understand that", "Andrii Yermak", role),
    ]
    return Analysis(
        article=article, headline=article.title, summary=[YERMAK_BODY.split("\n\n")[0]], quotes=quotes,
        people=[Person("Andrii Yermak", aliases=["Yermak"], roles=[role], mentions=3)],
    )


async def _johnsons(store) -> list[str]:
    names = []
    for name, role, slug in [("Boris Johnson", "former British prime minister", "a"), ("Mike Johnson", "House speaker", "b")]:
        body = f"{name}, the {role}, spoke on Monday.\n\n\"We will act,\" {name} said."
        article = Article(url=f"https://news.example.org/{slug}", title=f"{name} speaks", body=body,
                          published=datetime.now(timezone.utc) - timedelta(hours=1))
        await store.articles.save(Analysis(article=article, quotes=[_quote(body, "We will act", name, role)],
                                           people=[Person(name, aliases=["Johnson"], roles=[role], mentions=2)]))
        names.append(name)
    return names


# -- commands through the adapter ---------------------------------------------------------


async def test_who_in_private_chat_answers_role_and_quotes(tg_server, tg_adapter, tg_store):
    analysis = yermak_analysis()
    await tg_store.articles.save(analysis)
    update = tg_server.push_update(tg_server.make_message_update("/who Yermak", chat_id=42))
    answer = (await tg_server.wait_for(1, chat_id=42))[0]
    person = analysis.people[0]
    assert person.name in answer.plain_text
    assert person.roles[0] in answer.plain_text
    for quote in analysis.quotes:
        assert quote.text in answer.plain_text  # "&" arrives escaped and is shown as "&"
    assert answer.parse_mode == "HTML" and answer.photo is not None  # the card is the chart's caption
    assert answer.reply_to is None  # private chats need no reply thread
    assert update["message"]["chat"]["type"] == "private"
    [menu] = tg_server.calls("setMyCommands")  # registered at start
    assert "who" in [c["command"] for c in menu["commands"]]


async def test_digest_in_group_with_bot_suffix_replies_with_the_digest(tg_server, tg_adapter, tg_store):
    analysis = yermak_analysis()
    await tg_store.articles.save(analysis)
    update = tg_server.make_message_update(f"/digest@{tg_server.username}", chat_id=GROUP, chat_type="supergroup", user_id=5)
    tg_server.push_update(update)
    messages = await tg_server.wait_for(1, chat_id=GROUP)
    text = "\n".join(m.plain_text for m in messages)
    assert analysis.headline in text
    assert messages[0].reply_to == update["message"]["message_id"]
    assert tg_server.calls("getChatMember")  # a group member's rights are asked of Telegram


async def test_commands_for_other_bots_unknown_commands_and_other_updates_stay_silent(tg_server, tg_adapter, caplog):
    caplog.set_level(logging.WARNING)
    tg_server.push_update(tg_server.make_message_update("/digest@some_other_bot", chat_id=GROUP, chat_type="supergroup", user_id=5))
    tg_server.push_update(tg_server.make_message_update("/frobnicate", chat_id=GROUP, chat_type="supergroup", user_id=5))
    tg_server.push_update(tg_server.make_message_update("just chatting, no command", chat_id=GROUP, chat_type="supergroup", user_id=5))
    edited = tg_server.make_message_update("/help", chat_id=GROUP, chat_type="supergroup", user_id=5)
    tg_server.push_update({"edited_message": edited["message"]})
    tg_server.push_update({"my_chat_member": {"unknown": "shape"}})
    tg_server.push_update(tg_server.make_message_update("/frobnicate", chat_id=43))  # private: told it is unknown
    tg_server.push_update(tg_server.make_message_update(f"/help@{tg_server.username}", chat_id=GROUP, chat_type="supergroup", user_id=5))
    [private] = await tg_server.wait_for(1, chat_id=43)
    group = await tg_server.wait_for(1, chat_id=GROUP)
    await asyncio.sleep(0.2)
    assert "/frobnicate" in private.plain_text and "/help" in private.plain_text
    assert len(tg_server.sent(GROUP)) == 1 and "/who" in group[0].plain_text  # only the /help answer
    assert [r for r in caplog.records
            if r.levelno >= logging.WARNING and r.name.startswith(("bot.telegram", "telegram"))] == []


async def test_channel_post_subscribe_creates_a_subscription(tg_server, tg_adapter, tg_store):
    tg_server.add_chat(CHANNEL, "channel", "Morning news")
    tg_server.push_update(tg_server.make_message_update("/subscribe ukraine", chat_id=CHANNEL, chat_type="channel"))
    [confirmation] = await tg_server.wait_for(1, chat_id=CHANNEL)
    sub = await tg_store.subscriptions.get("telegram", str(CHANNEL))
    assert sub is not None and sub.chat_kind == "channel" and sub.keywords == ["ukraine"]
    assert sub.digest_time in confirmation.plain_text
    assert tg_server.calls("getChatMember") == []  # a channel post is by its admins


async def test_only_group_admins_may_subscribe_the_group(tg_server, tg_adapter, tg_store):
    tg_server.add_chat(GROUP, "supergroup")
    tg_server.set_member(GROUP, 1001, "member")
    tg_server.set_member(GROUP, 1002, "administrator")
    tg_server.push_update(tg_server.make_message_update("/subscribe", chat_id=GROUP, chat_type="supergroup", user_id=1001))
    [refusal] = await tg_server.wait_for(1, chat_id=GROUP)
    assert "admin" in refusal.plain_text.lower()
    assert await tg_store.subscriptions.get("telegram", str(GROUP)) is None

    tg_server.push_update(tg_server.make_message_update("/subscribe", chat_id=GROUP, chat_type="supergroup", user_id=1002))
    await tg_server.wait_for(2, chat_id=GROUP)
    sub = await tg_store.subscriptions.get("telegram", str(GROUP))
    assert sub is not None and sub.chat_kind == "group" and sub.created_by == "1002"


async def test_configured_admin_may_add_sources_in_a_private_chat(tg_server, tg_adapter, tg_store):
    url = "https://feeds.example.org/world.xml"
    tg_server.push_update(tg_server.make_message_update(f"/sources add {url}", chat_id=50, user_id=50))
    [refused] = await tg_server.wait_for(1, chat_id=50)
    tg_server.push_update(tg_server.make_message_update(f"/sources add {url}", chat_id=TG_ADMIN_USER))
    [added] = await tg_server.wait_for(1, chat_id=TG_ADMIN_USER)
    assert "admin" in refused.plain_text.lower()
    assert [s.url for s in await tg_store.sources.list()] == [url] and url in added.plain_text


async def test_ambiguous_who_offers_a_button_per_person_and_the_button_runs_its_command(tg_server, tg_adapter, tg_store):
    names = await _johnsons(tg_store)
    tg_server.push_update(tg_server.make_message_update("/who Johnson", chat_id=44))
    [choice] = await tg_server.wait_for(1, chat_id=44)
    assert [label for label, _ in choice.buttons] == names
    label, command = choice.buttons[1]
    tg_server.push_update(tg_server.make_callback_update(choice, command, user_id=44))
    messages = await tg_server.wait_for(2, chat_id=44)
    assert len(tg_server.calls("answerCallbackQuery")) == 1
    assert messages[1].plain_text.startswith(label) and names[0] not in messages[1].plain_text


async def test_a_token_telegram_refuses_is_a_config_error(tg_server, tg_config, tg_services):
    adapter = TelegramAdapter(tg_config, Secrets(telegram_bot_token="999:revoked"), tg_services)
    with pytest.raises(ConfigError, match="TELEGRAM_BOT_TOKEN"):
        await adapter.start()
    await adapter.stop()
    assert tg_server.calls("getUpdates") == [] and tg_server.sent() == []


# -- webhook mode -------------------------------------------------------------------------


async def test_webhook_accepts_only_requests_with_the_secret_token(tg_server, tg_config, tg_secrets, tg_services):
    config = replace(tg_config, mode="webhook", webhook_port=0, webhook_url="https://bot.example.org/telegram")
    adapter = TelegramAdapter(config, tg_secrets, tg_services)
    await adapter.start()
    try:
        [registered] = tg_server.calls("setWebhook")
        assert registered["url"] == config.webhook_url and registered["secret_token"] == tg_secrets.telegram_webhook_secret
        url = adapter.webhook.url
        update = tg_server.make_message_update("/help", chat_id=45)
        async with aiohttp.ClientSession() as http:
            for headers in ({}, {SECRET_HEADER: "wrong"}):
                async with http.post(url, json=update, headers=headers) as resp:
                    assert resp.status == 403
            await asyncio.sleep(0.2)
            assert tg_server.sent(45) == []
            async with http.post(url, json=update, headers={SECRET_HEADER: tg_secrets.telegram_webhook_secret}) as resp:
                assert resp.status == 200
        [answer] = await tg_server.wait_for(1, chat_id=45)
        assert "/who" in answer.plain_text
        assert tg_server.calls("getUpdates") == []
    finally:
        await adapter.stop()


# -- the outbox sender --------------------------------------------------------------------

SCALE = 0.005  # Telegram's windows shrunk 200 times: 20 per minute becomes 20 per 0.3 s


async def _send_until_delivered(sender: TelegramSender, chat_id: str, payload: dict, key: str) -> str:
    """What the delivery loop does with one outbox row: retry after RetryLater."""
    while True:
        try:
            return await sender.send(chat_id, payload, key)
        except RetryLater as exc:
            await asyncio.sleep(exc.seconds if exc.seconds is not None else 0.05)


@pytest.fixture
async def tg_scaled_server():
    async with FakeTelegram(time_scale=SCALE) as server:
        yield server


@pytest.fixture
async def tg_sender(tg_scaled_server, tg_config, tg_secrets):
    config = replace(tg_config, base_url=tg_scaled_server.base_url)
    sender = TelegramSender.from_config(config, tg_secrets, limiter=FloodLimiter(FloodLimits().scaled(SCALE)))
    async with sender:
        yield sender


async def test_burst_of_200_to_one_channel_arrives_once_in_order_without_429(tg_scaled_server, tg_sender):
    texts = [f"<b>Story {i}</b> &amp; more" for i in range(200)]
    ids = [await _send_until_delivered(tg_sender, str(CHANNEL), {"text": text}, f"row-{i}") for i, text in enumerate(texts)]
    delivered = tg_scaled_server.sent(CHANNEL)
    assert [m.text for m in delivered] == texts
    assert ids == [str(m.message_id) for m in delivered] and len(set(ids)) == 200
    assert tg_scaled_server.rate_limited == []  # the limiter kept under Telegram's limits
    # 20 per (scaled) minute: 200 messages cannot have taken less than 9 windows.
    assert delivered[-1].at - delivered[0].at >= 9 * 60 * SCALE


async def test_a_429_holds_back_that_chat_only(tg_scaled_server, tg_sender):
    # Telegram is stricter than the limiter believes: 1 message per second in a chat, not 5 ms
    # (a second, not less: on a loaded machine the next send may take a few hundred ms to arrive).
    tg_scaled_server.limits = FakeLimits(per_chat_interval=200.0)
    await tg_sender.send("501", {"text": "first"}, "a1")
    with pytest.raises(RetryLater) as flood:
        await tg_sender.send("501", {"text": "second"}, "a2")
    [(chat, retry_after)] = tg_scaled_server.rate_limited
    assert chat == 501 and flood.value.seconds == pytest.approx(retry_after)
    assert await tg_sender.send("502", {"text": "other chat"}, "b1")  # not held back
    with pytest.raises(RetryLater):  # still waiting: refused here, Telegram is not asked again
        await tg_sender.send("501", {"text": "second"}, "a2")
    assert len(tg_scaled_server.rate_limited) == 1
    await asyncio.sleep(flood.value.seconds)
    await tg_sender.send("501", {"text": "second"}, "a2")
    assert [m.text for m in tg_scaled_server.sent(501)] == ["first", "second"]


async def test_bad_html_and_too_long_text_are_rejected_and_reported(tg_scaled_server, tg_sender):
    with pytest.raises(MessageRejected, match="(?i)can't parse entities"):
        await tg_sender.send("601", {"text": "<p>not a Telegram tag</p>"}, "r1")
    with pytest.raises(MessageRejected, match="(?i)message is too long"):
        await tg_sender.send("602", {"text": "word " * 1000}, "r2")
    report = "Rejected for chat 601: <p>not a Telegram tag</p> (can't parse entities)"
    assert await tg_sender.report_rejected("900", report)
    [posted] = tg_scaled_server.sent(900)
    assert posted.plain_text == report and posted.parse_mode is None
    assert tg_scaled_server.sent(601) == [] and tg_scaled_server.sent(602) == []


async def test_kicked_bot_and_unknown_chat_make_the_chat_unavailable(tg_scaled_server, tg_sender):
    tg_scaled_server.add_chat(CHANNEL, "channel")
    tg_scaled_server.kick(CHANNEL)
    with pytest.raises(ChatUnavailable, match="kicked"):
        await tg_sender.send(str(CHANNEL), {"text": "hello"}, "k1")
    tg_scaled_server.known_chats_only = True
    with pytest.raises(ChatUnavailable, match="(?i)chat not found"):
        await tg_sender.send("-100555", {"text": "hello"}, "k2")


async def test_migrated_group_names_its_new_chat(tg_scaled_server, tg_sender):
    tg_scaled_server.migrate(-4001, -1004001)
    with pytest.raises(ChatMigrated) as migrated:
        await tg_sender.send("-4001", {"text": "hello"}, "m1")
    assert migrated.value.new_chat_id == "-1004001"
    await tg_sender.send(migrated.value.new_chat_id, {"text": "hello"}, "m1")
    assert [m.text for m in tg_scaled_server.sent(-1004001)] == ["hello"]


async def test_buttons_become_an_inline_keyboard_carrying_the_command(tg_scaled_server, tg_sender):
    payload = {"text": "Page 1", "disable_web_page_preview": True,
               "buttons": [[{"label": "Next page", "command": "/latest 20"}]]}
    await tg_sender.send("701", payload, "p1")
    [message] = tg_scaled_server.sent(701)
    assert message.buttons == [("Next page", "/latest 20")] and message.link_preview_disabled
    assert await tg_sender.already_sent("701", "p1") is None  # Telegram offers no way to look


@pytest.mark.parametrize("retry_after", [7, timedelta(seconds=7)])
def test_retry_after_as_int_or_timedelta_becomes_seconds(retry_after):
    error = delivery_error(RetryAfter(retry_after))
    assert isinstance(error, RetryLater) and error.seconds == 7.0
