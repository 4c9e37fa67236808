"""The Slack app over real HTTP: Bolt's AsyncApp behind our aiohttp server, signed slash
commands, the fake Slack (tests/platforms/fake_slack.py) as Web API and response_url, and a
temporary SQLite store holding a hand-written article about Andrii Yermak."""

from __future__ import annotations

import asyncio
import json
import re
import time
from urllib.parse import urlencode
from datetime import datetime, timedelta, timezone
from pathlib import Path

import aiohttp
import pytest

from bot.commands import Services
from bot.config import Secrets, SlackConfig
from bot.senders import ChatUnavailable, MessageRejected, RetryLater, SenderUnavailable
from bot.slack import SLASH_COMMANDS, ChannelPacer, ReplayGuard, SlackAdapter, SlackSender, parse_slash_command
from bot.slack.render import SlackMessage, render_slack
from digests.answers import Digest, DigestItem, DigestSection
from digests.models import Analysis, Article, Person, Quote
from digests.store import Store
from bot.slack.home import HOME_MAX_BLOCKS, home_view
from digests.answers import SubscriptionList
from tests.platforms.blockkit import validate_message
from tests.platforms.fake_slack import FakeSlack, signed_request, slash_command_body

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
ADMIN, BOSS, ALICE = "U0ADMIN", "U0BOSS", "U0ALICE"
CHANNEL, OTHER_CHANNEL, DM = "C0NEWS", "C0OTHER", "D0ALICE"


def yermak_analysis(published: datetime) -> Analysis:
    """A short hand-written article: one person with a role and two quotes."""
    said = "We will not trade our territory for promises"
    later = "Security guarantees must come first, and they must be real"
    body = (
        "Andrii Yermak, the head of the Presidential Office of Ukraine, met European envoys in Kyiv on Tuesday.\n\n"
        f"“{said},” Yermak told reporters after the meeting.\n\n"
        f"He added: “{later}.” The talks continue next week in Geneva."
    )
    role = "head of the Presidential Office of Ukraine"
    article = Article(
        url="https://news.example.org/2025/yermak-envoys", title="Yermak meets European envoys in Kyiv", body=body,
        published=published, site_name="Example News", source="https://news.example.org/rss.xml", language="en",
    )
    quotes = [
        Quote(text=said, speaker="Andrii Yermak", speaker_role=role, key=True, start=body.index(said), end=body.index(said) + len(said)),
        Quote(text=later, speaker="Andrii Yermak", speaker_role=role, start=body.index(later), end=body.index(later) + len(later)),
    ]
    return Analysis(
        article=article,
        summary=["Andrii Yermak, the head of the Presidential Office of Ukraine, met European envoys in Kyiv on Tuesday."],
        quotes=quotes,
        people=[Person(name="Andrii Yermak", aliases=["Yermak"], roles=[role], mentions=2)],
    )


@pytest.fixture
async def store(tmp_path):
    store = await Store.open(str(tmp_path / "slack.db"))
    await store.articles.save(yermak_analysis(datetime.now(timezone.utc) - timedelta(hours=1)))
    yield store
    await store.close()


@pytest.fixture
async def fake_slack():
    users = {ADMIN: {"name": "admin"}, BOSS: {"name": "boss", "is_admin": True}, ALICE: {"name": "alice"}}
    async with FakeSlack(users=users) as slack:
        yield slack


def slack_config(slack: FakeSlack, mode: str = "http") -> SlackConfig:
    return SlackConfig(api_base_url=slack.api_base_url, mode=mode, http_port=0, admins=(ADMIN,))


@pytest.fixture
async def make_adapter(fake_slack):
    started: list[SlackAdapter] = []

    async def make(store, mode: str = "http") -> SlackAdapter:
        secrets = Secrets(slack_bot_token=fake_slack.bot_token, slack_app_token=fake_slack.app_token,
                          slack_signing_secret=SECRET)
        adapter = SlackAdapter(Services(store=store), slack_config(fake_slack, mode), secrets)
        await adapter.start()
        started.append(adapter)
        return adapter

    yield make
    for adapter in started:
        await adapter.stop()


@pytest.fixture
async def adapter(make_adapter, store):
    return await make_adapter(store)


