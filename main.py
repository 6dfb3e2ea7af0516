"""Fawkes Tracker. Without arguments: open the application window. With a sub-command: run headless
(``python main.py study --help``, ``python main.py cloak --help``, ``python main.py report --help``)."""
import sys


def main() -> int:
    if len(sys.argv) == 1:
        from gui.app import run

        return run()
    from core.cli import main as cli_main

    return cli_main(sys.argv[1:])


if __name__ == "__main__":
    sys.exit(main())
