"""``newsdigest web`` end to end: the server opens a fresh database (creating the archive
table), serves pages on a real port, and stops cleanly."""

from __future__ import annotations

import asyncio
import socket

import aiohttp

from bot.cli_web import serve_web


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def test_serve_web_serves_the_archive_and_hides_admin_without_token(tmp_path):
    port, stop = _free_port(), asyncio.Event()
    server = asyncio.create_task(serve_web(str(tmp_path / "fresh.db"), "127.0.0.1", port, stop=stop))
    try:
        async with aiohttp.ClientSession() as http:
            for _ in range(100):
                try:
                    response = await http.get(f"http://127.0.0.1:{port}/digests")
                    break
                except aiohttp.ClientConnectorError:
                    await asyncio.sleep(0.05)
            assert response.status == 200 and "No digest has been sent yet" in await response.text()
            assert (await http.get(f"http://127.0.0.1:{port}/admin")).status == 404
            feed = await http.get(f"http://127.0.0.1:{port}/feeds/digests.atom")
            assert feed.status == 200
    finally:
        stop.set()
        await asyncio.wait_for(server, 10)


def test_web_command_help_names_its_options_and_the_admin_token():
    from click.testing import CliRunner

    from bot.cli import main
    from bot.cli_web import register

    if "web" not in main.commands:  # until bot/cli.py registers it
        register(main)
    result = CliRunner().invoke(main, ["web", "--help"])
    assert result.exit_code == 0, result.output
    for word in ("--host", "--port", "--base-url", "NEWSDIGEST_WEB_ADMIN_TOKEN"):
        assert word in result.output


async def test_run_with_web_enabled_serves_the_archive_from_its_own_store(tmp_path):
    import io
    from dataclasses import replace

    from rich.console import Console

    from bot.app import NewsdigestApp
    from bot.config import StoreConfig, WebConfig, load_config

    port = _free_port()
    config = replace(load_config(None, env={}), store=StoreConfig(database=str(tmp_path / "run.db")),
                     web=WebConfig(enabled=True, listen="127.0.0.1", port=port))
    async with NewsdigestApp(config, demo=False, console=Console(file=io.StringIO())):
        async with aiohttp.ClientSession() as http:
            for _ in range(100):
                try:
                    response = await http.get(f"http://127.0.0.1:{port}/digests")
                    break
                except aiohttp.ClientConnectorError:
                    await asyncio.sleep(0.05)
            assert response.status == 200
    async with aiohttp.ClientSession() as http:  # stopped with the app
        try:
            await http.get(f"http://127.0.0.1:{port}/digests", timeout=aiohttp.ClientTimeout(total=2))
            raise AssertionError("the archive still answers after the app stopped")
        except aiohttp.ClientConnectorError:
            pass