async def post(adapter: SlackAdapter, body: str, headers: dict[str, str]) -> tuple[int, float]:
    """POST to the app's HTTP endpoint; (status, seconds until the HTTP answer)."""
    started = time.monotonic()
    async with aiohttp.ClientSession() as session:
        async with session.post(adapter.http.url, data=body.encode(), headers=headers) as response:
            await response.read()
            return response.status, time.monotonic() - started


async def command(adapter, slack, name, text="", *, user=ALICE, channel=CHANNEL, secret=SECRET, timestamp=None):
    """A slash command as Slack posts it; returns (status, seconds, response_url)."""
    url = slack.response_url()
    body = slash_command_body(name, text, channel_id=channel, user_id=user, response_url=url)
    status, took = await post(adapter, body, signed_request(body, secret, timestamp))
    return status, took, url


def all_text(response: dict) -> str:
    return json.dumps(response.get("blocks"), ensure_ascii=False) + response.get("text", "")


# -- slash commands ------------------------------------------------------------------------------------
async def test_who_answers_within_three_seconds_with_role_and_quotes(adapter, fake_slack):
    started = time.monotonic()
    status, took, url = await command(adapter, fake_slack, "/who", "Yermak")
    assert status == 200 and took < 3
    await fake_slack.wait_for(lambda: fake_slack.responses_to(url), timeout=3)
    assert time.monotonic() - started < 3
    [answer] = fake_slack.responses_to(url)
    shown = all_text(answer)
    assert "Andrii Yermak" in shown
    assert "head of the Presidential Office of Ukraine" in shown
    assert "We will not trade our territory for promises" in shown
    assert answer["response_type"] == "ephemeral"  # a personal lookup is not posted to the channel


async def test_news_subcommand_and_share_post_to_the_channel(adapter, fake_slack):
    status, _, url = await command(adapter, fake_slack, "/news", "share who Yermak")
    assert status == 200
    await fake_slack.wait_for(lambda: fake_slack.responses_to(url))
    [answer] = fake_slack.responses_to(url)
    assert answer["response_type"] == "in_channel"
    assert "Andrii Yermak" in all_text(answer)


class _GatedArticles:
    """store.articles whose digest query waits for the test to open the gate: a /digest as slow
    as we like, deterministically."""

    def __init__(self, articles, gate: asyncio.Event) -> None:
        self._articles, self._gate = articles, gate

    async def in_window(self, *args, **kwargs):
        await self._gate.wait()
        return await self._articles.in_window(*args, **kwargs)

    def __getattr__(self, name):
        return getattr(self._articles, name)


class _GatedStore:
    def __init__(self, store: Store, gate: asyncio.Event) -> None:
        self._store = store
        self.articles = _GatedArticles(store.articles, gate)

    def __getattr__(self, name):
        return getattr(self._store, name)


async def test_slow_digest_acks_at_once_and_arrives_through_response_url(make_adapter, store, fake_slack):
    gate = asyncio.Event()
    adapter = await make_adapter(_GatedStore(store, gate))
    status, took, url = await command(adapter, fake_slack, "/digest", "share")
    # Slack got its 200 while the digest was still being composed (the gate is shut).
    assert status == 200 and took < 3 and not gate.is_set()
    assert fake_slack.responses_to(url) == []
    gate.set()
    await fake_slack.wait_for(lambda: fake_slack.responses_to(url), timeout=5)
    first = fake_slack.responses_to(url)[0]
    assert first["response_type"] == "in_channel"
    assert "Yermak meets European envoys in Kyiv" in all_text(first)


async def test_subscribe_another_channel_needs_an_admin(adapter, fake_slack, store):
    mention = f"<#{OTHER_CHANNEL}|world-news>"
    _, _, refused = await command(adapter, fake_slack, "/subscribe", f"{mention} ukraine", user=ALICE, channel=DM)
    await fake_slack.wait_for(lambda: fake_slack.responses_to(refused))
    assert await store.subscriptions.get("slack", OTHER_CHANNEL) is None
    assert "admin" in all_text(fake_slack.responses_to(refused)[0]).lower()

    # A workspace admin by users.info (not listed in [slack] admins) may.
    _, _, url = await command(adapter, fake_slack, "/subscribe", f"{mention} ukraine", user=BOSS, channel=DM)
    await fake_slack.wait_for(lambda: fake_slack.responses_to(url))
    sub = await store.subscriptions.get("slack", OTHER_CHANNEL)
    assert sub is not None and sub.keywords == ["ukraine"] and sub.created_by == BOSS


