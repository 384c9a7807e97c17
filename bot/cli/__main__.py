"""``python -m bot.cli``: the ``ispbot`` command."""

from bot.cli import main

main()
