"""A third chat platform is one class and one ``register_platform`` call.

The platform below exists only in this test: its "servers" are a local HTTP endpoint that
receives the bot's messages as JSON (``http_server``), and its adapter is a small webhook
receiver the "platform" posts commands to. Nothing else in the bot is told about it, yet
``NewsdigestApp.serve`` opens its sender, delivers a scheduled digest to it through the
real outbox and Deliverer, starts its adapter and answers a ``/who`` through it.
"""

from __future__ import annotations

import asyncio
import json
from contextlib import AsyncExitStack
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from rich.console import Console

from bot.app import NewsdigestApp
from bot.commands import Services, handle, parse_command
from bot.config import Secrets, StoreConfig, load_config
from bot.digest_jobs import payloads_for
from bot.platforms import Rate, platform, platforms, register_platform, unregister_platform
from bot.senders import RetryLater
from digests.render.text import render_text
from tests.httpserver import RecordedRequest, Reply

NAME = "webhook"
CHAT = "room-1"


class WebhookSender:
    """Posts ``{"chat_id", "key", "payload"}`` to the platform; its answer's ``id`` is the
    message id."""

    platform = NAME

    def __init__(self, endpoint: str) -> None:
        self.endpoint = endpoint
        self._session: aiohttp.ClientSession | None = None

    async def start(self) -> None:
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10))

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()

    async def send(self, chat_id: str, payload: dict[str, Any], idempotency_key: str) -> str:
        assert self._session is not None
        try:
            async with self._session.post(self.endpoint, json={"chat_id": chat_id, "key": idempotency_key,
                                                               "payload": payload}) as response:
                response.raise_for_status()
                return str((await response.json())["id"])
        except aiohttp.ClientError as exc:
            raise RetryLater(f"webhook: {exc}") from exc

    async def already_sent(self, chat_id: str, idempotency_key: str) -> str | None:
        return None


class WebhookAdapter:
    """The platform POSTs ``{"chat_id", "user_id", "text"}`` here; the answer goes back
    through the sender, as a chat reply would."""

    def __init__(self, plugin: WebhookPlatform, services: Services, sender: WebhookSender) -> None:
        self.plugin, self.services, self.sender = plugin, services, sender
        self._runner: web.AppRunner | None = None
        self.url = ""

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/commands", self._on_command)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.url = f"http://127.0.0.1:{self._runner.addresses[0][1]}/commands"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _on_command(self, request: web.Request) -> web.Response:
        body = await request.json()
        parsed = parse_command(body["text"])
        if parsed is None:
            return web.json_response({"ok": False}, status=400)
        answer = await handle(replace(parsed, platform=NAME, chat_id=body["chat_id"], user_id=body["user_id"],
                                      chat_kind="group"), self.services)
        ids = [await self.sender.send(body["chat_id"], payload, f"reply:{body['chat_id']}")
               for payload in self.plugin.payloads(answer)]
        return web.json_response({"ok": True, "ids": ids})


class WebhookPlatform:
    name = NAME
    label = "Webhook"
    home_chat = None

    def __init__(self, endpoint: str) -> None:
        self.endpoint = endpoint

    def enabled(self, secrets: Secrets) -> bool:
        return True

    async def open_sender(self, config, stack: AsyncExitStack, *, console=None) -> WebhookSender:
        sender = WebhookSender(self.endpoint)
        await sender.start()
        stack.push_async_callback(sender.close)
        return sender

    def adapter(self, config, services: Services, sender=None) -> WebhookAdapter:
        return WebhookAdapter(self, services, sender)

    def payloads(self, answer) -> list[dict[str, Any]]:
        return [{"text": render_text(answer)}]

    def preview(self, answer) -> str:
        return render_text(answer)

    def rates(self, config, chat_id: str) -> list[tuple[str, Rate]]:
        return [(f"{NAME}:chat:{chat_id}", Rate(10.0))]

    def admin_chat(self, config) -> str | None:
        return None


