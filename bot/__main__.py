"""``python -m bot`` is the ``newsdigest`` command (same options, same exit codes): for a
checkout without the console script installed, or ``python -m bot run`` under systemd."""

from bot.cli import main

if __name__ == "__main__":
    main(prog_name="newsdigest")
