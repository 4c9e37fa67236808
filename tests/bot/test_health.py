"""/healthz: healthy with a readable database, 503 when the SQLite file is gone, healthy
again when it is back; a role waiting for a token reports why; receivers carry the routes."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import aiohttp
from aiohttp import web

from bot.app import NewsdigestApp
from bot.config import MetricsConfig, Secrets, StoreConfig, TelegramConfig, load_config
from bot.health import (
    HealthMonitor,
    ObservabilityServer,
    observability_address,
    start_observability,
    wait_without_token,
)
from bot.receiver import PostReceiver, serve_routes_on_receivers


async def get(port: int, path: str = "/healthz") -> tuple[int, dict | str]:
    async with aiohttp.ClientSession() as session:
        async with session.get(f"http://127.0.0.1:{port}{path}") as response:
            body = await (response.json() if path == "/healthz" else response.text())
            return response.status, body


def _config(tmp_path, **metrics):
    base = load_config(None, env={})
    return replace(base, store=StoreConfig(database=str(tmp_path / "h.db")), secrets=Secrets(),
                   metrics=MetricsConfig(enabled=True, listen="127.0.0.1:0", **metrics))


async def test_healthz_follows_the_database_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    config = _config(tmp_path)
    async with NewsdigestApp(config, demo=True) as app:
        obs = await start_observability(
            config, store=app.store, deliverer=app.deliverer, ingest=app.ingest,
            scheduler_state=lambda: "leader" if app.scheduler and app.scheduler.running else "starting")
        try:
            await app.run_once()  # polls the demo folder: a last successful poll to report
            status, body = await get(obs.server.port)
            assert status == 200 and body["ok"] is True
            assert body["database"] == "reachable" and body["scheduler"] == "starting"
            assert 0 <= body["last_poll_age_seconds"] < 60

            db = tmp_path / "h.db"
            moved = tmp_path / "elsewhere.db"
            db.rename(moved)
            status, body = await get(obs.server.port)
            assert status == 503 and body["ok"] is False and "missing" in body["database"]
            assert not db.exists()  # the check did not create an empty database in its place
            status, _ = await get(obs.server.port, "/metrics")
            assert status == 200  # a scrape never fails; the health check is what says "down"

            moved.rename(db)
            status, body = await get(obs.server.port)
            assert status == 200 and body["database"] == "reachable"
        finally:
            await obs.aclose()


async def test_a_role_without_a_token_waits_and_reports_unhealthy(tmp_path, caplog):
    monitor = HealthMonitor(str(tmp_path / "w.db"))
    from digests.store import Store

    async with await Store.open(str(tmp_path / "w.db")):
        pass
    server = ObservabilityServer("127.0.0.1", 0, None, monitor)
    await server.start()
    stop = asyncio.Event()
    waiting = asyncio.create_task(wait_without_token("deliver", stop, monitor))
    try:
        await asyncio.sleep(0.05)
        assert not waiting.done()  # it waits: no exit, no restart loop
        status, body = await get(server.port)
        assert status == 503 and "TELEGRAM_BOT_TOKEN" in body["problems"]["tokens"]
        assert any("needs TELEGRAM_BOT_TOKEN" in r.getMessage() for r in caplog.records)
        stop.set()
        await asyncio.wait_for(waiting, 5)
    finally:
        await server.stop()
        await monitor.close()


async def test_receivers_started_after_serve_routes_carry_healthz(tmp_path):
    monitor = HealthMonitor(str(tmp_path / "r.db"))
    from bot.health import add_observability_routes
    from digests.store import Store

    async with await Store.open(str(tmp_path / "r.db")):
        pass

    async def hook(_request: web.Request) -> web.Response:
        return web.Response(text="ok")

    serve_routes_on_receivers(lambda app: add_observability_routes(app, None, monitor))
    receiver = PostReceiver(hook, host="127.0.0.1", port=0, path="/telegram")
    await receiver.start()
    try:
        status, body = await get(receiver.port)
        assert status == 200 and body["ok"] is True
    finally:
        serve_routes_on_receivers(None)
        await receiver.stop()
        await monitor.close()


def test_healthz_is_on_the_webhook_receiver_when_one_runs(tmp_path):
    config = _config(tmp_path)
    assert observability_address(config) == ("127.0.0.1", 0)
    webhook = replace(config, telegram=TelegramConfig(mode="webhook", webhook_listen="0.0.0.0", webhook_port=8443),
                      secrets=Secrets(telegram_bot_token="1:x"))
    assert observability_address(webhook, "all") == ("0.0.0.0", 8443)
    assert observability_address(webhook, "deliver") == ("127.0.0.1", 0)  # no receiver in that role


async def test_last_poll_age_uses_the_newest_success(tmp_path):
    from digests.store import Store

    now = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)
    async with await Store.open(str(tmp_path / "p.db")) as store:
        a, _ = await store.sources.add("https://a.example/feed", "feed")
        b, _ = await store.sources.add("https://b.example/feed", "feed")
        await store.sources.record_success(a.id, now=now - timedelta(minutes=30))
        await store.sources.record_success(b.id, now=now - timedelta(minutes=2))
    monitor = HealthMonitor(str(tmp_path / "p.db"), clock=lambda: now)
    try:
        report = await monitor.check()
    finally:
        await monitor.close()
    assert report.ok and report.last_poll_age_seconds == 120.0
