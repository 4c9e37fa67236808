"""Telegram fixtures (``tg_*``): a fake Bot API server, a temporary store, a running adapter."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.commands import Services
from bot.config import Secrets, TelegramConfig
from bot.telegram import TelegramAdapter
from digests.store import Store
from tests.platforms.fake_telegram import TOKEN, FakeTelegram

TG_ADMIN_USER = 777  # listed in TelegramConfig.admins by tg_config


@pytest.fixture
async def tg_server() -> AsyncIterator[FakeTelegram]:
    """The fake Bot API with Telegram's real flood limits."""
    async with FakeTelegram() as server:
        yield server


@pytest.fixture
async def tg_store(tmp_path: Path) -> AsyncIterator[Store]:
    store = await Store.open(str(tmp_path / "telegram.db"))
    try:
        yield store
    finally:
        await store.close()


@pytest.fixture
def tg_services(tg_store: Store) -> Services:
    return Services(store=tg_store, check_source_url=public_dns_check)


async def _public_dns(host: str, port: int) -> list[str]:
    """Every name resolves to one public address (no DNS here): the real URL policy still
    decides, so private literals like ``127.0.0.1`` stay refused."""
    return ["93.184.215.14"]


async def public_dns_check(url: str) -> object:
    from digests.urlpolicy import UrlPolicy, check_chat_source_url

    return await check_chat_source_url(url, policy=UrlPolicy(resolver=_public_dns))


@pytest.fixture
def tg_config(tg_server: FakeTelegram) -> TelegramConfig:
    return TelegramConfig(base_url=tg_server.base_url, admins=(str(TG_ADMIN_USER),))


@pytest.fixture
def tg_secrets() -> Secrets:
    return Secrets(telegram_bot_token=TOKEN, telegram_webhook_secret="s3cret-token_1")


@pytest.fixture
async def tg_adapter(tg_config: TelegramConfig, tg_secrets: Secrets, tg_services: Services) -> AsyncIterator[TelegramAdapter]:
    """A polling adapter running against ``tg_server`` (short long-poll so stop is quick)."""
    adapter = TelegramAdapter(tg_config, tg_secrets, tg_services, poll_timeout=1.0)
    await adapter.start()
    try:
        yield adapter
    finally:
        await adapter.stop()
