"""Fawkes Tracker. Without arguments: open the application window. With a sub-command: run headless
(``python main.py study --help``, ``python main.py cloak --help``, ``python main.py report --help``)."""
import sys


def main() -> int:
    if len(sys.argv) == 1:
        from core.added_networks.store import load_into_catalogue
        from gui.app import run

        try:  # the ONNX networks the user added are listed beside the built-in trackers
            for problem in load_into_catalogue():
                print(f"warning: {problem}", file=sys.stderr)
        except ValueError as exc:  # a damaged list of networks must not keep the window shut
            print(f"warning: {exc}", file=sys.stderr)
        return run()
    from core.cli import main as cli_main

    return cli_main(sys.argv[1:])


if __name__ == "__main__":
    sys.exit(main())
