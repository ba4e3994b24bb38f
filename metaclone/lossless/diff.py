"""Unified diffs of a document before and after an edit, exact enough for ``patch`` to apply.

Lines are split at ``\\n`` only and keep their line ends, so CRLF and ``\\r\\r\\n`` files diff
correctly (``str.splitlines`` would also split at characters that are legal inside XML values),
and a last line without a line end gets GNU diff's "\\ No newline at end of file" marker.

``difflib`` alone takes time in proportion to the square of a large file.  An edit changes a few
places in a file of a million lines, so the lines are first matched the way "patience" diff
matches them: the common head and tail are set aside, lines that occur exactly once on each side
anchor the rest (the longest run of anchors in the same order on both sides), and only the short
stretches between anchors go to ``difflib``.  The result is a correct edit script whatever the
input; its time is close to linear in the size of the file for the edits metaclone makes.
"""

from __future__ import annotations

import bisect
import difflib
from collections.abc import Iterator, Sequence
from typing import Protocol

from metaclone.lossless.patches import Patch, PatchedText

_NO_NEWLINE = "\\ No newline at end of file\n"

#: Beyond this many line pairs a stretch without anchors is not searched for matches: it is
#: shown as replaced whole, which is still a correct diff.
_MATCHER_LIMIT = 4_000_000

Opcode = tuple[str, int, int, int, int]
#: Line ranges of both sides: (alo, ahi, blo, bhi).
Stretch = tuple[int, int, int, int]


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


def _unique_anchors(a: Sequence[str], b: Sequence[str], stretch: Stretch) -> list[tuple[int, int]]:
    """Pairs (i, j) of lines found once in a[alo:ahi] and once in b[blo:bhi], a[i] == b[j],
    forming the longest chain that ascends on both sides."""
    alo, ahi, blo, bhi = stretch
    seen_a: dict[str, int] = {}
    for i in range(alo, ahi):
        line = a[i]
        seen_a[line] = -1 if line in seen_a else i
    seen_b: dict[str, int] = {}
    for j in range(blo, bhi):
        line = b[j]
        if seen_a.get(line, -1) >= 0:
            seen_b[line] = -1 if line in seen_b else j
    pairs = sorted((seen_a[line], j) for line, j in seen_b.items() if j >= 0)
    return _longest_ascending(pairs)


