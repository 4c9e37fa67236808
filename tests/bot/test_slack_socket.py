"""The same Slack listeners over Socket Mode: Bolt's AsyncSocketModeHandler connects to the
fake Slack's local WebSocket (the URL comes from apps.connections.open), receives envelopes,
acks them on the socket and answers through response_url."""

from __future__ import annotations

import asyncio
import json
import time

import pytest

from bot.commands import Services
from bot.config import Secrets
from bot.slack import SlackAdapter
from digests.errors import ConfigError

from tests.bot.test_slack import (  # noqa: F401  (fixtures)
    ALICE, CHANNEL, DM, SECRET, _GatedStore, all_text, fake_slack, make_adapter, slack_config, store,
)


def slash_payload(slack, command: str, text: str, *, channel: str = CHANNEL, user: str = ALICE) -> tuple[dict, str]:
    url = slack.response_url()
    return {
        "token": "x", "team_id": "T0FAKE", "team_domain": "fake", "channel_id": channel, "channel_name": "news",
        "user_id": user, "user_name": "alice", "command": command, "text": text, "api_app_id": "A0FAKE",
        "is_enterprise_install": "false", "response_url": url, "trigger_id": "1.2.3",
    }, url


async def test_slash_command_over_socket_mode_is_acked_then_answered(make_adapter, store, fake_slack):
    adapter = await make_adapter(store, mode="socket")
    assert any(call.method == "apps.connections.open" for call in fake_slack.calls)
    payload, url = slash_payload(fake_slack, "/who", "Yermak")
    started = time.monotonic()
    envelope_id = await fake_slack.send_envelope("slash_commands", payload, accepts_response_payload=True)
    ack = await fake_slack.wait_for_ack(envelope_id, timeout=3)
    assert ack["envelope_id"] == envelope_id
    await fake_slack.wait_for(lambda: fake_slack.responses_to(url), timeout=3)
    assert time.monotonic() - started < 3
    [answer] = fake_slack.responses_to(url)
    assert "Andrii Yermak" in all_text(answer)
    assert "We will not trade our territory for promises" in all_text(answer)
    assert answer["response_type"] == "ephemeral"
    await adapter.stop()


async def test_slow_digest_over_socket_mode_acks_before_composing(make_adapter, store, fake_slack):
    gate = asyncio.Event()
    await make_adapter(_GatedStore(store, gate), mode="socket")
    payload, url = slash_payload(fake_slack, "/digest", "")
    envelope_id = await fake_slack.send_envelope("slash_commands", payload, accepts_response_payload=True)
    await fake_slack.wait_for_ack(envelope_id, timeout=3)  # acked while the digest is still blocked
    assert fake_slack.responses_to(url) == []
    gate.set()
    await fake_slack.wait_for(lambda: fake_slack.responses_to(url), timeout=5)
    assert "Yermak meets European envoys in Kyiv" in all_text(fake_slack.responses_to(url)[0])


async def test_app_home_over_socket_mode_publishes_a_view(make_adapter, store, fake_slack):
    await make_adapter(store, mode="socket")
    event = {
        "token": "x", "team_id": "T0FAKE", "api_app_id": "A0FAKE", "type": "event_callback", "event_id": "Ev2",
        "event_time": int(time.time()),
        "event": {"type": "app_home_opened", "user": ALICE, "channel": DM, "tab": "home", "event_ts": "1.2"},
    }
    envelope_id = await fake_slack.send_envelope("events_api", event)
    await fake_slack.wait_for_ack(envelope_id)
    await fake_slack.wait_for(lambda: fake_slack.views, timeout=5)
    [(user, view)] = fake_slack.views
    assert user == ALICE and "Yermak meets European envoys in Kyiv" in json.dumps(view, ensure_ascii=False)


async def test_refused_tokens_fail_at_start_instead_of_reconnecting_forever(store, fake_slack):
    bad_app = SlackAdapter(Services(store=store), slack_config(fake_slack, "socket"),
                           Secrets(slack_bot_token=fake_slack.bot_token, slack_app_token="xapp-revoked"))
    with pytest.raises(ConfigError, match="SLACK_APP_TOKEN.*invalid_auth"):
        await asyncio.wait_for(bad_app.start(), 5)
    bad_bot = SlackAdapter(Services(store=store), slack_config(fake_slack, "http"),
                           Secrets(slack_bot_token="xoxb-revoked", slack_signing_secret=SECRET))
    with pytest.raises(ConfigError, match="SLACK_BOT_TOKEN.*invalid_auth"):
        await asyncio.wait_for(bad_bot.start(), 5)
    assert bad_bot.http is None  # nothing left listening
