"""A fake Telegram Bot API server for tests and benchmarks: real HTTP, Telegram's answers.

An aiohttp server on ``127.0.0.1`` (ephemeral port) in the caller's event loop, serving
``/bot<token>/<method>`` with JSON, form or query parameters, as PTB and curl send them::

    async with FakeTelegram() as tg:
        config = TelegramConfig(base_url=tg.base_url)      # ".../bot", the token is appended
        tg.push_update(tg.make_message_update("/who Yermak", chat_id=42))
        [answer] = await tg.wait_for(1)

It behaves like Telegram where our code depends on it:

* ``sendMessage``/``editMessageText`` check the text with ``tests/platforms/telegram_html``
  (``sendPhoto`` too: a multipart upload of a PNG or JPEG, its caption at most 1024 characters):
  400 "Bad Request: can't parse entities: …", "message is too long", "message text is empty";
  callback data over 64 bytes is 400 "BUTTON_DATA_INVALID".
* chats: ``kick(chat_id)`` gives 403 "Forbidden: bot was kicked from the … chat",
  ``migrate(old, new)`` gives 400 with ``parameters.migrate_to_chat_id``, and with
  ``known_chats_only=True`` a chat never ``add_chat``-ed is 400 "chat not found".
* flood limits (:class:`FakeLimits`, every window times ``time_scale``): more than one message
  per second in a chat, 20 per minute in a group or channel (negative id), 30 per second overall
  each give 429 "Too Many Requests: retry after N" with ``parameters.retry_after`` (in scaled
  seconds, so clients wait the scaled time); a client that sends again before N is refused again.
* ``getUpdates`` long-polls (``timeout``, ``offset`` confirms) over updates pushed by tests.

Inspect with ``sent(chat_id)``, ``calls(method)``, ``rate_limited`` (the 429s served) and
``await wait_for(n, timeout)``.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import math
import time
from collections import defaultdict, deque
from dataclasses import asdict, dataclass
from typing import Any

from aiohttp import web

from tests.platforms.telegram_html import TelegramBadRequest, check_message_text, parse_telegram_html, utf16_len

__all__ = ["FakeTelegram", "FakeLimits", "SentMessage"]

TOKEN = "123456:TEST-token"
CAPTION_LIMIT = 1024  # UTF-16 units of a photo caption after entity parsing
BOT_ID = 123456
_ADMIN_RIGHTS = dict.fromkeys(
    ("can_be_edited", "is_anonymous", "can_manage_chat", "can_delete_messages", "can_manage_video_chats",
     "can_restrict_members", "can_promote_members", "can_change_info", "can_invite_users", "can_post_stories",
     "can_edit_stories", "can_delete_stories"), False)


@dataclass(frozen=True)
class FakeLimits:
    per_chat_interval: float = 1.0
    group_messages: int = 20
    group_window: float = 60.0
    messages_per_second: int = 30


@dataclass
class SentMessage:
    chat_id: int
    message_id: int
    text: str  # as sent (HTML when parse_mode is HTML)
    plain_text: str  # after entity parsing
    parse_mode: str | None = None
    reply_markup: dict | None = None
    reply_to: int | None = None
    link_preview_disabled: bool = False
    at: float = 0.0  # time.monotonic() when accepted
    photo: bytes | None = None  # sendPhoto: the uploaded file (``text`` is then the caption)

    @property
    def buttons(self) -> list[tuple[str, str]]:
        rows = (self.reply_markup or {}).get("inline_keyboard", [])
        return [(b["text"], b.get("callback_data", "")) for row in rows for b in row]


class _Refusal(Exception):
    def __init__(self, status: int, description: str, parameters: dict | None = None) -> None:
        super().__init__(description)
        self.status, self.description, self.parameters = status, description, parameters


def _chat_type(chat_id: int) -> str:
    if chat_id > 0:
        return "private"
    return "supergroup" if str(chat_id).startswith("-100") else "group"


def _value(raw: Any) -> Any:
    """Form fields carry nested objects as JSON strings (reply_markup, allowed_updates);
    an uploaded file (multipart) becomes its bytes."""
    if isinstance(raw, web.FileField):
        return raw.file.read()
    if isinstance(raw, str) and raw[:1] in "[{":
        try:
            return json.loads(raw)
        except ValueError:
            return raw
    return raw


class FakeTelegram:
    def __init__(self, *, token: str = TOKEN, username: str = "digest_test_bot", limits: FakeLimits | None = None,
                 time_scale: float = 1.0, known_chats_only: bool = False, strict_html: bool = True) -> None:
        self.token, self.username = token, username
        self.limits, self.time_scale = limits or FakeLimits(), time_scale
        self.known_chats_only, self.strict_html = known_chats_only, strict_html
        self.chats: dict[int, dict] = {}
        self.members: dict[tuple[int, int], str] = {}
        self.kicked: dict[int, str] = {}
        self.migrated: dict[int, int] = {}
        self.messages: list[SentMessage] = []
        self.requests: list[tuple[str, dict]] = []
        self.rate_limited: list[tuple[int, float]] = []  # (chat_id, retry_after) of every 429 served
        self.webhook: dict | None = None
        self._updates: deque[dict] = deque()
        self._update_ids = itertools.count(1)
        self._message_ids: dict[int, itertools.count] = defaultdict(lambda: itertools.count(1))
        self._send_times: deque[float] = deque()
        self._chat_times: dict[int, deque[float]] = defaultdict(deque)
        self._blocked_until: dict[int, float] = {}
        self._changed = asyncio.Condition()
        self._closing = False
        self._tasks: set[asyncio.Task] = set()
        self._runner: web.AppRunner | None = None
        self.port = 0

    # -- lifecycle ------------------------------------------------------------------------

    async def start(self) -> "FakeTelegram":
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._dispatch)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = self._runner.addresses[0][1]
        return self

    async def close(self) -> None:
        self._closing = True
        await self._notify()  # wake long polls so shutdown does not wait for their timeout
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> "FakeTelegram":
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    @property
    def base_url(self) -> str:
        """For ``TelegramConfig.base_url``: PTB appends the token."""
        return f"http://127.0.0.1:{self.port}/bot"

    # -- configuring chats ----------------------------------------------------------------

    def add_chat(self, chat_id: int, chat_type: str | None = None, title: str | None = None) -> dict:
        chat = {"id": chat_id, "type": chat_type or _chat_type(chat_id)}
        chat.update({"first_name": title or f"User {chat_id}"} if chat["type"] == "private" else {"title": title or f"Chat {chat_id}"})
        self.chats[chat_id] = chat
        return chat

    def set_member(self, chat_id: int, user_id: int, status: str) -> None:
        """``creator``, ``administrator``, ``member``, ``left`` or ``kicked`` (default member)."""
        self.members[(chat_id, user_id)] = status

    def kick(self, chat_id: int, description: str | None = None) -> None:
        kind = self._chat(chat_id)["type"]
        where = "the user" if kind == "private" else f"the {'channel' if kind == 'channel' else 'group'} chat"
        verb = "blocked by" if kind == "private" else "kicked from"
        self.kicked[chat_id] = description or f"Forbidden: bot was {verb} {where}"

    def migrate(self, old_chat_id: int, new_chat_id: int) -> None:
        self.migrated[old_chat_id] = new_chat_id
        self.add_chat(new_chat_id, "supergroup")

    def _chat(self, chat_id: int) -> dict:
        return self.chats.get(chat_id) or self.add_chat(chat_id)

    # -- updates --------------------------------------------------------------------------

    def push_update(self, update: dict) -> dict:
        """Queue an update for getUpdates (an ``update_id`` is given if missing)."""
        update.setdefault("update_id", next(self._update_ids))
        self._updates.append(update)
        task = asyncio.get_running_loop().create_task(self._notify())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return update

    def make_message_update(self, text: str, chat_id: int, chat_type: str = "private", user_id: int | None = None,
                            *, message_id: int | None = None) -> dict:
        """A text message as Telegram sends it; ``chat_type="channel"`` makes a channel_post
        (no ``from``, ``sender_chat`` is the channel)."""
        chat = self._chat(chat_id) if chat_id in self.chats else self.add_chat(chat_id, chat_type)
        message: dict[str, Any] = {
            "message_id": message_id or next(self._message_ids[chat_id]), "date": int(time.time()), "chat": chat,
            "text": text,
        }
        if text.startswith("/"):
            command = text.split()[0]
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        if chat["type"] == "channel":
            message["sender_chat"] = chat
            return {"update_id": next(self._update_ids), "channel_post": message}
        uid = user_id if user_id is not None else chat_id
        message["from"] = {"id": uid, "is_bot": False, "first_name": f"User {uid}"}
        return {"update_id": next(self._update_ids), "message": message}

    def make_callback_update(self, pressed: SentMessage, data: str, user_id: int) -> dict:
        """A press on an inline button of a message the bot sent."""
        message = {"message_id": pressed.message_id, "date": int(time.time()), "chat": self._chat(pressed.chat_id),
                   "text": pressed.plain_text, "from": self._me()}
        query = {"id": str(next(self._update_ids) * 1000), "chat_instance": str(pressed.chat_id), "data": data,
                 "from": {"id": user_id, "is_bot": False, "first_name": f"User {user_id}"}, "message": message}
        return {"update_id": next(self._update_ids), "callback_query": query}

    # -- inspection -----------------------------------------------------------------------

    def sent(self, chat_id: int | None = None) -> list[SentMessage]:
        return [m for m in self.messages if chat_id is None or m.chat_id == chat_id]

    def calls(self, method: str) -> list[dict]:
        return [params for name, params in self.requests if name.lower() == method.lower()]

    async def wait_for(self, n: int, timeout: float = 5.0, *, chat_id: int | None = None) -> list[SentMessage]:
        """Wait until at least ``n`` messages were accepted (for ``chat_id``); return them."""
        async def enough() -> list[SentMessage]:
            async with self._changed:
                await self._changed.wait_for(lambda: len(self.sent(chat_id)) >= n)
            return self.sent(chat_id)
        try:
            return await asyncio.wait_for(enough(), timeout)
        except asyncio.TimeoutError:
            raise AssertionError(f"expected {n} messages, got {len(self.sent(chat_id))}: {self.sent(chat_id)}") from None

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    # -- the API --------------------------------------------------------------------------

    async def _dispatch(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return self._error(_Refusal(401, "Unauthorized"))
        method = request.match_info["method"]
        params: dict[str, Any] = {k: _value(v) for k, v in request.query.items()}
        if request.content_type == "application/json":
            params.update(await request.json() or {})
        elif request.can_read_body:
            params.update({k: _value(v) for k, v in (await request.post()).items()})
        self.requests.append((method, params))
        handler = getattr(self, f"_api_{method.lower()}", None)
        if handler is None:
            return self._error(_Refusal(404, "Not Found"))
        try:
            result = await handler(params)
        except _Refusal as refusal:
            return self._error(refusal)
        return web.json_response({"ok": True, "result": result})

    @staticmethod
    def _error(refusal: _Refusal) -> web.Response:
        body: dict[str, Any] = {"ok": False, "error_code": refusal.status, "description": refusal.description}
        if refusal.parameters:
            body["parameters"] = refusal.parameters
        return web.json_response(body, status=refusal.status)

    def _me(self) -> dict:
        return {"id": BOT_ID, "is_bot": True, "first_name": "Digest Test", "username": self.username,
                "can_join_groups": True, "can_read_all_group_messages": False, "supports_inline_queries": False}

    async def _api_getme(self, params: dict) -> dict:
        return self._me()

    async def _api_deletewebhook(self, params: dict) -> bool:
        self.webhook = None
        return True

    async def _api_setwebhook(self, params: dict) -> bool:
        self.webhook = dict(params)
        return True

    async def _api_setmycommands(self, params: dict) -> bool:
        return True

    async def _api_answercallbackquery(self, params: dict) -> bool:
        return True

    async def _api_getupdates(self, params: dict) -> list[dict]:
        offset = int(params.get("offset") or 0)
        while self._updates and self._updates[0]["update_id"] < offset:
            self._updates.popleft()  # confirmed by the offset
        timeout = float(params.get("timeout") or 0)
        if not self._updates and timeout > 0 and not self._closing:
            try:
                async with self._changed:
                    await asyncio.wait_for(self._changed.wait_for(lambda: bool(self._updates) or self._closing), timeout)
            except asyncio.TimeoutError:
                pass
        limit = int(params.get("limit") or 100)
        return list(itertools.islice(self._updates, limit))

    def _target(self, params: dict) -> int:
        chat_id = int(params.get("chat_id") or 0)
        if chat_id in self.migrated:
            raise _Refusal(400, "Bad Request: group chat was upgraded to a supergroup chat",
                           {"migrate_to_chat_id": self.migrated[chat_id]})
        if chat_id in self.kicked:
            raise _Refusal(403, self.kicked[chat_id])
        if chat_id not in self.chats and (self.known_chats_only or not chat_id):
            raise _Refusal(400, "Bad Request: chat not found")
        return chat_id

    async def _api_getchat(self, params: dict) -> dict:
        return {**self._chat(self._target(params)), "accent_color_id": 0, "max_reaction_count": 11}

    async def _api_getchatmember(self, params: dict) -> dict:
        chat_id, user_id = self._target(params), int(params["user_id"])
        status = self.members.get((chat_id, user_id), "member")
        member: dict[str, Any] = {"status": status, "user": {"id": user_id, "is_bot": False, "first_name": f"User {user_id}"}}
        if status == "creator":
            member["is_anonymous"] = False
        elif status == "administrator":
            member.update(_ADMIN_RIGHTS)
        elif status == "kicked":
            member["until_date"] = 0
        return member

    def _check_flood(self, chat_id: int, now: float) -> None:
        """Telegram's limits as sliding windows over accepted messages; 429 says how long."""
        lim, scale = self.limits, self.time_scale
        waits = [self._blocked_until.get(chat_id, 0.0) - now]
        recent = self._chat_times[chat_id]
        if recent:
            waits.append(recent[-1] + lim.per_chat_interval * scale - now)
        if chat_id < 0 and len(recent) >= lim.group_messages:
            waits.append(recent[-lim.group_messages] + lim.group_window * scale - now)
        if len(self._send_times) >= lim.messages_per_second:
            waits.append(self._send_times[-lim.messages_per_second] + scale - now)
        wait = max(waits)
        if wait > 0:
            retry_after: float = math.ceil(wait / scale)  # Telegram answers whole seconds
            retry_after = retry_after if scale == 1 else retry_after * scale
            self._blocked_until[chat_id] = max(self._blocked_until.get(chat_id, 0.0), now + retry_after)
            self.rate_limited.append((chat_id, retry_after))
            raise _Refusal(429, f"Too Many Requests: retry after {retry_after:g}", {"retry_after": retry_after})

    def _checked_text(self, params: dict) -> tuple[str, list]:
        markup = params.get("reply_markup") or {}
        for row in markup.get("inline_keyboard", []):
            for button in row:
                if len(str(button.get("callback_data", "")).encode()) > 64:
                    raise _Refusal(400, "Bad Request: BUTTON_DATA_INVALID")
        try:
            return check_message_text(str(params.get("text") or ""), params.get("parse_mode") or None,
                                      strict=self.strict_html)
        except TelegramBadRequest as exc:
            raise _Refusal(400, exc.description) from None

    def _result(self, m: SentMessage, entities: list) -> dict:
        result = {"message_id": m.message_id, "date": int(time.time()), "chat": self._chat(m.chat_id),
                  "from": self._me(), "text": m.plain_text,
                  "entities": [{k: v for k, v in asdict(e).items() if v is not None} for e in entities]}
        if m.reply_markup:
            result["reply_markup"] = m.reply_markup
        return result

    async def _accept(self, message: SentMessage) -> None:
        """Record an accepted message (text or photo) in the flood windows and the log."""
        for times in (self._send_times, self._chat_times[message.chat_id]):
            times.append(message.at)
            while len(times) > max(self.limits.messages_per_second, self.limits.group_messages):
                times.popleft()
        self.messages.append(message)
        await self._notify()

    async def _api_sendmessage(self, params: dict) -> dict:
        chat_id = self._target(params)
        now = time.monotonic()
        self._check_flood(chat_id, now)
        plain, entities = self._checked_text(params)
        preview = params.get("link_preview_options") or {}
        reply = params.get("reply_parameters") or {}
        message = SentMessage(
            chat_id=chat_id, message_id=next(self._message_ids[chat_id]), text=str(params["text"]), plain_text=plain,
            parse_mode=params.get("parse_mode"), reply_markup=params.get("reply_markup") or None,
            reply_to=reply.get("message_id"), at=now,
            link_preview_disabled=bool(preview.get("is_disabled")) or str(params.get("disable_web_page_preview")).lower() == "true",
        )
        await self._accept(message)
        return self._result(message, entities)

    async def _api_sendphoto(self, params: dict) -> dict:
        """A photo uploaded as multipart/form-data (PTB sends bytes that way); the caption is
        checked like a text, against Telegram's 1024-character caption limit."""
        chat_id = self._target(params)
        photo = params.get("photo")
        if not isinstance(photo, bytes) or not photo.startswith((b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff")):
            raise _Refusal(400, "Bad Request: IMAGE_PROCESS_FAILED")
        now = time.monotonic()
        self._check_flood(chat_id, now)
        caption = str(params.get("caption") or "")
        plain, entities = "", []
        if caption:
            try:
                plain, entities = parse_telegram_html(caption, strict=self.strict_html) if params.get("parse_mode") \
                    else (caption, [])
            except TelegramBadRequest as exc:
                raise _Refusal(400, exc.description.replace("can't parse entities", "can't parse caption entities")) from None
            if utf16_len(plain) > CAPTION_LIMIT:
                raise _Refusal(400, "Bad Request: message caption is too long")
        reply = params.get("reply_parameters") or {}
        message = SentMessage(chat_id=chat_id, message_id=next(self._message_ids[chat_id]), text=caption,
                              plain_text=plain, parse_mode=params.get("parse_mode"),
                              reply_markup=params.get("reply_markup") or None, reply_to=reply.get("message_id"),
                              at=now, photo=photo)
        await self._accept(message)
        result = self._result(message, entities)
        result.pop("text")
        result.update(caption=plain, photo=[{"file_id": f"photo-{message.message_id}", "file_unique_id":
                                             f"u{message.message_id}", "width": 640, "height": 240,
                                             "file_size": len(photo)}])
        if entities:
            result["caption_entities"] = result.pop("entities")
        else:
            result.pop("entities")
        return result

    async def _api_editmessagetext(self, params: dict) -> dict:
        chat_id = self._target(params)
        found = [m for m in self.messages if m.chat_id == chat_id and m.message_id == int(params.get("message_id") or 0)]
        if not found:
            raise _Refusal(400, "Bad Request: message to edit not found")
        plain, entities = self._checked_text(params)
        message = found[0]
        message.text, message.plain_text = str(params["text"]), plain
        message.parse_mode, message.reply_markup = params.get("parse_mode"), params.get("reply_markup") or None
        return self._result(message, entities)
