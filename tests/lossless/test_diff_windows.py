"""Diffs of a text and its patches read window by window: the same edit script as a diff of
the two whole texts would apply, with line numbers right on both sides."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from metaclone.lossless.diff import unified_diff
from metaclone.lossless.patches import Patch, PatchedText, apply_patches
from tests.lossless.test_diff import _apply_hunks

_HEADER = re.compile(r"@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")


def _checked_headers(diff: str) -> list[tuple[int, int, int, int]]:
    """The hunk headers of ``diff`` after checking that each counts its own lines and that its
    new-side start follows from the old-side start and the hunks before it."""
    headers: list[tuple[int, int, int, int]] = []
    rows = diff.split("\n")[2:]
    shift = 0
    for index, row in enumerate(rows):
        match = _HEADER.fullmatch(row)
        if match is None:
            continue
        old_start, new_start = int(match[1]), int(match[3])
        old_length = 1 if match[2] is None else int(match[2])
        new_length = 1 if match[4] is None else int(match[4])
        body = []
        for line in rows[index + 1 :]:
            if line[:1] not in (" ", "-", "+", "\\"):
                break
            body.append(line[:1])
        assert body.count(" ") + body.count("-") == old_length
        assert body.count(" ") + body.count("+") == new_length
        # An empty side names the line before it.
        old_at = old_start if old_length else old_start + 1
        new_at = new_start if new_length else new_start + 1
        assert new_at == old_at + shift
        shift += new_length - old_length
        headers.append((old_start, old_length, new_start, new_length))
    return headers


def _patched(before: str, patches: list[Patch]) -> tuple[PatchedText, str]:
    return PatchedText(before, patches), apply_patches(before, patches)


_LINE = st.sampled_from(["<a>", "</a>", "  <b/>", "", "x", "y", "  <site id='1'/>", "z"])


@st.composite
def _texts_and_patches(draw: st.DrawFn) -> tuple[str, list[Patch]]:
    lines = draw(st.lists(_LINE, min_size=0, max_size=120))
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    before = newline.join(lines) + (newline if draw(st.booleans()) and lines else "")
    cuts = sorted(draw(st.lists(st.integers(0, len(before)), max_size=8)))
    patches = []
    for start, end in zip(cuts[::2], cuts[1::2], strict=False):
        new = draw(st.lists(_LINE, max_size=4).map(newline.join))
        if draw(st.booleans()):
            new += newline
        patches.append(Patch(start, end, new))
    return before, patches


@settings(max_examples=400, deadline=None)
@given(_texts_and_patches(), st.integers(0, 4))
def test_the_diff_of_patches_rebuilds_the_patched_text(
    case: tuple[str, list[Patch]], context: int
) -> None:
    before, patches = case
    after, patched = _patched(before, patches)
    diff = unified_diff(before, after, "f", context)
    if before == patched:
        assert diff == ""
        return
    assert _apply_hunks(before, diff) == patched
    _checked_headers(diff)
    # The whole texts give a diff that rebuilds the same text, hunk for hunk where the edit
    # leaves no doubt where it is (not asserted: both are correct edit scripts).
    assert _apply_hunks(before, unified_diff(before, patched, "f", context)) == patched


def test_distant_patches_are_read_alone_and_numbered_on_both_sides() -> None:
    lines = [f"    <site id='{i}'/>\n" for i in range(200_000)]
    before = "".join(lines)
    first = before.index("<site id='10'/>")
    middle = before.index("<site id='100000'/>")
    last = before.index("<site id='199990'/>")
    patches = [
        Patch(first, first, "<inserted/>\n    "),
        Patch(middle, middle + len("<site id='100000'/>"), "<site id='100000' x='1'/>"),
        Patch(last, last + len("<site id='199990'/>\n    "), ""),
    ]
    after, patched = _patched(before, patches)
    diff = unified_diff(before, after, "f")
    assert _checked_headers(diff) == [
        (8, 6, 8, 7),
        (99998, 7, 99999, 7),
        (199988, 7, 199989, 6),
    ]
    assert _apply_hunks(before, diff) == patched


def test_patches_that_change_nothing_give_no_diff() -> None:
    before = "a\nb\nc\n"
    after = PatchedText(before, [Patch(2, 3, "b")])
    assert unified_diff(before, after, "f") == ""


def test_patches_near_each_other_share_a_hunk() -> None:
    before = "".join(f"line {i}\n" for i in range(40))
    at_5, at_9 = before.index("line 5\n"), before.index("line 9\n")
    patches = [Patch(at_5, at_5 + 6, "five"), Patch(at_9, at_9 + 6, "nine")]
    after, patched = _patched(before, patches)
    diff = unified_diff(before, after, "f")
    assert _checked_headers(diff) == [(3, 11, 3, 11)]
    assert _apply_hunks(before, diff) == patched
