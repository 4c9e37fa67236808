"""The archive's aiohttp application: settings, shared state, security headers, routes.

Public pages read through a read-only engine; only the admin actions (retry or drop a
dead letter) use the writable store, and only behind the admin token.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.web.templating import make_environment
from digests.store import Store
from digests.store.archive import ArchiveReader
from digests.store.articles import ArticleRepository
from digests.store.people import PeopleRepository

__all__ = ["STATE", "WebSettings", "WebState", "create_app", "render"]

STATIC = Path(__file__).resolve().parent / "static"


@dataclass(frozen=True)
class WebSettings:
    base_url: str = ""  # public URL of the archive, for feeds and chat links; "" = from the request
    admin_token: str | None = None  # NEWSDIGEST_WEB_ADMIN_TOKEN; None = no admin pages at all
    page_size: int = 20
    site_title: str = "newsdigest archive"
    chart_days: int = 90


class WebState:
    """What every handler needs, built once per app."""

    def __init__(self, store: Store, readonly: AsyncEngine, settings: WebSettings) -> None:
        self.store = store  # writable: admin actions only
        self.settings = settings
        self.archive = ArchiveReader(readonly)
        self.people = PeopleRepository(readonly)  # /who matching, read-only
        self.articles = ArticleRepository(readonly)  # /search engine, read-only
        self.templates = make_environment()
        self.chart_cache: dict[tuple, bytes] = {}

    def origin(self, request: web.Request) -> str:
        return self.settings.base_url.rstrip("/") or f"{request.scheme}://{request.host}"


STATE: web.AppKey[WebState] = web.AppKey("newsdigest_web_state", WebState)

# No script runs on these pages at all: the CSP is a second wall behind autoescaping.
_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; img-src 'self'; style-src 'self'; form-action 'self'; "
                               "frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}


def render(request: web.Request, template: str, *, status: int = 200, **context: Any) -> web.Response:
    state = request.app[STATE]
    html = state.templates.get_template(template).render(
        site_title=state.settings.site_title, admin_enabled=state.settings.admin_token is not None,
        request_path=request.path, **context,
    )
    return web.Response(text=html, status=status, content_type="text/html", charset="utf-8")


@web.middleware
async def _security(request: web.Request, handler) -> web.StreamResponse:
    try:
        response = await handler(request)
    except web.HTTPNotFound:
        response = render(request, "error.html", status=404, message="Not found.")
    except web.HTTPException as exc:  # redirects, 401, 403: raised, so headers go on the exception
        for name, value in _HEADERS.items():
            exc.headers.setdefault(name, value)
        raise
    for name, value in _HEADERS.items():
        response.headers.setdefault(name, value)
    return response


def create_app(store: Store, readonly: AsyncEngine, settings: WebSettings | None = None) -> web.Application:
    from bot.web import admin, feeds, people_views, public

    app = web.Application(middlewares=[_security], client_max_size=64 * 1024)
    app[STATE] = WebState(store, readonly, settings or WebSettings())
    public.add_routes(app)
    people_views.add_routes(app)
    feeds.add_routes(app)
    admin.add_routes(app)
    app.router.add_static("/static/", STATIC, show_index=False, follow_symlinks=False)
    return app
