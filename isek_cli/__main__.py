"""Entry point. ``isek --version`` answers before anything heavy is imported."""

import sys


def main() -> None:
    if sys.argv[1:] in (["--version"], ["-V"]):
        from .version import __version__

        print(f"isek {__version__}")
        return
    import gc

    # Importing the CLI (typer, pydantic, the plan model) allocates some 100,000 objects, none of
    # them garbage: collector passes over them cost a warm command about 20 ms. Freezing them
    # afterwards keeps later passes from rescanning them.
    gc.disable()
    try:
        from .cli import run
    finally:
        gc.freeze()
        gc.enable()
    run()


if __name__ == "__main__":
    main()
