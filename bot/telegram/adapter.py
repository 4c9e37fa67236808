"""The Telegram adapter: PTB updates in, the command core, rendered answers out.

Runs inside our own asyncio loop (``await adapter.start()`` / ``await adapter.stop()``, or
``async with``), never PTB's blocking ``run_polling``. Polling mode long-polls ``getUpdates``;
webhook mode registers ``setWebhook`` with a secret token and serves
:class:`~bot.telegram.webhook.WebhookServer`. Both feed the same handlers.

Replies go through :attr:`TelegramAdapter.sender`, so answers and the outbox share one flood
limiter when the delivery loop is given the same sender.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time

from telegram import BotCommand, Update
from telegram.constants import ChatMemberStatus
from telegram.error import InvalidToken, TelegramError
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot import messages as msg
from bot.commands import COMMANDS, Services, handle
from bot.config import Secrets, TelegramConfig
from bot.logs import mask_secret
from bot.senders import ChatMigrated, DeliveryError, RetryLater
from bot.telegram.limits import FloodLimiter
from bot.telegram.requests import (
    TelegramCommand,
    command_from_button,
    command_from_message,
    with_admin,
)
from bot.telegram.render import TelegramMessage, escape_html, render_telegram, telegram_length, telegram_payload
from bot.telegram.sender import TelegramSender, limits_from_config
from bot.telegram.webhook import WebhookServer
from digests.answers import Answer, Button, WhoCard
from digests.errors import ConfigError

__all__ = ["ALLOWED_UPDATES", "TelegramAdapter", "bot_commands"]

log = logging.getLogger(__name__)

ALLOWED_UPDATES = ["message", "channel_post", "callback_query"]
_ADMIN_STATUSES = (ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER)
_BOT_COMMAND = re.compile(r"^[a-z0-9_]{1,32}$")
_REPLY_ATTEMPTS = 3
_REPLY_MAX_WAIT = 30.0  # seconds an interactive answer may wait for a flood-limited chat


CAPTION_LIMIT = 1024  # a photo's caption, after entity parsing (Bot API sendPhoto)
CHART_CAPTION = "articles per day over the last 90 days, quotes marked"


def bot_commands() -> list[BotCommand]:
    """The menu ``setMyCommands`` registers, from the help list in ``bot/messages.py``."""
    result = []
    for usage, description in msg.COMMANDS:
        name = usage.split()[0].lstrip("/").lower()
        if _BOT_COMMAND.match(name) and name in COMMANDS:
            result.append(BotCommand(name, description[:256]))
    return result


def _with_choice_buttons(answer: Answer, messages: list[TelegramMessage]) -> list[TelegramMessage]:
    """An ambiguous /who lists candidates: a button per candidate asks for that one."""
    if isinstance(answer, WhoCard) and answer.ambiguous and not messages[-1].buttons:
        choices = [Button(card.name, f"/who {card.name}") for card in answer.matches]
        messages[-1].buttons = [[button] for button in choices]
    return messages


class TelegramAdapter:
    """One bot: a PTB :class:`~telegram.ext.Application` wired to :func:`bot.commands.handle`."""

    def __init__(
        self,
        config: TelegramConfig,
        secrets: Secrets,
        services: Services,
        *,
        limiter: FloodLimiter | None = None,
        poll_timeout: float = 10.0,
        admin_cache_seconds: float = 60.0,
    ) -> None:
        if not secrets.telegram_bot_token:
            raise ConfigError("TELEGRAM_BOT_TOKEN is not set")
        if config.mode not in ("polling", "webhook"):
            raise ConfigError(f"telegram.mode must be polling or webhook, not {config.mode!r}")
        if config.mode == "webhook" and not secrets.telegram_webhook_secret:
            raise ConfigError("webhook mode needs TELEGRAM_WEBHOOK_SECRET (Telegram sends it back with every update)")
        self.config = config
        self.services = services
        self._secret = secrets.telegram_webhook_secret or ""
        self._poll_timeout = poll_timeout
        self._admin_cache_seconds = admin_cache_seconds
        self._admin_cache: dict[tuple[str, str], tuple[float, bool]] = {}
        builder = (
            Application.builder()
            .token(secrets.telegram_bot_token)
            .base_url(config.base_url)
            .base_file_url(config.base_file_url)
            .concurrent_updates(8)  # one slow /digest must not hold up everyone else
        )
        if config.mode == "webhook":
            builder = builder.updater(None)  # updates arrive through our WebhookServer
        self.application = builder.build()
        self.sender = TelegramSender(self.application.bot, limiter or FloodLimiter(limits_from_config(config)))
        self.webhook: WebhookServer | None = None
        text_commands = (filters.UpdateType.MESSAGE | filters.UpdateType.CHANNEL_POST) & filters.TEXT & filters.Regex(r"^/\w")
        self.application.add_handler(MessageHandler(text_commands, self._on_command))
        self.application.add_handler(CallbackQueryHandler(self._on_button))
        self.application.add_error_handler(self._on_error)

    @property
    def username(self) -> str | None:
        """The bot's @username (known after :meth:`start` called getMe)."""
        try:
            return self.application.bot.username
        except RuntimeError:  # not initialized yet
            return None

    async def start(self) -> None:
        """getMe, setMyCommands, then polling or setWebhook plus the webhook server."""
        app = self.application
        try:
            await app.initialize()
        except InvalidToken as exc:
            # PTB's message quotes the whole token: name it by its last characters only.
            raise ConfigError(f"Telegram refused TELEGRAM_BOT_TOKEN ({mask_secret(app.bot.token)})") from exc
        try:
            await app.bot.set_my_commands(bot_commands())
        except TelegramError as exc:  # the menu is a convenience; the bot works without it
            log.warning("setMyCommands failed", extra={"error": str(exc)})
        if self.config.mode == "polling":
            await app.updater.start_polling(
                timeout=self._poll_timeout, allowed_updates=ALLOWED_UPDATES, drop_pending_updates=False,
            )
        else:
            self.webhook = WebhookServer(app, secret=self._secret, listen=self.config.webhook_listen,
                                         port=self.config.webhook_port, path=self.config.webhook_path)
            await self.webhook.start()
            # Without webhook_url the webhook is managed elsewhere (it must use the same secret).
            if self.config.webhook_url:
                await app.bot.set_webhook(self.config.webhook_url, secret_token=self._secret,
                                          allowed_updates=ALLOWED_UPDATES)
        await app.start()

    async def stop(self) -> None:
        """Stop taking updates, finish the ones in hand, close the bot's HTTP client."""
        app = self.application
        if self.webhook is not None:
            await self.webhook.stop()
            self.webhook = None
        if app.updater is not None and app.updater.running:
            await app.updater.stop()
        if app.running:
            await app.stop()
        await app.shutdown()

    async def __aenter__(self) -> TelegramAdapter:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # -- handlers -------------------------------------------------------------------------

    async def _on_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        if message is None:
            return
        command = command_from_message(message, self.username, self.config.admins)
        if command is not None:
            await self._run(command)

    async def _on_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        try:
            await query.answer()  # stops the button's spinner whatever happens next
        except TelegramError as exc:
            log.info("answerCallbackQuery failed", extra={"error": str(exc)})
        command = command_from_button(query, self.username, self.config.admins)
        if command is not None:
            await self._run(command)

    async def _on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        log.error("telegram update failed", exc_info=context.error)

    async def _run(self, command: TelegramCommand) -> None:
        request = command.request
        # In a group or channel an unknown command may be meant for another bot: stay quiet.
        if request.command not in COMMANDS and request.chat_kind != "private":
            return
        if command.ask_admin:
            request = with_admin(command, await self._is_chat_admin(request.chat_id, request.user_id))
        answer = await handle(request, self.services)
        reply_to = command.message_id if request.chat_kind == "group" else None
        await self.answer(request.chat_id, answer, reply_to=reply_to)

    async def _is_chat_admin(self, chat_id: str, user_id: str) -> bool:
        key = (chat_id, user_id)
        cached = self._admin_cache.get(key)
        if cached and cached[0] > time.monotonic():
            return cached[1]
        try:
            member = await self.application.bot.get_chat_member(chat_id, int(user_id))
            is_admin = member.status in _ADMIN_STATUSES
        except (TelegramError, ValueError) as exc:
            log.info("getChatMember failed; treating the user as a member", extra={"error": str(exc)})
            return False
        if len(self._admin_cache) > 10_000:
            self._admin_cache.clear()
        self._admin_cache[key] = (time.monotonic() + self._admin_cache_seconds, is_admin)
        return is_admin

    async def answer(self, chat_id: str, answer: Answer, *, reply_to: int | None = None) -> list[str]:
        """Render ``answer`` and post it, message by message; returns the message ids posted.

        A ``/who`` that names one person comes with their mentions chart as a photo: the card
        is its caption when it fits Telegram's 1024-character caption, else it follows."""
        messages = _with_choice_buttons(answer, render_telegram(answer))
        sent = []
        chart = await self._chart_for(answer)
        if chart is not None:
            fits = len(messages) == 1 and telegram_length(messages[0].text) <= CAPTION_LIMIT
            card = telegram_payload(messages[0])  # the one builder of a message's text and buttons
            caption = card["text"] if fits else f"<b>{escape_html(chart.name)}</b>: {CHART_CAPTION}"
            buttons = card["buttons"] if fits else None
            message_id, chat_id = await self._post(chat_id, lambda chat: self.sender.send_photo(
                chat, chart.png, caption=caption, buttons=buttons, reply_to=reply_to,
                idempotency_key=f"reply:{chat}"))
            if message_id is None:
                return sent
            sent.append(message_id)
            if fits:
                return sent
            reply_to = None
        for i, message in enumerate(messages):
            payload = telegram_payload(message, reply_to=reply_to if i == 0 else None)
            message_id, chat_id = await self._post(chat_id, lambda chat, p=payload: self.sender.send(
                chat, p, idempotency_key=f"reply:{chat}"))
            if message_id is None:
                break
            sent.append(message_id)
        return sent

    async def _chart_for(self, answer: Answer):
        """The mentions chart of the one person a ``/who`` names; None for anything else, or
        when it cannot be drawn (the card goes out alone: a chart is never worth a lost answer)."""
        if not isinstance(answer, WhoCard) or len(answer.matches) != 1:
            return None
        try:
            from bot.web.person_chart import chart_for_person  # matplotlib: loaded on the first chart

            return await chart_for_person(self.services.store.engine, answer.matches[0].name)
        except Exception:  # noqa: BLE001
            log.warning("mentions chart failed; sending the card alone", exc_info=True)
            return None

    async def _post(self, chat_id: str, send) -> tuple[str | None, str]:
        """An interactive answer waits out short flood limits and follows a migrated group;
        anything else is logged (there is no one to tell but the log)."""
        for _ in range(_REPLY_ATTEMPTS):
            try:
                return await send(chat_id), chat_id
            except RetryLater as exc:
                if exc.seconds is None or exc.seconds > _REPLY_MAX_WAIT:
                    log.warning("answer dropped: chat is flood-limited", extra={"chat_id": chat_id, "reason": str(exc)})
                    return None, chat_id
                await asyncio.sleep(exc.seconds)
            except ChatMigrated as exc:
                chat_id = exc.new_chat_id
            except DeliveryError as exc:
                log.warning("answer not delivered", extra={"chat_id": chat_id, "error": type(exc).__name__,
                                                           "reason": str(exc)})
                return None, chat_id
        return None, chat_id
