"""``/healthz`` and ``/metrics``: on the webhook receiver when one runs, else on a small
listener of their own (``[metrics] listen``); both off unless ``[metrics] enabled``.

``/healthz`` answers JSON, 200 when healthy, 503 otherwise::

    {"ok": true, "process": "up", "database": "reachable", "scheduler": "leader",
     "last_poll_age_seconds": 42.0, "problems": {}}

Unhealthy means: the database cannot be read (for SQLite, also: the file is gone), or a part
of the process reported a problem it waits on (``set_problem``, e.g. no bot token). The
scheduler state and the last successful poll are reported, not judged: a standby scheduler is
healthy, and a feed that is down must not get the container restarted.

``python -m bot.health [--role ROLE]`` probes the address this configuration serves on and
exits 0/1: what the Dockerfile's HEALTHCHECK runs (no curl in a slim image).
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from bot.commands import WHO_TIMERS
from bot.config import Config
from bot.metrics import CONTENT_TYPE_LATEST, Metrics, instrument
from bot.receiver import serve_routes_on_receivers

log = logging.getLogger(__name__)

__all__ = [
    "HealthMonitor",
    "HealthReport",
    "Observability",
    "ObservabilityServer",
    "add_observability_routes",
    "observability_address",
    "probe",
    "start_observability",
    "wait_without_token",
]

RECEIVER_ROLES = ("all", "bots")  # the roles that run the chat adapters (and so their receivers)


@dataclass
class HealthReport:
    ok: bool
    process: str = "up"
    database: str = "unknown"
    scheduler: str = "off"
    last_poll_age_seconds: float | None = None
    problems: dict[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _sqlite_file(database: str) -> str | None:
    from sqlalchemy.engine import make_url

    from digests.store import database_url

    url = make_url(database_url(database))
    if url.drivername.startswith("sqlite") and url.database and url.database != ":memory:":
        return url.database
    return None


class HealthMonitor:
    """Answers "is this process healthy?" from a fresh connection each time (a pooled one
    would keep a deleted SQLite file alive and say all is well)."""

    def __init__(self, database: str, *, scheduler_state: Callable[[], str] | None = None,
                 clock: Callable[[], datetime] | None = None, timeout: float = 3.0) -> None:
        self.database = database
        self.scheduler_state = scheduler_state
        self.clock = clock or (lambda: datetime.now(UTC))
        self.timeout = timeout
        self.problems: dict[str, str] = {}
        self._engine: Any = None

    def set_problem(self, name: str, reason: str) -> None:
        self.problems[name] = reason

    def clear_problem(self, name: str) -> None:
        self.problems.pop(name, None)

    async def check(self) -> HealthReport:
        report = HealthReport(ok=False, problems=dict(self.problems))
        try:
            report.scheduler = self.scheduler_state() if self.scheduler_state else "off"
        except Exception as exc:  # noqa: BLE001 - a broken probe is reported, not raised
            report.scheduler = f"unknown ({exc})"
        try:
            newest = await asyncio.wait_for(self._read_newest_poll(), self.timeout)
        except Exception as exc:  # noqa: BLE001 - any failure to read means unreachable
            report.database = f"unreachable: {exc}" if str(exc) else f"unreachable: {type(exc).__name__}"
        else:
            report.database = "reachable"
            if newest is not None:
                report.last_poll_age_seconds = round(max(0.0, (self.clock() - newest).total_seconds()), 1)
        report.ok = report.database == "reachable" and not report.problems
        return report

    async def _read_newest_poll(self) -> datetime | None:
        from sqlalchemy import func, select
        from sqlalchemy.ext.asyncio import create_async_engine
        from sqlalchemy.pool import NullPool

        from digests.store import database_url, schema
        from digests.store.db import as_utc

        path = _sqlite_file(self.database)
        if path is not None and not os.path.isfile(path):
            raise FileNotFoundError(f"database file {path} is missing")
        if self._engine is None:
            self._engine = create_async_engine(database_url(self.database), poolclass=NullPool)
        async with self._engine.connect() as conn:
            newest = (await conn.execute(select(func.max(schema.sources.c.last_success_at)))).scalar_one()
        return as_utc(newest) if newest is not None else None

    async def close(self) -> None:
        if self._engine is not None:
            await self._engine.dispose()
            self._engine = None


def add_observability_routes(app: web.Application, metrics: Metrics | None, health: HealthMonitor | None) -> None:
    """GET /healthz and GET /metrics on an aiohttp application (ours or a receiver's)."""
    if health is not None:
        async def healthz(_request: web.Request) -> web.Response:
            report = await health.check()
            return web.json_response(report.as_dict(), status=200 if report.ok else 503)

        app.router.add_get("/healthz", healthz)
    if metrics is not None:
        async def metrics_view(_request: web.Request) -> web.Response:
            await metrics.refresh()
            return web.Response(body=metrics.render(), headers={"Content-Type": CONTENT_TYPE_LATEST})

        app.router.add_get("/metrics", metrics_view)


def _host_port(listen: str) -> tuple[str, int]:
    host, sep, port = listen.rpartition(":")
    if not sep or not port.isdigit():
        from digests.errors import ConfigError

        raise ConfigError(f"metrics.listen must be host:port, not {listen!r}")
    return host.strip("[]") or "0.0.0.0", int(port)


def observability_address(config: Config, role: str = "all") -> tuple[str, int]:
    """Where /healthz is served for this config and role: a webhook receiver if this
    process runs one (Telegram webhook mode first, then Slack HTTP mode), else metrics.listen."""
    secrets = config.secrets
    if role in RECEIVER_ROLES:
        if secrets.telegram_bot_token and config.telegram.mode == "webhook":
            return config.telegram.webhook_listen, config.telegram.webhook_port
        if secrets.slack_bot_token and config.slack.mode == "http":
            return config.slack.http_listen, config.slack.http_port
    return _host_port(config.metrics.listen)


class ObservabilityServer:
    """The small listener used when no receiver runs."""

    def __init__(self, host: str, port: int, metrics: Metrics | None, health: HealthMonitor | None) -> None:
        self.host, self._requested_port = host, port
        self.port: int | None = None
        self._app = web.Application()
        add_observability_routes(self._app, metrics, health)
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        self._runner = web.AppRunner(self._app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, self.host, self._requested_port).start()
        self.port = self._runner.addresses[0][1] if self._runner.addresses else self._requested_port

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None


@dataclass
class Observability:
    metrics: Metrics
    health: HealthMonitor
    server: ObservabilityServer | None = None

    async def aclose(self) -> None:
        serve_routes_on_receivers(None)
        if self.metrics.observe_who in WHO_TIMERS:
            WHO_TIMERS.remove(self.metrics.observe_who)
        if self.server is not None:
            await self.server.stop()
        await self.health.close()


async def start_observability(config: Config, *, role: str = "all", store: Any = None, deliverer: Any = None,
                              ingest: Any = None, fetcher: Any = None, scheduler_state: Callable[[], str] | None = None,
                              clock: Callable[[], datetime] | None = None) -> Observability | None:
    """None when ``[metrics] enabled`` is false. Else: counters connected to the parts
    given, /healthz and /metrics added to every receiver this task starts from now on, and
    the small listener started unless this process runs a receiver."""
    if not config.metrics.enabled:
        return None
    metrics = Metrics()
    instrument(metrics, deliverer=deliverer, ingest=ingest, store=store, fetcher=fetcher, clock=clock)
    health = HealthMonitor(config.database, scheduler_state=scheduler_state, clock=clock)
    observability = Observability(metrics, health)
    WHO_TIMERS.append(metrics.observe_who)  # every /who this process answers
    serve_routes_on_receivers(lambda app: add_observability_routes(app, metrics, health))
    host, port = observability_address(config, role)
    if (host, port) == _host_port(config.metrics.listen):
        observability.server = ObservabilityServer(host, port, metrics, health)
        await observability.server.start()
        log.info("serving /healthz and /metrics", extra={"listen": f"{host}:{observability.server.port}"})
    return observability


async def wait_without_token(role: str, stop: asyncio.Event, health: HealthMonitor | None = None) -> None:
    """A role that needs a chat token and has none: say so, report unhealthy, wait for
    ``stop`` instead of exiting (an exit under a restart policy is a restart loop)."""
    reason = f"--role {role} needs TELEGRAM_BOT_TOKEN and/or SLACK_BOT_TOKEN; waiting (set one and restart)"
    log.error(reason)
    if health is not None:
        health.set_problem("tokens", reason)
    await stop.wait()


def probe(config: Config, role: str = "all", timeout: float = 5.0) -> tuple[bool, str]:
    """GET /healthz where this config serves it: (healthy, the body or the error)."""
    import urllib.error
    import urllib.request

    host, port = observability_address(config, role)
    host = "127.0.0.1" if host in ("0.0.0.0", "", "::") else host
    try:
        with urllib.request.urlopen(f"http://{host}:{port}/healthz", timeout=timeout) as response:
            return response.status == 200, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        return False, exc.read().decode("utf-8", "replace")
    except OSError as exc:
        return False, f"cannot reach http://{host}:{port}/healthz: {exc}"


def _main() -> int:
    import argparse

    from bot.config import load_config

    parser = argparse.ArgumentParser(prog="python -m bot.health", description="Exit 0 when /healthz says healthy.")
    parser.add_argument("--role", default=os.environ.get("NEWSDIGEST_ROLE", "all"))
    args = parser.parse_args()
    ok, body = probe(load_config(), args.role)
    print(body if len(body) < 2000 else body[:2000])
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(_main())
