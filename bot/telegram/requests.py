"""A Telegram message or button press turned into a platform-neutral :class:`~bot.commands.Request`.

Pure functions, no I/O: what the update means (which command, which chat, what rights the
update itself proves) is decided here; whether the command is allowed is decided in
``bot/commands.py``. When only Telegram can say whether the sender is a chat admin,
:attr:`TelegramCommand.ask_admin` tells the adapter to call ``getChatMember``.

Two kinds of rights, never confused: *operator* (the sending user's id is in
``[telegram] admins``; only a real user, never a chat posting as itself) and *chat admin*
(a channel post, a message sent as the group, or getChatMember's creator/administrator).
Anyone can create a group or channel and be its creator, so a chat admin is no operator.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from telegram import CallbackQuery, Chat, Message

from bot.commands import Request, parse_command

__all__ = ["TelegramCommand", "chat_kind_of", "command_from_button", "command_from_message", "with_admin"]

# Telegram commands are 1-32 letters, digits and underscores after the slash.
_COMMAND_START = re.compile(r"^/\w")


@dataclass(frozen=True)
class TelegramCommand:
    request: Request
    message_id: int | None  # the command message (answers in groups reply to it)
    ask_admin: bool  # request.is_admin is only known after getChatMember


def chat_kind_of(chat: Chat) -> str:
    if chat.type == Chat.PRIVATE:
        return "private"
    if chat.type == Chat.CHANNEL:
        return "channel"
    return "group"  # group and supergroup


def _build(text: str, bot_username: str | None, *, chat: Chat, user_id: str, proven_admin: bool,
           operator: bool, message_id: int | None) -> TelegramCommand | None:
    text = text.strip()
    if not _COMMAND_START.match(text):
        return None
    parsed = parse_command(text, bot_username)  # None when addressed to another bot
    if parsed is None:
        return None
    kind = chat_kind_of(chat)
    is_admin = proven_admin or operator
    request = replace(parsed, platform="telegram", chat_id=str(chat.id), user_id=user_id, chat_kind=kind,
                      is_admin=is_admin, is_operator=operator)
    return TelegramCommand(request, message_id, ask_admin=not is_admin and kind != "private")


def command_from_message(message: Message, bot_username: str | None, admins: tuple[str, ...] = ()) -> TelegramCommand | None:
    """A command typed in a private chat, a group ("/digest@ourbot" or "/digest") or posted in a
    channel; None for anything else, including commands for another bot."""
    chat = message.chat
    sender_chat = message.sender_chat
    if message.from_user is not None:
        user_id = str(message.from_user.id)
    else:
        user_id = str(sender_chat.id if sender_chat else chat.id)
    # A channel post is made by the channel's admins; a group message "sent as the group"
    # comes from an anonymous admin of that group.
    proven = chat.type == Chat.CHANNEL or (sender_chat is not None and sender_chat.id == chat.id)
    operator = message.from_user is not None and str(message.from_user.id) in admins
    return _build(message.text or "", bot_username, chat=chat, user_id=user_id, proven_admin=proven,
                  operator=operator, message_id=message.message_id)


def command_from_button(query: CallbackQuery, bot_username: str | None, admins: tuple[str, ...] = ()) -> TelegramCommand | None:
    """The command an inline button carries, run in the chat of the message it sits under.
    Whoever pressed it is the user: in a channel that may be any subscriber, so rights are
    asked of Telegram, never assumed."""
    if query.message is None or not query.data:
        return None
    return _build(query.data, bot_username, chat=query.message.chat, user_id=str(query.from_user.id),
                  proven_admin=False, operator=str(query.from_user.id) in admins, message_id=None)


def with_admin(command: TelegramCommand, is_admin: bool) -> Request:
    return replace(command.request, is_admin=command.request.is_admin or is_admin)
