"""Secrets never reach a log line or an error message: the filter on its own, then the real
``newsdigest run -vv`` (library debug logs on) against the local Telegram fake."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys
from pathlib import Path

import httpx
import pytest

from bot.logs import (
    LIBRARY_LOGGERS,
    RedactingFilter,
    configure_logging,
    mask_secret,
    redact,
    register_secret,
)
from tests.platforms.fake_telegram import FakeTelegram

# Shaped like real credentials (made up): what the patterns must recognise unregistered.
BOT_TOKEN = "7123456789:AAHk2Rz9-pQx_3mWb7LcYd4NeVf8TgUh1Jo"
SLACK_TOKENS = ["xoxb-2210-7731-QwErTyUiOpAsDfGh", "xoxp-1-2-3-abcdefabcdef", "xapp-1-A0ABC-1234-deadbeefcafe"]
DB_URL = "postgresql+asyncpg://newsdigest:s3cr3t-Pa55word@db.internal:5432/news"
SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"


def test_patterns_hide_tokens_passwords_and_registered_secrets():
    register_secret(SIGNING_SECRET)
    text = (f"GET https://api.telegram.org/bot{BOT_TOKEN}/getUpdates {' '.join(SLACK_TOKENS)} {DB_URL} "
            f"signing={SIGNING_SECRET} host=db password=hunter2-long")
    shown = redact(text)
    for secret in [BOT_TOKEN, *SLACK_TOKENS, "s3cr3t-Pa55word", SIGNING_SECRET, "hunter2-long"]:
        assert secret not in shown, secret
    assert "api.telegram.org/bot" in shown and "db.internal:5432/news" in shown  # the rest stays readable


def test_mask_secret_shows_at_most_the_last_four_characters():
    assert mask_secret(BOT_TOKEN) == "…" + BOT_TOKEN[-4:]
    assert BOT_TOKEN[:-4] not in mask_secret(BOT_TOKEN)
    assert mask_secret("short") == "…" and mask_secret("") == "(empty)"


@pytest.mark.parametrize("logger_name", LIBRARY_LOGGERS)
def test_every_library_logger_is_filtered_at_debug_with_args_extras_and_exceptions(logger_name, capsys):
    configure_logging("DEBUG", "text", verbose=2)
    logger = logging.getLogger(logger_name)
    assert any(isinstance(f, RedactingFilter) for f in logger.filters)
    logger.setLevel("DEBUG")
    try:
        raise RuntimeError(f"The token `{BOT_TOKEN}` was rejected by the server.")
    except RuntimeError:
        logger.debug("HTTP Request: %s %s", "POST", f"https://api.telegram.org/bot{BOT_TOKEN}/getMe",
                     exc_info=True, extra={"dsn": DB_URL, "token": SLACK_TOKENS[0]})
    err = capsys.readouterr().err
    assert "getMe" in err and "RuntimeError" in err  # the line and its traceback are there
    for secret in (BOT_TOKEN, "s3cr3t-Pa55word", SLACK_TOKENS[0]):
        assert secret not in err


def test_httpx_request_log_of_a_real_request_is_redacted(capsys):
    configure_logging("DEBUG", "json", verbose=2)
    transport = httpx.MockTransport(lambda request: httpx.Response(200, json={"ok": True}))
    with httpx.Client(transport=transport) as client:
        client.get(f"https://api.telegram.org/bot{BOT_TOKEN}/getMe")
    err = capsys.readouterr().err
    assert "getMe" in err and BOT_TOKEN not in err


async def _run_cli(tmp_path: Path, server: FakeTelegram, token: str, *, wait_for_polls: int) -> tuple[int, str]:
    config = tmp_path / "newsdigest.toml"
    config.write_text(f'[telegram]\nbase_url = "{server.base_url}"\nbase_file_url = "{server.base_url}"\n')
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NEWSDIGEST_", "TELEGRAM_", "SLACK_"))}
    env["TELEGRAM_BOT_TOKEN"] = token
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "-vv", "--config", str(config), "--db", str(tmp_path / "n.db"), "run", "--no-demo",
        cwd=tmp_path, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    try:
        if wait_for_polls:
            for _ in range(300):  # bounded: 30 s
                if len(server.calls("getUpdates")) >= wait_for_polls or proc.returncode is not None:
                    break
                await asyncio.sleep(0.1)
            proc.send_signal(signal.SIGTERM)
        _, err = await asyncio.wait_for(proc.communicate(), 60)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    return proc.returncode, err.decode()


async def test_run_vv_never_logs_the_bot_token(tmp_path):
    async with FakeTelegram(token=BOT_TOKEN) as server:
        _, err = await _run_cli(tmp_path, server, BOT_TOKEN, wait_for_polls=2)
    assert server.calls("getMe") and len(server.calls("getUpdates")) >= 2, err[-2000:]
    assert "getUpdates" in err  # the library debug lines naming the Bot API URLs were logged...
    assert BOT_TOKEN not in err and BOT_TOKEN.split(":")[1] not in err  # ...without the token


async def test_a_refused_token_is_named_by_its_last_characters_only(tmp_path):
    wrong = "7123456789:AAHwrongwrongwrongwrongwrongwrong99"
    async with FakeTelegram(token=BOT_TOKEN) as server:
        code, err = await _run_cli(tmp_path, server, wrong, wait_for_polls=0)
    assert code == 1, err[-2000:]
    assert wrong not in err and wrong.split(":")[1][:-4] not in err
    assert "error:" in err


async def test_the_telegram_adapter_names_a_refused_token_by_its_last_characters(tmp_path):
    from bot.commands import Services
    from bot.config import Secrets, TelegramConfig
    from bot.telegram import TelegramAdapter
    from digests.errors import ConfigError
    from digests.store import Store

    wrong = "7123456789:AAHwrongwrongwrongwrongwrongwrong99"
    async with FakeTelegram(token=BOT_TOKEN) as server:
        store = await Store.open(str(tmp_path / "t.db"))
        adapter = TelegramAdapter(TelegramConfig(base_url=server.base_url), Secrets(telegram_bot_token=wrong),
                                  Services(store))
        try:
            with pytest.raises(ConfigError) as refused:
                await adapter.start()
        finally:
            await adapter.stop()
            await store.close()
    assert wrong not in str(refused.value) and wrong[-4:] in str(refused.value)
