"""An offset column built from moved runs and new values reads as the plain list would.

An index brought through many edits keeps its offsets as raw values and delta points; every
way of reading it (one value, a slice, all of them, a binary search) must give what a list
rewritten entry by entry gives.
"""

from __future__ import annotations

import bisect
from array import array

import pytest
from hypothesis import given
from hypothesis import strategies as st

from metaclone.lossless import columns
from metaclone.lossless.columns import ColumnBuilder, OffsetColumn

# One step of a rebuild: a run of the column before (first, length, delta), or new values.
_STEPS = st.lists(
    st.one_of(
        st.tuples(st.integers(0, 40), st.integers(0, 15), st.integers(-50, 50)),
        st.lists(st.integers(0, 10**6), max_size=4),
    ),
    max_size=8,
)


def _rebuilt(
    column: OffsetColumn, plain: list[int], steps: list[tuple[int, int, int] | list[int]]
) -> tuple[OffsetColumn, list[int]]:
    builder, expected = ColumnBuilder(), []
    for step in steps:
        if isinstance(step, list):
            builder.add(step)
            expected.extend(step)
            continue
        first = min(step[0], len(plain))
        last = min(first + step[1], len(plain))
        builder.keep(column, first, last, step[2])
        expected.extend(value + step[2] for value in plain[first:last])
    return builder.build(), expected


def _assert_reads_as(column: OffsetColumn, expected: list[int]) -> None:
    assert len(column) == len(expected)
    assert [column[p] for p in range(len(column))] == expected
    assert list(column) == expected
    assert column.whole().tolist() == expected
    assert column[1:3].tolist() == expected[1:3]
    if expected:
        assert column[-1] == expected[-1]
    with pytest.raises(IndexError):
        column[len(expected)]
    with pytest.raises(IndexError):
        column[-len(expected) - 1]
    ordered = sorted(expected)
    if ordered == expected:
        for probe in (-1, 0, *expected, 10**7):
            assert bisect.bisect_right(column, probe) == bisect.bisect_right(expected, probe)


@given(st.lists(st.integers(0, 10**6), max_size=40), st.lists(_STEPS, min_size=1, max_size=6))
def test_a_column_brought_through_edits_reads_as_the_values_rewritten(
    start: list[int], edits: list[list[tuple[int, int, int] | list[int]]]
) -> None:
    column, plain = OffsetColumn(array("q", start), [0], [0]), start
    for steps in edits:
        column, plain = _rebuilt(column, plain, steps)
        _assert_reads_as(column, plain)


def test_many_delta_points_make_the_column_whole_again() -> None:
    builder = ColumnBuilder()
    source = OffsetColumn(array("q", range(1000)), [0], [0])
    for first in range(0, 1000, 2):
        builder.keep(source, first, first + 2, first)
    column = builder.build()
    # More delta points than MAX_POINTS: resolved once, one run.
    assert list(column.runs(0, len(column))) == [(0, 1000, 0)]
    assert column.whole().tolist() == [v + (v - v % 2) for v in range(1000)]
    assert columns.MAX_POINTS < 1000 // 2


def test_delta_points_must_start_at_the_first_position() -> None:
    with pytest.raises(ValueError, match="start at position 0"):
        OffsetColumn(array("q", [1, 2]), [1], [0])
