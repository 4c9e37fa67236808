"""The runtime end to end on a temporary SQLite file with no chat tokens: the demo source is
read, a digest is printed, status reports it, and ``serve`` stops cleanly."""

from __future__ import annotations

import asyncio
import io
import json
from dataclasses import replace

from click.testing import CliRunner
from rich.console import Console

from bot.app import NewsdigestApp
from bot.cli import main
from bot.config import Secrets, StoreConfig, load_config

NO_TOKENS = {"TELEGRAM_BOT_TOKEN": "", "SLACK_BOT_TOKEN": "", "NEWSDIGEST_CONFIG": "", "NEWSDIGEST_DB": ""}
SPEAKERS = ["Maria Okafor", "Tomas Berg", "Elena Vasquez", "Priya Nair", "Lucia Moretti"]
DEMO_HEADLINES = [
    "Millbrook library switches on its solar roof",
    "Night ferry returns to the Millbrook crossing",
    "Millbrook pupils build a robot that sorts recycling",
    "River festival moves to the old harbour after record crowds",
]


def test_run_once_without_tokens_prints_a_digest_of_the_demo_articles(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no stray ./newsdigest.toml
    runner = CliRunner()
    db = str(tmp_path / "demo.db")
    result = runner.invoke(main, ["--db", db, "run", "--once"], env=NO_TOKENS)
    assert result.exit_code == 0, result.output
    for headline in DEMO_HEADLINES:
        assert headline in result.stdout
    assert any(name in result.stdout for name in SPEAKERS)  # key quotes are attributed
    assert "ingested 4 new articles" in result.stderr

    again = runner.invoke(main, ["--db", db, "run", "--once"], env=NO_TOKENS)
    assert again.exit_code == 0, again.output
    assert "ingested 0 new articles" in again.stderr  # nothing read twice

    status = runner.invoke(main, ["--db", db, "status", "--format", "json"], env=NO_TOKENS)
    assert status.exit_code == 0, status.output
    data = json.loads(status.stdout)
    assert [s["kind"] for s in data["sources"]] == ["folder"]
    assert data["sources"][0]["last_success_at"] and data["sources"][0]["last_error"] is None
    assert data["outbox"]["sent"] == 2 and data["outbox"]["pending"] == 0
    (sub,) = data["next_digests"]
    assert sub["platform"] == "console" and sub["next_at"]

    text = runner.invoke(main, ["--db", db, "status"], env=NO_TOKENS)
    assert text.exit_code == 0 and "next digest" in text.stdout


def test_run_once_no_demo_has_nothing_to_show(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    result = runner.invoke(main, ["--db", str(tmp_path / "empty.db"), "run", "--once", "--no-demo"], env=NO_TOKENS)
    assert result.exit_code == 0, result.output
    assert "ingested 0 new articles" in result.stderr
    assert not any(h in result.stdout for h in DEMO_HEADLINES)


def _config(tmp_path):
    config = load_config(None, database=str(tmp_path / "app.db"), env={})
    return replace(config, store=StoreConfig(database=str(tmp_path / "app.db")), secrets=Secrets())


async def test_serve_schedules_jobs_and_stops_cleanly(tmp_path):
    out = io.StringIO()
    stop = asyncio.Event()
    async with NewsdigestApp(_config(tmp_path), console=Console(file=out, width=100)) as app:
        serving = asyncio.create_task(app.serve(stop))
        for _ in range(200):
            if app.scheduler is not None and app.scheduler.running and app._scheduled:
                break
            await asyncio.sleep(0.05)
        jobs = set(app.scheduler.job_ids())
        assert {"ingest", "subscriptions", "alerts", "digest:1"} <= jobs
        status = await app.status()
        assert status.next_digests[0].next_at is not None
        stop.set()
        report = await asyncio.wait_for(serving, 20)
        assert not app.scheduler.running
    assert report.ingested == 4 and report.delivery.sent == 1
    assert DEMO_HEADLINES[0] in out.getvalue()
