"""Only the registry and the platforms' own packages name a chat platform: start-up, the
cluster roles, the shared rate budget, the jobs and the CLI ask ``bot.platforms``."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from bot.platforms import platforms

ROOT = Path(__file__).resolve().parents[2]
PLATFORM_FREE = ["bot/app.py", "bot/cluster/roles.py", "bot/cluster/budget.py", "bot/digest_jobs.py",
                 "bot/cli_articles.py"]


def _docstrings(tree: ast.AST) -> set[int]:
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                ids.add(id(first.value))
    return ids


def platform_mentions(path: Path, names: set[str]) -> list[str]:
    """Code (not comments or docstrings) in ``path`` that names one of ``names``: string
    literals, identifiers, attributes and imported modules."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docs = _docstrings(tree)
    found = []
    for node in ast.walk(tree):
        words: list[str] = []
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docs:
            words = [node.value]
        elif isinstance(node, ast.Name):
            words = [node.id]
        elif isinstance(node, ast.Attribute):
            words = [node.attr]
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            words = [getattr(node, "module", None) or "", *(a.name for a in node.names)]
        for word in words:
            if any(name in word.lower() for name in names):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}: {word[:60]!r}")
    return found


@pytest.mark.parametrize("module", PLATFORM_FREE)
def test_module_names_no_chat_platform(module):
    chat_platforms = {p.name for p in platforms() if p.home_chat is None}
    assert chat_platforms >= {"telegram", "slack"}
    assert platform_mentions(ROOT / module, chat_platforms) == []


def test_the_check_finds_a_platform_named_in_code():
    sample = ROOT / "tests" / "bot" / "test_third_platform.py"  # names its own platform on purpose
    assert platform_mentions(sample, {"webhook"})
