"""The rough edges a newcomer met in the CLI (issue 14, "CLI and messages"), each run through
the command line as a user runs it: click's runner on ``bot.cli.main``, or a subprocess of the
installed ``newsdigest`` where logging to the real stderr matters."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import regex
from click.testing import CliRunner

from bot.cli import main
from digests.formatting import ELLIPSIS, truncate
from tests.news_factory import article_html

NEWSDIGEST = Path(sys.executable).with_name("newsdigest")


@pytest.fixture
def runner(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for name in ("NEWSDIGEST_DB", "NEWSDIGEST_CONFIG", "TELEGRAM_BOT_TOKEN", "SLACK_BOT_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    runner = CliRunner()

    def run(*args: str):
        return runner.invoke(main, list(args), catch_exceptions=False)

    return run


def _one_error_line(result) -> str:
    """The output of a failed command: one line, no traceback."""
    assert "Traceback" not in result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1, result.output
    return lines[0]


# 1. --config and --db after the subcommand


def test_config_and_db_after_the_subcommand_mean_the_same_as_before(runner, tmp_path):
    db = str(tmp_path / "mine.db")
    added = runner("sources", "add", "https://news.example/rss.xml", "--db", db)
    assert added.exit_code == 0 and "added" in added.output
    after = runner("status", "--db", db)
    before = runner("--db", db, "status")
    assert after.exit_code == before.exit_code == 0
    assert "https://news.example/rss.xml" in after.output
    assert after.output.splitlines()[1:] == before.output.splitlines()[1:]  # line 0 is the clock
    assert runner("sources", "list", f"--db={db}", "--format", "json").exit_code == 0
    assert not (tmp_path / "newsdigest.db").exists()  # the default database was never touched

    config = tmp_path / "custom.toml"
    config.write_text('[digest]\ntitle = "Morning paper"\n', encoding="utf-8")
    shown = json.loads(runner("config", "show", "--format", "json", "--config", str(config), "--db", db).output)
    assert shown["path"] == str(config)
    options = {(o["section"], o["key"]): o for o in shown["options"]}
    assert options[("digest", "title")]["value"] == "Morning paper"
    assert options[("store", "database")]["source"] == "cli"


def test_run_reads_the_config_given_after_it(runner, tmp_path):
    config = tmp_path / "typo.toml"
    config.write_text("[telgram]\nbot_token_env = 'X'\n", encoding="utf-8")
    result = runner("run", "--once", "--config", str(config), "--db", str(tmp_path / "x.db"))
    assert result.exit_code == 1
    assert "unknown section" in _one_error_line(result)


# 2. a PostgreSQL URL without its driver


def test_a_postgres_url_without_its_driver_names_the_extra_to_install(runner, monkeypatch):
    # The driver is imported when the engine is made: None in sys.modules makes that import
    # fail exactly as it does where asyncpg was never installed.
    monkeypatch.setitem(sys.modules, "asyncpg", None)
    result = runner("status", "--db", "postgresql://reader@127.0.0.1:1/news")
    assert result.exit_code == 1
    line = _one_error_line(result)
    assert "asyncpg" in line and "pip install 'newsdigest[postgres]'" in line


# 3. --db that cannot be a database


def test_a_directory_as_db_is_one_clear_error_line(runner, tmp_path):
    for command in (["status"], ["sources", "add", "https://news.example/rss.xml"]):
        result = runner("--db", str(tmp_path), *command)
        assert result.exit_code == 1, command
        assert "not a file" in _one_error_line(result)


def test_a_read_command_on_a_missing_path_creates_nothing(runner, tmp_path):
    missing = tmp_path / "no" / "such" / "dir" / "x.db"
    result = runner("--db", str(missing), "status")
    assert result.exit_code == 1
    assert "no database" in _one_error_line(result)
    assert not (tmp_path / "no").exists()


def test_an_empty_db_is_an_error_not_the_default_database(runner, tmp_path):
    result = runner("--db", "", "status")
    assert result.exit_code == 2
    assert "--db" in result.output and "empty" in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "newsdigest.db").exists()


# 4. who and ask with nothing, or nobody, to look up


@pytest.fixture
def demo_db(runner, tmp_path) -> str:
    """A database after a first `newsdigest run --once` with no chat tokens (the demo articles)."""
    db = str(tmp_path / "demo.db")
    result = runner("--db", db, "run", "--once")
    assert result.exit_code == 0, result.output
    return db


def test_who_with_an_empty_name_is_a_usage_error(runner, demo_db):
    for name in ("", "   "):
        result = runner("--db", demo_db, "who", name)
        assert result.exit_code == 2
        assert "give a name" in result.output


def test_who_an_unknown_name_says_so_and_exits_1_like_grep(runner, demo_db):
    result = runner("--db", demo_db, "who", "Nobody Atall")
    assert result.exit_code == 1
    assert "I don't know anyone called “Nobody Atall”" in result.output
    as_json = runner("--db", demo_db, "who", "--format", "json", "Nobody Atall")
    assert as_json.exit_code == 1 and json.loads(as_json.output)["matches"] == []


def test_ask_with_nothing_says_what_to_type(runner, demo_db):
    for line in ("", "  ", "/"):
        result = runner("--db", demo_db, "ask", line)
        assert result.exit_code == 2
        assert 'newsdigest ask "/who' in result.output


# 5. counts, logs, hints


def _write_article(path: Path, seed: int) -> Path:
    path.write_text(article_html(seed), encoding="utf-8")
    return path


def test_ingest_counts_are_singular_for_one(runner, tmp_path):
    db = str(tmp_path / "n.db")
    first = _write_article(tmp_path / "first.html", 3)
    copy = tmp_path / "copy.html"
    copy.write_text(first.read_text(encoding="utf-8"), encoding="utf-8")
    assert runner("--db", db, "ingest", str(first)).exit_code == 0
    again = runner("--db", db, "ingest", str(copy))
    assert "1 duplicate," in again.output and "1 duplicates" not in again.output
    # A refused or unreachable URL is one error.
    failed = runner("--db", db, "ingest", "http://127.0.0.1:1/nothing-here")
    assert failed.exit_code == 1
    assert "1 error" in failed.output and "1 errors" not in failed.output
    assert "0 duplicates" in failed.output  # zero stays plural


def test_latest_one_article_is_singular(runner, demo_db):
    result = runner("--db", demo_db, "ask", "/latest 1")
    assert result.exit_code == 0
    assert "Latest 1 article" in result.output and "Latest 1 articles" not in result.output


def test_verbose_ingest_shows_log_lines(tmp_path):
    page = tmp_path / "notes.md"
    page.write_text("# not a web page\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k not in ("NEWSDIGEST_DB", "NEWSDIGEST_CONFIG")}
    proc = subprocess.run([str(NEWSDIGEST), "-v", "--db", str(tmp_path / "v.db"), "ingest", str(page)],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    logs = [json.loads(line) for line in proc.stderr.splitlines() if line.startswith("{")]
    assert any(record["logger"] == "digests.ingest" for record in logs), proc.stderr
    quiet = subprocess.run([str(NEWSDIGEST), "--db", str(tmp_path / "v.db"), "ingest", str(page)],
                           cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert not any(line.startswith("{") for line in quiet.stderr.splitlines())


def test_ingest_with_no_sources_says_how_to_add_one(runner, tmp_path):
    result = runner("--db", str(tmp_path / "empty.db"), "ingest")
    assert result.exit_code == 0
    assert "newsdigest sources add URL" in result.output


def test_who_json_names_its_count_for_what_it_counts(runner, demo_db):
    import sqlite3

    with sqlite3.connect(demo_db) as db:
        name = db.execute("SELECT name FROM people ORDER BY name LIMIT 1").fetchone()[0]
        articles = db.execute("SELECT count(DISTINCT m.article_id) FROM mentions m JOIN people p "
                              "ON p.id = m.person_id WHERE p.name = ?", (name,)).fetchone()[0]
    result = runner("--db", demo_db, "who", "--format", "json", name)
    assert result.exit_code == 0, result.output
    match = json.loads(result.output)["matches"][0]
    assert "mentions" not in match
    assert match["article_count"] == articles >= 1


# 6. what the console shows, and the demo


def test_console_messages_show_the_chat_and_time_and_the_demo_is_announced(runner, tmp_path):
    db = str(tmp_path / "first.db")
    result = runner("--db", db, "run", "--once")
    assert result.exit_code == 0, result.output
    rules = [line for line in result.output.splitlines() if "message to" in line]
    assert rules, result.output
    assert all(regex.search(r"message to console · \d{4}-\d\d-\d\d \d\d:\d\d", line) for line in rules)
    assert not any(key in result.output for key in ("preview:", "digest:", "alerts:"))
    assert "demo articles" in result.output and "newsdigest sources remove demo" in result.output

    removed = runner("--db", db, "sources", "remove", "demo")
    assert removed.exit_code == 0, removed.output
    sources = json.loads(runner("--db", db, "sources", "list", "--format", "json").output)
    assert not any("demo" in (s["url"] or "") for s in sources)
    status = json.loads(runner("--db", db, "status", "--format", "json").output)
    assert not any(d["platform"] == "console" for d in status["next_digests"])
    assert runner("--db", db, "sources", "remove", "demo").exit_code == 1  # nothing left to remove


def test_no_demo_run_says_nothing_about_a_demo(runner, tmp_path):
    result = runner("--db", str(tmp_path / "quiet.db"), "run", "--once", "--no-demo")
    assert result.exit_code == 0, result.output
    assert "demo articles" not in result.output


# 7. markup in errors


def test_an_error_keeps_its_square_brackets(runner, tmp_path):
    config = tmp_path / "typo.toml"
    config.write_text("[telgram]\n", encoding="utf-8")
    result = runner("--config", str(config), "--db", str(tmp_path / "x.db"), "status")
    assert result.exit_code == 1
    assert "unknown section [telgram]" in _one_error_line(result)


# 8. truncation and OPML


@pytest.mark.parametrize("text", ["Kyiv 🇺🇦🇺🇦 and 🇵🇱 today", "vote 1️⃣2️⃣3️⃣ #️⃣ now",
                                  "family 👩‍👩‍👧‍👦 and 👍🏽 ok", "cafe\u0301 e\u0301te\u0301"])
@pytest.mark.parametrize("units", ["chars", "utf16"])
def test_truncate_keeps_flags_and_keycaps_whole(text, units):
    graphemes = regex.findall(r"\X", text)
    boundaries = {len("".join(graphemes[:i])) for i in range(len(graphemes) + 1)}
    for limit in range(1, len(text) * 2 + 2):
        short = truncate(text, limit, units=units)
        kept = short.removesuffix(ELLIPSIS).rstrip()
        assert text.startswith(kept) and len(kept) in boundaries, (limit, short)


def test_sources_import_reads_an_opml_export_with_bare_ampersands_and_nbsp(runner, tmp_path):
    opml = tmp_path / "reader-export.opml"
    opml.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n<opml version="1.0"><head><title>Feeds&nbsp;export</title></head>'
        '<body><outline text="News & Politics">'
        '<outline text="Tom & Jerry&nbsp;Daily" type="rss" xmlUrl="https://a.example/rss?x=1&y=2"/>'
        '<outline text="Caf&eacute; &amp; Co" type="rss" xmlUrl="https://b.example/feed"/>'
        "</outline></body></opml>\n", encoding="utf-8")
    db = str(tmp_path / "o.db")
    result = runner("--db", db, "sources", "import", str(opml))
    assert result.exit_code == 0, result.output
    assert "imported 2 new feeds" in result.output
    sources = json.loads(runner("--db", db, "sources", "list", "--format", "json").output)
    assert {s["url"] for s in sources} == {"https://a.example/rss?x=1&y=2", "https://b.example/feed"}
    assert {s["title"] for s in sources} == {"Tom & Jerry\u00a0Daily", "Café & Co"}


def test_python_dash_m_runs_the_same_command_without_an_import_cycle():
    import subprocess
    import sys

    for module in ("bot", "bot.cli"):
        result = subprocess.run([sys.executable, "-m", module, "--help"], capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, result.stderr
        assert "Usage: newsdigest" in result.stdout and "who" in result.stdout and "circular" not in result.stderr