async def test_a_button_runs_its_command_and_answers_through_response_url(adapter, fake_slack):
    url = fake_slack.response_url()
    payload = {
        "type": "block_actions", "team": {"id": "T0FAKE"}, "user": {"id": ALICE}, "api_app_id": "A0FAKE",
        "channel": {"id": CHANNEL}, "container": {"type": "message", "channel_id": CHANNEL}, "trigger_id": "1.2",
        "response_url": url,
        "actions": [{"type": "button", "action_id": "newsdigest_button_0", "block_id": "b1", "value": "/latest 1",
                     "action_ts": "1.3"}],
    }
    body = urlencode({"payload": json.dumps(payload)})
    assert (await post(adapter, body, signed_request(body, SECRET)))[0] == 200
    await fake_slack.wait_for(lambda: fake_slack.responses_to(url))
    assert "Yermak meets European envoys in Kyiv" in all_text(fake_slack.responses_to(url)[0])


# -- refused requests -------------------------------------------------------------------------------------
async def _subscribed(store) -> None:
    await store.subscriptions.upsert("slack", CHANNEL, chat_kind="channel", keywords=["kyiv"])


async def test_bad_signature_and_unsigned_requests_are_refused_and_do_nothing(adapter, fake_slack, store):
    await _subscribed(store)
    status, _, url = await command(adapter, fake_slack, "/unsubscribe", user=ADMIN, secret="not-the-secret")
    assert status == 401
    body = slash_command_body("/unsubscribe", channel_id=CHANNEL, user_id=ADMIN, response_url=url)
    assert (await post(adapter, body, {"Content-Type": "application/x-www-form-urlencoded"}))[0] == 401
    await asyncio.sleep(0.2)
    assert await store.subscriptions.get("slack", CHANNEL) is not None
    assert fake_slack.responses == []


async def test_stale_timestamp_is_refused_even_when_correctly_signed(adapter, fake_slack, store):
    await _subscribed(store)
    status, _, _ = await command(adapter, fake_slack, "/unsubscribe", user=ADMIN, timestamp=int(time.time()) - 6 * 60)
    assert status == 401
    await asyncio.sleep(0.2)
    assert await store.subscriptions.get("slack", CHANNEL) is not None
    assert fake_slack.responses == []


async def test_exact_replay_within_the_window_is_refused(adapter, fake_slack, store):
    await _subscribed(store)
    url = fake_slack.response_url()
    body = slash_command_body("/unsubscribe", channel_id=CHANNEL, user_id=ADMIN, response_url=url)
    headers = signed_request(body, SECRET)
    assert (await post(adapter, body, headers))[0] == 200
    await fake_slack.wait_for(lambda: fake_slack.responses_to(url))
    assert await store.subscriptions.get("slack", CHANNEL) is None
    await _subscribed(store)  # subscribed again since; a replayed /unsubscribe must not undo it

    assert (await post(adapter, body, headers))[0] == 401
    await asyncio.sleep(0.2)
    assert await store.subscriptions.get("slack", CHANNEL) is not None
    assert len(fake_slack.responses_to(url)) == 1


def test_replay_guard_forgets_pairs_once_the_window_has_passed():
    now = [1_700_000_000.0]
    guard = ReplayGuard(SECRET, now=lambda: now[0])
    body = slash_command_body("/who", "Yermak")
    headers = signed_request(body, SECRET, timestamp=int(now[0]))
    assert guard.refusal(body, headers) is None
    assert guard.refusal(body, headers) == "replayed"
    now[0] += 6 * 60
    assert guard.refusal(body, headers) == "stale timestamp"  # and the pair was dropped
    assert len(guard) == 0


