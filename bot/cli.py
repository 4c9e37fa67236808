"""The ``newsdigest`` command line.

Every command takes ``--config`` and ``--db``; errors are one line on stderr and a non-zero
exit, never a traceback (``-v`` shows more).
"""

from __future__ import annotations

import sys
from typing import Any

import click
from rich.console import Console

from bot.cli_context import CliContext, open_store, pass_ctx, register_config_secrets, run_async
from bot.logs import redact
from digests.errors import DigestError

__all__ = ["CliContext", "hoist_global_options", "main", "open_store", "pass_ctx", "register_config_secrets", "run_async"]

err_console = Console(stderr=True)


# Options of the group that a user may also type after the subcommand
# (`newsdigest run --config X`): moved in front of it before click parses.
_GLOBAL_OPTIONS = ("--config", "--db")


def hoist_global_options(args: list[str]) -> list[str]:
    """``args`` with every ``--config``/``--db`` found after the subcommand moved before it,
    so both placements mean the same. Nothing after ``--`` is touched."""
    front: list[str] = []
    rest: list[str] = []
    i = 0
    while i < len(args):
        arg = args[i]
        if arg == "--":
            rest += args[i:]
            break
        name = arg.split("=", 1)[0]
        if name in _GLOBAL_OPTIONS and (rest or front):
            if "=" in arg or i + 1 >= len(args):
                front.append(arg)
                i += 1
            else:
                front += [arg, args[i + 1]]
                i += 2
            continue
        rest.append(arg)
        i += 1
    return front + rest


class _Group(click.Group):
    """Turns our errors into one clear line on stderr and exit status 1."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        return super().parse_args(ctx, hoist_global_options(list(args)))

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except DigestError as exc:
            _print_error(exc)
            sys.exit(1)
        except (ValueError, OSError) as exc:
            if ctx.obj is not None and ctx.obj.verbose:
                raise
            _print_error(exc)
            sys.exit(1)


def _print_error(exc: BaseException) -> None:
    """One line, secrets masked (a library's error may quote the token it was given)."""
    from rich.markup import escape

    line = " ".join(redact(str(exc)).split())
    err_console.print(f"[red]error:[/red] {escape(line)}", markup=True, highlight=False, soft_wrap=True)


@click.group(cls=_Group)
@click.option("--config", "config_path", type=click.Path(dir_okay=False), envvar="NEWSDIGEST_CONFIG",
              help="Config file (default ./newsdigest.toml).")
@click.option("--db", envvar="NEWSDIGEST_DB", help="Database file path or SQLAlchemy URL (overrides the config).")
@click.option("-v", "--verbose", count=True, help="More logging (-vv for library debug logs).")
@click.version_option(package_name="newsdigest")
@click.pass_context
def main(ctx: click.Context, config_path: str | None, db: str | None, verbose: int) -> None:
    """Read news sources for you: clean articles, who said what, digests.

    --config and --db may also be given after the command (newsdigest run --db x.db)."""
    if db is not None and not db.strip():
        raise click.BadParameter("is empty: give a database file path or URL, or leave --db out", param_hint="--db")
    ctx.obj = CliContext(config_path=config_path, db=db, verbose=verbose)


def _register() -> None:
    from bot import cli_articles, cli_config, cli_run, cli_sources, cli_web

    for module in (cli_sources, cli_articles, cli_run, cli_web):
        module.register(main)
    main.add_command(cli_config.config_group)


_register()


if __name__ == "__main__":  # python -m bot.cli (python -m bot is the same)
    main(prog_name="newsdigest")
