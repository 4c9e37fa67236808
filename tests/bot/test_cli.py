"""The CLI as a user runs it: click's runner for most commands, a real subprocess (killed with
SIGKILL) for the crash test."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli import main
from tests.httpserver import Reply
from tests.news_factory import article_html, rss_feed

REPO = Path(__file__).resolve().parents[2]
SEED = REPO.parent / "shared" / "seeds" / "kyivpost-2025-02-12-bessent-kyiv.txt"
NO_SHARED = "../shared not present (the seed article lives outside the package)"


@pytest.fixture
def cli(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("NEWSDIGEST_DB", raising=False)
    monkeypatch.delenv("NEWSDIGEST_CONFIG", raising=False)
    runner = CliRunner()
    db = str(tmp_path / "cli.db")

    def run(*args, ok=True):
        result = runner.invoke(main, ["--db", db, *args], catch_exceptions=False)
        if ok:
            assert result.exit_code == 0, result.output + (result.stderr if hasattr(result, "stderr") else "")
        return result

    return run


def test_sources_add_list_export_import_remove(cli, tmp_path, http_server):
    feed = http_server.static("/rss.xml", rss_feed(http_server.base_url, []), content_type="application/rss+xml")
    assert "added" in cli("sources", "add", feed).output
    assert "already a source" in cli("sources", "add", feed).output
    listed = json.loads(cli("sources", "list", "--format", "json").output)
    assert [s["url"] for s in listed] == [feed] and listed[0]["kind"] == "feed"
    opml = tmp_path / "feeds.opml"
    cli("sources", "export", "-o", str(opml))
    cli("sources", "remove", feed)
    assert "No sources yet" in cli("sources", "list").output
    assert "imported 1 new feed " in cli("sources", "import", str(opml)).output
    result = cli("sources", "remove", "https://nope.example/rss", ok=False)
    assert result.exit_code == 1 and "no such source" in result.output


def test_an_imported_opml_never_adds_local_files(cli, tmp_path):
    opml = tmp_path / "theirs.opml"
    opml.write_text("""<?xml version="1.0"?><opml version="2.0"><head><title>x</title></head><body>
