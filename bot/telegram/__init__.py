"""Telegram: the adapter (updates to commands to answers) and the outbox sender.

``TelegramAdapter`` runs the bot in our asyncio loop (polling or webhook); ``TelegramSender``
posts outbox payloads within Telegram's flood limits and translates its errors into
``bot.senders`` exceptions. Built on python-telegram-bot 22.
"""

from bot.telegram.adapter import ALLOWED_UPDATES, TelegramAdapter, bot_commands
from bot.telegram.limits import FloodLimiter, FloodLimits, SlotTooFar, is_group_chat
from bot.telegram.requests import TelegramCommand, chat_kind_of, command_from_button, command_from_message
from bot.telegram.sender import TelegramSender, delivery_error, inline_keyboard, limits_from_config, telegram_payload
from bot.telegram.webhook import SECRET_HEADER, WebhookServer

__all__ = [
    "TelegramAdapter",
    "TelegramSender",
    "FloodLimiter",
    "FloodLimits",
    "SlotTooFar",
    "WebhookServer",
    "TelegramCommand",
    "ALLOWED_UPDATES",
    "SECRET_HEADER",
    "bot_commands",
    "chat_kind_of",
    "command_from_button",
    "command_from_message",
    "delivery_error",
    "inline_keyboard",
    "is_group_chat",
    "limits_from_config",
    "telegram_payload",
]
