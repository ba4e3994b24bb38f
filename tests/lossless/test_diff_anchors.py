"""The anchoring of ``metaclone.lossless.diff`` (a chain of anchors already in order taken whole,
equal lines between runs of anchors joined to them) gives the diff the straightforward
anchoring below gives, line for line, whatever the edit."""

from __future__ import annotations

import bisect
import difflib
from collections.abc import Iterator, Sequence
from unittest import mock

from hypothesis import given, settings
from hypothesis import strategies as st

from metaclone.lossless import diff
from metaclone.lossless.diff import unified_diff

_Opcode = tuple[str, int, int, int, int]
_Stretch = tuple[int, int, int, int]


def _unique_anchors(a: Sequence[str], b: Sequence[str], stretch: _Stretch) -> list[tuple[int, int]]:
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
    tails: list[int] = []
    ends: list[int] = []
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


def _runs(anchors: list[tuple[int, int]]) -> Iterator[tuple[int, int, int]]:
    start_i, start_j = anchors[0]
    length = 1
    for i, j in anchors[1:]:
        if i == start_i + length and j == start_j + length:
            length += 1
            continue
        yield start_i, start_j, length
        start_i, start_j, length = i, j, 1
    yield start_i, start_j, length


def _matched(a: Sequence[str], b: Sequence[str], stretch: _Stretch) -> list[_Opcode]:
    alo, ahi, blo, bhi = stretch
    matcher = difflib.SequenceMatcher(None, a[alo:ahi], b[blo:bhi], autojunk=False)
    return [
        (tag, i1 + alo, i2 + alo, j1 + blo, j2 + blo)
        for tag, i1, i2, j1, j2 in matcher.get_opcodes()
    ]


def _merged(opcodes: list[_Opcode]) -> list[_Opcode]:
    merged: list[_Opcode] = []
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


def _opcodes(a: Sequence[str], b: Sequence[str]) -> list[_Opcode]:
    """Every stretch between anchors diffed again, equal or not."""
    found: list[_Opcode] = []
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
            found.append(("equal", i, i + length, j, j + length))
            if alo < i or blo < j:
                stretches.append((alo, i, blo, j))
            alo, blo = i + length, j + length
        stretches.append((alo, ahi, blo, bhi))
    found.sort(key=lambda op: (op[1], op[3]))
    return _merged(found)


# Few distinct lines, so that most occur more than once on a side, and some unique ones.
_LINES = st.sampled_from(["<a>", "</a>", "<b/>", "", "  <c/>"]) | st.integers(0, 30).map(str)


@st.composite
def _edits(draw: st.DrawFn) -> tuple[str, str]:
    before = draw(st.lists(_LINES, max_size=60))
    after = list(before)
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(after)))
        removed = draw(st.integers(0, 3))
        after[at : at + removed] = draw(st.lists(_LINES, max_size=5))
    if draw(st.booleans()):
        after = draw(st.permutations(after))
    return "\n".join(before) + "\n", "\n".join(after) + "\n"


@settings(max_examples=500, deadline=None)
@given(edit=_edits(), context=st.integers(0, 4))
def test_the_diff_is_that_of_the_straightforward_anchoring(
    edit: tuple[str, str], context: int
) -> None:
    before, after = edit
    found = unified_diff(before, after, "f", context)
    with mock.patch.object(diff, "_opcodes", _opcodes):
        assert found == unified_diff(before, after, "f", context)
