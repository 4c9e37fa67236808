"""``python -m bot`` is the ``newsdigest`` command."""

from bot.cli import main

main(prog_name="newsdigest")
