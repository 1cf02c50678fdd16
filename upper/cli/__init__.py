"""The ``sdrlink`` command line.

Each command is a module of this package with ``register(subparsers)`` and ``run(args) -> int``,
listed in ``COMMANDS``. Modules import heavy parts (NumPy kernels, Numba) inside ``run`` so
that ``sdrlink --help`` stays fast and compiles nothing. Errors that derive from
``SdrlinkError`` print as one line and exit 2; nothing prints a traceback for bad input.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from phy.errors import SdrlinkError

__all__ = ["COMMANDS", "build_parser", "main"]

#: Command name -> module under upper.cli (in the order --help lists them).
COMMANDS = {
    "demo": "demo",
    "tx": "tx",
    "rx": "rx",
    "simulate": "simulate",
    "bench": "bench",
    "profiles": "profiles",
    "chat": "chat",
    "air": "air",
    "serve": "serve",
    "kiss-server": "kiss_server",
}


def _available_commands():
    for name, module_name in COMMANDS.items():
        try:
            module = importlib.import_module(f"upper.cli.{module_name}")
        except ModuleNotFoundError as error:
            if error.name == f"upper.cli.{module_name}":
                continue  # command not built yet
            raise
        yield name, module


def build_parser() -> tuple[argparse.ArgumentParser, dict]:
    parser = argparse.ArgumentParser(
        prog="sdrlink",
        description="A layered software-defined-radio transceiver.",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    modules = {}
    for name, module in _available_commands():
        module.register(subparsers)
        modules[name] = module
    return parser, modules


def main(argv: list[str] | None = None) -> int:
    parser, modules = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    try:
        return int(modules[args.command].run(args) or 0)
    except SdrlinkError as error:
        print(f"sdrlink {args.command}: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"sdrlink {args.command}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
