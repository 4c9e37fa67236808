"""``newsdigest web``: serve the read-only archive (digests, stories, people, search,
Atom feeds) and, when ``NEWSDIGEST_WEB_ADMIN_TOKEN`` is set, the admin pages."""

from __future__ import annotations

import asyncio
import os

import click

__all__ = ["ADMIN_TOKEN_ENV", "register", "serve_web"]

ADMIN_TOKEN_ENV = "NEWSDIGEST_WEB_ADMIN_TOKEN"


async def serve_web(database: str, host: str, port: int, *, base_url: str = "", admin_token: str | None = None,
                    stop: asyncio.Event | None = None, store=None) -> None:
    """Serve until ``stop`` is set (forever when None). ``store``: the caller's open store
    (``newsdigest run`` shares its own); else one is opened here, which migrates it."""
    from aiohttp import web

    from bot.web import WebSettings, create_app
    from digests.store import Store
    from digests.store.archive import open_readonly_engine

    owned = store is None
    if owned:
        store = await Store.open(database)  # migrates: schema v4 creates the archive table
    readonly = open_readonly_engine(database)
    app = create_app(store, readonly, WebSettings(base_url=base_url, admin_token=admin_token or None))
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    try:
        await web.TCPSite(runner, host, port).start()
        click.echo(f"newsdigest web archive on http://{host}:{port}/"
                   + ("" if admin_token else f" (admin pages off: set {ADMIN_TOKEN_ENV})"))
        await (stop or asyncio.Event()).wait()
    finally:
        await runner.cleanup()
        await readonly.dispose()
        if owned:
            await store.close()


def _option(config, name: str, given, default):
    """Command-line value, else ``[web] name`` from the config (file, environment or default)."""
    return given if given is not None else getattr(config.web, name, default)


def register(main: click.Group) -> None:
    from bot.cli_context import CliContext, pass_ctx

    @main.command("web")
    @click.option("--host", default=None, help="Address to listen on (default [web] listen or 127.0.0.1).")
    @click.option("--port", default=None, type=click.IntRange(1, 65535), help="Port (default [web] port or 8080).")
    @click.option("--base-url", default=None, help="Public URL of the archive (feeds, chat links; default [web] base_url).")
    @pass_ctx
    def web_command(ctx: CliContext, host: str | None, port: int | None, base_url: str | None) -> None:
        """Serve the web archive (read-only; admin pages need NEWSDIGEST_WEB_ADMIN_TOKEN)."""
        config = ctx.config
        try:
            asyncio.run(serve_web(
                config.database, _option(config, "listen", host, "127.0.0.1"), _option(config, "port", port, 8080),
                base_url=_option(config, "base_url", base_url, ""), admin_token=os.environ.get(ADMIN_TOKEN_ENV),
            ))
        except KeyboardInterrupt:
            pass
