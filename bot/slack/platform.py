"""Slack as a :class:`bot.platforms.Platform`: enabled by SLACK_BOT_TOKEN.

slack_sdk and slack_bolt are imported only when a sender or an adapter is opened (not when
the registry lists this platform): the CLI's read commands would otherwise pay for them."""

from __future__ import annotations

import json
from contextlib import AsyncExitStack
from typing import TYPE_CHECKING, Any

from bot.platforms import Adapter, Rate
from bot.slack.render import slack_payloads

if TYPE_CHECKING:
    from rich.console import Console

    from bot.commands import Services
    from bot.config import Config, Secrets
    from bot.senders import Sender
    from digests.answers import Answer

__all__ = ["SlackPlatform"]


class SlackPlatform:
    name: str = "slack"
    label: str = "Slack"
    home_chat: str | None = None

    def enabled(self, secrets: Secrets) -> bool:
        return bool(secrets.slack_bot_token)

    async def open_sender(self, config: Config, stack: AsyncExitStack, *, console: Console | None = None) -> Sender:
        from bot.slack.sender import SlackSender

        return SlackSender.from_config(config.slack, config.secrets)

    def adapter(self, config: Config, services: Services, sender: Sender | None = None) -> Adapter:
        from bot.slack.adapter import SlackAdapter

        return SlackAdapter(services, config.slack, config.secrets, web_base_url=config.web.base_url)

    def payloads(self, answer: Answer) -> list[dict[str, Any]]:
        return slack_payloads(answer)

    def preview(self, answer: Answer) -> str:
        return json.dumps(self.payloads(answer), indent=2, ensure_ascii=False)

    def rates(self, config: Config, chat_id: str) -> list[tuple[str, Rate]]:
        """About one message a second per channel (a little under: network jitter)."""
        return [(f"slack:channel:{chat_id}", Rate(config.slack.messages_per_second_per_channel * 0.95))]

    def admin_chat(self, config: Config) -> str | None:
        return None  # rejected messages are reported to Telegram's admin chat only
