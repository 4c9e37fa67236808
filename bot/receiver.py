"""A one-route aiohttp server inside our own event loop: where a platform POSTs to us
(Telegram webhook updates, Slack HTTP-mode events). The adapters supply the handler that
checks the request (secret token, signature) and acts on it."""

from __future__ import annotations

from typing import Awaitable, Callable

from aiohttp import web

__all__ = ["PostReceiver"]

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class PostReceiver:
    def __init__(self, handler: Handler, *, host: str, port: int, path: str, max_body: int = 1024 * 1024) -> None:
        self._handler = handler
        self._host = host
        self._requested_port = port
        self.path = path if path.startswith("/") else f"/{path}"
        self._max_body = max_body
        self.port: int | None = None  # the bound port (useful with port=0)
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        app = web.Application(client_max_size=self._max_body)
        app.router.add_post(self.path, self._handler)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, self._host, self._requested_port).start()
        self.port = self._runner.addresses[0][1] if self._runner.addresses else self._requested_port

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @property
    def url(self) -> str:
        if self._runner is None:
            raise RuntimeError("the receiver is not running")
        return f"http://{self._host}:{self.port}{self.path}"
