"""The ``metaclone`` command line.

``main(argv)`` returns the exit status: 0 success, 1 ``check`` found problems, 2 usage error,
3 input rejected or operation refused, 123 internal error.  Bad input never shows a traceback,
and nothing is written unless the whole command succeeds; every write is atomic.

One module per job: :mod:`.console` (exit statuses, output, error lines), :mod:`.inputs` and
:mod:`.outputs` (what the options name and where results go), :mod:`.options` (shared options
and examples), :mod:`.parser` (every command and its options, importing no library code) and
one module of handlers per group of commands, imported when one of its commands runs.
"""

from __future__ import annotations

import contextlib
import gc
import os
import sys
from collections.abc import Sequence
from typing import TextIO

from metaclone.cli.console import (
    EXIT_INTERNAL,
    EXIT_OK,
    EXIT_PROBLEMS,
    EXIT_REFUSED,
    EXIT_USAGE,
    Console,
    error_lines,
)
from metaclone.cli.parser import build_parser
from metaclone.errors import MetacloneError

__all__ = [
    "EXIT_INTERNAL",
    "EXIT_OK",
    "EXIT_PROBLEMS",
    "EXIT_REFUSED",
    "EXIT_USAGE",
    "Console",
    "build_parser",
    "main",
]


def main(
    argv: Sequence[str] | None = None,
    *,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
) -> int:
    """Run the command line; return the exit status."""
    console = Console(stdout or sys.stdout, stderr or sys.stderr)
    arguments = sys.argv[1:] if argv is None else list(argv)
    completing = "_ARGCOMPLETE" in os.environ
    # The parser of the command named alone: building all of them is start-up time.
    parser = build_parser(None if completing or not arguments else arguments[0])
    if completing:
        # A shell asks for completions (see `metaclone completion`): answer and exit.
        import argcomplete

        argcomplete.autocomplete(parser)
    if not arguments:
        for line in parser.format_help().rstrip("\n").split("\n"):
            console.say(line)
        return EXIT_USAGE
    try:
        args = parser.parse_args(arguments)
    except SystemExit as exit_:
        return exit_.code if isinstance(exit_.code, int) else EXIT_USAGE
    if getattr(args, "password_env", None) and getattr(args, "password_file", None):
        console.say("metaclone: error: give --password-env or --password-file, not both")
        return EXIT_USAGE
    console.quiet = bool(getattr(args, "quiet", False))
    # A command reads a file into values that hold no reference cycles (sites, bindings, the
    # index), hundreds of thousands of them in a large file: each full collection would walk
    # them all, several times a command, and find nothing to free.
    collecting = gc.isenabled()
    gc.disable()
    try:
        status: int = args.handler(args, console)
        if argv is None:
            # This process ends with the command: the collection Python runs on the way out
            # would walk every object the command read, only to free what exit frees anyway.
            gc.freeze()
        return status
    except Exception as error:
        return _exit_status(error, console)
    except KeyboardInterrupt:
        console.say("metaclone: interrupted; nothing was written")
        return 130
    finally:
        if collecting:
            gc.enable()


def _exit_status(error: Exception, console: Console) -> int:
    """Say what stopped a command, without a traceback, and return the exit status."""
    if isinstance(error, MetacloneError):
        for line in error_lines(error):
            console.say(line)
        return EXIT_REFUSED
    if isinstance(error, BrokenPipeError):
        # The reader went away (`metaclone sites ... | head`): not an error of the input.
        # Point stdout at nothing so that the interpreter's final flush stays quiet.
        devnull = os.open(os.devnull, os.O_WRONLY)
        with contextlib.suppress(OSError, ValueError):
            os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
        return EXIT_OK
    if isinstance(error, OSError):
        # Files that cannot be read or written (permissions, a missing folder for -o, ...).
        name = error.filename or ""
        console.say(f"metaclone: error: {name}: {error.strerror or error}")
        return EXIT_REFUSED
    import traceback

    console.say("metaclone: internal error (this is a bug; please report it with the input):")
    if os.environ.get("METACLONE_DEBUG"):
        for line in traceback.format_exc().rstrip().split("\n"):
            console.say(line)
    else:
        console.say(f"  {traceback.format_exc().splitlines()[-1]}")
    return EXIT_INTERNAL
