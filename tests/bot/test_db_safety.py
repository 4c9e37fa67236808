"""The database is never silently replaced, read commands never write, and what we create is
private to the operator: the CLI as a user runs it (a real process, its stderr as shown)."""

from __future__ import annotations

import os
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from digests.errors import StoreError
from digests.store import Store

READ_COMMANDS = [("status",), ("articles",), ("who", "Yermak"), ("digest",), ("sources", "list")]


def newsdigest(*args: str, db: Path, cwd: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NEWSDIGEST_", "TELEGRAM_", "SLACK_"))}
    return subprocess.run([sys.executable, "-m", "bot", "--db", str(db), *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120)


def _one_line_error(result: subprocess.CompletedProcess) -> str:
    assert result.returncode == 1, result.stdout + result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr  # no traceback, no SQLAlchemy "Background on this error"
    assert "Traceback" not in result.stderr and "sqlalche.me" not in result.stderr
    return lines[0]


@pytest.mark.parametrize("command", READ_COMMANDS, ids=[" ".join(c) for c in READ_COMMANDS])
def test_a_truncated_database_is_refused_not_replaced(tmp_path, command):
    db = tmp_path / "newsdigest.db"
    db.write_bytes(b"")
    line = _one_line_error(newsdigest(*command, db=db, cwd=tmp_path))
    assert "empty" in line and str(db) in line
    assert db.stat().st_size == 0  # still the operator's file, untouched


def test_a_truncated_database_is_refused_by_write_commands_too(tmp_path):
    db = tmp_path / "newsdigest.db"
    db.write_bytes(b"")
    line = _one_line_error(newsdigest("sources", "add", "https://feeds.example.org/rss.xml", db=db, cwd=tmp_path))
    assert "empty" in line and db.stat().st_size == 0


def test_random_bytes_and_a_foreign_sqlite_schema_are_refused(tmp_path):
    noise = tmp_path / "noise.db"
    noise.write_bytes(os.urandom(4096))
    assert "not a SQLite database" in _one_line_error(newsdigest("status", db=noise, cwd=tmp_path))
    foreign = tmp_path / "other.db"
    with sqlite3.connect(foreign) as conn:
        conn.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL)")
    before = foreign.read_bytes()
    for command in (("status",), ("sources", "add", "https://feeds.example.org/rss.xml")):
        assert "another program" in _one_line_error(newsdigest(*command, db=foreign, cwd=tmp_path))
    with sqlite3.connect(foreign) as conn:
        assert [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")] == ["invoices"]
    assert foreign.read_bytes() == before


def test_a_missing_database_is_not_created_by_a_read_command(tmp_path):
    db = tmp_path / "nothing-here.db"
    line = _one_line_error(newsdigest("status", db=db, cwd=tmp_path))
    assert f"no database at {db}" in line and "newsdigest run" in line
    assert not db.exists() and not list(tmp_path.iterdir())


async def test_read_only_store_refuses_every_write(tmp_path):
    db = tmp_path / "n.db"
    writable = await Store.open(str(db))
    await writable.sources.add("https://feeds.example.org/rss.xml", "feed")
    await writable.close()
    reader = await Store.open(str(db), read_only=True)
    try:
        assert [s.url for s in await reader.sources.list()] == ["https://feeds.example.org/rss.xml"]
        with pytest.raises(Exception, match="(?i)readonly|read-only|read only"):
            await reader.sources.add("https://other.example.org/rss.xml", "feed")
    finally:
        await reader.close()


def test_new_database_journals_and_folder_are_private(tmp_path):
    db = tmp_path / "state" / "newsdigest.db"
    result = newsdigest("sources", "add", "https://feeds.example.org/rss.xml", db=db, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert stat.S_IMODE(db.parent.stat().st_mode) == 0o700
    made = [p for p in db.parent.iterdir()]
    assert db in made
    for path in made:  # the database and whatever journal SQLite left beside it
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    # And a read while the journals exist keeps it that way.
    assert newsdigest("status", db=db, cwd=tmp_path).returncode == 0
    for path in db.parent.iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path


async def test_sqlite_journals_of_a_running_store_are_private(tmp_path):
    db = tmp_path / "live.db"
    store = await Store.open(str(db))
    try:
        await store.sources.add("https://feeds.example.org/rss.xml", "feed")
        journals = [p for p in tmp_path.iterdir() if p.name.startswith("live.db")]
        assert len(journals) >= 2  # the database and its -wal (and -shm) while open
        assert {stat.S_IMODE(p.stat().st_mode) for p in journals} == {0o600}
    finally:
        await store.close()


async def test_store_error_for_a_foreign_postgres_url_hides_the_password(tmp_path):
    with pytest.raises(StoreError) as refused:
        await Store.open("postgresql://newsdigest:hunter2-secret@127.0.0.1:1/none")
    assert "hunter2-secret" not in str(refused.value)
    assert "\n" not in str(refused.value) and "sqlalche.me" not in str(refused.value)


def test_a_damaged_database_is_one_line_without_sqlalchemys_background_link(tmp_path):
    db = tmp_path / "newsdigest.db"
    assert newsdigest("sources", "add", "https://feeds.example.org/rss.xml", db=db, cwd=tmp_path).returncode == 0
    data = bytearray(db.read_bytes())
    data[100:len(data)] = os.urandom(len(data) - 100)  # the header survives, the pages do not
    db.write_bytes(bytes(data))
    for command in (("status",), ("sources", "add", "https://other.example.org/rss.xml")):
        line = _one_line_error(newsdigest(*command, db=db, cwd=tmp_path))
        assert str(db) in line and "Background" not in line
