"""Entry point. ``isek --version`` answers before anything heavy is imported."""

import sys


def main() -> None:
    if sys.argv[1:] in (["--version"], ["-V"]):
        from .version import __version__

        print(f"isek {__version__}")
        return
    from .cli import run

    run()


if __name__ == "__main__":
    main()