# -- App Home ---------------------------------------------------------------------------------------------
async def test_app_home_shows_the_users_subscriptions_and_latest_digest(adapter, fake_slack, store):
    await store.subscriptions.upsert("slack", CHANNEL, chat_kind="channel", keywords=["ukraine"], created_by=ALICE)
    await store.subscriptions.upsert("slack", OTHER_CHANNEL, chat_kind="channel", created_by=BOSS)
    body = json.dumps({
        "token": "x", "team_id": "T0FAKE", "api_app_id": "A0FAKE", "type": "event_callback", "event_id": "Ev1",
        "event_time": int(time.time()),
        "event": {"type": "app_home_opened", "user": ALICE, "channel": DM, "tab": "home", "event_ts": "1.2"},
    })
    headers = {**signed_request(body, SECRET), "Content-Type": "application/json"}
    assert (await post(adapter, body, headers))[0] == 200
    await fake_slack.wait_for(lambda: fake_slack.views, timeout=5)
    [(user, view)] = fake_slack.views
    shown = json.dumps(view, ensure_ascii=False)
    assert user == ALICE and view["type"] == "home" and len(view["blocks"]) <= 100
    assert "ukraine" in shown and OTHER_CHANNEL not in shown  # only Alice's subscription
    assert "Yermak meets European envoys in Kyiv" in shown


def test_home_view_cuts_a_long_digest_to_the_home_tab_limit():
    view = home_view(SubscriptionList(title="Your subscriptions"), big_digest(60))
    assert len(view["blocks"]) <= HOME_MAX_BLOCKS
    assert "/digest" in json.dumps(view["blocks"][-1])  # says where the rest is
    assert "Story number 0" in json.dumps(view)


# -- long answers -----------------------------------------------------------------------------------------
async def test_answers_longer_than_five_parts_continue_through_the_web_api(adapter, fake_slack):
    fake_slack.rate_per_second, fake_slack.burst = 1000, 10
    url = fake_slack.response_url()
    parts = [SlackMessage(text=f"part {i}", blocks=[{"type": "section", "text": {"type": "mrkdwn", "text": f"part {i}"}}])
             for i in range(1, 8)]
    await adapter.deliver_answer(parts, shared=True, response_url=url, channel=CHANNEL, user=ALICE)
    assert [r["text"] for r in fake_slack.responses_to(url)] == [f"part {i}" for i in range(1, 6)]
    assert [m.text for m in fake_slack.messages_in(CHANNEL)] == ["part 6", "part 7"]


# -- the sender -------------------------------------------------------------------------------------------
def big_digest(items: int = 40) -> Digest:
    now = datetime.now(timezone.utc)
    return Digest(title="Morning digest", since=now - timedelta(days=1), until=now, sections=[DigestSection(None, [
        DigestItem(story_id=f"s{i}", headline=f"Story number {i}", url=f"https://news.example.org/{i}",
                   source="Example News", published=now, summary=[f"Summary sentence of story {i}."])
        for i in range(items)])])


async def deliver(sender: SlackSender, channel: str, payloads: list[dict]) -> int:
    """What the outbox does, reduced: send in order; on RetryLater wait as told and try again."""
    retries = 0
    for i, payload in enumerate(payloads):
        while True:
            try:
                await sender.send(channel, payload, f"{channel}:{i}")
                break
            except RetryLater as exc:
                retries += 1
                await asyncio.sleep(exc.seconds if exc.seconds is not None else 0.1)
    return retries


async def test_rate_limited_digest_to_three_channels_arrives_complete_and_in_order(fake_slack):
    fake_slack.rate_per_second, fake_slack.burst, fake_slack.whole_second_retry_after = 8, 1, False
    messages = render_slack(big_digest())
    assert len(messages) >= 2
    problems = [validate_message({"text": m.text, "blocks": m.blocks}) for m in messages]
    assert not any(problems), f"render_slack made messages Slack refuses: {problems}"
    payloads = [{"text": m.text, "blocks": m.blocks} for m in messages] * 2  # a digest, then it again
    # Paced faster than the fake allows, so Slack's 429s must be honoured.
    sender = SlackSender(fake_slack.bot_token, api_base_url=fake_slack.api_base_url, messages_per_second_per_channel=50)
    channels = ["C0ONE", "C0TWO", "C0THREE"]
    retries = await asyncio.gather(*(deliver(sender, c, payloads) for c in channels))
    assert sum(retries) > 0 and any(call.status == 429 for call in fake_slack.calls)
    for channel in channels:
        posted = fake_slack.messages_in(channel)
        assert [m.text for m in posted] == [p["text"] for p in payloads]
        assert [m.metadata["event_payload"]["key"] for m in posted] == [f"{channel}:{i}" for i in range(len(payloads))]


