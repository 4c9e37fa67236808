"""Config: defaults without a file, the documented example is complete, bad input is one clear error."""

import tomllib
from dataclasses import fields
from pathlib import Path

import pytest

from bot.config import _SECTION_CLASSES, Config, load_config
from digests.errors import ConfigError

ROOT = Path(__file__).resolve().parents[2]


def test_defaults_work_without_a_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    config = load_config(env={})
    assert config.database == "newsdigest.db"
    assert config.path is None
    assert config.secrets.telegram_bot_token is None


def test_example_documents_every_option_and_only_those():
    example = tomllib.loads((ROOT / "config.example.toml").read_text())
    assert set(example) == set(_SECTION_CLASSES)
    for name, cls in _SECTION_CLASSES.items():
        assert set(example[name]) == {f.name for f in fields(cls)}, name
        # Every value shown is the default the code uses.
        loaded = load_config(ROOT / "config.example.toml", env={})
        assert getattr(loaded, name) == cls(), name


def test_example_holds_no_secrets():
    example = tomllib.loads((ROOT / "config.example.toml").read_text())
    for section in example.values():
        for key, value in section.items():
            assert "token" not in key and "secret" not in key
            assert not str(value).startswith(("xoxb-", "xapp-", "xoxp-"))


def test_secrets_come_from_the_environment(tmp_path):
    config = load_config(env={"TELEGRAM_BOT_TOKEN": "123:abc", "SLACK_SIGNING_SECRET": "s3"})
    assert config.secrets.telegram_bot_token == "123:abc"
    assert config.secrets.slack_signing_secret == "s3"


def test_db_precedence(tmp_path):
    cfg = tmp_path / "c.toml"
    cfg.write_text('[store]\ndatabase = "from-file.db"\n')
    assert load_config(cfg, env={}).database == "from-file.db"
    assert load_config(cfg, env={"NEWSDIGEST_DB": "env.db"}).database == "env.db"
    assert load_config(cfg, database="flag.db", env={"NEWSDIGEST_DB": "env.db"}).database == "flag.db"
    assert load_config(env={"NEWSDIGEST_CONFIG": str(cfg)}).database == "from-file.db"


@pytest.mark.parametrize(
    "text, message",
    [
        ("[ingest]\nretries = 'three'\n", "ingest.retries must be int"),
        ("[ingest]\nretry = 3\n", "unknown option ingest.retry"),
        ("[bogus]\nx = 1\n", "unknown section [bogus]"),
        ("[ingest\n", "not valid TOML"),
    ],
)
def test_bad_config_is_one_clear_error(tmp_path, text, message):
    cfg = tmp_path / "c.toml"
    cfg.write_text(text)
    with pytest.raises(ConfigError, match=message.replace("[", r"\[").replace("]", r"\]")):
        load_config(cfg, env={})


def test_missing_explicit_config_is_an_error(tmp_path):
    with pytest.raises(ConfigError, match="config file not found"):
        load_config(tmp_path / "nope.toml", env={})


def test_config_is_frozen():
    with pytest.raises(Exception):
        Config().store.database = "x"  # type: ignore[misc]


def test_each_option_takes_the_highest_layer_and_remembers_it(tmp_path):
    cfg = tmp_path / "c.toml"
    cfg.write_text('[ingest]\nretries = 5\nmax_redirects = 2\n[logging]\nlevel = "ERROR"\n')
    env = {"NEWSDIGEST_INGEST__RETRIES": "6", "NEWSDIGEST_LOG_LEVEL": "INFO"}
    config = load_config(cfg, env=env, overrides={"logging.level": "DEBUG"})
    assert (config.ingest.retries, config.ingest.max_redirects, config.logging.level) == (6, 2, "DEBUG")
    assert config.origins["ingest.retries"] == "env"
    assert config.origins["ingest.max_redirects"] == "file"
    assert config.origins["logging.level"] == "cli"
    assert config.origins["ingest.read_timeout"] == "default"


def test_metrics_are_off_until_enabled(tmp_path):
    assert load_config(env={}).metrics.enabled is False
    cfg = tmp_path / "c.toml"
    cfg.write_text('[metrics]\nenabled = true\nlisten = "0.0.0.0:9464"\n')
    assert load_config(cfg, env={}).metrics.enabled is True
    with pytest.raises(ConfigError, match="metrics.enabled must be bool"):
        load_config(env={"NEWSDIGEST_CONFIG": str(cfg)}, overrides={"metrics.enabled": "yes"})
