"""Posting rendered messages to Telegram for the outbox (:class:`bot.senders.Sender`).

An outbox payload is what :func:`telegram_payload` makes of a rendered
:class:`~bot.telegram.render.TelegramMessage`::

    {"text": "<b>…</b>", "buttons": [[{"label": "Next page", "command": "/digest --page 2"}]],
     "disable_web_page_preview": true}

PTB's errors become the delivery exceptions of ``bot/senders.py`` here, and nowhere else.
PTB itself never retries a request (no rate-limiter on this bot, httpx transport without
retries), so one ``send`` is at most one ``sendMessage``: retrying is the delivery loop's call.
"""

from __future__ import annotations

import logging
import warnings
from datetime import timedelta
from typing import Any

from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    ReplyParameters,
)
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
)
from telegram.error import (
    ChatMigrated as PTBChatMigrated,
)
from telegram.request import HTTPXRequest

from bot.config import Secrets, TelegramConfig
from bot.delivery import PlatformRateLimited  # a RetryLater that metrics count as a 429
from bot.senders import (
    ChatMigrated,
    ChatUnavailable,
    DeliveryError,
    MessageRejected,
    RetryLater,
    SenderUnavailable,
)
from bot.telegram.limits import FloodLimiter, FloodLimits, SlotTooFar
from bot.telegram.render import telegram_payload  # re-exported: the payload's one builder
from digests.errors import ConfigError

__all__ = ["TelegramSender", "delivery_error", "inline_keyboard", "limits_from_config", "telegram_payload"]

log = logging.getLogger(__name__)

CALLBACK_DATA_LIMIT = 64  # bytes: Telegram refuses longer callback_data
REPORT_LIMIT = 3500  # characters of a rejection report (the message limit is 4096)

# BadRequest descriptions that mean "this chat is gone for us", not "this message is bad".
_CHAT_GONE = (
    "chat not found", "peer_id_invalid", "have no rights to send", "not enough rights",
    "need administrator rights", "chat_write_forbidden", "bot is not a member", "user is deactivated",
    "chat_restricted", "topic_closed",
)


def _reply(reply_to: Any) -> ReplyParameters | None:
    return ReplyParameters(int(reply_to), allow_sending_without_reply=True) if reply_to else None


def inline_keyboard(rows: list[list[dict[str, str]]] | None) -> InlineKeyboardMarkup | None:
    """Buttons that send their command back as callback data. A command longer than
    Telegram's 64-byte callback data is left out rather than cut (a cut command is wrong)."""
    keyboard = []
    for row in rows or []:
        buttons = [
            InlineKeyboardButton(str(b["label"]), callback_data=str(b["command"]))
            for b in row
            if b.get("label") and b.get("command") and len(str(b["command"]).encode()) <= CALLBACK_DATA_LIMIT
        ]
        if buttons:
            keyboard.append(buttons)
    return InlineKeyboardMarkup(keyboard) if keyboard else None