async def test_sender_errors_tell_the_outbox_what_to_do(fake_slack):
    fake_slack.not_in_channel.add("C0GONE")
    sender = SlackSender(fake_slack.bot_token, api_base_url=fake_slack.api_base_url, messages_per_second_per_channel=0)
    payload = {"text": "hello", "blocks": []}
    with pytest.raises(ChatUnavailable, match="not_in_channel"):
        await sender.send("C0GONE", payload, "k1")
    bad_token = SlackSender("xoxb-wrong", api_base_url=fake_slack.api_base_url)
    with pytest.raises(SenderUnavailable, match="invalid_auth"):  # the token, not the channel
        await bad_token.send(CHANNEL, payload, "k2")
    too_long = {"text": "x", "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "y" * 3001}}]}
    with pytest.raises(MessageRejected, match="invalid_blocks"):
        await sender.send(CHANNEL, too_long, "k3")
    fake_slack.script_error("chat.postMessage", status=503)
    with pytest.raises(RetryLater):
        await sender.send(CHANNEL, payload, "k4")
    # slack_sdk must not have retried on its own: one call, nothing posted.
    assert [c.status for c in fake_slack.calls if c.params.get("metadata", {}).get("event_payload", {}).get("key") == "k4"] == [503]
    assert fake_slack.messages == []


async def test_already_sent_finds_a_posted_key(fake_slack):
    # Paced at Slack's one message a second per channel: no 429 from the fake.
    sender = SlackSender(fake_slack.bot_token, api_base_url=fake_slack.api_base_url)
    ts = await sender.send(CHANNEL, {"text": "digest", "blocks": []}, "digest:42:2025-06-01")
    await sender.send(CHANNEL, {"text": "later", "blocks": []}, "digest:43:2025-06-01")
    assert await sender.already_sent(CHANNEL, "digest:42:2025-06-01") == ts
    assert await sender.already_sent(CHANNEL, "digest:44:2025-06-01") is None
    assert await sender.already_sent("C0EMPTY", "digest:42:2025-06-01") is None


async def test_pacer_spaces_one_channel_and_leaves_others_alone():
    clock = [0.0]
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)
        clock[0] += seconds

    pacer = ChannelPacer(1.0, now=lambda: clock[0], sleep=sleep)
    for _ in range(3):
        await pacer.wait("C1")
    await pacer.wait("C2")
    assert slept == [1.0, 1.0]  # C1's 2nd and 3rd wait a second each; C2 goes at once


def test_manifest_declares_every_command_the_app_listens_to():
    manifest = (Path(__file__).resolve().parents[2] / "slack-manifest.yml").read_text(encoding="utf-8")
    declared = re.findall(r"^\s*- command: (/\S+)", manifest, flags=re.M)
    assert sorted(declared) == sorted(SLASH_COMMANDS)  # an undeclared command never reaches us
    assert re.search(r"^\s*- app_home_opened", manifest, flags=re.M)
    assert re.search(r"^\s*socket_mode_enabled: true", manifest, flags=re.M)


# -- translation --------------------------------------------------------------------------------------------
def test_slash_payload_becomes_a_core_request():
    dm = parse_slash_command({"command": "/news", "text": "who Andrii Yermak", "channel_id": DM, "user_id": ALICE})
    assert (dm.request.command, dm.request.args, dm.request.chat_kind, dm.shared) == ("who", ("Andrii", "Yermak"), "private", False)
    sub = parse_slash_command(
        {"command": "/subscribe", "text": "<#C0WORLD|world> ukraine energy", "channel_id": CHANNEL, "user_id": ADMIN},
        is_admin=True,
    )
    assert (sub.request.chat_id, sub.request.args, sub.request.chat_kind, sub.request.is_admin) == (
        "C0WORLD", ("ukraine", "energy"), "channel", True)
    assert sub.channel_id == CHANNEL
    escaped = parse_slash_command({"command": "/search", "text": "AT&amp;T", "channel_id": CHANNEL, "user_id": ALICE})
    assert escaped.request.args == ("AT&T",)
