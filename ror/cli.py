"""The ``ror`` command: one sub-command per job (DESIGN §6). Exit 0 ok, 1 failure, 2 bad usage."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from ror import __version__
from ror.errors import RorError

Command = Callable[[argparse.Namespace], int]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ror", description=__doc__)
    parser.add_argument("--version", action="version", version=f"ror {__version__}")
    parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    run: Command = args.run
    try:
        return run(args)
    except RorError as err:
        where = f" ({err.field})" if err.field else ""
        print(f"ror: {err.message}{where}", file=sys.stderr)
        return 2 if err.status < 500 else 1


if __name__ == "__main__":
    sys.exit(main())