<outline text="ok" type="rss" xmlUrl="https://news.example.org/rss.xml"/>
<outline text="passwd" type="rss" xmlUrl="file:///etc/passwd"/>
<outline text="path" type="rss" xmlUrl="/etc/shadow"/>
<outline text="ftp" type="rss" xmlUrl="ftp://files.example.org/feed.xml"/>
</body></opml>""", encoding="utf-8")
    result = cli("sources", "import", str(opml))
    assert "imported 1 new feed " in result.output and "3 skipped" in result.output
    listed = json.loads(cli("sources", "list", "--format", "json").output)
    assert [s["url"] for s in listed] == ["https://news.example.org/rss.xml"]


def test_ingest_then_articles(cli, http_server, tmp_path):
    items = []
    for i in range(3):
        http_server.static(f"/n/{i}.html", article_html(100 + i).encode())
        items.append((f"/n/{i}.html", f"Story {i}"))
    feed = http_server.static("/rss.xml", rss_feed(http_server.base_url, items), content_type="application/rss+xml")
    cli("sources", "add", feed)
    out = cli("ingest").output
    assert "3 new" in out
    listed = json.loads(cli("articles", "--format", "json").output)
    assert len(listed) == 3
    assert "0 new" in cli("ingest").output


def test_analyze_jsonl_keeps_order_and_reports_bad_inputs(cli, tmp_path):
    page = tmp_path / "page.html"
    page.write_text(article_html(5, title="Harbour <b>deal</b> & _*[more]"))
    result = cli("analyze", "--format", "jsonl", str(page), str(tmp_path / "missing.html"), str(page))
    lines = [json.loads(line) for line in result.output.splitlines()]
    assert [l["source"] for l in lines] == [str(page), str(tmp_path / "missing.html"), str(page)]
    assert lines[0]["error"] is None and lines[0]["title"] == "Harbour <b>deal</b> & _*[more]"
    assert lines[1]["error"] and "no such file" in lines[1]["error"]
    for key in ("url", "title", "title_generated", "authors", "published", "language", "body", "related",
                "summary", "quotes", "people"):
        assert key in lines[0]


def test_errors_are_one_line_not_a_traceback(cli, tmp_path):
    result = cli("analyze", str(tmp_path / "nope.txt"), ok=False)
    assert result.exit_code == 1
    (tmp_path / "bad.toml").write_text("[ingest]\nretries = 'x'\n")
    result = CliRunner().invoke(main, ["--config", str(tmp_path / "bad.toml"), "articles"])
    assert result.exit_code == 1
    assert "Traceback" not in result.output and "ingest.retries must be int" in result.output


@pytest.mark.skipif(not SEED.exists(), reason=NO_SHARED)
def test_seed_ingest_and_who(cli):
    assert "1 new" in cli("ingest", str(SEED)).output
    card = json.loads(cli("who", "Yermak", "--format", "json").output)
    assert card["query"] == "Yermak"
    match = card["matches"][0]
    assert match["name"] == "Andrii Yermak"
    assert "Presidential Chief of Staff" in match["role"]
    texts = [q["text"] for q in match["quotes"]]
    assert any(t.startswith("We really have this big potential in the territory which we control") for t in texts)
    assert any(t.startswith("It can be lithium. It can be titanium, uranium, many others") for t in texts)
    seed_text = SEED.read_text(encoding="utf-8")
    assert all(t in seed_text for t in texts)  # verbatim
    waltz = json.loads(cli("who", "Waltz", "--format", "json").output)["matches"][0]
    assert waltz["name"] == "Mike Waltz" and "National Security Adviser" in waltz["role"]
    bessent = json.loads(cli("who", "Bessent", "--format", "json").output)["matches"][0]
    assert bessent["name"] == "Scott Bessent" and "Treasury Secretary" in bessent["role"]
    unknown = cli("who", "Nobody", ok=False)
    assert unknown.exit_code == 1 and "don't know anyone" in unknown.output  # not found: 1, like grep


def _count(db: Path) -> tuple[int, int]:
    with sqlite3.connect(db) as conn:
        total = conn.execute("SELECT count(*) FROM articles").fetchone()[0]
        distinct = conn.execute("SELECT count(DISTINCT url) FROM articles").fetchone()[0]
    return total, distinct


def test_crash_mid_ingest_then_rerun_loses_nothing_and_stores_nothing_twice(tmp_path, http_server):
    n = 30
    items = []
    for i in range(n):
        # Slow pages, so the kill lands while items are still being fetched.
        http_server.sequence(f"/slow/{i}.html", [Reply(200, article_html(300 + i).encode(), {"Content-Type": "text/html"}, delay=0.3)])
        items.append((f"/slow/{i}.html", f"Story {i}"))
    http_server.static("/rss.xml", rss_feed(http_server.base_url, items), content_type="application/rss+xml")
    db = tmp_path / "crash.db"
    env = {**os.environ, "NEWSDIGEST_DB": str(db)}
    env.pop("NEWSDIGEST_CONFIG", None)
    cmd = [sys.executable, "-m", "bot", "--db", str(db)]
    subprocess.run([*cmd, "sources", "add", http_server.url("/rss.xml")], check=True, env=env, cwd=tmp_path,
                   capture_output=True)
    proc = subprocess.Popen([*cmd, "ingest"], env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    stored = 0
    while time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
        try:
            stored = _count(db)[0]
        except sqlite3.Error:
            continue
        if stored >= 3:
            break
    assert proc.poll() is None, "ingest finished before it could be killed"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    partial = _count(db)[0]
    assert 0 < partial < n
    rerun = subprocess.run([*cmd, "ingest"], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert rerun.returncode == 0, rerun.stderr
    total, distinct = _count(db)
    assert total == distinct == n


def test_subscribe_takes_negative_telegram_ids(cli):
    out = cli("subscribe", "telegram", "-100123", "--mode", "alerts", "--tz", "Europe/Kyiv").output
    assert "subscribed: telegram -100123: alerts" in out
    bad = cli("subscribe", "telegram", "-100123", "--tz", "Mars/Base", ok=False)
    assert bad.exit_code == 1 and "Unknown time zone" in bad.output


def test_ingest_with_analysis_processes(cli, tmp_path, http_server):
    (tmp_path / "newsdigest.toml").write_text("[ingest]\nanalysis_workers = 2\n")
    for i in range(4):
        http_server.static(f"/p/{i}.html", article_html(400 + i).encode())
    urls = [http_server.url(f"/p/{i}.html") for i in range(4)]
    result = CliRunner().invoke(main, ["--config", str(tmp_path / "newsdigest.toml"), "--db", str(tmp_path / "p.db"),
                                       "ingest", *urls], catch_exceptions=False)
    assert result.exit_code == 0 and "4 new" in result.output
