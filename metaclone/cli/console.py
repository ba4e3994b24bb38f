"""The terminal side of the command line: exit statuses, where output goes, error lines."""

from __future__ import annotations

import argparse
import os
import re
from collections.abc import Callable, Iterable
from itertools import islice
from typing import TextIO

from metaclone.errors import MetacloneError, ParseError
from metaclone.escaping import visible
from metaclone.lazy import lazy_pattern
from metaclone.messages import window

EXIT_OK = 0
EXIT_PROBLEMS = 1
EXIT_USAGE = 2
EXIT_REFUSED = 3
EXIT_INTERNAL = 123

Handler = Callable[[argparse.Namespace, "Console"], int]

#: The most text written to stdout in one call (characters).
_WRITE_PIECE = 1 << 20
#: How many lines :meth:`Console.out_lines` writes at once (a listing's lines are short).
_LINES_AT_ONCE = 8192


#: ANSI colours of the severity words, shown only on a terminal and never with NO_COLOR set.
_SEVERITY_COLOURS = {
    "error": "\x1b[31m",
    "warning": "\x1b[33m",
    "info": "\x1b[36m",
    "note": "\x1b[36m",
}
_SEVERITY_WORD = lazy_pattern(lambda: re.compile(r"(?<=: )(error|warning|info|note)(?=: )"))


def _colour_wanted(stream: TextIO) -> bool:
    """Whether ``stream`` is a terminal that should show colour (https://no-color.org)."""
    if os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def _painted(line: str) -> str:
    """``line`` with its first severity word (``: warning: ``) in colour."""
    return _SEVERITY_WORD.sub(
        lambda m: f"{_SEVERITY_COLOURS[m.group(1)]}{m.group(1)}\x1b[0m", line, count=1
    )


class Console:
    """Where output goes: the document or JSON on stdout, everything for people on stderr.

    Text for people (:meth:`say`, :meth:`out`, :meth:`out_lines`) holds names and values from
    files metaclone does not control, so each of its lines is shown through
    :func:`~metaclone.escaping.visible`: a line end, escape sequence or bidi override inside a
    value is shown as an escape, so one message or listed site is one line on the terminal and
    nothing in it can forge another line or move the cursor.  Data (:meth:`out_data`,
    :meth:`out_bytes`: JSON, a diff, the document) is written unchanged.
    """

    def __init__(self, stdout: TextIO, stderr: TextIO, *, quiet: bool = False) -> None:
        self.stdout = stdout
        self.stderr = stderr
        #: ``--quiet``: :meth:`note` says nothing; warnings, errors and instructions remain.
        self.quiet = quiet
        self._paint_stderr = _colour_wanted(stderr)

    def say(self, message: str) -> None:
        """One message on stderr: one line, whatever ``message`` holds."""
        line = visible(message)
        print(_painted(line) if self._paint_stderr else line, file=self.stderr)

    def note(self, message: str) -> None:
        """A message on what was done, which ``--quiet`` leaves out (see :meth:`say`)."""
        if not self.quiet:
            self.say(message)

    def out(self, text: str) -> None:
        """One line for people on stdout; a final line end in ``text`` is kept, no other."""
        line = text.removesuffix("\n")
        self.stdout.write(visible(line) + text[len(line) :])

    def out_lines(self, lines: Iterable[str]) -> None:
        """Lines for people on stdout, each shown as one line (see :meth:`out`); written some
        thousands at a time, so that neither a write per line nor every line at once is paid
        for."""
        given = iter(lines)
        while listed := list(islice(given, _LINES_AT_ONCE)):
            if all(map(str.isprintable, listed)):
                # Nothing to escape in any line (the usual case), checked in one pass.
                listed.append("")  # the last line's end, without another copy of the text
                self._write_large("\n".join(listed))
            else:
                self._write_large("".join([f"{visible(line)}\n" for line in listed]))

    def out_data(self, text: str | Iterable[str]) -> None:
        """Text for programs (JSON, a diff) on stdout, unchanged; given whole or in pieces,
        which are written as they come, a megabyte or so at a time."""
        if isinstance(text, str):
            self._write_large(text)
            return
        batch: list[str] = []
        size = 0
        for piece in text:
            batch.append(piece)
            size += len(piece)
            if size >= _WRITE_PIECE:
                self._write_large("".join(batch))
                batch, size = [], 0
        self._write_large("".join(batch))

    def json(self, schema: str, text: str | Iterable[str]) -> None:
        """Print ``text``, a JSON document that follows ``metaclone.schemas.schema(schema)``,
        whole or in pieces (see :meth:`out_data`)."""
        self.out_data(text)

    def _write_large(self, text: str) -> None:
        """Write ``text`` to stdout in pieces: the stream encodes what it is given at once,
        which for a listing of many sites would be another copy of all of it."""
        if len(text) <= _WRITE_PIECE:
            self.stdout.write(text)
            return
        for start in range(0, len(text), _WRITE_PIECE):
            self.stdout.write(text[start : start + _WRITE_PIECE])

    def out_bytes(self, data: bytes) -> None:
        buffer = getattr(self.stdout, "buffer", None)
        self.stdout.flush()
        if buffer is not None:
            buffer.write(data)
            buffer.flush()
        else:
            self.stdout.write(data.decode("utf-8", errors="surrogateescape"))


def error_lines(error: MetacloneError) -> list[str]:
    """The error as lines for the terminal: the message, then (for a file that could not be
    read) the offending line with a caret under the column, placed as the line is shown."""
    lines = [f"metaclone: error: {MetacloneError.__str__(error)}"]
    if isinstance(error, ParseError) and error.source_line is not None and error.column:
        # About 120 characters around the column: a line may be megabytes long.
        text, caret_at = window(error.source_line.expandtabs(1), error.column)
        before = visible(text[:caret_at])
        lines += [f"    {visible(text)}", f"    {' ' * len(before)}^"]
    return lines
