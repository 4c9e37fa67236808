"""The webhook endpoint: Telegram POSTs updates here (webhook mode).

A small aiohttp server inside our own event loop. Every request must carry the secret we gave
``setWebhook`` in ``X-Telegram-Bot-Api-Secret-Token``: anyone can find the URL, only Telegram
knows the secret. Accepted updates go to PTB's ``update_queue``, exactly where polling puts
them, so both modes share every handler.
"""

from __future__ import annotations

import hmac
import json
import logging

from aiohttp import web
from telegram import Update
from telegram.ext import Application

from bot.receiver import PostReceiver

__all__ = ["WebhookServer", "SECRET_HEADER"]

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


class WebhookServer(PostReceiver):
    def __init__(self, application: Application, *, secret: str, listen: str, port: int, path: str) -> None:
        if not secret:
            raise ValueError("a webhook needs a secret token")
        super().__init__(self._receive, host=listen, port=port, path=path)
        self._application = application
        self._secret = secret.encode()

    async def _receive(self, request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, self._secret):
            log.warning("webhook request without the right secret token", extra={"remote": request.remote})
            return web.Response(status=403, text="forbidden")
        try:
            data = json.loads(await request.read())
            update = Update.de_json(data, self._application.bot) if isinstance(data, dict) else None
        except (ValueError, TypeError, KeyError) as exc:
            log.warning("webhook body is not an update", extra={"error": str(exc)})
            return web.Response(status=400, text="not an update")
        if update is None:
            return web.Response(status=400, text="not an update")
        await self._application.update_queue.put(update)
        return web.Response(text="ok")
