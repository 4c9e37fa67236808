"""Renderers: turn an :data:`~digests.answers.Answer` into what one platform shows.

``render_telegram`` (HTML messages), ``render_slack`` (Block Kit), ``render_text`` and
``render_markdown`` (strings), ``print_answer`` (rich console). Each escapes all article
text and keeps within its platform's limits, splitting long answers between whole items.
"""

from digests.render.console import print_answer
from digests.render.slack import SlackMessage, render_slack
from digests.render.telegram import TelegramMessage, render_telegram, telegram_length
from digests.render.text import render_markdown, render_text

__all__ = [
    "TelegramMessage",
    "render_telegram",
    "telegram_length",
    "SlackMessage",
    "render_slack",
    "render_text",
    "render_markdown",
    "print_answer",
]
