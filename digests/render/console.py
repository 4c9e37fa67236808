"""Answers printed with rich: a panel for the title, styled lines for the rest.

Article text is only ever placed in :class:`rich.text.Text` objects, never parsed as rich
markup, so a headline like "[bold red]x[/]" or "[link=…]" prints literally.
"""

from __future__ import annotations

from rich.console import Console, Group, RenderableType
from rich.panel import Panel
from rich.style import Style
from rich.table import Table
from rich.text import Text

from digests.answers import Answer, Notice
from digests.formatting import LEVEL_ICONS, web_url
from digests.render.text import Line, outline

__all__ = ["print_answer"]

_NOTICE_STYLES = {"info": "cyan", "success": "green", "warning": "yellow", "error": "bold red"}


def _linked(label: str, url: str | None, style: str = "") -> Text:
    href = web_url(url)
    return Text(label, style=Style.parse(style) + Style(link=href) if href else style)


def _links(line: Line) -> Text:
    text = Text(f"{line.text}: ", style="dim")
    for index, link in enumerate(line.links):
        if index:
            text.append(", ", style="dim")
        text.append_text(_linked(link.title or link.url, link.url, "underline"))
    return text


def _renderables(lines: list[Line]) -> list[RenderableType]:
    out: list[RenderableType] = []
    commands: Table | None = None
    for line in lines:
        if line.kind == "command":
            if commands is None:
                commands = Table(show_header=False, box=None, padding=(0, 2))
                out.append(commands)
            commands.add_row(Text(line.text, style="bold cyan"), Text(line.extra))
        elif line.kind == "heading":
            out += [Text(""), Text(line.text, style="bold magenta underline")]
        elif line.kind == "entry":
            out += [Text(""), Text("• ").append_text(_linked(line.text, line.url, "bold"))]
            if line.url:  # terminals without hyperlink support still show where it goes
                out.append(Text(f"  {line.url}", style="dim blue"))
        elif line.kind == "meta":
            out.append(Text(f"  {line.text}", style="dim"))
        elif line.kind == "para":
            out.append(Text(f"  {line.text}" if out else line.text))
        elif line.kind == "quote":
            quote = Text(f"“{line.text}”", style="italic")
            if line.extra:
                quote.append(f"\n— {line.extra}", style="dim")
            out.append(Panel(quote, border_style="dim", expand=False))
        elif line.kind == "links":
            out.append(Text("  ").append_text(_links(line)))
        elif line.kind == "subtitle":
            out.append(Text(line.text, style="dim"))
    return out


def print_answer(answer: Answer, console: Console) -> None:
    """Print ``answer`` on ``console``: the title in a panel, then the body."""
    if isinstance(answer, Notice):
        style = _NOTICE_STYLES.get(answer.level, "")
        icon = LEVEL_ICONS.get(answer.level, "")
        console.print(Text(f"{icon} {answer.text}".strip(), style=style))
        return
    lines = outline(answer)
    if lines and lines[0].kind == "title":
        head = [Text(lines[0].text, style="bold")]
        rest = lines[1:]
        if rest and rest[0].kind == "subtitle":
            head.append(Text(rest[0].text, style="dim"))
            rest = rest[1:]
        console.print(Panel(Group(*head), expand=False))
        lines = rest
    for renderable in _renderables(lines):
        console.print(renderable)