def _seconds(value: float | timedelta) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def retry_after_seconds(exc: RetryAfter) -> float:
    """PTB 22 gives ``retry_after`` as int or timedelta (PTB_TIMEDELTA) and warns on access."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return _seconds(exc.retry_after)


def delivery_error(exc: TelegramError) -> DeliveryError:
    """What the delivery loop should do about a PTB error from ``sendMessage``."""
    reason = exc.message
    lowered = reason.lower()
    if isinstance(exc, RetryAfter):
        seconds = retry_after_seconds(exc)
        return PlatformRateLimited(f"Telegram flood control: retry after {seconds:g}s", seconds)
    if isinstance(exc, PTBChatMigrated):
        return ChatMigrated(reason, str(exc.new_chat_id))
    if isinstance(exc, InvalidToken):  # 401: the token itself, not this chat
        return SenderUnavailable(reason)
    if isinstance(exc, Forbidden):  # 403: kicked, blocked, not a member of this chat
        return ChatUnavailable(reason)
    if isinstance(exc, BadRequest):
        if any(marker in lowered for marker in _CHAT_GONE):
            return ChatUnavailable(reason)
        # "can't parse entities", "message is too long", "message text is empty", bad buttons:
        # the content is wrong and sending it again cannot help.
        return MessageRejected(reason)
    if isinstance(exc, NetworkError):  # timeouts, 5xx, connection errors (BadRequest handled above)
        return RetryLater(f"Telegram unreachable: {reason}")
    return RetryLater(f"Telegram error: {reason}")


def limits_from_config(config: TelegramConfig) -> FloodLimits:
    rate = config.messages_per_second
    # "30 per second" as 30 in any 1 s window; a rate under 1/s as one per 1/rate seconds.
    count, window = (round(rate), 1.0) if rate >= 1 else (1, 1.0 / max(rate, 1e-3))
    return FloodLimits(global_messages=count, global_window=window,
                       group_messages=config.messages_per_minute_per_group)


class TelegramSender:
    """Sends outbox payloads through one PTB :class:`~telegram.Bot`, within the flood limits."""

    platform = "telegram"

    def __init__(self, bot: Bot, limiter: FloodLimiter | None = None, *, owns_bot: bool = False) -> None:
        self.bot = bot
        self.limiter = limiter or FloodLimiter()
        self._owns_bot = owns_bot

    @classmethod
    def from_config(
        cls, config: TelegramConfig, secrets: Secrets, *, limiter: FloodLimiter | None = None
    ) -> TelegramSender:
        """A sender with its own bot: for a delivery process that runs without the adapter."""
        if not secrets.telegram_bot_token:
            raise ConfigError("TELEGRAM_BOT_TOKEN is not set")
        bot = Bot(
            secrets.telegram_bot_token, base_url=config.base_url, base_file_url=config.base_file_url,
            request=HTTPXRequest(connection_pool_size=64, read_timeout=20.0, write_timeout=20.0, pool_timeout=10.0),
        )
        return cls(bot, limiter or FloodLimiter(limits_from_config(config)), owns_bot=True)

    async def start(self) -> None:
        if self._owns_bot:
            await self.bot.initialize()

    async def close(self) -> None:
        if self._owns_bot:
            await self.bot.shutdown()

    async def __aenter__(self) -> TelegramSender:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def send(self, chat_id: str, payload: dict[str, Any], idempotency_key: str) -> str:
        """``sendMessage`` with HTML and the payload's buttons; returns the message id."""
        return await self._post(
            chat_id, str(payload.get("text") or ""), parse_mode=ParseMode.HTML,
            keyboard=inline_keyboard(payload.get("buttons")),
            no_preview=bool(payload.get("disable_web_page_preview", True)),
            reply_to=payload.get("reply_to"), key=idempotency_key,
        )

    async def already_sent(self, chat_id: str, idempotency_key: str) -> str | None:
        # The Bot API cannot read a chat's history or search sent messages by metadata, so
        # after a crash between send and mark we cannot tell: the loop resends (at most one
        # duplicate per crash).
        return None

    async def report_rejected(self, admin_chat_id: str, text: str) -> str | None:
        """Tell the admin chat (plain text, no parse mode: the report may quote the bad HTML)
        that a message was rejected. Returns the message id, or None when there is no admin
        chat or the report itself could not be posted (logged; never raised)."""
        if not admin_chat_id:
            return None
        if len(text) > REPORT_LIMIT:
            text = text[: REPORT_LIMIT - 1] + "…"
        try:
            return await self._post(admin_chat_id, text, parse_mode=None, keyboard=None, no_preview=True,
                                    reply_to=None, key="report")
        except DeliveryError as exc:
            log.warning("could not report a rejected message", extra={"chat_id": admin_chat_id, "error": str(exc)})
            return None

    async def send_photo(self, chat_id: str, png: bytes, *, caption: str | None, buttons: Any = None,
                         reply_to: Any = None, idempotency_key: str) -> str:
        """``sendPhoto`` (a multipart upload) with an HTML caption, which Telegram limits to
        1024 characters after entity parsing; returns the message id."""
        return await self._call(chat_id, idempotency_key, lambda: self.bot.send_photo(
            chat_id=chat_id, photo=png, caption=caption or None, parse_mode=ParseMode.HTML if caption else None,
            reply_markup=inline_keyboard(buttons), reply_parameters=_reply(reply_to)))

    async def _post(self, chat_id: str, text: str, *, parse_mode: str | None, keyboard: InlineKeyboardMarkup | None,
                    no_preview: bool, reply_to: Any, key: str) -> str:
        return await self._call(chat_id, key, lambda: self.bot.send_message(
            chat_id=chat_id, text=text, parse_mode=parse_mode, reply_markup=keyboard,
            link_preview_options=LinkPreviewOptions(is_disabled=no_preview), reply_parameters=_reply(reply_to)))

    async def _call(self, chat_id: str, key: str, send: Any) -> str:
        """One Bot API send in this chat's flood slot, its errors mapped onto the delivery errors."""
        try:
            async with self.limiter.slot(chat_id):
                message = await send()
        except SlotTooFar as exc:
            why = "flood control penalty" if exc.blocked else "flood limit for this chat"
            raise RetryLater(f"{why}: next slot in {exc.seconds:.1f}s", exc.seconds) from None
        except TelegramError as exc:
            error = delivery_error(exc)
            if isinstance(exc, RetryAfter):
                self.limiter.penalize(chat_id, error.seconds or 0.0)
            log.info("telegram send failed", extra={"chat_id": chat_id, "key": key, "error": type(error).__name__,
                                                    "reason": str(error)})
            raise error from exc
        return str(message.message_id)