class PlatformServer:
    """The third platform's API: records each message the bot posts."""

    def __init__(self, http_server) -> None:
        self.received: list[dict] = []
        self.url = http_server.handler("/messages", self._receive)

    def _receive(self, request: RecordedRequest) -> Reply:
        self.received.append(request.json())
        return Reply.json({"id": f"m{len(self.received)}"})

    async def wait_for(self, predicate, timeout: float = 60.0) -> list[dict]:
        for _ in range(int(timeout / 0.05)):
            found = [m for m in self.received if predicate(m)]
            if found:
                return found
            await asyncio.sleep(0.05)
        raise AssertionError(f"nothing matching arrived; received: {json.dumps(self.received)[:2000]}")


@pytest.fixture
def third_platform(http_server):
    server = PlatformServer(http_server)
    register_platform(WebhookPlatform(server.url))
    try:
        yield server
    finally:
        unregister_platform(NAME)


def test_the_registry_lists_built_ins_and_refuses_a_second_of_the_same_name(third_platform):
    assert [p.name for p in platforms()][-1] == NAME and platform(NAME).label == "Webhook"
    assert {"telegram", "slack", "console"} <= {p.name for p in platforms()}
    with pytest.raises(ValueError, match="already registered"):
        register_platform(WebhookPlatform("http://127.0.0.1:1/"))
    with pytest.raises(TypeError):
        register_platform(object())
    too_long = WebhookPlatform("http://127.0.0.1:1/")
    too_long.name = "x" * 17  # would not fit the database's platform column
    with pytest.raises(ValueError, match="1 to 16"):
        register_platform(too_long)
    assert platform(NAME).endpoint == third_platform.url  # the failed ones left it alone


async def test_a_digest_and_a_who_reach_a_platform_registered_by_a_test(third_platform, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    config = load_config(None, database=str(tmp_path / "third.db"), env={})
    config = replace(config, store=StoreConfig(database=str(tmp_path / "third.db")), secrets=Secrets())
    real_now = datetime.now(UTC)
    # The digest time falls an hour after the subscription is made; the app's clock runs two
    # hours ahead, so the start-up catch-up owes exactly that one digest.
    def clock() -> datetime:
        return datetime.now(UTC) + timedelta(hours=2)

    stop = asyncio.Event()
    async with NewsdigestApp(config, demo=True, clock=clock, console=Console(quiet=True)) as app:
        assert set(app.senders) == {NAME}  # no chat token set: only the third platform posts
        await app.store.subscriptions.upsert(NAME, CHAT, timezone="UTC", chat_kind="group",
                                             digest_time=(real_now + timedelta(hours=1)).strftime("%H:%M"))
        serving = asyncio.create_task(app.serve(stop))
        try:
            [digest] = await third_platform.wait_for(lambda m: m["key"].startswith("digest:"))
            stored = await app.store.articles.latest(10)
            assert len(stored) == 4 and digest["chat_id"] == CHAT
            for row in stored:  # every demo article's story is in the digest that arrived
                assert row.display_title in digest["payload"]["text"]

            for _ in range(400):  # the adapters start after the catch-up
                if app.adapters:
                    break
                await asyncio.sleep(0.05)
            [adapter] = app.adapters
            quotes = await app.store.articles.key_quotes([row.id for row in stored])
            speaker = next(q.speaker for q in quotes.values() if q.speaker)
            async with aiohttp.ClientSession() as session:
                async with session.post(adapter.url, json={"chat_id": CHAT, "user_id": "u1",
                                                           "text": f"/who {speaker}"}) as response:
                    assert response.status == 200, await response.text()
            [who] = third_platform.received[-1:]
            assert who["key"] == f"reply:{CHAT}" and who["chat_id"] == CHAT
            card = await app.store.people.who(speaker)
            assert card.matches and who["payload"] == payloads_for(NAME, card)[0]
            assert speaker in who["payload"]["text"]
        finally:
            stop.set()
            await asyncio.wait_for(serving, 30)
        # The outbox row of the digest is settled with the id the platform gave it.
        [row] = [r for r in await app.store.outbox.list() if r.idempotency_key == digest["key"]]
        assert row.state == "sent" and row.platform == NAME
        assert row.platform_message_id == f"m{third_platform.received.index(digest) + 1}"
