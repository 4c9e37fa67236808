"""Slack: the Bolt app (slash commands, buttons, App Home; Socket Mode or HTTP) and the
outbox's sender. See notes/slack-setup.md for creating the app from ``slack-manifest.yml``."""

from bot.slack.adapter import SlackAdapter
from bot.slack.http import ReplayGuard, SlackHTTPServer
from bot.slack.requests import SLASH_COMMANDS, SlashCommand, parse_slash_command
from bot.slack.sender import ChannelPacer, SlackSender, delivery_error

__all__ = [
    "SlackAdapter",
    "SlackSender",
    "ChannelPacer",
    "ReplayGuard",
    "SlackHTTPServer",
    "SlashCommand",
    "SLASH_COMMANDS",
    "parse_slash_command",
    "delivery_error",
]