def _longest_ascending(pairs: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The longest subsequence of ``pairs`` (sorted by i) whose j ascend too."""
    # Lines only inserted or only removed leave every pair in order: the chain is all of them.
    j_values = [j for _, j in pairs]
    if j_values == sorted(j_values):
        return pairs
    tails: list[int] = []  # tails[k]: the smallest j that ends an ascending chain of k + 1
    ends: list[int] = []  # the index in pairs of that chain's last pair
    previous: list[int] = []
    for index, (_, j) in enumerate(pairs):
        k = bisect.bisect_left(tails, j)
        if k == len(tails):
            tails.append(j)
            ends.append(index)
        else:
            tails[k] = j
            ends[k] = index
        previous.append(ends[k - 1] if k else -1)
    chain: list[tuple[int, int]] = []
    index = ends[-1] if ends else -1
    while index >= 0:
        chain.append(pairs[index])
        index = previous[index]
    chain.reverse()
    return chain


def _opcodes(a: Sequence[str], b: Sequence[str]) -> list[Opcode]:
    """Edit operations turning ``a`` into ``b``, as ``SequenceMatcher.get_opcodes`` gives them."""
    found: list[Opcode] = []
    stretches = [(0, len(a), 0, len(b))]
    while stretches:
        alo, ahi, blo, bhi = stretches.pop()
        head = 0
        while alo + head < ahi and blo + head < bhi and a[alo + head] == b[blo + head]:
            head += 1
        found.append(("equal", alo, alo + head, blo, blo + head))
        alo, blo = alo + head, blo + head
        tail = 0
        while alo < ahi - tail and blo < bhi - tail and a[ahi - 1 - tail] == b[bhi - 1 - tail]:
            tail += 1
        found.append(("equal", ahi - tail, ahi, bhi - tail, bhi))
        ahi, bhi = ahi - tail, bhi - tail
        if alo == ahi or blo == bhi:
            found.append(("delete" if blo == bhi else "insert", alo, ahi, blo, bhi))
            continue
        anchors = _unique_anchors(a, b, (alo, ahi, blo, bhi))
        if not anchors:
            found.extend(_matched(a, b, (alo, ahi, blo, bhi)))
            continue
        for i, j, length in _runs(anchors):
            if (alo < i or blo < j) and a[alo:i] != b[blo:j]:
                stretches.append((alo, i, blo, j))
                alo, blo = i, j
            # Equal lines before the run (lines found more than once) join it: the common head
            # of their stretch would have taken them whole.
            found.append(("equal", alo, i + length, blo, j + length))
            alo, blo = i + length, j + length
        stretches.append((alo, ahi, blo, bhi))
    found.sort(key=lambda op: (op[1], op[3]))
    return _merged(found)


def _runs(anchors: list[tuple[int, int]]) -> Iterator[tuple[int, int, int]]:
    """The anchors as runs (i, j, length) of lines that follow each other on both sides."""
    start_i, start_j = anchors[0]
    length = 1
    for i, j in anchors[1:]:
        if i == start_i + length and j == start_j + length:
            length += 1
            continue
        yield start_i, start_j, length
        start_i, start_j, length = i, j, 1
    yield start_i, start_j, length


def _matched(a: Sequence[str], b: Sequence[str], stretch: Stretch) -> list[Opcode]:
    alo, ahi, blo, bhi = stretch
    if (ahi - alo) * (bhi - blo) > _MATCHER_LIMIT:
        return [("replace", alo, ahi, blo, bhi)]
    matcher = difflib.SequenceMatcher(None, a[alo:ahi], b[blo:bhi], autojunk=False)
    return [
        (tag, i1 + alo, i2 + alo, j1 + blo, j2 + blo)
        for tag, i1, i2, j1, j2 in matcher.get_opcodes()
    ]


def _merged(opcodes: list[Opcode]) -> list[Opcode]:
    """Empty operations dropped, neighbours of the same kind joined: runs of equal lines, and
    deletions and insertions that touch into one change."""
    merged: list[Opcode] = []
    for op in opcodes:
        tag, i1, i2, j1, j2 = op
        if i1 == i2 and j1 == j2:
            continue
        if merged and (merged[-1][0] == "equal") == (tag == "equal"):
            _, i1, _, j1, _ = merged.pop()
            if tag != "equal":
                tag = "insert" if i1 == i2 else "delete" if j1 == j2 else "replace"
        merged.append((tag, i1, i2, j1, j2))
    return merged


def _hunks(opcodes: list[Opcode], context: int) -> Iterator[list[Opcode]]:
    """The operations grouped into hunks with ``context`` equal lines around each change."""
    if opcodes[0][0] == "equal":
        _, i1, i2, j1, j2 = opcodes[0]
        opcodes[0] = ("equal", max(i1, i2 - context), i2, max(j1, j2 - context), j2)
    if opcodes[-1][0] == "equal":
        _, i1, i2, j1, j2 = opcodes[-1]
        opcodes[-1] = ("equal", i1, min(i2, i1 + context), j1, min(j2, j1 + context))
    group: list[Opcode] = []
    for tag, i1, i2, j1, j2 in opcodes:
        start_a, start_b = i1, j1
        if tag == "equal" and i2 - i1 > 2 * context:
            # A long unchanged run ends one hunk and starts the next.
            group.append((tag, i1, i1 + context, j1, j1 + context))
            yield group
            group = []
            start_a, start_b = i2 - context, j2 - context
        group.append((tag, start_a, i2, start_b, j2))
    if any(op[0] != "equal" for op in group):
        yield group


def _range(start: int, stop: int) -> str:
    length = stop - start
    if length == 1:
        return str(start + 1)
    return f"{start if length == 0 else start + 1},{length}"


def _unified(
    a: list[str], b: list[str], context: int, offset: int, new_offset: int | None = None
) -> Iterator[str]:
    """The hunks of ``a`` against ``b``, lines numbered from ``offset`` on the old side and
    ``new_offset`` (else ``offset``) on the new."""
    new_offset = offset if new_offset is None else new_offset
    for group in _hunks(_opcodes(a, b), context):
        first, last = group[0], group[-1]
        old = _range(first[1] + offset, last[2] + offset)
        new = _range(first[3] + new_offset, last[4] + new_offset)
        yield f"@@ -{old} +{new} @@\n"
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                yield from (" " + line for line in a[i1:i2])
                continue
            yield from ("-" + line for line in a[i1:i2])
            yield from ("+" + line for line in b[j1:j2])


_BLOCK = 1 << 16


class Text(Protocol):
    """A text read by slices: a ``str``, or one made of patches not yet applied."""

    def __len__(self) -> int: ...

    def __getitem__(self, index: slice, /) -> str: ...


def _common_head(a: str, b: Text) -> int:
    """How many leading characters ``a`` and ``b`` share (compared a block at a time in C,
    the blocks halved near the first difference)."""
    limit = min(len(a), len(b))
    at, size = 0, _BLOCK
    while size:
        while at + size <= limit and a[at : at + size] == b[at : at + size]:
            at += size
        size //= 2
    return at


def _common_tail(a: str, b: Text, limit: int) -> int:
    """How many trailing characters ``a`` and ``b`` share, at most ``limit``."""
    found, size = 0, _BLOCK
    while size:
        while (
            found + size <= limit
            and a[len(a) - found - size : len(a) - found]
            == b[len(b) - found - size : len(b) - found]
        ):
            found += size
        size //= 2
    return found


def _changed_lines(a: str, b: Text, context: int) -> tuple[int, str, str] | None:
    """The stretch of whole lines of ``a`` and ``b`` that holds every difference and ``context``
    lines around it, as (lines before it, stretch of a, stretch of b); None when the texts are
    equal.

    The lines before and after the stretch are the same on both sides, so the diff of the two
    stretches, its line numbers shifted, is the diff of the whole texts.
    """
    head = _common_head(a, b)
    if head == len(a) == len(b):
        return None
    tail = _common_tail(a, b, min(len(a), len(b)) - head)
    start = a.rfind("\n", 0, head) + 1
    for _ in range(context):
        start = a.rfind("\n", 0, max(start - 1, 0)) + 1
    # Only a newline inside the shared tail is a line end on both sides.
    newline = a.find("\n", len(a) - tail) if tail else -1
    for _ in range(context):
        if newline < 0:
            break
        newline = a.find("\n", newline + 1)
    cut = len(a) - newline - 1 if newline >= 0 else 0
    return a.count("\n", 0, start), a[start : len(a) - cut], b[start : len(b) - cut]


#: Lines of unchanged text read around each group of patches, beyond the context of a hunk: a
#: change the diff shows a little away from where the patch made it still gets its context.
_SLACK = 8

#: Beyond this many patches the windows are not worth their bookkeeping.
_MAX_WINDOWS = 1000


def _line_start(text: str, at: int, lines: int) -> int:
    """The start of the line holding ``at``, moved ``lines`` lines up (at most to 0)."""
    start = text.rfind("\n", 0, at) + 1
    for _ in range(lines):
        if start == 0:
            break
        start = text.rfind("\n", 0, start - 1) + 1
    return start


def _line_end(text: str, at: int, lines: int) -> int:
    """The end (past its line end) of the line holding ``at``, moved ``lines`` lines down (at
    most to the end of ``text``)."""
    end = at
    for _ in range(lines + 1):
        newline = text.find("\n", end)
        if newline < 0:
            return len(text)
        end = newline + 1
    return end


def _windows(before: str, patches: Sequence[Patch], context: int) -> list[tuple[int, int, int]]:
    """Whole-line ranges ``(start, end, delta)`` of ``before`` holding every patch with
    ``context`` lines and some slack around it, overlapping ranges joined; ``delta`` is how
    much longer the patches in a range make it."""
    margin = context + _SLACK
    windows: list[tuple[int, int, int]] = []
    for patch in patches:
        start = _line_start(before, patch.start, margin)
        end = _line_end(before, patch.end, margin)
        grows = len(patch.new) - (patch.end - patch.start)
        if windows and start <= windows[-1][1]:
            low, high, delta = windows.pop()
            start, end, grows = low, max(high, end), delta + grows
        windows.append((start, end, grows))
    return windows


def _windowed(before: str, after: PatchedText, context: int) -> Iterator[str]:
    """The hunks of ``after`` against ``before``, the text ``after`` patches, read window by
    window (see :func:`_windows`)."""
    line, counted, shift, grown = 0, 0, 0, 0
    for start, end, delta in _windows(before, after.patches, context):
        line += before.count("\n", counted, start)
        counted = start
        old_text = before[start:end]
        new_text = after[start + grown : end + grown + delta]
        grown += delta
        if old_text == new_text:
            continue
        old, new = _lines(old_text), _lines(new_text)
        yield from _unified(old, new, context, line, line + shift)
        shift += len(new) - len(old)


def unified_diff(before: str, after: Text, path: str, context: int = 3) -> str:
    """The changes from ``before`` to ``after`` as a unified diff of ``path`` ('' when equal).

    Both headers name ``path`` itself, so ``patch -p0 < DIFF`` (or ``patch PATH < DIFF``) updates
    the file in place.  ``after`` is read only around the changes.
    """
    if (
        isinstance(after, PatchedText)
        and after.text is before
        and 0 < len(after.patches) <= _MAX_WINDOWS
    ):
        hunks = "".join(_marked(_windowed(before, after, context)))
        return f"--- {path}\n+++ {path}\n" + hunks if hunks else ""
    changed = _changed_lines(before, after, context)
    if changed is None:
        return ""
    offset, old, new = changed
    body = _unified(_lines(old), _lines(new), context, offset)
    return f"--- {path}\n+++ {path}\n" + "".join(_marked(body))
