"""What every ``newsdigest`` subcommand shares: the context (config, database), the
decorators that pass it and run a coroutine, and opening the store.

Its own module so the command modules never import ``bot.cli``, which imports them (and
``python -m bot.cli`` runs without a circular import).
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import click

from bot.config import Config, load_config
from bot.logs import configure_logging, register_secret
from digests.errors import DigestError

__all__ = ["CliContext", "open_store", "pass_ctx", "register_config_secrets", "run_async"]


@dataclass
class CliContext:
    config_path: str | None
    db: str | None
    verbose: int
    _config: Config | None = None

    @property
    def config(self) -> Config:
        if self._config is None:
            self._config = load_config(self.config_path, database=self.db)
            log = self._config.logging
            register_config_secrets(self._config)
            configure_logging(log.level, log.format, self.verbose)
        return self._config


def register_config_secrets(config: Config) -> None:
    """Every secret the process knows is hidden from every log line from now on."""
    from sqlalchemy.engine import make_url

    for value in vars(config.secrets).values():
        register_secret(value if isinstance(value, str) else None)
    if "://" in config.database:
        try:
            register_secret(make_url(config.database).password)
        except Exception:  # noqa: BLE001 - a bad URL is reported when the store opens
            pass


pass_ctx = click.make_pass_decorator(CliContext)


def run_async(fn: Callable[..., Awaitable[Any]]) -> Callable[..., Any]:
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        return asyncio.run(fn(*args, **kwargs))

    return wrapper


async def open_store(ctx: CliContext, *, read_only: bool = False):
    """The store; read commands pass ``read_only=True``: they never create or upgrade a
    database, so a missing or damaged one is reported instead of replaced."""
    from digests.store import Store

    try:
        return await Store.open(ctx.config.database, read_only=read_only)
    except DigestError as exc:
        missing = exc.__cause__
        if isinstance(missing, ImportError) and "://" in ctx.config.database:
            # `pip install .` brings SQLite only: name the extra that brings the driver.
            driver = getattr(missing, "name", None) or "its driver"
            raise DigestError(f"{exc}; the PostgreSQL driver ({driver}) is an extra: "
                              "pip install 'newsdigest[postgres]'") from missing
        raise
