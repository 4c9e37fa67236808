"""A one-route aiohttp server inside our own event loop: where a platform POSTs to us
(Telegram webhook updates, Slack HTTP-mode events). The adapters supply the handler that
checks the request (secret token, signature) and acts on it.

Extra GET routes (``/healthz``, ``/metrics``) ride along: whoever starts the receivers calls
:func:`serve_routes_on_receivers` first, and every receiver started later in the same task
(context) adds them. A context variable, not a global, so two apps in one test process
don't see each other's routes."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextvars import ContextVar

from aiohttp import web

__all__ = ["PostReceiver", "serve_routes_on_receivers"]

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
AddRoutes = Callable[[web.Application], None]

_EXTRA_ROUTES: ContextVar[AddRoutes | None] = ContextVar("newsdigest_receiver_routes", default=None)


def serve_routes_on_receivers(add_routes: AddRoutes | None) -> None:
    """Receivers started from now on (in this context) also get ``add_routes(app)``."""
    _EXTRA_ROUTES.set(add_routes)


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
        extra = _EXTRA_ROUTES.get()
        if extra is not None:
            extra(app)
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
