"""Unified diffs of a document before and after an edit, exact enough for ``patch`` to apply.

Lines are split at ``\\n`` only and keep their line ends, so CRLF and ``\\r\\r\\n`` files diff
correctly (``str.splitlines`` would also split at characters that are legal inside XML values),
and a last line without a line end gets GNU diff's "\\ No newline at end of file" marker.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator

_NO_NEWLINE = "\\ No newline at end of file\n"


def _lines(text: str) -> list[str]:
    pieces = text.split("\n")
    lines = [piece + "\n" for piece in pieces[:-1]]
    if pieces[-1]:
        lines.append(pieces[-1])
    return lines


def _marked(lines: Iterator[str]) -> Iterator[str]:
    for line in lines:
        if line.endswith("\n"):
            yield line
        else:
            yield line + "\n"
            yield _NO_NEWLINE


def unified_diff(before: str, after: str, path: str, context: int = 3) -> str:
    """The changes from ``before`` to ``after`` as a unified diff of ``path`` ('' when equal).

    Both headers name ``path`` itself, so ``patch -p0 < DIFF`` (or ``patch PATH < DIFF``) updates
    the file in place.
    """
    if before == after:
        return ""
    diff = difflib.unified_diff(
        _lines(before), _lines(after), fromfile=path, tofile=path, n=context
    )
    return "".join(_marked(diff))
