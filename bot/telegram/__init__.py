"""Telegram: the adapter (updates to commands to answers), the outbox sender, the renderer
and the :class:`~bot.telegram.platform.TelegramPlatform` that registers them.

``TelegramAdapter`` runs the bot in our asyncio loop (polling or webhook); ``TelegramSender``
posts outbox payloads within Telegram's flood limits and translates its errors into
``bot.senders`` exceptions. Built on python-telegram-bot 22.

The names below are loaded on first use (PEP 562): ``bot.telegram.render`` and
``bot.telegram.platform`` are SDK-free, and importing them must not cost the CLI the
second or so that python-telegram-bot takes to import.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_WHERE = {
    "TelegramAdapter": "adapter", "ALLOWED_UPDATES": "adapter", "bot_commands": "adapter",
    "FloodLimiter": "limits", "FloodLimits": "limits", "SlotTooFar": "limits", "is_group_chat": "limits",
    "TelegramCommand": "requests", "chat_kind_of": "requests", "command_from_button": "requests",
    "command_from_message": "requests",
    "TelegramSender": "sender", "delivery_error": "sender", "inline_keyboard": "sender",
    "limits_from_config": "sender",
    "TelegramMessage": "render", "render_telegram": "render", "telegram_payload": "render",
    "SECRET_HEADER": "webhook", "WebhookServer": "webhook",
    "TelegramPlatform": "platform",
}

__all__ = sorted(_WHERE)


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'bot.telegram' has no attribute {name!r}")
    return getattr(import_module(f"bot.telegram.{module}"), name)
