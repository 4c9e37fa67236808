"""Telegram as a :class:`bot.platforms.Platform`: enabled by TELEGRAM_BOT_TOKEN.

python-telegram-bot is imported only when a sender or an adapter is opened (not when the
registry lists this platform): the CLI's read commands would otherwise pay for it."""

from __future__ import annotations

import json
from contextlib import AsyncExitStack
from typing import TYPE_CHECKING, Any

from bot.platforms import Adapter, Rate
from bot.telegram.limits import is_group_chat
from bot.telegram.render import render_telegram, telegram_payloads
from digests.errors import DigestError

if TYPE_CHECKING:
    from rich.console import Console

    from bot.commands import Services
    from bot.config import Config, Secrets
    from bot.senders import Sender
    from digests.answers import Answer

__all__ = ["TelegramPlatform"]


class TelegramPlatform:
    name: str = "telegram"
    label: str = "Telegram"
    home_chat: str | None = None

    def enabled(self, secrets: Secrets) -> bool:
        return bool(secrets.telegram_bot_token)

    async def open_sender(self, config: Config, stack: AsyncExitStack, *, console: Console | None = None) -> Sender:
        from bot.telegram.sender import TelegramSender

        sender = TelegramSender.from_config(config.telegram, config.secrets)
        try:
            await sender.start()  # getMe: a bad token or no network fails here, not mid-delivery
        except Exception as exc:
            raise DigestError(f"Telegram: cannot start the bot: {exc}") from exc
        stack.push_async_callback(sender.close)
        return sender

    def adapter(self, config: Config, services: Services, sender: Sender | None = None) -> Adapter:
        from bot.telegram.adapter import TelegramAdapter

        # The outbox sender's flood limiter carries over: its windows already count the
        # messages sent since start, and a fresh one would let a burst through. The adapter's
        # own sender then replaces the outbox's: one bot, one limiter.
        return TelegramAdapter(config.telegram, config.secrets, services, limiter=getattr(sender, "limiter", None))

    def payloads(self, answer: Answer) -> list[dict[str, Any]]:
        return telegram_payloads(answer)

    def preview(self, answer: Answer) -> str:
        return json.dumps([m.text for m in render_telegram(answer)], indent=2, ensure_ascii=False)

    def rates(self, config: Config, chat_id: str) -> list[tuple[str, Rate]]:
        """~30 messages a second per bot, one a second per chat, 20 a minute in a group; the
        budgets are a little under: requests reach Telegram with network jitter."""
        tg = config.telegram
        rates = [(f"telegram:chat:{chat_id}", Rate(1.0 / 1.05))]
        if is_group_chat(chat_id):
            rates.append((f"telegram:group:{chat_id}", Rate(tg.messages_per_minute_per_group / 60.0 * 0.95,
                                                            burst=max(1, tg.messages_per_minute_per_group // 2))))
        rates.append(("telegram:bot", Rate(tg.messages_per_second * 0.9)))
        return rates

    def admin_chat(self, config: Config) -> str | None:
        return config.telegram.admin_chat_id or None
