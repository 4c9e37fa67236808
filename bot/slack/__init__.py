"""Slack: the Bolt app (slash commands, buttons, App Home; Socket Mode or HTTP), the
outbox's sender, the renderer and the :class:`~bot.slack.platform.SlackPlatform` that
registers them. See notes/slack-setup.md for creating the app from ``slack-manifest.yml``.

The names below are loaded on first use (PEP 562): ``bot.slack.render`` and
``bot.slack.platform`` are SDK-free, and importing them must not load slack_bolt.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_WHERE = {
    "SlackAdapter": "adapter",
    "ReplayGuard": "http", "SlackHTTPServer": "http",
    "SLASH_COMMANDS": "requests", "SlashCommand": "requests", "parse_slash_command": "requests",
    "ChannelPacer": "sender", "SlackSender": "sender", "delivery_error": "sender",
    "SlackMessage": "render", "render_slack": "render", "slack_payload": "render",
    "SlackPlatform": "platform",
}

__all__ = sorted(_WHERE)


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'bot.slack' has no attribute {name!r}")
    return getattr(import_module(f"bot.slack.{module}"), name)
