"""Platform-neutral renderers: turn an :data:`~digests.answers.Answer` into text.

``render_text`` and ``render_markdown`` (strings), ``print_answer`` (rich console). Each
escapes all article text. The chat platforms' renderers live beside their platform
(``bot/telegram/render.py``, ``bot/slack/render.py``): only bot/ uses them.
"""

from digests.render.console import print_answer
from digests.render.text import render_markdown, render_text

__all__ = [
    "render_text",
    "render_markdown",
    "print_answer",
]
