"""Options from the environment alone (no file): `config show` says where each came from,
masks secrets, and the bot behaves as the environment says."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from bot.cli import main
from bot.cli_config import mask_secret
from bot.config import load_config
from bot.config_env import env_name
from digests.errors import ConfigError

DEMO_HEADLINES = [
    "Millbrook library switches on its solar roof",
    "Night ferry returns to the Millbrook crossing",
    "Millbrook pupils build a robot that sorts recycling",
    "River festival moves to the old harbour after record crowds",
]
CLEAN = {"TELEGRAM_BOT_TOKEN": "", "SLACK_BOT_TOKEN": "", "NEWSDIGEST_CONFIG": "", "NEWSDIGEST_DB": ""}


def _show(runner: CliRunner, env: dict[str, str], *args: str) -> dict[tuple[str, str], dict]:
    result = runner.invoke(main, [*args, "config", "show", "--format", "json"], env=env)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["path"] is None
    return {(o["section"], o["key"]): o for o in data["options"]}


def test_environment_only_configuration_is_shown_and_obeyed(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no ./newsdigest.toml
    db = tmp_path / "from-env.db"
    env = {**CLEAN, "NEWSDIGEST_DB": str(db), "NEWSDIGEST_DIGEST__TITLE": "Harbour morning brief",
           "NEWSDIGEST_DIGEST__MAX_ITEMS": "2", "NEWSDIGEST_SCHEDULER__DEFAULT_TIMEZONE": "Europe/Kyiv",
           "NEWSDIGEST_SCHEDULER__DEFAULT_DIGEST_TIME": "06:45", "NEWSDIGEST_LOG_LEVEL": "ERROR",
           "NEWSDIGEST_TELEGRAM__ADMINS": "111, 222", "NEWSDIGEST_METRICS__ENABLED": "true",
           "SLACK_SIGNING_SECRET": "0123456789abcdef"}
    runner = CliRunner()
    shown = _show(runner, env)
    assert shown["digest", "title"] == {"section": "digest", "key": "title", "value": "Harbour morning brief",
                                        "source": "env"}
    assert shown["digest", "max_items"]["value"] == 2  # typed, not the text "2"
    assert shown["telegram", "admins"]["value"] == ["111", "222"]
    assert shown["metrics", "enabled"]["value"] is True
    assert shown["logging", "level"] == {"section": "logging", "key": "level", "value": "ERROR", "source": "env"}
    assert shown["store", "database"]["source"] == "env"
    assert shown["ingest", "retries"] == {"section": "ingest", "key": "retries", "value": 3, "source": "default"}
    secret = shown["secrets", "SLACK_SIGNING_SECRET"]
    assert secret["source"] == "env" and secret["value"] == "****cdef" and "0123" not in json.dumps(list(shown.values()))
    assert shown["secrets", "TELEGRAM_BOT_TOKEN"]["source"] == "unset"

    # The command line beats the environment, and says so.
    flagged = _show(runner, env, "--db", str(tmp_path / "flag.db"), "-v")
    assert flagged["store", "database"] == {"section": "store", "key": "database",
                                            "value": str(tmp_path / "flag.db"), "source": "cli"}
    assert flagged["logging", "level"]["source"] == "cli"

    # Behaviour: the digest printed uses the title and the item cap from the environment,
    # the database is where NEWSDIGEST_DB says, new chats get the environment's zone and time.
    run = runner.invoke(main, ["run", "--once"], env=env)
    assert run.exit_code == 0, run.output
    assert "Harbour morning brief" in run.stdout
    stories = [line[2:] for line in run.stdout.splitlines() if line.startswith("• ")]
    assert len(stories) == 2 and set(stories) <= set(DEMO_HEADLINES)
    assert db.is_file()
    status = runner.invoke(main, ["status", "--format", "json"], env=env)
    assert status.exit_code == 0, status.output
    (sub,) = json.loads(status.stdout)["next_digests"]
    assert sub["timezone"] == "Europe/Kyiv" and sub["digest_time"] == "06:45"


def test_text_output_lists_every_option_with_its_source(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    cfg = tmp_path / "c.toml"
    cfg.write_text('[ingest]\nretries = 5\n[digest]\ntitle = "From the file"\n')
    env = {**CLEAN, "NEWSDIGEST_CONFIG": str(cfg), "NEWSDIGEST_DIGEST__TITLE": "From env",
           "NEWSDIGEST_DB": "postgresql://news:hunter2pass@db.example/newsdigest"}
    result = CliRunner().invoke(main, ["config", "show"], env=env)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert f"# config file: {cfg}" in lines
    assert 'retries = 5  # file' in lines
    assert 'title = "From env"  # env' in lines  # env beats the file
    assert 'poll_interval_minutes = 15  # default' in lines
    assert "hunter2pass" not in result.stdout and "news:****@db.example" in result.stdout


@pytest.mark.parametrize("name, value, message", [
    ("NEWSDIGEST_INGEST__RETRIES", "three", "NEWSDIGEST_INGEST__RETRIES: must be int, not 'three'"),
    ("NEWSDIGEST_METRICS__ENABLED", "maybe", "must be bool"),
    ("NEWSDIGEST_INGEST__RETRY", "3", "unknown option ingest.retry (known: NEWSDIGEST_INGEST__A"),
    ("NEWSDIGEST_BOGUS__X", "1", "unknown section 'bogus' (known: NEWSDIGEST_STORE__<KEY>"),
])
def test_bad_environment_is_one_clear_error(tmp_path, monkeypatch, name, value, message):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace("[", r"\[")):
        load_config(env={name: value})
    result = CliRunner().invoke(main, ["config", "show"], env={**CLEAN, name: value})
    assert result.exit_code == 1 and name in result.stderr and "Traceback" not in result.output


def test_every_option_has_a_variable_and_types_match_the_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    from dataclasses import fields

    from bot.config import SECTION_CLASSES

    env = {}
    for section, cls in SECTION_CLASSES.items():
        for f in fields(cls):
            default = getattr(cls(), f.name)
            text = ",".join(default) if isinstance(default, tuple) else str(default).lower() if isinstance(default, bool) else str(default)
            env[env_name(section, f.name)] = text
    config = load_config(env=env)
    for section, cls in SECTION_CLASSES.items():
        assert getattr(config, section) == cls(), section
    assert set(config.origins.values()) == {"env"}


def test_other_newsdigest_variables_are_not_options(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    config = load_config(env={"NEWSDIGEST_TEST_POSTGRES_URL": "postgresql://x", "NEWSDIGEST_ROLE": "deliver"})
    assert set(config.origins.values()) == {"default"}


def test_masking_shows_at_most_four_characters():
    assert mask_secret("xoxb-1234567890-abcd") == "****abcd"
    assert mask_secret("short") == "****t"
    assert mask_secret("abc") == "****"
    assert mask_secret(None) is None
