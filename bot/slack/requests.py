"""A Slack slash-command payload turned into a platform-neutral :class:`~bot.commands.Request`.

Pure functions, no I/O: what the command means (which core command, which chat, private or
shared answer) is decided here; whether it is allowed is decided in ``bot/commands.py``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.commands import Request

__all__ = [
    "MAX_RESPONSE_URL_POSTS",
    "SHARE_WORDS",
    "SLASH_COMMANDS",
    "SlashCommand",
    "chat_kind_of",
    "parse_slash_command",
]

# Every slash command the app registers (see slack-manifest.yml). ``/news`` takes the others as
# its first word ("/news who Yermak") for workspaces where short names are already taken.
SLASH_COMMANDS = (
    "/who", "/digest", "/latest", "/search", "/subscribe", "/unsubscribe",
    "/settings", "/sources", "/news", "/help",
)
# A first word "share" (or "--share" anywhere) turns the answer from ephemeral to in_channel.
SHARE_WORDS = ("share", "--share")
# Slack accepts at most five posts to one response_url (within 30 minutes).
MAX_RESPONSE_URL_POSTS = 5

# "<#C0123|general>" or "<#C0123>": how Slack escapes a channel picked from autocomplete
# (the manifest sets should_escape for /subscribe and /news so we get ids, not names).
_CHANNEL_MENTION = re.compile(r"^<#([CGD][A-Z0-9]+)(?:\|[^>]*)?>$")


@dataclass(frozen=True)
class SlashCommand:
    """What the adapter needs to answer one slash command."""

    request: Request
    shared: bool  # answer in_channel (visible to everyone) instead of ephemeral
    channel_id: str  # where the command was typed (may differ from request.chat_id)
    response_url: str | None


def chat_kind_of(channel_id: str) -> str:
    """Slack ids say what a conversation is: D… is a direct message, everything else is a
    channel (public C…, private G… or C…; group DMs count as channels: several people)."""
    return "private" if channel_id.startswith("D") else "channel"


def _unescape(word: str) -> str:
    # With should_escape on, Slack sends &, < and > as entities (and links as <url>).
    return word.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _split_share(args: list[str]) -> tuple[list[str], bool]:
    shared = False
    if args and args[0].lower() == "share":
        args, shared = args[1:], True
    if "--share" in (a.lower() for a in args):
        args, shared = [a for a in args if a.lower() != "--share"], True
    return args, shared


def parse_slash_command(body: dict, *, is_admin: bool = False) -> SlashCommand:
    """``body`` is Slack's slash-command payload (command, text, channel_id, user_id,
    response_url...). ``/subscribe #channel words`` targets the mentioned channel.

    ``is_admin`` is the operator's right (``[slack] admins`` or a workspace admin/owner): Slack
    tells us of no per-channel admins, so on Slack an operator is also every channel's admin."""
    command = str(body.get("command") or "").lstrip("/").lower()
    args = str(body.get("text") or "").split()
    args, shared = _split_share(args)
    if command == "news":  # "/news share who X" and "/news who share X" both share
        command, args = (args[0].lstrip("/").lower(), args[1:]) if args else ("help", [])
        args, shared_too = _split_share(args)
        shared = shared or shared_too
    channel_id = str(body.get("channel_id") or "")
    chat_id = channel_id
    if command in ("subscribe", "unsubscribe", "settings") and args:
        mention = _CHANNEL_MENTION.match(args[0])
        if mention:
            chat_id, args = mention.group(1), args[1:]
    request = Request(
        command=command or "help",
        args=tuple(_unescape(a) for a in args),
        platform="slack",
        chat_id=chat_id,
        user_id=str(body.get("user_id") or ""),
        chat_kind=chat_kind_of(chat_id),
        is_admin=is_admin,
        is_operator=is_admin,
    )
    return SlashCommand(request=request, shared=shared, channel_id=channel_id, response_url=body.get("response_url"))
