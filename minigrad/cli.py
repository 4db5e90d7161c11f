"""The ``minigrad`` command line: ``minigrad <command> [options]``.

Each command lives in ``minigrad/commands/<name>.py`` with two functions,
``configure(parser)`` (declare options) and ``run(args) -> int`` (exit code);
heavy imports happen inside ``run`` so ``minigrad --help`` stays fast.

Errors minigrad raises on purpose are printed as one paragraph without a
traceback (``--debug``, before or after the command, shows it): exit code 2 for
bad configuration or names, 1 for anything else (a failing plugin, ...), 130 on
Ctrl-C (with the notes the command attached, e.g. how to continue a training run).
``minigrad`` without a command prints the help and exits with 2; ``minigrad --version``
prints the version. ``python -m minigrad`` runs the same command line.
"""

from __future__ import annotations

import argparse
import errno
import importlib
import os
import sys
from collections.abc import Sequence

from minigrad.errors import ConfigError, MinigradError, UnknownComponentError

__all__ = ["COMMANDS", "build_parser", "main"]

#: errno values meaning a write found no room: disk full, file-size limit, quota.
_NO_ROOM = {errno.ENOSPC, errno.EFBIG} | ({errno.EDQUOT} if hasattr(errno, "EDQUOT") else set())

#: Command names, in the order ``--help`` lists them.
COMMANDS = ("train", "predict", "evaluate", "tune", "plugins", "check")


def _version() -> str:
    from minigrad import __version__  # the package is imported already: this module is in it

    return __version__


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every command's sub-parser.

    Example:
        >>> from minigrad.cli import build_parser
        >>> build_parser().parse_args(["plugins"]).command
        'plugins'
    """
    parser = argparse.ArgumentParser(
        prog="minigrad",
        description="minigrad: plugin-based reverse-mode autograd on NumPy.",
    )
    parser.add_argument("--version", action="version", version=f"minigrad {_version()}")
    parser.add_argument("--debug", action="store_true", help="show full tracebacks on errors")
    # Also accepted after the command; SUPPRESS keeps the top-level value when absent.
    debug = argparse.ArgumentParser(add_help=False)
    debug.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        module = importlib.import_module(f"minigrad.commands.{name}")
        summary = (module.__doc__ or "").strip().split("\n")[0]
        command = sub.add_parser(
            name,
            help=summary,
            description=module.__doc__,
            formatter_class=argparse.RawDescriptionHelpFormatter,
            parents=[debug],
        )
        module.configure(command)
        command.set_defaults(_run=module.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code.

    Example:
        >>> from minigrad.cli import main
        >>> main(["plugins", "--family", "nothing-here"])  # the message goes to stderr
        2
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    try:
        code = int(args._run(args) or 0)
        # output shorter than the buffer is written only now: a reader that went away
        # (`minigrad plugins | head -0`) must end here, not in the interpreter's final flush
        sys.stdout.flush()
        return code
    except MinigradError as err:
        if args.debug:
            raise
        message = " ".join(str(err).split())  # one paragraph, whatever the message's layout
        print(f"minigrad: error: {message}", file=sys.stderr)
        for note in getattr(err, "__notes__", ()):  # e.g. the layer of a Sequential that failed
            print(f"  note: {' '.join(str(note).split())}", file=sys.stderr)
        return 2 if isinstance(err, ConfigError | UnknownComponentError) else 1
    except KeyboardInterrupt as err:
        if args.debug:
            raise
        print("minigrad: interrupted", file=sys.stderr)
        for note in getattr(err, "__notes__", ()):  # e.g. what a training run saved
            print(f"  note: {' '.join(str(note).split())}", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # the reader of our output went away (``minigrad plugins | head``): stop quietly,
        # pointing stdout at devnull so the interpreter's final flush cannot fail again
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except OSError as err:  # a path given on the command line cannot be read or written
        if args.debug:
            raise
        where = f"{os.fsdecode(err.filename)!r}: " if err.filename is not None else ""
        if err.errno in _NO_ROOM:
            advice = (
                "no room to write it (the disk is full, or a quota or a file-size limit such as "
                "`ulimit -f` was reached); free some space or write elsewhere"
            )
        else:
            advice = "check the path and its permissions"
        print(
            f"minigrad: error: {where}{err.strerror or err}; {advice} (--debug shows the traceback)",
            file=sys.stderr,
        )
        for note in getattr(err, "__notes__", ()):  # e.g. that the file being replaced is intact
            print(f"  note: {' '.join(str(note).split())}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
