"""Two packages, one direction: digests/ is the product and never imports a chat platform
or bot/; the public surface of each module is declared."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FORBIDDEN = ("bot", "telegram", "slack_bolt", "slack_sdk", "aiohttp", "apscheduler", "click")


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_digests_never_imports_a_chat_platform_or_bot():
    offenders = {
        str(p.relative_to(ROOT)): sorted(_imports(p) & set(FORBIDDEN))
        for p in (ROOT / "digests").rglob("*.py")
        if _imports(p) & set(FORBIDDEN)
    }
    assert offenders == {}


def test_no_secrets_in_tracked_config_files():
    for path in [ROOT / "config.example.toml", *ROOT.glob("*.yml"), *ROOT.glob("*.yaml")]:
        if path.exists():
            text = path.read_text()
            assert "xoxb-" not in text.replace("xoxb-...", "") and "xapp-1-" not in text
